"""Two tiers of answers: curated entries first, then the articles of the statutes.

Curated entries (``knowledge/*.yaml``) always take precedence: the statute tier
is asked only when no curated entry *answers*.  It indexes every article of
``knowledge/statutes/`` as an entry of kind ``statute`` whose answer is the
article's exact text, and answers only when one article clearly fits; its
thresholds are its own (``thresholds.yaml``, section ``statutes``), tuned on the
statute and near-domain questions of the evaluation set's tuning half.  A long question
that neither tier answers is asked again by its last clauses (:func:`asked_part`).

::

    answerer = Answerer(load_folder("knowledge"))
    result = answerer.match("发明专利保护多少年", viewer="public")
    entry = result.best.entry      # entry.kind == "statute": a whole article
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import yaml

from bot.faq.config import MatcherConfig
from bot.faq.facets import Facets
from bot.faq.matcher import Matcher, MatchResult
from bot.faq.model import Entry, KnowledgeBase
from bot.faq.normalize import SynonymTable
from bot.faq.statutes import StatuteBook

THRESHOLDS_FILE: Final = Path(__file__).with_name("thresholds.yaml")
_NUMBERING: Final = re.compile(r"^第[零一二三四五六七八九十百]+[章节]\s*")


def _heading(text: str | None) -> str | None:
    """"第五章 专利权的期限、终止和无效" → "专利权的期限、终止和无效"."""
    if not text:
        return None
    return _NUMBERING.sub("", text).replace(" ", "") or None


def article_entries(book: StatuteBook) -> tuple[Entry, ...]:
    """Every article of every statute as an entry of kind ``statute``.

    Its question names the article (专利法第四十二条, also written with digits), its
    alternates are also the plain-language questions of ``questions.yaml``, its tags are
    its chapter and section headings, its answer is the article's text.
    """
    entries: list[Entry] = []
    for statute in book:
        source = statute.source
        for article in statute.articles:
            chapter, section = _heading(article.chapter), _heading(article.section)
            entries.append(Entry(
                id=f"{statute.id}-{article.number}",
                question=f"{statute.short}{article.label}",
                alternates=(f"{statute.short}第{article.number}条",
                            f"{statute.title}{article.label}", *article.questions),
                answer=article.text,
                source=source,
                audience="everyone",
                section=article.label,
                tags=tuple(t for t in (chapter, section) if t),
                kind="statute",
            ))
    return tuple(entries)


_ITEM: Final = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_SENTENCE_END: Final = re.compile(r"(?<=[。；;])")


def clauses(text: str) -> list[str]:
    """The clauses of an article: its sentences (cut after 。 and ；), and each item of a
    list led in by a sentence ending in "：" together with that lead-in ("有下列情形之一的，
    不视为侵犯专利权：（四）专为科学研究和实验而使用有关专利的；")."""
    out: list[str] = []
    lead = ""
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if _ITEM.match(paragraph) and lead:
            out.append(lead + paragraph)
            continue
        lead = ""
        for sentence in _SENTENCE_END.split(paragraph):
            sentence = sentence.strip()
            if not sentence:
                continue
            if sentence.endswith(("：", ":")):
                lead = sentence[sentence.rfind("。") + 1:]
            out.append(sentence)
    return out


def article_units(entry: Entry) -> list[str]:
    """What a question is compared with, one by one, for an article: its names, its
    clauses."""
    return [*entry.questions, *clauses(entry.answer)]


def is_regulation(entry: Entry) -> bool:
    """An article of an implementing regulation (adopted by the State Council), not of a law:
    questions are more often about the laws, and the regulations repeat their words."""
    return entry.source.issuer == "国务院"


@functools.cache
def _thresholds() -> Mapping[str, Mapping[str, object]]:
    data = yaml.safe_load(THRESHOLDS_FILE.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{THRESHOLDS_FILE}: expected a mapping")
    return data


def default_config(tier: str) -> MatcherConfig:
    """The tuned settings of a tier ("curated" or "statutes") from ``thresholds.yaml``."""
    return MatcherConfig.from_mapping(_thresholds().get(tier) or {})


class Answerer:
    """Curated entries first, statute articles second; build once, call :meth:`match`."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatcherConfig | None = None,
        statute_config: MatcherConfig | None = None,
        synonyms: SynonymTable | None = None,
        facets: Facets | None = None,
    ) -> None:
        self.kb = kb
        self.curated = Matcher(kb, config or default_config("curated"), synonyms, facets)
        articles = article_entries(kb.statutes) if kb.statutes else ()
        self.statutes: Matcher | None = None
        if articles:
            self.statutes = Matcher(
                KnowledgeBase.of(articles), statute_config or default_config("statutes"),
                synonyms, facets, units=article_units, secondary=is_regulation,
            )

    def entry(self, entry_id: str) -> Entry | None:
        """A curated entry or a statute article, by id."""
        found = self.kb.get(entry_id)
        if found is None and self.statutes is not None:
            found = self.statutes.kb.get(entry_id)
        return found

    def match(self, question: str, viewer: str, limit: int = 3) -> MatchResult:
        """The curated answer if there is one, else a statute article that clearly
        answers (or, when a route scores nearly as much, both suggested), else the curated
        suggestions, else statute suggestions, else none.

        A curated answer gives way to an article only when the article scores
        ``override_ratio`` times as much and the curated entry does not cite it (a question
        about a neighbouring article of a curated entry's statute).  An article's answer
        gives way to a routing entry that scores ``route_ratio`` of it, even one too weak to
        be suggested alone: the route and the article are suggested (a question about what
        an agency charges is not answered by the article on agencies' fees).

        A long question that nothing answers is asked again by its last clauses, where
        people put the question after saying who they are and what happened: their answer is
        taken, or their suggestions when the whole question had none."""
        result = self._match(question, viewer, limit)
        if result.status == "answer":
            return result
        tail = asked_part(question)
        if tail is None:
            return result
        return retried(result, self._match(tail, viewer, limit))

    def _match(self, question: str, viewer: str, limit: int) -> MatchResult:
        curated = self.curated.match(question, viewer, limit)
        if self.statutes is None or (curated.status == "answer" and (
                curated.matches[0].score * self._ratio > 1.0)):
            return curated  # no article can score enough more (scores are at most 1)
        return combine(curated, self.statutes.match(question, "public", limit),
                       self._ratio, self.statutes.config.route_ratio, limit)

    @property
    def _ratio(self) -> float:
        return self.statutes.config.override_ratio if self.statutes else math.inf


# clauses end at punctuation, and at spaces next to Chinese ("专员 答疑"), not between
# English words
_CLAUSE: Final = re.compile(r"[，,。？?！!；;：:、]+\s*|(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
LONG_CLAUSES: Final = 3
LONG_CHARS: Final = 20
"""A question of at least ``LONG_CLAUSES`` clauses and ``LONG_CHARS`` characters (spaces
aside) is long: keywords typed apart ("服务专员 周期 多长") are not."""
TAIL_CLAUSES: Final = 2


def asked_part(question: str) -> str | None:
    """The last ``TAIL_CLAUSES`` clauses of a long question, else None."""
    clauses = [c for c in _CLAUSE.split(question.strip()) if c]
    if len(clauses) < LONG_CLAUSES or sum(len(c) for c in clauses) < LONG_CHARS:
        return None
    return "，".join(clauses[-TAIL_CLAUSES:])


def retried(whole: MatchResult, tail: MatchResult) -> MatchResult:
    """What a long question gets from being asked again by its last clauses (``tail``): their
    answer when the whole question was not answered, or their suggestions when it had none."""
    if whole.status == "answer":
        return whole
    if tail.status == "answer" or (whole.status == "none" and tail.status == "suggest"):
        return tail
    return whole


def cites(entry: Entry, article: Entry) -> bool:
    """Whether a curated entry cites a statute article (its section or its answer names it)."""
    source = article.source
    label = article.section or ""
    if entry.source.id == source.id and label and label in (entry.section or ""):
        return True
    return f"《{source.short}》（{source.version}）{label}" in entry.answer


def combine(curated: MatchResult, statute: MatchResult | None,
            override_ratio: float = math.inf, route_ratio: float = math.inf,
            limit: int = 3) -> MatchResult:
    """The tiers' precedence (see :meth:`Answerer.match`)."""
    if statute is None:
        return curated
    if curated.status == "answer":
        best, article = curated.matches[0], statute.best
        if (statute.status == "answer" and article is not None and best.score < 1.0
                and article.score >= override_ratio * best.score
                and not cites(best.entry, article.entry)):
            return statute
        return curated
    if statute.status == "answer":
        return routed(curated, statute, route_ratio, limit)
    if curated.status == "none":
        return statute
    return curated


def routed(curated: MatchResult, statute: MatchResult, route_ratio: float,
           limit: int = 3) -> MatchResult:
    """A statute answer, or the suggestion of the curated tier's best candidate and the
    article (at most ``limit``) when that candidate is a routing entry scoring at least
    ``route_ratio`` of the article (see ``MatcherConfig.route_ratio``)."""
    route, article = curated.top, statute.matches[0]
    if route is None or route.entry.kind != "route" or route.score < route_ratio * article.score:
        return statute
    return MatchResult("suggest", (route, article)[:max(limit, 1)], route)
