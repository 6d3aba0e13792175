"""Self-tests of FakeBotAPI's webhook delivery: after setWebhook to a loopback URL it POSTs
each update there (JSON, the secret header), one at a time and in order, and retries until
it gets a 2xx, as Telegram does."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.fakeapi import FakeBotAPI

WAIT = 60.0
HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET = "s3cret_token-for-the-fake"


class Receiver:
    """A bot's webhook endpoint: records each POST; answers the queued statuses, then 200."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.requests: list[tuple[str | None, dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.headers.get(HEADER), json.loads(await request.read())))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def start(self, port: int = 0) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.requests]


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(webhook_retry=(0.02, 0.2)) as fake:
        yield fake


@pytest.fixture
async def bot(server: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(server.token, base_url=server.base_url) as client:
        yield client


async def until(server: FakeBotAPI, predicate: Any, what: str) -> None:
    if not await server.world.notifier.wait_until(predicate, WAIT):
        raise AssertionError(f"timed out waiting for {what}")


async def test_updates_are_posted_in_order_with_the_secret(server: FakeBotAPI, bot: Bot):
    receiver = await Receiver().start()
    try:
        user = server.user(first_name="张三")
        first = await user.send("一")  # queued before the webhook: delivered too
        assert await bot.set_webhook(receiver.url, secret_token=SECRET,
                                     allowed_updates=["message", "callback_query"],
                                     drop_pending_updates=False)
        second, third = await user.send("二"), await user.send("三")
        await until(server, lambda: len(receiver.requests) == 3, "three deliveries")
        assert receiver.update_ids() == [first, second, third]
        assert [secret for secret, _ in receiver.requests] == [SECRET] * 3
        assert [body for _, body in receiver.requests] == [
            server.update(i) for i in (first, second, third)]
        await until(server, lambda: not server.pending_updates, "all confirmed")
        assert all(d.delivered for d in server.deliveries())
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert set(info.allowed_updates) == {"message", "callback_query"}
    finally:
        await receiver.stop()


async def test_a_non_2xx_answer_is_retried_and_later_updates_wait(server: FakeBotAPI,
                                                                   bot: Bot):
    receiver = await Receiver(500, 401).start()
    try:
        await bot.set_webhook(receiver.url, secret_token=SECRET)
        user = server.user()
        first, second = await user.send("a"), await user.send("b")
        await until(server, lambda: not server.pending_updates, "both delivered")
        assert receiver.update_ids() == [first, first, first, second]
        assert [d.status for d in server.deliveries(first)] == [500, 401, 200]
        info = await bot.get_webhook_info()
        assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
    finally:
        await receiver.stop()


async def test_a_connection_failure_is_retried_until_the_bot_listens(server: FakeBotAPI,
                                                                     bot: Bot):
    receiver = await Receiver().start()
    port = receiver.port
    await receiver.stop()  # nothing listens there now
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    user = server.user()
    update_id = await user.send("你好")
    await until(server, lambda: len(server.deliveries(update_id)) >= 2, "two failed tries")
    assert all(d.status is None and d.error for d in server.deliveries(update_id))
    assert server.pending_updates and receiver.requests == []
    assert (await bot.get_webhook_info()).last_error_message == "Connection refused"
    receiver = await Receiver().start(port)
    try:
        await until(server, lambda: not server.pending_updates, "the delivery")
        assert receiver.update_ids() == [update_id]
        assert server.deliveries(update_id)[-1].status == 200
    finally:
        await receiver.stop()


async def test_delete_webhook_stops_delivery_and_getupdates_takes_over(server: FakeBotAPI,
                                                                       bot: Bot):
    receiver = await Receiver().start()
    try:
        await bot.set_webhook(receiver.url)
        user = server.user()
        delivered = await user.send("before")
        await until(server, lambda: not server.pending_updates, "the first delivery")
        assert receiver.requests[0][0] is None  # no secret set: no header
        assert await bot.delete_webhook(drop_pending_updates=False)
        kept = await user.send("after")
        updates = await bot.get_updates(offset=delivered + 1)
        assert [u.update_id for u in updates] == [kept]
        assert receiver.update_ids() == [delivered]
    finally:
        await receiver.stop()


async def test_only_loopback_urls_get_deliveries_and_http_only_there(server: FakeBotAPI,
                                                                     bot: Bot):
    await bot.set_webhook("https://example.com/hook", secret_token=SECRET)  # only recorded
    user = server.user()
    waiting = await user.send("x")
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://example.com/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token contains unallowed characters"):
        await bot.set_webhook("https://example.com/hook", secret_token="no spaces")
    receiver = await Receiver().start()
    try:
        await bot.set_webhook(receiver.url)  # http and any port: loopback only
        await until(server, lambda: not server.pending_updates, "the delivery")
        assert receiver.update_ids() == [waiting]
        assert {d.url for d in server.deliveries()} == {receiver.url}
    finally:
        await receiver.stop()


async def test_a_redelivered_update_is_posted_again(server: FakeBotAPI, bot: Bot):
    receiver = await Receiver().start()
    try:
        await bot.set_webhook(receiver.url, secret_token=SECRET)
        update_id = await server.user().send("again")
        await until(server, lambda: len(receiver.requests) == 1, "the delivery")
        server.redeliver(update_id)
        await until(server, lambda: len(receiver.requests) == 2, "the redelivery")
        assert receiver.update_ids() == [update_id, update_id]
    finally:
        await receiver.stop()
