"""The supervisor digest's data from the database, scoped as the supervisor's remit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from bot.delivery.out import Out
from bot.reports import (
    AdjustRow,
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
    Cycle,
    Entity,
    Evaluation,
    FollowUp,
    Person,
    PersonRole,
    Region,
    Visit,
    VisitConfirmation,
)
from scheduler.evaluations import period_code


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


def digest_input(svc: Services, scope: Scope, at: datetime, period_label: str,
                 lang: str = "zh") -> DigestInput:
    """Everything one digest is made of, read as plain columns (no ORM objects: at the scale
    of a province, loading tens of thousands of objects costs more than the figures)."""
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

        def placed(*columns):  # type: ignore[no-untyped-def]
            """A query of ``columns`` and the visit's target, city and county."""
            return (select(*columns, ent.name, ent.city, ent.county, reg.county, reg.city)
                    .select_from(Visit)
                    .join(Assignment, Assignment.id == Visit.assignment_id)
                    .outerjoin(ent, ent.id == Assignment.entity_id)
                    .outerjoin(reg, reg.id == Assignment.region_id))

        def where(ename, ecity, ecounty, rcounty, rcity):  # type: ignore[no-untyped-def]
            return ename or rcounty, ecity or rcity, ecounty or rcounty

        visits = [
            VisitRow(number or "", names[pid], role, *where(*loc), day, mode)
            for number, pid, role, day, mode, *loc in s.execute(placed(
                Visit.number, Visit.person_id, Visit.role, Visit.visit_date, Visit.mode)
                .where(Visit.deleted_at.is_(None),
                       Visit.visit_date >= today - timedelta(days=7)))]
        disputes = [
            DisputeRow(number or "", names[pid], *where(*loc), day, comment)
            for number, pid, day, comment, *loc in s.execute(placed(
                Visit.number, Visit.person_id, Visit.visit_date, VisitConfirmation.comment)
                .join(VisitConfirmation, VisitConfirmation.visit_id == Visit.id)
                .where(VisitConfirmation.status == "disputed", Visit.deleted_at.is_(None)))]
        followups = [
            FollowUpRow(number or "", names[owner], *where(*loc), text, created)
            for number, owner, text, created, *loc in s.execute(placed(
                Visit.number, FollowUp.owner_id, FollowUp.text, FollowUp.created_at)
                .join(FollowUp, FollowUp.visit_id == Visit.id)
                .where(FollowUp.status == "open"))]
        places = {int(st.person_id): info[int(st.assignment_id)] for st in found}
        roles: dict[int, str] = {}
        for pid, role in s.execute(select(PersonRole.person_id, PersonRole.role).join(
                Person, Person.id == PersonRole.person_id).where(
                PersonRole.role.in_(("commissioner", "envoy")), Person.telegram_id.is_(None))):
            if roles.get(pid) != "commissioner":  # someone in both roles shows as commissioner
                roles[pid] = role
        units = dict(s.execute(select(Person.id, Person.unit)).all()) if roles else {}
        unbound = []
        for pid, role in roles.items():
            if pid in gone:  # left the pool: not waited for on Telegram
                continue
            where_ = places.get(pid)
            unbound.append(UnboundRow(names[pid], role, units.get(pid),  # type: ignore[arg-type]
                                      where_.city if where_ else None,
                                      where_.county if where_ else None))
        adjust = _adjust_rows(svc, s, names, today, lang, gone)
        unserved = tuple(UnservedRow(u.kind, u.target, u.city, u.county)  # type: ignore[arg-type]
                         for u in unserved_on(uow, today))
    overdue = tuple(ConsultationRow(v.asker_name, v.entity, v.city, v.county, v.created_at,
                                    v.question, "overdue")
                    for item in consultations.late(svc, at) if item.kind == "answer"
                    for v in (item.view,))
    return DigestInput(scope, at, period_label, obligations, tuple(visits), tuple(disputes),
                       tuple(followups), tuple(unbound), overdue,
                       unserved=unserved, adjust=tuple(adjust))


def _adjust_rows(svc: Services, s: Session, names: dict[int, str], today: date, lang: str,
                 gone: set[int]) -> list[AdjustRow]:
    """需调整: people whose latest evaluation (per role) gave the lowest grade and who still
    serve in that role today, one row per place they serve."""
    lowest = svc.policy.lowest_grade
    latest: dict[tuple[int, str], tuple[date, date, str, datetime]] = {}
    for pid, role, start, end, grade, at in s.execute(select(
            Evaluation.person_id, Evaluation.role, Evaluation.period_start,
            Evaluation.period_end, Evaluation.grade, Evaluation.recorded_at)):
        if (pid, role) not in latest or latest[(pid, role)][1] < end:
            latest[(pid, role)] = (start, end, grade, at)
    flagged = {k: v for k, v in latest.items() if v[2] == lowest.key and k[0] not in gone}
    if not flagged:
        return []
    people = sorted({pid for pid, _ in flagged})
    every = {r: svc.policy.role(r).evaluation.every for r in ("commissioner", "envoy")}
    ent, reg = aliased(Entity), aliased(Region)
    rows = []
    for pid, role, unit, ecity, ecounty, rcity, rcounty in s.execute(
            select(Assignment.person_id, Assignment.role, Person.unit, ent.city, ent.county,
                   reg.city, reg.county)
            .join(Person, Person.id == Assignment.person_id)
            .join(Cycle, Cycle.id == Assignment.cycle_id)
            .outerjoin(ent, ent.id == Assignment.entity_id)
            .outerjoin(reg, reg.id == Assignment.region_id)
            .where(Assignment.person_id.in_(people), Assignment.start_date <= today,
                   or_(Assignment.end_date.is_(None), Assignment.end_date >= today),
                   Cycle.start_date <= today, Cycle.end_date >= today)):
        found = flagged.get((pid, role))
        if found is None:
            continue
        start, end, _grade, at = found
        rows.append(AdjustRow(names[pid], role, unit, ecity or rcity, ecounty or rcounty,
                              period_code(start, end, every[role]), lowest.label(lang), at))
    return rows


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
