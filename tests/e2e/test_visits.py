"""Logging visits end to end: the guided conversation, its refusals and its guarantees."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.fakeapi import FakeUser, SentMessage
from bot.store.models import AuditEntry, Visit, VisitConfirmation
from tests.e2e.conftest import World, buttons

pytestmark = pytest.mark.e2e


def visits(world: World) -> list[Visit]:
    with world.services.uow() as uow:
        return list(uow.session.scalars(select(Visit).order_by(Visit.id)))


def count(world: World, model) -> int:
    with world.services.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


async def pressed(user: FakeUser, msg: SentMessage, text: str | None = None,
                  data: str | None = None) -> str | None:
    """Press a button (by text, or forged ``data``); return the callback answer's text."""
    before = len(user.callback_answers)
    if data is not None:
        await user.press_data(msg.message_id, data)
    else:
        await user.press(msg, text or "")
    for _ in range(500):
        if len(user.callback_answers) > before:
            return user.callback_answers[-1].get("text")
        await asyncio.sleep(0.01)
    raise AssertionError("the bot did not answer the button press")


async def walk_to_review(user: FakeUser, *, entity: str | None = "浙江大学",
                         mode: str = "🏢 现场（计入走访要求）", task: str = "了解情况"
                         ) -> SentMessage:
    """Answer every step the plain way; return the review card."""
    await user.send("/visit")
    prompt = await user.expect_message()
    if entity:
        await user.press(prompt, entity)
        prompt = await user.expect_message(contains="走访日期")
    await user.press(prompt, "昨天")
    prompt = await user.expect_message(contains="服务方式")
    await user.press(prompt, mode)
    prompt = await user.expect_message(contains="哪些任务")
    await user.press(prompt, f"▫️ {task}")
    await user.expect_edit(prompt)
    await user.press(prompt, "下一步 ▶️")
    await user.expect_message(contains="简要说明本次服务情况")
    await user.send("走访了解专利布局情况，宣讲了最新政策。")
    prompt = await user.expect_message(contains="需求")
    await user.press(prompt, "⏭ 跳过")
    prompt = await user.expect_message(contains="跟进")
    await user.press(prompt, "⏭ 跳过")
    if mode.startswith("🏢"):
        await user.expect_message(contains="发送当前位置")
        await user.tap_keyboard("⏭ 跳过")
        await user.expect_message(contains="已跳过位置")
    prompt = await user.expect_message(contains="照片")
    await user.press(prompt, "⏭ 跳过")
    prompt = await user.expect_message(contains="报酬")
    await user.press(prompt, "✅ 我确认")
    return await user.expect_message(contains="请核对")


async def test_commissioner_logs_a_complete_visit_with_every_refusal(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    user = await world.onboard("王敏")
    await user.tap_keyboard("📝 记录走访")
    whom = await user.expect_message(contains="哪个服务对象")
    assert buttons(whom) == ["之江实验室", "浙江大学"]
    await user.send_photo()  # wrong kind of input: the step stays
    await user.expect_message(contains="请点上方按钮")
    await user.press(whom, "浙江大学")
    await user.expect_message(contains="走访日期")
    for typed, reply in [("下周", "没看懂"), ("2026-03-05", "还没到"),
                         ("2025-12-30", "早于这段服务关系的开始日期 2026-01-01")]:
        await user.send(typed)
        await user.expect_message(contains=reply)
    await user.send("3天前")
    how = await user.expect_message(contains="只有现场服务计入")
    await user.press(how, "🏢 现场（计入走访要求）")
    what = await user.expect_message(contains="哪些任务")
    assert len(buttons(what)) == 7  # six commissioner tasks and "next"
    assert await pressed(user, what, "下一步 ▶️") == "请至少选择一项任务。"
    assert what.inline_buttons()  # still there to choose from
    await user.press(what, "▫️ 宣讲政策")
    await user.expect_edit(what)
    await user.press(what, "▫️ 指导业务")
    await user.expect_edit(what)
    assert "✅ 宣讲政策" in buttons(what) and "✅ 指导业务" in buttons(what)
    await user.press(what, "下一步 ▶️")
    await user.expect_message(contains="10–2000 字")
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
    followups = await user.expect_message(contains="跟进")
    await user.send("联系省中心安排培训")
    followups = await user.expect_message(contains="1. 联系省中心安排培训")
    await user.send("提交专利导航项目申报材料")
    followups = await user.expect_message(contains="2. 提交专利导航项目申报材料")
    await user.press(followups, "✅ 完成")
    await user.expect_message(contains="发送当前位置")
    assert user.reply_keyboard[0] == ["📍 发送当前位置"]
    await user.send("这不是位置")
    await user.expect_message(contains="请点下方“发送当前位置”按钮")
    await user.send_location(30.2636, 120.1211, live_period=900)
    await user.expect_message(contains="位置已记录")
    assert "📝 记录走访" in [b for row in user.reply_keyboard for b in row]
    photos = await user.expect_message(contains="最多 10 张")
    await user.send_photo()
    await user.expect_message(contains="已收到第 1 张")
    await user.send_photo()
    await user.expect_message(contains="已收到第 2 张")
    await user.send("文字不是照片")
    await user.expect_message(contains="请发送照片")
    await user.press(photos, "⏭ 跳过")  # the prompt's buttons stay valid
    integrity = await user.expect_message(contains="未接受服务对象任何形式的报酬")
    await user.press(integrity, "✅ 我确认")
    card = await user.expect_message(contains="请核对")
    for part in ("浙江大学", "2026-02-27", "现场（计入走访要求）", "宣讲政策、指导业务",
                 "高价值专利培育培训", "联系省中心安排培训；提交专利导航项目申报材料",
                 "30.26360", "实时位置", "2 张", "已确认"):
        assert part in card.text, part
    await user.press(card, "✅ 提交")
    done = await user.expect_message(contains="已提交，编号 V2026-000001")
    assert "计入走访要求" in done.text
    (visit,) = visits(world)
    assert (visit.visit_date, visit.mode, visit.tasks) == (
        date(2026, 2, 27), "on_site", ["publicize_policy", "guide_business"])
    assert (visit.latitude, visit.location_live, len(visit.photos)) == (30.2636, True, 2)
    assert [f.text for f in visit.follow_ups] == ["联系省中心安排培训", "提交专利导航项目申报材料"]
    assert visit.integrity_confirmed and visit.created_at.tzinfo is not None

    # the served side confirms, rates and comments
    ask = await contact.expect_message(contains="报告于 2026-02-27")
    assert "王敏" in ask.text and "V2026-000001" in ask.text
    await contact.press(ask, "✅ 确认")
    rating = await contact.expect_message(contains="打分")
    await contact.press(rating, "4")
    await contact.expect_message(contains="收到 4 分")
    await contact.send("服务很专业，希望多来")
    await contact.expect_message(contains="感谢")
    with world.services.uow() as uow:
        row = uow.session.scalars(select(VisitConfirmation)).one()
        assert (row.status, row.rating, row.comment) == ("confirmed", 4, "服务很专业，希望多来")


async def test_envoy_with_one_region_skips_whom_and_off_site_does_not_count(world: World):
    user = await world.onboard("赵磊")
    card = await walk_to_review(user, entity=None, mode="📞 电话", task="共商发展思路")
    assert "景宁畲族自治县" in card.text and "位置" not in card.text
    await user.press(card, "✅ 提交")
    done = await user.expect_message(contains="已提交")
    assert "不计入走访要求" in done.text
    (visit,) = visits(world)
    assert (visit.role, visit.mode, visit.tasks) == ("envoy", "phone", ["discuss_development"])


async def test_double_tap_and_redelivered_submit_make_one_visit(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    submit = card.inline_buttons()[0][0][1]
    await user.press_data(card.message_id, submit)  # two taps before the first reply
    update_id = await user.press_data(card.message_id, submit)
    await user.expect_message(contains="已提交，编号 V2026-000001")
    await user.expect_message(contains="已经提交过了，编号 V2026-000001")
    world.server.redeliver(update_id)  # Telegram delivers the second tap again
    await user.expect_message(contains="已经提交过了，编号 V2026-000001")
    assert len(visits(world)) == 1


async def test_forged_and_stale_buttons_change_nothing(world: World):
    other = await world.onboard("李强")
    user = await world.onboard("王敏")
    await user.send("/visit")
    whom = await user.expect_message(contains="哪个服务对象")
    draft_id = int(whom.inline_buttons()[0][0][1].split(":")[1])
    with world.services.uow() as uow:
        theirs = [a.id for a in uow.assignments.active_for_person(
            uow.people.by_name("李强")[0].id, date(2026, 3, 2))
            if a.entity.name == "浙江省人民医院"]
    stale = "这个按钮已失效，请使用最新的消息。"
    assert await pressed(user, whom, data=f"v:{draft_id}:whom:{theirs[0]}") == stale
    assert await pressed(user, whom, data=f"v:{draft_id}:review:submit") == stale
    await other.send("/visit")
    own = await other.expect_message()
    assert await pressed(other, own, data=f"v:{draft_id}:whom:{theirs[0]}") == stale
    await user.press(whom, "之江实验室")  # the real button still works
    await user.expect_message(contains="走访日期")
    with world.services.uow() as uow:
        draft = uow.visits.draft(draft_id)
        assert draft.data["assignment_id"] != theirs[0]
        assert draft.person_id == uow.people.by_name("王敏")[0].id


async def test_cancel_asks_first_and_visit_offers_to_continue(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    whom = await user.expect_message()
    await user.press(whom, "之江实验室")
    await user.expect_message(contains="走访日期")
    await user.send("/visit")
    offer = await user.expect_message(contains="未完成的走访记录（之江实验室")
    await user.press(offer, "▶️ 继续填写")
    await user.expect_message(contains="走访日期")
    await user.send("/cancel")
    confirm = await user.expect_message(contains="确定放弃")
    await user.press(confirm, "否，继续填写")
    await user.expect_message(contains="走访日期")
    await user.send("/cancel")
    confirm = await user.expect_message(contains="确定放弃")
    await user.press(confirm, "是，放弃")
    await user.expect_message(contains="已放弃")
    await user.send("今天")  # no draft: ordinary text again
    reply = await user.expect_message()
    assert "走访" not in reply.text
    await user.send("/visit")
    await user.expect_message(contains="哪个服务对象")


async def test_change_a_field_from_the_review_card(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    await user.press(card, "✏️ 修改")
    pick = await user.expect_message(contains="要修改哪一项")
    await user.press(pick, "情况摘要")
    await user.expect_message(contains="简要说明本次服务情况")
    await user.send("改过的摘要：协调专利转化事项。")
    card = await user.expect_message(contains="请核对")
    assert "改过的摘要" in card.text
    await user.press(card, "✏️ 修改")
    pick = await user.expect_message()
    await user.press(pick, "方式")
    how = await user.expect_message(contains="服务方式")
    await user.press(how, "🎥 视频")
    card = await user.expect_message(contains="请核对")
    assert "视频（不计入走访要求）" in card.text and "位置" not in card.text
    await user.press(card, "✅ 提交")
    await user.expect_message(contains="已提交")
    assert visits(world)[0].mode == "video"


async def test_history_edit_with_reason_and_delete_are_audited(world: World):
    user = await world.onboard("王敏")
    card = await walk_to_review(user)
    await user.press(card, "✅ 提交")
    await user.expect_message(contains="已提交")
    await user.tap_keyboard("🗂 我的走访")
    listing = await user.expect_message(contains="我的走访")
    await user.press(listing, buttons(listing)[0])
    detail = await user.expect_edit(listing)
    assert "V2026-000001" in detail.text and "浙江大学" in detail.text
    assert "了解情况" in detail.text and "understand_situation" not in detail.text
    await user.press(detail, "✏️ 修改")
    card = await user.expect_message(contains="正在修改 V2026-000001")
    await user.press(card, "✏️ 修改")
    pick = await user.expect_message()
    await user.press(pick, "需求建议")
    await user.expect_message(contains="需求")
    await user.send("补充：希望开展商标品牌指导")
    card = await user.expect_message(contains="正在修改")
    await user.press(card, "✅ 提交")
    await user.expect_message(contains="修改原因")
    await user.send("补")
    await user.expect_message(contains="2–500 字")
    await user.send("补录遗漏的需求")
    await user.expect_message(contains="已修改")
    assert visits(world)[0].needs == "补充：希望开展商标品牌指导"
    world.clock.advance(hours=25)  # past the 24 h delete window: no delete button
    await user.send("/history")
    listing = await user.expect_message()
    await user.press(listing, buttons(listing)[0])
    detail = await user.expect_edit(listing)
    assert "🗑 删除" not in buttons(detail) and "✏️ 修改" in buttons(detail)
    world.clock.advance(hours=-25)
    await user.press(detail, "↩️ 返回列表")
    listing = await user.expect_edit(detail)
    await user.press(listing, buttons(listing)[0])
    detail = await user.expect_edit(listing)
    await user.press(detail, "🗑 删除")
    confirm = await user.expect_edit(detail)
    await user.press(confirm, "是，删除")
    await user.expect_edit(confirm)
    assert "已删除" in confirm.text
    assert visits(world)[0].deleted_at is not None
    with world.services.uow() as uow:
        actions = [e.action for e in uow.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "visit"))]
        edit = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "visit.edit")).one()
    assert actions == ["visit.submit", "visit.edit", "visit.delete"]
    assert edit.note == "补录遗漏的需求" and "needs" in edit.details


async def test_idle_draft_is_paused_kept_and_resumable(world: World):
    user = await world.onboard("王敏")
    await user.send("/visit")
    whom = await user.expect_message()
    await user.press(whom, "浙江大学")
    await user.expect_message(contains="走访日期")
    world.clock.advance(hours=3)
    await world.run_job("pause-idle-drafts")
    await user.expect_message(contains="已暂停")
    await user.send("今天")  # a paused draft does not swallow text
    reply = await user.expect_message()
    assert "服务方式" not in reply.text
    await user.send("/visit")
    offer = await user.expect_message(contains="未完成的走访记录（浙江大学")
    await user.press(offer, "▶️ 继续填写")
    await user.expect_message(contains="走访日期")
    await user.send("今天")
    await user.expect_message(contains="服务方式")


async def test_entity_contacts_and_supervisors_cannot_log_visits(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    await contact.send("/visit")
    await contact.expect_message(contains="仅供服务专员和特派员")
    assert "失效" in (await pressed(contact, contact.messages[-1], data="v:1:start:fresh") or "")
    assert count(world, Visit) == 0
