"""Onboarding through the real Application and the local Bot API server."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import World

pytestmark = pytest.mark.e2e


ENVOY_COMMANDS = ("visit", "status", "history", "ask", "help", "lang", "cancel")
COMMISSIONER_COMMANDS = ("visit", "status", "history", "inbox", "ask", "help", "lang", "cancel")


def command_names(user) -> list[str]:
    return [name for name, _ in user.commands]


async def test_each_role_is_recognised_with_its_commands_and_keyboard(world: World):
    cases = [
        ("王敏", "服务专员", [*COMMISSIONER_COMMANDS], "📥 待答咨询"),
        ("赵磊", "特派员", [*ENVOY_COMMANDS], "📝 记录走访"),
        ("周洁", "监管人员", ["digest", "archive", "evaluation", "inbox", "ask", "help", "lang",
                          "cancel"], "📊 监管周报"),
    ]
    for name, role, commands, button in cases:
        code = world.invite(person=name)
        user = world.server.user(first_name="Tg " + name, language_code="zh-hans")
        await user.send(f"/start {code}")
        welcome = await user.expect_message()
        assert name in welcome.text and role in welcome.text
        assert command_names(user) == commands
        assert button in [b for row in user.reply_keyboard for b in row]
    contact = world.server.user(first_name="刘经理", language_code="zh-hans")
    await contact.send(f"/start {world.invite(entity='浙江大学')}")
    welcome = await contact.expect_message()
    assert "浙江大学" in welcome.text and "刘经理" in welcome.text
    assert "visit" not in command_names(contact)
    assert "📝 记录走访" not in [b for row in contact.reply_keyboard for b in row]


async def test_supervisor_welcome_names_the_scope(world: World):
    county = await world.onboard("郑华")
    assert "景宁畲族自治县" in county.messages[-1].text
    province = await world.onboard("周洁")
    assert "全省" in province.messages[-1].text


async def test_reused_expired_and_unknown_codes_are_refused_and_bind_nothing(world: World):
    code = world.invite(person="李强")
    first = world.server.user(first_name="A")
    await first.send(f"/start {code}")
    await first.expect_message(contains="李强")
    second = world.server.user(first_name="B")
    await second.send(f"/start {code}")
    await second.expect_message(contains="已经被使用")
    await second.send("/start not-a-real-code")
    await second.expect_message(contains="无效")
    late = world.invite(person="陈静", days=1)
    world.clock.advance(days=1, minutes=1)
    await second.send(f"/start {late}")
    await second.expect_message(contains="已过期")
    await second.send("/start")
    await second.expect_message(contains="邀请链接")  # still a guest
    assert "visit" not in command_names(second)


async def test_an_account_bound_to_one_person_cannot_take_another_invite(world: World):
    user = await world.onboard("王敏")
    await user.send(f"/start {world.invite(person='李强')}")
    await user.expect_message(contains="已绑定为“王敏”")


async def test_a_redelivered_start_is_recorded_once_and_changes_nothing(world: World):
    code = world.invite(person="王敏")
    user = world.server.user(first_name="W")
    update_id = await user.send(f"/start {code}")
    await user.expect_message(contains="王敏")
    world.server.redeliver(update_id)  # Telegram did not get the confirmation: same update
    await user.expect_no_message()     # recorded already: not processed a second time
    await user.send("/start")
    await user.expect_message(contains="欢迎回来")


async def test_guest_gets_access_hint_and_staff_commands_are_refused(world: World):
    guest = world.server.user(first_name="路人", language_code="zh-hans")
    await guest.send("/start")
    await guest.expect_message(contains="邀请链接")
    await guest.send("/visit")
    await guest.expect_message(contains="邀请链接")
    supervisor = await world.onboard("周洁")
    await supervisor.send("/visit")
    await supervisor.expect_message(contains="仅供服务专员和特派员")


async def test_language_follows_the_client_and_lang_switches_it(world: World):
    english = world.server.user(first_name="Ann", language_code="en-US")
    await english.send("/start")
    await english.expect_message(contains="IP Field Assistant")
    user = await world.onboard("王敏")
    await user.send("/lang")
    prompt = await user.expect_message()
    await user.press(prompt, "English")
    await user.expect_edit(prompt)
    assert prompt.text == "Language set to English."
    await user.expect_message()
    assert ("visit", "Log a visit") in user.commands
    assert "📝 Log a visit" in [b for row in user.reply_keyboard for b in row]
    await user.send("/help")
    help_text = await user.expect_message()
    assert "service commissioner" in help_text.text


async def test_group_chats_get_a_private_chat_note(world: World):
    member = world.server.user(first_name="群友")
    group = world.server.group(title="知识产权工作群", members=[member])
    await group.send(member, "/help@ipfield_test_bot")
    note = await group.expect_message()
    assert "私聊" in note.text


async def test_unknown_commands_and_stickers_get_a_polite_reply(world: World):
    user = await world.onboard("王敏")
    await user.send("/frobnicate")
    await user.expect_message(contains="不认识这个命令")
    await user.send_sticker()
    await user.expect_message(contains="文字")


async def test_a_failing_update_gets_one_apology_and_one_report_a_minute(
        db_url, botapi, clock, monkeypatch):
    from bot import menus
    from tests.e2e.conftest import start_world

    admin = botapi.user(first_name="Admin")
    await admin.send("/start")  # a bot may only write to chats that wrote to it first
    async with start_world(db_url, botapi, clock, admin_chat_id=admin.id) as world:
        await admin.expect_message(contains="邀请链接")  # its own /start
        user = await world.onboard("王敏")

        def broken(*_args, **_kwargs):
            raise RuntimeError("menu table unreadable")

        monkeypatch.setattr(menus, "commands", broken)
        await user.send("/help")
        apology = await user.expect_message(contains="抱歉")
        assert "没有保存" in apology.text  # nothing of /help was stored: it says so
        report = await admin.expect_message(contains="机器人出错")
        assert "menu table unreadable" in report.text and "/help" in report.text
        assert "TEST-TOKEN" not in report.text and "\\u" not in report.text
        await user.expect_no_message()  # exactly one apology for the update
        await admin.expect_no_message()  # exactly one report
        await user.send("/help")  # the same error within the minute: apology, no new report
        await user.expect_message(contains="抱歉")
        await user.expect_no_message()
        await admin.expect_no_message()
        monkeypatch.undo()
        await user.send("/help")  # the bot kept running
        await user.expect_message(contains="可用命令")


async def test_updates_wait_while_the_database_is_down_and_none_is_lost(
        db_url, botapi, clock):
    from tests.e2e.conftest import start_world

    admin = botapi.user(first_name="Admin")
    await admin.send("/start")
    async with start_world(db_url, botapi, clock, admin_chat_id=admin.id) as world:
        await admin.expect_message(contains="邀请链接")
        user = await world.onboard("王敏")
        factory = world.services.session_factory
        bind = factory.kw["bind"]
        factory.kw["bind"] = None  # every database call now fails
        await user.send("/help")
        report = await admin.expect_message(contains="机器人出错")
        assert "could not record" in report.text
        assert world.server.pending_updates  # not confirmed to Telegram: it keeps it
        assert len(user.messages) == 1  # only the welcome: nothing answered without a record
        factory.kw["bind"] = bind  # the database is back
        await user.expect_message(contains="可用命令")
