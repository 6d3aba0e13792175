"""The store: migrations from empty, the schema they build, and what the database enforces."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Assignment, Base, Cycle, Entity, Person, PersonRole, Region
from tests.conftest import TZ


def test_migrations_run_from_empty_down_and_up_again(empty_database):
    url = empty_database()
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision(url)
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision(url)


def test_migrated_schema_matches_the_models(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.sqlite_only("PRAGMAs are SQLite's")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def _seed(session):
    now = datetime(2026, 1, 1, tzinfo=TZ)
    cycle = Cycle(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), created_at=now)
    envoy = Person(name="赵磊", unit="u", created_at=now, updated_at=now,
                   roles=[PersonRole(role="envoy")])
    other = Person(name="孙悦", unit="u", created_at=now, updated_at=now,
                   roles=[PersonRole(role="envoy")])
    r1 = Region(county="景宁畲族自治县", created_at=now)
    r2 = Region(county="嵊泗县", created_at=now)
    session.add_all([cycle, envoy, other, r1, r2])
    session.flush()
    return now, cycle, envoy, other, r1, r2


def _assign(now, cycle, person, region, start=None, end=None):
    return Assignment(cycle_id=cycle.id, person_id=person.id, role="envoy", region_id=region.id,
                      start_date=start or cycle.start_date, end_date=end or cycle.end_date,
                      created_at=now)


def _refused(session, row) -> None:
    session.add(row)
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_database_refuses_a_second_region_for_an_envoy_at_the_same_dates(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, _, r1, r2 = _seed(session)
    session.add(_assign(now, cycle, envoy, r1, end=date(2026, 6, 30)))
    session.commit()
    _refused(session, _assign(now, cycle, envoy, r2, start=date(2026, 6, 30)))
    session.add(_assign(now, cycle, envoy, r2, start=date(2026, 7, 1)))  # the day after: fine
    session.commit()


def test_database_refuses_a_second_envoy_for_a_region_at_the_same_dates(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, other, r1, _ = _seed(session)
    session.add(_assign(now, cycle, envoy, r1, end=date(2026, 6, 30)))
    session.commit()
    _refused(session, _assign(now, cycle, other, r1, start=date(2026, 3, 1),
                              end=date(2026, 3, 31)))  # inside the first range
    _refused(session, _assign(now, cycle, other, r1, start=date(2025, 12, 1),
                              end=date(2026, 1, 1)))  # sharing its first day
    session.add(_assign(now, cycle, other, r1, start=date(2026, 7, 1)))  # a replacement
    session.commit()
    first = session.scalars(select(Assignment).where(Assignment.person_id == envoy.id)).one()
    first.end_date = date(2026, 7, 1)  # an update that would overlap is refused too
    with pytest.raises(IntegrityError):
        session.flush()


def test_database_refuses_a_commissioner_pair_twice_at_overlapping_dates(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, *_ = _seed(session)
    commissioner = Person(name="王敏", unit="u", created_at=now, updated_at=now,
                          roles=[PersonRole(role="commissioner")])
    entity = Entity(name="之江实验室", category="laboratory", created_at=now)
    session.add_all([commissioner, entity])
    session.flush()

    def pair(start, end):
        return Assignment(cycle_id=cycle.id, person_id=commissioner.id, role="commissioner",
                          entity_id=entity.id, start_date=start, end_date=end, created_at=now)

    session.add(pair(date(2026, 1, 1), date(2026, 5, 31)))
    session.commit()
    _refused(session, pair(date(2026, 5, 31), date(2026, 12, 31)))
    session.add(pair(date(2026, 9, 1), date(2026, 12, 31)))  # re-assigned after a gap
    session.commit()


def test_an_assignment_ends_on_or_after_its_start(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, _, r1, _ = _seed(session)
    _refused(session, _assign(now, cycle, envoy, r1, start=date(2026, 5, 2),
                              end=date(2026, 5, 1)))


def test_an_assignment_targets_an_entity_or_a_region_by_role(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, _, r1, _ = _seed(session)
    session.add(Assignment(cycle_id=cycle.id, person_id=envoy.id, role="commissioner",
                           region_id=r1.id, start_date=cycle.start_date,
                           end_date=cycle.end_date, created_at=now))
    with pytest.raises(IntegrityError):
        session.flush()


def test_datetimes_come_back_timezone_aware_and_naive_ones_are_refused(db_url):
    factory = make_session_factory(make_engine(db_url))
    with factory() as session:
        _seed(session)
        session.commit()
    with factory() as session:
        cycle = session.query(Cycle).one()
        assert cycle.created_at == datetime(2026, 1, 1, tzinfo=TZ)
        assert cycle.created_at.tzinfo is UTC
        cycle.created_at = datetime(2026, 1, 1)  # naive
        with pytest.raises(Exception, match="naive"):
            session.flush()


def _fill_sample_rosters_at_0006(url: str) -> None:
    """The sample rosters as revision 0006 held them: open assignments (no end date), no pool
    states; a visit, a follow-up item and a snooze that hang on an assignment."""
    from bot.domain import rosters as domain
    from tests.conftest import EXAMPLES
    from tests.helpers import insert_rows

    now = datetime(2026, 1, 5, 9, tzinfo=TZ)

    def read(kind):
        import csv

        with open(EXAMPLES / f"{kind}.csv", encoding="utf-8") as f:
            lines = list(csv.reader(f))
        mapping, errors = domain.map_headers(kind, lines[0])
        assert not errors
        parsed, errors = domain.parse_rows(kind, [
            (i + 2, {fld: row[j] for j, fld in mapping.items()})
            for i, row in enumerate(lines[1:])])
        assert not errors
        return parsed

    people = read("people")
    insert_rows(url, "people", [
        {"id": i + 1, "name": p.name, "phone": p.phone, "unit": p.unit, "ip_degree": p.ip_degree,
         "experience_years": p.experience_years, "in_service": p.in_service,
         "scope_city": p.scope_city, "scope_county": p.scope_county, "language": p.language,
         "created_at": now, "updated_at": now} for i, p in enumerate(people)])
    insert_rows(url, "person_roles", [{"person_id": i + 1, "role": r.value}
                                      for i, p in enumerate(people) for r in p.roles])
    entities = read("entities")
    insert_rows(url, "entities", [
        {"id": i + 1, "name": e.name, "category": e.category.value, "level": e.level.value,
         "city": e.city, "county": e.county, "credit_code": e.credit_code, "created_at": now}
        for i, e in enumerate(entities)])
    regions = read("regions")
    insert_rows(url, "regions", [{"id": i + 1, "county": r.county, "city": r.city,
                                  "kind": r.kind.value, "created_at": now}
                                 for i, r in enumerate(regions)])
    insert_rows(url, "cycles", [{"id": 1, "start_date": date(2026, 1, 1),
                                 "end_date": date(2027, 12, 31), "created_at": now}])
    pid = {p.name: i + 1 for i, p in enumerate(people)}
    eid = {e.name: i + 1 for i, e in enumerate(entities)}
    rid = {r.county: i + 1 for i, r in enumerate(regions)}
    insert_rows(url, "assignments", [
        {"id": i + 1, "cycle_id": 1, "person_id": pid[a.person], "role": a.role.value,
         "entity_id": eid.get(a.entity or ""), "region_id": rid.get(a.region or ""),
         "start_date": date(2026, 1, 1), "end_date": None, "created_at": now}
        for i, a in enumerate(read("assignments"))])
    insert_rows(url, "visits", [{
        "id": 1, "number": "V1", "person_id": pid["王敏"], "assignment_id": 1,
        "role": "commissioner", "visit_date": date(2026, 1, 5), "mode": "on_site",
        "tasks": [], "summary": "走访之江实验室", "integrity_confirmed": True,
        "created_at": now, "updated_at": now}])
    insert_rows(url, "follow_ups", [{"visit_id": 1, "owner_id": pid["王敏"], "text": "回访",
                                     "status": "open", "created_at": now}])
    insert_rows(url, "snoozes", [{"assignment_id": 1, "until": date(2026, 1, 8),
                                  "created_at": now}])


def test_migration_carries_the_sample_rosters_forward(empty_database, tmp_path):
    """Open assignments become ranges to the cycle's end; everyone and everything already in
    the pool is reviewed and trained; rows hanging on assignments survive the rebuilt table
    (SQLite rebuilds it with foreign keys off); the services then work as before."""
    from bot.clock import FixedClock
    from bot.config import Settings
    from bot.services import lifecycle, obligations, rosters
    from bot.services.container import Services
    from bot.store.models import FollowUp, Snooze, Visit
    from tests.conftest import EXAMPLES, TOKEN

    url = empty_database()
    migrate.upgrade(url, "0006")
    _fill_sample_rosters_at_0006(url)
    migrate.upgrade(url)
    session = make_session_factory(make_engine(url))()
    rows = session.scalars(select(Assignment).order_by(Assignment.id)).all()
    assert len(rows) == 8
    assert {(a.start_date, a.end_date) for a in rows} == {(date(2026, 1, 1), date(2027, 12, 31))}
    assert all(p.reviewed and p.trained and p.left_on is None
               for p in session.scalars(select(Person)))
    assert all(e.reviewed for e in session.scalars(select(Entity)))
    assert all(r.reviewed for r in session.scalars(select(Region)))
    for model in (Visit, FollowUp, Snooze):
        assert session.query(model).count() == 1, model
    session.close()

    settings = Settings(token=TOKEN, database_url=url, _env_file=None)  # type: ignore[call-arg]
    svc = Services.create(settings, FixedClock(datetime(2026, 3, 2, 10, tzinfo=TZ)))
    try:
        for kind in ("people", "entities", "regions", "assignments"):
            # the files now state routes (报送途径) the old rows lacked; nothing else changes
            first = rosters.import_file(svc, kind, EXAMPLES / f"{kind}.csv", actor="t")
            assert (first.created, first.errors) == (0, []), kind
            again = rosters.import_file(svc, kind, EXAMPLES / f"{kind}.csv", actor="t")
            assert (again.created, again.updated, again.errors) == (0, 0, []), kind
        with svc.uow() as uow:
            changed = {k for e in uow.audit.entries() if e.action == "import.update"
                       for k in e.details}
        assert changed == {"route"}
        with svc.uow() as uow:
            wang = uow.people.by_name("王敏")[0].id
        lines = obligations.status(svc, wang, svc.clock.now())
        assert {(x.target, x.state) for x in lines} >= {("之江实验室", "met")}
        left = lifecycle.leave(svc, "赵磊", day=date(2026, 6, 30), reason="调离",
                               actor="t").value
        assert [e.assignment.target for e in left.ending.ended] == ["景宁畲族自治县"]
    finally:
        svc.close()
    migrate.downgrade(url, "0006")  # no region or pair holds two ranges in a cycle yet
    assert migrate.current_revision(url) == "0006"


def test_after_a_crash_only_the_newest_edit_of_a_message_is_sent_again(services):
    from bot.delivery.out import edit_text, message
    from bot.store.models import OutboxMessage

    now = services.clock.now()
    with services.uow() as uow:
        older = uow.outbox.add(edit_text(1, "step 2", message_id=7, key="a"), now)
        newer = uow.outbox.add(edit_text(1, "step 3", message_id=7, key="b"), now)
        other = uow.outbox.add(edit_text(1, "elsewhere", message_id=8, key="c"), now)
        note = uow.outbox.add(message(1, "a note", key="d"), now)
        uow.session.commit()
    with services.uow() as uow:  # the newest was sent; its result written
        uow.outbox.record(newer.id, status="sent", at=now, message_id=7)
        uow.session.commit()
    with services.uow() as uow:
        due = [r.id for r in uow.outbox.due(now, set())]
        uow.session.commit()
        assert due == [other.id, note.id]  # never the older edit: the message would go back
        assert uow.session.get(OutboxMessage, older.id).status == "superseded"
