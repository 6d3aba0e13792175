"""Import rosters (people, entities, regions, assignments) all-or-nothing and idempotently.

Any bad row: nothing is imported and every bad row is listed. Warnings (a title row skipped,
two people of one name, a 山区/海岛 county missing from the policy's list, someone who left
staying out of the pool) never stop an import.

A column the file does not have leaves what the database holds as it is: re-importing an
older file does not undo a departure (离库) or an assignment ended with ``ipbot assign end``.
Departures and ended assignments tell the supervisors what is left unserved (through the
outbox, in the import's transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.delivery.out import Out
from bot.domain import rosters
from bot.domain.rosters import (
    AssignmentRow,
    EntityRow,
    Kind,
    PersonRow,
    RegionRow,
    RowError,
)
from bot.domain.vocab import RegionKind
from bot.services import lifecycle
from bot.services.base import Done, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.lifecycle import Ended, Left, UnservedNotice
from bot.services.roster_files import read_rows
from bot.store.models import Cycle, Entity, Person, PersonRole, Region
from bot.store.uow import UnitOfWork


@dataclass
class ImportReport:
    kind: Kind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)  # people who left the pool
    ended: list[Ended] = field(default_factory=list)  # assignments ended by the file
    unserved: list[lifecycle.Unserved] = field(default_factory=list)
    notices: list[UnservedNotice] = field(default_factory=list)
    unbound: list[str] = field(default_factory=list)  # supervisors to tell, not on Telegram

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [{"row": e.row, "code": e.code, **e.values} for e in self.errors],
            "warnings": [{"row": e.row, "code": e.code, **e.values} for e in self.warnings],
            "left": [x.as_dict() for x in self.left],
            "ended": [e.as_dict() for e in self.ended],
            "unserved": [u.as_dict() for u in self.unserved],
            "told": sorted({n.to.name for n in self.notices}),
            "not_on_telegram": sorted(set(self.unbound)),
        }


def import_file(svc: Services, kind: Kind, path: Path, actor: str, *,
                reason: str | None = None,
                reply: Callable[[ImportReport], list[Out]] | None = None) -> ImportReport:
    """Validate every row; import all of them, or none when any row is bad."""
    return run_import(svc, kind, path, actor, reason=reason, reply=reply).value


def run_import(svc: Services, kind: Kind, path: Path, actor: str, *, reason: str | None = None,
               reply: Callable[[ImportReport], list[Out]] | None = None) -> Done[ImportReport]:
    """As :func:`import_file`, with the messages it wrote (to the supervisors told)."""
    parsed, report = parse_file(svc, kind, path)
    if report.errors:
        return Done(report)
    with lifecycle.race_guard(), svc.uow() as uow:
        apply_rows(uow, svc, kind, parsed, report, actor, reason)
        report.errors.sort(key=lambda e: e.row)
        if report.errors:
            report.created = report.updated = report.unchanged = 0
            report.left, report.ended, report.notices = [], [], []
            return Done(report)  # leaving without commit rolls everything back
        return finish(uow, svc.clock.now(), report, reply)


def parse_file(svc: Services, kind: Kind, path: Path
               ) -> tuple[list[rosters.Row], ImportReport]:
    """The rows of ``path`` that are well formed, and a report of what is not (header, cells,
    duplicates) and of the warnings so far."""
    rows = read_rows(path)
    index, warnings = rosters.find_header(kind, [cells for _, cells in rows])
    header_row, header = rows[index]
    report = ImportReport(kind, warnings=warnings)
    mapping, header_errors = rosters.map_headers(kind, header, header_row)
    if header_errors:
        report.errors = header_errors
        return [], report
    cells = [
        (number, {fld: rosters.clean(row[i]) if i < len(row) else "" for i, fld in mapping.items()})
        for number, row in rows[index + 1:]
    ]
    labels = {fld: rosters.clean(header[i]) for i, fld in mapping.items()}
    parsed, errors = rosters.parse_rows(kind, cells, labels=labels)
    report.errors = errors
    report.warnings += rosters.same_name_warnings(parsed)
    return parsed, report


def apply_rows(uow: UnitOfWork, svc: Services, kind: Kind, parsed: Sequence[rosters.Row],
               report: ImportReport, actor: str, reason: str | None,
               cycle: Cycle | None = None) -> None:
    """Apply well-formed rows inside ``uow``; problems go to ``report.errors``."""
    ctx = _Context(svc, actor, reason, lifecycle.today(svc), cycle)
    apply: Callable[..., None] = _APPLY[kind]
    for row in parsed:
        try:
            apply(uow, row, report, ctx)
        except ServiceError as exc:
            report.errors.append(RowError(row.row, exc.code, exc.values))
    if report.errors:
        return
    report.unserved = lifecycle.unserved_after(uow, report.ended)
    if report.unserved:
        keys = sorted(f"{e.assignment.id}:{e.last_day}" for e in report.ended)
        report.notices, report.unbound = lifecycle.notify_unserved(
            uow, ctx.today, report.unserved, key=f"import:{lifecycle.digest_key(keys)}",
            person="、".join(sorted({e.assignment.person for e in report.ended})),
            left=False, reason=reason)
    for x in report.left:
        report.notices += x.ending.notices
        report.unbound += x.ending.unbound
        report.unserved += x.ending.unserved


@dataclass
class _Context:
    svc: Services
    actor: str
    reason: str | None
    today: date
    cycle: Cycle | None  # assignments of a roll-over's changes go into this cycle


def _changed(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the differing attributes; return {name: [old, new]} of what changed."""
    diff = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            diff[name] = [old, value]
            setattr(obj, name, value)
    return diff


def _stated(values: dict[str, Any]) -> dict[str, Any]:
    """The pool states a row states (None: not stated, left as they are)."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()
            if v is not None}


def _count(report: ImportReport, uow: UnitOfWork, ctx: _Context, obj: Any, kind: str,
           created: bool, diff: dict[str, Any]) -> None:
    now = ctx.svc.clock.now()
    if created:
        report.created += 1
        uow.flush()
        uow.audit.record(now, ctx.actor, "import.create", kind, obj.id, _jsonable(diff),
                         note=ctx.reason)
    elif diff:
        report.updated += 1
        uow.audit.record(now, ctx.actor, "import.update", kind, obj.id, _jsonable(diff),
                         note=ctx.reason)
    else:
        report.unchanged += 1


def _person(uow: UnitOfWork, row: PersonRow, report: ImportReport, ctx: _Context) -> None:
    person = uow.people.by_phone(row.phone) if row.phone else None
    if person is None:
        person = uow.people.by_name_unit(row.name, row.unit)
        if person is not None and row.phone and person.phone and person.phone != row.phone:
            # another person of the same name in the same unit: the pool tells people apart
            # by name and unit, so the office must name them apart
            raise ServiceError("roster.same_name_unit", name=row.name, unit=row.unit or "-",
                               phone=person.phone)
    created = person is None
    now = ctx.svc.clock.now()
    if person is None:
        if row.leaving:  # joining and leaving at once: judged as someone who joins
            problems = rosters.eligibility_errors(row)
            if problems:
                report.errors += problems
                return
        namesakes = uow.people.by_name(row.name)
        if namesakes:
            report.warnings.append(RowError(row.row, "roster.same_name_known", {
                "name": row.name, "unit": namesakes[0].unit or "-"}))
        person = Person(created_at=now, updated_at=now, name=row.name, unit=row.unit, roles=[],
                        reviewed=False, trained=False)
        uow.people.add(person)
    values: dict[str, Any] = {
        "name": row.name, "phone": row.phone, "unit": row.unit, "ip_degree": row.ip_degree,
        "experience_years": row.experience_years,
        "scope_city": row.scope_city, "scope_county": row.scope_county,
    }
    staying_out = person.left_on is not None and not row.leaving and "left_on" not in row.stated
    if not staying_out:
        values["in_service"] = row.in_service
    values |= _stated({"route": row.route, "reviewed": row.reviewed,
                            "trained": row.trained})
    diff = _changed(person, values)
    if row.language and person.language != row.language:
        diff["language"] = [person.language, row.language]
        person.language = row.language
    old_roles = {r.role for r in person.roles}
    new_roles = {r.value for r in row.roles}
    if old_roles != new_roles:
        diff["roles"] = [sorted(old_roles), sorted(new_roles)]
        person.roles = [r for r in person.roles if r.role in new_roles] + [
            PersonRole(role=r) for r in sorted(new_roles - old_roles)
        ]
    if created:
        if row.leaving:
            person.left_on = row.left_on or ctx.today
            person.left_reason = row.left_reason
        _count(report, uow, ctx, person, "person", True, diff)
        return
    if row.leaving:
        day = row.left_on or person.left_on or ctx.today
        uow.flush()
        left = lifecycle.leave_in(uow, ctx.svc, person, day, row.left_reason or ctx.reason,
                                  ctx.actor)
        if not left.already:
            report.left.append(left)
            report.ended += left.ending.ended
            diff["left_on"] = [None, str(day)]
    elif person.left_on is not None:
        if staying_out:
            report.warnings.append(RowError(row.row, "roster.still_left", {
                "name": person.name, "day": person.left_on}))
        else:  # the file has a 离库日期 column, empty here: back in the pool
            diff["left_on"] = [str(person.left_on), None]
            person.left_on = person.left_reason = None
            uow.audit.record(now, ctx.actor, "person.rejoin", "person", person.id, {},
                             note=ctx.reason)
    if diff:
        person.updated_at = now
    _count(report, uow, ctx, person, "person", False, diff)


def _entity(uow: UnitOfWork, row: EntityRow, report: ImportReport, ctx: _Context) -> None:
    entity = uow.entities.by_name(row.name)
    if row.credit_code:
        other = uow.entities.by_credit_code(row.credit_code)
        if other is not None and other is not entity:
            report.errors.append(RowError(row.row, "roster.credit_code_taken",
                                          {"value": row.credit_code, "other": other.name}))
            return
    created = entity is None
    if entity is None:
        entity = Entity(name=row.name, created_at=ctx.svc.clock.now(), reviewed=False)
        uow.entities.add(entity)
    diff = _changed(entity, {
        "category": row.category.value, "level": row.level.value, "city": row.city,
        "county": row.county, "credit_code": row.credit_code,
    } | _stated({"route": row.route, "reviewed": row.reviewed}))
    _count(report, uow, ctx, entity, "entity", created, diff)


def _region(uow: UnitOfWork, row: RegionRow, report: ImportReport, ctx: _Context) -> None:
    listed = ctx.svc.policy.mountain_island_counties
    if listed is not None and row.kind in (RegionKind.MOUNTAIN, RegionKind.ISLAND) \
            and row.county not in listed:
        report.warnings.append(RowError(row.row, "roster.region_not_listed", {
            "county": row.county, "kind": row.kind.value}))
    region = uow.regions.by_county(row.county)
    created = region is None
    if region is None:
        region = Region(county=row.county, created_at=ctx.svc.clock.now(), reviewed=False)
        uow.regions.add(region)
    diff = _changed(region, {"city": row.city, "kind": row.kind.value}
                    | _stated({"route": row.route, "reviewed": row.reviewed}))
    _count(report, uow, ctx, region, "region", created, diff)


def _assignment(uow: UnitOfWork, row: AssignmentRow, report: ImportReport,
                ctx: _Context) -> None:
    people = _lookup_person(uow, row.person)
    if len(people) != 1:
        raise ServiceError("roster.person_unknown" if not people else "roster.person_ambiguous",
                           value=row.person)
    person = people[0]
    cycle = ctx.cycle or _cycle(uow, ctx, row)
    entity = region = None
    if row.entity:
        entity = uow.entities.by_name(row.entity)
        if entity is None:
            raise ServiceError("roster.entity_unknown", value=row.entity)
    else:
        region = uow.regions.by_county(row.region or "")
        if region is None:
            raise ServiceError("roster.region_unknown", value=row.region)
    if ctx.cycle is not None and row.change == "drop":
        return _drop(uow, row, report, ctx, person, entity, region, cycle)
    mine = uow.assignments.of_pair(person.id, entity.id if entity else None,
                                   region.id if region else None, cycle.id)
    match = next((a for a in mine if a.start_date == row.start), None) if row.start else None
    if match is None and mine and (row.start is None or len(mine) == 1):
        match = mine[0]
    start = row.start or (match.start_date if match else cycle.start_date)
    if "end" in row.stated:
        end = row.end or cycle.end_date
    else:
        end = match.end_date if match else cycle.end_date
    if end < start:
        raise ServiceError("roster.end_before_start")
    if match is None:
        assignment = lifecycle.place_in(uow, ctx.svc, person, row.role, entity, region, cycle,
                                        start, end)
        _count(report, uow, ctx, assignment, "assignment", True, {
            "person": person.name, "target": row.entity or row.region,
            "cycle": str(cycle.start_date), "start": str(start), "end": str(end)})
        return
    if (match.start_date, match.end_date) == (start, end):
        report.unchanged += 1
        return
    diff = {"start_date": [str(match.start_date), str(start)],
            "end_date": [str(match.end_date), str(end)]}
    if start == match.start_date and end < match.end_date:  # ended early: always allowed
        ended = lifecycle.end_in(uow, ctx.svc, match, end, ctx.actor, ctx.reason)
        if ended is not None:
            report.ended.append(ended)
    else:
        outside = lifecycle.visits_outside(uow, match.id, start, end)
        if outside is not None:
            raise ServiceError("assign.visits_outside", day=outside, start=start, end=end)
        lifecycle.check_assignable(uow, person, row.role, entity, region, cycle, start, end,
                                   exclude=match.id)
        match.start_date, match.end_date = start, end
        uow.flush()
    _count(report, uow, ctx, match, "assignment", False, diff)


def _drop(uow: UnitOfWork, row: AssignmentRow, report: ImportReport, ctx: _Context,
          person: Person, entity: Entity | None, region: Region | None, cycle: Cycle) -> None:
    """A roll-over's change 取消/drop: the copied assignment is not carried over."""
    copies = uow.assignments.of_pair(person.id, entity.id if entity else None,
                                     region.id if region else None, cycle.id)
    if not copies:
        raise ServiceError("roll.nothing_to_drop", person=person.name,
                           target=row.entity or row.region)
    for a in copies:
        uow.audit.record(ctx.svc.clock.now(), ctx.actor, "assignment.drop", "assignment", a.id,
                         {"person": person.name, "target": a.target_name,
                          "cycle": str(cycle.start_date)}, note=ctx.reason)
        uow.session.delete(a)
    uow.flush()
    report.updated += 1


def _cycle(uow: UnitOfWork, ctx: _Context, row: AssignmentRow) -> Cycle:
    cycle = (uow.cycles.by_start(row.cycle_start) if row.cycle_start
             else uow.cycles.containing(ctx.today) or _latest(uow.cycles.all()))
    if cycle is None:
        raise ServiceError("roster.no_cycle", value=str(row.cycle_start or ""))
    return cycle


def _lookup_person(uow: UnitOfWork, text: str) -> Sequence[Person]:
    found = uow.people.by_phone(text)
    return [found] if found else uow.people.by_name(text)


def _latest(cycles: Sequence[Any]) -> Any:
    return cycles[-1] if cycles else None


def _jsonable(diff: dict[str, Any]) -> dict[str, Any]:
    return {k: [str(x) if x is not None and not isinstance(x, int | float | bool | list) else x
                for x in v] if isinstance(v, list) else str(v) for k, v in diff.items()}


_APPLY: dict[Kind, Callable[..., None]] = {
    "people": _person,
    "entities": _entity,
    "regions": _region,
    "assignments": _assignment,
    "changes": _assignment,
}
