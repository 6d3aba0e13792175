"""Consultations past the policy's working-day limits: unclaimed ones are brought to the
commissioners again (once each); answered ones idle for a week are closed. Unanswered ones
are listed in the supervisor digest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.handlers.common import run
from bot.services import consultations
from bot.services.base import Done, finish
from bot.services.container import Services
from bot.views import consult as views
from scheduler.passes import Slot

if TYPE_CHECKING:
    from bot.runtime import Runtime


def enqueue(svc: Services) -> Done[dict[str, int]]:
    now = svc.clock.now()
    days = svc.policy.consultation.claim_within_working_days
    with svc.uow() as uow:
        outs = []
        reminded = 0
        for item in consultations.late_in(svc, uow, now):
            if item.kind != "claim":
                continue
            if not uow.notices.claim(f"cs:{item.view.id}:claim", "consult", None, now):
                continue
            reminded += 1
            outs += [views.remind_claim(item, r, days) for r in item.recipients]
        closed = consultations.close_stale_in(svc, uow, now)
        return finish(uow, now, {"reminded": reminded, "closed": closed}, lambda _v: outs)


async def execute(runtime: Runtime, slot: Slot) -> dict[str, Any]:
    done = await run(enqueue, runtime.services)
    runtime.deliver(done.sent)
    return done.value
