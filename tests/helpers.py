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
