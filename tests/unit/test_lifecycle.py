"""The roster lifecycle through the service layer: ranges in imports, leaving by import,
pool states, the region list, and the pure rules behind them (real database, fixed clock)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.domain.assignments import Range, conflict, end_action, pool_state
from bot.domain.vocab import PoolState
from bot.services import identity, invites, lifecycle, rosters
from bot.services.errors import ServiceError
from bot.services.identity import ActorKind, TelegramUser
from bot.store.models import AuditEntry
from scheduler.policy import PolicyError, default_policy, default_policy_path, parse_policy
from tests.helpers import load_sample_rosters

PEOPLE = "姓名,角色,手机,派出单位,知识产权相关专业,知识产权工作年限,在职"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ranges_of(svc, name: str) -> list[tuple[str, date, date]]:
    with svc.uow() as uow:
        person = uow.people.by_name(name)[0]
        return [(a.target_name, a.start_date, a.end_date)
                for a in uow.assignments.of_person(person.id)]


# ── pure rules ────────────────────────────────────────────────────────


def test_one_to_one_per_date_and_a_commissioner_pair_never_twice_at_once():
    def r(role, person, entity, region, start, end):
        return Range(role, person, entity, region, date.fromisoformat(start),
                     date.fromisoformat(end))

    zhao = r("envoy", 1, None, 10, "2026-01-01", "2026-06-30")
    assert conflict(r("envoy", 2, None, 10, "2026-07-01", "2027-12-31"), zhao) is None
    assert conflict(r("envoy", 2, None, 10, "2026-06-30", "2027-12-31"), zhao) == "region"
    assert conflict(r("envoy", 1, None, 11, "2026-03-01", "2026-03-31"), zhao) == "envoy"
    wang = r("commissioner", 3, 20, None, "2026-01-01", "2027-12-31")
    assert conflict(r("commissioner", 4, 20, None, "2026-01-01", "2027-12-31"), wang) is None
    assert conflict(r("commissioner", 3, 21, None, "2026-01-01", "2027-12-31"), wang) is None
    assert conflict(r("commissioner", 3, 20, None, "2027-12-31", "2027-12-31"), wang) == "pair"
    d = date.fromisoformat
    assert end_action(d("2026-01-01"), d("2027-12-31"), d("2026-06-30")) == "clip"
    assert end_action(d("2028-01-01"), d("2029-12-31"), d("2026-06-30")) == "remove"
    assert end_action(d("2026-01-01"), d("2026-05-31"), d("2026-06-30")) == "keep"


def test_pool_states():
    today = date(2026, 3, 2)
    assert pool_state(False, False, None, today) is PoolState.SUBMITTED
    assert pool_state(True, False, None, today) is PoolState.REVIEWED
    assert pool_state(True, True, None, today) is PoolState.IN_POOL
    assert pool_state(True, None, None, today) is PoolState.IN_POOL  # an entity
    assert pool_state(True, True, today, today) is PoolState.IN_POOL  # the last day
    assert pool_state(True, True, date(2026, 3, 1), today) is PoolState.LEFT


def test_the_policy_may_list_the_mountain_and_island_counties():
    assert default_policy().mountain_island_counties is None  # the seed names none
    text = default_policy_path().read_text(encoding="utf-8")
    listed = parse_policy(text + "\nmountain_island_counties: [景宁畲族自治县, 嵊泗县]\n")
    assert listed.mountain_island_counties == ("景宁畲族自治县", "嵊泗县")
    with pytest.raises(PolicyError, match="must not repeat a county"):
        parse_policy(text + "\nmountain_island_counties: [嵊泗县, 嵊泗县]\n")


# ── imports ───────────────────────────────────────────────────────────


def test_replacing_an_envoy_mid_cycle_by_import(services, tmp_path):
    """The issue's own example: 赵磊 ends on 06-30, 何平 is imported from 07-01."""
    load_sample_rosters(services)
    write(tmp_path / "p.csv",
          f"{PEOPLE},审核,培训\n何平,特派员,13800000010,温州大学,是,6,是,是,是\n")
    assert rosters.import_file(services, "people", tmp_path / "p.csv", actor="t").ok
    both = write(tmp_path / "a.csv", "人员,服务区域,开始日期,结束日期\n"
                 "赵磊,景宁畲族自治县,2026-01-01,2026-06-30\n"
                 "何平,景宁畲族自治县,2026-07-01,\n")
    report = rosters.import_file(services, "assignments", both, actor="t")
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    assert report.unserved == []  # 何平 follows the day after: nobody to tell
    assert ranges_of(services, "赵磊") == [("景宁畲族自治县", date(2026, 1, 1),
                                          date(2026, 6, 30))]
    assert ranges_of(services, "何平") == [("景宁畲族自治县", date(2026, 7, 1),
                                          date(2027, 12, 31))]
    again = rosters.import_file(services, "assignments", both, actor="t")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # the original file (no end column) leaves the ended range as it is
    original = rosters.import_file(services, "assignments", _examples("assignments"),
                                   actor="t")
    assert (original.updated, original.errors) == (0, [])
    # an overlapping third envoy is refused, naming who and when
    write(tmp_path / "c.csv", "人员,服务区域,开始日期\n孙悦,景宁畲族自治县,2026-06-01\n")
    bad = rosters.import_file(services, "assignments", tmp_path / "c.csv", actor="t")
    assert [(e.row, e.code) for e in bad.errors] == [(2, "roster.region_taken")]
    assert bad.errors[0].values["other"] == "赵磊"


def _examples(kind: str) -> Path:
    from tests.conftest import EXAMPLES

    return EXAMPLES / f"{kind}.csv"


def test_leaving_by_import_ends_assignments_and_tells_no_one_without_telegram(services,
                                                                              tmp_path):
    load_sample_rosters(services)
    file = write(tmp_path / "p.csv", f"{PEOPLE},离库日期,离库原因\n"
                 "李强,服务专员,13800000002,浙江大学知识产权研究中心,否,3,否,2026-04-30,退休\n")
    report = rosters.import_file(services, "people", file, actor="t", reason="年度调整")
    assert report.ok and [x.person for x in report.left] == ["李强"]
    assert {u.target for u in report.unserved} == {"浙江省人民医院"}  # 王敏 serves 浙江大学
    assert set(report.unbound) == {"周洁", "钱峰"}  # the province's; nobody is on Telegram
    assert report.notices == []
    assert {end for _, _, end in ranges_of(services, "李强")} == {date(2026, 4, 30)}
    assert rosters.import_file(services, "people", file, actor="t").unchanged == 1
    with services.uow() as uow:
        notes = {e.note for e in uow.audit.entries() if e.action in (
            "person.leave", "assignment.end")}
    assert notes == {"退休"}
    # re-importing the original roster (no 离库日期 column) keeps him out, with a warning
    again = rosters.import_file(services, "people", _examples("people"), actor="t")
    assert again.ok and [(w.code, w.values["name"]) for w in again.warnings] == [
        ("roster.still_left", "李强")]
    with services.uow() as uow:
        assert uow.people.by_name("李强")[0].left_on == date(2026, 4, 30)
    # a file with the column, empty for him, brings him back (eligibility judged again)
    back = write(tmp_path / "back.csv", f"{PEOPLE},离库日期\n"
                 "李强,服务专员,13800000002,浙江大学知识产权研究中心,否,3,是,\n")
    assert rosters.import_file(services, "people", back, actor="t").updated == 1
    with services.uow() as uow:
        assert uow.people.by_name("李强")[0].left_on is None
        assert uow.session.query(AuditEntry).filter_by(action="person.rejoin").count() == 1


def test_someone_new_who_is_not_in_service_is_refused(services, tmp_path):
    file = write(tmp_path / "p.csv", f"{PEOPLE}\n新人,服务专员,13900000001,单位,是,1,否\n")
    report = rosters.import_file(services, "people", file, actor="t")
    assert [(e.row, e.code) for e in report.errors] == [(2, "roster.not_in_service")]


def test_new_records_start_unreviewed_and_only_reviewed_trained_ones_are_assigned(
        services, tmp_path):
    load_sample_rosters(services)
    write(tmp_path / "p.csv", f"{PEOPLE},审核\n新专员,服务专员,13900000001,单位,是,1,是,是\n")
    assert rosters.import_file(services, "people", tmp_path / "p.csv", actor="t").ok
    write(tmp_path / "r.csv", "县,市,类型\n泰顺县,温州市,山区\n")
    assert rosters.import_file(services, "regions", tmp_path / "r.csv", actor="t").ok
    write(tmp_path / "a.csv", "人员,服务对象,服务区域\n新专员,之江实验室,\n赵磊,,泰顺县\n")
    report = rosters.import_file(services, "assignments", tmp_path / "a.csv", actor="t")
    assert [(e.row, e.code) for e in report.errors] == [
        (2, "roster.person_not_trained"), (3, "roster.region_not_reviewed")]
    rows = {r.name: r.state for r in lifecycle.pool(services)}
    assert (rows["新专员"], rows["泰顺县"], rows["之江实验室"]) == (
        "reviewed", "submitted", "in_pool")


def test_a_region_missing_from_the_policys_list_imports_with_a_warning(services, tmp_path):
    services.policy = services.policy.model_copy(
        update={"mountain_island_counties": ("景宁畲族自治县", "文成县")})
    report = rosters.import_file(services, "regions", _examples("regions"), actor="t")
    assert report.ok and report.created == 3
    assert [(w.row, w.code, w.values["county"]) for w in report.warnings] == [
        (3, "roster.region_not_listed", "嵊泗县")]


# ── leaving, ending, transferring ─────────────────────────────────────


def test_who_left_is_a_guest_and_their_invites_stop(services, clock):
    load_sample_rosters(services)
    user = TelegramUser(5001, "Zhao Lei", None)
    identity.bind(services, invites.issue(services, person="赵磊").code, user)
    unused = invites.issue(services, person="赵磊").code
    lifecycle.leave(services, "赵磊", day=date(2026, 3, 2), reason="调离", actor="t")
    assert identity.whoami(services, user).kind is ActorKind.PERSON  # his last day
    clock.set(clock.now().replace(day=3))
    actor = identity.whoami(services, user)
    assert (actor.kind, actor.name, actor.roles) == (ActorKind.GUEST, "赵磊", frozenset())
    with pytest.raises(ServiceError, match=r"start\.person_left"):
        identity.bind(services, unused, TelegramUser(5002, "x", None))
    with pytest.raises(ServiceError, match=r"invite\.person_left"):
        invites.issue(services, person="赵磊")
    with pytest.raises(ServiceError, match=r"person\.already_left"):
        lifecycle.leave(services, "赵磊", day=date(2026, 4, 1), reason="x", actor="t")
    assert lifecycle.leave(services, "赵磊", day=date(2026, 3, 2), reason="调离",
                           actor="t").value.already


def test_ending_removes_what_had_not_begun_and_refuses_to_hide_a_visit(services):
    from bot.store.models import Visit

    load_sample_rosters(services)
    with services.uow() as uow:
        a = uow.assignments.of_pair(uow.people.by_name("王敏")[0].id,
                                    uow.entities.by_name("之江实验室").id, None)[0]
        uow.session.add(Visit(person_id=a.person_id, assignment_id=a.id, role="commissioner",
                              visit_date=date(2026, 2, 10), mode="on_site", tasks=[],
                              summary="走访", created_at=services.clock.now(),
                              updated_at=services.clock.now()))
        uow.commit()
    with pytest.raises(ServiceError, match=r"assign\.visits_after"):
        lifecycle.end(services, "王敏", entity="之江实验室", day=date(2026, 2, 1), actor="t")
    done = lifecycle.end(services, "王敏", entity="之江实验室", day=date(2026, 2, 10),
                         actor="t", reason="调整")
    assert [(e.last_day, e.removed) for e in done.value.ended] == [(date(2026, 2, 10), False)]
    assert [u.target for u in done.value.unserved] == ["之江实验室"]
    with pytest.raises(ServiceError, match=r"assign\.none_after"):
        lifecycle.end(services, "王敏", entity="之江实验室", day=date(2026, 2, 10), actor="t")
