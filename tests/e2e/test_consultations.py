"""Consultations end to end: hand-over, claim race, answer, follow-up, solved and rated;
timeliness over a weekend and a public holiday; escalation; forged buttons; daily limit;
the knowledge-base proposal exported and linted."""

from __future__ import annotations

import io
import shutil
from datetime import datetime

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.fakeapi import FakeUser
from bot.store.models import Consultation, Visit
from tests.conftest import ROOT, TZ
from tests.e2e.conftest import World, buttons
from tests.e2e.test_visits import pressed, tap

pytestmark = pytest.mark.e2e
QUESTION = "我们实验室的专利被仿冒了应该找谁"


async def hand_over(contact: FakeUser, question: str = QUESTION) -> str:
    await contact.send(question)
    await contact.expect_message(contains="暂时没有这个问题的答案")
    offer = await contact.expect_message(contains="转给贵单位的服务专员")
    await contact.press(offer, "🙋 转给我的服务专员")
    await contact._server.settle_hooks[0]()
    if offer.edit_count:  # handed over: the offer now says to whom
        return offer.text
    return (await contact.expect_message()).text  # refused: why, in a message


def consultation(world: World) -> Consultation:
    with world.services.uow() as uow:
        return uow.session.scalars(select(Consultation)).one()


async def test_full_thread_claimed_answered_followed_up_solved_rated(world: World, tmp_path):
    wang, li = await world.onboard("王敏"), await world.onboard("李强")  # both serve 浙江大学
    contact = await world.onboard("刘经理", entity="浙江大学")
    told = await hand_over(contact)
    assert "王敏、李强" in told and "#1" in told
    to_wang = await wang.expect_message(contains="新咨询 #1")
    to_li = await li.expect_message(contains=QUESTION)
    claimed = await tap(li, to_li, "认领")
    assert "您已认领咨询 #1" in claimed.text
    await wang.expect_message(contains="咨询 #1 已由 李强 认领")
    assert await pressed(wang, to_wang, "认领") == "已由 李强 认领"
    await li.send("请先固定证据，向当地市场监管部门投诉，并可申请专利侵权纠纷行政裁决。")
    relayed = await contact.expect_message(contains="李强 答复了您的咨询 #1")
    assert "行政裁决" in relayed.text
    sent = await li.expect_message(contains="计入您的服务记录")
    await contact.press(relayed, "💬 继续追问")
    await contact.expect_message(contains="请发送您的追问")
    await contact.send("行政裁决要多长时间？")
    await contact.expect_message(contains="已转给服务专员")
    follow = await li.expect_message(contains="行政裁决要多长时间")
    prompt = await tap(li, follow, "回复")
    assert "请发送对咨询 #1 的答复" in prompt.text
    await li.send("一般在立案后数月内作出，具体以受理部门告知为准。")
    second = await contact.expect_message(contains="数月内")
    await li.expect_message(contains="计入您的服务记录")
    await contact.press(second, "✅ 已解决")
    await contact.expect_edit(second)  # its buttons go
    rating = await contact.expect_message(contains="打分")
    thanks = await tap(contact, rating, "5")
    assert "感谢" in thanks.text
    row = consultation(world)
    assert (row.status, row.solved, row.rating, row.owner.name) == ("closed", True, 5, "李强")
    assert [m.sender for m in row.messages] == ["owner", "asker", "owner"]
    with world.services.uow() as uow:
        record = uow.session.scalars(select(Visit).where(Visit.consultation_id == row.id)).one()
        assert (record.person.name, record.mode, record.tasks) == (
            "李强", "online", ["answer_consultations"])

    # 加入知识库 → exported in the knowledge format → an editor completes it → lint is clean
    proposed = await tap(li, sent, "📚 加入知识库")
    assert "已提交知识库建议" in proposed.text
    from bot.cli.main import app

    export = tmp_path / "proposals.yaml"
    result = CliRunner().invoke(app, ["knowledge", "proposals", "--export", str(export)],
                                env={"IPBOT_DATABASE_URL": world.services.settings.database_url})
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(export.read_text(encoding="utf-8"))
    assert data["entries"][0]["question"] == QUESTION
    assert "行政裁决" in data["entries"][0]["answer"]
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    text = export.read_text(encoding="utf-8")
    assert "TODO" in text
    for old, new in [("TODO: 出处文件标题", "服务专员咨询答复汇编"),
                     ("TODO: 发文单位", "浙江省知识产权局"),
                     ("TODO: 同义问法一", "专利被别人仿冒了向哪里投诉"),
                     ("TODO: 同义问法二", "发现有人假冒我们的专利怎么办"),
                     ("TODO: 同义问法三", "专利侵权纠纷找哪个部门"), ("TODO: 章节", "咨询答复")]:
        text = text.replace(old, new)
    (folder / "proposals.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["knowledge", "lint", str(folder)])
    assert result.exit_code == 0, result.output


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


async def test_claim_and_answer_limits_count_working_days(world: World):
    """Asked Friday 3 April 2026; 4–6 April are the Qingming holiday (Sat–Mon)."""
    wang = await world.onboard("王敏")
    province = await world.onboard("周洁")
    contact = await world.onboard("刘经理", entity="浙江大学")
    world.clock.set(at("2026-04-03T10:00"))
    await hand_over(contact)
    await wang.expect_message(contains="新咨询 #1")
    world.clock.set(at("2026-04-06T12:00"))  # the holiday Monday: not yet one working day
    await world.run_pass("timeliness")
    await wang.expect_no_message()
    world.clock.set(at("2026-04-07T10:30"))  # Tuesday: one working day has passed
    await world.run_pass("timeliness")
    reminder = await wang.expect_message(contains="超过 1 个工作日无人认领")
    assert "认领" in buttons(reminder)
    world.clock.set(at("2026-04-07T10:45"))  # the next quarter hour's pass
    assert await world.run_pass("timeliness") == {"reminded": 0, "closed": 0}
    await wang.expect_no_message()  # once

    async def digest() -> tuple[str, list[str]]:
        """The summary's text, and the questions in the workbook's overdue sheet."""
        await province.send("/digest")
        await province.expect_message(contains="正在生成")
        parts = []
        while (msg := await province.expect_message()).kind == "text":
            parts.append(msg.text)
        if msg.kind == "photo":
            msg = await province.expect_message(kind="document")
        sheet = load_workbook(io.BytesIO(msg.file_bytes))["逾期咨询"]
        return "\n".join(parts), [row[5] for row in sheet.iter_rows(min_row=2,
                                                                     values_only=True)]

    world.clock.set(at("2026-04-07T11:00"))
    text, questions = await digest()
    assert "逾期未答咨询 0 条" in text and QUESTION not in questions  # within two working days
    world.clock.set(at("2026-04-08T11:00"))
    text, questions = await digest()
    assert "逾期未答咨询 1 条" in text and QUESTION in questions  # overdue: for supervisors


async def test_no_reachable_commissioner_goes_to_the_county_supervisors(world: World):
    county = await world.onboard("郑华")  # supervisor of 景宁畲族自治县
    contact = await world.onboard("茶企联系人", entity="景宁惠明茶科技有限公司")
    told = await hand_over(contact)  # its commissioner 陈静 is not on Telegram
    assert "服务专员尚未开通" in told and "郑华" in told
    incoming = await county.expect_message(contains="新咨询 #1")
    prompt = await tap(county, incoming, "回复")
    assert "请发送对咨询 #1 的答复" in prompt.text
    await county.send("已转县市场监管局知识产权科跟进，请留意电话。")
    await contact.expect_message(contains="郑华 答复了您的咨询 #1")


async def test_forged_claim_changes_nothing_and_unknown_users_get_no_hand_over(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    await hand_over(contact)
    outsider = await world.onboard("陈静")  # a commissioner of other entities
    own = await outsider.send("/inbox")
    assert own
    inbox = await outsider.expect_message(contains="没有待答咨询")
    answer = await pressed(outsider, inbox, data="cs:claim:1")
    assert "失效" in answer
    row = consultation(world)
    assert (row.status, row.owner_id) == ("open", None)
    guest = world.server.user(first_name="路人")
    await guest.send(QUESTION)
    await guest.expect_message(contains="暂时没有这个问题的答案")
    await guest.expect_message(contains="获取服务对象联系人邀请链接")


async def test_at_most_ten_new_consultations_a_day_and_no_offer_beyond(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    offers = []
    for i in range(11):
        await contact.send(f"{QUESTION}（第{i + 1}个）")
        await contact.expect_message(contains="暂时没有这个问题的答案")
        offers.append(await contact.expect_message())
    assert all("转给贵单位的服务专员" in o.text for o in offers)
    for offer in offers[:10]:
        assert "#" in (await tap(contact, offer, "🙋 转给我的服务专员")).text
    await contact.press(offers[10], "🙋 转给我的服务专员")  # offered before the limit was hit
    await contact.expect_message(contains="每日上限")
    await contact.send(f"{QUESTION}（第12个）")  # once the limit is reached: no offer at all
    await contact.expect_message(contains="暂时没有这个问题的答案")
    await contact.expect_message(contains="今天转交人工解答的次数已用完")
    await contact.expect_no_message()
    world.clock.advance(days=1)
    assert "#11" in await hand_over(contact, f"{QUESTION}（第二天）")


async def claim_one(world: World, commissioner: FakeUser, contact: FakeUser) -> None:
    await hand_over(contact)
    notice = await commissioner.expect_message(contains="新咨询 #1")
    await tap(commissioner, notice, "认领")


async def test_a_claim_then_a_visit_the_date_goes_to_the_visit_not_the_entity(world: World):
    wang = await world.onboard("王敏")
    contact = await world.onboard("刘经理", entity="浙江大学")
    await claim_one(world, wang, contact)
    await wang.send("/visit")  # the reply is pending: which first?
    choice = await wang.expect_message(contains="要先记录走访吗")
    step = await tap(wang, choice, "📝 先记录走访")
    step = await tap(wang, step, "浙江大学")
    assert "走访日期" in step.text
    await wang.send("2026-02-20")
    await wang.expect_message(contains="服务方式")
    await contact.expect_no_message()  # nothing went to the entity
    row = consultation(world)
    assert row.messages == [] and row.status == "claimed"
    with world.services.uow() as uow:
        assert uow.session.scalars(select(Visit)).all() == []  # no "online" record either


async def test_a_visit_then_a_reply_the_answer_goes_to_the_entity_and_the_visit_resumes(
        world: World):
    wang = await world.onboard("王敏")
    contact = await world.onboard("刘经理", entity="浙江大学")
    await wang.send("/visit")
    step = await tap(wang, await wang.expect_message(), "浙江大学")
    await hand_over(contact)
    notice = await wang.expect_message(contains="新咨询 #1")
    prompt = await tap(wang, notice, "回复")  # the person last asked to type: the reply
    assert "请发送对咨询 #1 的答复" in prompt.text
    await wang.send("请先固定证据，再向市场监管部门投诉。")
    await contact.expect_message(contains="固定证据")
    await wang.expect_message(contains="计入您的服务记录")
    await wang.expect_message(contains="继续记录走访")
    back = await wang.expect_message(contains="走访日期")  # the visit takes the text again
    assert buttons(back) == ["今天", "昨天"] and step.text
    await wang.send("昨天")
    await wang.expect_message(contains="服务方式")
    await contact.expect_no_message()


async def test_cancel_leaves_reply_mode_and_stray_text_stays_inside(world: World):
    wang = await world.onboard("王敏")
    contact = await world.onboard("刘经理", entity="浙江大学")
    await claim_one(world, wang, contact)
    await wang.send("/cancel")
    left = await wang.expect_message(contains="已退出回复咨询 #1")
    assert "/inbox" in left.text
    await wang.send("这句话不是答复")
    await wang.expect_message()  # answered as a policy question, to him only
    await contact.expect_no_message()
    assert consultation(world).messages == []
    await wang.send("/cancel")
    await wang.expect_message(contains="当前没有进行中的操作")




async def test_cancel_ends_the_askers_follow_up(world: World):
    wang = await world.onboard("王敏")
    contact = await world.onboard("刘经理", entity="浙江大学")
    await claim_one(world, wang, contact)
    await wang.send("请先固定证据。")
    relayed = await contact.expect_message(contains="答复了您的咨询 #1")
    await wang.expect_message(contains="计入您的服务记录")
    await contact.press(relayed, "💬 继续追问")
    await contact.expect_message(contains="请发送您的追问")
    await contact.send("/cancel")
    await contact.expect_message(contains="已退出追问咨询 #1")
    await contact.send("随便说一句")  # a policy question now, not a follow-up
    await contact.expect_message()
    await wang.expect_no_message()
    assert [m.sender for m in consultation(world).messages] == ["owner"]
