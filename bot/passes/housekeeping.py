"""Nightly housekeeping: prune delivery rows older than two weeks (done updates, sent
messages); the newest inbound row stays (it carries the polling offset)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.handlers.common import run
from bot.services import delivery
from scheduler.passes import Slot

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def execute(runtime: Runtime, slot: Slot) -> dict[str, Any]:
    svc = runtime.services
    return await run(delivery.prune, svc, svc.clock.now())
