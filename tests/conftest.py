"""Shared fixtures: a migrated database per test, services on a fixed clock, roster files.

The database is SQLite, or PostgreSQL when ``IPBOT_TEST_DATABASE_URL`` is set (``tests/pg.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FixedClock
from bot.config import Settings
from bot.services.container import Services
from bot.store import migrate

pytest_plugins = ("tests.pg",)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TZ = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:TEST-TOKEN-not-real"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated from empty by Alembic; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "ipbot.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(tmp_path: Path, pg_db_url: str | None, request: pytest.FixtureRequest) -> str:
    if pg_db_url is not None:  # IPBOT_TEST_DATABASE_URL is set
        return pg_db_url
    target = tmp_path / "ipbot.sqlite3"
    shutil.copyfile(request.getfixturevalue("migrated_template"), target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=TZ))


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(token=TOKEN, database_url=db_url, bot_username="ipfield_test_bot",
                    _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Iterator[Services]:
    svc = Services.create(settings, clock)
    yield svc
    svc.close()


@pytest.fixture
def roster_dir(tmp_path: Path) -> Path:
    """A copy of the sample rosters that a test may edit."""
    target = tmp_path / "rosters"
    shutil.copytree(EXAMPLES, target)
    return target
