"""Closed vocabularies of the domain (GLOSSARY.md), with the Chinese and English names that
roster files and users may write for each value."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COMMISSIONER = "commissioner"
    ENVOY = "envoy"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class EntityCategory(StrEnum):
    LABORATORY = "laboratory"
    TECH_INNOVATION_CENTER = "tech_innovation_center"
    MANUFACTURING_INNOVATION_CENTER = "manufacturing_innovation_center"
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    MEDICAL_INSTITUTION = "medical_institution"
    TECH_ENTERPRISE = "tech_enterprise"
    OTHER = "other"


class EntityLevel(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    OTHER = "other"


class RegionKind(StrEnum):
    MOUNTAIN = "mountain"
    ISLAND = "island"
    OTHER = "other"


STAFF_ROLES = frozenset({Role.COMMISSIONER, Role.ENVOY})
OVERSIGHT_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})

ROLE_ALIASES: dict[str, Role] = {
    "服务专员": Role.COMMISSIONER,
    "知识产权服务专员": Role.COMMISSIONER,
    "专员": Role.COMMISSIONER,
    "commissioner": Role.COMMISSIONER,
    "特派员": Role.ENVOY,
    "知识产权特派员": Role.ENVOY,
    "envoy": Role.ENVOY,
    "监管": Role.SUPERVISOR,
    "监管人员": Role.SUPERVISOR,
    "supervisor": Role.SUPERVISOR,
    "管理员": Role.ADMIN,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
}

CATEGORY_ALIASES: dict[str, EntityCategory] = {
    "实验室": EntityCategory.LABORATORY,
    "技术创新中心": EntityCategory.TECH_INNOVATION_CENTER,
    "制造业创新中心": EntityCategory.MANUFACTURING_INNOVATION_CENTER,
    "高校": EntityCategory.UNIVERSITY,
    "大学": EntityCategory.UNIVERSITY,
    "科研机构": EntityCategory.RESEARCH_INSTITUTE,
    "科研院所": EntityCategory.RESEARCH_INSTITUTE,
    "医疗卫生机构": EntityCategory.MEDICAL_INSTITUTION,
    "医院": EntityCategory.MEDICAL_INSTITUTION,
    "科技型企业": EntityCategory.TECH_ENTERPRISE,
    "企业": EntityCategory.TECH_ENTERPRISE,
    "其他": EntityCategory.OTHER,
    **{c.value: c for c in EntityCategory},
}

LEVEL_ALIASES: dict[str, EntityLevel] = {
    "国家级": EntityLevel.NATIONAL,
    "国家": EntityLevel.NATIONAL,
    "省级": EntityLevel.PROVINCIAL,
    "省": EntityLevel.PROVINCIAL,
    "其他": EntityLevel.OTHER,
    "市级": EntityLevel.OTHER,
    "县级": EntityLevel.OTHER,
    "": EntityLevel.OTHER,
    **{c.value: c for c in EntityLevel},
}

REGION_KIND_ALIASES: dict[str, RegionKind] = {
    "山区": RegionKind.MOUNTAIN,
    "山区县": RegionKind.MOUNTAIN,
    "海岛": RegionKind.ISLAND,
    "海岛县": RegionKind.ISLAND,
    "其他": RegionKind.OTHER,
    "": RegionKind.OTHER,
    **{c.value: c for c in RegionKind},
}


class Route(StrEnum):
    """How a person, entity or region was put forward to the province (报送途径)."""

    DIRECT = "direct"  # 省级单位直接报送 / 省知识产权局直接征集
    TIERED = "tiered"  # 市、县（市、区）知识产权部门逐级报送 (via city and county)


class PoolState(StrEnum):
    """Where a record stands in the pool (seed 004: 报送 → 审核 → 培训 → 入库; 离库)."""

    SUBMITTED = "submitted"  # put forward, not yet reviewed
    REVIEWED = "reviewed"  # reviewed, not yet trained (people only)
    IN_POOL = "in_pool"  # may be assigned
    LEFT = "left"  # left the pool (people only); history kept


ROUTE_ALIASES: dict[str, Route] = {
    "省级单位直接报送": Route.DIRECT,
    "省级直接报送": Route.DIRECT,
    "直接报送": Route.DIRECT,
    "直报": Route.DIRECT,
    "省知识产权局直接征集": Route.DIRECT,
    "直接征集": Route.DIRECT,
    "直接": Route.DIRECT,
    "provincial": Route.DIRECT,
    "逐级报送": Route.TIERED,
    "市县逐级报送": Route.TIERED,
    "市、县逐级报送": Route.TIERED,
    "逐级征集推荐": Route.TIERED,
    "逐级推荐": Route.TIERED,
    "逐级": Route.TIERED,
    "via city and county": Route.TIERED,
    "via_city_county": Route.TIERED,
    **{r.value: r for r in Route},
}

#: 审核 (reviewed): yes / no words besides the generic 是/否.
REVIEWED_WORDS: dict[str, bool] = {
    "已审核": True, "审核通过": True, "通过": True, "reviewed": True, "passed": True,
    "approved": True,
    "待审核": False, "未审核": False, "未通过": False, "不通过": False, "pending": False,
}
#: 培训 (trained): yes / no words besides the generic 是/否.
TRAINED_WORDS: dict[str, bool] = {
    "已培训": True, "培训合格": True, "trained": True,
    "未培训": False, "待培训": False, "pending": False,
}
