"""The supervisor digest's data from the database, scoped as the supervisor's remit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.delivery.out import Out
from bot.reports import (
    ConsultationRow,
    DigestInput,
    DisputeRow,
    FollowUpRow,
    ObligationRow,
    Scope,
    UnboundRow,
    UnservedRow,
    VisitRow,
)
from bot.services import consultations
from bot.services.base import Done, finish
from bot.services.container import Services
from bot.services.lifecycle import unserved_on
from bot.services.obligations import states
from bot.store.models import (
    Assignment,
    Entity,
    FollowUp,
    Person,
    PersonRole,
    Region,
    Visit,
    VisitConfirmation,
)


@dataclass(frozen=True)
class Supervisor:
    person_id: int
    name: str
    telegram_id: int | None
    language: str
    scope: Scope


def scope_of(person: Person) -> Scope:
    if person.scope_county:
        return Scope("county", person.scope_city, person.scope_county)
    if person.scope_city:
        return Scope("city", person.scope_city)
    return Scope("province")


def supervisors(svc: Services, person: str | None = None) -> list[Supervisor]:
    """Every supervisor and administrator (or the one named), with their scope."""
    with svc.uow() as uow:
        query = (select(Person).join(PersonRole)
                 .where(PersonRole.role.in_(("supervisor", "admin"))).distinct())
        if person is not None:
            query = query.where((Person.name == person) | (Person.phone == person))
        today = svc.clock.now().astimezone(svc.policy.tz).date()
        return [Supervisor(p.id, p.name, p.telegram_id, p.language or "zh", scope_of(p))
                for p in uow.session.scalars(query.order_by(Person.id))
                if not p.left_by(today)]  # who left the pool gets no digest


def digest_input(svc: Services, scope: Scope, at: datetime, period_label: str) -> DigestInput:
    found, info = states(svc, at)
    tz = svc.policy.tz
    today = at.astimezone(tz).date()
    with svc.uow() as uow:
        s = uow.session
        names = dict(s.execute(select(Person.id, Person.name)).all())
        gone = {p.id for p in s.scalars(select(Person).where(Person.left_on.is_not(None)))
                if p.left_by(today)}  # left the pool: they owe nothing more
        found = [st for st in found if int(st.person_id) not in gone]
        obligations = tuple(ObligationRow(
            names[int(st.person_id)], st.role, st.target_name,
            info[int(st.assignment_id)].city, info[int(st.assignment_id)].county,
            st.window_start, st.window_end, st.state, st.days_left, st.counted, st.required,
            st.last_visit.astimezone(tz).date() if st.last_visit else None) for st in found)
        ent, reg = aliased(Entity), aliased(Region)
        place = (select(Visit, ent.name, ent.city, ent.county, reg.county, reg.city)
                 .join(Assignment, Assignment.id == Visit.assignment_id)
                 .outerjoin(ent, ent.id == Assignment.entity_id)
                 .outerjoin(reg, reg.id == Assignment.region_id))

        def where(ename, ecity, ecounty, rcounty, rcity):  # type: ignore[no-untyped-def]
            return ename or rcounty, ecity or rcity, ecounty or rcounty

        visits = []
        for v, *loc in s.execute(place.where(Visit.deleted_at.is_(None),
                                             Visit.visit_date >= today - timedelta(days=7))):
            target, city, county = where(*loc)
            visits.append(VisitRow(v.number or "", v.person.name, v.role, target, city, county,
                                   v.visit_date, v.mode))
        disputes = []
        for c in s.scalars(select(VisitConfirmation).where(
                VisitConfirmation.status == "disputed")):
            v = c.visit
            a = v.assignment
            target = a.target_name
            city = a.entity.city if a.entity else a.region.city if a.region else ""
            county = a.entity.county if a.entity else target
            disputes.append(DisputeRow(v.number or "", v.person.name, target, city, county,
                                       v.visit_date, c.comment))
        followups = []
        for f in s.scalars(select(FollowUp).where(FollowUp.status == "open")):
            a = f.visit.assignment
            city = a.entity.city if a.entity else a.region.city if a.region else ""
            county = a.entity.county if a.entity else a.target_name
            followups.append(FollowUpRow(f.visit.number or "", names[f.owner_id],
                                         a.target_name, city, county, f.text, f.created_at))
        unbound = []
        places = {int(st.person_id): info[int(st.assignment_id)] for st in found}
        staff = s.scalars(select(Person).join(PersonRole).where(
            PersonRole.role.in_(("commissioner", "envoy")), Person.telegram_id.is_(None))
            .distinct())
        for p in staff:
            if p.id in gone:
                continue
            where_ = places.get(p.id)
            role = "commissioner" if "commissioner" in p.role_names else "envoy"
            unbound.append(UnboundRow(p.name, role, p.unit, where_.city if where_ else None,
                                      where_.county if where_ else None))
        unserved = tuple(UnservedRow(u.kind, u.target, u.city, u.county)  # type: ignore[arg-type]
                         for u in unserved_on(uow, today))
    overdue = tuple(ConsultationRow(v.asker_name, v.entity, v.city, v.county, v.created_at,
                                    v.question, "overdue")
                    for item in consultations.late(svc, at) if item.kind == "answer"
                    for v in (item.view,))
    return DigestInput(scope, at, period_label, obligations, tuple(visits), tuple(disputes),
                       tuple(followups), tuple(unbound), overdue, unserved)


def enqueue_once(svc: Services, key: str, person_id: int, outs: list[Out]) -> Done[bool]:
    """Write one supervisor's digest (its text parts, chart and workbook) once per period."""
    now = svc.clock.now()
    with svc.uow() as uow:
        if not uow.notices.claim(key, "digest", person_id, now):
            return Done(False)
        return finish(uow, now, True, lambda _v: outs)


def blocked_chats(svc: Services) -> set[int]:
    with svc.uow() as uow:
        return uow.outbox.blocked()
