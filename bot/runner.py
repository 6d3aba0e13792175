"""``ipbot run``: start the runtime (lease, polling or webhook, outbox, scheduler) and stop
cleanly on SIGINT or SIGTERM. A crash or SIGKILL loses nothing: what was recorded is resumed
by the next start (see ``bot.runtime``).

In webhook mode (``ipbot run --webhook``) a listener (``bot.listener``) takes Telegram's
updates and serves ``/healthz``; in polling mode it serves only ``/healthz``, and only when
``IPBOT_HEALTH_LISTEN`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram.error import InvalidToken, NetworkError

from bot.config import Settings, Webhook
from bot.listener import Listener
from bot.logs import setup_logging
from bot.runtime import Runtime
from bot.services.container import Services
from scheduler.policy import Policy

log = logging.getLogger(__name__)


class Unreachable(Exception):
    """The Bot API cannot be reached or refuses the token at start (one line for the CLI)."""


def run_bot(settings: Settings, policy: Policy | None = None, *,
            webhook: Webhook | None = None) -> int:
    """Run until stopped; returns the exit code (0 stopped, 1 could not go on, 2 could not
    listen on the configured address)."""
    setup_logging(settings)
    return asyncio.run(_main(settings, policy, webhook))


async def _main(settings: Settings, policy: Policy | None, webhook: Webhook | None) -> int:
    services = Services.create(settings, policy=policy)
    runtime = Runtime(services, scheduler=True, webhook=webhook)
    address = (webhook.host, webhook.port) if webhook is not None else settings.health_address()
    listener = Listener(runtime, *address, webhook) if address is not None else None
    if listener is not None:
        try:
            await listener.start()
        except OSError as exc:
            name = "IPBOT_WEBHOOK_LISTEN" if webhook is not None else "IPBOT_HEALTH_LISTEN"
            log.critical("cannot listen on %s:%d (%s): %s", address[0], address[1], name,
                         exc.strerror or exc)
            services.close()
            return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        try:
            await runtime.start(wait_active=False)
        except (NetworkError, InvalidToken) as exc:  # getMe failed: nothing to run
            raise Unreachable(str(exc).strip().splitlines()[0] if str(exc).strip()
                              else type(exc).__name__) from None
        lease = runtime._tasks["lease"]
        assert runtime.fatal is not None
        waiter = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({waiter, lease, runtime.fatal},
                                     return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if lease in done:
            lease.result()  # what stopped it
        if runtime.fatal in done:
            code = 1
    finally:
        log.debug("stopping")
        if listener is not None:
            await listener.stop()
        with contextlib.suppress(Exception):  # a start that failed has little to stop
            await runtime.stop()
        services.close()
    return code
