"""``ipbot run``: start the runtime (lease, polling, outbox, scheduler) and stop cleanly on
SIGINT or SIGTERM. A crash or SIGKILL loses nothing: what was recorded is resumed by the next
start (see ``bot.runtime``)."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.config import Settings
from bot.logs import setup_logging
from bot.runtime import Runtime
from bot.services.container import Services
from scheduler.policy import Policy

log = logging.getLogger(__name__)


def run_bot(settings: Settings, policy: Policy | None = None) -> None:
    setup_logging(settings)
    asyncio.run(_main(settings, policy))


async def _main(settings: Settings, policy: Policy | None) -> None:
    services = Services.create(settings, policy=policy)
    runtime = Runtime(services, scheduler=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start(wait_active=False)
        lease = runtime._tasks["lease"]
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({waiter, lease}, return_when=asyncio.FIRST_COMPLETED)
        if lease in done:
            lease.result()  # what stopped it (a refused token, say)
    finally:
        log.info("stopping")
        await runtime.stop()
        services.close()
