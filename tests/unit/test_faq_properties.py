"""Property tests over generated knowledge bases."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.faq.duplicates import QuestionText, find_duplicates
from bot.faq.matcher import Matcher
from bot.faq.model import Entry, KnowledgeBase, Source, visible_to

SOURCE = Source("prop", "属性测试", "测试", None, dt.date(2025, 1, 1), "浙江省")

ROLES = ["服务专员", "特派员", "服务对象", "派出单位", "县级知识产权局", "高校", "实验室"]
TOPICS = ["专利", "商标", "质押融资", "维权援助", "专利导航", "地理标志", "数据知识产权"]
ACTIONS = ["评价", "走访", "报名", "入库", "退出", "培训", "备案", "推荐", "公示"]
ASPECTS = ["频次", "条件", "流程", "材料", "期限", "标准", "责任", "名额", "结果"]

questions = st.builds(
    lambda r, t, a, x, n: f"{r}{t}{a}的{x}是什么？（第{n}条）",
    st.sampled_from(ROLES),
    st.sampled_from(TOPICS),
    st.sampled_from(ACTIONS),
    st.sampled_from(ASPECTS),
    st.integers(1, 30),
)


def build(qs: list[str], audiences: list[str]) -> KnowledgeBase:
    entries = [
        Entry(
            id=f"e{i}",
            question=q,
            alternates=(f"{q}（一）", f"{q}（二）", f"{q}（三）"),
            answer=f"答案{i}",
            source=SOURCE,
            audience=audiences[i % len(audiences)],  # type: ignore[arg-type]
        )
        for i, q in enumerate(qs)
    ]
    return KnowledgeBase.of(entries)


@settings(max_examples=40, deadline=None)
@given(
    qs=st.lists(questions, min_size=1, max_size=25, unique=True),
    audiences=st.lists(st.sampled_from(["everyone", "staff", "enterprise"]), min_size=1),
)
def test_every_entry_question_answers_itself(qs: list[str], audiences: list[str]) -> None:
    kb = build(qs, audiences)
    texts = [QuestionText(e.id, e.question, "", 0) for e in kb]
    assume(not any(p.exact for p in find_duplicates(texts)))  # what lint would reject
    matcher = Matcher(kb)
    for entry in kb:
        result = matcher.match(entry.question, "staff")
        assert result.status == "answer"
        assert result.matches[0].entry.id == entry.id
        assert result.matches[0].score == 1.0
        for viewer in ("enterprise", "public"):
            seen = matcher.match(entry.question, viewer)
            assert all(visible_to(m.entry, viewer) for m in seen.matches)
            if visible_to(entry, viewer):
                assert seen.status == "answer" and seen.matches[0].entry.id == entry.id
