"""Matching questions against a small fixture knowledge base written into tmp_path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.faq.config import MatcherConfig
from bot.faq.facets import Facet, Facets
from bot.faq.loader import load_folder
from bot.faq.matcher import Matcher, MatchResult
from bot.faq.model import KnowledgeBase, visible_to

ZJ_SOURCE = {
    "id": "zj-test",
    "title": "服务专员和特派员实施方案（测试）",
    "issuer": "测试办公室",
    "number": None,  # not a published document: its entries may be role-specific
    "date": "2025-03-20",
    "region": "浙江省",
}
SH_SOURCE = {
    "id": "sh-test",
    "title": "上海知识产权人才实施意见（测试）",
    "issuer": "上海市知识产权局",
    "number": "沪测〔2023〕28号",
    "date": "2023-06-01",
    "region": "上海市",
}
BOT_SOURCE = {
    "id": "bot-usage",
    "title": "使用说明",
    "issuer": "知识产权服务助手",
    "number": None,
    "date": None,
    "region": None,
}


def entry(
    id: str, question: str, alternates: list[str], answer: str, audience: str, tags: list[str]
) -> dict[str, object]:
    return {
        "id": id,
        "question": question,
        "alternates": alternates,
        "answer": answer,
        "section": "测试",
        "audience": audience,
        "tags": tags,
    }


ZJ_ENTRIES = [
    entry(
        "commissioner-visit-frequency",
        "服务专员每年要到服务对象现场服务几次？",
        ["服务专员一年至少走访几次", "服务专员 现场服务 频次", "专员多久要去企业现场一次"],
        "原则上每年对每家服务对象现场服务不少于1次，可结合线上服务。",
        "everyone",
        ["服务专员", "走访", "频次"],
    ),
    entry(
        "envoy-visit-frequency",
        "特派员多长时间要到服务区域走访一次？",
        ["特派员一个季度至少走访几次", "特派员 下县 频率", "特派员一年要下去几趟"],
        "原则上每季度至少到服务区域走访一次。",
        "everyone",
        ["特派员", "走访", "频次"],
    ),
    entry(
        "commissioner-evaluation",
        "服务专员多久评价一次？",
        ["服务专员 评价 周期", "专员几年评一次", "服务专员评价结果怎么用"],
        "服务专员每2年评价一次，评价结果反馈派出单位。",
        "staff",
        ["服务专员", "评价"],
    ),
    entry(
        "envoy-evaluation",
        "特派员每年都要评价吗？评价结果给谁？",
        ["特派员多久考核一次", "特派员 年度评价", "特派员评价结果反馈给谁"],
        "特派员每年评价一次，结果反馈派出单位。",
        "staff",
        ["特派员", "评价"],
    ),
    entry(
        "commissioner-no-fee",
        "服务专员提供服务要收费吗？",
        ["请服务专员要花钱吗", "服务专员的服务免费吗", "企业要给专员付报酬吗"],
        "不收费。服务专员不接受服务对象任何形式的报酬。",
        "enterprise",
        ["服务专员", "纪律", "费用"],
    ),
    entry(
        "commissioner-gifts",
        "服务专员可以收企业送的礼品吗？",
        ["专员能不能收购物卡", "服务专员 礼品 宴请", "企业请专员吃饭可以吗"],
        "不可以。服务专员不得接受服务对象的礼品礼金和宴请。",
        "everyone",
        ["服务专员", "纪律", "礼品"],
    ),
    entry(
        "entity-how-to-apply",
        "我们企业想要一名服务专员，应该怎么申请？",
        ["公司怎么申请知识产权服务专员", "企业咋对接服务专员", "科技型企业 申请 服务专员 流程"],
        "向所在地市场监管（知识产权）部门报名，经审核后纳入服务对象库并匹配服务专员。",
        "enterprise",
        ["服务对象", "申请"],
    ),
]

SH_ENTRIES = [
    entry(
        "sh-talent-total",
        "上海到2025年知识产权人才总量目标是多少？",
        ["上海知识产权人才 总量 目标", "上海要培养多少知识产权人才", "上海人才总量 2025"],
        "到2025年，上海知识产权人才总量达到6万人。",
        "everyone",
        ["上海", "人才", "目标"],
    ),
    entry(
        "sh-training-bases",
        "上海要建设多少个知识产权人才培训基地？",
        ["上海培训基地几家", "上海 人才培训基地 数量", "上海知识产权培训基地建设目标"],
        "建设10家左右知识产权人才培训基地。",
        "everyone",
        ["上海", "培训"],
    ),
]

BOT_ENTRIES = [
    entry(
        "bot-history",
        "怎么查看我以前提交的走访记录？",
        ["历史记录在哪看", "/history 有什么用", "查我的走访"],
        "发送 /history 查看最近提交的走访记录。",
        "staff",
        ["使用说明", "历史"],
    ),
    entry(
        "bot-cancel",
        "操作到一半不想继续了怎么退出？",
        ["/cancel", "取消当前操作", "退出填写"],
        "发送 /cancel 即可退出当前操作。",
        "everyone",
        ["使用说明", "取消"],
    ),
]


def write_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source, entries in (
        ("zj-test.yaml", ZJ_SOURCE, ZJ_ENTRIES),
        ("sh-test.yaml", SH_SOURCE, SH_ENTRIES),
        ("bot-usage.yaml", BOT_SOURCE, BOT_ENTRIES),
    ):
        data = {"source": source, "entries": entries}
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return load_folder(write_folder(tmp_path_factory.mktemp("knowledge")))


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> Matcher:
    return Matcher(kb)


def ids(result: MatchResult) -> list[str]:
    return [m.entry.id for m in result.matches]


# ---------------------------------------------------------------- answers


def test_exact_question_is_answered_with_full_score(matcher: Matcher) -> None:
    result = matcher.match("服务专员每年要到服务对象现场服务几次？", "staff")
    assert result.status == "answer"
    assert result.best is not None
    assert result.best.entry.id == "commissioner-visit-frequency"
    assert result.best.score == 1.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("专员一年上门几次", "commissioner-visit-frequency"),
        ("服務專員 每年現場服務幾次", "commissioner-visit-frequency"),
        ("服务专圆一年走访几次？", "commissioner-visit-frequency"),
        ("特派员一个季度走访几次", "envoy-visit-frequency"),
        ("特派员 年度考核", "envoy-evaluation"),
        ("专员能收购物卡吗", "commissioner-gifts"),
        ("上海知产人才总量目标", "sh-talent-total"),
        ("怎么看我提交过的走访记录", "bot-history"),
    ],
)
def test_paraphrases_are_answered(matcher: Matcher, question: str, expected: str) -> None:
    result = matcher.match(question, "staff")
    assert result.status == "answer", result
    assert ids(result)[0] == expected


def test_matches_are_best_first_and_limited(matcher: Matcher) -> None:
    result = matcher.match("服务专员 评价", "staff", limit=2)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert len(result.matches) <= 2
    assert matcher.match("服务专员 评价", "staff", limit=0).status == "none"


# ---------------------------------------------------------------- facets


def test_role_decides_between_parallel_entries(matcher: Matcher) -> None:
    assert ids(matcher.match("特派员多久评价一次", "staff"))[0] == "envoy-evaluation"
    assert ids(matcher.match("专员多久评价一次", "staff"))[0] == "commissioner-evaluation"


def test_a_role_the_question_names_and_the_entry_does_not_weighs_against_it(
        tmp_path: Path) -> None:
    """"特派员要具备什么条件": 具备 is rare and found only in the patent entry, but the question
    is about the envoy; an entry that names no role at all does not account for that."""
    extra = [
        entry("envoy-eligibility", "特派员的选派条件有哪些？",
              ["特派员 资格", "当特派员的要求", "哪些人能当特派员"],
              "具有知识产权相关专业学历或从事知识产权相关工作5年以上。", "everyone",
              ["特派员", "条件"]),
        entry("patentability", "授予专利权需要具备什么条件？",
              ["专利 授权 条件", "什么样的发明能授予专利", "专利授权的实质条件"],
              "应当具备新颖性、创造性和实用性。", "everyone", ["专利", "条件"]),
    ]
    folder = write_folder(tmp_path)
    data = {"source": {**ZJ_SOURCE, "id": "zj-extra"}, "entries": extra}
    (folder / "zj-extra.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    kb = load_folder(folder)
    question = "特派员要具备什么条件"

    def score(config: MatcherConfig, entry_id: str) -> float:
        found = {m.entry.id: m.score for m in Matcher(kb, config).match(
            question, "staff", limit=10).matches}
        return found.get(entry_id, 0.0)

    neutral = MatcherConfig(confident_threshold=2.0, suggest_threshold=0.0,
                            suggest_window=1.0)
    penalised = dataclasses.replace(neutral, facet_missing_penalty=0.6)
    assert score(penalised, "patentability") < score(neutral, "patentability")
    assert score(penalised, "envoy-eligibility") == score(neutral, "envoy-eligibility")
    assert ids(Matcher(kb, penalised).match(question, "staff", limit=10))[0] == (
        "envoy-eligibility")


# ---------------------------------------------------------------- none


@pytest.mark.parametrize(
    "question",
    ["", "   ", "？？", "你好", "您好！", "谢谢", "hi", "😀", "👍👍", "嗯", "在"],
)
def test_empty_short_and_greetings_get_none(matcher: Matcher, question: str) -> None:
    assert matcher.match(question, "staff") == MatchResult("none", ())


@pytest.mark.parametrize(
    "question",
    [
        "明天杭州天气怎么样",
        "what's the weather in shanghai tomorrow",
        "讲个笑话",
        "高铁票怎么改签",
        "社保缴费基数怎么查",
        "个税申报怎么退税",
        "公积金怎么提取",
        "营业执照怎么办理",
        "推荐个上海的酒店",
        "北京知识产权人才补贴多少",
    ],
)
def test_out_of_scope_is_never_answered(matcher: Matcher, question: str) -> None:
    assert matcher.match(question, "staff").status != "answer"


@pytest.mark.parametrize(
    "question", ["明天杭州天气怎么样", "讲个笑话", "社保缴费基数怎么查", "周末去哪玩"]
)
def test_chit_chat_gets_none(matcher: Matcher, question: str) -> None:
    assert matcher.match(question, "public").status == "none"


def test_another_region_is_not_answered_with_this_one(matcher: Matcher) -> None:
    result = matcher.match("北京知识产权人才总量目标是多少", "staff")
    assert result.status != "answer"


# ---------------------------------------------------------------- suggest and margin


def test_margin_turns_a_close_call_into_suggestions(kb: KnowledgeBase) -> None:
    question = "专员 评价 几年一次"
    loose = Matcher(kb, MatcherConfig(margin=0.0, confident_threshold=2.0))
    strict = Matcher(kb, MatcherConfig(margin=0.9, confident_threshold=2.0))
    answered = loose.match(question, "staff")
    assert answered.status == "answer"
    suggested = strict.match(question, "staff")
    assert suggested.status == "suggest"
    assert ids(suggested)[0] == ids(answered)[0]
    assert 1 <= len(suggested.matches) <= 3


def test_suggest_between_the_thresholds(kb: KnowledgeBase) -> None:
    config = MatcherConfig(answer_threshold=0.99, confident_threshold=2.0, suggest_threshold=0.1)
    result = Matcher(kb, config).match("专员一年上门几次", "staff")
    assert result.status == "suggest"
    assert ids(result)[0] == "commissioner-visit-frequency"
    best = result.matches[0].score
    assert all(best - m.score <= config.suggest_window for m in result.matches)


def test_below_the_suggest_threshold_is_none(kb: KnowledgeBase) -> None:
    config = MatcherConfig(answer_threshold=0.99, confident_threshold=2.0, suggest_threshold=0.99)
    assert Matcher(kb, config).match("专员一年上门几次", "staff").status == "none"


def test_a_question_naming_a_domain_term_is_offered_suggestions_down_to_its_own_floor(
        kb: KnowledgeBase) -> None:
    config = MatcherConfig(answer_threshold=0.99, confident_threshold=2.0,
                           suggest_threshold=0.99, domain_suggest_threshold=0.05)
    question = "专员一年上门几次"
    named = Matcher(kb, config, facets=Facets.from_mapping({"domain": ["专员"]}))
    result = named.match(question, "staff")
    assert result.status == "suggest"
    assert ids(result)[0] == "commissioner-visit-frequency"
    best = result.matches[0].score
    assert best < config.suggest_threshold
    assert all(best - m.score <= config.suggest_window for m in result.matches)
    # the same question, when no domain term is named: the usual floor, nothing offered
    other = Matcher(kb, config, facets=Facets.from_mapping({"domain": ["商标"]}))
    assert other.match(question, "staff").status == "none"
    # and a floor above the usual one never raises it
    higher = dataclasses.replace(config, suggest_threshold=0.05, domain_suggest_threshold=0.99)
    assert Matcher(kb, higher, facets=Facets.from_mapping({"domain": ["专员"]})).match(
        question, "staff").status == "suggest"


def test_the_domain_floor_is_read_from_data() -> None:
    config = MatcherConfig.from_mapping({"domain_suggest_threshold": 0.12})
    assert config.domain_suggest_threshold == 0.12
    assert MatcherConfig.from_mapping({}).domain_suggest_threshold is None


def test_exact_match_wins_even_against_a_close_runner_up(kb: KnowledgeBase) -> None:
    strict = Matcher(kb, MatcherConfig(margin=0.9, confident_threshold=2.0))
    result = strict.match("特派员 年度评价", "staff")
    assert result.status == "answer"
    assert ids(result)[0] == "envoy-evaluation"


def test_config_overrides_from_data() -> None:
    config = MatcherConfig.from_mapping({"margin": 0.1, "max_candidates": 20})
    assert config.margin == 0.1 and config.max_candidates == 20
    assert isinstance(config.max_candidates, int)
    with pytest.raises(ValueError, match="unknown matcher settings: nope"):
        MatcherConfig.from_mapping({"nope": 1})
    with pytest.raises(ValueError):
        MatcherConfig.from_mapping({"margin": "wide"})
    with pytest.raises(ValueError):
        MatcherConfig(weight_fuzzy=-1).weights()


def test_config_from_file(tmp_path: Path) -> None:
    path = tmp_path / "matcher.yaml"
    path.write_text("answer_threshold: 0.5\nsuggest_threshold: 0.3\n", encoding="utf-8")
    config = MatcherConfig.from_file(path)
    assert dataclasses.replace(MatcherConfig(), answer_threshold=0.5, suggest_threshold=0.3) == (
        config
    )


# ---------------------------------------------------------------- audience


def test_staff_only_entries_never_reach_enterprise_or_public(matcher: Matcher) -> None:
    question = "服务专员多久评价一次？"  # the exact question of a staff-only entry
    assert ids(matcher.match(question, "staff"))[0] == "commissioner-evaluation"
    for viewer in ("enterprise", "public"):
        result = matcher.match(question, viewer)
        assert "commissioner-evaluation" not in ids(result)
        assert all(m.entry.audience != "staff" for m in result.matches)


def test_enterprise_entries_reach_enterprises_but_not_the_public(matcher: Matcher) -> None:
    question = "服务专员提供服务要收费吗？"
    assert ids(matcher.match(question, "enterprise"))[0] == "commissioner-no-fee"
    assert ids(matcher.match(question, "staff"))[0] == "commissioner-no-fee"
    assert "commissioner-no-fee" not in ids(matcher.match(question, "public"))


def test_unknown_viewer_is_an_error(matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="unknown viewer"):
        matcher.match("服务专员", "commissioner")


_WORDS = st.sampled_from(
    [
        "服务专员",
        "特派员",
        "评价",
        "几次",
        "走访",
        "收费",
        "礼品",
        "申请",
        "走访记录",
        "多久",
        "上海",
        "人才",
        "企业",
        "报酬",
        "？",
        " ",
        "吗",
        "history",
        "cancel",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=st.lists(_WORDS, max_size=6), viewer=st.sampled_from(["enterprise", "public"]))
def test_property_no_query_leaks_entries_above_the_viewer(
    matcher: Matcher, words: list[str], viewer: str
) -> None:
    result = matcher.match("".join(words), viewer)
    assert all(visible_to(m.entry, viewer) for m in result.matches)
    assert (result.status == "none") == (not result.matches)


def test_an_english_word_of_an_entry_is_found_under_its_own_key() -> None:
    """An ASCII word's key, shifted for its entry, must fit 64 bits: it once overflowed, so
    an English word (logo, PCT) was never found and counted as unknown evidence instead."""
    from bot.faq.index import KeyIndex, word_keys

    words: dict[str, int] = {}
    index = KeyIndex(["注册 logo 商标", "专利 pct 申请", "商标"], words)
    assert list(index.postings(word_keys("logo", words)[0])) == [0]
    assert list(index.postings(word_keys("pct", words)[0])) == [1]
    # and no word is mistaken for a character of the same number
    assert all(list(index.postings(n)) == [] for n in words.values())


def test_the_field_s_terms_are_read_cleaned_and_found() -> None:
    from bot.faq.facets import Facets

    found = Facets.from_mapping({"domain": ["专利", "Logo"],
                                 "facets": {"role": {"a": ["甲"], "b": ["乙"]}}})
    assert found.domain == ("专利", "logo")
    assert len(found.groups) == 1  # the facet groups are read as before
    assert found.in_domain("我的专利 能保护多久") and found.in_domain("注册logo")
    assert not found.in_domain("公司注销要准备哪些材料")
    with pytest.raises(ValueError, match="domain"):
        Facets.from_mapping({"domain": "专利"})


def test_china_s_law_is_at_most_suggested_for_a_question_about_another_country() -> None:
    from bot.faq.model import Entry, Source

    law = Source("law", "专利法（测试）", "全国人民代表大会常务委员会", None, None, None)
    local = Source("sh", "上海实施意见（测试）", "上海市知识产权局", "沪测1号", None, "上海市")
    scope = Source("scope", "知识范围（测试）", "知识产权服务助手", None, None, None)
    kb = KnowledgeBase.of([
        Entry("design-term", "外观设计专利保护多少年", ("外观设计 保护期限",),
              "外观设计专利权的期限为十五年，自申请日起计算。", law, "everyone"),
        Entry("foreign-filing", "向外国申请专利要做什么", ("去国外申请专利",),
              "任何单位或者个人将在中国完成的发明向外国申请专利的，应当事先报经保密审查。",
              law, "everyone"),
        Entry("overseas-talent", "上海怎样引进知识产权人才", ("上海 人才引进",),
              "加快引进高层次紧缺人才。", local, "everyone"),
        Entry("route-abroad", "国外商标注册找谁", ("海外 商标 注册",),
              "本知识库不涵盖外国法律，请咨询专业机构。", scope, "everyone", kind="route"),
    ])
    config = MatcherConfig(answer_threshold=0.1, margin=0.0, confident_threshold=2.0,
                           suggest_threshold=0.05)
    facets = Facets.from_mapping({"abroad": ["日本", "外国", "国外", "海外", "japan", "us"]})
    matcher = Matcher(kb, config, facets=facets)
    # China's term of a design: answered for China, at most suggested for Japan
    assert ids(matcher.match("外观设计专利保护多少年", "public"))[:1] == ["design-term"]
    assert matcher.match("外观设计专利保护多少年", "public").status == "answer"
    japan = matcher.match("日本外观设计专利保护多少年", "public")
    assert japan.status == "suggest" and ids(japan)[0] == "design-term"
    english = matcher.match("how long does a design patent last in Japan 外观设计", "public")
    assert english.status != "answer"
    # an entry about going abroad, a region's own programme, a routing entry still answer
    assert ids(matcher.match("去国外申请专利", "public"))[:1] == ["foreign-filing"]
    assert matcher.match("去国外申请专利", "public").status == "answer"
    assert matcher.match("上海怎样引进海外知识产权人才", "public").status == "answer"
    assert matcher.match("海外商标注册找谁", "public").status == "answer"
    # an English word only as a whole word: "us" in "must" names nothing
    assert not facets.names_abroad("you must") and facets.names_abroad("made in the us")


def test_a_question_asking_for_a_reward_or_an_amount_is_not_answered_by_a_text_with_none() -> None:
    from bot.faq.model import Entry, Source

    law = Source("law", "商标法（测试）", "全国人民代表大会常务委员会", None, None, None)
    scope = Source("scope", "知识范围（测试）", "知识产权服务助手", None, None, None)
    kb = KnowledgeBase.of([
        Entry("well-known", "驰名商标怎么认定", ("驰名商标 认定",),
              "认定驰名商标应当考虑相关公众对该商标的知晓程度。", law, "everyone"),
        Entry("damages", "商标侵权赔偿多少", ("商标侵权 赔偿数额",),
              "赔偿数额难以确定的，由人民法院判决给予五百万元以下的赔偿。", law, "everyone"),
        Entry("route-rewards", "有哪些奖励和补助", ("奖励 补助 政策",),
              "各地奖励和补助政策不在本知识库，请咨询当地知识产权部门。", scope, "everyone",
              kind="route"),
    ])
    config = MatcherConfig(answer_threshold=0.1, margin=0.0, confident_threshold=2.0,
                           suggest_threshold=0.05)
    facets = Facets.from_mapping({"guards": {
        "reward": {"ask": ["奖励", "补助"], "answer": ["奖励", "补助", "报酬"]},
        # terms in their canonical form: the shipped synonyms read 钱 as 经费
        "amount": {"ask": ["多少经费", "cost"], "answer": ["元"]}}})
    matcher = Matcher(kb, config, facets=facets)
    # the article answers how a well-known mark is recognised, not whether that is rewarded
    assert matcher.match("驰名商标怎么认定", "public").status == "answer"
    rewarded = matcher.match("驰名商标认定有奖励吗", "public")
    assert rewarded.status != "answer" or ids(rewarded)[0] == "route-rewards"
    assert "well-known" not in ids(rewarded)[:1] or rewarded.status == "suggest"
    # an amount is asked: a text that states one in yuan may answer, one that states none not
    assert matcher.match("驰名商标认定要多少钱", "public").status != "answer"
    assert ids(matcher.match("商标侵权赔偿多少钱", "public"))[:1] == ["damages"]
    assert matcher.match("商标侵权赔偿多少钱", "public").status == "answer"
    assert facets.guards[1].asked("what does it cost") and not facets.guards[1].asked("costume")
    with pytest.raises(ValueError, match="guard"):
        Facets.from_mapping({"guards": {"reward": {"ask": ["奖励"]}}})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.lists(st.text(alphabet="甲乙丙丁", min_size=1, max_size=3),
                                  min_size=1, max_size=3), min_size=2, max_size=3),
                min_size=1, max_size=3),
       st.lists(st.text(alphabet="甲乙丙丁戊", max_size=12), max_size=3))
@example([[["甲乙丙"], ["丁"]], [["甲"], ["乙"]]], ["甲乙丙"])
@example([[["甲乙"], ["乙丙"]]], ["甲乙丙"])
@example([[["甲乙丙"], ["甲"], ["乙丙丁"]]], ["甲乙丙丁"])
def test_a_signature_has_the_bit_of_every_value_a_term_of_which_is_in_a_text(
        groups: list[list[list[str]]], texts: list[str]) -> None:
    """Terms may overlap or start one another, within a group or across groups ("甲乙" and
    "乙丙" in "甲乙丙"; "甲" of one group, "甲乙丙" of another): each counts."""
    facets = Facets(tuple(
        Facet(f"g{g}", tuple((f"v{i}", tuple(terms)) for i, terms in enumerate(values)))
        for g, values in enumerate(groups)))
    expected = tuple(
        sum(1 << i for i, terms in enumerate(values)
            if any(t in text for t in terms for text in texts))
        for values in groups)
    assert facets.signature(texts) == expected


def test_an_empty_facet_term_names_nothing() -> None:
    facets = Facets((Facet("g", (("a", ("",)), ("b", ("x",)))),))
    assert facets.signature(["ab", "x"]) == (2,)
    assert facets.signature([""]) == (0,)
