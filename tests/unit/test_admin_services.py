"""Roster import, cycles and invites through the service layer (real SQLite, fixed clock)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from bot.services import cycles, identity, invites, rosters
from bot.services.errors import ServiceError
from bot.services.identity import ActorKind, TelegramUser
from tests.helpers import load_sample_rosters


def count(svc, model) -> int:
    with svc.uow() as uow:
        return uow.session.query(model).count()


def test_sample_rosters_import_and_reimport_changes_nothing(services, roster_dir):
    from bot.store.models import Assignment, AuditEntry, Person

    load_sample_rosters(services, roster_dir)
    audit_before = count(services, AuditEntry)
    for kind in ("people", "entities", "regions", "assignments"):
        report = rosters.import_file(services, kind, roster_dir / f"{kind}.csv", actor="t")
        assert (report.created, report.updated, report.errors) == (0, 0, [])
        assert report.unchanged > 0
    assert count(services, Person) == 9
    assert count(services, Assignment) == 8
    assert count(services, AuditEntry) == audit_before


def test_an_update_is_applied_and_audited(services, roster_dir):
    from bot.store.models import AuditEntry

    load_sample_rosters(services, roster_dir)
    path = roster_dir / "people.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",3,是", ",4,是"), encoding="utf-8")
    report = rosters.import_file(services, "people", path, actor="admin")
    assert (report.created, report.updated) == (0, 1)
    with services.uow() as uow:
        entry = uow.session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert entry.action == "import.update"
        assert entry.details["experience_years"] == [3.0, 4.0]
    assert count(services, AuditEntry) > 0


def test_a_bad_file_imports_nothing_and_lists_every_bad_row(services, tmp_path):
    from bot.store.models import Person

    path = tmp_path / "people.csv"
    path.write_text(
        "姓名,角色,手机,派出单位,知识产权相关专业,知识产权工作年限,在职\n"
        "好人,服务专员,13900000000,单位,是,1,是\n"
        "新人甲,特派员,13900000001,单位,否,3,是\n"
        "新人乙,服务专员,13900000002,单位,也许,2,是\n"
        ",服务专员,13900000003,单位,是,1,是\n", encoding="utf-8")
    report = rosters.import_file(services, "people", path, actor="t")
    assert [(e.row, e.code) for e in report.errors] == [
        (3, "roster.not_qualified"), (4, "roster.bad_bool"), (5, "roster.required")]
    assert count(services, Person) == 0


def test_xlsx_with_english_headers_and_gbk_csv(services, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "category", "level", "city", "county"])
    sheet.append(["Zhijiang Lab", "laboratory", "provincial", "Hangzhou", "Yuhang"])
    book.save(tmp_path / "entities.xlsx")
    report = rosters.import_file(services, "entities", tmp_path / "entities.xlsx", actor="t")
    assert (report.created, report.errors) == (1, [])
    (tmp_path / "regions.csv").write_bytes("县,市,类型\n嵊泗县,舟山市,海岛\n".encode("gbk"))
    report = rosters.import_file(services, "regions", tmp_path / "regions.csv", actor="t")
    assert (report.created, report.errors) == (1, [])


def test_second_region_for_an_envoy_is_rejected(services, roster_dir, tmp_path):
    load_sample_rosters(services, roster_dir)
    path = tmp_path / "more.csv"
    path.write_text("人员,服务区域,服务周期\n赵磊,文成县,2026-01-01\n", encoding="utf-8")
    report = rosters.import_file(services, "assignments", path, actor="t")
    assert [(e.row, e.code) for e in report.errors] == [(2, "roster.envoy_second_region")]


def test_cycles_cannot_overlap_and_default_to_two_years(services):
    view = cycles.create(services, date(2026, 1, 1), 2, actor="t")
    assert view.end == date(2027, 12, 31)
    with pytest.raises(ServiceError) as exc:
        cycles.create(services, date(2027, 6, 1), 2, actor="t")
    assert exc.value.code == "cycle.overlap"
    assert cycles.cycle_end(date(2024, 2, 29), 2) == date(2026, 2, 28)


def test_invite_binds_once_and_expires(services, roster_dir, clock):
    load_sample_rosters(services, roster_dir)
    user = TelegramUser(5001, "Wang Min", "zh-hans")
    issued = invites.issue(services, person="13800000001", actor="t")
    assert issued.link("ipfield_test_bot").endswith("?start=" + issued.code)
    actor = identity.bind(services, issued.code, user)
    assert (actor.kind, actor.name, actor.primary_role) == (
        ActorKind.PERSON, "王敏", "commissioner")
    assert identity.bind(services, issued.code, user) == actor  # redelivered /start
    with pytest.raises(ServiceError, match=r"start\.code_used"):
        identity.bind(services, issued.code, TelegramUser(5002, "x", None))
    late = invites.issue(services, entity="浙江大学", days=1, actor="t")
    clock.advance(days=1, seconds=1)
    with pytest.raises(ServiceError, match=r"start\.code_expired"):
        identity.bind(services, late.code, TelegramUser(5003, "y", None))
    with pytest.raises(ServiceError, match=r"start\.code_unknown"):
        identity.bind(services, "nope", TelegramUser(5003, "y", None))
    assert identity.whoami(services, TelegramUser(5003, "y", None)).kind is ActorKind.GUEST


def test_a_bound_account_cannot_take_a_second_invite(services, roster_dir):
    load_sample_rosters(services, roster_dir)
    user = TelegramUser(5001, "Wang Min", None)
    identity.bind(services, invites.issue(services, person="王敏").code, user)
    second = invites.issue(services, person="李强")
    with pytest.raises(ServiceError, match=r"start\.already_bound"):
        identity.bind(services, second.code, user)
    again = invites.issue(services, person="王敏")
    with pytest.raises(ServiceError, match=r"start\.person_bound_elsewhere"):
        identity.bind(services, again.code, TelegramUser(5009, "other", None))


def test_invite_lookup_errors(services, roster_dir):
    load_sample_rosters(services, roster_dir)
    for kwargs, code in [({"person": "无名氏"}, "invite.person_unknown"),
                         ({"entity": "不存在"}, "invite.entity_unknown"),
                         ({}, "invite.person_or_entity"),
                         ({"person": "王敏", "days": 400}, "invite.bad_days")]:
        with pytest.raises(ServiceError) as exc:
            invites.issue(services, **kwargs)
        assert exc.value.code == code
    assert timedelta(days=14) == invites.issue(services, person="王敏").expires_at - \
        services.clock.now()


def test_a_batch_of_senders_is_resolved_in_three_queries_as_one_at_a_time(services, clock):
    """The batch that records updates resolves who sent them (people with their roles, then
    contacts, then the rest's language): the same actors as one lookup each would give."""
    from sqlalchemy import event

    from bot.store.models import Entity, EntityContact, Person, PersonRole, UserPref

    now = clock.now()
    with services.uow() as uow:
        entity = Entity(name="甲公司", category="tech_enterprise", created_at=now)
        uow.session.add_all([
            Person(name="两职", unit="局", telegram_id=1, language="en", created_at=now,
                   updated_at=now, roles=[PersonRole(role="commissioner"),
                                          PersonRole(role="supervisor")]),
            Person(name="已离开", unit="局", telegram_id=2, created_at=now, updated_at=now,
                   left_on=date(2026, 1, 31), roles=[PersonRole(role="envoy")]),
            entity, UserPref(telegram_id=4, language="en")])
        uow.session.flush()
        uow.session.add(EntityContact(entity_id=entity.id, telegram_id=3, name="联系人",
                                      created_at=now))
        uow.commit()
    users = [TelegramUser(i, f"user{i}", "zh-hans") for i in (1, 2, 3, 4, 5)]
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(services.engine, "before_cursor_execute", listener)
    try:
        with services.uow() as uow:
            batch = identity.actors_in(uow, users, clock.now().date())
    finally:
        event.remove(services.engine, "before_cursor_execute", listener)
    assert len(statements) == 3
    one_by_one = {u.id: identity.whoami(services, u) for u in users}
    assert batch == one_by_one
    assert batch[1].kind is ActorKind.PERSON and batch[1].language == "en"
    assert {r.value for r in batch[1].roles} == {"commissioner", "supervisor"}
    assert (batch[2].kind, batch[2].name) == (ActorKind.GUEST, "已离开")  # left the pool
    assert (batch[3].kind, batch[3].entity_name) == (ActorKind.CONTACT, "甲公司")
    assert (batch[4].kind, batch[4].language) == (ActorKind.GUEST, "en")
    assert (batch[5].kind, batch[5].name) == (ActorKind.GUEST, "user5")
