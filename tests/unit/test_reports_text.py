"""The digest's summary as Telegram HTML: at most two messages at any scale, escaped, split
below the length limit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.reports import AdjustRow, DigestInput, DisputeRow, Scope, build_digest
from bot.reports.text import MESSAGE_LIMIT, visible_length
from tests.unit.test_reports_support import (
    NOW,
    Q4,
    digest_input,
    ob,
    parse_message,
    utf16_len,
)

HOSTILE = '<b>&amp;"</b> <a href="x">'


def _check_parts(parts: list[str], limit: int = MESSAGE_LIMIT) -> str:
    """Every part well-formed and under ``limit``; returns all visible text."""
    texts = []
    for part in parts:
        text = parse_message(part)
        assert utf16_len(text) < limit
        assert visible_length(part) == utf16_len(text)
        texts.append(text)
    return "\n".join(texts)


def test_small_digest_is_one_summary_message():
    parts = build_digest(digest_input()).text_parts()
    assert len(parts) == 1
    text = _check_parts(parts)
    assert text.startswith(
        "📋 知识产权服务监管摘要 · 全省\n统计期：2026年第一季度 · 截至 2026-03-09 09:00"
    )
    for heading in ("总览", "逾期最久的 4 人", "服务对象有异议的走访", "需调整", "更多"):
        assert heading in text
    assert "已完成 2/11（18%），待完成 4 项，逾期 5 项（4 人）" in text
    assert "走访 4 次：现场 2 次 · 电话 1 次 · 视频 0 次 · 线上 0 次 · drone 1 次" in text
    assert ("30天内到期 3 项 · 待跟进事项 2 条 · 逾期未答咨询 2 条 · 尚未绑定 Telegram 2 人"
            in text)
    assert "覆盖率最低：上海市 0%、舟山市 0%、杭州市 20%" in text
    # the longest overdue first: 李雷 160 days, then 68 days (two windows before one), then 9
    assert text.index("李雷（特派员）逾期 2 项，最久 160 天：余杭区") < text.index("赵强") \
        < text.index("钱多（服务专员）") < text.index("张伟（服务专员）逾期 1 项，最久 9 天")
    assert "V-0009 · 王敏 · 浙江大学 · 杭州市西湖区 · 2026-03-04：“那天没人来”" in text
    assert text.index("V-0009") < text.index("V-0008")  # the latest dispute first
    assert "没有需调整的人员。" in text
    assert "<b>李雷</b>" in parts[0]
    # what the summary does not list goes to the workbook: no follow-up or unbound names
    assert "协助申请专利导航" not in text and "孙丽" not in text


def test_english():
    text = _check_parts(build_digest(digest_input(), "en").text_parts())
    assert text.startswith("📋 IP service supervisor digest · the whole province")
    assert "on site 2 · phone 1 · video 0 · online 0 · drone 1" in text
    assert "李雷 (envoy): 2 overdue, longest 160 days: 余杭区" in text
    # the language can also be chosen per call
    zh = _check_parts(build_digest(digest_input(), "en").text_parts("zh"))
    assert "逾期最久" in zh


def test_people_to_adjust_are_listed_once_latest_first():
    later = datetime(2027, 1, 6, 10, tzinfo=NOW.tzinfo)
    rows = (
        AdjustRow("孙丽", "envoy", "舟山市市场监管局", "舟山市", "普陀区", "2026", "不称职", NOW),
        AdjustRow("周杰", "commissioner", None, "杭州市", "余杭区", "2026-2027", "不称职", later),
        AdjustRow("周杰", "commissioner", None, "杭州市", "西湖区", "2026-2027", "不称职", later),
    )
    d = build_digest(digest_input(adjust=rows))
    assert [a.person for a in d.adjust] == ["周杰", "孙丽"]
    text = _check_parts(d.text_parts())
    assert "需调整（评价为最低等次，2 人）" in text
    assert "周杰（服务专员） · 杭州市余杭区 · 2026-2027：不称职" in text
    assert "孙丽（特派员 · 舟山市市场监管局） · 舟山市普陀区 · 2026：不称职" in text
    city = build_digest(digest_input(Scope("city", city="舟山市"), adjust=rows))
    assert [a.person for a in city.adjust] == ["孙丽"]


def test_scope_heading_and_places():
    city = _check_parts(build_digest(digest_input(Scope("city", city="杭州市"))).text_parts())
    assert city.startswith("📋 知识产权服务监管摘要 · 杭州市\n")
    assert "V-0009 · 王敏 · 浙江大学 · 西湖区 ·" in city  # county only: city is the scope
    county = build_digest(digest_input(Scope("county", city="舟山市", county="普陀区")))
    text = _check_parts(county.text_parts())
    assert text.startswith("📋 知识产权服务监管摘要 · 舟山市普陀区\n")
    assert "赵强（特派员）逾期 1 项" in text and "李雷" not in text
    en = _check_parts(county.text_parts("en"))
    assert en.startswith("📋 IP service supervisor digest · 普陀区, 舟山市\n")


def test_empty_sections_say_so_in_one_line():
    d = build_digest(DigestInput(Scope("city", city="杭州市"), NOW, "Q1", consultations=()))
    text = _check_parts(d.text_parts())
    for line in ("没有逾期未完成的走访要求。", "没有有异议的走访。", "没有需调整的人员。"):
        assert f"\n{line}" in text
    assert "已完成 0/0（—）" in text and "逾期未答咨询 0 条" in text
    assert "逾期未答咨询" not in _check_parts(
        build_digest(DigestInput(Scope("province"), NOW, "Q1")).text_parts()
    )  # consultations=None: not counted at all


def test_hostile_values_are_escaped():
    hostile_ob = ob(HOSTILE, "envoy", HOSTILE, HOSTILE, HOSTILE, Q4, "overdue")
    hostile_dispute = DisputeRow(HOSTILE, HOSTILE, HOSTILE, "杭州市", HOSTILE,
                                 date(2026, 3, 1), HOSTILE)
    d = build_digest(digest_input(
        obligations=(hostile_ob,), disputes=(hostile_dispute,), period_label="<i>Q1 & Q2",
    ))
    for lang in ("zh", "en"):
        parts = d.text_parts(lang)
        text = _check_parts(parts)
        assert text.count(HOSTILE) >= 5  # person, target, number, place, comment
        assert "<i>Q1 & Q2" in text
        joined = "".join(parts)
        assert "<a " not in joined and "<i>" not in joined
        assert "&lt;b&gt;&amp;amp;" in joined


def test_a_province_at_scale_is_at_most_two_messages():
    people = [f"人员{i:04d}<b>&" for i in range(2000)]
    obligations = tuple(
        ob(p, "commissioner", f"服务对象{i}", f"市{i % 11}", f"县{i % 90}",
           (date(2025, 1, 1), date(2025, 12, 31 - i % 28)), "overdue")
        for i, p in enumerate(people)
    )
    disputes = tuple(DisputeRow(f"V-{i:05d}", p, "某单位" * 10, "杭州市", "西湖区",
                                date(2026, 1, 1) + timedelta(days=i % 60), "意见" * 400)
                     for i, p in enumerate(people))
    adjust = tuple(AdjustRow(p, "envoy", "某派出单位" * 8, "杭州市", "西湖区", "2025", "不称职",
                             NOW) for p in people[:500])
    d = build_digest(digest_input(obligations=obligations, disputes=disputes, adjust=adjust))
    for lang in ("zh", "en"):
        parts = d.text_parts(lang)
        assert 1 <= len(parts) <= 2
        text = _check_parts(parts)
        # the longest overdue are named (their deadline the earliest: 2025-12-03)
        longest = sorted(d.overdue, key=lambda g: -g.max_days_overdue)[0]
        assert longest.person in text
    text = _check_parts(d.text_parts())
    assert "共 2000 人，2000 项" in text and "共 2000 条" in text and "500 人" in text
    assert sum(f"{p}（服务专员）" in text for p in people) <= 10
    assert "意见" * 400 not in text  # long comments are clipped


def test_long_target_list_names_three_and_counts_the_rest():
    targets = [f"很长的服务对象名称{i:04d}" for i in range(3000)]
    obligations = tuple(
        ob("王敏", "commissioner", t, "杭州市", "西湖区", Q4, "overdue") for t in targets
    )
    text = _check_parts(build_digest(digest_input(obligations=obligations)).text_parts())
    assert "王敏（服务专员）逾期 3000 项" in text
    assert "很长的服务对象名称0002等 2997 个" in text and "名称0003" not in text


def test_long_free_text_is_clipped():
    dispute = DisputeRow("V-1", "王敏", "浙大", "杭州市", "西湖区", date(2026, 3, 1), "很" * 10_000)
    parts = build_digest(digest_input(disputes=(dispute,))).text_parts()
    text = _check_parts(parts)
    assert len(parts) == 1 and "很" * 200 in text and "很" * 400 not in text and "…" in text


@pytest.mark.parametrize("limit", [300, 700, 1500])
def test_small_limits_never_orphan_a_heading(limit):
    obligations = tuple(
        ob(f"人员{i}", "envoy", f"区域{i}", "杭州市", "西湖区", Q4, "overdue") for i in range(60)
    )
    d = build_digest(digest_input(obligations=obligations))
    parts = d.text_parts(limit=limit, max_parts=100)
    _check_parts(parts, limit)
    for part in parts:
        _header, *blocks = part.split("\n\n")
        assert blocks, f"a part with nothing but its header: {part}"
        for block in blocks:  # each block is a section heading and at least one line
            assert block.count("\n") >= 1, f"orphan heading: {block}"
    text = "\n".join(parse_message(p) for p in parts)
    assert sum(f"人员{i}（特派员）" in text for i in range(60)) == 10


def test_emoji_count_as_two_utf16_units():
    assert visible_length("<b>📋</b>&amp;") == 3


def test_a_line_longer_than_a_tiny_limit_is_cut_as_plain_text():
    dispute = DisputeRow("V-1", "<b>王敏</b>", "浙大", "杭州市", "西湖区", date(2026, 3, 8),
                         "&" * 300)
    parts = build_digest(digest_input(disputes=(dispute,))).text_parts(limit=250, max_parts=50)
    text = _check_parts(parts, 250)
    assert "V-1 · <b>王敏</b> · 浙大" in text and "&&&" in text


def test_what_nobody_serves_is_listed_only_when_there_is_some_and_within_scope():
    from bot.reports import UnservedRow

    assert "暂无人负责" not in _check_parts(build_digest(digest_input()).text_parts())
    rows = tuple(UnservedRow("entity", f"服务对象{i:02d}", "杭州市", "西湖区") for i in range(25))
    rows += (UnservedRow("region", "嵊泗县", "舟山市", "嵊泗县"),)
    d = build_digest(digest_input(unserved=rows))
    text = _check_parts(d.text_parts())
    assert "暂无人负责的服务对象与区域（共 26 项，列出 10 项）" in text
    assert "服务对象 服务对象09 · 杭州市西湖区" in text and "服务对象10" not in text
    en = _check_parts(d.text_parts("en"))
    assert "Entities and regions nobody serves (26; 10 listed)" in en
    city = _check_parts(build_digest(digest_input(Scope("city", city="舟山市"),
                                                  unserved=rows)).text_parts())
    assert "（共 1 项，列出 1 项）" in city and "服务区域 嵊泗县 · 嵊泗县" in city
    assert "服务对象00" not in city
