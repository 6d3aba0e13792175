"""Reminder passes: which reminders are due now (pure engine), and the at-most-once log.

A key is claimed before its message is sent and marked sent after; two passes running at
once cannot both send it, a restart does not send it again, and a send that keeps failing
releases the claim so a later pass may try again. A claim left behind by a crash between
claiming and sending is taken over after ``STALE_CLAIM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.obligations import states
from bot.store.models import Assignment, Person, SentNotice, Snooze
from scheduler.reminders import ReminderDue, due_reminders

STALE_CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    name: str
    telegram_id: int | None
    language: str


@dataclass(frozen=True)
class PlannedReminder:
    due: ReminderDue
    recipient: Recipient
    period_kind: str  # year | quarter | half_year | month


def plan(svc: Services, at: datetime) -> list[PlannedReminder]:
    """Every reminder due as of ``at`` that was never sent (latest lead per obligation)."""
    found, _info = states(svc, at)
    today = at.astimezone(svc.policy.tz).date()
    with svc.uow() as uow:
        sent = set(uow.session.scalars(select(SentNotice.key).where(
            SentNotice.status == "sent")))
        snoozed = {aid: until for aid, until in uow.session.execute(
            select(Snooze.assignment_id, Snooze.until))}
        people = {p.id: Recipient(p.id, p.name, p.telegram_id, p.language or "zh")
                  for p in uow.session.scalars(select(Person))}
    dues = due_reminders(found, today, svc.policy, sent, snoozed)
    roles = svc.policy.roles
    return [PlannedReminder(d, people[int(d.person_id)],
                            getattr(roles, d.role).obligation.period) for d in dues]


def claim(svc: Services, key: str, kind: str, person_id: int | None) -> bool:
    """Take the right to send ``key``; False when it was sent or another pass holds it."""
    now = svc.clock.now()
    with svc.uow() as uow:
        uow.session.add(SentNotice(key=key, kind=kind, person_id=person_id, claimed_at=now))
        try:
            uow.commit()
            return True
        except IntegrityError:
            uow.session.rollback()
        taken = uow.session.execute(
            update(SentNotice)
            .where(SentNotice.key == key, SentNotice.status == "sending",
                   SentNotice.claimed_at < now - STALE_CLAIM)
            .values(claimed_at=now))
        uow.commit()
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def mark_sent(svc: Services, key: str) -> None:
    with svc.uow() as uow:
        uow.session.execute(update(SentNotice).where(SentNotice.key == key)
                            .values(status="sent", sent_at=svc.clock.now()))
        uow.commit()


def release(svc: Services, key: str) -> None:
    with svc.uow() as uow:
        uow.session.execute(delete(SentNotice).where(SentNotice.key == key,
                                                     SentNotice.status == "sending"))
        uow.commit()


def sent_keys(svc: Services) -> set[str]:
    with svc.uow() as uow:
        return set(uow.session.scalars(select(SentNotice.key).where(
            SentNotice.status == "sent")))


def snooze(svc: Services, person_id: int, assignment_id: int, days: int = 3) -> date:
    """No reminders for this assignment for ``days`` days; returns the first day they resume."""
    now = svc.clock.now()
    until = now.astimezone(svc.policy.tz).date() + timedelta(days=days)
    with svc.uow() as uow:
        assignment = uow.session.get(Assignment, assignment_id)
        if assignment is None or assignment.person_id != person_id:
            raise ServiceError("visit.stale_button")
        row = uow.session.get(Snooze, assignment_id)
        if row is None:
            uow.session.add(Snooze(assignment_id=assignment_id, until=until, created_at=now))
        else:
            row.until, row.created_at = max(row.until, until), now
        uow.commit()
    return until
