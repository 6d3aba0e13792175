"""典型案例 (seed 004: 挖掘先进经验和典型案例; the envoys' 共创工作成果): the reporting person
flags one of their visits with a one-line highlight, from the visit's card in /history or
from the reply to its submission; supervisors export the flagged visits of a quarter within
their scope.

The highlight is typed text: flagging sets a pending input (``highlight``) that the one
arbiter hands back here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from bot.reports import Scope
from bot.reports.archive import CaseRow
from bot.services.archive import scope_for
from bot.services.base import Done, Render, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.store.models import (
    Assignment,
    Entity,
    Person,
    Region,
    TypicalCase,
    Visit,
    VisitConfirmation,
)
from bot.store.uow import UnitOfWork
from scheduler.periods import Period, period_containing

PENDING = "highlight"
HIGHLIGHT_MIN, HIGHLIGHT_MAX = 4, 200


@dataclass(frozen=True)
class Flag:
    """A visit's typical-case state after a press or a highlight."""

    visit_id: int
    number: str
    action: str  # asked | flagged | unflagged
    highlight: str | None = None


def _own_visit(uow: UnitOfWork, person_id: int, visit_id: int) -> Visit:
    visit = uow.visits.get(visit_id)
    if visit is None or visit.person_id != person_id or visit.deleted_at is not None:
        raise ServiceError("visit.stale_button")
    return visit


def ask(svc: Services, person_id: int, telegram_id: int, visit_id: int, *,
        reply: Render[Flag] | None = None) -> Done[Flag]:
    """⭐ 典型案例: the person's next typed text is the visit's highlight."""
    now = svc.clock.now()
    with svc.uow() as uow:
        visit = _own_visit(uow, person_id, visit_id)
        uow.pending.set(telegram_id, PENDING, visit.id, now)
        return finish(uow, now, Flag(visit.id, visit.number or "", "asked"), reply)


def flag_in(svc: Services, uow: UnitOfWork, person_id: int, telegram_id: int, visit_id: int,
            text: str, key: str) -> Flag:
    """The typed highlight: flag the visit (or replace its highlight). Audited."""
    now = svc.clock.now()
    try:
        visit = _own_visit(uow, person_id, visit_id)
    except ServiceError:
        uow.pending.clear(telegram_id, PENDING, visit_id)  # the visit went: stop waiting
        raise
    highlight = " ".join(text.split())
    if not HIGHLIGHT_MIN <= len(highlight) <= HIGHLIGHT_MAX:
        raise ServiceError("case.length", min=HIGHLIGHT_MIN, max=HIGHLIGHT_MAX)
    uow.pending.clear(telegram_id, PENDING, visit.id)
    if not uow.visits.seen(key):
        row = uow.session.get(TypicalCase, visit.id)
        before = row.highlight if row else None
        if row is None:
            uow.session.add(TypicalCase(visit_id=visit.id, highlight=highlight,
                                        flagged_by=person_id, flagged_at=now))
        else:
            row.highlight, row.flagged_at = highlight, now
        uow.audit.record(now, f"person:{person_id}", "typical_case.flag", "visit", visit.id,
                         {"number": visit.number, "highlight": [before, highlight]})
        uow.visits.mark(key, now)
    return Flag(visit.id, visit.number or "", "flagged", highlight)


def unflag(svc: Services, person_id: int, telegram_id: int, visit_id: int, *,
           reply: Render[Flag] | None = None) -> Done[Flag]:
    now = svc.clock.now()
    with svc.uow() as uow:
        visit = _own_visit(uow, person_id, visit_id)
        row = uow.session.get(TypicalCase, visit.id)
        uow.pending.clear(telegram_id, PENDING, visit.id)
        if row is not None:
            uow.audit.record(now, f"person:{person_id}", "typical_case.unflag", "visit", visit.id,
                             {"number": visit.number, "highlight": [row.highlight, None]})
            uow.session.delete(row)
        return finish(uow, now, Flag(visit.id, visit.number or "", "unflagged"), reply)


def highlight_of(svc: Services, visit_id: int) -> str | None:
    with svc.uow() as uow:
        row = uow.session.get(TypicalCase, visit_id)
        return row.highlight if row else None


# ── the quarter's export ──────────────────────────────────────────────


def quarter(code: str) -> Period:
    """``2026-Q1`` (or ``2026Q1``) as a period; :class:`ServiceError` otherwise."""
    text = code.strip().upper().replace("-", "")
    if len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234":
        start = date(int(text[:4]), 3 * int(text[5]) - 2, 1)
        return period_containing(start, "quarter")
    raise ServiceError("case.bad_quarter", value=code)


def quarter_of(day: date) -> Period:
    return quarter(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def export(svc: Services, period: Period, scope: Scope | None = None) -> tuple[CaseRow, ...]:
    """The typical cases whose visit falls in ``period``, within ``scope`` (None: all)."""
    with svc.uow() as uow:
        ent, reg = aliased(Entity), aliased(Region)
        rows = list(uow.session.execute(
            select(TypicalCase.highlight, TypicalCase.flagged_at, Visit.id, Visit.number,
                   Visit.visit_date, Visit.role, Visit.mode, Visit.tasks, Visit.summary,
                   Person.name, Person.unit, ent.name, ent.city, ent.county, reg.county,
                   reg.city)
            .join(Visit, Visit.id == TypicalCase.visit_id)
            .join(Person, Person.id == Visit.person_id)
            .join(Assignment, Assignment.id == Visit.assignment_id)
            .outerjoin(ent, ent.id == Assignment.entity_id)
            .outerjoin(reg, reg.id == Assignment.region_id)
            .where(Visit.deleted_at.is_(None), Visit.visit_date >= period.start,
                   Visit.visit_date <= period.end)
            .order_by(Visit.visit_date, Visit.id)))
        statuses: dict[int, set[str]] = {}
        ids = [r[2] for r in rows]
        if ids:
            for vid, status in uow.session.execute(select(
                    VisitConfirmation.visit_id, VisitConfirmation.status).where(
                    VisitConfirmation.visit_id.in_(ids),
                    VisitConfirmation.status != "withdrawn")):
                statuses.setdefault(vid, set()).add(status)
    out = []
    for (highlight, flagged_at, vid, number, day, role, mode, tasks, summary, person, unit,
         ename, ecity, ecounty, rcounty, rcity) in rows:
        city, county = ecity or rcity, ecounty or rcounty
        if scope is not None and not scope.contains(city, county):
            continue
        found = statuses.get(vid, set())
        state = next((s for s in ("disputed", "confirmed", "pending") if s in found), "none")
        out.append(CaseRow(number or "", day, person, role, unit, ename or rcounty or "",
                           city, county, mode, tuple(tasks or ()), summary, highlight,
                           flagged_at, state))
    return tuple(out)


def now_local(svc: Services) -> datetime:
    return svc.clock.now().astimezone(svc.policy.tz)


def export_for(svc: Services, person_id: int, period: Period) -> tuple[CaseRow, ...]:
    """The quarter's typical cases within a supervisor's scope."""
    return export(svc, period, scope_for(svc, person_id))
