"""Updates handed on before they are stored (``Runtime._take_in``): when the bot knows who
sent every update of a batch, each update is stored by the transaction of its own effects,
and the actor it was handled as is confirmed in that transaction. A change made outside the
bot (the admin CLI, the demo page) is seen at the very next update, whether its handler
opens a unit of work or not.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from bot.passes import digest as digest_pass
from bot.services import identity, lifecycle
from bot.services.identity import TelegramUser
from bot.views import roster as views
from tests.e2e.conftest import WAIT, World
from tests.e2e.test_digest import receive_digest
from tests.e2e.test_visits import pressed

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def patient(world: World) -> None:
    """The poll loop waits for the handed-on updates' own commits however busy the machine
    (after half a second it would store them on its own: right, but not what is tested)."""
    world.runtime.record_wait = WAIT


def taken_in(world: World, since: Counter[str]) -> dict[str, int]:
    now = world.runtime.taken_in
    return {k: now[k] - since[k] for k in ("stored first", "handed on", "stored late", "stale")}


async def test_a_language_changed_elsewhere_is_seen_at_the_next_update(world: World):
    user = await world.onboard("王敏")
    await user.send("/status")
    await user.expect_message()
    before = Counter(world.runtime.taken_in)
    # as the demo page's language switch or an administrator would: not through the bot
    identity.set_language(world.services, TelegramUser(user.id, "王敏", "zh-hans"), "en")
    await user.send("/status")  # its first unit of work finds the remembered actor stale
    status = await user.expect_message()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in status.text.split("\n")[0])
    identity.set_language(world.services, TelegramUser(user.id, "王敏", "zh-hans"), "zh")
    await user.send("/start")  # its handler opens no unit of work: confirmed at its end
    welcome = await user.expect_message()
    assert welcome.text.startswith("王敏，欢迎回来"), welcome.text
    assert taken_in(world, before) == {"stored first": 0, "handed on": 2, "stored late": 0,
                                       "stale": 2}
    await world.settle()
    with world.services.uow() as uow:  # both stored, done, once
        assert not uow.inbound.pending()


async def test_a_person_who_left_is_a_guest_at_the_next_update(world: World):
    wang = await world.onboard("王敏")
    await wang.send("/visit")
    card = await wang.expect_message()
    assert "浙江大学" in str(card.reply_markup)
    before = Counter(world.runtime.taken_in)
    lifecycle.leave(world.services, "王敏", day=date(2026, 3, 1), reason="调离派出单位",
                    actor="cli:office", reply=views.left)  # yesterday, by the CLI
    # handled again as the guest he now is: his old visit's buttons are stale
    assert await pressed(wang, card, "浙江大学") == "这个按钮已失效，请使用最新的消息。"
    await wang.send("/status")
    assert "需要先通过邀请链接登记" in (await wang.expect_message()).text
    assert taken_in(world, before) == {"stored first": 0, "handed on": 2, "stored late": 0,
                                       "stale": 1}
    with world.services.uow() as uow:
        person = uow.people.by_name("王敏")[0]
        assert uow.visits.open_draft(person.id).step == "whom"  # the press changed nothing


async def test_a_handed_on_press_is_stored_in_the_transaction_of_its_effects(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    prompt = await user.expect_message()
    await world.settle()
    log: list[tuple[int, str, Any]] = []
    serial = itertools.count()

    def begin(conn: Any) -> None:
        conn.info["tx"] = next(serial)

    def statement(conn: Any, _cursor: Any, text: str, params: Any, *_a: Any) -> None:
        log.append((conn.info.get("tx", -1), text, params))

    engine = world.services.engine
    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", statement)
    try:
        before = Counter(world.runtime.taken_in)
        update_id = await user.press(prompt, "浙江大学")
        await user.expect_edit(prompt)
        await world.settle()
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)
    assert taken_in(world, before) == {"stored first": 0, "handed on": 1, "stored late": 0,
                                       "stale": 0}
    stored = {tx for tx, text, params in log
              if text.startswith("INSERT INTO inbound_updates") and str(update_id) in str(params)}
    drafted = {tx for tx, text, _ in log if text.startswith("UPDATE visit_drafts")}
    assert len(stored) == 1 and stored == drafted, (stored, drafted)
    with world.services.uow() as uow:
        assert not uow.inbound.pending()


async def test_a_buttons_answer_goes_out_once_the_actor_is_confirmed(world: World,
                                                                     monkeypatch):
    """Replies held while the actor awaits confirmation go out as soon as the handler's first
    unit of work confirms it, not when the handler ends: here the workbook is built only
    after the press was answered (it would wait in vain if the answer were held to the end)."""
    province = await world.onboard("周洁")
    await province.send("/digest")
    await receive_digest(province)
    summary = next(m for m in province.messages if "📎 更多" in m.text)
    answered = threading.Event()
    build = digest_pass.detail

    def after_the_answer(*args: Any, **kwargs: Any) -> Any:
        assert answered.wait(WAIT), "the press was not answered before the workbook"
        return build(*args, **kwargs)

    monkeypatch.setattr(digest_pass, "detail", after_the_answer)
    before = Counter(world.runtime.taken_in)
    await province.press(summary, "📄 完整明细")
    answer = await province.expect_callback_answer()
    answered.set()
    assert answer.get("text") == "正在生成完整明细…"
    detail = await province.expect_message(kind="document")
    assert detail.file_name.startswith("digest-detail-")
    assert taken_in(world, before)["handed on"] == 1

    # What a stale turn held is dropped: the press is answered once, in the new language.
    identity.set_language(world.services, TelegramUser(province.id, "周洁", "zh-hans"), "en")
    await province.press(summary, "📄 完整明细")
    answer = await province.expect_callback_answer()
    assert answer.get("text") == "Preparing the full detail…"
    await province.expect_message(kind="document")
    await world.settle()
    assert len(province.callback_answers) == 2
    assert taken_in(world, before) == {"stored first": 0, "handed on": 2, "stored late": 0,
                                       "stale": 1}
