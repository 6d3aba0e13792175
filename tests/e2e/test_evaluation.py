"""Evaluation end to end (seed 004): a county contact confirms the envoy's visits; the pack's
figures are those of the visits, confirmations and consultations made here; a result is
recorded (and changed with a reason), shows in the pack and the feedback letter, and a lowest
grade lists the person under 需调整 in the next digest; /evaluation in the bot."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app
from bot.fakeapi import FakeUser, SentMessage
from bot.store.models import AuditEntry, Evaluation, Visit, VisitConfirmation
from tests.conftest import TZ
from tests.e2e.conftest import World, buttons
from tests.e2e.test_visits import pressed, tap

pytestmark = pytest.mark.e2e
runner = CliRunner()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def ipbot(world: World, *args: str) -> tuple[int, str, str]:
    """The admin CLI on the running bot's database."""
    env = {"IPBOT_DATABASE_URL": world.services.settings.database_url,
           "IPBOT_BOT_USERNAME": "ipfield_test_bot", "IPBOT_TOKEN": None,
           "IPBOT_API_BASE_URL": None}
    result = runner.invoke(app, list(args), env=env)  # type: ignore[arg-type]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a bug: the CLI fails in one line
    return result.exit_code, result.stdout, result.stderr


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def log_visit(user: FakeUser, day: str, *, mode: str = "🏢 现场（计入走访要求）",
                    task: str = "共商发展思路", entity: str | None = None,
                    summary: str = "到县局座谈，共商知识产权工作思路。") -> SentMessage:
    """Log and submit a visit on ``day`` (typed); return the reply to the submission."""
    await user.send("/visit")
    prompt = await user.expect_message()
    if entity:
        prompt = await tap(user, prompt, entity)
    assert "走访日期" in prompt.text
    await user.send(day)
    prompt = await user.expect_message(contains="服务方式")
    prompt = await tap(user, prompt, mode)
    await tap(user, prompt, f"▫️ {task}")
    prompt = await tap(user, prompt, "下一步 ▶️")
    await user.send(summary)
    prompt = await user.expect_message(contains="需求")
    prompt = await tap(user, prompt, "⏭ 跳过")
    await user.press(prompt, "⏭ 跳过")
    if mode.startswith("🏢"):
        await user.expect_edit(prompt)
        await user.expect_message(contains="发送当前位置")
        await user.tap_keyboard("⏭ 跳过")
        await user.expect_message(contains="已跳过位置")
        prompt = await user.expect_message(contains="照片")
    else:
        prompt = await user.expect_edit(prompt)
    prompt = await tap(user, prompt, "⏭ 跳过")
    card = await tap(user, prompt, "✅ 我确认")
    done = await tap(user, card, "✅ 提交")
    assert "已提交" in done.text
    return done


async def answer(contact: FakeUser, number: str, verdict: str, rating: str,
                 comment: str | None = None) -> None:
    ask = await contact.expect_message(contains=number)
    rate = await tap(contact, ask, verdict)
    ask_comment = await tap(contact, rate, rating)
    if comment is None:
        await tap(contact, ask_comment, "⏭ 跳过")
    else:
        await contact.send(comment)
        await contact.expect_message(contains="感谢")


async def test_county_contact_confirms_and_rates_an_envoy_visit(world: World):
    code, out, _ = ipbot(world, "invite", "--region", "景宁畲族自治县", "--json")
    assert code == 0 and json.loads(out)["target"] == "景宁畲族自治县"
    county = world.server.user(first_name="县局小李", language_code="zh-hans")
    await county.send(f"/start {json.loads(out)['code']}")
    welcome = await county.expect_message()
    assert "景宁畲族自治县" in welcome.text and "知识产权部门联系人" in welcome.text
    assert "visit" not in [name for name, _ in county.commands]
    envoy = await world.onboard("赵磊")
    await log_visit(envoy, "2026-02-20")
    ask = await county.expect_message(contains="V2026-000001")
    assert "赵磊（知识产权特派员）报告于 2026-02-20 到景宁畲族自治县进行了现场服务" in ask.text
    rate = await tap(county, ask, "✅ 确认")
    await tap(county, rate, "5")
    with world.services.uow() as uow:
        row = uow.session.scalars(select(VisitConfirmation)).one()
        assert (row.status, row.rating, row.contact.region.county) == (
            "confirmed", 5, "景宁畲族自治县")
    # the other envoy's region has its own contacts: this contact is not asked about it
    other = await world.onboard("孙悦")
    await log_visit(other, "2026-02-21")
    await county.expect_no_message()
    # a region contact has no commissioner to hand a question to
    await county.send("我们县的知识产权工作经费怎么申请")
    await county.expect_message()
    await county.expect_no_message()
    assert not any("转给" in b for m in county.messages for b in buttons(m))


async def test_pack_record_letter_and_the_digest(world: World, tmp_path: Path):
    code, out, _ = ipbot(world, "invite", "--region", "景宁畲族自治县", "--json")
    county = world.server.user(first_name="县局小李", language_code="zh-hans")
    await county.send(f"/start {json.loads(out)['code']}")
    await county.expect_message()
    envoy = await world.onboard("赵磊")
    province = await world.onboard("周洁")
    # Q1: on site, confirmed 5★; a phone call, disputed 2★ with a comment
    await log_visit(envoy, "2026-02-20")
    await answer(county, "V2026-000001", "✅ 确认", "5")
    await log_visit(envoy, "2026-03-01", mode="📞 电话", task="共促“双向直达”")
    await answer(county, "V2026-000002", "⚠️ 有异议", "2", "当天没有联系我们")
    # Q2: on site, flagged as a typical case from the reply, never answered by the county
    world.clock.set(at("2026-05-12T10:00"))
    done = await log_visit(envoy, "2026-05-11", task="共创工作成果")
    await county.expect_message(contains="V2026-000003")
    await envoy.press(done, "⭐ 标为典型案例")
    await envoy.expect_message(contains="一句话")
    await envoy.send("推动惠明茶地理标志品牌建设")
    await envoy.expect_message(contains="已将 V2026-000003 标为典型案例")
    # …and its summary edited, with a reason
    await envoy.send("/history")
    listing = await envoy.expect_message()
    detail = await tap(envoy, listing, buttons(listing)[0])
    assert "V2026-000003" in detail.text and "推动惠明茶地理标志品牌建设" in detail.text
    await envoy.press(detail, "✏️ 修改")
    card = await envoy.expect_message(contains="正在修改")
    pick = await tap(envoy, card, "✏️ 修改")
    await tap(envoy, pick, "情况摘要")
    await envoy.send("与县局共商惠明茶地理标志保护与品牌建设。")
    card = await envoy.expect_message(contains="正在修改")
    await tap(envoy, card, "✅ 提交")
    await envoy.send("补充服务内容")
    await envoy.expect_message(contains="已修改")
    # Q3: nothing. Q4: a visit of 28 December recorded only in January: met, but late
    world.clock.set(at("2027-01-03T10:00"))
    await log_visit(envoy, "2026-12-28")
    await county.expect_message(contains="V2027-000004")  # numbered in the year recorded

    out_dir = tmp_path / "packs"
    code, out, err = ipbot(world, "evaluation", "pack", "赵磊", "--period", "2026",
                           "--out", str(out_dir), "--at", "2027-01-05T10:00", "--json")
    assert code == 0, err
    pack = json.loads(out)
    assert pack["files"] == [str(out_dir / "赵磊-2026.xlsx"), str(out_dir / "赵磊-2026.pdf")]
    expected = {"visits": 4, "on_site": 3, "windows_met": 2, "windows_total": 4,
                "confirmed": 1, "disputed": 1, "consultations": 0, "answered_on_time": 0}
    assert {k: pack[k] for k in expected} == expected
    assert (pack["windows_late"], pack["windows_missed"], pack["unconfirmed"]) == (1, 1, 2)
    assert pack["edits"] == 1 and pack["typical_cases"] == 1 and pack["rating_avg"] == 3.5
    assert pack["grade"] is None
    # the figures are the database's
    with world.services.uow() as uow:
        live = uow.session.scalars(select(Visit).where(Visit.deleted_at.is_(None))).all()
        answers = [c.status for c in uow.session.scalars(select(VisitConfirmation))]
    assert len(live) == pack["visits"] and sum(v.mode == "on_site" for v in live) == 3
    assert answers.count("confirmed") == 1 and answers.count("disputed") == 1
    book = load_workbook(out_dir / "赵磊-2026.xlsx")
    assert book.sheetnames[0] == "总览"
    windows = book["走访要求"]
    assert (windows["A1"].value, windows["A2"].value) == ("合计", "服务对象/区域")
    assert windows.freeze_panes == "A3"  # the totals first, then the frozen header
    assert [r[8] for r in windows.iter_rows(min_row=3, values_only=True)] == [
        "按时完成", "按时完成", "未完成", "补录完成"]
    changes = list(book["修改与删除"].iter_rows(min_row=3, values_only=True))
    assert changes[0][1] == "V2026-000003" and changes[0][4] == "补充服务内容"
    text = pdf_text((out_dir / "赵磊-2026.pdf").read_bytes())
    for part in ("特派员评价材料", "赵磊", "尚未评价", "补录完成", "当天没有联系我们",
                 "补充服务内容"):
        assert part in text, part

    # a result: only a supervisor of the province may record it; a change needs a reason
    record = ("evaluation", "record", "赵磊", "--period", "2026", "--at", "2027-01-05T10:00")
    code, _, err = ipbot(world, *record, "--grade", "基本称职", "--by", "吴斌")
    assert code == 1 and "仅省级监管人员" in err and err.count("\n") == 1
    code, _, err = ipbot(world, *record, "--grade", "良好", "--by", "周洁")
    assert code == 1 and "未知等次" in err and "不称职" in err
    code, out, _ = ipbot(world, *record, "--grade", "基本称职", "--comment", "走访不够均衡",
                         "--by", "周洁", "--json")
    assert code == 0 and json.loads(out)["outcome"] == "recorded"
    code, _, err = ipbot(world, *record, "--grade", "不称职", "--by", "周洁")
    assert code == 1 and "修改须说明理由" in err
    code, out, _ = ipbot(world, *record, "--grade", "incompetent", "--by", "13800000006",
                         "--reason", "第三季度未走访，服务对象有异议")
    assert code == 0 and "基本称职 → 不称职" in out
    with world.services.uow() as uow:
        row = uow.session.scalars(select(Evaluation)).one()
        assert (row.grade, row.comment, row.recorder.name) == ("incompetent", "走访不够均衡",
                                                               "周洁")
        change = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "evaluation.change")).one()
        assert change.note == "第三季度未走访，服务对象有异议"
        assert change.details["grade"] == ["basically_competent", "incompetent"]

    # the pack shows the result and its history; the letter names it
    code, out, _ = ipbot(world, "evaluation", "pack", "赵磊", "--period", "2026",
                         "--out", str(out_dir), "--at", "2027-01-05T11:00", "--json")
    assert json.loads(out)["grade"] == "incompetent"
    text = pdf_text((out_dir / "赵磊-2026.pdf").read_bytes())
    assert "不称职" in text and "走访不够均衡" in text and "第三季度未走访" in text
    history = list(load_workbook(out_dir / "赵磊-2026.xlsx")["评价记录"].iter_rows(
        min_row=3, values_only=True))
    assert [(h[2], h[3]) for h in history] == [("—", "基本称职"), ("基本称职", "不称职")]
    letters = tmp_path / "letters"
    code, out, _ = ipbot(world, "evaluation", "letters", "--period", "2026", "--out",
                         str(letters), "--at", "2027-01-05T11:00", "--json")
    assert code == 0
    sent = json.loads(out)
    assert sent["units"] == 2 and sent["people"] == 2 and sent["evaluated"] == 1
    assert sorted(Path(f).name for f in sent["files"]) == ["浙江工业大学-2026.pdf",
                                                           "浙江省专利代理师协会-2026.pdf"]
    letter = pdf_text((letters / "浙江省专利代理师协会-2026.pdf").read_bytes())
    assert "浙江省专利代理师协会" in letter and "赵磊" in letter and "不称职" in letter
    assert "浙质标知办〔2025〕3号" in letter.replace("\n", "")
    assert "尚未评价" in pdf_text((letters / "浙江工业大学-2026.pdf").read_bytes())
    code, _, err = ipbot(world, "evaluation", "letters", "--period", "2031")
    assert code == 1 and "2026" in err and err.count("\n") == 1

    # the lowest grade lists him under 需调整 in the next digest
    world.clock.set(at("2027-01-05T12:00"))
    await province.send("/digest")
    await province.expect_message(contains="正在生成")
    summary = await province.expect_message(contains="需调整")
    assert "需调整（评价为最低等次，1 人）" in summary.text
    assert "赵磊（特派员 · 浙江省专利代理师协会） · 丽水市景宁畲族自治县 · 2026：不称职" \
        in summary.text
    assert buttons(summary) == ["📄 完整明细", "📁 服务档案", "📋 评价"]


async def test_evaluation_in_the_bot(world: World):
    province = await world.onboard("周洁")
    city = await world.onboard("吴斌")  # 丽水市
    envoy = await world.onboard("赵磊")
    await log_visit(envoy, "2026-02-20")
    world.clock.set(at("2027-01-05T10:00"))
    await city.send("/evaluation")
    assert "仅省级监管人员" in (await city.expect_message()).text
    await province.tap_keyboard("📋 评价")
    listing = await province.expect_message(contains="待评价 2 人")
    assert buttons(listing)[:2] == ["孙悦 · 特派员 · 2026", "赵磊 · 特派员 · 2026"]
    card = await tap(province, listing, "赵磊 · 特派员 · 2026")
    assert "走访 1 次（现场 1 次）" in card.text and "按时完成 1/4" in card.text
    assert "尚未评价" in card.text
    await province.press(card, "📄 评价材料（PDF + Excel）")
    pdf = await province.expect_message(kind="document")
    xlsx = await province.expect_message(kind="document")
    assert pdf.file_name == "赵磊-2026.pdf" and xlsx.file_name == "赵磊-2026.xlsx"
    assert "赵磊" in pdf_text(pdf.file_bytes)
    card = await tap(province, card, "称职")
    assert "评价结果：称职" in card.text and "✅ 称职" in buttons(card)
    await province.expect_message(contains="已记录 赵磊（2026）的评价结果：称职")
    # a forged grade from a city supervisor changes nothing
    data = next(d for row in card.inline_buttons() for t, d in row if t == "优秀")
    assert "仅省级监管人员" in (await pressed(city, card, data=data) or "")
    # a change asks for the reason, which the supervisor types
    await province.press(card, "优秀")
    await province.expect_message(contains="请发送修改理由")
    await province.send("好")
    await province.expect_message(contains="2–500 字")
    await province.send("年底补充材料显示成效突出")
    changed = await province.expect_message(contains="已修改 赵磊（2026）的评价结果")
    card = await tap(province, changed, "📋 查看")
    assert "评价结果：优秀" in card.text
    await province.press(card, "✍️ 添加评语")
    await province.expect_message(contains="请发送对 赵磊（2026）的评语")
    await province.send("服务扎实，成效突出。")
    await province.expect_message(contains="已保存")
    with world.services.uow() as uow:
        row = uow.session.scalars(select(Evaluation)).one()
        assert (row.grade, row.comment, row.pending_grade) == (
            "excellent", "服务扎实，成效突出。", None)
        actions = [(a.action, a.note) for a in uow.audit.entries_of("evaluation", row.id)]
    assert actions == [("evaluation.record", None),
                       ("evaluation.change", "年底补充材料显示成效突出"),
                       ("evaluation.comment", None)]
    listing = await tap(province, card, "↩️ 待评价名单")
    assert "待评价 1 人" in listing.text and "📨 反馈函 2026" in buttons(listing)
    await province.press(listing, "📨 反馈函 2026")
    letters = await province.expect_message(kind="document")
    assert "优秀" in pdf_text(letters.file_bytes) and "孙悦" in pdf_text(letters.file_bytes)
