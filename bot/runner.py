"""``ipbot run``: start the runtime (lease, polling, outbox, scheduler) and stop cleanly on
SIGINT or SIGTERM. A crash or SIGKILL loses nothing: what was recorded is resumed by the next
start (see ``bot.runtime``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram.error import InvalidToken, NetworkError

from bot.config import Settings
from bot.logs import setup_logging
from bot.runtime import Runtime
from bot.services.container import Services
from scheduler.policy import Policy

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The Bot API cannot be reached or refuses the token (one line for the CLI)."""


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
        try:
            await runtime.start(wait_active=False)
        except (NetworkError, InvalidToken) as exc:  # getMe failed: nothing to run
            raise Unreachable(str(exc).strip().splitlines()[0] if str(exc).strip()
                              else type(exc).__name__) from None
        lease = runtime._tasks["lease"]
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({waiter, lease}, return_when=asyncio.FIRST_COMPLETED)
        if lease in done:
            lease.result()  # what stopped it (a refused token, say)
    finally:
        log.debug("stopping")
        with contextlib.suppress(Exception):  # a start that failed has little to stop
            await runtime.stop()
        services.close()
