"""Service archives and typical cases end to end: a city supervisor exports within the city
and is refused another city's archive (a forged button changes nothing); the CLI exports a
person's, an entity's and a region's archive; a flagged typical case is exported; the pack of
a commissioner counts the consultations answered here."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.fakeapi import FakeUser, SentMessage
from bot.store.models import Entity, Person, Visit
from bot.views import callbacks as cb
from tests.conftest import TZ
from tests.e2e.conftest import World, buttons
from tests.e2e.test_consultations import QUESTION, hand_over
from tests.e2e.test_evaluation import ipbot
from tests.e2e.test_visits import pressed, tap

pytestmark = pytest.mark.e2e


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def rows(book, sheet: str, first: int = 3) -> list[tuple]:  # type: ignore[no-untyped-def]
    return list(book[sheet].iter_rows(min_row=first, values_only=True))


async def visit_with_photo(user: FakeUser, entity: str) -> SentMessage:
    """A visit yesterday, on site, with one photo and one follow-up item; the reply."""
    await user.send("/visit")
    prompt = await tap(user, await user.expect_message(), entity)
    prompt = await tap(user, prompt, "昨天")
    prompt = await tap(user, prompt, "🏢 现场（计入走访要求）")
    await tap(user, prompt, "▫️ 指导业务")
    prompt = await tap(user, prompt, "下一步 ▶️")
    await user.send("指导企业建立专利管理制度，梳理商标布局。")
    prompt = await user.expect_message(contains="需求")
    await user.send("希望开展地理标志培训")
    prompt = await user.expect_message(contains="跟进")
    await user.send("联系市局安排培训")
    prompt = await user.expect_message(contains="联系市局安排培训")
    await user.press(prompt, "✅ 完成")
    await user.expect_edit(prompt)
    await user.expect_message(contains="发送当前位置")
    await user.send_location(27.98, 119.63)
    await user.expect_message(contains="位置已记录")
    await user.expect_message(contains="照片")
    await user.send_photo()
    ack = await user.expect_message(contains="已收到第 1 张")
    integrity = await tap(user, ack, "✅ 完成（已收到 1 张）")
    card = await tap(user, integrity, "✅ 我确认")
    return await tap(user, card, "✅ 提交")


def entity_id(world: World, name: str) -> int:
    with world.services.uow() as uow:
        return uow.session.scalars(select(Entity.id).where(Entity.name == name)).one()


async def test_city_supervisor_exports_within_the_city_and_is_refused_another(world: World):
    chen = await world.onboard("陈静")  # 丽水市: 智能装备中心 (莲都区), 惠明茶 (景宁)
    wang = await world.onboard("王敏")  # 杭州市
    await visit_with_photo(chen, "景宁惠明茶科技有限公司")
    await visit_with_photo(wang, "浙江大学")
    city = await world.onboard("吴斌")  # supervisor of 丽水市
    await city.tap_keyboard("📁 服务档案")
    menu = await city.expect_message(contains="服务档案")
    assert "丽水市" in menu.text
    listing = await tap(city, menu, "🏢 服务对象")
    assert buttons(listing)[:2] == ["丽水市智能装备技术创新中心 · 丽水市",
                                    "景宁惠明茶科技有限公司 · 丽水市"]
    assert not any("浙江大学" in b for b in buttons(listing))
    await city.press(listing, "景宁惠明茶科技有限公司 · 丽水市")
    doc = await city.expect_message(kind="document")
    assert doc.file_name.startswith("archive-景宁惠明茶科技有限公司")
    book = load_workbook(io.BytesIO(doc.file_bytes))
    visits = rows(book, "走访记录")
    assert [v[0] for v in visits] == ["V2026-000001"] and visits[0][2] == "陈静"
    regions = await tap(city, await tap(city, listing, "↩️ 返回"), "🗺 区域")
    assert buttons(regions)[:3] == ["丽水市（全市）", "景宁畲族自治县 · 丽水市",
                                    "莲都区 · 丽水市"]

    # another city's archive: refused by name, and a forged button sends nothing
    await city.send("/archive 杭州市")
    assert "不在您的管辖范围内" in (await city.expect_message()).text
    await city.send("/archive 浙江大学")
    assert "不在您的管辖范围内" in (await city.expect_message()).text
    forged = cb.encode(cb.ARCHIVE, "get", entity_id(world, "浙江大学"), "e")
    assert "不在您的管辖范围内" in (await pressed(city, listing, data=forged) or "")
    with world.services.uow() as uow:
        wang_id = uow.session.scalars(select(Person.id).where(Person.name == "王敏")).one()
    forged = cb.encode(cb.ARCHIVE, "get", wang_id, "p")
    assert "不在您的管辖范围内" in (await pressed(city, listing, data=forged) or "")
    assert await pressed(city, listing, data=cb.encode(cb.ARCHIVE, "get", 99, "r"))
    await city.expect_no_message()  # no file went out
    assert not [m for m in city.messages if m.kind == "document"][1:]
    # a province supervisor may export anyone
    province = await world.onboard("周洁")
    await province.send("/archive 王敏")
    doc = await province.expect_message(kind="document")
    assert [v[0] for v in rows(load_workbook(io.BytesIO(doc.file_bytes)), "走访记录")] == [
        "V2026-000002"]
    # staff cannot
    await wang.send("/archive")
    assert "仅供监管人员" in (await wang.expect_message()).text


async def test_cli_archives_with_every_detail(world: World, tmp_path: Path):
    chen = await world.onboard("陈静")
    contact = await world.onboard("茶企联系人", entity="景宁惠明茶科技有限公司")
    await visit_with_photo(chen, "景宁惠明茶科技有限公司")
    ask = await contact.expect_message(contains="V2026-000001")
    rate = await tap(contact, ask, "✅ 确认")
    comment = await tap(contact, rate, "4")
    await tap(contact, comment, "⏭ 跳过")
    told = await hand_over(contact)
    assert "陈静" in told
    incoming = await chen.expect_message(contains="新咨询 #1")
    await tap(chen, incoming, "认领")
    await chen.send("向国家知识产权局商标局提交申请，附地理标志产品的特定品质说明。")
    await contact.expect_message(contains="陈静 答复了您的咨询 #1")
    await chen.expect_message(contains="计入您的服务记录")

    out = tmp_path / "jingning.xlsx"
    code, text, err = ipbot(world, "archive", "export", "--entity", "景宁惠明茶科技有限公司",
                            "--out", str(out), "--json")
    assert code == 0, err
    summary = json.loads(text)
    # the visit, and the off-site record the answer made (解答咨询)
    assert (summary["visits"], summary["consultations"]) == (2, 1)
    book = load_workbook(out)
    assert book.sheetnames == ["总览", "走访记录", "修改记录", "咨询", "咨询往来"]
    with world.services.uow() as uow:
        photo = uow.session.scalars(select(Visit)).first().photos[0].file_id  # type: ignore[union-attr]
    visit = next(v for v in rows(book, "走访记录") if v[0] == "V2026-000001")
    header = [c.value for c in book["走访记录"][2]]
    row = dict(zip(header, visit, strict=True))
    assert row["服务对象/区域"] == "景宁惠明茶科技有限公司" and row["方式"] == "现场"
    assert row["任务"] == "指导业务" and row["需求与意见"] == "希望开展地理标志培训"
    assert row["跟进事项"] == "联系市局安排培训（待办）"
    assert (row["纬度"], row["经度"]) == (27.98, 119.63) and row["照片（file_id）"] == photo
    assert row["确认与评价"] == "茶企联系人: 已确认 4★"
    thread = rows(book, "咨询往来")
    assert [(m[2], m[3]) for m in thread] == [("答复人", "陈静")]
    assert rows(book, "咨询")[0][5] == QUESTION

    code, text, _ = ipbot(world, "archive", "export", "--region", "丽水市", "--out",
                          str(tmp_path / "lishui.xlsx"), "--json")
    assert code == 0 and json.loads(text)["visits"] == 2
    code, text, _ = ipbot(world, "archive", "export", "--person", "陈静", "--out",
                          str(tmp_path / "chen.xlsx"), "--json", "--lang", "en")
    assert code == 0 and json.loads(text)["evaluations"] == 0
    assert "Evaluations" in load_workbook(tmp_path / "chen.xlsx").sheetnames
    for args, message in (
            (("--entity", "不存在的单位", "--out", "x.xlsx"), "找不到服务对象"),
            (("--entity", "景宁惠明茶科技有限公司", "--person", "陈静", "--out", "x.xlsx"),
             "三选一"),
            (("--region", "丽水市", "--out", "x.csv"), ".xlsx"),
            (("--region", "火星", "--out", "x.xlsx"), "找不到区域")):
        code, _, err = ipbot(world, "archive", "export", *args)
        assert code == 1 and message in err and err.count("\n") == 1, (args, err)

    # the commissioner's pack counts the consultation, answered within the working-day limit
    code, text, _ = ipbot(world, "evaluation", "pack", "陈静", "--period", "2026-2027",
                          "--out", str(tmp_path), "--json", "--at", "2026-03-03T09:00")
    pack = json.loads(text)
    assert (pack["consultations"], pack["answered_on_time"], pack["claimed_on_time"]) == (1, 1, 1)
    assert (pack["visits"], pack["on_site"], pack["confirmed"], pack["rating_avg"]) == (
        2, 1, 1, 4.0)
    assert (pack["windows_total"], pack["windows_met"]) == (2, 1)  # two entities, 2026 running
    assert (pack["followups_opened"], pack["followups_closed"]) == (1, 0)


async def test_a_flagged_typical_case_is_exported_per_quarter(world: World, tmp_path: Path):
    chen = await world.onboard("陈静")
    wang = await world.onboard("王敏")
    await visit_with_photo(chen, "景宁惠明茶科技有限公司")
    await visit_with_photo(wang, "浙江大学")
    for user, number, line in ((chen, "V2026-000001", "帮助茶企建立专利管理制度"),
                               (wang, "V2026-000002", "高校专利转化对接")):
        await user.send("/history")
        listing = await user.expect_message()
        detail = await tap(user, listing, buttons(listing)[0])
        await user.press(detail, "⭐ 标为典型案例")
        await user.expect_message(contains=number)
        await user.send("好")  # too short: asked again
        await user.expect_message(contains="4–200 字")
        await user.send(line)
        await user.expect_message(contains=f"已将 {number} 标为典型案例")
    city = await world.onboard("吴斌")
    await city.send("/archive")
    menu = await city.expect_message(contains="服务档案")
    quarters = await tap(city, menu, "⭐ 典型案例")
    assert buttons(quarters)[:2] == ["2026年第1季度", "2025年第4季度"]
    await city.press(quarters, "2026年第1季度")
    doc = await city.expect_message(kind="document")
    cases = rows(load_workbook(io.BytesIO(doc.file_bytes)), "典型案例 2026-Q1")
    assert [(c[0], c[2], c[10]) for c in cases] == [
        ("V2026-000001", "陈静", "帮助茶企建立专利管理制度")]  # 杭州市 is not 丽水市's
    code, text, _ = ipbot(world, "archive", "cases", "--quarter", "2026-Q1", "--out",
                          str(tmp_path / "cases.xlsx"), "--json")
    assert code == 0 and json.loads(text)["visits"] == ["V2026-000001", "V2026-000002"]
    code, text, _ = ipbot(world, "archive", "cases", "--quarter", "2026-Q2", "--out",
                          str(tmp_path / "q2.xlsx"), "--json")
    assert json.loads(text)["cases"] == 0
    code, _, err = ipbot(world, "archive", "cases", "--quarter", "2026-13", "--out",
                         str(tmp_path / "x.xlsx"))
    assert code == 1 and "2026-Q1" in err
    # /cancel stops waiting for a highlight: the next text is a question again
    await chen.send("/history")
    listing = await chen.expect_message()
    detail = await tap(chen, listing, buttons(listing)[0])
    await chen.press(detail, "⭐ 修改亮点")
    await chen.expect_message(contains="一句话")
    await chen.send("/cancel")
    await chen.expect_message(contains="已退出填写典型案例亮点")
    # unflagging takes it out
    await chen.send("/history")
    listing = await chen.expect_message()
    detail = await tap(chen, listing, buttons(listing)[0])
    assert "帮助茶企建立专利管理制度" in detail.text
    await chen.press(detail, "☆ 取消典型案例")
    await chen.expect_message(contains="已取消")
    code, text, _ = ipbot(world, "archive", "cases", "--quarter", "2026-Q1", "--out",
                          str(tmp_path / "cases.xlsx"), "--json")
    assert json.loads(text)["visits"] == ["V2026-000002"]
