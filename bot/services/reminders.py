"""Reminder passes: which reminders are due now (pure engine), and the ledger that makes
each one owed at most once ever.

A reminder's key goes into the ledger (``sent_notices``) in the same transaction that puts
its message into the outbox; the outbox then delivers it through any Bot API weather. Two
passes running at once cannot both write it (the key is unique), and a restart does not
write it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.delivery.out import Out
from bot.services.base import Done, finish
from bot.services.container import Services
from bot.services.errors import ServiceError
from bot.services.obligations import states
from bot.store.models import Assignment, Person, SentNotice, Snooze
from scheduler.reminders import ReminderDue, due_reminders


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
        everyone = uow.session.scalars(select(Person)).all()
        people = {p.id: Recipient(p.id, p.name, p.telegram_id, p.language or "zh")
                  for p in everyone}
        gone = {p.id for p in everyone if p.left_by(today)}  # left the pool: no reminders
    found = [s for s in found if int(s.person_id) not in gone]
    dues = due_reminders(found, today, svc.policy, sent, snoozed)
    roles = svc.policy.roles
    return [PlannedReminder(d, people[int(d.person_id)],
                            getattr(roles, d.role).obligation.period) for d in dues]


@dataclass
class PassReport:
    at: datetime
    dry_run: bool
    sent: list[dict[str, Any]] = field(default_factory=list)
    unbound: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "dry_run": self.dry_run, "sent": self.sent,
                "unbound": self.unbound, "blocked": self.blocked}

    def counts(self) -> dict[str, int]:
        return {"owed": len(self.sent), "unbound": len(self.unbound),
                "blocked": len(self.blocked)}


def enqueue(svc: Services, at: datetime, render: Callable[[PlannedReminder], Out], *,
            dry_run: bool = False) -> Done[PassReport]:
    """Write every reminder due as of ``at`` into the ledger and the outbox, once. People
    without Telegram are reported (the supervisor digest lists them) and sent nothing."""
    planned = plan(svc, at)
    report = PassReport(at, dry_run)
    now = svc.clock.now()
    with svc.uow() as uow:
        blocked = uow.outbox.blocked()
        outs: list[Out] = []
        for p in planned:
            row = {"key": p.due.key, "person": p.recipient.name, "target": p.due.target_name,
                   "kind": p.due.kind, "lead_days": p.due.lead_days,
                   "days_left": p.due.days_left, "deadline": p.due.deadline.isoformat()}
            if p.recipient.telegram_id is None:
                report.unbound.append(row)
            elif p.recipient.telegram_id in blocked:
                report.blocked.append(row)
            elif dry_run:
                report.sent.append(row)
            elif uow.notices.claim(p.due.key, p.due.kind, p.recipient.person_id, now):
                outs.append(render(p))
                report.sent.append(row)
        if dry_run:
            return Done(report)
        return finish(uow, now, report, lambda _r: outs)


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
