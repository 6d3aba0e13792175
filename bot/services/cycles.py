"""Service cycles (服务周期): two years by default; cycles never overlap. At a cycle's end
assignments may be adjusted (seed 004): ``roll`` opens the next cycle and carries the running
assignments over, with a file of changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from bot.domain.rosters import RowError
from bot.domain.vocab import Role
from bot.services import lifecycle, rosters
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.lifecycle import AssignmentView, Unserved, view
from bot.store.models import Assignment, Cycle
from bot.store.uow import UnitOfWork


@dataclass(frozen=True)
class CycleView:
    id: int
    start: date
    end: date


def cycle_end(start: date, years: int) -> date:
    """The last day of a cycle of ``years`` starting on ``start`` (29 Feb → 28 Feb)."""
    try:
        after = start.replace(year=start.year + years)
    except ValueError:
        after = start.replace(year=start.year + years, day=28) + timedelta(days=1)
    return after - timedelta(days=1)


def create(svc: Services, start: date, years: int, actor: str) -> CycleView:
    with svc.uow() as uow:
        cycle = _create_in(uow, svc, start, years, actor)
        uow.commit()
        return CycleView(cycle.id, cycle.start_date, cycle.end_date)


def _create_in(uow: UnitOfWork, svc: Services, start: date, years: int, actor: str,
               reason: str | None = None) -> Cycle:
    if not 1 <= years <= 10:
        raise ServiceError("cycle.bad_years", years=years)
    end = cycle_end(start, years)
    for other in uow.cycles.all():
        if other.start_date <= end and start <= other.end_date:
            raise ServiceError("cycle.overlap", start=other.start_date, end=other.end_date)
    cycle = Cycle(start_date=start, end_date=end, created_at=svc.clock.now())
    uow.cycles.add(cycle)
    uow.flush()
    uow.audit.record(svc.clock.now(), actor, "cycle.create", "cycle", cycle.id,
                     {"start": str(start), "end": str(end)}, note=reason)
    return cycle


def list_all(svc: Services) -> list[CycleView]:
    with svc.uow() as uow:
        return [CycleView(c.id, c.start_date, c.end_date) for c in uow.cycles.all()]


# ── roll-over ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class NotCarried:
    """An assignment running at the old cycle's end that the new cycle does not continue,
    and why (a catalog key and its values; ``roll.dropped`` for the file of changes)."""

    assignment: AssignmentView
    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class RollReport:
    dry_run: bool
    cycle: CycleView | None = None
    source: CycleView | None = None
    kept: list[AssignmentView] = field(default_factory=list)
    ended: list[NotCarried] = field(default_factory=list)
    added: list[AssignmentView] = field(default_factory=list)
    unserved: list[Unserved] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # of the file of changes
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        def cyc(c: CycleView | None) -> dict[str, Any] | None:
            return None if c is None else {"id": c.id, "start": str(c.start), "end": str(c.end)}

        return {
            "dry_run": self.dry_run, "cycle": cyc(self.cycle), "from": cyc(self.source),
            "kept": [a.as_dict() for a in self.kept],
            "ended": [e.assignment.as_dict() | {"code": e.code} for e in self.ended],
            "added": [a.as_dict() for a in self.added],
            "unserved": [u.as_dict() for u in self.unserved],
            "errors": [{"row": e.row, "code": e.code, **e.values} for e in self.errors],
            "warnings": [{"row": e.row, "code": e.code, **e.values} for e in self.warnings],
        }


def roll(svc: Services, start: date, *, years: int | None = None, changes: Path | None = None,
         dry_run: bool = False, actor: str, reason: str | None = None) -> RollReport:
    """Open the cycle starting on ``start`` and copy into it the assignments running at the
    end of the cycle before, except those of people who left the pool (or lack what an
    assignment needs) and of targets out of the pool; then apply the file of changes (rows
    of the assignments format with 变动/change: 新增/add, the default, or 取消/drop). With
    ``dry_run`` nothing is kept. Nothing is sent: the report lists what is left unserved."""
    report = RollReport(dry_run)
    parsed: list[Any] = []
    if changes is not None:
        parsed, file_report = rosters.parse_file(svc, "changes", changes)
        report.warnings = file_report.warnings
        if file_report.errors:
            report.errors = file_report.errors
            return report
    years = years or svc.policy.cycle_years
    with lifecycle.race_guard(), svc.uow() as uow:
        source = next((c for c in reversed(uow.cycles.all()) if c.end_date < start), None)
        if source is None:
            raise ServiceError("roll.no_source", start=start)
        new = _create_in(uow, svc, start, years, actor, reason)
        report.source = CycleView(source.id, source.start_date, source.end_date)
        report.cycle = CycleView(new.id, new.start_date, new.end_date)
        running = [a for a in uow.assignments.in_cycle(source.id)
                   if a.end_date == source.end_date]
        copied: list[tuple[Assignment, AssignmentView]] = []  # (the copy, the old one)
        for a in running:
            person = a.person
            if person.left_on is not None and person.left_on < new.start_date:
                report.ended.append(NotCarried(view(a), "roll.person_left",
                                               {"name": person.name, "day": person.left_on}))
                continue
            end = new.end_date if person.left_on is None else min(new.end_date, person.left_on)
            try:
                copy = lifecycle.place_in(uow, svc, person, Role(a.role), a.entity, a.region,
                                          new, new.start_date, end)
            except ServiceError as exc:
                report.ended.append(NotCarried(view(a), exc.code, exc.values))
                continue
            copied.append((copy, view(a)))
            uow.audit.record(svc.clock.now(), actor, "assignment.copy", "assignment", copy.id,
                             {"from": a.id, "person": person.name, "target": a.target_name},
                             note=reason)
        file_report = rosters.ImportReport("changes")
        drops_first = sorted(parsed, key=lambda r: r.change != "drop")
        rosters.apply_rows(uow, svc, "changes", drops_first, file_report, actor, reason,
                           cycle=new)
        if file_report.errors:
            report.errors = sorted(file_report.errors, key=lambda e: e.row)
            return report
        kept = set()
        for copy, old in copied:  # by identity: SQLite may give a dropped copy's id again
            if inspect(copy).was_deleted:
                report.ended.append(NotCarried(old, "roll.dropped"))
            else:
                kept.add(id(copy))
                report.kept.append(view(copy))
        report.added = [view(a) for a in uow.assignments.in_cycle(new.id) if id(a) not in kept]
        report.unserved = lifecycle.unserved_on(uow, new.start_date)
        uow.audit.record(svc.clock.now(), actor, "cycle.roll", "cycle", new.id, {
            "from": str(source.start_date), "kept": len(report.kept),
            "ended": len(report.ended), "added": len(report.added),
            "unserved": [u.target for u in report.unserved]}, note=reason)
        if not dry_run:
            uow.commit()
    return report
