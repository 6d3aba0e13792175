"""Nightly housekeeping: prune delivery rows older than two weeks (done updates, sent
messages; the newest inbound row stays, it carries the polling offset), and the daily backup
when ``IPBOT_BACKUP_DIR`` is set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.handlers.common import run
from bot.services import backup, delivery
from scheduler.passes import Slot

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def execute(runtime: Runtime, slot: Slot) -> dict[str, Any]:
    svc = runtime.services
    result: dict[str, Any] = {"pruned": await run(delivery.prune, svc, svc.clock.now())}
    done = await run(backup.backup_pass, svc, svc.clock.now())
    if done.enabled:
        result["backup"] = {"written": str(done.written) if done.written else None,
                            "deleted": [str(p) for p in done.deleted]}
    return result
