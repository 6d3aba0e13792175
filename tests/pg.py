"""PostgreSQL for the tests, when ``IPBOT_TEST_DATABASE_URL`` names a server.

The URL points at a maintenance database of a server the tests may create databases on
(``scripts/pg run`` starts a throwaway one). The session migrates one template database;
each test gets a fresh ``CREATE DATABASE … TEMPLATE`` copy of it (milliseconds), dropped
afterwards. Without the variable everything runs on SQLite as before.

On PostgreSQL only the tests that use a database run (``db_url``, ``empty_database``); the
others do not depend on it. Markers: ``sqlite_only(reason)`` skips a test on PostgreSQL (say why);
``postgres_only(reason)`` skips it on SQLite.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from bot.store import migrate

ENV = "IPBOT_TEST_DATABASE_URL"
BASE_URL: str | None = os.environ.get(ENV) or None
_counter = itertools.count(1)


def enabled() -> bool:
    return BASE_URL is not None


def _admin_url() -> URL:
    assert BASE_URL is not None
    url = make_url(BASE_URL)
    if url.get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{ENV} must be a postgresql+psycopg:// URL, not {url.drivername}")
    return url


def _execute(*statements: str) -> None:
    """Run statements on the maintenance database, outside a transaction (CREATE DATABASE)."""
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def create_database(name: str, template: str = "template0") -> str:
    """A new database named ``name`` copied from ``template``; returns its URL."""
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
             f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\'')
    return _admin_url().set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_name(kind: str) -> str:
    return f"ipbot_{kind}_{os.getpid()}_{next(_counter)}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """The name of a database migrated from empty by Alembic, the template of every test's."""
    name = f"ipbot_template_{os.getpid()}"
    url = create_database(name)
    migrate.upgrade(url)
    yield name
    drop_database(name)


@pytest.fixture
def empty_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], str]]:
    """Makes new empty databases (not migrated) on the backend under test; returns URLs.

    SQLite: a file path in a new temporary folder; PostgreSQL: a database dropped afterwards.
    """
    made: list[str] = []

    def make() -> str:
        if not enabled():
            return f"sqlite:///{tmp_path_factory.mktemp('empty') / 'ipbot.sqlite3'}"
        made.append(fresh_name("empty"))
        return create_database(made[-1])

    yield make
    for name in made:
        drop_database(name)


@pytest.fixture
def pg_db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """A fresh copy of the migrated template (dropped after the test); None on SQLite.
    ``db_url`` in ``tests/conftest.py`` returns it when it is set."""
    if not enabled():
        yield None
        return
    template = request.getfixturevalue("pg_template")
    name = fresh_name("test")
    yield create_database(name, template)
    drop_database(name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): skipped on PostgreSQL; say why")
    config.addinivalue_line("markers", "postgres_only(reason): runs only on PostgreSQL")


def pytest_report_header(config: pytest.Config) -> str:
    if not enabled():
        return "database: SQLite (set IPBOT_TEST_DATABASE_URL for PostgreSQL)"
    return f"database: PostgreSQL at {_admin_url().render_as_string(hide_password=True)}"


DATABASE_FIXTURES = frozenset({"db_url", "pg_db_url", "empty_database", "pg_template"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if enabled():  # tests that touch no database already ran on SQLite: leave them out
        idle = [i for i in items
                if not DATABASE_FIXTURES & set(getattr(i, "fixturenames", ()))]
        if idle:
            config.hook.pytest_deselected(items=idle)
            items[:] = [i for i in items if i not in idle]
    for item in items:
        sqlite_only = item.get_closest_marker("sqlite_only")
        if sqlite_only and enabled():
            reason = sqlite_only.args[0] if sqlite_only.args else "SQLite only"
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))
        postgres_only = item.get_closest_marker("postgres_only")
        if postgres_only and not enabled():
            reason = postgres_only.args[0] if postgres_only.args else "PostgreSQL only"
            item.add_marker(pytest.mark.skip(reason=f"needs {ENV}: {reason}"))
