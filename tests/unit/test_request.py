"""The bot's HTTP request (``bot.delivery.request``) over real HTTP against the fake Bot API:
what each way of failing raises, since the sender decides from it whether a message may
have gone out (``bot.delivery.sender._ambiguous``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery.request import StatusAwareRequest, ceiling
from bot.delivery.sender import NotSent, ServerError, _ambiguous
from bot.fakeapi import FakeBotAPI


@pytest.fixture
async def server() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as fake:
        yield fake


def bot_on(base_url: str, token: str, **request: float) -> Bot:
    return Bot(token, base_url=base_url, request=StatusAwareRequest(1, **request))


async def test_messages_keyboards_and_files_arrive_as_sent(server: FakeBotAPI) -> None:
    user = server.user(started=True)
    async with bot_on(server.base_url, server.token) as bot:
        await bot.do_api_request("sendMessage", api_kwargs={
            "chat_id": user.id, "text": "走访记录 ✅",
            "reply_markup": {"inline_keyboard": [[{"text": "提交", "callback_data": "v:1"}]]}})
        msg = await user.expect_message()
        assert msg.text == "走访记录 ✅" and msg.inline_buttons() == [[("提交", "v:1")]]
        await bot.send_document(user.id, b"%PDF-1.4 archive", filename="档案.pdf",
                                caption="服务档案")
        sent = server.calls("sendDocument")[-1]
        part = sent.files["document"]
        assert (part.content, part.filename) == (b"%PDF-1.4 archive", "档案.pdf")
        assert sent.params["caption"] == "服务档案"
        with pytest.raises(BadRequest):  # a 4xx is PTB's own error, as before
            await bot.send_message(user.id, "")


async def test_a_refused_connection_is_not_sent(server: FakeBotAPI) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = StatusAwareRequest(1)
    await request.initialize()
    try:
        with pytest.raises(NotSent) as caught:
            await request.post(f"http://127.0.0.1:{port}/bot{server.token}/getMe")
    finally:
        await request.shutdown()
    assert not _ambiguous(caught.value)


async def test_no_free_connection_in_time_is_not_sent(server: FakeBotAPI) -> None:
    user = server.user(started=True)
    server.hold_chat(user.id)
    async with bot_on(server.base_url, server.token, pool_timeout=0.05,
                      connect_timeout=0.05) as bot:
        first = asyncio.create_task(bot.send_message(user.id, "一", read_timeout=60))
        await server.wait_for(lambda: server.held_requests() == 1, "the held request")
        with pytest.raises(NotSent) as caught:  # the only connection is busy
            await bot.send_message(user.id, "二")
        assert not _ambiguous(caught.value)
        server.release_chat(user.id)
        await first
    assert [c.params["text"] for c in server.calls("sendMessage")] == ["一"]


async def test_no_answer_in_time_is_a_timeout_that_may_have_been_carried_out(
        server: FakeBotAPI) -> None:
    user = server.user(started=True)
    server.hold_chat(user.id)
    async with bot_on(server.base_url, server.token) as bot:
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(user.id, "慢", read_timeout=0.05)
    assert _ambiguous(caught.value)
    server.release_chat(user.id)


async def test_a_dropped_connection_and_a_5xx_keep_what_the_sender_needs(
        server: FakeBotAPI) -> None:
    user = server.user(started=True)
    server.inject_disconnect("sendMessage")
    server.inject_error("sendMessage", status=502)
    server.inject_error("sendMessage", status=500)
    async with bot_on(server.base_url, server.token) as bot:
        with pytest.raises(NetworkError) as dropped:
            await bot.send_message(user.id, "一")
        assert not isinstance(dropped.value, NotSent | TimedOut | ServerError)
        assert _ambiguous(dropped.value)  # the request was sent: it may have been done
        with pytest.raises(ServerError) as gateway:
            await bot.send_message(user.id, "二")
        assert gateway.value.status == 502 and not _ambiguous(gateway.value)
        with pytest.raises(ServerError) as internal:
            await bot.send_message(user.id, "三")
        assert internal.value.status == 500 and _ambiguous(internal.value)
        await bot.send_message(user.id, "四")
    assert (await user.expect_message()).text == "四"


async def test_not_initialized_is_refused_and_shutdown_twice_is_harmless() -> None:
    request = StatusAwareRequest(1)
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post("http://127.0.0.1:9/bot1:x/getMe")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post("http://127.0.0.1:9/bot1:x/getMe")


def test_the_whole_exchange_is_limited_like_httpx_limits_each_part() -> None:
    assert ceiling(5.0, 5.0, 5.0, 1.0) == 16.0  # a plain call: the parts added up
    assert ceiling(20.0, 5.0, 5.0, 1.0) == 31.0  # getUpdates: its long-poll read
    # an upload: the write timeout once per 64 KiB, as httpx times each write
    assert ceiling(5.0, 20.0, 5.0, 1.0, upload=200 * 1024) == 5 + 5 + 1 + 20 * 4
    assert ceiling(5.0, 20.0, 5.0, 1.0, upload=20 * 1024 * 1024) == 11 + 20 * 321
    assert ceiling(None, 5.0, 5.0, 1.0) is None  # no read timeout: no ceiling
