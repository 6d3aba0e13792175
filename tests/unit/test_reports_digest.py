"""Scoping and the figures of the supervisor digest, on a small hand-made input."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.reports import DigestInput, Scope, build_digest
from tests.unit.test_reports_support import NOW, digest_input, ob


def test_scope_contains():
    province, city = Scope("province"), Scope("city", city="杭州市")
    county = Scope("county", city="舟山市", county="普陀区")
    bare_county = Scope("county", county="普陀区")
    assert province.contains(None, None) and province.contains("宁波市", "海曙区")
    assert city.contains("杭州市", "西湖区") and city.contains("杭州市", None)
    assert not city.contains("宁波市", "海曙区") and not city.contains(None, "西湖区")
    assert county.contains("舟山市", "普陀区") and county.contains(None, "普陀区")
    assert not county.contains("上海市", "普陀区")  # same county name, other city
    assert not county.contains("舟山市", "定海区")
    assert bare_county.contains("上海市", "普陀区") and bare_county.contains("舟山市", "普陀区")


def test_scope_validates():
    with pytest.raises(ValueError):
        Scope("city")
    with pytest.raises(ValueError):
        Scope("county", city="舟山市")
    with pytest.raises(ValueError):
        Scope("nation")  # type: ignore[arg-type]


def test_input_needs_aware_now():
    with pytest.raises(ValueError):
        DigestInput(Scope("province"), datetime(2026, 3, 9, 9), "Q1")


def test_province_sees_everything():
    d = build_digest(digest_input())
    assert len(d.obligations) == 13
    assert {u.name for u in d.unbound} == {"孙丽", "周杰"}
    assert len(d.disputes) == 2 and len(d.followups) == 2


def test_city_scope_filters_every_section():
    d = build_digest(digest_input(Scope("city", city="杭州市")))
    assert {o.city for o in d.obligations} == {"杭州市"}
    assert [v.number for v in d.visits] == ["V-0001", "V-0006"]
    assert [x.number for x in d.disputes] == ["V-0009"]
    assert [f.visit_number for f in d.followups] == ["V-0001"]
    assert [u.name for u in d.unbound] == ["周杰"]
    assert [c.asker for c in d.consultations] == ["吴总"]
    assert [g.person for g in d.overdue] == ["李雷"]
    assert [c.city for c in d.coverage] == ["杭州市"]


def test_county_scope_filters_by_county_and_city():
    d = build_digest(digest_input(Scope("county", city="舟山市", county="普陀区")))
    assert {o.person for o in d.obligations} == {"赵强"}  # not 钱多 in 上海市普陀区
    assert [v.number for v in d.visits] == ["V-0005"]
    assert d.disputes == () and [u.name for u in d.unbound] == ["孙丽"]
    assert d.consultations == ()
    d2 = build_digest(digest_input(Scope("county", county="普陀区")))
    assert {o.person for o in d2.obligations} == {"赵强", "钱多"}


def test_visits_last_seven_days_by_mode():
    d = build_digest(digest_input())
    assert (d.visits_from, d.visits_to) == (date(2026, 3, 3), date(2026, 3, 9))
    # V-0003 (03-02) is too old and V-0004 (03-10) is in the future; newest first
    assert [v.number for v in d.visits] == ["V-0001", "V-0006", "V-0005", "V-0002"]
    assert d.visits_by_mode == (
        ("on_site", 2), ("phone", 1), ("video", 0), ("online", 0), ("drone", 1)
    )
    assert d.visit_count == 4


def test_due_within_30_days_sorted_by_days_left():
    d = build_digest(digest_input())
    assert [(o.person, o.days_left) for o in d.due_soon] == [
        ("赵强", 0), ("王敏", 5), ("李雷", 22)
    ]  # 张伟 (40 days) is not due soon; met, waived and upcoming never are


def test_due_soon_without_days_left_uses_deadline():
    row = ob("甲", "envoy", "某区", "杭州市", "西湖区", (date(2026, 1, 1), date(2026, 3, 20)),
             "due", None)
    far = replace(row, window_end=date(2026, 6, 30))
    d = build_digest(digest_input(obligations=(row, far)))
    assert d.due_soon == (row,)


def test_overdue_grouped_by_person():
    d = build_digest(digest_input())
    groups = {g.person: g for g in d.overdue}
    assert set(groups) == {"李雷", "张伟", "赵强", "钱多"}
    lilei = groups["李雷"]
    assert lilei.count == 2 and lilei.targets == ("余杭区",) and lilei.roles == ("envoy",)
    assert lilei.max_days_overdue == (NOW.date() - date(2025, 9, 30)).days == 160
    assert groups["张伟"].max_days_overdue == 9
    # most overdue windows first, then the longest overdue, then by name
    assert [g.person for g in d.overdue] == ["李雷", "赵强", "钱多", "张伟"]
    assert d.overdue_count == 5


def test_disputes_followups_unbound_consultations():
    d = build_digest(digest_input())
    assert [x.number for x in d.disputes] == ["V-0008", "V-0009"]  # by visit date
    assert [f.visit_number for f in d.followups] == ["V-0005", "V-0001"]  # oldest first
    assert [c.asker for c in d.consultations] == ["冯老师", "吴总"]  # overdue only, oldest first


def test_consultations_optional():
    assert build_digest(digest_input(consultations=None)).consultations is None
    assert build_digest(digest_input(consultations=())).consultations == ()


def test_coverage_by_city():
    d = build_digest(digest_input())
    rows = {c.city: (c.met, c.due, c.overdue, c.total) for c in d.coverage}
    assert rows == {
        "杭州市": (1, 2, 2, 5),
        "宁波市": (1, 1, 1, 3),  # waived and upcoming excluded
        "舟山市": (0, 1, 1, 2),
        "上海市": (0, 0, 1, 1),
    }
    assert [c.city for c in d.coverage] == ["上海市", "舟山市", "杭州市", "宁波市"]
    shares = {c.city: c.share for c in d.coverage}
    assert shares["杭州市"] == pytest.approx(0.2) and shares["宁波市"] == pytest.approx(1 / 3)
    total = d.coverage_total
    assert (total.met, total.total) == (2, 11) and total.share == pytest.approx(2 / 11)


def test_coverage_skips_cities_that_owe_nothing():
    waived = ob("甲", "envoy", "某区", "温州市", "鹿城区", (date(2026, 1, 1), date(2026, 1, 5)),
                "waived")
    d = build_digest(digest_input(obligations=(waived,)))
    assert d.coverage == () and d.coverage_total.share is None


def test_empty_input():
    d = build_digest(DigestInput(Scope("city", city="杭州市"), NOW, "Q1"))
    assert d.visits == () and d.due_soon == () and d.overdue == () and d.coverage == ()
    assert d.visits_by_mode == (("on_site", 0), ("phone", 0), ("video", 0), ("online", 0))
    assert d.consultations is None
