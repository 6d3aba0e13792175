"""Roster rows (people, entities, regions, assignments): header mapping and row validation.

Pure: takes the cells a file reader produced, returns typed rows or every problem found, each
with its row number and a catalog key. The service layer checks what needs the database.

A cell left empty, or a column the file does not have, is "not stated": the pool states
(报送途径, 审核, 培训) of a record already in the database then stay as they are, and a new
record starts unreviewed. Warnings (a title row skipped, two people of one name) never stop
an import; errors do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bot.domain import eligibility
from bot.domain.vocab import (
    CATEGORY_ALIASES,
    LEVEL_ALIASES,
    REGION_KIND_ALIASES,
    REVIEWED_WORDS,
    ROLE_ALIASES,
    ROUTE_ALIASES,
    TRAINED_WORDS,
    EntityCategory,
    EntityLevel,
    RegionKind,
    Role,
    Route,
)

Kind = Literal["people", "entities", "regions", "assignments", "changes"]
#: What ``ipbot import`` takes; "changes" is the file of ``ipbot cycle roll``.
KINDS: tuple[Kind, ...] = ("people", "entities", "regions", "assignments")

_ROUTE = ("报送途径", "报送方式", "征集途径", "route")
_REVIEWED = ("审核", "审核状态", "reviewed")

# field -> header names accepted (Chinese or English), first one is canonical
COLUMNS: dict[Kind, dict[str, tuple[str, ...]]] = {
    "people": {
        "name": ("姓名", "name"),
        "role": ("角色", "role", "roles"),
        "phone": ("手机", "手机号", "电话", "phone", "mobile"),
        "unit": ("派出单位", "单位", "unit"),
        "ip_degree": ("知识产权相关专业", "ip_degree"),
        "experience_years": ("知识产权工作年限", "工作年限", "experience_years"),
        "in_service": ("在职", "in_service"),
        "city": ("市", "city"),
        "county": ("县", "county"),
        "language": ("语言", "language"),
        "route": _ROUTE,
        "reviewed": _REVIEWED,
        "trained": ("培训", "培训状态", "trained"),
        "left_on": ("离库日期", "left_on"),
        "left_reason": ("离库原因", "left_reason"),
    },
    "entities": {
        "name": ("名称", "服务对象", "name"),
        "category": ("类别", "category"),
        "level": ("级别", "level"),
        "city": ("市", "city"),
        "county": ("县", "county"),
        "credit_code": ("统一社会信用代码", "credit_code"),
        "route": _ROUTE,
        "reviewed": _REVIEWED,
    },
    "regions": {
        "county": ("县", "服务区域", "名称", "county", "name"),
        "city": ("市", "city"),
        "kind": ("类型", "kind"),
        "route": _ROUTE,
        "reviewed": _REVIEWED,
    },
    "assignments": {
        "person": ("人员", "姓名", "person"),
        "entity": ("服务对象", "entity"),
        "region": ("服务区域", "region"),
        "cycle": ("服务周期", "周期", "cycle"),
        "start": ("开始日期", "start"),
        "end": ("结束日期", "end"),
    },
}
COLUMNS["changes"] = COLUMNS["assignments"] | {"change": ("变动", "操作", "change", "action")}
REQUIRED: dict[Kind, tuple[str, ...]] = {
    "people": ("name", "role"),
    "entities": ("name", "category"),
    "regions": ("county",),
    "assignments": ("person",),
    "changes": ("person",),
}
CHANGE_ALIASES: dict[str, str] = {
    "新增": "add", "增加": "add", "保留": "add", "add": "add",
    "取消": "drop", "删除": "drop", "结束": "drop", "drop": "drop", "remove": "drop",
    "end": "drop", "": "add",
}
#: How many rows above the header may be a title (or empty) and are skipped.
TITLE_ROWS_MAX = 5

TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓", "在职"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "", "×", "离职"}
ROLE_SEPARATORS = re.compile(r"[、,，;；/|\s]+")
PHONE = re.compile(r"^\+?\d{5,20}$")
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class RowError:
    """A problem in one row (row 1 is the header) or in the header itself (row 1)."""

    row: int
    code: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersonRow:
    row: int
    name: str
    roles: frozenset[Role]
    phone: str | None
    unit: str
    ip_degree: bool
    experience_years: float
    in_service: bool
    scope_city: str | None
    scope_county: str | None
    language: str | None
    route: Route | None = None
    reviewed: bool | None = None  # None: not stated
    trained: bool | None = None
    left_on: date | None = None
    left_reason: str | None = None
    stated: frozenset[str] = frozenset()  # the fields the file has a column for

    @property
    def key(self) -> str:
        return self.phone or f"{self.name}@{self.unit}"

    @property
    def leaving(self) -> bool:
        """The row records a departure: 在职=否, or a 离库日期."""
        return not self.in_service or self.left_on is not None


@dataclass(frozen=True)
class EntityRow:
    row: int
    name: str
    category: EntityCategory
    level: EntityLevel
    city: str
    county: str
    credit_code: str | None
    route: Route | None = None
    reviewed: bool | None = None


@dataclass(frozen=True)
class RegionRow:
    row: int
    county: str
    city: str
    kind: RegionKind
    route: Route | None = None
    reviewed: bool | None = None


@dataclass(frozen=True)
class AssignmentRow:
    row: int
    person: str
    entity: str | None
    region: str | None
    cycle_start: date | None
    start: date | None
    end: date | None
    change: str = "add"  # changes file of a roll-over: add | drop
    stated: frozenset[str] = frozenset()

    @property
    def role(self) -> Role:
        return Role.COMMISSIONER if self.entity else Role.ENVOY


Row = PersonRow | EntityRow | RegionRow | AssignmentRow


def clean(value: Any) -> str:
    """A cell as trimmed NFKC text ('' for empty); whole floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    return unicodedata.normalize("NFKC", str(value)).strip()


def map_headers(kind: Kind, headers: Iterable[Any], row: int = 1
                ) -> tuple[dict[int, str], list[RowError]]:
    """Column index -> field; problems for unknown, duplicate or missing columns (reported on
    ``row``, the header's row number)."""
    aliases = {
        clean(name).lower(): fld for fld, names in COLUMNS[kind].items() for name in names
    }
    mapping: dict[int, str] = {}
    errors: list[RowError] = []
    for index, header in enumerate(headers):
        text = clean(header)
        if not text:
            continue
        fld = aliases.get(text.lower())
        if fld is None:
            errors.append(RowError(row, "roster.unknown_column", {"column": text}))
        elif fld in mapping.values():
            errors.append(RowError(row, "roster.duplicate_column", {"column": text}))
        else:
            mapping[index] = fld
    for fld in REQUIRED[kind]:
        if fld not in mapping.values():
            errors.append(RowError(row, "roster.missing_column",
                                   {"column": COLUMNS[kind][fld][0]}))
    return mapping, errors


def parse_rows(
    kind: Kind,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    min_years: Mapping[Role, float] = eligibility.DEFAULT_MIN_YEARS,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[Row], list[RowError]]:
    """Validate every row; rows that are entirely empty are skipped.

    ``labels`` names each field as the file's header wrote it (default: the Chinese header).
    """
    names = {fld: names[0] for fld, names in COLUMNS[kind].items()} | dict(labels or {})
    parser = {
        "people": lambda n, c: _person(n, c, min_years),
        "entities": _entity,
        "regions": _region,
        "assignments": _assignment,
        "changes": _assignment,
    }[kind]
    parsed: list[Row] = []
    errors: list[RowError] = []
    for number, cells in rows:
        if not any(cells.values()):
            continue
        row_errors: list[RowError] = []
        result = parser(number, _Cells(number, cells, row_errors, names))
        if row_errors or result is None:
            errors.extend(row_errors)
        else:
            parsed.append(result)
    errors.extend(_duplicates(kind, parsed))
    return parsed, errors


class _Cells:
    """Typed access to one row's cells, collecting problems instead of raising."""

    def __init__(self, row: int, cells: Mapping[str, str], errors: list[RowError],
                 names: Mapping[str, str]) -> None:
        self.row, self.cells, self.errors, self.names = row, cells, errors, names

    def fail(self, code: str, **values: Any) -> None:
        if "column" in values:
            values["column"] = self.names.get(values["column"], values["column"])
        self.errors.append(RowError(self.row, code, values))

    def text(self, fld: str, *, required: bool = False, max_len: int = 128) -> str:
        value = self.cells.get(fld, "")
        if required and not value:
            self.fail("roster.required", column=fld)
        elif len(value) > max_len:
            self.fail("roster.too_long", column=fld, max=max_len)
        return value

    def boolean(self, fld: str, default: bool) -> bool:
        value = self.cells.get(fld)
        if value is None:
            return default
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False if value or fld not in self.cells else default
        self.fail("roster.bad_bool", column=fld, value=value)
        return default

    def stated(self, fld: str) -> bool:
        return bool(self.cells.get(fld))

    def tristate(self, fld: str, words: Mapping[str, bool]) -> bool | None:
        """Yes, no, or None when the column is missing or the cell empty."""
        value = self.cells.get(fld, "")
        if not value:
            return None
        word = value.lower()
        if value in words or word in words:
            return words.get(value, words.get(word))
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.fail("roster.bad_bool", column=fld, value=value)
        return None

    def number(self, fld: str) -> float:
        value = self.cells.get(fld, "")
        if not value:
            return 0.0
        try:
            number = float(value.removesuffix("年"))
        except ValueError:
            self.fail("roster.bad_number", column=fld, value=value)
            return 0.0
        if not 0 <= number <= 70:
            self.fail("roster.bad_number", column=fld, value=value)
        return number

    def choice(self, fld: str, aliases: Mapping[str, Any], default: Any = None) -> Any:
        value = self.cells.get(fld, "")
        found = aliases.get(value, aliases.get(value.lower()))
        if found is None:
            if not value and default is not None:
                return default
            self.fail("roster.bad_choice", column=fld, value=value,
                      allowed="、".join(k for k in aliases if k and not k.isascii()))
        return found

    def day(self, fld: str) -> date | None:
        value = self.cells.get(fld, "")
        if not value:
            return None
        try:
            return date.fromisoformat(value.replace("/", "-")[:10])
        except ValueError:
            self.fail("roster.bad_date", column=fld, value=value)
            return None


def _person(row: int, c: _Cells, min_years: Mapping[Role, float]) -> PersonRow | None:
    name = c.text("name", required=True, max_len=64)
    roles: set[Role] = set()
    for word in ROLE_SEPARATORS.split(c.cells.get("role", "")):
        if not word:
            continue
        role = ROLE_ALIASES.get(word, ROLE_ALIASES.get(word.lower()))
        if role is None:
            c.fail("roster.bad_role", value=word)
        else:
            roles.add(role)
    if not roles and "role" in c.cells and not c.errors:
        c.fail("roster.required", column="role")
    phone = c.text("phone", max_len=32).replace(" ", "").replace("-", "") or None
    if phone and not PHONE.match(phone):
        c.fail("roster.bad_phone", value=phone)
    person = PersonRow(
        row=row,
        name=name,
        roles=frozenset(roles),
        phone=phone,
        unit=c.text("unit"),
        ip_degree=c.boolean("ip_degree", False),
        experience_years=c.number("experience_years"),
        in_service=c.boolean("in_service", True),
        scope_city=c.text("city", max_len=64) or None,
        scope_county=c.text("county", max_len=64) or None,
        language=(c.text("language", max_len=8) or None),
        route=_route(c),
        reviewed=c.tristate("reviewed", REVIEWED_WORDS),
        trained=c.tristate("trained", TRAINED_WORDS),
        left_on=c.day("left_on"),
        left_reason=c.text("left_reason", max_len=500) or None,
        stated=frozenset(c.cells),
    )
    if person.language and person.language not in ("zh", "en"):
        c.fail("roster.bad_choice", column="language", value=person.language, allowed="zh、en")
    if c.errors or person.leaving:
        # eligibility is judged only on valid cells, and for people who stay or join: the
        # service judges a departure of someone it does not know yet (a new person leaving)
        return person
    for e in eligibility_errors(person, min_years):
        c.errors.append(e)
    return person


def eligibility_errors(person: PersonRow, min_years: Mapping[Role, float] =
                       eligibility.DEFAULT_MIN_YEARS) -> list[RowError]:
    """Why ``person`` may not take their roles (seed 004), one problem per role."""
    quals = eligibility.Qualifications(person.in_service, person.ip_degree, person.experience_years)
    out = []
    for role in sorted(person.roles):
        reason = eligibility.check(role, quals, min_years)
        if reason is not None:
            out.append(RowError(person.row, reason.code, {
                "role": role.value, "years": _fmt(reason.min_years),
                "have": _fmt(person.experience_years)}))
    return out


def _route(c: _Cells) -> Route | None:
    if not c.cells.get("route"):
        return None
    found: Route | None = c.choice("route", ROUTE_ALIASES)
    return found


def _entity(row: int, c: _Cells) -> EntityRow | None:
    code = c.text("credit_code", max_len=18).upper() or None
    if code and not CREDIT_CODE.match(code):
        c.fail("roster.bad_credit_code", value=code)
    return EntityRow(
        row=row,
        name=c.text("name", required=True),
        category=c.choice("category", CATEGORY_ALIASES),
        level=c.choice("level", LEVEL_ALIASES, EntityLevel.OTHER),
        city=c.text("city", max_len=64),
        county=c.text("county", max_len=64),
        credit_code=code,
        route=_route(c),
        reviewed=c.tristate("reviewed", REVIEWED_WORDS),
    )


def _region(row: int, c: _Cells) -> RegionRow | None:
    return RegionRow(
        row=row,
        county=c.text("county", required=True, max_len=64),
        city=c.text("city", max_len=64),
        kind=c.choice("kind", REGION_KIND_ALIASES, RegionKind.OTHER),
        route=_route(c),
        reviewed=c.tristate("reviewed", REVIEWED_WORDS),
    )


def _assignment(row: int, c: _Cells) -> AssignmentRow | None:
    entity, region = c.text("entity"), c.text("region", max_len=64)
    if bool(entity) == bool(region):
        c.fail("roster.entity_xor_region")
    result = AssignmentRow(
        row=row,
        person=c.text("person", required=True),
        entity=entity or None,
        region=region or None,
        cycle_start=c.day("cycle"),
        start=c.day("start"),
        end=c.day("end"),
        change=c.choice("change", CHANGE_ALIASES, "add") if "change" in c.cells else "add",
        stated=frozenset(c.cells),
    )
    if result.start and result.end and result.end < result.start:
        c.fail("roster.end_before_start")
    return result


def _duplicates(kind: Kind, rows: list[Row]) -> list[RowError]:
    seen: dict[Any, int] = {}
    errors = []
    for r in rows:
        keys: list[Any] = []
        if isinstance(r, PersonRow):
            keys = [r.key] + ([("phone", r.phone)] if r.phone else [])
        elif isinstance(r, EntityRow):
            keys = [r.name] + ([("code", r.credit_code)] if r.credit_code else [])
        elif isinstance(r, RegionRow):
            keys = [r.county]
        elif isinstance(r, AssignmentRow):
            keys = [(r.person, r.entity, r.region, r.cycle_start, r.start)]
            if r.region and r.change == "add":
                keys.append(("region", r.region, r.cycle_start, r.start))
        for key in keys:
            if key in seen:
                errors.append(RowError(r.row, "roster.duplicate_row", {"first": seen[key]}))
                break
            seen[key] = r.row
    return errors


def same_name_warnings(rows: Iterable[Row]) -> list[RowError]:
    """Two different people of one name in a file: imported, with a warning naming both rows
    (an assignment by that name would be ambiguous; the phone number tells them apart)."""
    first: dict[str, PersonRow] = {}
    out = []
    for r in rows:
        if not isinstance(r, PersonRow):
            continue
        seen = first.get(r.name)
        if seen is None:
            first[r.name] = r
        elif seen.key != r.key:
            out.append(RowError(r.row, "roster.same_name", {"name": r.name, "first": seen.row}))
    return out


def find_header(kind: Kind, rows: Sequence[Sequence[Any]]) -> tuple[int, list[RowError]]:
    """Which of the first rows is the header: empty rows and title rows above it (one text,
    however many cells a merged title spans, that is not a column name) are skipped, each
    with a warning. Returns the header's index in ``rows``."""
    aliases = {clean(n).lower() for names in COLUMNS[kind].values() for n in names}
    warnings: list[RowError] = []
    for index, row in enumerate(rows[: TITLE_ROWS_MAX + 1]):
        texts = {clean(v) for v in row} - {""}
        if not texts:
            continue
        if len(texts) == 1 and next(iter(texts)).lower() not in aliases \
                and index < len(rows) - 1 and index < TITLE_ROWS_MAX:
            warnings.append(RowError(index + 1, "roster.title_skipped",
                                     {"text": next(iter(texts))[:60]}))
            continue
        return index, warnings
    return 0, []


def _fmt(years: float) -> str:
    return str(int(years)) if float(years).is_integer() else str(years)
