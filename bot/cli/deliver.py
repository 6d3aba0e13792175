"""Delivering what a CLI command wrote to the outbox.

When a bot instance holds the lease, it delivers (its sweep picks the rows up within half a
minute). Otherwise the command takes the lease for as long as it sends, so that a bot started
meanwhile waits instead of sending the same rows.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections import Counter
from dataclasses import dataclass, field

from telegram import Bot

from bot.delivery.request import StatusAwareRequest
from bot.delivery.sender import OutboxSender
from bot.handlers.common import run
from bot.services import delivery
from bot.services.container import Services
from bot.store.delivery_repo import StoredOut


@dataclass
class Collected:
    """Stands in for the runtime in a pass run from the command line: keeps the rows."""

    services: Services
    rows: list[StoredOut] = field(default_factory=list)

    def deliver(self, rows: list[StoredOut]) -> None:
        self.rows.extend(rows)


@dataclass
class Delivered:
    by_running_bot: str | None  # the holder that will deliver, when one is running
    stats: Counter[str]


async def deliver(svc: Services, token: str, rows: list[StoredOut]) -> Delivered:
    holder = f"cli:{socket.gethostname()}:{os.getpid()}"
    seconds = svc.settings.lease_seconds
    if not await run(delivery.acquire_lease, svc, holder, max(seconds, 60.0)):
        return Delivered(await run(delivery.lease_holder, svc), Counter())
    try:
        async with Bot(token, base_url=svc.settings.api_base_url,
                       request=StatusAwareRequest(connection_pool_size=32)) as bot:
            sender = OutboxSender(
                bot, svc.clock, svc.timer,
                flush=lambda: run(delivery.flush_results, svc), results=svc.results,
                block=lambda chat: run(delivery.block_chat, svc, chat),
                lookup=lambda key: run(delivery.message_id_of, svc, key))
            sender.start()
            sender.submit(rows)
            sender.submit(await run(delivery.due_outbox, svc, sender.known()))
            await sender.idle()
            await sender.stop()
            return Delivered(None, sender.stats)
    finally:
        await run(delivery.release_lease, svc, holder)


def deliver_sync(svc: Services, token: str, rows: list[StoredOut]) -> Delivered:
    return asyncio.run(deliver(svc, token, rows))
