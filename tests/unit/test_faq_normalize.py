"""Normalisation of FAQ text: width, script, punctuation, synonyms, n-grams."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.faq.normalize import (
    _EMOJI,
    SynonymTable,
    clean,
    compact,
    ngrams,
    normalize,
    singular,
    to_simplified,
)
from bot.faq.segment import WordSegmenter

# ---------------------------------------------------------------- surface cleaning


def test_full_width_letters_digits_and_punctuation_become_half_width() -> None:
    assert clean("ＡＢＣ１２３？！") == "abc123"
    assert clean("ＰＣＴ申请") == "pct申请"


def test_lower_case() -> None:
    assert clean("Inline MODE") == "inline mode"


def test_traditional_becomes_simplified() -> None:
    assert clean("服務專員每年現場服務幾次") == "服务专员每年现场服务几次"
    assert clean("知識產權") == "知识产权"


def test_simplified_text_is_left_untouched() -> None:
    text = "著作权登记和显著性"  # 著 is also a simplified character
    assert to_simplified(text) is text


def test_phrase_level_conversion_is_triggered() -> None:
    assert to_simplified("反覆瞭解") == "反复了解"


def test_punctuation_becomes_word_group_spaces() -> None:
    assert clean("服务专员，现场服务！") == "服务专员 现场服务"
    assert clean("  济源  领军人才 ？") == "济源 领军人才"
    assert clean("《关于…》〔2025〕3号") == "关于 2025 3号"


def test_emoji_are_kept_as_their_own_word_group() -> None:
    assert clean("👎是什么意思") == "👎 是什么意思"
    assert clean("😀😀") == "😀 😀"


def test_compact_drops_the_group_spaces() -> None:
    assert compact("济源 领军人才") == "济源领军人才"


def test_english_plurals() -> None:
    assert singular("site visits per year") == "site visit per year"
    assert singular("this class bus") == "this class bus"


# ---------------------------------------------------------------- synonyms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("专员考核", "服务专员评价"),
        ("特派员考评结果", "特派员评价结果"),
        ("收红包", "收报酬"),
        ("好处费", "报酬"),
        ("特派圆", "特派员"),
        ("知识产全", "知识产权"),
        ("知产", "知识产权"),
        ("ＩＰ", "知识产权"),
        ("请问专员一年走访几次呢？", "服务专员一年走访频次"),
        ("请问，专员一年走访几次呢？", "服务专员一年走访频次"),
    ],
)
def test_synonyms_typos_and_fillers(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_canonical_form_is_not_expanded_again() -> None:
    assert normalize("服务专员") == "服务专员"
    assert normalize("知识产权服务专员") == "服务专员"


def test_ascii_synonyms_respect_word_boundaries() -> None:
    assert normalize("ip") == "知识产权"
    assert normalize("ship") == "ship"
    assert normalize("the IP commissioner") == "服务专员"


def test_protected_words_survive_particle_dropping() -> None:
    assert normalize("目的") == "目的"
    assert normalize("我的目的") == "我目的"
    assert normalize("了解一下") == "了解"


def test_rules_do_not_cross_word_groups() -> None:
    table = SynonymTable.from_mapping({"synonyms": {"服务专员": ["专员"]}})
    assert normalize("服务 专员", table) == "服务 服务专员"


def test_empty_table_only_cleans() -> None:
    assert normalize("专员考核？", SynonymTable.empty()) == "专员考核"


def test_a_variant_with_two_canonical_forms_is_rejected() -> None:
    with pytest.raises(ValueError, match="maps to both"):
        SynonymTable.from_mapping({"synonyms": {"评价": ["考核"], "检查": ["考核"]}})


def test_greetings_normalise_to_nothing() -> None:
    for greeting in ("你好", "您好！", "谢谢", "hello", "Hi!", "？？？"):
        assert normalize(greeting) == ""


# ---------------------------------------------------------------- n-grams


def test_bigrams_never_span_word_groups() -> None:
    assert ngrams("济源 领军人才") == ["济源", "领军", "军人", "人才"]


def test_ascii_words_and_single_characters_are_tokens() -> None:
    assert ngrams("start 命令") == ["start", "命令"]
    assert ngrams("👎 是什么意思") == ["👎", "是什", "什么", "么意", "意思"]


def test_segmenter_keeps_domain_words_whole() -> None:
    segmenter = WordSegmenter(["特派员", "服务专员"])
    assert segmenter.words("特派员的任务") == ["特派员", "的", "任务"]
    assert segmenter.words("服务专员任期") == ["服务专员", "任期"]  # no "员任"


def test_a_domain_word_does_not_hide_the_general_words_it_starts_with() -> None:
    # "发明专利" in the lexicon makes "发" a prefix; it stays the general word it is, so
    # "直接发" is 直接 / 发 and not 直 / 接发 (a rare pair drowning the question)
    segmenter = WordSegmenter(["发明专利", "服务专员"])
    assert segmenter.words("可以直接发个快递") == ["可以", "直接", "发", "个", "快递"]
    assert segmenter.words("服务专员发明专利") == ["服务专员", "发明专利"]


def test_segmenter_cuts_colloquial_filler_into_general_words() -> None:
    words = WordSegmenter(["服务专员"]).words("服务专员多久去一趟企业")
    assert words[0] == "服务专员" and "一趟" in words and "企业" in words
    assert not any(len(w) == 2 and w in ("久去", "去一") for w in words)


def test_light_words_are_told_apart_from_content_words() -> None:
    segmenter = WordSegmenter()
    assert segmenter.is_light("一趟") and segmenter.is_light("怎么") and segmenter.is_light("去")
    assert not segmenter.is_light("火锅") and not segmenter.is_light("专利")


def test_segmenter_never_crosses_word_groups_and_keeps_ascii_words() -> None:
    assert WordSegmenter().words("济源 领军人才 start")[0] == "济源"
    assert "start" in WordSegmenter().words("start 命令")


# ---------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(
    list("服务专员特派评价考核报酬红包知识产权走访现场几次多久的了吗呢请问你好")
    + list("服務專員評價報酬現場幾次知識產權")
    + list("ＡＢＣ１２３abc ip s，。！？、（）《》 　\t😀👎-_/")
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=30))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_cleaning_any_unicode_is_idempotent_and_trimmed(text: str) -> None:
    once = clean(text)
    assert clean(once) == once
    assert once == once.strip()
    assert "  " not in once


# A rewrite pass, as the module docstring defines it, written plainly: at each position the
# longest rule that starts there and has no ASCII letter or digit next to an ASCII end;
# after a match the scan goes on behind it.  The shipped pass skips ahead with a pattern and
# first checks, in C, whether any rule that changes something applies anywhere at all.
_RULE_CHARS = "ab1 甲乙丙丁"


def _reference_pass(rules: dict[str, str], text: str) -> str:
    def alnum(c: str) -> bool:
        return c.isascii() and c.isalnum()

    lengths = sorted({len(k) for k in rules}, reverse=True)
    out, i, n, dropped = [], 0, len(text), False
    while i < n:
        for length in lengths:
            piece, end = text[i : i + length], i + length
            if end > n or piece not in rules:
                continue
            if alnum(piece[0]) and i > 0 and alnum(text[i - 1]):
                continue
            if alnum(piece[-1]) and end < n and alnum(text[end]):
                continue
            out.append(rules[piece])
            dropped = dropped or not rules[piece]
            i = end
            break
        else:
            out.append(text[i])
            i += 1
    joined = "".join(out)
    return " ".join(joined.split(" ")).strip() if not dropped else " ".join(
        w for w in joined.split(" ") if w)


_clean_texts = st.text(alphabet=_RULE_CHARS, max_size=24).map(lambda t: " ".join(t.split()))
_keys = st.text(alphabet=_RULE_CHARS, min_size=1, max_size=4).map(
    lambda t: " ".join(t.split())).filter(bool)


@st.composite
def _tables_and_texts(draw: st.DrawFn) -> tuple[dict[str, str], str]:
    """Rules, and a text that is often made of their keys (so that they meet and overlap)."""
    variants = draw(st.dictionaries(_keys, st.one_of(st.just(""), _keys), max_size=8))
    pieces = list(variants) + list(filter(None, variants.values())) + list(_RULE_CHARS)
    built = st.lists(st.sampled_from(pieces), max_size=8).map(lambda ps: " ".join(
        "".join(ps).split()))
    return variants, draw(st.one_of(_clean_texts, built))


@settings(max_examples=600, deadline=None)
@given(_tables_and_texts())
@example(({"丙": ""}, "甲 丙 乙"))  # a word dropped between two others: one space stays
@example(({"丙": ""}, "丙 甲"))  # and at the start: none
@example(({"a": "b"}, "甲 a"))  # an ASCII key after a space
@example(({"a": "b"}, "a甲"))  # and at the very start
@example(({"a": "b"}, "1a"))  # but not after a digit
@example(({"丙": "甲乙丙"}, "甲乙丙"))  # a variant inside its own canonical form
@example(({"乙丙": "丁", "丙丁": "甲乙"}, "甲乙丙"))  # the scan stands inside 甲乙 when 乙丙 starts
def test_a_rewrite_pass_is_the_plain_longest_match_scan(case: tuple[dict[str, str], str]) -> None:
    variants, text = case
    table = SynonymTable(variants)
    assert table.rewrite(text) == _reference_pass(dict(table.rules), text)


def _plain_clean(text: str) -> str:
    """clean() as the module docstring defines it, step by step."""
    text = to_simplified(unicodedata.normalize("NFKC", text).lower())
    text = re.sub(f"([{_EMOJI}])", r" \1 ", text)
    return " ".join(w for w in re.sub(f"[^\\w{_EMOJI}]|_", " ", text).split(" ") if w)


_WIDTH_FORMS = st.one_of(
    st.characters(min_codepoint=0xFF00, max_codepoint=0xFFEF),  # full- and half-width forms
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
    st.characters(min_codepoint=0x3000, max_codepoint=0x303F),  # CJK punctuation
    st.sampled_from(list("甲乙專員abcAB12_ -,.?😀👎\u3099\u1161")),
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_WIDTH_FORMS, max_size=16))
@example("＜\u0338")  # NFKC composes it into ≮, a symbol: a separator either way
@example("ｱｲ")  # half-width katakana are letters, not punctuation
def test_cleaning_is_nfkc_lower_simplified_then_separators(text: str) -> None:
    assert clean(text) == _plain_clean(text)
