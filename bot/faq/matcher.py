"""Matching a user's question to knowledge-base entries.

A :class:`Matcher` is built once per knowledge base.  It normalises every
question, alternate, tag and answer (:mod:`bot.faq.normalize`), cuts them into
word-aware n-grams (:mod:`bot.faq.segment`: CJK bigrams within words, ASCII
words), and keeps

* an IDF weight per n-gram (rare, topical n-grams count; "如何", "可以" barely do);
* inverted indexes n-gram → entries (questions and tags, answer, both) and
  n-gram → single question texts;
* the exact normalised questions, and each entry's facets (role, region).

``match()`` then

1. normalises the query; an empty or very short one (a greeting, an emoji)
   gets "none";
2. scores every visible entry from the posting lists with numpy (``bincount``):
   the share of the query's IDF mass found in its questions and tags
   (*coverage*), in its answer (*answer*) and anywhere (*explained*);
3. pre-selects the ``max_candidates`` best and scores only those against their
   closest single question or alternate: IDF-weighted recall and Dice overlap,
   and a rapidfuzz ratio (``process.cdist``);
4. combines the components with the configured weights, scaled down for query
   words the entry cannot account for and for facet conflicts (a question
   about 特派员 against an entry about 服务专员, Beijing against Shanghai);
5. decides: "answer" for an exact question, or a confident best match clearly
   ahead of the runner-up and without facet conflict; "suggest" when some
   matches are plausible; "none" otherwise.

N-grams found nowhere in the knowledge base get a high IDF, so a question about
the weather or social security, whose content words are foreign to the folder,
is mostly unexplained by any entry and is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.faq.config import MatcherConfig
from bot.faq.facets import Facets, default_facets
from bot.faq.model import VIEWERS, Entry, KnowledgeBase, allowed_audiences
from bot.faq.normalize import (
    SynonymTable,
    compact,
    default_synonyms,
    normalize,
    to_simplified,
)
from bot.faq.segment import Segmenter

Status = Literal["answer", "suggest", "none"]
ANSWER: Final = "answer"
SUGGEST: Final = "suggest"
NONE: Final = "none"


@dataclass(frozen=True, slots=True)
class Match:
    """An entry and how well it matches (0–1)."""

    entry: Entry
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of a question.

    ``status`` is "answer" (send ``matches[0]``'s answer), "suggest" (offer the
    ``matches`` as choices) or "none" (no match; ``matches`` is empty).
    ``matches`` are best first.
    """

    status: Status
    matches: tuple[Match, ...] = ()

    @property
    def best(self) -> Match | None:
        """The best match, if any."""
        return self.matches[0] if self.matches else None


_NO_MATCH: Final = MatchResult(NONE, ())


@dataclass(frozen=True, slots=True)
class _Scored:
    """A candidate match and whether it contradicts a facet of the question."""

    match: Match
    conflict: bool


# Word groups that authors separate with spaces ("服务专员 资格要求") are taken
# as words of the lexicon when at most this long.
MAX_GROUP_WORD: Final[int] = 4


def _postings(docs: Sequence[frozenset[str]]) -> dict[str, np.ndarray]:
    """Inverted index: n-gram → indices of the documents holding it."""
    lists: dict[str, list[int]] = {}
    for index, grams in enumerate(docs):
        for g in grams:
            lists.setdefault(g, []).append(index)
    return {g: np.asarray(ix, dtype=np.intp) for g, ix in lists.items()}


class Matcher:
    """Finds the entries that answer a question; build once, call :meth:`match` often."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatcherConfig | None = None,
        synonyms: SynonymTable | None = None,
        facets: Facets | None = None,
    ) -> None:
        self.kb = kb
        self.config = config or MatcherConfig()
        self._synonyms = synonyms
        self._facets = default_facets() if facets is None else facets
        self._weights = self.config.weights()
        to_simplified("預熱")  # load OpenCC's tables now, not on the first traditional question

        entries = kb.entries
        self._entries: tuple[Entry, ...] = entries

        # 1. normalise everything once
        questions: list[list[str]] = []
        tags: list[list[str]] = []
        answers: list[str] = []
        for entry in entries:
            qs = [*entry.questions, *([entry.question_en] if entry.question_en else [])]
            questions.append([self._normalize(q) for q in qs])
            tags.append([self._normalize(t) for t in entry.tags])
            answers.append(
                self._normalize(entry.answer + (" " + entry.answer_en if entry.answer_en else ""))
            )

        # 2. the lexicon: tags, short word groups written with spaces, canonical terms
        table = default_synonyms() if synonyms is None else synonyms
        lexicon: set[str] = set(table.canonical_terms())
        lexicon.update(self._facets.terms())
        for entry_tags, entry_questions in zip(tags, questions, strict=True):
            lexicon.update(seg for t in entry_tags for seg in t.split(" "))
            lexicon.update(
                seg
                for q in entry_questions
                if " " in q
                for seg in q.split(" ")
                if len(seg) <= MAX_GROUP_WORD
            )
        self._segmenter = Segmenter(lexicon)
        grams_of = self._segmenter.ngrams

        # 3. n-grams, exact questions, facets, document frequencies
        texts: list[str] = []  # every distinct normalised question of every entry, compacted
        text_grams: list[frozenset[str]] = []
        entry_start: list[int] = []
        question_grams: list[frozenset[str]] = []
        answer_grams: list[frozenset[str]] = []
        signatures: list[tuple[int, ...]] = []
        self._exact: dict[str, list[int]] = {}
        df: dict[str, int] = {}
        for index, entry in enumerate(entries):
            entry_start.append(len(texts))
            seen: set[str] = set()
            q_grams: set[str] = set()
            for n in questions[index]:
                flat = compact(n)
                if flat in seen or (not flat and seen):
                    continue  # keep one (possibly empty) text per entry
                seen.add(flat)
                grams = frozenset(grams_of(n))
                texts.append(flat)
                text_grams.append(grams)
                q_grams |= grams
                if flat:
                    self._exact.setdefault(flat, []).append(index)
            for t in tags[index]:
                q_grams.update(grams_of(t))
            a_grams = frozenset(grams_of(answers[index]))
            region = self._normalize(entry.source.region or "")
            signatures.append(self._facets.signature([*questions[index], *tags[index], region]))
            question_grams.append(frozenset(q_grams))
            answer_grams.append(a_grams)
            for g in q_grams | a_grams:
                df[g] = df.get(g, 0) + 1

        n_entries = max(len(entries), 1)
        self._idf: dict[str, float] = {g: math.log(1.0 + n_entries / d) for g, d in df.items()}
        self._unseen_idf = math.log(1.0 + n_entries) * self.config.unseen_idf_factor

        self._texts = texts
        self._entry_start = np.asarray(entry_start, dtype=np.intp)
        self._entry_end = np.append(self._entry_start[1:], len(texts)).astype(np.intp)
        # IDF mass of each question text: the other side of its Dice overlap
        self._text_mass = np.asarray(
            [sum(self._idf[g] for g in grams) for grams in text_grams], dtype=np.float64
        )
        self._q_post = _postings(question_grams)
        self._a_post = _postings(answer_grams)
        self._u_post = _postings([q | a for q, a in zip(question_grams, answer_grams, strict=True)])
        self._t_post = _postings(text_grams)

        groups = len(self._facets.groups)
        self._signatures = np.asarray(signatures, dtype=np.int64).reshape(len(entries), groups)
        audiences = np.array([e.audience for e in entries], dtype=object)
        self._masks: dict[str, np.ndarray] = {
            viewer: np.isin(audiences, sorted(allowed_audiences(viewer))) for viewer in VIEWERS
        }

    # ------------------------------------------------------------------ helpers

    def _normalize(self, text: str) -> str:
        return normalize(text, self._synonyms)

    def normalize(self, question: str) -> str:
        """The question as the matcher sees it (normalised, with word-group spaces)."""
        return self._normalize(question)

    def query_weights(self, normalized: str) -> dict[str, float]:
        """IDF weight of each distinct n-gram of a normalised query (unseen ones: the maximum)."""
        idf, unseen = self._idf, self._unseen_idf
        return {g: idf.get(g, unseen) for g in self._segmenter.ngrams(normalized)}

    def _overlap(
        self, postings: dict[str, np.ndarray], weights: dict[str, float], size: int
    ) -> np.ndarray:
        """IDF mass shared by the query and each document of ``postings``."""
        lists = [(postings[g], w) for g, w in weights.items() if g in postings]
        if not lists:
            return np.zeros(size, dtype=np.float64)
        index = np.concatenate([p for p, _ in lists])
        mass = np.repeat([w for _, w in lists], [len(p) for p, _ in lists])
        return np.bincount(index, mass, minlength=size)

    def _facet_factor(self, normalized: str) -> np.ndarray | None:
        """Per entry, ``facet_penalty`` to the power of its facet conflicts with the query."""
        query_sig = self._facets.signature([normalized])
        if not any(query_sig):
            return None
        conflicts = np.zeros(len(self._entries), dtype=np.int64)
        for g, q in enumerate(query_sig):
            if q:
                column = self._signatures[:, g]
                conflicts += (column != 0) & ((column & q) == 0)
        if not conflicts.any():
            return None
        return np.power(self.config.facet_penalty, conflicts)

    def features(self, normalized: str, weights: dict[str, float]) -> dict[str, np.ndarray]:
        """Entry-level score components (vectors over the knowledge base).

        ``coverage``: share of the query's IDF mass found in the entry's
        questions and tags; ``answer``: share found in its answer;
        ``explained``: share found anywhere in the entry; ``facet``: the facet
        factor (1, or ``facet_penalty`` per conflict).
        """
        n = len(self._entries)
        total = sum(weights.values()) or 1.0
        factor = self._facet_factor(normalized)
        return {
            "coverage": self._overlap(self._q_post, weights, n) / total,
            "answer": self._overlap(self._a_post, weights, n) / total,
            "explained": self._overlap(self._u_post, weights, n) / total,
            "facet": np.ones(n) if factor is None else factor,
        }

    def _candidate_texts(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the candidates' texts, and where each candidate's run starts."""
        starts = self._entry_start[candidates]
        counts = self._entry_end[candidates] - starts
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)
        index = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        return index.astype(np.intp), offsets

    def closest_question(
        self, query: str, weights: dict[str, float], candidates: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Per candidate, overlap with its closest question or alternate.

        ``recall``: share of the query's IDF mass in that text; ``dice``:
        IDF-weighted Dice overlap; ``fuzzy``: rapidfuzz ratio (0–1) of the
        compacted strings.
        """
        total = sum(weights.values()) or 1.0
        texts, offsets = self._candidate_texts(candidates)
        if len(texts) == 0:
            zero = np.zeros(len(candidates))
            return {"recall": zero, "dice": zero, "fuzzy": zero}
        shared = np.zeros(len(texts), dtype=np.float64)
        for g, w in weights.items():
            post = self._t_post.get(g)  # ascending text indices
            if post is not None:
                at = np.minimum(np.searchsorted(post, texts), len(post) - 1)
                shared += w * (post[at] == texts)
        dice = 2.0 * shared / (total + self._text_mass[texts])
        flat = [self._texts[t] for t in texts.tolist()]
        ratios = process.cdist([query], flat, scorer=fuzz.ratio, dtype=np.float32)[0] / 100.0
        return {
            "recall": np.maximum.reduceat(shared, offsets) / total,
            "dice": np.maximum.reduceat(dice, offsets),
            "fuzzy": np.maximum.reduceat(ratios.astype(np.float64), offsets),
        }

    def _score(
        self, query: str, normalized: str, weights: dict[str, float], mask: np.ndarray
    ) -> list[_Scored]:
        """Scores of the best visible candidates, best first (empty if nothing overlaps)."""
        w = self._weights
        f = self.features(normalized, weights)
        # Facet conflicts and query words the entry cannot account for scale
        # the whole score down.
        floor = self.config.explained_floor
        factor = f["facet"] * (floor + (1.0 - floor) * f["explained"])
        # Pre-selection: coverage bounds the overlap with any single question.
        rough = ((w.coverage + w.recall + w.dice) * f["coverage"] + w.answer * f["answer"]) * factor
        rough[~mask] = 0.0
        hit = np.flatnonzero(rough)
        if len(hit) == 0:
            return []
        k = self.config.max_candidates
        if len(hit) > k:
            hit = hit[np.argpartition(rough[hit], -k)[-k:]]
        c = self.closest_question(query, weights, hit)
        final = (
            w.coverage * f["coverage"][hit]
            + w.answer * f["answer"][hit]
            + w.recall * c["recall"]
            + w.dice * c["dice"]
            + w.fuzzy * c["fuzzy"]
        ) * factor[hit]
        conflict = f["facet"][hit] < 1.0
        order = np.argsort(-final, kind="stable")
        return [
            _Scored(Match(self._entries[int(hit[i])], round(float(final[i]), 4)), bool(conflict[i]))
            for i in order.tolist()
        ]

    def _decide(self, scored: list[_Scored], exact: Entry | None, limit: int) -> MatchResult:
        """Answer, suggest or none, from the scored candidates (best first)."""
        cfg = self.config
        if exact is not None:
            others = [
                s.match
                for s in scored
                if s.match.entry.id != exact.id and s.match.score >= cfg.suggest_threshold
            ]
            return MatchResult(ANSWER, (Match(exact, 1.0), *others[: limit - 1]))
        if not scored:
            return _NO_MATCH
        best = scored[0].match
        runner_up = scored[1].match.score if len(scored) > 1 else 0.0
        lead = best.score - runner_up
        confident = (best.score >= cfg.answer_threshold and lead >= cfg.margin) or (
            best.score >= cfg.confident_threshold and lead >= cfg.confident_margin
        )
        # An entry about another role or region than the one asked about is at
        # most suggested, however well the rest of the question fits.
        if confident and not scored[0].conflict:
            others = [s.match for s in scored[1:] if s.match.score >= cfg.suggest_threshold]
            return MatchResult(ANSWER, (best, *others[: limit - 1]))
        if best.score >= cfg.suggest_threshold:
            floor = max(cfg.suggest_threshold, best.score - cfg.suggest_window)
            return MatchResult(
                SUGGEST, tuple(s.match for s in scored[:limit] if s.match.score >= floor)
            )
        return _NO_MATCH

    # ------------------------------------------------------------------ public

    def match(self, question: str, viewer: str, limit: int = 3) -> MatchResult:
        """Match ``question`` for a ``viewer`` ("staff", "enterprise" or "public").

        Only entries the viewer may see are considered.  Returns at most
        ``limit`` matches, best first.
        """
        mask = self._masks.get(viewer)
        if mask is None:
            allowed_audiences(viewer)  # raises ValueError with the accepted values
            raise AssertionError("unreachable")
        normalized = self._normalize(question)
        query = compact(normalized)
        if limit < 1 or sum(c.isalnum() for c in query) < self.config.min_query_chars:
            return _NO_MATCH
        scored = self._score(query, normalized, self.query_weights(normalized), mask)
        exact = [i for i in self._exact.get(query, ()) if mask[i]]
        return self._decide(scored, self._entries[exact[0]] if len(exact) == 1 else None, limit)
