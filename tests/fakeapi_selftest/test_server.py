"""Self-tests of FakeBotAPI: a real PTB Application talks to it over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import io
from typing import Any

import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyKeyboardMarkup,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.fakeapi import FakeBotAPI, FakeUser
from bot.fakeapi.entities import parse_html, parse_markdown_v2
from tests.fakeapi_selftest.demo_bot import Seen

AppAndSeen = tuple[Any, Seen]

pytestmark = [
    # PTB 22 announces timedelta types for retry_after/live_period; not our concern here
    pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning"),
    # raw do_api_request("sendMessage") is how we send malformed markup on purpose
    pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage':UserWarning"),
]


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def expect_bad_request(server: FakeBotAPI, coro: Any, description: str) -> BadRequest:
    """``coro`` must raise BadRequest and the server must have answered ``description``."""
    with pytest.raises(BadRequest) as info:
        await coro
    failed = [c for c in server.calls() if c.status == 400]
    assert failed, "no 400 response recorded"
    assert failed[-1].description == f"Bad Request: {description}"
    return info.value


async def started_user(server: FakeBotAPI, **kwargs: Any) -> FakeUser:
    """A user that has opened the private chat (the bot may write to it)."""
    return server.user(started=True, **kwargs)


# ============================================================================ basics


async def test_get_me_and_polling_bootstrap(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    app, _ = bot_app
    assert app.bot.username == "ipfield_test_bot"
    assert app.bot.id == 999000
    me = server.calls("getMe")[0].result
    assert me["is_bot"] and me["supports_inline_queries"] and me["can_join_groups"]
    assert server.calls("deleteWebhook")
    assert server.base_url == f"http://127.0.0.1:{server.port}/bot"


async def test_echo_keeps_numeric_text_a_string(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    user = server.user(first_name="张三")
    await user.send("123")
    reply = await user.expect_message(contains="123")
    assert reply.text == "123"
    assert server.calls("sendMessage")[-1].params["text"] == "123"
    assert server.calls("sendMessage")[-1].params["chat_id"] == user.id
    await user.send("你好 世界")
    assert (await user.expect_message()).text == "你好 世界"
    await user.expect_no_message(within=0.1)


async def test_command_args_entities_and_bot_suffix(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    _, seen = bot_app
    user = server.user()
    update_id = await user.send("/start abc")
    message = server.update(update_id)["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert message["chat"] == {"id": user.id, "first_name": "张三", "type": "private"}
    assert message["from"]["language_code"] == "zh-hans"
    assert (await user.expect_message()).text == "欢迎 abc"

    update_id = await user.send("/start@ipfield_test_bot xyz")
    entity = server.update(update_id)["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": 23}
    assert (await user.expect_message()).text == "欢迎 xyz"
    assert seen.args == [["abc"], ["xyz"]]


async def test_expect_message_timeout_dumps_recent_calls(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    user = server.user()
    await user.send("/start")
    await user.expect_message()
    with pytest.raises(AssertionError) as info:
        await user.expect_message(timeout=0.1)
    assert "Recent Bot API calls" in str(info.value)
    assert "sendMessage" in str(info.value)
    await user.send("/start")
    with pytest.raises(AssertionError, match="does not contain"):
        await user.expect_message(contains="再见")


# ============================================================================ keyboards


async def test_inline_keyboard_press_answer_and_edit(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    app, seen = bot_app
    user = server.user()
    await user.send("/menu")
    menu = await user.expect_message()
    assert menu.text == "请选择" and menu.parse_mode == "HTML"
    assert menu.entities == [{"type": "bold", "offset": 0, "length": 3}]
    assert menu.inline_buttons() == [
        [("选项A", "opt:a"), ("选项B", "opt:b")],
        [("官网", "https://example.com/help")],
    ]
    with pytest.raises(AssertionError, match="no callback_data"):
        await user.press(menu, "官网")
    with pytest.raises(AssertionError, match="no inline button"):
        await user.press(menu, "选项C")

    update_id = await user.press(menu, "选项A")
    query = server.update(update_id)["callback_query"]
    assert query["data"] == "opt:a"
    assert query["message"]["text"] == "请选择"
    assert query["message"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "opt:a"

    edited = await user.expect_edit(menu)
    assert edited is menu and menu.text == "你选择了 opt:a"
    assert menu.reply_markup is None  # editMessageText without reply_markup drops the keyboard
    assert menu.history[0].text == "请选择"
    assert user.callback_answers[-1]["text"] == "已选 opt:a"
    assert seen.callbacks == [("opt:a", True)]
    with pytest.raises(AssertionError):
        await user.press(menu, "选项B")  # the keyboard is gone

    # a callback query can be answered only once
    await expect_bad_request(
        server,
        app.bot.answer_callback_query(query["id"]),
        "query is too old and response timeout expired or query ID is invalid",
    )


async def test_forged_and_stale_presses(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    _, seen = bot_app
    user = server.user()
    await user.send("/menu")
    menu = await user.expect_message()
    await user.press_data(menu.message_id, "forged:1")  # data no button ever carried
    assert (await user.expect_callback_answer())["data"] == "forged:1"
    await user.expect_edit(menu)
    update_id = await user.press_data(9999, "stale")  # message gone: InaccessibleMessage
    assert server.update(update_id)["callback_query"]["message"]["date"] == 0
    assert (await user.expect_callback_answer())["text"] == "已选 stale"
    assert (await server.expect_call("editMessageText")).ok
    failed_edit = await server.expect_call("editMessageText")
    assert failed_edit.description == "Bad Request: message to edit not found"
    assert seen.callbacks == [("forged:1", True), ("stale", False)]
    assert server.unanswered_callback_queries() == []


async def test_reply_keyboard_tap_location_and_remove(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    user = server.user()
    assert user.reply_keyboard is None
    await user.send("/kb")
    msg = await user.expect_message()
    assert msg.reply_keyboard() == [["是", "否"], ["发送位置"]]
    assert user.reply_keyboard == [["是", "否"], ["发送位置"]]
    assert "reply_markup" not in server.calls("sendMessage")[-1].result  # not echoed back
    await user.tap_keyboard("是")
    assert (await user.expect_message()).text == "是"
    with pytest.raises(AssertionError, match="send_location"):
        await user.tap_keyboard("发送位置")
    with pytest.raises(AssertionError, match="no reply keyboard button"):
        await user.tap_keyboard("也许")
    await user.send_location(30.27, 120.15)
    assert (await user.expect_message()).text == "坐标 30.27,120.15"
    await user.send("/nokb")
    await user.expect_message(contains="已关闭")
    assert user.reply_keyboard is None
    with pytest.raises(AssertionError, match="no reply keyboard"):
        await user.tap_keyboard("是")


# ============================================================================ commands


async def test_set_my_commands_chat_scope_and_fallbacks(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    app, _ = bot_app
    bot = app.bot
    alice = server.user(first_name="Alice", language_code="en")
    bob = server.user(first_name="Bob", language_code="zh-hans")
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    assert alice.commands == [("start", "Start")]
    assert bob.commands == [("start", "开始"), ("help", "帮助")]

    # the chat scope needs a chat the bot knows
    await expect_bad_request(
        server,
        bot.set_my_commands([BotCommand("report", "x")], scope=BotCommandScopeChat(bob.id)),
        "chat not found",
    )
    await bob.send("/setcmds")
    await bob.expect_message(contains="命令已更新")
    assert bob.commands == [("report", "提交报告"), ("help", "帮助")]
    assert server.commands_for({"type": "chat", "chat_id": bob.id}) == bob.commands
    assert server.commands_for({"type": "default"}) == [("start", "开始"), ("help", "帮助")]
    got = await bot.get_my_commands(scope=BotCommandScopeChat(bob.id))
    assert [(c.command, c.description) for c in got] == bob.commands

    await bot.delete_my_commands(scope=BotCommandScopeChat(bob.id))
    assert bob.commands == [("start", "开始"), ("help", "帮助")]
    assert await bot.get_my_commands(scope=BotCommandScopeDefault(), language_code="fr") == ()


async def test_set_my_commands_validation(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    await expect_bad_request(
        server, bot.set_my_commands([BotCommand("Start", "开始")]), "BOT_COMMAND_INVALID"
    )
    await expect_bad_request(
        server, bot.set_my_commands([BotCommand("start-now", "开始")]), "BOT_COMMAND_INVALID"
    )
    await expect_bad_request(
        server,
        bot.set_my_commands([BotCommand("a" * 33, "x")]),
        "command length must not exceed 32",
    )
    await expect_bad_request(
        server,
        bot.set_my_commands([BotCommand("start", "  ")]),
        "command description must be non-empty",
    )
    await expect_bad_request(
        server,
        bot.set_my_commands([BotCommand("start", "x" * 257)]),
        "command description length must not exceed 256",
    )
    too_many = [BotCommand(f"c{i}", "x") for i in range(101)]
    await expect_bad_request(server, bot.set_my_commands(too_many), "BOT_COMMANDS_TOO_MUCH")
    await expect_bad_request(
        server,
        bot.set_my_commands([BotCommand("start", "x")], language_code="zh-hans"),
        "invalid language code specified",
    )
    assert await bot.set_my_commands([BotCommand(f"c{i}", "x") for i in range(100)])


# ============================================================================ files


async def test_send_photo_upload_and_download(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    app, _ = bot_app
    user = server.user()
    await user.send("/photo")
    photo = await user.expect_message(kind="photo")
    assert photo.caption == "图表" and photo.file_name == "chart.png"
    with Image.open(io.BytesIO(photo.file_bytes)) as image:
        assert image.size == (64, 48)
    assert photo.media[-1]["width"] == 64

    file = await app.bot.get_file(photo.file_id)
    assert file.file_path.startswith(server.base_file_url)
    assert bytes(await file.download_as_bytearray()) == photo.file_bytes

    # resending by file_id works; a document's file_id is not a photo
    again = await app.bot.send_photo(user.id, photo.file_id)
    assert again.photo[-1].file_unique_id == photo.media[-1]["file_unique_id"]


async def test_photo_upload_validation(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    user = await started_user(server)
    exhausted = io.BytesIO(b"\x89PNG...")
    exhausted.read()  # the classic bug: the buffer was not rewound
    await expect_bad_request(server, bot.send_photo(user.id, exhausted), "file must be non-empty")
    await expect_bad_request(
        server, bot.send_photo(user.id, b"not an image at all"), "IMAGE_PROCESS_FAILED"
    )
    await expect_bad_request(
        server,
        bot.send_photo(user.id, "AgACAgUAAxkBAAIunknown"),
        "wrong file identifier/HTTP URL specified",
    )
    doc = await bot.send_document(user.id, b"a,b\n1,2\n", filename="data.csv")
    assert doc.document.file_name == "data.csv"
    assert user.messages[-1].file_bytes == b"a,b\n1,2\n"
    await expect_bad_request(
        server, bot.send_photo(user.id, doc.document.file_id), "type of file mismatch"
    )


async def test_incoming_media_and_live_location(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    user = server.user()
    await user.send_photo(file_unique_suffix="same", caption="看图")
    reply = await user.expect_message()
    count, unique, size, caption = reply.text.split()[1:]
    assert int(count) > 1 and unique == "AQADsame" and int(size) > 0 and caption == "看图"
    await user.send_photo(file_unique_suffix="same")
    assert "AQADsame" in (await user.expect_message()).text

    await user.send_document("报告.pdf")
    assert (await user.expect_message()).text == "文件 报告.pdf b'%PDF-'"
    await user.send_sticker(emoji="🎉")
    assert (await user.expect_message()).text == "贴纸 🎉"

    await user.send_location(30.27, 120.15, live_period=600)
    assert (await user.expect_message()).text == "坐标 30.27,120.15 live"
    update_id = await user.move_live_location(30.28, 120.16)
    assert "edited_message" in server.update(update_id)
    assert (await user.expect_message()).text == "移动到 30.28"


# ============================================================================ faults


async def test_injected_429_reaches_handler_as_retry_after(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    _, seen = bot_app
    user = server.user()
    server.inject_error("sendMessage", status=429, retry_after=7)
    await user.send("/flood")
    assert (await user.expect_message()).text == "发送失败: RetryAfter"
    assert isinstance(seen.errors[0], RetryAfter)
    assert seconds(seen.errors[0].retry_after) == 7
    failed = server.calls("sendMessage")[0]
    assert failed.status == 429
    assert failed.response["parameters"] == {"retry_after": 7}


async def test_injected_500_and_502(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    _, seen = bot_app
    user = server.user()
    server.inject_error("sendMessage", status=500)
    await user.send("/flood")
    assert (await user.expect_message()).text == "发送失败: NetworkError"
    assert "Internal Server Error" in str(seen.errors[-1])

    server.inject_error("sendMessage", status=502)  # nginx HTML page, not JSON
    await user.send("/flood")
    assert (await user.expect_message()).text == "发送失败: NetworkError"
    assert "Bad Gateway" in str(seen.errors[-1])


async def test_error_after_execution_and_disconnect(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    bot = bot_app[0].bot
    user = await started_user(server)
    server.inject_error("sendMessage", status=500, executed=True)
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "已发送但响应丢失")
    assert user.messages[-1].text == "已发送但响应丢失"  # the user did get it

    server.inject_disconnect("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "x")
    assert (await bot.send_message(user.id, "恢复")).text == "恢复"


async def test_rate_limit_per_chat(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    first, second = await started_user(server), await started_user(server)
    server.rate_limit(per_chat_per_sec=1)
    await bot.send_message(first.id, "1")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(first.id, "2")
    assert seconds(info.value.retry_after) == 1
    await bot.send_message(second.id, "other chat is fine")
    assert [m.text for m in first.messages] == ["1"]


async def test_blocked_and_never_started_users(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    user = server.user()
    await user.send("/start")
    await user.expect_message()
    update_id = server.block(user)
    assert server.update(update_id)["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(user.id, "还在吗")
    server.unblock(user)
    await bot.send_message(user.id, "回来了")

    stranger = server.user(first_name="路人")
    with pytest.raises(BadRequest, match="not found"):
        await bot.send_message(stranger.id, "hi")  # the bot never saw this user
    group = server.group(members=[stranger])
    await group.send(stranger, "/start@ipfield_test_bot")
    await group.expect_message()
    with pytest.raises(Forbidden, match="initiate conversation"):
        await bot.send_message(stranger.id, "hi")  # seen, but never opened the chat


# ============================================================================ updates


async def test_redeliver_hands_out_the_same_update_id(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    _, seen = bot_app
    user = server.user()
    update_id = await user.send("只处理一次?")
    await user.expect_message()
    server.redeliver(update_id)
    assert (await user.expect_message()).text == "只处理一次?"
    assert seen.update_ids.count(update_id) == 2


async def test_get_updates_offset_long_poll_and_filters(server: FakeBotAPI) -> None:
    user = server.user()
    async with Bot(server.token, base_url=server.base_url) as bot:
        first = await user.send("one")
        second = await user.send("two")
        assert [u.update_id for u in await bot.get_updates()] == [first, second]
        assert [u.update_id for u in await bot.get_updates()] == [first, second]  # unconfirmed
        assert await bot.get_updates(offset=second + 1) == ()
        assert await bot.get_updates() == ()  # stays confirmed

        server.redeliver(first)
        again = await bot.get_updates(offset=second + 1)
        assert [u.update_id for u in again] == [first]
        assert await bot.get_updates(offset=second + 1) == ()

        # long polling holds the request until an update exists, then returns it
        poll = asyncio.create_task(bot.get_updates(offset=second + 1, timeout=60))
        await server.world.notifier.wait_until(
            lambda: any(c.method == "getUpdates" and c.status is None for c in server.calls()),
            30)
        assert not poll.done()  # held: nothing to return yet
        third = await user.send("three")
        assert [u.update_id for u in await poll] == [third]  # long before its 60 s
        assert await bot.get_updates(offset=third + 1, timeout=dtm.timedelta(seconds=0.2)) == ()

        # allowed_updates is remembered and filters new updates
        await bot.get_updates(offset=third + 1, allowed_updates=["callback_query"])
        assert await user.send("ignored") is None
        pressed = await user.press_data(1, "x")
        assert [u.update_id for u in await bot.get_updates(offset=third + 1)] == [pressed]

        # a second bot instance polling terminates the first one's request, as on Telegram
        started = server.methods.polls_started
        older = asyncio.create_task(bot.get_updates(offset=pressed + 1, timeout=5))
        assert await server.world.notifier.wait_until(  # the older one is waiting
            lambda: server.methods.polls_started > started, 60)
        async with Bot(server.token, base_url=server.base_url) as second_instance:
            assert await second_instance.get_updates(offset=pressed + 1) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await older

        await bot.set_webhook("https://example.com/hook")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        await bot.delete_webhook(drop_pending_updates=True)


async def test_wrong_token_and_unknown_method(server: FakeBotAPI) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123456:WRONG", base_url=server.base_url):
            pass
    async with Bot(server.token, base_url=server.base_url) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("fooBar")
    assert server.calls("fooBar")[0].response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }


# ============================================================================ validation


async def test_message_text_validation(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    user = await started_user(server)
    chat = user.id
    await expect_bad_request(server, bot.send_message(chat, ""), "message text is empty")
    await expect_bad_request(server, bot.send_message(chat, " \n "), "message must be non-empty")
    await expect_bad_request(server, bot.send_message(chat, "长" * 4097), "message is too long")
    assert (await bot.send_message(chat, "长" * 4096)).text == "长" * 4096
    # limits apply to the text after parsing: tags and entities do not count
    html = "<b>" + "a" * 4096 + "</b>"
    assert len((await bot.send_message(chat, html, parse_mode="HTML")).text) == 4096
    assert (await bot.send_message(chat, "&lt;" * 4096, parse_mode="HTML")).text == "<" * 4096
    await expect_bad_request(
        server, bot.send_message(chat, "&lt;" * 4097, parse_mode="HTML"), "message is too long"
    )
    await expect_bad_request(server, bot.send_message(424242, "hi"), "chat not found")


async def test_parse_mode_errors(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    chat = (await started_user(server)).id
    cases = [
        ("HTML", "a <br> b", 'can\'t parse entities: Unsupported start tag "br" at byte offset 2'),
        (
            "HTML",
            "<b>粗体",
            "can't parse entities: Can't find end tag corresponding to start tag b",
        ),
        (
            "HTML",
            "<b>x</i>",
            'can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", '
            'found "</i>"',
        ),
        ("HTML", "1 < 2", 'can\'t parse entities: Unsupported start tag "" at byte offset 2'),
        (
            "MarkdownV2",
            "Version 1.0",
            "can't parse entities: Character '.' is reserved and must be escaped with the "
            "preceding '\\'",
        ),
        (
            "MarkdownV2",
            "*粗体",
            "can't parse entities: Can't find end of Bold entity at byte offset 0",
        ),
        (
            "Markdown",
            "snake_case",
            "can't parse entities: Can't find end of the entity starting at byte offset 5",
        ),
    ]
    for parse_mode, text, description in cases:
        await expect_bad_request(
            server, bot.send_message(chat, text, parse_mode=parse_mode), description
        )
    ok = await bot.send_message(
        chat, "*粗体* 1\\.0 [链接](https://example.com)", parse_mode="MarkdownV2"
    )
    assert ok.text == "粗体 1.0 链接"
    assert [e.type for e in ok.entities] == ["bold", "text_link"]


async def test_caption_and_keyboard_validation(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    chat = (await started_user(server)).id
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    await expect_bad_request(
        server,
        bot.send_photo(chat, png.getvalue(), caption="c" * 1025),
        "message caption is too long",
    )
    too_long_data = InlineKeyboardButton("按钮", callback_data="数据" * 11)  # 66 bytes
    await expect_bad_request(
        server,
        bot.send_message(chat, "x", reply_markup=InlineKeyboardMarkup([[too_long_data]])),
        "BUTTON_DATA_INVALID",
    )
    fits = InlineKeyboardButton("按钮", callback_data="数" * 21)  # 63 bytes
    await bot.send_message(chat, "x", reply_markup=InlineKeyboardMarkup([[fits]]))

    async def raw_send(markup: Any) -> Any:
        return await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": chat, "text": "x", "reply_markup": markup}
        )

    await expect_bad_request(
        server,
        raw_send({"inline_keyboard": [[{"text": "A"}]]}),
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    await expect_bad_request(
        server,
        raw_send({"inline_keyboard": [[{"text": "A", "callback_data": ""}]]}),
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    await expect_bad_request(
        server,
        raw_send(
            {"inline_keyboard": [[{"text": "A", "url": "https://a.cn", "callback_data": "x"}]]}
        ),
        "can't parse inline keyboard button: exactly one of the optional fields must be used, "
        "got url, callback_data",
    )
    await expect_bad_request(
        server,
        raw_send({"inline_keyboard": [{"text": "A", "callback_data": "x"}]}),
        'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
    )
    await expect_bad_request(
        server,
        raw_send({"keyboard": "是"}),
        'field "keyboard" of the ReplyKeyboardMarkup must be an Array',
    )
    await expect_bad_request(
        server,
        raw_send({"keyboard": [["是", 5]]}),
        "can't parse keyboard button: KeyboardButton must be a String or an Object",
    )


async def test_edit_and_delete_errors(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    user = await started_user(server)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(user.id, "原文", reply_markup=keyboard)
    view = user.messages[-1]
    await expect_bad_request(
        server,
        bot.edit_message_text("原文", user.id, sent.message_id, reply_markup=keyboard),
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message",
    )
    await bot.edit_message_text("原文", user.id, sent.message_id)  # dropping markup is a change
    assert view.reply_markup is None and view.edit_count == 1
    await expect_bad_request(
        server, bot.edit_message_text("新", user.id, 9999), "message to edit not found"
    )
    await expect_bad_request(
        server,
        bot.edit_message_caption(user.id, sent.message_id, caption="c"),
        "there is no caption in the message to edit",
    )
    await bot.delete_message(user.id, sent.message_id)
    assert view.deleted
    await expect_bad_request(
        server, bot.delete_message(user.id, sent.message_id), "message to delete not found"
    )
    await expect_bad_request(
        server, bot.edit_message_text("新", user.id, sent.message_id), "message to edit not found"
    )


async def test_inline_query_answers(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    user = server.user()
    update_id = await user.inline_query("专利")
    answer = await user.expect_inline_answer()
    assert [r["title"] for r in answer["results"]] == ["专利 0", "专利 1", "专利 2"]
    assert answer["results"][0]["input_message_content"]["parse_mode"] == "HTML"
    query_id = server.update(update_id)["inline_query"]["id"]
    await expect_bad_request(
        server,
        bot.answer_inline_query(query_id, []),
        "query is too old and response timeout expired or query ID is invalid",
    )


async def test_answer_inline_query_validation(server: FakeBotAPI) -> None:
    user = server.user()

    def article(i: int, result_id: str | None = None) -> InlineQueryResultArticle:
        content = InputTextMessageContent(f"结果 {i}")
        return InlineQueryResultArticle(result_id or str(i), f"t{i}", content)

    async with Bot(server.token, base_url=server.base_url) as bot:  # nobody answers for us
        query_id = server.update(await user.inline_query("q"))["inline_query"]["id"]
        await expect_bad_request(
            server,
            bot.answer_inline_query(query_id, [article(i) for i in range(51)]),
            "RESULTS_TOO_MUCH",
        )
        await expect_bad_request(
            server,
            bot.answer_inline_query(query_id, [article(1, "same"), article(2, "same")]),
            "RESULT_ID_DUPLICATE",
        )
        bad_html = InlineQueryResultArticle(
            "x", "t", InputTextMessageContent("<b>未闭合", parse_mode="HTML")
        )
        await expect_bad_request(
            server,
            bot.answer_inline_query(query_id, [bad_html]),
            "can't parse entities: Can't find end tag corresponding to start tag b",
        )
        assert await bot.answer_inline_query(query_id, [article(i) for i in range(50)])
        assert len(user.inline_answers[-1]["results"]) == 50


# ============================================================================ groups


async def test_group_privacy_mode(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    alice = server.user(first_name="Alice")
    group = server.group("测试群", members=[alice])
    assert await group.send(alice, "大家好") is None  # privacy mode: the bot does not see it
    assert await group.send(alice, "/start@other_bot") is None
    update_id = await group.send(alice, "/start@ipfield_test_bot 群")
    assert server.update(update_id)["message"]["chat"]["type"] == "group"
    reply = await group.expect_message()
    assert reply.text == "欢迎 群" and reply.chat_id == group.id < 0
    assert await group.send(alice, "回复机器人", reply_to=reply) is not None
    assert (await group.expect_message()).text == "回复机器人"
    await alice.expect_no_message(within=0.05)  # nothing went to the private chat


# ============================================================================ parsers (no server)


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html('😀 <b>粗&amp;体</b> <a href="example.com">链接</a> <code>x</code>')
    assert text == "😀 粗&体 链接 x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 2, "url": "http://example.com/"},
        {"type": "code", "offset": 10, "length": 1},
    ]
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    assert parse_html("&nbsp;&#65;&#x42;")[0] == "&nbsp;AB"


def test_markdown_v2_nesting_and_escapes() -> None:
    text, entities = parse_markdown_v2("*bold _italic_* __under__ ||spoil|| `co\\`de` \\_")
    assert text == "bold italic under spoil co`de _"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 11),
        ("italic", 5, 6),
        ("underline", 12, 5),
        ("spoiler", 18, 5),
        ("code", 24, 5),
    ]


# ============================================================================ misc behaviour


async def test_kicked_bot_chat_info_and_members(server: FakeBotAPI, bot_app: AppAndSeen) -> None:
    bot = bot_app[0].bot
    owner, member = server.user(first_name="群主"), server.user(first_name="成员")
    group = server.group("项目群", admins=[owner], members=[member], supergroup=True)
    assert str(group.id).startswith("-100")
    await group.send(owner, "/start")
    await group.expect_message()
    chat = await bot.get_chat(group.id)
    assert chat.title == "项目群" and chat.type == "supergroup"
    assert (await bot.get_chat_member(group.id, owner.id)).status == "administrator"
    assert (await bot.get_chat_member(group.id, member.id)).status == "member"
    update_id = await group.kick_bot(by=owner)
    assert server.update(update_id)["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await bot.send_message(group.id, "还在吗")


async def test_slow_response_times_out_but_message_is_sent(
    server: FakeBotAPI, bot_app: AppAndSeen
) -> None:
    bot = bot_app[0].bot
    user = await started_user(server)
    server.inject_delay("sendMessage", 0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(user.id, "慢", read_timeout=0.05)
    msg = await user.expect_message()
    assert msg.text == "慢"  # Telegram delivered it even though the bot saw a timeout


async def test_one_time_keyboard_edits_and_chat_actions(server: FakeBotAPI) -> None:
    user = server.user(started=True)
    async with Bot(server.token, base_url=server.base_url) as bot:
        markup = ReplyKeyboardMarkup([["好的"]], one_time_keyboard=True)
        await bot.send_message(user.id, "确认?", reply_markup=markup)
        await user.tap_keyboard("好的")
        assert user.keyboard_collapsed and user.reply_keyboard == [["好的"]]
        await bot.send_chat_action(user.id, "typing")
        await user.expect_chat_action("typing")
        await expect_bad_request(
            server, bot.send_chat_action(user.id, "dancing"), "wrong parameter action in request"
        )
        message_id = user.last_message_id
        update_id = await user.edit(message_id, "改成这个")
        edited = server.update(update_id)["edited_message"]
        assert edited["text"] == "改成这个" and "edit_date" in edited
        sent = await bot.send_message(user.id, "临时")
        await bot.delete_message(user.id, sent.message_id)
        await user.expect_deleted(user.messages[-1])
        await bot.delete_message(user.id, message_id)  # bots may delete incoming private messages


async def test_fixed_clock_and_webhook_info() -> None:
    async with FakeBotAPI(clock=lambda: 1_700_000_000.5) as server:
        user = server.user(started=True)
        async with Bot(server.token, base_url=server.base_url) as bot:
            update_id = await user.send("hi")
            assert server.update(update_id)["message"]["date"] == 1_700_000_000
            info = await bot.get_webhook_info()
            assert info.url == "" and info.pending_update_count == 1
            sent = await bot.send_message(user.id, "时间")
            assert sent.date.timestamp() == 1_700_000_000
            await expect_bad_request(
                server,
                bot.set_webhook("http://example.com/hook"),
                "bad webhook: An HTTPS URL must be provided for webhook",
            )
