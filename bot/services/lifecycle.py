"""Roster lifecycle (调整, seed 004): ending and transferring assignments, leaving the pool,
who is where in the pool, and what is left unserved.

Every change is audited with who made it and why, and commits together with the messages it
owes: the supervisors whose remit holds a target nobody serves any more, the two people of a
transfer and the served entity's contacts. Each message has a semantic key, so replaying a
change never writes it twice.

The helpers ending in ``_in`` work inside an open unit of work; the roster import and the
cycle roll-over use them too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.domain import eligibility
from bot.domain.assignments import (
    Range,
    Target,
    assignable,
    conflict,
    end_action,
    pool_state,
    unserved,
)
from bot.domain.vocab import Role
from bot.reports.model import Scope
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import (
    Assignment,
    Consultation,
    Cycle,
    Entity,
    EntityContact,
    FollowUp,
    Person,
    Region,
    Visit,
)
from bot.store.uow import UnitOfWork


def today(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.policy.tz).date()


@contextmanager
def race_guard() -> Iterator[None]:
    """A write that raced another change of the same ranges: the database refused it (an
    exclusion constraint, a trigger, a unique constraint); say so in one line."""
    try:
        yield
    except IntegrityError as exc:
        raise ServiceError("assign.concurrent") from exc


# ── what the changes return ───────────────────────────────────────────


@dataclass(frozen=True)
class AssignmentView:
    id: int
    person: str
    role: str
    kind: str  # entity | region
    target_id: int
    target: str
    city: str
    county: str
    start: date
    end: date
    cycle_start: date
    cycle_end: date

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "person": self.person, "role": self.role, "kind": self.kind,
                "target": self.target, "start": str(self.start), "end": str(self.end)}


def view(a: Assignment) -> AssignmentView:
    if a.entity is not None:
        kind, tid, city, county = "entity", a.entity.id, a.entity.city, a.entity.county
    else:
        assert a.region is not None
        kind, tid, city, county = "region", a.region.id, a.region.city, a.region.county
    return AssignmentView(a.id, a.person.name, a.role, kind, tid, a.target_name, city, county,
                          a.start_date, a.end_date, a.cycle.start_date, a.cycle.end_date)


@dataclass(frozen=True)
class Ended:
    """An assignment ended early (``last_day`` its last day) or removed (not yet begun)."""

    assignment: AssignmentView
    last_day: date
    removed: bool

    def as_dict(self) -> dict[str, Any]:
        return self.assignment.as_dict() | {"last_day": str(self.last_day),
                                             "removed": self.removed}


@dataclass(frozen=True)
class Unserved:
    """An entity or region nobody serves from ``since`` (``previous`` served it until then;
    empty for a target that had nobody)."""

    kind: str
    target: str
    city: str
    county: str
    since: date
    previous: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "city": self.city,
                "county": self.county, "since": str(self.since), "previous": self.previous}


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    name: str
    telegram_id: int
    language: str


@dataclass(frozen=True)
class UnservedNotice:
    """Owed to a supervisor: targets in their remit that nobody serves any more."""

    key: str
    to: Recipient
    items: tuple[Unserved, ...]
    person: str  # whose assignments ended
    left: bool  # because they left the pool
    reason: str | None


@dataclass
class Ending:
    ended: list[Ended] = field(default_factory=list)
    unserved: list[Unserved] = field(default_factory=list)
    notices: list[UnservedNotice] = field(default_factory=list)
    unbound: list[str] = field(default_factory=list)  # supervisors not on Telegram

    def as_dict(self) -> dict[str, Any]:
        return {"ended": [e.as_dict() for e in self.ended],
                "unserved": [u.as_dict() for u in self.unserved],
                "told": sorted({n.to.name for n in self.notices}),
                "not_on_telegram": self.unbound}


# ── lookups ───────────────────────────────────────────────────────────


def find_person(uow: UnitOfWork, text: str) -> Person:
    found = uow.people.find(text.strip())
    if len(found) != 1:
        raise ServiceError("invite.person_unknown" if not found else "invite.person_ambiguous",
                           value=text)
    return found[0]


def find_target(uow: UnitOfWork, entity: str | None, region: str | None
                ) -> tuple[Entity | None, Region | None]:
    if (entity is None) == (region is None):
        raise ServiceError("assign.entity_or_region")
    if entity is not None:
        found = uow.entities.by_name(entity.strip())
        if found is None:
            raise ServiceError("invite.entity_unknown", value=entity)
        return found, None
    region_row = uow.regions.by_county((region or "").strip())
    if region_row is None:
        raise ServiceError("roster.region_unknown", value=region)
    return None, region_row


# ── placing and ending assignments ────────────────────────────────────


def check_assignable(uow: UnitOfWork, person: Person, role: Role, entity: Entity | None,
                     region: Region | None, cycle: Cycle, start: date, end: date,
                     exclude: int | None = None) -> None:
    """Refuse (ServiceError) an assignment that breaks a rule: the role, eligibility (seed
    004), the pool states, the person's leaving date, the cycle, and one-to-one per date."""
    if role.value not in person.role_names:
        raise ServiceError("roster.person_lacks_role", name=person.name, role=role.value)
    quals = eligibility.Qualifications(person.in_service, person.ip_degree,
                                       person.experience_years)
    reason = eligibility.check(role, quals)
    if reason is not None:
        raise ServiceError(reason.code, role=role.value, years=_fmt(reason.min_years),
                           have=_fmt(person.experience_years))
    lacks = assignable(person.reviewed, person.trained)
    if lacks is not None:
        raise ServiceError(f"roster.person_not_{lacks}", name=person.name)
    if person.left_on is not None and person.left_on < end:
        raise ServiceError("roster.person_left", name=person.name, day=person.left_on)
    if entity is not None and not entity.reviewed:
        raise ServiceError("roster.entity_not_reviewed", name=entity.name)
    if region is not None and not region.reviewed:
        raise ServiceError("roster.region_not_reviewed", name=region.county)
    if not (cycle.start_date <= start <= end <= cycle.end_date):
        raise ServiceError("roster.outside_cycle", start=cycle.start_date, end=cycle.end_date)
    new = Range(role.value, person.id, entity.id if entity else None,
                region.id if region else None, start, end)
    found = []
    for other in uow.assignments.overlapping(role.value, person.id, new.entity_id,
                                             new.region_id, start, end, exclude):
        rule = conflict(new, Range(other.role, other.person_id, other.entity_id,
                                   other.region_id, other.start_date, other.end_date))
        if rule is not None:
            found.append((_RULES.index(rule), other.start_date, other.id, rule, other))
    for _, _, _, rule, other in sorted(found)[:1]:  # the region's rule first, then the oldest
        dates = {"start": other.start_date, "end": other.end_date}
        if rule == "region":
            raise ServiceError("roster.region_taken", region=other.target_name,
                               other=other.person.name, **dates)
        if rule == "envoy":
            raise ServiceError("roster.envoy_second_region", name=person.name,
                               other=other.target_name, **dates)
        if rule == "pair":
            raise ServiceError("roster.pair_overlap", name=person.name,
                               target=other.target_name, **dates)


_RULES = ("region", "envoy", "pair")


def place_in(uow: UnitOfWork, svc: Services, person: Person, role: Role,
             entity: Entity | None, region: Region | None, cycle: Cycle, start: date,
             end: date) -> Assignment:
    """A new assignment, checked (the caller audits it)."""
    check_assignable(uow, person, role, entity, region, cycle, start, end)
    assignment = Assignment(cycle_id=cycle.id, person_id=person.id, role=role.value,
                            entity_id=entity.id if entity else None,
                            region_id=region.id if region else None,
                            start_date=start, end_date=end, created_at=svc.clock.now())
    uow.assignments.add(assignment)
    uow.flush()
    return assignment


def visits_outside(uow: UnitOfWork, assignment_id: int, start: date, end: date) -> date | None:
    """The first recorded visit of the assignment outside ``start .. end`` (None: none)."""
    return uow.session.scalar(
        select(Visit.visit_date).where(
            Visit.assignment_id == assignment_id, Visit.deleted_at.is_(None),
            (Visit.visit_date < start) | (Visit.visit_date > end))
        .order_by(Visit.visit_date).limit(1))


def end_in(uow: UnitOfWork, svc: Services, a: Assignment, last_day: date, actor: str,
           reason: str | None) -> Ended | None:
    """End ``a`` so that ``last_day`` is its last day: clipped, or removed when it had not
    begun. Refused when a visit is recorded after ``last_day``. None: nothing to do."""
    action = end_action(a.start_date, a.end_date, last_day)
    if action == "keep":
        return None
    before = view(a)
    later = visits_outside(uow, a.id, a.start_date, last_day)
    if later is not None:
        raise ServiceError("assign.visits_after", person=before.person, target=before.target,
                           day=later, last=last_day)
    now = svc.clock.now()
    details = {"person": before.person, "target": before.target,
               "end": [str(a.end_date), str(last_day)]}
    if action == "remove":
        if uow.session.scalar(select(func.count()).select_from(Visit).where(
                Visit.assignment_id == a.id)):
            raise ServiceError("assign.visits_after", person=before.person,
                               target=before.target, day=a.start_date, last=last_day)
        uow.audit.record(now, actor, "assignment.remove", "assignment", a.id,
                         details | {"start": str(a.start_date)}, note=reason)
        uow.session.delete(a)
    else:
        uow.audit.record(now, actor, "assignment.end", "assignment", a.id, details, note=reason)
        a.end_date = last_day
    uow.flush()
    return Ended(before, last_day, action == "remove")


def unserved_after(uow: UnitOfWork, ended: Sequence[Ended]) -> list[Unserved]:
    """Targets of ``ended`` that nobody serves the day after (an assignment that ran to its
    cycle's end leaves nothing unserved: the cycle ended)."""
    out: list[Unserved] = []
    seen: set[tuple[str, int]] = set()
    for e in ended:
        a = e.assignment
        if e.last_day >= a.cycle_end or (a.kind, a.target_id) in seen:
            continue
        since = max(e.last_day + timedelta(days=1), a.start)
        ids = {"entity_id": a.target_id} if a.kind == "entity" else {"region_id": a.target_id}
        if uow.assignments.covering(since, **ids):  # type: ignore[arg-type]
            continue
        seen.add((a.kind, a.target_id))
        out.append(Unserved(a.kind, a.target, a.city, a.county, since, a.person))
    return out


def scope_of(person: Person) -> Scope:
    if person.scope_county:
        return Scope("county", person.scope_city, person.scope_county)
    if person.scope_city:
        return Scope("city", person.scope_city)
    return Scope("province")


def notify_unserved(uow: UnitOfWork, day: date, items: Sequence[Unserved], *, key: str,
                    person: str, left: bool, reason: str | None
                    ) -> tuple[list[UnservedNotice], list[str]]:
    """One notice per supervisor (or administrator) in the pool whose remit holds any of
    ``items``; the names of those not on Telegram come back apart."""
    notices, unbound = [], []
    if not items:
        return notices, unbound
    for sup in uow.people.with_roles("supervisor", "admin"):
        if sup.left_by(day):
            continue
        scope = scope_of(sup)
        mine = tuple(u for u in items if scope.contains(u.city, u.county))
        if not mine:
            continue
        if sup.telegram_id is None:
            unbound.append(sup.name)
            continue
        notices.append(UnservedNotice(
            f"unserved:{key}:{sup.id}", Recipient(sup.id, sup.name, sup.telegram_id,
                                                  sup.language or "zh"),
            mine, person, left, reason))
    return notices, unbound


def digest_key(parts: Sequence[object]) -> str:
    """A short stable key for a set of changes (the same changes give the same key)."""
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


# ── ipbot assign end ──────────────────────────────────────────────────


def end(svc: Services, person: str, *, entity: str | None = None, region: str | None = None,
        day: date, actor: str, reason: str | None = None,
        reply: Render[Ending] | None = None) -> Done[Ending]:
    """End a person's assignment to an entity or region: ``day`` is its last day (a later
    assignment of the same pair, e.g. copied into the next cycle, is removed)."""
    with race_guard(), svc.uow() as uow:
        p = find_person(uow, person)
        ent, reg = find_target(uow, entity, region)
        name = ent.name if ent else reg.county  # type: ignore[union-attr]
        pairs = [a for a in uow.assignments.of_pair(p.id, ent.id if ent else None,
                                                    reg.id if reg else None)
                 if a.end_date > day]
        if not pairs:
            raise ServiceError("assign.none_after", person=p.name, target=name, day=day)
        ending = Ending()
        for a in pairs:
            done = end_in(uow, svc, a, day, actor, reason)
            if done is not None:
                ending.ended.append(done)
        ending.unserved = unserved_after(uow, ending.ended)
        ending.notices, ending.unbound = notify_unserved(
            uow, today(svc), ending.unserved, key=f"end:{pairs[0].id}:{day}", person=p.name,
            left=False, reason=reason)
        return finish(uow, svc.clock.now(), ending, reply)


# ── ipbot assign transfer ─────────────────────────────────────────────


@dataclass(frozen=True)
class TransferNote:
    key: str
    to: Recipient
    who: str  # from | to | contact


@dataclass
class Transferred:
    kind: str
    target: str
    day: date  # the new person serves from this day; the old one until the day before
    from_name: str
    to_name: str
    followups: int
    consultations: int
    reason: str | None
    ended: list[Ended] = field(default_factory=list)
    created: list[AssignmentView] = field(default_factory=list)
    notes: list[TransferNote] = field(default_factory=list)
    unbound: list[str] = field(default_factory=list)  # people of the transfer not on Telegram

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "day": str(self.day),
                "from": self.from_name, "to": self.to_name, "followups": self.followups,
                "consultations": self.consultations,
                "ended": [e.as_dict() for e in self.ended],
                "created": [c.as_dict() for c in self.created],
                "told": [n.to.name for n in self.notes], "not_on_telegram": self.unbound}


def transfer(svc: Services, *, entity: str | None = None, region: str | None = None,
             from_person: str, to_person: str, day: date, actor: str,
             reason: str | None = None, reply: Render[Transferred] | None = None
             ) -> Done[Transferred]:
    """Hand an entity or region over from one person to another from ``day``: the old
    assignment ends the day before, the new person's runs to its end, and the old person's
    open follow-up items and open consultations of that target move to the new person."""
    with race_guard(), svc.uow() as uow:
        old_p, new_p = find_person(uow, from_person), find_person(uow, to_person)
        if old_p.id == new_p.id:
            raise ServiceError("assign.same_person", name=old_p.name)
        ent, reg = find_target(uow, entity, region)
        name = ent.name if ent else reg.county  # type: ignore[union-attr]
        pairs = [a for a in uow.assignments.of_pair(old_p.id, ent.id if ent else None,
                                                    reg.id if reg else None)
                 if a.end_date >= day]
        current = next((a for a in pairs if a.start_date <= day), None)
        if current is None:
            raise ServiceError("assign.none_on", person=old_p.name, target=name, day=day)
        role = Role(current.role)
        first_id = current.id
        spans = [(a.cycle, max(a.start_date, day), a.end_date) for a in pairs]
        result = Transferred("entity" if ent else "region", name, day, old_p.name, new_p.name,
                             0, 0, reason)
        for a in pairs:
            done = end_in(uow, svc, a, day - timedelta(days=1), actor, reason)
            if done is not None:
                result.ended.append(done)
        for cycle, start, end_ in spans:
            mine = uow.assignments.overlapping(role.value, new_p.id, ent.id if ent else None,
                                               None, start, end_)
            same = [a for a in mine if (a.entity_id, a.region_id) == (
                ent.id if ent else None, reg.id if reg else None)]
            if any(a.start_date <= start and a.end_date >= end_ for a in same):
                continue  # already serves it throughout (a commissioner sharing an entity)
            created = place_in(uow, svc, new_p, role, ent, reg, cycle, start, end_)
            result.created.append(view(created))
        fus, consults = _move_items(uow, old_p, new_p, ent, reg)
        result.followups, result.consultations = len(fus), len(consults)
        uow.audit.record(svc.clock.now(), actor, "assignment.transfer", "assignment",
                         first_id, {"target": name, "from": old_p.name, "to": new_p.name,
                                    "day": str(day), "follow_ups": fus,
                                    "consultations": consults}, note=reason)
        base = f"transfer:{first_id}:{day}"
        for who, p in (("from", old_p), ("to", new_p)):
            if p.telegram_id is None:
                result.unbound.append(p.name)
            else:
                result.notes.append(TransferNote(
                    f"{base}:p{p.id}", Recipient(p.id, p.name, p.telegram_id,
                                                 p.language or "zh"), who))
        if ent is not None:
            for c in uow.session.scalars(select(EntityContact).where(
                    EntityContact.entity_id == ent.id).order_by(EntityContact.id)):
                result.notes.append(TransferNote(
                    f"{base}:c{c.id}", Recipient(None, c.name, c.telegram_id,
                                                 c.language or "zh"), "contact"))
        return finish(uow, svc.clock.now(), result, reply)


def _move_items(uow: UnitOfWork, old: Person, new: Person, ent: Entity | None,
                reg: Region | None) -> tuple[list[int], list[int]]:
    """The old person's open follow-up items of visits to this target, and their open
    consultations of this entity, now belong to the new person."""
    target = (Assignment.entity_id == ent.id) if ent is not None else (
        Assignment.region_id == reg.id)  # type: ignore[union-attr]
    items = uow.session.scalars(
        select(FollowUp).join(Visit, Visit.id == FollowUp.visit_id)
        .join(Assignment, Assignment.id == Visit.assignment_id)
        .where(FollowUp.owner_id == old.id, FollowUp.status == "open",
               Visit.deleted_at.is_(None), target).order_by(FollowUp.id)).all()
    for item in items:
        item.owner_id = new.id
    consults: Sequence[Consultation] = []
    if ent is not None:
        consults = uow.session.scalars(select(Consultation).where(
            Consultation.entity_id == ent.id, Consultation.owner_id == old.id,
            Consultation.status != "closed").order_by(Consultation.id)).all()
        for c in consults:
            c.owner_id = new.id
            if old.telegram_id is not None:  # their reply box, if open, is closed
                uow.pending.clear(old.telegram_id, "consult_answer", c.id)
    uow.flush()
    return [i.id for i in items], [c.id for c in consults]


# ── leaving the pool ──────────────────────────────────────────────────


@dataclass
class Left:
    person: str
    day: date
    reason: str | None
    already: bool = False
    ending: Ending = field(default_factory=Ending)

    def as_dict(self) -> dict[str, Any]:
        return {"person": self.person, "left_on": str(self.day), "reason": self.reason,
                "already": self.already} | self.ending.as_dict()


def leave_in(uow: UnitOfWork, svc: Services, p: Person, day: date, reason: str | None,
             actor: str) -> Left:
    """``p`` leaves the pool; ``day`` is their last day in it. Their assignments end then,
    their history stays, and from the next day their Telegram account and invites grant no
    staff commands. The supervisors of what is left unserved are told."""
    if p.left_on is not None:
        if p.left_on == day:
            return Left(p.name, day, p.left_reason, already=True)
        raise ServiceError("person.already_left", name=p.name, day=p.left_on)
    now = svc.clock.now()
    p.left_on, p.left_reason, p.updated_at = day, reason, now
    uow.audit.record(now, actor, "person.leave", "person", p.id, {"left_on": str(day)},
                     note=reason)
    result = Left(p.name, day, reason)
    for a in uow.assignments.of_person(p.id):
        done = end_in(uow, svc, a, day, actor, reason)
        if done is not None:
            result.ending.ended.append(done)
    result.ending.unserved = unserved_after(uow, result.ending.ended)
    result.ending.notices, result.ending.unbound = notify_unserved(
        uow, today(svc), result.ending.unserved, key=f"left:{p.id}:{day}", person=p.name,
        left=True, reason=reason)
    return result


def leave(svc: Services, person: str, *, day: date, reason: str, actor: str,
          reply: Render[Left] | None = None) -> Done[Left]:
    """``ipbot person leave``."""
    if not reason.strip():
        raise ServiceError("person.reason_required")
    with race_guard(), svc.uow() as uow:
        p = find_person(uow, person)
        return finish(uow, svc.clock.now(), leave_in(uow, svc, p, day, reason.strip(), actor),
                      reply)


# ── the pool ──────────────────────────────────────────────────────────


@dataclass(frozen=True)
class PoolRow:
    kind: str  # person | entity | region
    name: str
    roles: tuple[str, ...]
    route: str | None
    state: str
    where: str  # a person's unit; an entity's or region's city and county
    left_on: date | None = None
    left_reason: str | None = None
    serving: tuple[str, ...] = ()  # a person's targets today; who serves an entity or region

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "roles": list(self.roles),
                "route": self.route, "state": self.state, "where": self.where,
                "left_on": str(self.left_on) if self.left_on else None,
                "left_reason": self.left_reason, "serving": list(self.serving)}


POOL_KINDS = ("commissioner", "envoy", "supervisor", "admin", "entity", "region")


def pool(svc: Services, role: str | None = None, state: str | None = None) -> list[PoolRow]:
    """Who and what is where in the pool, today."""
    day = today(svc)
    rows: list[PoolRow] = []
    with svc.uow() as uow:
        running = uow.assignments.on(day)
        of_person: dict[int, list[str]] = {}
        of_target: dict[tuple[str, int], list[str]] = {}
        for a in running:
            of_person.setdefault(a.person_id, []).append(a.target_name)
            key = ("entity", a.entity_id) if a.entity_id else ("region", a.region_id)
            of_target.setdefault(key, []).append(a.person.name)  # type: ignore[arg-type]
        if role in (None, "commissioner", "envoy", "supervisor", "admin"):
            for p in uow.people.all():
                roles = tuple(sorted(p.role_names))
                if role is not None and role not in roles:
                    continue
                rows.append(PoolRow("person", p.name, roles, p.route, pool_state(
                    p.reviewed, p.trained, p.left_on, day).value, p.unit, p.left_on,
                    p.left_reason, tuple(of_person.get(p.id, ()))))
        if role in (None, "entity"):
            for e in uow.entities.all():
                rows.append(PoolRow("entity", e.name, (), e.route, pool_state(
                    e.reviewed, None, None, day).value, _place(e.city, e.county),
                    serving=tuple(of_target.get(("entity", e.id), ()))))
        if role in (None, "region"):
            for r in uow.regions.all():
                rows.append(PoolRow("region", r.county, (), r.route, pool_state(
                    r.reviewed, None, None, day).value, r.city,
                    serving=tuple(of_target.get(("region", r.id), ()))))
    return [r for r in rows if state is None or r.state == state]


def _place(city: str, county: str) -> str:
    return "".join(x for x in (city, county) if x)


def unserved_on(uow: UnitOfWork, day: date) -> list[Unserved]:
    """Entities and regions in the pool that nobody serves on ``day`` (nothing when no cycle
    runs then). For the digest and the roll-over."""
    if uow.cycles.containing(day) is None:
        return []
    s = uow.session
    covered = {("entity", e) if e else ("region", r) for e, r in s.execute(
        select(Assignment.entity_id, Assignment.region_id).where(
            Assignment.start_date <= day, Assignment.end_date >= day))}
    targets = [Target("entity", *row) for row in s.execute(
        select(Entity.id, Entity.name, Entity.city, Entity.county).where(Entity.reviewed))]
    targets += [Target("region", i, county, city, county) for i, county, city in s.execute(
        select(Region.id, Region.county, Region.city).where(Region.reviewed))]
    return [Unserved(t.kind, t.name, t.city, t.county, day)
            for t in unserved(targets, covered)]  # type: ignore[arg-type]


def _fmt(years: float) -> str:
    return str(int(years)) if float(years).is_integer() else str(years)
