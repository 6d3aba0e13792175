"""Where SQLite and PostgreSQL differ, the same behaviour on both: claims under concurrency,
partial unique indexes, column lengths, time zones.

Run on PostgreSQL with ``IPBOT_TEST_DATABASE_URL`` set (``scripts/pg run …``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import TypeVar

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services import consultations, identity, invites, lifecycle, rosters
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.identity import ActorKind, TelegramUser
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Assignment, Consultation, Invite, Person, VisitDraft
from tests.conftest import TZ
from tests.helpers import load_sample_rosters

T = TypeVar("T")


def test_the_longest_telegram_name_binds_a_contact(services):
    load_sample_rosters(services)
    code = invites.issue(services, entity="浙江大学").code
    name = "名" * 64 + " " + "姓" * 64  # first and last name at Telegram's limits
    actor = identity.bind(services, code, TelegramUser(6001, name, "zh-hans"))
    assert actor.kind is ActorKind.CONTACT and actor.name == name[:128]


def race(services: Services, hold: Callable[[Session], None], contender: Callable[[], T],
         write: str = "UPDATE") -> T:
    """Run ``contender`` while another connection holds the writes of ``hold`` uncommitted;
    commit them once the contender has reached its first write (a statement starting with
    ``write``); return what it returns."""
    reached_a_write = threading.Event()

    def on_execute(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith(write):
            reached_a_write.set()

    event.listen(services.engine, "before_cursor_execute", on_execute)
    other = make_engine(services.settings.database_url)
    try:
        with make_session_factory(other)() as session, ThreadPoolExecutor(1) as pool:
            hold(session)
            racing = pool.submit(contender)
            assert reached_a_write.wait(timeout=30), "the contender never tried to write"
            session.commit()
            return racing.result(timeout=60)
    finally:
        event.remove(services.engine, "before_cursor_execute", on_execute)
        other.dispose()


def test_of_two_people_using_one_invite_at_once_only_the_first_is_bound(services):
    load_sample_rosters(services)
    code = invites.issue(services, person="王敏").code
    first, second = TelegramUser(6101, "A", None), TelegramUser(6102, "B", None)

    def first_binds(session: Session) -> None:
        row = session.scalars(select(Invite).where(Invite.code == code)).one()
        session.execute(update(Invite).where(Invite.id == row.id).values(
            used_at=services.clock.now(), used_by=first.id))
        session.execute(update(Person).where(Person.id == row.person_id).values(
            telegram_id=first.id))

    with pytest.raises(ServiceError, match=r"start\.code_used"):
        race(services, first_binds, lambda: identity.bind(services, code, second))
    assert identity.whoami(services, first).name == "王敏"
    assert identity.whoami(services, second).kind is ActorKind.GUEST


def test_of_two_commissioners_claiming_at_once_the_first_owns_it(services):
    load_sample_rosters(services)
    contact = identity.bind(services, invites.issue(services, entity="浙江大学").code,
                            TelegramUser(6201, "刘经理", None))
    now = services.clock.now()
    with services.uow() as uow:
        wang, li = (uow.people.by_name(n)[0].id for n in ("王敏", "李强"))
        row = Consultation(entity_id=contact.entity_id, contact_id=contact.contact_id,
                           question="专利申请费用可以减缴吗？", created_at=now)
        uow.session.add(row)
        uow.commit()

    def wang_claims(session: Session) -> None:
        session.execute(update(Consultation).where(Consultation.id == row.id).values(
            owner_id=wang, status="claimed", claimed_at=now))

    lost = race(services, wang_claims,
                lambda: consultations.take(services, li, 6202, row.id, "claim").value)
    assert not lost.won and lost.view.owner == "王敏"
    assert consultations.take(services, wang, 6203, row.id, "claim").value.won  # his own


def test_one_open_draft_per_person_but_any_number_closed(services):
    load_sample_rosters(services)
    now = services.clock.now()
    with services.uow() as uow:
        person = uow.people.by_name("王敏")[0].id

    def draft(status: str) -> VisitDraft:
        return VisitDraft(person_id=person, chat_id=1, status=status, step="whom",
                          created_at=now, updated_at=now)

    with services.uow() as uow:
        uow.session.add_all([draft("submitted"), draft("cancelled"), draft("cancelled"),
                             draft("active")])
        uow.commit()
    with services.uow() as uow:
        uow.session.add(draft("paused"))
        with pytest.raises(IntegrityError):
            uow.commit()


def test_of_two_envoys_given_one_region_at_once_only_the_first_serves_it(services, tmp_path):
    """The service checks for an overlap first; a write that raced past that check is
    refused by the database (PostgreSQL: an exclusion constraint; SQLite: a trigger)."""
    load_sample_rosters(services)
    lifecycle.end(services, "赵磊", region="景宁畲族自治县", day=date(2026, 6, 30), actor="t")
    people = tmp_path / "people.csv"
    people.write_text("姓名,角色,手机,派出单位,知识产权相关专业,审核,培训\n"
                      "何平,特派员,13800000010,温州大学,是,是,是\n"
                      "周全,特派员,13800000011,宁波大学,是,是,是\n", encoding="utf-8")
    assert rosters.import_file(services, "people", people, actor="t").ok
    wanted = tmp_path / "assignments.csv"
    wanted.write_text("人员,服务区域,开始日期\n周全,景宁畲族自治县,2026-09-01\n",
                      encoding="utf-8")
    with services.uow() as uow:
        he = uow.people.by_name("何平")[0].id
        region = uow.regions.by_county("景宁畲族自治县").id  # type: ignore[union-attr]
        cycle = uow.cycles.all()[0]
        cycle_id, cycle_end = cycle.id, cycle.end_date

    def he_takes_it(session: Session) -> None:
        session.add(Assignment(cycle_id=cycle_id, person_id=he, role="envoy", region_id=region,
                               start_date=date(2026, 7, 1), end_date=cycle_end,
                               created_at=services.clock.now()))
        session.flush()

    with pytest.raises(ServiceError, match=r"assign\.concurrent"):
        race(services, he_takes_it,
             lambda: rosters.import_file(services, "assignments", wanted, actor="t"),
             write="INSERT")
    with services.uow() as uow:
        serving = [(a.person.name, a.start_date) for a in uow.assignments.covering(
            date(2026, 9, 1), region_id=region)]
    assert serving == [("何平", date(2026, 7, 1))]
    again = rosters.import_file(services, "assignments", wanted, actor="t")  # now it knows why
    assert [(e.row, e.code) for e in again.errors] == [(2, "roster.region_taken")]


@pytest.mark.postgres_only("the session time zone is a PostgreSQL setting")
def test_stored_instants_do_not_depend_on_the_session_time_zone(db_url):
    at = datetime(2026, 3, 2, 23, 30, tzinfo=TZ)  # 15:30 UTC; another date in New York
    factory = make_session_factory(make_engine(db_url))
    with factory() as session:
        session.add(Person(name="时区", unit="u", created_at=at, updated_at=at))
        session.commit()
    for zone in ("America/New_York", "Asia/Shanghai", "UTC"):
        engine = make_engine(db_url, connect_args={"options": f"-c timezone={zone}"})
        with make_session_factory(engine)() as session:
            got = session.scalars(select(Person.created_at).where(Person.name == "时区")).one()
        engine.dispose()
        assert got == at and got.tzinfo is UTC
