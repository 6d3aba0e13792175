"""End-to-end fixtures: a local Bot API server and the real runtime (Application, durable
inbound, outbox sender) polling it.

No job runs on the wall clock here: the scheduler tick is off unless a test asks for it, and
tests run passes explicitly (``world.run_pass``) on the fixed clock. Waiting is on events: a
message arriving, or the bot having nothing left to do (``world.settle``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bot.clock import FixedClock, VirtualTimer
from bot.config import Settings
from bot.fakeapi import FakeBotAPI, FakeUser, SentMessage
from bot.runtime import Runtime, running
from bot.services import invites
from bot.services.container import Services
from bot.services.knowledge import Knowledge
from tests.conftest import TOKEN
from tests.helpers import load_sample_rosters

pytestmark = pytest.mark.e2e

# Generous: a busy 2-core CI machine must never fail a test by being slow.
WAIT = 60.0


@pytest.fixture
async def botapi() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        yield server


def bot_settings(db_url: str, server: FakeBotAPI, **extra: object) -> Settings:
    return Settings(token=TOKEN, database_url=db_url, api_base_url=server.base_url,
                    bot_username="ipfield_test_bot", poll_timeout=1, _env_file=None,
                    **extra)  # type: ignore[call-arg]


@dataclass
class World:
    """The running bot, its server, and what the test needs to act as the office."""

    server: FakeBotAPI
    services: Services
    clock: FixedClock
    runtime: Runtime

    @property
    def app(self) -> Any:
        return self.runtime.app

    async def settle(self) -> None:
        """Until the bot has taken every update Telegram holds and sent all it owes."""
        for _ in range(100):
            if not await self.server.world.notifier.wait_until(
                    lambda: not self.server.pending_updates, WAIT):
                raise AssertionError("the bot did not take its updates from Telegram")
            await self.runtime.settle()
            if not self.server.pending_updates and not self.runtime.busy():
                return
        raise AssertionError("the bot never settled")

    async def run_pass(self, name: str) -> dict[str, Any] | None:
        """Run a scheduled pass now, as the tick would, and wait for what it sends."""
        result = await self.runtime.run_pass(name)
        await self.settle()
        return result

    async def tick(self) -> list[str]:
        ran = await self.runtime.tick()
        await self.settle()
        return ran

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


_KNOWLEDGE: dict[str, Knowledge] = {}


def shared_knowledge(settings: Settings) -> Knowledge:
    """The knowledge base is read-only once loaded: one per folder for the whole session."""
    key = str(settings.knowledge_dir)
    if key not in _KNOWLEDGE:
        _KNOWLEDGE[key] = Knowledge(settings.knowledge_dir)
        _KNOWLEDGE[key].load()
    return _KNOWLEDGE[key]


@asynccontextmanager
async def start_world(db_url: str, botapi: FakeBotAPI, clock: FixedClock, *,
                      rosters: bool = True, scheduler: bool = False,
                      timer: VirtualTimer | None = None, **settings: object
                      ) -> AsyncIterator[World]:
    """The real runtime polling ``botapi``, on ``db_url`` (sample rosters loaded)."""
    cfg = bot_settings(db_url, botapi, **settings)
    knowledge = None if "knowledge_dir" in settings else shared_knowledge(cfg)
    services = Services.create(cfg, clock, timer=timer, knowledge=knowledge)
    if rosters:
        load_sample_rosters(services)
    try:
        async with running(services, scheduler=scheduler) as runtime:
            world = World(botapi, services, clock, runtime)
            botapi.settle_hooks.append(world.settle)
            try:
                yield world
            finally:
                botapi.settle_hooks.remove(world.settle)
    finally:
        services.close()


@pytest.fixture
async def world(db_url: str, botapi: FakeBotAPI, clock: FixedClock) -> AsyncIterator[World]:
    async with start_world(db_url, botapi, clock) as w:
        yield w


def buttons(msg: SentMessage) -> list[str]:
    return [text for row in msg.inline_buttons() for text, _ in row]
