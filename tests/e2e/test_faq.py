"""Policy questions end to end: answer, suggest, none; feedback and gaps; audience;
inline mode; /reload with a broken folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.faq import load_folder
from bot.faq.statutes import load_statutes
from bot.services import faq
from bot.store.models import FaqQuestion
from tests.conftest import ROOT
from tests.e2e.conftest import World, buttons, start_world

pytestmark = pytest.mark.e2e


def questions(world: World) -> list[FaqQuestion]:
    with world.services.uow() as uow:
        return list(uow.session.scalars(select(FaqQuestion).order_by(FaqQuestion.id)))


async def test_answer_with_source_and_feedback(world: World):
    guest = world.server.user(first_name="企业访客")
    await guest.send("特派员 走访 频次")
    reply = await guest.expect_message()
    assert "每季度应至少走访服务区域一次" in reply.text
    assert "浙质标知办〔2025〕3号" in reply.text and "附件2" in reply.text
    assert buttons(reply) == ["👍 有帮助", "👎 没帮助"]
    await guest.press(reply, "👎 没帮助")
    await guest.expect_edit(reply)
    (row,) = questions(world)
    assert (row.status, row.entry_id, row.vote, row.gap) == (
        "answer", "zj-envoy-visit-frequency", "down", "down")


async def test_suggestions_and_neither_and_none_are_logged_as_gaps(world: World):
    user = await world.onboard("王敏")
    await user.send("/ask 人才")
    suggest = await user.expect_message(contains="您是不是想问")
    choices = buttons(suggest)
    assert 2 <= len(choices) <= 4 and choices[-1] == "都不是"
    await user.press(suggest, choices[0])
    chosen = await user.expect_message()
    assert "来源" in chosen.text
    await user.send("人才")
    suggest = await user.expect_message(contains="您是不是想问")
    await user.press(suggest, "都不是")
    await user.expect_message(contains="已记录")
    await user.send("明天杭州天气怎么样")
    await user.expect_message(contains="暂时没有这个问题的答案")
    rows = questions(world)
    assert [(r.status, r.gap) for r in rows] == [
        ("suggest", None), ("suggest", "neither"), ("none", "none")]
    gaps = faq.gaps(world.services)
    assert {g.question for g in gaps} == {"人才", "明天杭州天气怎么样"}


async def test_staff_only_entries_are_never_shown_to_enterprise_or_guests(world: World):
    question = "用 /visit 记录走访要填哪些内容？"
    staff = await world.onboard("王敏")
    await staff.send(f"/ask {question}")
    assert "摘要" in (await staff.expect_message()).text
    contact = await world.onboard("刘经理", entity="浙江大学")
    guest = world.server.user(first_name="访客")
    for user in (contact, guest):
        await user.send(question)
        reply = await user.expect_message()
        assert "bot-visit-steps" not in str(reply.reply_markup)
        assert "情况摘要" not in reply.text


async def test_keyboard_button_prompts_for_a_question(world: World):
    user = await world.onboard("王敏")
    await user.tap_keyboard("❓ 政策问答")
    await user.expect_message(contains="请直接发送您的问题")
    await user.send("/ask")
    await user.expect_message(contains="请直接发送您的问题")


async def test_inline_mode_lists_public_answers(world: World):
    user = world.server.user(first_name="群友")
    await user.inline_query("服务专员 条件")
    answer = await user.expect_inline_answer()
    results = answer["results"]
    assert 1 <= len(results) <= 3
    assert any("2年以上" in r["input_message_content"]["message_text"] for r in results)
    question = "用 /visit 记录走访要填哪些内容？"
    staff = world.services.knowledge.match(question, "staff")
    hidden = staff.matches[0].entry  # what staff get: an entry the public must not see
    assert staff.status == "answer" and hidden.audience == "staff"
    await user.inline_query(question)
    answer = await user.expect_inline_answer()
    assert hidden.question not in [r["title"] for r in answer["results"]]
    assert all(hidden.answer[:40] not in r["input_message_content"]["message_text"]
               for r in answer["results"])


async def test_reload_keeps_the_last_good_folder(db_url, botapi, clock, tmp_path: Path):
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    async with start_world(db_url, botapi, clock, knowledge_dir=folder) as world:
        admin = await world.onboard("钱峰")
        staff = await world.onboard("王敏")
        await staff.send("/reload")
        await staff.expect_message(contains="仅供管理员")
        broken = folder / "broken.yaml"
        broken.write_text("source: [unclosed\nentries: - x\n", encoding="utf-8")
        await admin.send("/reload")
        report = await admin.expect_message()
        assert "problem" in report.text and "broken.yaml:" in report.text
        serving = len(load_folder(ROOT / "knowledge"))
        assert f"{serving} entries" in report.text
        await staff.send("特派员 走访 频次")
        assert "每季度" in (await staff.expect_message()).text  # still serving
        broken.unlink()
        await admin.send("/reload")
        await admin.expect_message(contains=f"{serving} entries")


# ---------------------------------------------------------------- knowledge v2


async def test_statute_answer_quotes_the_article_and_cites_it(world: World):
    statutes, problems = load_statutes(ROOT / "knowledge")
    assert problems == []
    article = statutes.by_name("专利法").article(11)
    guest = world.server.user(first_name="企业访客")
    await guest.send("专利法第十一条")
    reply = await guest.expect_message(contains="《专利法》（2020年修正）第十一条")
    assert article.text in reply.text  # the exact article, every paragraph
    assert reply.text.count("《专利法》（2020年修正）第十一条") == 2  # heading and basis
    assert buttons(reply) == ["👍 有帮助", "👎 没帮助"]  # the same feedback as curated answers
    await guest.press(reply, "👎 没帮助")
    await guest.expect_edit(reply)
    (row,) = questions(world)
    assert (row.status, row.entry_id, row.vote) == ("answer", "cn-patent-law-2020-11", "down")


async def test_statute_answer_hands_over_to_the_commissioner_after_thumbs_down(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    await contact.send("专利法第十一条")
    reply = await contact.expect_message(contains="第十一条")
    await contact.press(reply, "👎 没帮助")
    offer = await contact.expect_message(contains="转给贵单位的服务专员")
    assert buttons(offer) == ["🙋 转给我的服务专员"]


async def test_near_domain_question_is_routed_honestly_with_the_hand_over(world: World):
    contact = await world.onboard("刘经理", entity="浙江大学")
    await contact.send("专利质押融资怎么办理")
    reply = await contact.expect_message(contains="知识库没有收录")
    assert "质押融资" in reply.text
    assert buttons(reply) == ["👍 有帮助", "👎 没帮助"]
    offer = await contact.expect_message(contains="转给贵单位的服务专员")
    assert buttons(offer) == ["🙋 转给我的服务专员"]
    (row,) = questions(world)
    assert (row.status, row.entry_id) == ("answer", "route-pledge-financing")
    guest = world.server.user(first_name="访客")  # no commissioner: told how to get one
    await guest.send("专利质押融资怎么办理")
    await guest.expect_message(contains="知识库没有收录")
    await guest.expect_message(contains="邀请链接")


async def test_an_article_gives_way_to_the_route_of_what_is_asked(world: World):
    # 专利代理条例 art. 20 (agencies' fees are agreed in their contracts) holds the words of
    # the question but not its answer; the fees route scores nearly as much: both are offered,
    # the route first, and choosing it routes the question with the hand-over
    kb = load_folder(ROOT / "knowledge")
    route = kb["route-fees"]
    contact = await world.onboard("刘经理", entity="浙江大学")
    await contact.send("找代理机构写一份发明专利，代理费行情一般多少？")
    suggest = await contact.expect_message(contains="您是不是想问")
    choices = buttons(suggest)
    assert len(choices) == 3 and choices[-1] == "都不是"
    assert choices[0].startswith(route.question[:10]) and "专利代理条例" in choices[1]
    await contact.press(suggest, choices[0])
    reply = await contact.expect_message(contains="知识库没有收录")
    assert route.answer.splitlines()[0] in reply.text
    offer = await contact.expect_message(contains="转给贵单位的服务专员")
    assert buttons(offer) == ["🙋 转给我的服务专员"]
    (row,) = questions(world)
    assert row.status == "suggest"


async def test_public_gets_policy_answers_that_were_staff_only(world: World):
    kb = load_folder(ROOT / "knowledge")
    entry = kb["zj-commissioner-incentive"]  # was staff-only before knowledge v2
    assert entry.audience == "everyone"
    guest = world.server.user(first_name="访客")
    await guest.send(entry.question)
    reply = await guest.expect_message()
    assert entry.answer in reply.text
    assert "浙质标知办〔2025〕3号" in reply.text


async def test_a_long_question_that_says_who_asks_first_is_answered(world: World):
    # who is asking and what happened first, the question last: the whole is asked again by
    # its last clauses (bot.faq.tiers.asked_part)
    guest = world.server.user(first_name="实验室")
    await guest.send("今年春天我们实验室刚和一位服务专员对接上，"
                     "实验室主任问这位专员能服务我们多久，想问一下服务专员的服务周期是多长？")
    reply = await guest.expect_message()
    assert "每2年为1个服务周期" in reply.text
    assert buttons(reply) == ["👍 有帮助", "👎 没帮助"]
    (row,) = questions(world)
    assert (row.status, row.entry_id) == ("answer", "zj-commissioner-cycle")
