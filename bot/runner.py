"""Running the bot: long polling for ``ipbot run``, and an async context for tests/benchmarks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.logs import setup_logging
from bot.services.container import Services
from scheduler.policy import Policy

log = logging.getLogger(__name__)


def run_polling(settings: Settings, policy: Policy | None = None) -> None:
    setup_logging(settings)
    services = Services.create(settings, policy=policy)
    app = build_application(services)
    log.info("starting long polling against the configured Bot API")
    try:
        app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.poll_timeout,
                        poll_interval=0.0)
    finally:
        services.close()


@asynccontextmanager
async def running(app: Application, *, poll_timeout: int = 1) -> AsyncIterator[Application]:
    """Start ``app`` polling inside the current event loop; stop it cleanly on exit."""
    async with app:
        assert app.updater is not None
        if app.post_init is not None:  # as run_polling() does
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
