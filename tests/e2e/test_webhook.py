"""Webhook mode and ``/healthz``, end to end: the real ``ipbot run --webhook`` process, to
which the fake Bot API posts the updates (as Telegram does after ``setWebhook``).

* a request without the right secret is refused (401), and logged once however many come;
* a SIGKILL right after an update was recorded, before the 200, makes the fake deliver it
  again, and the update has exactly one effect; a SIGKILL right after the 200 loses nothing;
* a standby serves ``/healthz`` as a standby and takes no updates; it takes over, setting
  the webhook to its own URL; a polling instance after them deletes the webhook (keeping
  what Telegram holds) and polls;
* ``/healthz`` turns 503 while the database cannot be reached and 200 again after, and 503
  when the outbox backlog is older than 10 minutes (in process, on a fixed clock).

Every process runs on a fake timeline (``IPBOT_FAKE_NOW``), never on today's date.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.delivery.out import message
from bot.listener import Listener
from bot.runtime import ALLOWED_UPDATES
from bot.services import delivery
from bot.store.models import InboundUpdate, Visit, VisitConfirmation
from tests import pg
from tests.e2e.conftest import WAIT, World
from tests.e2e.test_crashes import BotProcess, Office, open_office, until
from tests.e2e.test_visits import walk_to_review

pytestmark = pytest.mark.e2e

HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET = secrets.token_urlsafe(32)
PATH = "/telegram/updates"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def hook_env(port: int) -> dict[str, str]:
    return {"IPBOT_WEBHOOK_URL": f"http://127.0.0.1:{port}{PATH}",
            "IPBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}", "IPBOT_WEBHOOK_SECRET": SECRET}


@pytest.fixture
async def office(db_url: str, tmp_path: Path) -> AsyncIterator[Office]:
    """The office of ``test_crashes``; its processes take updates over a webhook on a free
    port (``office.port``)."""
    port = free_port()
    async with open_office(db_url, tmp_path, **hook_env(port)) as found:
        found.port = port  # type: ignore[attr-defined]
        yield found


def set_webhooks(office: Office) -> int:
    return len([c for c in office.server.calls("setWebhook") if c.status == 200])


async def start_hooked(office: Office, name: str = "bot", **env: str) -> BotProcess:
    """``ipbot run --webhook``, until it has set its webhook (it holds the lease)."""
    proc = office.process(name)
    before = set_webhooks(office)
    proc.start("--webhook", **env)
    await until(lambda: set_webhooks(office) > before or not proc.alive(),
                f"{name} to set its webhook")
    assert proc.alive(), proc.output()
    return proc


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        return resp.status, await resp.json()


async def post(url: str, body: dict[str, Any], secret: str | None) -> int:
    headers = {HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as http, http.post(url, json=body,
                                                          headers=headers) as resp:
        return resp.status


def forged(update_id: int) -> dict[str, Any]:
    who = {"id": 4242, "is_bot": False, "first_name": "冒充者"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1_772_416_800, "chat": {"id": 4242, "type": "private"},
        "from": who, "text": "/help"}}


def recorded(office: Office, update_id: int) -> bool:
    with office.services.uow() as uow:
        return bool(uow.session.scalar(select(func.count()).select_from(InboundUpdate)
                                       .where(InboundUpdate.update_id == update_id)))


@contextmanager
def database_unreachable(db_url: str) -> Iterator[None]:
    """New connections to the database fail until the block ends; connections already open
    are not touched (so nothing is lost meanwhile). On SQLite the file is moved away and
    back (``chmod 000`` does not stop root, whom CI runs as); on PostgreSQL the database
    stops accepting connections (``ALLOW_CONNECTIONS false``, which binds superusers too)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        away = path.with_name(path.name + ".away")
        os.replace(path, away)
        try:
            yield
        finally:
            os.replace(away, path)
    else:
        pg._execute(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS false')
        try:
            yield
        finally:
            pg._execute(f'ALTER DATABASE "{url.database}" WITH ALLOW_CONNECTIONS true')


async def test_wrong_secret_is_refused_and_logged_once_and_health_follows_the_database(
        office: Office, db_url: str):
    user = office.bind("王敏")
    bot = await start_hooked(office)
    base = f"http://127.0.0.1:{office.port}"  # type: ignore[attr-defined]
    call = office.server.calls("setWebhook")[-1]
    assert call.params["url"] == base + PATH and call.params["secret_token"] == SECRET
    assert call.params["drop_pending_updates"] is False
    assert call.params["allowed_updates"] == ALLOWED_UPDATES
    statuses = [await post(base + PATH, forged(900_000 + i), secret)
                for i, secret in enumerate([None, "wrong-" + SECRET, ""] * 8)]
    assert statuses == [401] * 24
    assert not any(recorded(office, 900_000 + i) for i in range(24))
    await user.send("/help")  # the fake posts it with the right secret
    await user.expect_message(contains="可用命令")
    assert bot.output().count("webhook: refused a request") == 1, bot.output()
    assert SECRET not in bot.output()

    status, health = await get(base + "/healthz")
    assert status == 200, health
    assert health["status"] == "ok" and health["problems"] == []
    assert health["mode"] == "webhook" and health["role"] == "active"
    assert health["database"] == {"reachable": True} and health["lease"]["held"] is True
    assert health["outbox"] == {"backlog": 0, "oldest_age_seconds": None}
    assert health["last_update_age_seconds"] >= 0

    with database_unreachable(db_url):
        status, health = await get(base + "/healthz")
        assert status == 503, health
        assert health["database"] == {"reachable": False}
        assert health["problems"] == ["database unreachable"]
        assert health["outbox"]["backlog"] is None
        await get(base + "/healthz")  # still down: not logged again
    status, health = await get(base + "/healthz")
    assert status == 200 and health["database"] == {"reachable": True}, health
    assert bot.output().count("the database cannot be reached") == 1
    assert bot.output().count("the database can be reached again") == 1


@pytest.mark.parametrize("point", ["webhook.recorded", "webhook.answered"])
async def test_sigkill_around_the_200_has_exactly_one_effect(office: Office, point: str):
    contact = office.bind("刘经理", entity="浙江大学")
    user = office.bind("王敏")
    bot = await start_hooked(office)
    card = await walk_to_review(user, mode="📞 电话")
    await office.settled()
    await bot.stop()
    bot = await start_hooked(office, "armed", IPBOT_FAILPOINTS=point)
    press = await user.press(card, "✅ 提交")
    assert press is not None
    assert await asyncio.wait_for(bot.died(), WAIT) == -signal.SIGKILL, bot.output()
    assert f"failpoint {point}" in bot.output()
    assert recorded(office, press)  # recorded before the kill, at either point
    await until(lambda: office.server.deliveries(press), "the fake to see the outcome")
    first = office.server.deliveries(press)[0]
    if point == "webhook.recorded":
        assert first.status is None  # no answer: Telegram will deliver it again
    else:
        assert first.status == 200
    await start_hooked(office, "restarted")
    ask = await contact.expect_message(contains="V2026-00000")
    await until(lambda: "已提交" in card.text, "the submit reply")
    await office.settled()
    await user.expect_no_message(within=0)
    await contact.expect_no_message(within=0)
    deliveries = office.server.deliveries(press)
    if point == "webhook.recorded":
        assert deliveries[-1].status == 200 and len(deliveries) >= 2  # delivered again
    else:
        assert [d.status for d in deliveries] == [200]  # never again
    assert office.count(Visit) == 1 and office.count(VisitConfirmation) == 1
    submitted = [c for c in office.server.calls("editMessageText")
                 if "已提交" in str(c.params.get("text")) and c.status == 200]
    assert len(submitted) == 1, "the reply went out once"
    assert [m.text for m in contact.messages].count(ask.text) == 1


async def test_a_standby_takes_no_updates_takes_over_and_polling_deletes_the_webhook(
        office: Office):
    user = office.bind("王敏")
    first = await start_hooked(office, "first")
    port = free_port()
    second = office.process("second")
    second.start("--webhook", **hook_env(port))
    await until(lambda: "another instance is active" in second.output() or not second.alive(),
                "the standby line")
    assert second.alive(), second.output()
    base = f"http://127.0.0.1:{port}"
    status, health = await get(base + "/healthz")
    assert status == 200 and health["role"] == "standby", health
    assert health["lease"]["held"] is False and health["lease"]["holder"]
    assert await post(base + PATH, forged(800_001), SECRET) == 503  # not ours to take
    assert not recorded(office, 800_001)

    before = set_webhooks(office)
    await first.stop()  # the standby takes over and points the webhook at itself
    await until(lambda: set_webhooks(office) > before, "the standby's setWebhook")
    assert office.server.world.webhook["url"] == f"{base}{PATH}"
    await user.send("/help")
    await user.expect_message(contains="可用命令")
    assert (await get(base + "/healthz"))[1]["role"] == "active"

    await second.stop()
    waiting = await user.send("/help")  # held by Telegram: nobody listens
    health_port = free_port()
    await office.start("polling", IPBOT_HEALTH_LISTEN=f"127.0.0.1:{health_port}")
    await user.expect_message(contains="可用命令")
    deleted = office.server.calls("deleteWebhook")[-1]
    assert deleted.status == 200 and deleted.params.get("drop_pending_updates") is False
    assert office.server.deliveries(waiting) and not office.server.deliveries(waiting)[-1] \
        .delivered  # tried on the webhook, taken by getUpdates
    status, health = await get(f"http://127.0.0.1:{health_port}/healthz")
    assert status == 200 and health["mode"] == "polling" and health["role"] == "active"


async def test_health_is_503_while_the_outbox_backlog_is_older_than_ten_minutes(
        world: World):
    listener = Listener(world.runtime, "127.0.0.1", 0)
    await listener.start()
    try:
        url = f"http://127.0.0.1:{listener.port}/healthz"
        user = world.server.user(started=True)
        world.server.hold_chat(user.id)
        rows = delivery.enqueue(world.services, [message(user.id, "稍后送达", key="test:held")])
        world.runtime.deliver(rows)
        await until(lambda: world.server.held_requests() == 1, "the held send")
        status, health = await get(url)
        assert status == 200 and health["outbox"] == {"backlog": 1, "oldest_age_seconds": 0.0}
        assert health["mode"] == "polling" and health["role"] == "active"
        world.clock.advance(minutes=10)
        assert (await get(url))[0] == 200  # ten minutes old: not yet
        world.clock.advance(seconds=1)
        status, health = await get(url)
        assert status == 503
        assert health["problems"] == ["outbox backlog older than 600 s"]
        assert health["outbox"] == {"backlog": 1, "oldest_age_seconds": 601.0}
        world.server.release_chat(user.id)
        await world.settle()
        status, health = await get(url)
        assert status == 200 and health["outbox"]["backlog"] == 0
        assert health["last_send_age_seconds"] == 0.0  # sent at the (fixed) clock's now
        world.clock.advance(minutes=3)
        assert (await get(url))[1]["last_send_age_seconds"] == 180.0
    finally:
        await listener.stop()


async def test_a_refused_set_webhook_stops_the_process_with_exit_code_1(office: Office):
    bot = office.process("refused")
    # a port Telegram does not post to: the (fake) Bot API refuses the URL
    bot.start("--webhook", IPBOT_WEBHOOK_URL="https://bot.example.org:1234/telegram/updates")
    assert await asyncio.wait_for(bot.died(), WAIT) == 1, bot.output()
    assert "setWebhook was refused: Bad webhook: webhook can be set up only on ports" in \
        bot.output()
    assert SECRET not in bot.output()
