"""Job callbacks run by PTB's JobQueue (APScheduler underneath). Each reads its state from
the database, so a restart loses nothing and a second run sends nothing twice."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.context import BotContext
from bot.jobs.digest import digest_pass
from bot.jobs.notices import notices_pass
from bot.jobs.reminders import reminder_pass

log = logging.getLogger(__name__)


async def daily_reminders(context: BotContext) -> None:
    svc = context.services
    report = await reminder_pass(context.bot, svc, svc.clock.now())
    log.info("reminder pass: %d sent, %d unbound, %d failed", len(report.sent),
             len(report.unbound), len(report.failed))
    sent = await notices_pass(context.bot, svc, svc.clock.now())
    log.info("notices sent: %d", sent)


async def weekly_digest(context: BotContext) -> None:
    svc = context.services
    report = await digest_pass(context.bot, svc, svc.clock.now())
    log.info("digest sent to %d supervisors (%d unbound, %d failed)", len(report.sent),
             len(report.unbound), len(report.failed))


def missed_today(now: datetime, send_time: object) -> bool:
    """Whether today's send time has passed (then a start catches up at once)."""
    return now.timetz().replace(tzinfo=None) >= send_time  # type: ignore[operator]
