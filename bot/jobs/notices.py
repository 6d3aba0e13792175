"""Notices to supervisors: a cycle ending within 30 days (review assignments, seed 004), and
evaluations falling due (envoys yearly, commissioners at the cycle's end). Each notice key is
sent once; evaluations due together are one message per role and period."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import raw, t
from bot.jobs.throttle import Throttle
from bot.services import digest as digest_service
from bot.services import reminders
from bot.services.container import Services
from bot.services.obligations import load_spans
from bot.store.models import Cycle as CycleRow
from bot.store.models import Person
from scheduler.evaluations import Cycle, cycle_end_notices, evaluations_due

log = logging.getLogger(__name__)


def plan(svc: Services, at: datetime) -> list[tuple[list[str], str, dict[str, object]]]:
    """[(keys, catalog key, values)] of the notices due as of ``at``."""
    today = at.astimezone(svc.policy.tz).date()
    sent = reminders.sent_keys(svc)
    with svc.uow() as uow:
        cycles = [Cycle(c.id, c.start_date, c.end_date)
                  for c in uow.session.scalars(select(CycleRow))]
        spans, _ = load_spans(uow.session)
        names = dict(uow.session.execute(select(Person.id, Person.name)).all())
    out: list[tuple[list[str], str, dict[str, object]]] = []
    for n in cycle_end_notices(cycles, today, svc.policy, sent):
        out.append(([n.key], "notice.cycle_end", {"start": n.cycle_start, "end": n.cycle_end,
                                                   "days": n.days_left}))
    groups: dict[tuple[str, object, object], list] = defaultdict(list)
    for e in evaluations_due(spans, cycles, today, svc.policy, sent):
        groups[(e.role, e.period_start, e.period_end)].append(e)
    for (role, start, end), due in sorted(groups.items(), key=lambda kv: str(kv[0])):
        people = sorted({names[int(e.person_id)] for e in due})
        out.append(([e.key for e in due], "notice.evaluation",
                     {"role": role, "start": start, "end": end, "count": len(people),
                      "names": "、".join(people[:30]) + ("…" if len(people) > 30 else "")}))
    return out


async def notices_pass(bot: Bot, svc: Services, at: datetime) -> int:
    """Send due notices to the province's supervisors and administrators; returns the count."""
    notices = await asyncio.to_thread(plan, svc, at)
    if not notices:
        return 0
    recipients = [s for s in await asyncio.to_thread(digest_service.supervisors, svc)
                  if s.scope.level == "province" and s.telegram_id is not None]
    throttle, count = Throttle(), 0
    for keys, key, values in notices:
        if not await asyncio.to_thread(reminders.claim, svc, keys[0], "notice", None):
            continue
        try:
            for sup in recipients:
                lang = sup.language
                text = t(key, lang, **(values | {"role": raw(f"role.{values.get('role')}", lang)}
                                       if "role" in values else values))
                await throttle.send(sup.telegram_id,  # type: ignore[arg-type]
                                    lambda c=sup.telegram_id, x=text: bot.send_message(c, x))
        except TelegramError as exc:
            log.warning("notice %s failed: %s", keys[0], exc)
            await asyncio.to_thread(reminders.release, svc, keys[0])
            continue
        for k in keys:
            if k != keys[0]:
                await asyncio.to_thread(reminders.claim, svc, k, "notice", None)
            await asyncio.to_thread(reminders.mark_sent, svc, k)
        count += 1
    return count
