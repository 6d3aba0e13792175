"""ALL of the demo's glue to the bot's runtime, in one place (re-point these when it changes).

* :func:`start_bot` — the real bot, polling a Bot API at ``base_url``, on a database, with the
  demo's clock;
* :func:`advance_to_next_reminder` — move the clock to the next instant a reminder would
  reach a bound person, and run the scheduled pass there;
* :func:`send_digest_now` — the weekly digest, now.

:func:`run_scheduled_pass` (the daily pass at one instant) and :func:`next_reminder_at` are
the two halves of :func:`advance_to_next_reminder`; the demo also calls the first once at
start-up, as the bot's catch-up after its send time would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from telegram.ext import Application

from bot.clock import Clock
from bot.config import Settings
from bot.passes import digest as digest_pass
from bot.passes.daily import run_reminders
from bot.runtime import Runtime, running
from bot.services import notices, reminders
from bot.services.container import Services
from bot.store import migrate
from bot.views import notices as notice_views
from scheduler.workdays import is_working_day

#: Seconds a getUpdates call waits; short, so that stopping never waits long for one.
POLL_TIMEOUT = 2
#: How far ahead :func:`next_reminder_at` looks.
HORIZON = timedelta(days=400)


@dataclass
class DemoBot:
    """The running bot as the demo sees it."""

    services: Services
    app: Application
    clock: Clock
    runtime: Runtime


@dataclass(frozen=True)
class PassResult:
    """What one scheduled pass sent: reminders (recipient names) and supervisor notices."""

    at: datetime
    reminded: list[str]
    notices: int


@asynccontextmanager
async def start_bot(base_url: str, token: str, database_url: str, clock: Clock, *,
                    bot_username: str, prepare: Callable[[Services], None] | None = None
                    ) -> AsyncIterator[DemoBot]:
    """Migrate ``database_url`` and run the real bot (``bot.runtime``) against ``base_url``
    (python-telegram-bot's form, ``http://127.0.0.1:PORT/bot``) until the block exits.

    ``prepare(services)`` (the demo's seeding) runs in a thread while the bot starts, and is
    done before the block is entered; nobody talks to the bot until then. The scheduler tick
    is off: the demo's time is simulated and the page drives the scheduled side.
    """
    migrate.upgrade(database_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, token=token, database_url=database_url, api_base_url=base_url,
        bot_username=bot_username, admin_chat_id=None, timezone="Asia/Shanghai",
        policy_file=None, poll_timeout=POLL_TIMEOUT)
    services = Services.create(settings, clock)
    # A throwaway database: no need to wait for the disk on every commit.
    event.listen(services.engine, "connect", _no_fsync)
    try:
        seeding = asyncio.create_task(asyncio.to_thread(prepare or (lambda _: None), services))
        try:
            async with running(services, scheduler=False) as runtime:
                await seeding
                yield DemoBot(services, runtime.app, clock, runtime)
        finally:
            if not seeding.done():
                await asyncio.wait({seeding})
    finally:
        services.close()


def _no_fsync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


async def run_scheduled_pass(bot: DemoBot, at: datetime) -> PassResult:
    """The daily pass as of ``at`` (the clock is there): reminders, then supervisors'
    notices, written to the outbox and delivered as the scheduler's pass would."""
    report = await run_reminders(bot.runtime)
    done = await asyncio.to_thread(notices.enqueue, bot.services, at, notice_views.notice)
    bot.runtime.deliver(done.sent)
    await bot.runtime.settle()  # the page shows what the pass sent as soon as it returns
    return PassResult(at, [row["person"] for row in report.sent], done.value["messages"])


def next_reminder_at(bot: DemoBot) -> datetime | None:
    """The first instant from now at which a reminder would reach someone bound to Telegram:
    now, if today's send time has passed and one is still unsent; else the send time of the
    first working day that has one. ``None`` within :data:`HORIZON`.

    Today: ``bot.services.reminders.plan`` (the pure engine in ``scheduler.reminders`` over
    the stored obligations), asked day by day.
    """
    svc = bot.services
    policy = svc.policy
    now = bot.clock.now().astimezone(policy.tz)
    day = now.date()
    candidates: list[datetime] = []
    if now.time() >= policy.send_time:
        candidates.append(now)
    while len(candidates) < HORIZON.days:
        day += timedelta(days=1)
        candidates.append(datetime.combine(day, policy.send_time, policy.tz))
    for at in candidates:
        if policy.skip_non_working_days and not is_working_day(at.date()):
            continue
        if any(p.recipient.telegram_id is not None for p in reminders.plan(svc, at)):
            return at
    return None


async def advance_to_next_reminder(bot: DemoBot) -> PassResult | None:
    """Move the clock to :func:`next_reminder_at` and run :func:`run_scheduled_pass` there;
    ``None`` (and the clock stays) when no reminder is due within :data:`HORIZON`."""
    at = await asyncio.to_thread(next_reminder_at, bot)
    if at is None:
        return None
    advance = getattr(bot.clock, "advance_to", None)
    if advance is None:
        raise TypeError("the demo needs a clock that can move forward (advance_to)")
    advance(at)
    return await run_scheduled_pass(bot, bot.clock.now())


async def send_digest_now(bot: DemoBot) -> list[str]:
    """Send every bound supervisor the digest as of now, whether or not this week's went out
    (each press is its own period); their names."""
    now = bot.clock.now()
    report = await digest_pass.send_all(bot.runtime, now, f"demo:{now.isoformat()}")
    await bot.runtime.settle()
    return list(report["sent"])
