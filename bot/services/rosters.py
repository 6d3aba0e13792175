"""Import rosters (people, entities, regions, assignments) all-or-nothing and idempotently."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain import eligibility, rosters
from bot.domain.rosters import AssignmentRow, EntityRow, Kind, PersonRow, RegionRow, RowError
from bot.services.container import Services
from bot.services.roster_files import read_table
from bot.store.models import Assignment, Entity, Person, PersonRole, Region
from bot.store.uow import UnitOfWork


@dataclass
class ImportReport:
    kind: Kind
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

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
        }


def import_file(svc: Services, kind: Kind, path: Path, actor: str) -> ImportReport:
    """Validate every row; import all of them, or none when any row is bad."""
    header, body = read_table(path)
    mapping, header_errors = rosters.map_headers(kind, header)
    if header_errors:
        return ImportReport(kind, errors=header_errors)
    cells = [
        (number, {fld: rosters.clean(row[i]) if i < len(row) else "" for i, fld in mapping.items()})
        for number, row in body
    ]
    labels = {fld: rosters.clean(header[i]) for i, fld in mapping.items()}
    parsed, errors = rosters.parse_rows(kind, cells, labels=labels)
    report = ImportReport(kind, errors=errors)
    with svc.uow() as uow:
        apply: Callable[..., None] = _APPLY[kind]
        for row in parsed:
            apply(uow, row, report, svc, actor)
        report.errors.sort(key=lambda e: e.row)
        if report.errors:
            report.created = report.updated = report.unchanged = 0
            return report  # leaving without commit rolls everything back
        uow.commit()
    return report


def _changed(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Set the differing attributes; return {name: [old, new]} of what changed."""
    diff = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            diff[name] = [old, value]
            setattr(obj, name, value)
    return diff


def _count(report: ImportReport, uow: UnitOfWork, svc: Services, actor: str, obj: Any,
           kind: str, created: bool, diff: dict[str, Any]) -> None:
    if created:
        report.created += 1
        uow.flush()
        uow.audit.record(svc.clock.now(), actor, "import.create", kind, obj.id, _jsonable(diff))
    elif diff:
        report.updated += 1
        uow.audit.record(svc.clock.now(), actor, "import.update", kind, obj.id, _jsonable(diff))
    else:
        report.unchanged += 1


def _person(uow: UnitOfWork, row: PersonRow, report: ImportReport, svc: Services, actor: str):
    person = uow.people.by_phone(row.phone) if row.phone else None
    if person is None:
        person = uow.people.by_name_unit(row.name, row.unit)
        if person is not None and row.phone and person.phone and person.phone != row.phone:
            person = None
    created = person is None
    now = svc.clock.now()
    if person is None:
        person = Person(created_at=now, updated_at=now, name=row.name, unit=row.unit, roles=[])
        uow.people.add(person)
    diff = _changed(person, {
        "name": row.name, "phone": row.phone, "unit": row.unit, "ip_degree": row.ip_degree,
        "experience_years": row.experience_years, "in_service": row.in_service,
        "scope_city": row.scope_city, "scope_county": row.scope_county,
    })
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
    if diff and not created:
        person.updated_at = now
    _count(report, uow, svc, actor, person, "person", created, diff)


def _entity(uow: UnitOfWork, row: EntityRow, report: ImportReport, svc: Services, actor: str):
    entity = uow.entities.by_name(row.name)
    if row.credit_code:
        other = uow.entities.by_credit_code(row.credit_code)
        if other is not None and other is not entity:
            report.errors.append(RowError(row.row, "roster.credit_code_taken",
                                          {"value": row.credit_code, "other": other.name}))
            return
    created = entity is None
    if entity is None:
        entity = Entity(name=row.name, created_at=svc.clock.now())
        uow.entities.add(entity)
    diff = _changed(entity, {
        "category": row.category.value, "level": row.level.value, "city": row.city,
        "county": row.county, "credit_code": row.credit_code,
    })
    _count(report, uow, svc, actor, entity, "entity", created, diff)


def _region(uow: UnitOfWork, row: RegionRow, report: ImportReport, svc: Services, actor: str):
    region = uow.regions.by_county(row.county)
    created = region is None
    if region is None:
        region = Region(county=row.county, created_at=svc.clock.now())
        uow.regions.add(region)
    diff = _changed(region, {"city": row.city, "kind": row.kind.value})
    _count(report, uow, svc, actor, region, "region", created, diff)


def _assignment(uow: UnitOfWork, row: AssignmentRow, report: ImportReport, svc: Services,
                actor: str):
    def fail(code: str, **values: Any) -> None:
        report.errors.append(RowError(row.row, code, values))

    people = _lookup_person(uow, row.person)
    if len(people) != 1:
        fail("roster.person_unknown" if not people else "roster.person_ambiguous",
             value=row.person)
        return
    person = people[0]
    role = row.role
    if role.value not in person.role_names:
        fail("roster.person_lacks_role", name=person.name, role=role.value)
        return
    quals = eligibility.Qualifications(person.in_service, person.ip_degree,
                                       person.experience_years)
    reason = eligibility.check(role, quals)
    if reason is not None:
        fail(reason.code, role=role.value, years=rosters._fmt(reason.min_years),
             have=rosters._fmt(person.experience_years))
        return
    cycle = (uow.cycles.by_start(row.cycle_start) if row.cycle_start
             else uow.cycles.containing(svc.clock.now().date()) or _latest(uow.cycles.all()))
    if cycle is None:
        fail("roster.no_cycle", value=str(row.cycle_start or ""))
        return
    start = row.start or cycle.start_date
    if not (cycle.start_date <= start <= cycle.end_date) or (
        row.end and not (cycle.start_date <= row.end <= cycle.end_date)
    ):
        fail("roster.outside_cycle", start=cycle.start_date, end=cycle.end_date)
        return
    entity = region = None
    if row.entity:
        entity = uow.entities.by_name(row.entity)
        if entity is None:
            fail("roster.entity_unknown", value=row.entity)
            return
    else:
        region = uow.regions.by_county(row.region or "")
        if region is None:
            fail("roster.region_unknown", value=row.region)
            return
        taken = uow.assignments.region_in_cycle(cycle.id, region.id)
        if taken is not None and taken.person_id != person.id:
            fail("roster.region_taken", region=region.county, other=taken.person.name)
            return
        other = uow.assignments.envoy_in_cycle(cycle.id, person.id)
        if other is not None and other.region_id != region.id:
            fail("roster.envoy_second_region", name=person.name, other=other.target_name)
            return
    assignment = uow.assignments.find(cycle.id, person.id,
                                      entity.id if entity else None, region.id if region else None)
    created = assignment is None
    if assignment is None:
        assignment = Assignment(cycle_id=cycle.id, person_id=person.id, role=role.value,
                                entity_id=entity.id if entity else None,
                                region_id=region.id if region else None,
                                created_at=svc.clock.now(), start_date=start)
        uow.assignments.add(assignment)
    diff = _changed(assignment, {"start_date": start, "end_date": row.end})
    if created:
        diff = {"person": person.name, "target": row.entity or row.region,
                "cycle": str(cycle.start_date)}
    _count(report, uow, svc, actor, assignment, "assignment", created, diff)
    uow.flush()  # later rows of the same file see this one (second region for an envoy)


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
}
