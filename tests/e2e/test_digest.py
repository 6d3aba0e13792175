"""The supervisor digest end to end: scoped text, a chart that renders Chinese, a workbook."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.conftest import TZ
from tests.e2e.conftest import World
from tests.e2e.test_visits import tap, walk_to_review

pytestmark = pytest.mark.e2e


async def receive_digest(user) -> tuple[str, bytes, bytes]:  # type: ignore[no-untyped-def]
    await user.expect_message(contains="正在生成")
    texts = []
    while True:
        msg = await user.expect_message()
        if msg.kind != "text":
            break
        texts.append(msg.text)
    assert msg.kind == "photo"
    doc = await user.expect_message(kind="document")
    assert doc.file_name.endswith(".xlsx")
    return "\n".join(texts), msg.file_bytes, doc.file_bytes


async def test_digest_for_a_provincial_and_a_county_supervisor(world: World):
    wang = await world.onboard("王敏")  # 浙江大学 (杭州市) and 之江实验室 (杭州市)
    chen = await world.onboard("陈静")  # 景宁惠明茶科技有限公司 (景宁), 丽水智能装备中心
    card = await walk_to_review(wang)
    assert "已提交" in (await tap(wang, card, "✅ 提交")).text
    card = await walk_to_review(chen, entity="景宁惠明茶科技有限公司")
    assert "已提交" in (await tap(chen, card, "✅ 提交")).text

    province = await world.onboard("周洁")
    await province.send("/digest")
    text, png, xlsx = await receive_digest(province)
    assert "全省" in text
    assert "尚未绑定 Telegram 3 人" in text  # counted here, named in the full detail
    assert "覆盖率最低：" in text and "杭州市" in text and "丽水市" in text
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    book = load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[:2] == ["覆盖率", "逾期"] and "需调整" in book.sheetnames
    summary = next(m for m in province.messages if "📎 更多" in m.text)
    await province.press(summary, "📄 完整明细")
    detail = await province.expect_message(kind="document")
    assert detail.file_name.startswith("digest-detail-")
    detail_book = load_workbook(io.BytesIO(detail.file_bytes))
    obligations = list(detail_book["走访要求"].iter_rows(min_row=2, values_only=True))
    assert len(obligations) == 8 and {r[0] for r in obligations} == {"王敏", "李强", "陈静",
                                                                    "赵磊", "孙悦"}
    unbound = [r[0] for r in detail_book["未绑定"].iter_rows(min_row=2, values_only=True)]
    assert sorted(unbound) == sorted(["李强", "赵磊", "孙悦"])  # not bound to Telegram

    county = await world.onboard("郑华")  # 景宁畲族自治县
    await county.tap_keyboard("📊 监管周报")
    text, _png, xlsx = await receive_digest(county)
    assert "景宁畲族自治县" in text
    assert "杭州市" not in text and "李强" not in text  # outside the county
    cells = [str(c.value) for ws in load_workbook(io.BytesIO(xlsx)).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("浙江大学" in c for c in cells)
    assert any("景宁" in c for c in cells)


async def test_weekly_digest_once_a_week_and_staff_cannot_ask_for_it(world: World):
    province = await world.onboard("周洁")
    wang = await world.onboard("王敏")
    await wang.send("/digest")
    await wang.expect_message(contains="仅供监管人员")
    world.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=TZ))  # Monday 09:00
    assert await world.run_pass("digest") == {"sent": 1, "already": 0, "unbound": 3,
                                               "blocked": 0}
    first = await province.expect_message()
    assert "全省" in first.text
    kinds = [first.kind]
    while kinds[-1] != "document":
        kinds.append((await province.expect_message()).kind)
    assert kinds[-2:] == ["photo", "document"] and set(kinds[:-2]) == {"text"}
    world.clock.set(datetime(2026, 3, 4, 15, 0, tzinfo=TZ))  # Wednesday: the same week
    assert await world.run_pass("digest") is None  # ran for this week already
    await province.expect_no_message()
