"""The store: migrations from empty, the schema they build, and what the database enforces."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.store import migrate
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Assignment, Base, Cycle, Person, PersonRole, Region
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


def _assign(now, cycle, person, region):
    return Assignment(cycle_id=cycle.id, person_id=person.id, role="envoy", region_id=region.id,
                      start_date=cycle.start_date, created_at=now)


def test_database_refuses_a_second_region_for_an_envoy(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, _, r1, r2 = _seed(session)
    session.add(_assign(now, cycle, envoy, r1))
    session.flush()
    session.add(_assign(now, cycle, envoy, r2))
    with pytest.raises(IntegrityError):
        session.flush()


def test_database_refuses_a_second_envoy_for_a_region(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, other, r1, _ = _seed(session)
    session.add(_assign(now, cycle, envoy, r1))
    session.flush()
    session.add(_assign(now, cycle, other, r1))
    with pytest.raises(IntegrityError):
        session.flush()


def test_an_assignment_targets_an_entity_or_a_region_by_role(db_url):
    session = make_session_factory(make_engine(db_url))()
    now, cycle, envoy, _, r1, _ = _seed(session)
    session.add(Assignment(cycle_id=cycle.id, person_id=envoy.id, role="commissioner",
                           region_id=r1.id, start_date=cycle.start_date, created_at=now))
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
