"""Cutting a question into words: jieba with a general dictionary plus the domain lexicon.

Character pairs made across word boundaries ("多久去一趟" → "久去", "去一") are
pairs the knowledge base has never seen; as rare evidence they drowned the
signal.  A question is therefore cut into *words* (jieba's maximum-probability
route over a word graph, without its HMM guesser), with

* a general dictionary: jieba's own, kept to words of at most four characters
  that are not personal names or idioms and occur at least ``MIN_FREQ`` times
  in its corpus (~100,000 words, a fraction of the memory of the full one);
* the domain lexicon of one knowledge base (synonym forms, facet terms, tags,
  word groups its authors wrote with spaces), which always wins over the
  general words, so that "服务专员" stays one word.

The general dictionary also tells which words are *light*: numerals, measure
words, pronouns, adverbs, prepositions, conjunctions, particles, time and place
words, and the most frequent verbs (是, 有, 去, 会).  A light word weighs less as
evidence, whether or not the knowledge base holds it: "一趟" and "为什么" are
frame, "火锅" is not.

Only questions are segmented; the knowledge base is indexed by characters and
character pairs, and a word is looked up as the pairs it is made of (see
:mod:`bot.faq.matcher`).
"""

from __future__ import annotations

import functools
import io
import logging
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final

MIN_FREQ: Final[int] = 5
MAX_WORD: Final[int] = 8
DOMAIN_FREQ: Final[int] = 50_000
"""Frequency given to domain words: high enough to beat any split into general words."""

# jieba part-of-speech tags of light words (see the module docstring)
LIGHT_TAGS: Final = frozenset(
    {"m", "mq", "mg", "q", "r", "rr", "rz", "rg", "d", "df", "dg", "ad", "p", "c", "u", "ud",
     "ug", "uj", "ul", "uv", "uz", "y", "e", "o", "f", "t", "tg", "k", "h", "zg"}
)
_EXCLUDED_TAGS: Final = frozenset({"nr", "nrt", "nrfg", "i"})
_VERB_TAGS: Final = frozenset({"v", "vd", "vi", "vg", "vq"})
LIGHT_VERB_FREQ: Final[int] = 50_000
"""Verbs at least this frequent are light too (是, 有, 去, 会, 要, 能, 没有 …)."""
_RUNS: Final = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def is_cjk_word(text: str) -> bool:
    """Whether ``text`` is made of CJK characters only."""
    return bool(_CJK.fullmatch(text))


@functools.cache
def frame_words() -> frozenset[str]:
    """The question-frame words of ``synonyms.yaml`` (``light:``), light whatever jieba says."""
    import yaml

    from bot.faq.normalize import SYNONYMS_FILE, clean

    data = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8")) or {}
    return frozenset(clean(str(w)) for w in data.get("light") or ())


@functools.cache
def general_dictionary() -> tuple[dict[str, int], int, frozenset[str]]:
    """jieba's dictionary, trimmed: prefix dictionary, total frequency, light words.

    Built once per process (~0.3 s, ~12 MiB).
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    path = Path(jieba.__file__).with_name("dict.txt")
    kept = io.BytesIO()
    light: set[str] = set()
    with path.open(encoding="utf-8") as lines:  # line by line: the file is 5 MB
        for line in lines:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, freq = parts[0], parts[1]
            tag = parts[2] if len(parts) > 2 else ""
            if len(word) > 4 or tag in _EXCLUDED_TAGS or int(freq) < MIN_FREQ:
                continue
            kept.write(f"{word} {freq}\n".encode())
            if tag in LIGHT_TAGS or (tag in _VERB_TAGS and int(freq) >= LIGHT_VERB_FREQ):
                light.add(word)
    kept.seek(0)
    tokenizer = jieba.Tokenizer()
    freq, total = tokenizer.gen_pfdict(kept)
    return freq, total, frozenset(light)


class _Overlay(dict[str, int]):
    """The domain words, over the general dictionary (as jieba reads its ``FREQ``: ``in``,
    ``[]`` and ``get``).  A ``ChainMap`` does the same, but its ``in`` runs a generator in
    Python; jieba asks it for every prefix of every position of a question.  Only lookups
    see the general words (``len``, iteration and ``==`` see the domain words alone; jieba uses
    none of them)."""

    def __init__(self, domain: dict[str, int], general: dict[str, int]) -> None:
        super().__init__(domain)
        self._general = general

    def __missing__(self, word: str) -> int:
        return self._general[word]

    def __contains__(self, word: object) -> bool:
        return dict.__contains__(self, word) or word in self._general

    def get(self, word: str, default: int | None = None) -> int | None:  # type: ignore[override]
        found = dict.get(self, word)
        return self._general.get(word, default) if found is None else found


class WordSegmenter:
    """Cuts a normalised question into words: the domain lexicon first, then general words."""

    def __init__(self, lexicon: Iterable[str] = (), light: Iterable[str] = ()) -> None:
        import jieba

        general, total, general_light = general_dictionary()
        light = general_light | frozenset(light)
        domain: dict[str, int] = {}
        for word in lexicon:
            if 2 <= len(word) <= MAX_WORD and is_cjk_word(word):
                domain[word] = DOMAIN_FREQ
        for word in list(domain):
            for i in range(1, len(word)):
                # a prefix only (frequency 0) where no general word has it: a 0 here would
                # hide the general word "接" behind the domain word "接受", and "直接发"
                # would be cut 直 / 接发
                if word[:i] not in domain and word[:i] not in general:
                    domain[word[:i]] = 0
        self._domain = frozenset(w for w, f in domain.items() if f)
        self._light = light
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = _Overlay(domain, general)
        tokenizer.total = total
        tokenizer.initialized = True
        self._tokenizer = tokenizer
        self._log_total = math.log(total)

    @property
    def lexicon(self) -> frozenset[str]:
        """The domain words."""
        return self._domain

    def is_light(self, word: str) -> bool:
        """A numeral, measure word, pronoun, adverb, particle, a very common verb …"""
        return word in self._light

    def parts(self, word: str) -> list[str]:
        """A longer word cut into two-character pieces from the left (a last single
        character stays on its own): "如何申请" → 如何, 申请; "营业执照" → 营业, 执照."""
        return [word[i : i + 2] for i in range(0, len(word), 2)]

    def cut(self, run: str) -> list[str]:
        """Words of a CJK run."""
        return self._tokenizer.lcut(run, HMM=False)

    def words(self, normalized: str) -> list[str]:
        """Distinct words of a normalised question, in order: CJK words, ASCII words, emoji.

        Spaces (the writer's word groups) are never crossed.
        """
        out: dict[str, None] = {}
        for segment in normalized.split(" "):
            for run in _RUNS.findall(segment):
                if run[0].isascii() or len(run) == 1:
                    out.setdefault(run)
                    continue
                for word in self.cut(run):
                    if word.strip():
                        out.setdefault(word)
        return list(out)
