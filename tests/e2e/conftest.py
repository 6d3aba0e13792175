"""End-to-end fixtures: a local Bot API server and the real Application polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from telegram.ext import Application

from bot.app import build_application
from bot.clock import FixedClock
from bot.config import Settings
from bot.fakeapi import FakeBotAPI, FakeUser, SentMessage
from bot.runner import running
from bot.services import invites
from bot.services.container import Services
from tests.conftest import TOKEN
from tests.helpers import load_sample_rosters

pytestmark = pytest.mark.e2e


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        yield server


def bot_settings(db_url: str, server: FakeBotAPI, **extra: object) -> Settings:
    return Settings(token=TOKEN, database_url=db_url, api_base_url=server.base_url,
                    bot_username="ipfield_test_bot", _env_file=None, **extra)  # type: ignore[call-arg]


@dataclass
class World:
    """The running bot, its server, and what the test needs to act as the office."""

    server: FakeBotAPI
    services: Services
    clock: FixedClock
    app: Application

    async def run_job(self, name: str) -> None:
        """Run a repeating job now, as its timer would."""
        assert self.app.job_queue is not None
        (job,) = self.app.job_queue.get_jobs_by_name(name)
        await job.run(self.app)

    def invite(self, person: str | None = None, entity: str | None = None,
               days: int | None = None) -> str:
        return invites.issue(self.services, person=person, entity=entity, days=days).code

    async def onboard(self, name: str, *, entity: str | None = None,
                      language_code: str = "zh-hans") -> FakeUser:
        """A new Telegram user who taps the invite link of ``name`` (or of ``entity``)."""
        code = self.invite(person=None if entity else name, entity=entity)
        user = self.server.user(first_name=name, language_code=language_code)
        await user.send(f"/start {code}")
        await user.expect_message()
        return user


@asynccontextmanager
async def start_world(db_url: str, botapi: FakeBotAPI, clock: FixedClock, *,
                      rosters: bool = True, **settings: object) -> AsyncIterator[World]:
    """The real Application polling ``botapi``, on ``db_url`` (sample rosters loaded)."""
    services = Services.create(bot_settings(db_url, botapi, **settings), clock)
    if rosters:
        load_sample_rosters(services)
    app = build_application(services)
    try:
        async with running(app, poll_timeout=1):
            yield World(botapi, services, clock, app)
    finally:
        services.close()


@pytest.fixture
async def world(db_url: str, botapi: FakeBotAPI, clock: FixedClock) -> AsyncIterator[World]:
    async with start_world(db_url, botapi, clock) as w:
        yield w


def buttons(msg: SentMessage) -> list[str]:
    return [text for row in msg.inline_buttons() for text, _ in row]
