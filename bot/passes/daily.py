"""The daily pass at the policy's send time: visit reminders, then notices to supervisors
(a cycle ending, evaluations falling due)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.handlers.common import run
from bot.services import notices, reminders
from bot.views import notices as notice_views
from bot.views import status as status_views
from scheduler.passes import Slot

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def run_reminders(runtime: Runtime, *, dry_run: bool = False) -> reminders.PassReport:
    svc = runtime.services
    done = await run(reminders.enqueue, svc, svc.clock.now(), status_views.reminder,
                     dry_run=dry_run)
    runtime.deliver(done.sent)
    return done.value


async def execute(runtime: Runtime, slot: Slot) -> dict[str, Any]:
    svc = runtime.services
    report = await run_reminders(runtime)
    done = await run(notices.enqueue, svc, svc.clock.now(), notice_views.notice)
    runtime.deliver(done.sent)
    return {"reminders": report.counts(), "notices": done.value}
