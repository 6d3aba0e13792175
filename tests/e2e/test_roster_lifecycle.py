"""The roster lifecycle end to end (调整, seed 004): an envoy replaced mid-quarter, a
commissioner leaving the pool, a transfer that moves an open consultation and follow-up items.
The office's changes go through the services the CLI calls; what they owe goes out through
the running bot's outbox."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services import lifecycle, rosters
from bot.store.models import Assignment, Consultation, FollowUp, Person, Visit
from bot.views import roster as views
from tests.e2e.conftest import World
from tests.e2e.test_consultations import QUESTION, hand_over
from tests.e2e.test_reminders import at, daily
from tests.e2e.test_visits import tap, walk_to_review

pytestmark = pytest.mark.e2e


async def office(world: World, done) -> None:  # type: ignore[no-untyped-def]
    """Hand what a change wrote to the outbox to the running bot and wait until it is sent."""
    world.runtime.deliver(done.sent)
    await world.settle()


def join_envoy(world: World, tmp_path: Path, start: str) -> None:
    people = tmp_path / "people.csv"
    people.write_text("姓名,角色,手机,派出单位,知识产权相关专业,知识产权工作年限,在职,报送途径,审核,培训\n"
                      "何平,特派员,13800000010,温州大学,是,6,是,逐级报送,已审核,已培训\n",
                      encoding="utf-8")
    assert rosters.import_file(world.services, "people", people, actor="test").ok
    assignments = tmp_path / "assignments.csv"
    assignments.write_text(f"人员,服务区域,开始日期\n何平,景宁畲族自治县,{start}\n",
                           encoding="utf-8")
    report = rosters.import_file(world.services, "assignments", assignments, actor="test")
    assert (report.created, report.errors) == (1, [])


async def test_an_envoy_replaced_mid_quarter(world: World, tmp_path: Path):
    zhao = await world.onboard("赵磊")
    zheng = await world.onboard("郑华")  # the county's supervisor (景宁)
    world.clock.set(at("2026-08-20"))
    done = lifecycle.end(world.services, "赵磊", region="景宁畲族自治县", day=date(2026, 9, 10),
                         actor="cli:office", reason="评价不良，及时调整", reply=views.ended)
    await office(world, done)
    told = await zheng.expect_message(contains="景宁畲族自治县")
    assert "自 2026-09-11 起" in told.text and "评价不良" in told.text
    # the replacement is imported from the day after, which the per-cycle rule refused
    join_envoy(world, tmp_path, "2026-09-11")
    he = await world.onboard("何平")

    # 赵磊's Q3 ends clipped on 09-10 and is still owed: reminded with that deadline
    await daily(world, "2026-09-03")
    reminder = await zhao.expect_message(contains="2026-09-10")
    assert "2026年第3季度" in reminder.text
    await he.expect_no_message()
    # 何平's Q3 starts 09-11: 20 days, shorter than the policy's 30, so it is waived
    world.clock.set(at("2026-09-12"))
    await he.send("/status")
    status = await he.expect_message()
    assert "2026年第3季度" in status.text and "免于走访要求" in status.text
    await zhao.send("/status")
    old = await zhao.expect_message()
    assert "截止 2026-09-10" in old.text and "第4季度" not in old.text
    await daily(world, "2026-09-28")  # 2 days before Q3's calendar end: nobody owes it
    await he.expect_no_message()
    await zhao.expect_no_message()
    # Q4 is 何平's, in full
    await daily(world, "2026-12-17")
    q4 = await he.expect_message(contains="2026年第4季度")
    assert "景宁畲族自治县" in q4.text
    await zhao.expect_no_message()
    with world.services.uow() as uow:
        actions = [e.action for e in uow.audit.entries("assignment")]
        assert "assignment.end" in actions
        assert any(e.note == "评价不良，及时调整" for e in uow.audit.entries("assignment"))


async def test_a_commissioner_leaving_the_pool(world: World):
    wang = await world.onboard("王敏")  # serves 之江实验室 and 浙江大学 (with 李强)
    zhou = await world.onboard("周洁")  # the province's supervisor
    card = await walk_to_review(wang, entity="之江实验室")
    await tap(wang, card, "✅ 提交")
    unused = world.invite("王敏")  # an invite issued before the departure
    done = lifecycle.leave(world.services, "王敏", day=date(2026, 3, 10),
                           reason="调离派出单位", actor="cli:office", reply=views.left)
    await office(world, done)
    told = await zhou.expect_message(contains="王敏")
    assert "已离库" in told.text and "之江实验室" in told.text and "调离派出单位" in told.text
    assert "浙江大学" not in told.text  # 李强 still serves it

    # until his last day he owes the clipped window and is reminded of it
    await daily(world, "2026-03-03")
    due = await wang.expect_message(contains="浙江大学")
    assert "2026-03-10" in due.text
    # the day after: no overdue notice, no staff commands, the invite is refused
    await daily(world, "2026-03-11")
    await wang.expect_no_message()
    await wang.send("/status")
    refused = await wang.expect_message()
    assert "需要先通过邀请链接登记" in refused.text
    stranger = world.server.user(first_name="陌生人")
    await stranger.send(f"/start {unused}")
    assert "已离库" in (await stranger.expect_message()).text
    # his history stays, and the digest names what nobody serves, not his overdue windows
    with world.services.uow() as uow:
        person = uow.people.by_name("王敏")[0]
        assert person.left_on == date(2026, 3, 10) and person.left_reason == "调离派出单位"
        assert uow.session.scalars(select(Visit).where(Visit.person_id == person.id)).one()
        ends = {a.target_name: a.end_date for a in uow.assignments.of_person(person.id)}
        assert ends == {"之江实验室": date(2026, 3, 10), "浙江大学": date(2026, 3, 10)}
    world.clock.set(at("2026-03-16"))
    await world.run_pass("digest")
    digest = await zhou.expect_message(contains="暂无人负责的服务对象与区域")
    assert "之江实验室" in digest.text and "文成县" in digest.text
    assert "王敏" not in digest.text


async def test_a_transfer_moves_an_open_consultation_and_follow_ups(world: World):
    wang, chen = await world.onboard("王敏"), await world.onboard("陈静")
    contact = await world.onboard("刘经理", entity="浙江大学")
    # 王敏 logs yesterday's phone call to 浙江大学 with a follow-up item …
    await wang.send("/visit")
    step = await tap(wang, await wang.expect_message(), "浙江大学")
    step = await tap(wang, step, "昨天")
    step = await tap(wang, step, "📞 电话")
    await tap(wang, step, "▫️ 了解情况")
    await tap(wang, step, "下一步 ▶️")
    await wang.send("电话了解企业专利申请进展。")
    await tap(wang, await wang.expect_message(contains="需求"), "⏭ 跳过")
    await wang.send("寄送政策汇编")
    step = await tap(wang, await wang.expect_message(contains="1. 寄送政策汇编"), "✅ 完成")
    step = await tap(wang, step, "⏭ 跳过")
    await tap(wang, await tap(wang, step, "✅ 我确认"), "✅ 提交")
    await contact.expect_message(contains="情况属实吗")  # the served side is asked, as always
    # … and claims the question 刘经理 hands over
    await hand_over(contact)
    claimed = await tap(wang, await wang.expect_message(contains="新咨询 #1"), "认领")
    assert "您已认领咨询 #1" in claimed.text

    done = lifecycle.transfer(world.services, entity="浙江大学", from_person="王敏",
                              to_person="陈静", day=date(2026, 3, 2), actor="cli:office",
                              reason="工作调整", reply=views.transferred)
    assert (done.value.followups, done.value.consultations) == (1, 1)
    await office(world, done)
    old = await wang.expect_message(contains="改由 陈静 负责")
    assert "1 项跟进事项和 1 条咨询" in old.text and "工作调整" in old.text
    new = await chen.expect_message(contains="由您负责")
    assert "浙江大学" in new.text and "王敏" in new.text
    served = await contact.expect_message(contains="陈静")
    assert "浙江大学" in served.text and "王敏" in served.text

    # 陈静 owns both now: her /status lists the item, her /inbox the thread, her answer arrives
    await chen.send("/status")
    assert "寄送政策汇编" in (await chen.expect_message()).text
    await wang.send("/status")
    mine = await wang.expect_message()
    # his item is gone; his 浙江大学 window ended clipped on 03-01, unmet on site (the
    # phone call does not count), so it stays on his record as overdue
    assert "寄送政策汇编" not in mine.text
    assert "浙江大学 · 2026年度 · 已逾期（截止 2026-03-01）" in mine.text
    await chen.send("/inbox")
    inbox = await chen.expect_message(contains="#1")
    await chen.press(inbox, "#1 回复")
    prompt = await chen.expect_message(contains="请发送对咨询 #1 的答复")
    assert QUESTION in prompt.text
    await chen.send("请先固定证据，再向市场监管部门投诉。")
    answer = await contact.expect_message(contains="陈静 答复了您的咨询 #1")
    assert "固定证据" in answer.text
    with world.services.uow() as uow:
        chen_id = uow.people.by_name("陈静")[0].id
        assert uow.session.scalars(select(Consultation)).one().owner_id == chen_id
        assert uow.session.scalars(select(FollowUp)).one().owner_id == chen_id
        wang_id = uow.people.by_name("王敏")[0].id
        ranges = {(a.person_id, a.start_date, a.end_date) for a in uow.session.scalars(
            select(Assignment).join(Assignment.entity).where(
                Assignment.entity.has(name="浙江大学")))}
        assert (wang_id, date(2026, 1, 1), date(2026, 3, 1)) in ranges
        assert (chen_id, date(2026, 3, 2), date(2027, 12, 31)) in ranges
        assert uow.session.scalars(select(Person).where(Person.id == wang_id)).one().left_on \
            is None
