"""Test helpers that are not fixtures."""

from __future__ import annotations

from pathlib import Path

from bot.services import cycles, rosters
from bot.services.container import Services
from tests.conftest import EXAMPLES


def load_sample_rosters(svc: Services, folder: Path = EXAMPLES) -> None:
    """Import the sample rosters in dependency order and open the 2026–2027 cycle."""
    from datetime import date

    for kind in ("people", "entities", "regions"):
        report = rosters.import_file(svc, kind, folder / f"{kind}.csv", actor="test")
        assert report.ok, report.errors
    cycles.create(svc, date(2026, 1, 1), 2, actor="test")
    report = rosters.import_file(svc, "assignments", folder / "assignments.csv", actor="test")
    assert report.ok, report.errors


def insert_rows(url: str, table: str, rows: list[dict]) -> None:
    """Insert rows into ``table`` as the database's schema has it (at any revision, not the
    models'); timestamps are stored as the application stores them."""
    import sqlalchemy as sa

    from bot.store.db import make_engine
    from bot.store.types import AwareDateTime

    engine = make_engine(url)
    try:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)
        for column in reflected.columns:
            if isinstance(column.type, sa.DateTime):
                column.type = AwareDateTime()
        with engine.begin() as conn:
            conn.execute(reflected.insert(), rows)
    finally:
        engine.dispose()
