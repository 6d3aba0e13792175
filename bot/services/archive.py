"""服务档案 (seed 004: 省知识产权局建立服务档案): the archive of a person, an entity or a region,
within a supervisor's scope.

A *region* here is a place: a service region (a county), or any county or city named by the
rosters; it is handled as a :class:`~bot.reports.Scope`. A supervisor may export only what
lies within their own scope: a person who serves there (and only their visits there), an
entity there, a place inside it. The CLI, run by an administrator, has no such limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.reports import Scope
from bot.reports.archive import (
    ArchiveConsultation,
    ArchiveEdit,
    ArchiveEvaluation,
    ArchiveInput,
    ArchiveMessage,
    ArchiveVisit,
)
from bot.reports.evaluation import safe_file_name
from bot.services.container import Services
from bot.services.digest import scope_of
from bot.services.errors import ServiceError
from bot.services.evaluations import changed_fields, find_person
from bot.store.models import (
    Assignment,
    AuditEntry,
    Consultation,
    ConsultationMessage,
    Entity,
    EntityContact,
    Evaluation,
    FollowUp,
    Person,
    PersonRole,
    Region,
    TypicalCase,
    Visit,
    VisitConfirmation,
    VisitPhoto,
)
from bot.store.uow import UnitOfWork
from scheduler.evaluations import period_code

KINDS = ("person", "entity", "region")
CHUNK = 900  # ids per IN (…) list: well under every database's limit


@dataclass(frozen=True)
class Target:
    """What an archive is of: a person or entity (by id), or a place."""

    kind: str  # person | entity | region
    id: int  # the person's or entity's id; for a place, its position in the scope's list
    name: str
    place: Scope | None = None  # a region's place
    detail: str = ""  # a person's unit, an entity's place (to tell namesakes apart)


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


def _assignment_places(s: Session) -> list[tuple[int, int, int | None, str | None, str | None]]:
    """(assignment, person, entity, city, county) of every assignment."""
    ent, reg = aliased(Entity), aliased(Region)
    return [(aid, pid, eid, ecity or rcity, ecounty or rcounty)
            for aid, pid, eid, ecity, ecounty, rcity, rcounty in s.execute(
                select(Assignment.id, Assignment.person_id, Assignment.entity_id, ent.city,
                       ent.county, reg.city, reg.county)
                .outerjoin(ent, ent.id == Assignment.entity_id)
                .outerjoin(reg, reg.id == Assignment.region_id))]


def within(scope: Scope, place: Scope) -> bool:
    """Whether the place lies inside the scope."""
    if scope.level == "province":
        return True
    if place.level == "province":
        return False
    if scope.level == "city":
        return place.city == scope.city
    return place.level == "county" and scope.contains(place.city, place.county)


# ── naming a target ───────────────────────────────────────────────────


def place_named(uow: UnitOfWork, name: str) -> Scope | None:
    """A service region or county (the county level), or a city, by name."""
    name = name.strip()
    region = uow.regions.by_county(name)
    if region is not None:
        return Scope("county", region.city or None, region.county)
    s = uow.session
    cities = sorted({c for (c,) in s.execute(select(Entity.city).where(Entity.county == name))})
    if len(cities) > 1:
        raise ServiceError("archive.place_ambiguous", value=name, cities="、".join(cities))
    if cities:
        return Scope("county", cities[0] or None, name)
    if s.scalar(select(Entity.id).where(Entity.city == name).limit(1)) or s.scalar(
            select(Region.id).where(Region.city == name).limit(1)):
        return Scope("city", name)
    return None


def resolve(svc: Services, kind: str, name: str) -> Target:
    """The target named on the command line (no scope: the administrator's CLI)."""
    with svc.uow() as uow:
        if kind == "person":
            p = find_person(uow, name)
            return Target("person", p.id, p.name, detail=p.unit)
        if kind == "entity":
            e = uow.entities.by_name(name.strip())
            if e is None:
                raise ServiceError("invite.entity_unknown", value=name)
            return Target("entity", e.id, e.name, detail=e.city)
        place = place_named(uow, name)
        if place is None:
            raise ServiceError("archive.place_unknown", value=name)
        return Target("region", 0, place.county or place.city or name, place)


def _person_in_scope(uow: UnitOfWork, person_id: int, scope: Scope) -> bool:
    if scope.level == "province":
        return True
    return any(pid == person_id and scope.contains(city, county)
               for _aid, pid, _eid, city, county in _assignment_places(uow.session))


def check(uow: UnitOfWork, target: Target, scope: Scope) -> None:
    """Refuse a target outside the scope (a forged button, another city's archive)."""
    if target.kind == "person":
        ok = _person_in_scope(uow, target.id, scope)
    elif target.kind == "entity":
        entity = uow.entities.get(target.id)
        ok = entity is not None and scope.contains(entity.city, entity.county)
    else:
        ok = target.place is not None and within(scope, target.place)
    if not ok:
        raise ServiceError("archive.out_of_scope", name=target.name)


def choices(svc: Services, kind: str, scope: Scope) -> list[Target]:
    """What a supervisor may pick, by name: people serving in scope, entities in scope, and
    places (a province's cities; a city and its counties; a county)."""
    with svc.uow() as uow:
        s = uow.session
        if kind == "person":
            places = _assignment_places(s)
            ids = {pid for _a, pid, _e, city, county in places if scope.contains(city, county)}
            if scope.level == "province":
                ids |= {pid for (pid,) in s.execute(select(PersonRole.person_id).where(
                    PersonRole.role.in_(("commissioner", "envoy"))))}
            rows = s.execute(select(Person.id, Person.name, Person.unit))
            return sorted((Target("person", pid, name, detail=unit)
                           for pid, name, unit in rows if pid in ids),
                          key=lambda t: (t.name, t.detail, t.id))
        if kind == "entity":
            rows = s.execute(select(Entity.id, Entity.name, Entity.city, Entity.county))
            return sorted((Target("entity", eid, name, detail=city)
                           for eid, name, city, county in rows if scope.contains(city, county)),
                          key=lambda t: t.name)
        pairs = {(c, k) for c, k in s.execute(select(Entity.city, Entity.county))}
        pairs |= {(c, k) for c, k in s.execute(select(Region.city, Region.county))}
        places: list[Scope] = []
        if scope.level == "county":
            places = [scope]
        else:
            cities = sorted({c for c, _ in pairs if c and (scope.level == "province"
                                                           or c == scope.city)})
            for city in cities:
                places.append(Scope("city", city))
                places += [Scope("county", city, k)
                           for k in sorted({k for c, k in pairs if c == city and k})]
        return [Target("region", i, p.county or p.city or "", p,
                       detail=p.city or "" if p.level == "county" else "")
                for i, p in enumerate(places)]


def search(svc: Services, text: str, scope: Scope) -> list[Target]:
    """/archive NAME: people (by name or phone), entities and places of that name in scope."""
    text = text.strip()
    found: list[Target] = []
    with svc.uow() as uow:
        for p in uow.people.find(text):
            if _person_in_scope(uow, p.id, scope):
                found.append(Target("person", p.id, p.name, detail=p.unit))
        entity = uow.entities.by_name(text)
        if entity is not None and scope.contains(entity.city, entity.county):
            found.append(Target("entity", entity.id, entity.name, detail=entity.city))
        try:
            place = place_named(uow, text)
        except ServiceError:
            place = None
    if place is not None and within(scope, place):
        found += [t for t in choices(svc, "region", scope) if t.place == place]
    return found


# ── for supervisors in the bot: their scope, from the database ────────


def scope_for(svc: Services, person_id: int) -> Scope:
    """The remit of a supervisor or administrator; anyone else is refused."""
    with svc.uow() as uow:
        person = uow.people.get(person_id)
        if person is None or not ({"supervisor", "admin"} & person.role_names):
            raise ServiceError("archive.supervisors_only")
        return scope_of(person)


def pick(svc: Services, person_id: int, kind: str) -> tuple[Scope, list[Target]]:
    scope = scope_for(svc, person_id)
    if kind not in KINDS:
        raise ServiceError("visit.stale_button")
    return scope, choices(svc, kind, scope)


def find_for(svc: Services, person_id: int, text: str) -> list[Target]:
    """/archive NAME: what the name matches within the supervisor's scope; a name that exists
    only outside it is refused as such (another city's archive)."""
    scope = scope_for(svc, person_id)
    found = search(svc, text, scope)
    if not found and scope.level != "province" and search(svc, text, Scope("province")):
        raise ServiceError("archive.out_of_scope", name=text.strip())
    return found


def export_for(svc: Services, person_id: int, kind: str, ref: int
               ) -> tuple[Target, ArchiveInput]:
    """A button's archive: the target is looked up again, and checked against the scope
    (a forged or stale button exports nothing)."""
    scope = scope_for(svc, person_id)
    if kind == "region":
        places = choices(svc, "region", scope)
        if not 0 <= ref < len(places):
            raise ServiceError("visit.stale_button")
        target = places[ref]
    elif kind == "person":
        with svc.uow() as uow:
            person = uow.people.get(ref)
            if person is None:
                raise ServiceError("visit.stale_button")
            target = Target("person", person.id, person.name, detail=person.unit)
    elif kind == "entity":
        with svc.uow() as uow:
            entity = uow.entities.get(ref)
            if entity is None:
                raise ServiceError("visit.stale_button")
            target = Target("entity", entity.id, entity.name, detail=entity.city)
    else:
        raise ServiceError("visit.stale_button")
    return target, export(svc, target, scope)


# ── the archive ───────────────────────────────────────────────────────


def export(svc: Services, target: Target, scope: Scope | None = None) -> ArchiveInput:
    """Every visit and consultation of ``target`` (within ``scope``; None: everything), and
    a person's evaluations. Read as plain columns, in bulk."""
    now = svc.clock.now().astimezone(svc.policy.tz)
    tasks = tuple(t for r in ("commissioner", "envoy") for t in svc.policy.role(r).tasks)
    with svc.uow() as uow:
        if scope is not None:
            check(uow, target, scope)
        s = uow.session
        places = _assignment_places(s)
        where = {aid: (city, county) for aid, _p, _e, city, county in places}

        def keep(city: str | None, county: str | None) -> bool:
            return scope is None or scope.contains(city, county)

        if target.kind == "person":
            aids = [aid for aid, pid, _e, city, county in places
                    if pid == target.id and keep(city, county)]
            entity_ids = None
        elif target.kind == "entity":
            aids = [aid for aid, _p, eid, _c, _k in places if eid == target.id]
            entity_ids = [target.id]
        else:
            assert target.place is not None
            aids = [aid for aid, _p, _e, city, county in places
                    if target.place.contains(city, county) and keep(city, county)]
            entity_ids = [eid for eid, city, county in s.execute(
                select(Entity.id, Entity.city, Entity.county))
                if target.place.contains(city, county) and keep(city, county)]
        visits, edits = _visits(svc, s, aids, where)
        if target.kind == "person":
            consultations, messages = _consultations(s, owner=target.id, keep=keep)
            evaluations = _evaluations(svc, s, target.id)
        else:
            consultations, messages = _consultations(s, entities=entity_ids or [], keep=keep)
            evaluations = ()
    return ArchiveInput(target.kind, target.name, now, tasks, svc.policy.grades, visits, edits,
                        consultations, messages, evaluations)


def _visits(svc: Services, s: Session, aids: list[int],
            where: dict[int, tuple[str | None, str | None]]
            ) -> tuple[tuple[ArchiveVisit, ...], tuple[ArchiveEdit, ...]]:
    names = dict(s.execute(select(Person.id, Person.name)).all())
    ent, reg = aliased(Entity), aliased(Region)
    rows = []
    for chunk in _chunks(sorted(aids)):
        rows += list(s.execute(
            select(Visit.id, Visit.number, Visit.person_id, Visit.role, Visit.assignment_id,
                   Visit.visit_date, Visit.mode, Visit.tasks, Visit.summary, Visit.needs,
                   Visit.latitude, Visit.longitude, Visit.location_live, Visit.created_at,
                   Visit.updated_at, Visit.deleted_at, ent.name.label("ename"),
                   reg.county.label("rcounty"))
            .join(Assignment, Assignment.id == Visit.assignment_id)
            .outerjoin(ent, ent.id == Assignment.entity_id)
            .outerjoin(reg, reg.id == Assignment.region_id)
            .where(Visit.assignment_id.in_(chunk))))
    ids = [v.id for v in rows]
    followups: dict[int, list[tuple[str, str]]] = defaultdict(list)
    photos: dict[int, list[str]] = defaultdict(list)
    confirmations: dict[int, list[tuple[str, str, int | None, str | None]]] = defaultdict(list)
    cases: dict[int, str] = {}
    edits: list[ArchiveEdit] = []
    numbers = {v.id: v.number or "" for v in rows}
    for chunk in _chunks(ids):
        for vid, text, status in s.execute(select(FollowUp.visit_id, FollowUp.text,
                                                  FollowUp.status)
                                           .where(FollowUp.visit_id.in_(chunk))
                                           .order_by(FollowUp.id)):
            followups[vid].append((text, status))
        for vid, file_id in s.execute(select(VisitPhoto.visit_id, VisitPhoto.file_id)
                                      .where(VisitPhoto.visit_id.in_(chunk))
                                      .order_by(VisitPhoto.visit_id, VisitPhoto.position)):
            photos[vid].append(file_id)
        for vid, name, status, rating, comment in s.execute(
                select(VisitConfirmation.visit_id, EntityContact.name, VisitConfirmation.status,
                       VisitConfirmation.rating, VisitConfirmation.comment)
                .join(EntityContact, EntityContact.id == VisitConfirmation.contact_id)
                .where(VisitConfirmation.visit_id.in_(chunk),
                       VisitConfirmation.status != "withdrawn")
                .order_by(VisitConfirmation.id)):
            confirmations[vid].append((name, status, rating, comment))
        cases.update(s.execute(select(TypicalCase.visit_id, TypicalCase.highlight)
                               .where(TypicalCase.visit_id.in_(chunk))).all())
        for a in s.scalars(select(AuditEntry).where(
                AuditEntry.object_type == "visit", AuditEntry.object_id.in_(chunk),
                AuditEntry.action.in_(("visit.edit", "visit.delete")))
                .order_by(AuditEntry.at, AuditEntry.id)):
            edits.append(ArchiveEdit(
                numbers.get(a.object_id or 0, ""), a.at,
                "edit" if a.action == "visit.edit" else "delete", _actor(a.actor, names),
                changed_fields(a.details) if a.action == "visit.edit" else (), a.note))
    visits = []
    for v in sorted(rows, key=lambda r: (r.visit_date, r.id)):
        city, county = where.get(v.assignment_id, (None, None))
        visits.append(ArchiveVisit(
            v.number or "", v.visit_date, names.get(v.person_id, ""), v.role,
            v.ename or v.rcounty or "", city, county, v.mode, tuple(v.tasks or ()), v.summary,
            v.needs, tuple(followups.get(v.id, ())), v.latitude, v.longitude, v.location_live,
            tuple(photos.get(v.id, ())), tuple(confirmations.get(v.id, ())), cases.get(v.id),
            v.created_at, v.updated_at, v.deleted_at))
    edits.sort(key=lambda e: (e.at, e.number))
    return tuple(visits), tuple(edits)


def _actor(actor: str, names: dict[int, str]) -> str:
    kind, _, ref = actor.partition(":")
    if kind == "person" and ref.isdigit():
        return names.get(int(ref), actor)
    return actor


def _consultations(s: Session, *, owner: int | None = None, entities: list[int] | None = None,
                   keep: Any) -> tuple[tuple[ArchiveConsultation, ...],
                                       tuple[ArchiveMessage, ...]]:
    query = select(Consultation)
    if owner is not None:
        query = query.where(Consultation.owner_id == owner)
    rows: list[Consultation] = []
    if entities is None:
        rows = list(s.scalars(query.order_by(Consultation.created_at)))
    else:
        for chunk in _chunks(sorted(entities)):
            rows += list(s.scalars(query.where(Consultation.entity_id.in_(chunk))))
        rows.sort(key=lambda c: (c.created_at, c.id))
    rows = [c for c in rows if keep(c.entity.city, c.entity.county)]
    names = dict(s.execute(select(Person.id, Person.name)).all())
    consultations = tuple(ArchiveConsultation(
        c.id, c.entity.name, c.entity.city or None, c.entity.county or None, c.contact.name,
        c.question, c.status, c.owner.name if c.owner else None, c.created_at, c.claimed_at,
        c.last_answer_at, c.closed_at, c.solved, c.rating) for c in rows)
    askers = {c.id: c.contact.name for c in rows}
    messages = []
    for chunk in _chunks([c.id for c in rows]):
        for m in s.scalars(select(ConsultationMessage).where(
                ConsultationMessage.consultation_id.in_(chunk))
                .order_by(ConsultationMessage.consultation_id, ConsultationMessage.id)):
            who = askers[m.consultation_id] if m.sender == "asker" else names.get(
                m.person_id or 0, "")
            messages.append(ArchiveMessage(m.consultation_id, m.at, m.sender, who, m.text))
    return consultations, tuple(messages)


def _evaluations(svc: Services, s: Session, person_id: int) -> tuple[ArchiveEvaluation, ...]:
    names = dict(s.execute(select(Person.id, Person.name)).all())
    out = []
    for e in s.scalars(select(Evaluation).where(Evaluation.person_id == person_id)
                       .order_by(Evaluation.period_start, Evaluation.role)):
        every = svc.policy.role(e.role).evaluation.every
        out.append(ArchiveEvaluation(e.role, period_code(e.period_start, e.period_end, every),
                                     e.grade, e.comment, names.get(e.recorded_by, ""),
                                     e.recorded_at, e.updated_at))
    return tuple(out)


def file_name(target: Target, inp: ArchiveInput) -> str:
    return safe_file_name(f"archive-{target.name}-{inp.now:%Y%m%d}") + ".xlsx"
