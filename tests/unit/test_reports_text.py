"""The digest as Telegram HTML: sections, escaping and splitting below the length limit."""

from __future__ import annotations

from datetime import date

import pytest

from bot.reports import DigestInput, FollowUpRow, Scope, build_digest
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


def test_small_digest_is_one_message_with_every_section():
    parts = build_digest(digest_input()).text_parts()
    assert len(parts) == 1
    text = _check_parts(parts)
    assert text.startswith(
        "📋 知识产权服务监管摘要 · 全省\n统计期：2026年第一季度 · 截至 2026-03-09 09:00"
    )
    for heading in ("近7天走访", "30天内到期未完成", "逾期未完成", "有异议的走访", "待跟进事项",
                    "尚未绑定 Telegram", "本期覆盖率", "逾期未答的咨询"):
        assert heading in text
    assert "共 4 次" in text
    assert "现场 2 次 · 电话 1 次 · 视频 0 次 · 线上 0 次 · drone 1 次" in text
    assert "赵强（特派员）· 普陀区 · 舟山市普陀区 · 截止 2026-03-31，今天截止" in text
    assert "李雷（特派员）逾期 2 项，最久 160 天：余杭区" in text
    assert "杭州市：20%（已完成 1/5，待完成 2，逾期 2）" in text
    assert "合计：18%（已完成 2/11）" in text
    assert "V-0009 · 王敏 · 浙江大学 · 杭州市西湖区 · 2026-03-04：“那天没人来”" in text
    assert "2026-03-01 · 赵强" in text  # 01:00 UTC is 09:00 in Shanghai
    assert "冯老师（宁波大学） · 宁波市海曙区：职务发明奖励比例？" in text
    assert "<b>李雷</b>" in parts[0]


def test_english():
    text = _check_parts(build_digest(digest_input(), "en").text_parts())
    assert text.startswith("📋 IP service supervisor digest · the whole province")
    assert "on site 2 · phone 1 · video 0 · online 0 · drone 1" in text
    assert "李雷 (envoy): 2 overdue, longest 160 days: 余杭区" in text
    # the language can also be chosen per call
    zh = _check_parts(build_digest(digest_input(), "en").text_parts("zh"))
    assert "逾期未完成" in zh


def test_scope_heading_and_places():
    city = _check_parts(build_digest(digest_input(Scope("city", city="杭州市"))).text_parts())
    assert city.startswith("📋 知识产权服务监管摘要 · 杭州市\n")
    assert "王敏（服务专员）· 浙江大学 · 西湖区 ·" in city  # county only: city is the scope
    county = build_digest(digest_input(Scope("county", city="舟山市", county="普陀区")))
    text = _check_parts(county.text_parts())
    assert text.startswith("📋 知识产权服务监管摘要 · 舟山市普陀区\n")
    assert "赵强（特派员）· 普陀区 · 截止" in text  # no place: the scope says it all
    en = _check_parts(county.text_parts("en"))
    assert en.startswith("📋 IP service supervisor digest · 普陀区, 舟山市\n")


def test_empty_sections_say_so_in_one_line():
    d = build_digest(DigestInput(Scope("city", city="杭州市"), NOW, "Q1", consultations=()))
    text = _check_parts(d.text_parts())
    for line in ("近7天没有走访记录。", "30天内没有到期未完成的走访要求。",
                 "没有逾期未完成的走访要求。", "没有有异议的走访。", "没有待跟进事项。",
                 "所有人员均已绑定 Telegram。", "本期没有需完成的走访要求。",
                 "没有逾期未答的咨询。"):
        assert f"\n{line}" in text
    assert "逾期未答的咨询" not in _check_parts(
        build_digest(DigestInput(Scope("province"), NOW, "Q1")).text_parts()
    )  # consultations=None: the section is left out


def test_hostile_values_are_escaped():
    hostile_ob = ob(HOSTILE, "envoy", HOSTILE, HOSTILE, HOSTILE, Q4, "overdue")
    hostile_followup = FollowUpRow(HOSTILE, HOSTILE, HOSTILE, "杭州市", HOSTILE, HOSTILE, NOW)
    d = build_digest(digest_input(
        obligations=(hostile_ob,), followups=(hostile_followup,), period_label="<i>Q1 & Q2",
    ))
    for lang in ("zh", "en"):
        parts = d.text_parts(lang)
        text = _check_parts(parts)
        assert text.count(HOSTILE) >= 5  # person, target, place, follow-up fields
        assert "<i>Q1 & Q2" in text
        joined = "".join(parts)
        assert "<a " not in joined and "<i>" not in joined
        assert "&lt;b&gt;&amp;amp;" in joined


def test_large_digest_splits_without_losing_anyone():
    people = [f"人员{i:04d}<b>&" for i in range(2000)]
    obligations = tuple(
        ob(p, "commissioner", f"服务对象{i}", f"市{i % 11}", f"县{i % 90}", Q4, "overdue")
        for i, p in enumerate(people)
    ) + tuple(
        ob(p, "envoy", f"区域{i}", f"市{i % 11}", f"县{i % 90}", (date(2026, 1, 1),
           date(2026, 3, 31)), "due", 22)
        for i, p in enumerate(people[:500])
    )
    d = build_digest(digest_input(obligations=obligations))
    parts = d.text_parts()
    assert len(parts) > 10
    text = _check_parts(parts)
    for p in people:
        assert f"{p}（服务专员）逾期 1 项" in text
    for i in range(500):
        assert f"区域{i} · " in text
    n = len(parts)
    for i, part in enumerate(parts, start=1):
        assert part.startswith(f"<b>📋 知识产权服务监管摘要 · 全省</b>（{i}/{n}）\n")
    # a section that continues in the next part repeats its heading, marked as continued
    assert sum("逾期未完成</b>（2000 人，2000 项）（续）" in p for p in parts) >= 10
    # the largest parts are close to the limit: the splitter packs, not just cuts
    assert max(visible_length(p) for p in parts) > MESSAGE_LIMIT - 200


def test_long_target_list_wraps_onto_continued_lines():
    targets = [f"很长的服务对象名称{i:04d}" for i in range(3000)]
    obligations = tuple(
        ob("王敏", "commissioner", t, "杭州市", "西湖区", Q4, "overdue") for t in targets
    )
    parts = build_digest(digest_input(obligations=obligations)).text_parts()
    text = _check_parts(parts)
    for t in targets:
        assert t in text
    assert "王敏（服务专员）逾期 3000 项" in text
    assert "王敏（续）：" in text


def test_long_free_text_is_clipped():
    followup = FollowUpRow("V-1", "王敏", "浙大", "杭州市", "西湖区", "很" * 10_000, NOW)
    parts = build_digest(digest_input(followups=(followup,))).text_parts()
    text = _check_parts(parts)
    assert len(parts) == 1 and "很" * 200 in text and "很" * 400 not in text and "…" in text


@pytest.mark.parametrize("limit", [300, 700, 1500])
def test_small_limits_never_orphan_a_heading(limit):
    obligations = tuple(
        ob(f"人员{i}", "envoy", f"区域{i}", "杭州市", "西湖区", Q4, "overdue") for i in range(60)
    )
    d = build_digest(digest_input(obligations=obligations))
    parts = d.text_parts(limit=limit)
    _check_parts(parts, limit)
    for part in parts:
        _header, *blocks = part.split("\n\n")
        assert blocks, f"a part with nothing but its header: {part}"
        for block in blocks:  # each block is a section heading and at least one line
            assert block.count("\n") >= 1, f"orphan heading: {block}"
    text = "\n".join(parse_message(p) for p in parts)
    for i in range(60):
        assert f"人员{i}（特派员）" in text


def test_emoji_count_as_two_utf16_units():
    assert visible_length("<b>📋</b>&amp;") == 3


def test_a_line_longer_than_a_tiny_limit_is_cut_as_plain_text():
    followup = FollowUpRow("V-1", "<b>王敏</b>", "浙大", "杭州市", "西湖区", "&" * 300, NOW)
    parts = build_digest(digest_input(followups=(followup,))).text_parts(limit=250)
    text = _check_parts(parts, 250)
    assert "2026-03-09 · <b>王敏</b> · 浙大" in text and "&&&" in text
