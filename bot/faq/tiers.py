"""Two tiers of answers: curated entries first, then the articles of the statutes.

Curated entries (``knowledge/*.yaml``) always take precedence: the statute tier
is asked only when no curated entry *answers*.  It indexes every article of
``knowledge/statutes/`` as an entry of kind ``statute`` whose answer is the
article's exact text, and answers only when one article clearly fits; its
thresholds are its own (``thresholds.yaml``, section ``statutes``), tuned on the
statute and near-domain questions of the evaluation set's tuning half.

::

    answerer = Answerer(load_folder("knowledge"))
    result = answerer.match("发明专利保护多少年", viewer="public")
    entry = result.best.entry      # entry.kind == "statute": a whole article
"""

from __future__ import annotations

import functools
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
    tags are its chapter and section headings, its answer is the article's text.
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
                            f"{statute.title}{article.label}"),
                answer=article.text,
                source=source,
                audience="everyone",
                section=article.label,
                tags=tuple(t for t in (chapter, section) if t),
                kind="statute",
            ))
    return tuple(entries)


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
                synonyms, facets,
            )

    def entry(self, entry_id: str) -> Entry | None:
        """A curated entry or a statute article, by id."""
        found = self.kb.get(entry_id)
        if found is None and self.statutes is not None:
            found = self.statutes.kb.get(entry_id)
        return found

    def match(self, question: str, viewer: str, limit: int = 3) -> MatchResult:
        """The curated answer if there is one, else a statute article that clearly
        answers, else the curated suggestions, else statute suggestions, else none."""
        curated = self.curated.match(question, viewer, limit)
        if curated.status == "answer" or self.statutes is None:
            return curated
        return combine(curated, self.statutes.match(question, "public", limit))


def combine(curated: MatchResult, statute: MatchResult | None) -> MatchResult:
    """The tiers' precedence (see :meth:`Answerer.match`)."""
    if curated.status == "answer" or statute is None:
        return curated
    if statute.status == "answer" or curated.status == "none":
        return statute
    return curated
