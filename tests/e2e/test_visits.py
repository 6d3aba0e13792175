"""Logging visits end to end: the guided conversation, its refusals and its guarantees.

A button step edits the step's message in place; typed input gets a new message.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.fakeapi import FakeUser, SentMessage
from bot.store.models import AuditEntry, FollowUp, Visit, VisitConfirmation
from tests.e2e.conftest import World, buttons

pytestmark = pytest.mark.e2e


def visits(world: World) -> list[Visit]:
    with world.services.uow() as uow:
        return list(uow.session.scalars(select(Visit).order_by(Visit.id)))


def count(world: World, model) -> int:
    with world.services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


async def tap(user: FakeUser, msg: SentMessage, text: str) -> SentMessage:
    """Press a button whose answer replaces the message in place; return it, edited."""
    await user.press(msg, text)
    return await user.expect_edit(msg)


async def pressed(user: FakeUser, msg: SentMessage, text: str | None = None,
                  data: str | None = None) -> str | None:
    """Press a button (by text, or forged ``data``); return the callback answer's text."""
    before = len(user.callback_answers)
    if data is not None:
        await user.press_data(msg.message_id, data)
    else:
        await user.press(msg, text or "")
    await user._server.settle_hooks[0]()
    assert len(user.callback_answers) > before, "the bot did not answer the button press"
    return user.callback_answers[-1].get("text")


async def walk_to_review(user: FakeUser, *, entity: str | None = "浙江大学",
                         mode: str = "🏢 现场（计入走访要求）", task: str = "了解情况"
                         ) -> SentMessage:
    """Answer every step the plain way; return the review card."""
    await user.send("/visit")
    prompt = await user.expect_message()
    if entity:
        prompt = await tap(user, prompt, entity)
        assert "走访日期" in prompt.text
    prompt = await tap(user, prompt, "昨天")
    assert "服务方式" in prompt.text
    prompt = await tap(user, prompt, mode)
    assert "哪些任务" in prompt.text
    await tap(user, prompt, f"▫️ {task}")
    prompt = await tap(user, prompt, "下一步 ▶️")
    assert "简要说明本次服务情况" in prompt.text and not prompt.inline_buttons()
    await user.send("走访了解专利布局情况，宣讲了最新政策。")
    prompt = await user.expect_message(contains="需求")
    prompt = await tap(user, prompt, "⏭ 跳过")
    assert "跟进" in prompt.text
    await user.press(prompt, "⏭ 跳过")
    if mode.startswith("🏢"):
        await user.expect_edit(prompt)  # its buttons go: the location step needs a keyboard
        await user.expect_message(contains="发送当前位置")
        await user.tap_keyboard("⏭ 跳过")
        await user.expect_message(contains="已跳过位置")
        prompt = await user.expect_message(contains="照片")
    else:
        prompt = await user.expect_edit(prompt)
        assert "照片" in prompt.text
    prompt = await tap(user, prompt, "⏭ 跳过")
    assert "报酬" in prompt.text
    card = await tap(user, prompt, "✅ 我确认")
    assert "请核对" in card.text
    return card


async def test_commissioner_logs_a_complete_visit_with_every_refusal(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    user = await world.onboard("王敏")
    await user.tap_keyboard("📝 记录走访")
    step = await user.expect_message(contains="哪个服务对象")
    assert buttons(step) == ["之江实验室", "浙江大学"]
    await user.send_photo()  # wrong kind of input: the step stays
    await user.expect_message(contains="请点上方按钮")
    step = await tap(user, step, "浙江大学")
    assert "走访日期" in step.text
    for typed, reply in [("下周", "没看懂"), ("2026-03-05", "还没到"),
                         ("2025-12-30", "早于这段服务关系的开始日期 2026-01-01")]:
        await user.send(typed)
        await user.expect_message(contains=reply)
    await user.send("3天前")
    step = await user.expect_message(contains="只有现场服务计入")
    step = await tap(user, step, "🏢 现场（计入走访要求）")
    assert "哪些任务" in step.text and len(buttons(step)) == 7  # six tasks and "next"
    assert await pressed(user, step, "下一步 ▶️") == "请至少选择一项任务。"
    assert step.inline_buttons()  # still there to choose from
    await tap(user, step, "▫️ 宣讲政策")
    await tap(user, step, "▫️ 指导业务")
    assert "✅ 宣讲政策" in buttons(step) and "✅ 指导业务" in buttons(step)
    step = await tap(user, step, "下一步 ▶️")
    assert "10–2000 字" in step.text
    await user.send_sticker()
    await user.expect_message(contains="请用文字输入服务情况摘要")
    await user.send("太短了")
    await user.expect_message(contains="摘要太短了（3 字）")
    await user.send("长" * 2500)
    await user.expect_message(contains="摘要太长了（2500 字）")
    await user.send("/frobnicate")
    await user.expect_message(contains="您正在记录走访")
    await user.send("宣讲了知识产权强省政策，指导建立专利分级管理制度。")
    await user.expect_message(contains="需求")
    await user.send("希望提供高价值专利培育培训")
    await user.expect_message(contains="跟进")
    await user.send("联系省中心安排培训")
    await user.expect_message(contains="1. 联系省中心安排培训")
    await user.send("提交专利导航项目申报材料")
    followups = await user.expect_message(contains="2. 提交专利导航项目申报材料")
    await user.press(followups, "✅ 完成")
    await user.expect_edit(followups)
    await user.expect_message(contains="发送当前位置")
    assert user.reply_keyboard[0] == ["📍 发送当前位置"]
    await user.send("这不是位置")
    await user.expect_message(contains="请点下方“发送当前位置”按钮")
    await user.send_location(30.2636, 120.1211, live_period=900)
    await user.expect_message(contains="位置已记录")
    assert "📝 记录走访" in [b for row in user.reply_keyboard for b in row]
    photos = await user.expect_message(contains="最多 10 张")
    await user.send_photo()
    ack = await user.expect_message(contains="已收到第 1 张")
    assert buttons(ack) == ["✅ 完成（已收到 1 张）", "🗑 清空"]
    await user.send_photo()
    ack = await user.expect_message(contains="已收到第 2 张")
    await user.send("文字不是照片")
    await user.expect_message(contains="请发送照片")
    integrity = await tap(user, ack, "✅ 完成（已收到 2 张）")
    assert "未接受服务对象任何形式的报酬" in integrity.text
    card = await tap(user, integrity, "✅ 我确认")
    for part in ("浙江大学", "2026-02-27", "现场（计入走访要求）", "宣讲政策、指导业务",
                 "高价值专利培育培训", "联系省中心安排培训；提交专利导航项目申报材料",
                 "30.26360", "实时位置", "2 张", "已确认"):
        assert part in card.text, part
    done = await tap(user, card, "✅ 提交")
    assert "已提交，编号 V2026-000001" in done.text and "计入走访要求" in done.text
    assert buttons(done) == ["⭐ 标为典型案例"]  # the review's buttons are gone
    (visit,) = visits(world)
    assert (visit.visit_date, visit.mode, visit.tasks) == (
        date(2026, 2, 27), "on_site", ["publicize_policy", "guide_business"])
    assert (visit.latitude, visit.location_live, len(visit.photos)) == (30.2636, True, 2)
    assert [f.text for f in visit.follow_ups] == ["联系省中心安排培训", "提交专利导航项目申报材料"]
    assert visit.integrity_confirmed and visit.created_at.tzinfo is not None
    assert photos.inline_buttons()  # the first prompt is left as it was

    # the served side confirms, rates and comments: the request turns into each question
    ask = await contact.expect_message(contains="报告于 2026-02-27")
    assert "王敏" in ask.text and "V2026-000001" in ask.text
    rating = await tap(contact, ask, "✅ 确认")
    assert "打分" in rating.text
    comment = await tap(contact, rating, "4")
    assert "收到 4 分" in comment.text
    await contact.send("服务很专业，希望多来")
    await contact.expect_message(contains="感谢")
    with world.services.uow() as uow:
        row = uow.session.scalars(select(VisitConfirmation)).one()
        assert (row.status, row.rating, row.comment) == ("confirmed", 4, "服务很专业，希望多来")


async def test_a_button_step_is_one_edit_and_an_unwaited_answer(world: World):
    user = await world.onboard("赵磊")
    await user.send("/visit")
    step = await user.expect_message(contains="走访日期")
    await world.settle()
    before = len(world.server.calls())
    await tap(user, step, "昨天")
    await world.settle()
    methods = sorted(c.method for c in world.server.calls()[before:]
                     if c.method != "getUpdates")
    assert methods == ["answerCallbackQuery", "editMessageText"]


async def test_envoy_with_one_region_skips_whom_and_off_site_does_not_count(world: World):
    user = await world.onboard("赵磊")
    card = await walk_to_review(user, entity=None, mode="📞 电话", task="共商发展思路")
    assert "景宁畲族自治县" in card.text and "位置" not in card.text
    done = await tap(user, card, "✅ 提交")
    assert "不计入走访要求" in done.text
    (visit,) = visits(world)
    assert (visit.role, visit.mode, visit.tasks) == ("envoy", "phone", ["discuss_development"])


async def test_double_tap_and_redelivered_submit_make_one_visit(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    submit = card.inline_buttons()[0][0][1]
    await user.press_data(card.message_id, submit)  # two taps before the first reply
    update_id = await user.press_data(card.message_id, submit)
    await world.settle()
    assert "已经提交过了，编号 V2026-000001" in card.text  # the second tap's answer
    world.server.redeliver(update_id)  # Telegram delivers the second tap again
    await world.settle()
    assert len(visits(world)) == 1
    assert len(world.server.calls("answerCallbackQuery")) >= 2


async def test_forged_and_stale_buttons_change_nothing(world: World):
    other = await world.onboard("李强")
    user = await world.onboard("王敏")
    await user.send("/visit")
    whom = await user.expect_message(contains="哪个服务对象")
    draft_id = int(whom.inline_buttons()[0][0][1].split(":")[2])
    with world.services.uow() as uow:
        theirs = [a.id for a in uow.assignments.active_for_person(
            uow.people.by_name("李强")[0].id, date(2026, 3, 2))
            if a.entity.name == "浙江省人民医院"]
    stale = "这个按钮已失效，请使用最新的消息。"
    assert await pressed(user, whom, data=f"v:whom:{draft_id}:{theirs[0]}") == stale
    assert await pressed(user, whom, data=f"v:review:{draft_id}:submit") == stale
    assert await pressed(user, whom, data="v:whom:notanumber") == stale
    await other.send("/visit")
    own = await other.expect_message()
    assert await pressed(other, own, data=f"v:whom:{draft_id}:{theirs[0]}") == stale
    step = await tap(user, whom, "之江实验室")  # the real button still works
    assert "走访日期" in step.text
    with world.services.uow() as uow:
        draft = uow.visits.draft(draft_id)
        assert draft.data["assignment_id"] != theirs[0]
        assert draft.person_id == uow.people.by_name("王敏")[0].id


async def test_cancel_asks_first_and_visit_offers_to_continue(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "之江实验室")
    assert "走访日期" in step.text
    await user.send("/visit")
    offer = await user.expect_message(contains="未完成的走访记录（之江实验室")
    step = await tap(user, offer, "▶️ 继续填写")
    assert "走访日期" in step.text
    await user.send("/cancel")
    confirm = await user.expect_message(contains="确定放弃")
    step = await tap(user, confirm, "否，继续填写")
    assert "走访日期" in step.text
    await user.send("/cancel")
    confirm = await user.expect_message(contains="确定放弃")
    done = await tap(user, confirm, "是，放弃")
    assert "已放弃" in done.text
    await user.send("今天")  # no draft: ordinary text again (a policy question)
    reply = await user.expect_message()
    assert "走访" not in reply.text
    await user.send("/cancel")
    await user.expect_message(contains="当前没有进行中的操作")
    await user.send("/visit")
    await user.expect_message(contains="哪个服务对象")


async def test_change_a_field_from_the_review_card(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    pick = await tap(user, card, "✏️ 修改")
    assert "要修改哪一项" in pick.text
    step = await tap(user, pick, "情况摘要")
    assert "简要说明本次服务情况" in step.text
    await user.send("改过的摘要：协调专利转化事项。")
    card = await user.expect_message(contains="请核对")
    assert "改过的摘要" in card.text
    pick = await tap(user, card, "✏️ 修改")
    how = await tap(user, pick, "方式")
    assert "服务方式" in how.text
    card = await tap(user, how, "🎥 视频")
    assert "视频（不计入走访要求）" in card.text and "位置" not in card.text
    done = await tap(user, card, "✅ 提交")
    assert "已提交" in done.text
    assert visits(world)[0].mode == "video"


async def test_inputs_without_words_or_a_real_place_are_refused(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    step = await tap(user, step, "今天")
    step = await tap(user, step, "🏢 现场（计入走访要求）")
    await tap(user, step, "▫️ 了解情况")
    await tap(user, step, "下一步 ▶️")
    await user.send("👍👍👍👍👍👍👍👍👍👍👍👍")
    await user.expect_message(contains="用文字说明服务情况")
    await user.send("……！！！？？？。。。。")
    await user.expect_message(contains="用文字说明服务情况")
    await user.send("了解企业专利布局和需求。")
    await user.expect_message(contains="需求")
    await user.send("。。。。")
    await user.expect_message(contains="只有标点或表情是不够的")
    await user.send("希望开展培训")
    followups = await user.expect_message(contains="跟进")
    await user.send("🙏🙏")
    await user.expect_message(contains="只有标点或表情是不够的")
    await user.press(followups, "⏭ 跳过")
    await user.expect_edit(followups)
    await user.expect_message(contains="发送当前位置")
    await user.send_location(0.0, 0.0)
    await user.expect_message(contains="这个位置无效")
    await user.send_location(30.26, 120.12)
    await user.expect_message(contains="位置已记录")
    with world.services.uow() as uow:
        draft = uow.visits.open_draft(uow.people.by_name("王敏")[0].id)
        assert draft.data["summary"] == "了解企业专利布局和需求。"
        assert draft.data["needs"] == "希望开展培训" and draft.data["followups"] == []
        assert draft.data["location"]["lat"] == 30.26


async def test_english_and_slash_dates_are_understood(world: World):
    user = await world.onboard("赵磊", language_code="en-US")
    for typed, day in (("Feb 27", "2026-02-27"), ("28/2", "2026-02-28"),
                       ("1 March 2026", "2026-03-01")):
        await user.send("/visit")
        first = await user.expect_message()
        if "Continue" in " ".join(buttons(first)):
            await tap(user, first, "🆕 Start afresh")
        await user.send(typed)
        await user.expect_message(contains="How was it done")
        with world.services.uow() as uow:
            draft = uow.visits.open_draft(uow.people.by_name("赵磊")[0].id)
            assert draft.data["visit_date"] == day, typed


async def test_photos_an_album_is_acknowledged_once(world: World):
    user = await world.onboard("赵磊")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "今天")
    step = await tap(user, step, "📞 电话")
    await tap(user, step, "▫️ 共商发展思路")
    await tap(user, step, "下一步 ▶️")
    await user.send("共商发展思路，了解县里的专利工作。")
    step = await tap(user, await user.expect_message(contains="需求"), "⏭ 跳过")
    step = await tap(user, step, "⏭ 跳过")
    assert "照片" in step.text
    await user.send_album(4)
    ack = await user.expect_message(contains="已收到第")
    await world.settle()
    assert "已收到第 4 张" in ack.text and buttons(ack)[0] == "✅ 完成（已收到 4 张）"
    await user.expect_no_message()  # one acknowledgement for the album, edited as it grew
    await user.send_album(8)  # 4 + 8 > 10: two are refused, in one note
    await user.expect_message(contains="已收到第")
    await user.expect_message(contains="照片最多 10 张")
    await user.expect_no_message()
    with world.services.uow() as uow:
        draft = uow.visits.open_draft(uow.people.by_name("赵磊")[0].id)
        assert len(draft.data["photos"]) == 10


async def test_history_edit_with_reason_and_delete_are_audited(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    await tap(user, card, "✅ 提交")
    await user.tap_keyboard("🗂 我的走访")
    listing = await user.expect_message(contains="我的走访")
    detail = await tap(user, listing, buttons(listing)[0])
    assert "V2026-000001" in detail.text and "浙江大学" in detail.text
    assert "了解情况" in detail.text and "understand_situation" not in detail.text
    await user.press(detail, "✏️ 修改")
    card = await user.expect_message(contains="正在修改 V2026-000001")
    pick = await tap(user, card, "✏️ 修改")
    step = await tap(user, pick, "需求建议")
    assert "需求" in step.text
    await user.send("补充：希望开展商标品牌指导")
    card = await user.expect_message(contains="正在修改")
    step = await tap(user, card, "✅ 提交")
    assert "修改原因" in step.text
    await user.send("补")
    await user.expect_message(contains="2–500 字")
    await user.send("补录遗漏的需求")
    done = await user.expect_message(contains="已修改")
    assert "重新确认" not in done.text  # needs changed; date, mode and entity did not
    assert visits(world)[0].needs == "补充：希望开展商标品牌指导"
    world.clock.advance(hours=25)  # past the 24 h delete window: no delete button
    await user.send("/history")
    listing = await user.expect_message()
    detail = await tap(user, listing, buttons(listing)[0])
    assert "🗑 删除" not in buttons(detail) and "✏️ 修改" in buttons(detail)
    world.clock.advance(hours=-25)
    listing = await tap(user, detail, "↩️ 返回列表")
    detail = await tap(user, listing, buttons(listing)[0])
    confirm = await tap(user, detail, "🗑 删除")
    done = await tap(user, confirm, "是，删除")
    assert "已删除" in done.text
    assert visits(world)[0].deleted_at is not None
    with world.services.uow() as uow:
        actions = [e.action for e in uow.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "visit"))]
        edit = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "visit.edit")).one()
    assert actions == ["visit.submit", "visit.edit", "visit.delete"]
    assert edit.note == "补录遗漏的需求" and "needs" in edit.details


async def test_changing_a_confirmed_visit_asks_the_served_side_again(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    user = await world.onboard("王敏")
    card = await walk_to_review(user, mode="📞 电话")
    await tap(user, card, "✅ 提交")
    ask = await contact.expect_message(contains="V2026-000001")
    rating = await tap(contact, ask, "✅ 确认")
    await tap(contact, rating, "5")
    await user.send("/history")
    listing = await user.expect_message()
    detail = await tap(user, listing, buttons(listing)[0])
    assert "已确认 5★" in detail.text
    await user.press(detail, "✏️ 修改")
    card = await user.expect_message(contains="正在修改")
    pick = await tap(user, card, "✏️ 修改")
    how = await tap(user, pick, "方式")
    await tap(user, how, "🏢 现场（计入走访要求）")  # on site now: counts toward the year
    await user.expect_message(contains="发送当前位置")
    await user.tap_keyboard("⏭ 跳过")
    await user.expect_message(contains="已跳过位置")
    card = await user.expect_message(contains="正在修改")
    await tap(user, card, "✅ 提交")
    await user.send("实为现场走访，补正服务方式")
    done = await user.expect_message(contains="已修改")
    assert "重新确认" in done.text
    again = await contact.expect_message(contains="服务方式已修改，请重新确认")
    assert "现场" in again.text
    with world.services.uow() as uow:
        row = uow.session.scalars(select(VisitConfirmation)).one()
        assert (row.status, row.rating, row.round) == ("pending", None, 2)
        reset = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "visit.edit")).one()
        assert reset.details["confirmation_reset"] == ["mode"]
    await user.send("/history")
    listing = await user.expect_message()
    detail = await tap(user, listing, buttons(listing)[0])
    assert "待确认" in detail.text and "5★" not in detail.text
    rating = await tap(contact, again, "✅ 确认")
    assert "打分" in rating.text
    with world.services.uow() as uow:
        assert uow.session.scalars(select(VisitConfirmation)).one().status == "confirmed"


async def test_deleting_a_visit_drops_its_follow_ups(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    step = await tap(user, step, "今天")
    step = await tap(user, step, "📞 电话")
    await tap(user, step, "▫️ 了解情况")
    await tap(user, step, "下一步 ▶️")
    await user.send("电话了解企业专利申请进展。")
    await tap(user, await user.expect_message(contains="需求"), "⏭ 跳过")
    await user.send("寄送政策汇编")
    followups = await user.expect_message(contains="1. 寄送政策汇编")
    step = await tap(user, followups, "✅ 完成")
    step = await tap(user, step, "⏭ 跳过")
    card = await tap(user, step, "✅ 我确认")
    await tap(user, card, "✅ 提交")
    await user.send("/history")
    listing = await user.expect_message()
    detail = await tap(user, listing, buttons(listing)[0])
    confirm = await tap(user, detail, "🗑 删除")
    await tap(user, confirm, "是，删除")
    with world.services.uow() as uow:
        item = uow.session.scalars(select(FollowUp)).one()
        assert item.status == "dropped" and item.resolved_at is not None
    await user.send("/status")
    status = await user.expect_message()
    assert "寄送政策汇编" not in status.text


async def test_idle_draft_is_paused_kept_and_resumable(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    assert "走访日期" in step.text
    world.clock.advance(hours=3)
    await world.tick()
    await user.expect_message(contains="已暂停")
    await user.send("今天")  # a paused draft does not swallow text
    reply = await user.expect_message()
    assert "服务方式" not in reply.text
    await user.send("/visit")
    offer = await user.expect_message(contains="未完成的走访记录（浙江大学")
    step = await tap(user, offer, "▶️ 继续填写")
    assert "走访日期" in step.text
    await user.send("今天")
    await user.expect_message(contains="服务方式")


async def test_entity_contacts_and_supervisors_cannot_log_visits(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    await contact.send("/visit")
    await contact.expect_message(contains="仅供服务专员和特派员")
    assert "失效" in (await pressed(contact, contact.messages[-1],
                                    data="v:start:1:fresh") or "")
    assert count(world, Visit) == 0


async def test_a_follow_up_marked_done_is_told_to_the_entity_and_leaves_the_digest(
        world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    user = await world.onboard("王敏")
    province = await world.onboard("周洁")
    await user.send("/visit")
    step = await tap(user, await user.expect_message(), "浙江大学")
    step = await tap(user, step, "今天")
    step = await tap(user, step, "📞 电话")
    await tap(user, step, "▫️ 了解情况")
    await tap(user, step, "下一步 ▶️")
    await user.send("电话了解企业专利申请进展。")
    await tap(user, await user.expect_message(contains="需求"), "⏭ 跳过")
    await user.send("寄送政策汇编")
    step = await tap(user, await user.expect_message(contains="1. 寄送政策汇编"), "✅ 完成")
    step = await tap(user, step, "⏭ 跳过")
    card = await tap(user, step, "✅ 我确认")
    await tap(user, card, "✅ 提交")
    await contact.expect_message(contains="报告于")

    async def digest_text() -> str:
        """The summary (which counts open items) and the workbook's open items."""
        await province.send("/digest")
        await province.expect_message(contains="正在生成")
        parts = []
        while (msg := await province.expect_message()).kind == "text":
            parts.append(msg.text)
        if msg.kind == "photo":
            msg = await province.expect_message(kind="document")
        sheet = load_workbook(io.BytesIO(msg.file_bytes))["待跟进"]
        items = [str(row[6]) for row in sheet.iter_rows(min_row=2, values_only=True)]
        return "\n".join([*parts, *items])

    text = await digest_text()
    assert "寄送政策汇编" in text and "待跟进事项 1 条" in text  # open: listed for supervisors
    await user.send("/status")
    status = await user.expect_message(contains="待跟进事项")
    assert "寄送政策汇编" in status.text
    await user.press(status, "✅ 办结：寄送政策汇编")
    done = await user.expect_message(contains="跟进事项已办结")
    assert "寄送政策汇编" in done.text
    told = await contact.expect_message(contains="已办结贵单位（浙江大学）的跟进事项")
    assert "王敏" in told.text
    await user.press(status, "✅ 办结：寄送政策汇编")  # pressed again: told again, no more
    await user.expect_message(contains="跟进事项已办结")
    await user.expect_no_message()
    await contact.expect_no_message()
    text = await digest_text()
    assert "寄送政策汇编" not in text and "待跟进事项 0 条" in text  # done: gone from the digest
    with world.services.uow() as uow:
        item = uow.session.scalars(select(FollowUp)).one()
        assert item.status == "resolved" and item.resolved_at is not None


async def test_cancel_ends_a_rating_comment_and_the_next_text_is_a_question(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    user = await world.onboard("王敏")
    await tap(user, await walk_to_review(user, mode="📞 电话"), "✅ 提交")
    ask = await contact.expect_message(contains="报告于")
    rating = await tap(contact, ask, "✅ 确认")
    await tap(contact, rating, "3")
    await contact.send("/cancel")
    await contact.expect_message(contains="已退出填写评价意见")
    await contact.send("服务专员的工作职责有哪些")
    answer = await contact.expect_message()
    assert "感谢您的反馈" not in answer.text
    with world.services.uow() as uow:
        row = uow.session.scalars(select(VisitConfirmation)).one()
        assert (row.rating, row.comment) == (3, None)
