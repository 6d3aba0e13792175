"""Fixtures for the FakeBotAPI self-tests: a started server and the demo bot running on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.fakeapi import FakeBotAPI
from bot.fakeapi.ptb import running
from tests.fakeapi_selftest.demo_bot import Seen, build_demo_app


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def bot_app(server: FakeBotAPI) -> AsyncIterator[tuple[Any, Seen]]:
    """The demo bot, polling ``server``."""
    app, seen = build_demo_app(server)
    async with running(app):
        yield app, seen
