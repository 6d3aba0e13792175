"""Notices to supervisors: a cycle ending within 30 days (review assignments, seed 004), and
evaluations falling due (envoys yearly, commissioners at the cycle's end). Each notice key is
owed once ever; evaluations due together are one message per role and period. They go to the
province's supervisors and administrators."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.delivery.out import Out
from bot.services import digest as digest_service
from bot.services import reminders
from bot.services.base import Done, finish
from bot.services.container import Services
from bot.services.obligations import load_spans
from bot.store.models import Cycle as CycleRow
from bot.store.models import Evaluation, Person
from scheduler.evaluations import Cycle, cycle_end_notices, evaluation_key, evaluations_due


@dataclass(frozen=True)
class Notice:
    keys: list[str]
    message: str           # catalog key
    values: dict[str, Any]


def plan(svc: Services, at: datetime) -> list[Notice]:
    """The notices due as of ``at``."""
    today = at.astimezone(svc.policy.tz).date()
    sent = reminders.sent_keys(svc)
    with svc.uow() as uow:
        cycles = [Cycle(c.id, c.start_date, c.end_date)
                  for c in uow.session.scalars(select(CycleRow))]
        spans, _ = load_spans(uow.session)
        names = dict(uow.session.execute(select(Person.id, Person.name)).all())
        # a result recorded before its notice went out: nothing to remind of
        recorded = {evaluation_key(role, pid, a, b) for pid, role, a, b in uow.session.execute(
            select(Evaluation.person_id, Evaluation.role, Evaluation.period_start,
                   Evaluation.period_end))}
    out = [Notice([n.key], "notice.cycle_end", {"start": n.cycle_start, "end": n.cycle_end,
                                                 "days": n.days_left})
           for n in cycle_end_notices(cycles, today, svc.policy, sent)]
    groups: dict[tuple[str, object, object], list[Any]] = defaultdict(list)
    for e in evaluations_due(spans, cycles, today, svc.policy, sent | recorded):
        groups[(e.role, e.period_start, e.period_end)].append(e)
    for (role, start, end), due in sorted(groups.items(), key=lambda kv: str(kv[0])):
        people = sorted({names[int(e.person_id)] for e in due})
        out.append(Notice([e.key for e in due], "notice.evaluation",
                          {"role": role, "start": start, "end": end, "count": len(people),
                           "names": "、".join(people[:30]) + ("…" if len(people) > 30 else "")}))
    return out


def enqueue(svc: Services, at: datetime,
            render: Callable[[Notice, digest_service.Supervisor], Out]) -> Done[dict[str, int]]:
    """Write each due notice once, one message per provincial supervisor. A supervisor who
    blocked the bot is skipped; the others are not held up by it."""
    due = plan(svc, at)
    recipients = [s for s in digest_service.supervisors(svc)
                  if s.scope.level == "province" and s.telegram_id is not None]
    now = svc.clock.now()
    counts = {"notices": 0, "messages": 0, "blocked": 0}
    with svc.uow() as uow:
        blocked = uow.outbox.blocked()
        outs: list[Out] = []
        for notice in due:
            if not uow.notices.claim(notice.keys[0], "notice", None, now):
                continue
            for key in notice.keys[1:]:
                uow.notices.claim(key, "notice", None, now)
            counts["notices"] += 1
            for sup in recipients:
                if sup.telegram_id in blocked:
                    counts["blocked"] += 1
                    continue
                outs.append(render(notice, sup))
                counts["messages"] += 1
        return finish(uow, now, counts, lambda _c: outs)
