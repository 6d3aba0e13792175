"""Matching a user's question to knowledge-base entries.

A :class:`Matcher` is built once per knowledge base.  It normalises every
question, alternate, tag and answer (:mod:`bot.faq.normalize`), cuts them into
n-grams (CJK character bigrams, ASCII words), and keeps

* an IDF weight per n-gram (rare, topical n-grams count; "如何", "可以" barely do),
* an inverted index n-gram → entries (question side and answer side), and
* a table of exact normalised questions.

``match()`` then

1. normalises the query; an empty or very short one (a greeting, an emoji)
   gets "none";
2. pre-selects the ``max_candidates`` visible entries with the largest IDF
   overlap, with numpy over the posting lists (cheap even at 10,000 entries);
3. scores each candidate: IDF-weighted Dice overlap with its closest question
   or alternate, the share of the query covered by all its questions and tags,
   a rapidfuzz ratio with its closest question, and (lightly) the share of the
   query found in its answer;
4. decides: "answer" when the best is confident and clearly ahead of the
   runner-up (or matches a question exactly), "suggest" when some are
   plausible, "none" otherwise.

N-grams found nowhere in the knowledge base get the highest IDF, so a question
about the weather or social security, whose content words are foreign to the
folder, covers little of itself and is rejected.
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
from bot.faq.normalize import SynonymTable, compact, default_synonyms, normalize
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
        index: list[np.ndarray] = []
        mass: list[np.ndarray] = []
        for g, w in weights.items():
            post = postings.get(g)
            if post is not None:
                index.append(post)
                mass.append(np.full(len(post), w))
        if not index:
            return np.zeros(size, dtype=np.float64)
        return np.bincount(np.concatenate(index), np.concatenate(mass), minlength=size)

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
        """Score components of every entry (vectors over the knowledge base), without fuzz.

        ``coverage``: share of the query's IDF mass found in the entry's questions
        and tags; ``answer``: share found in its answer; ``recall`` and ``dice``:
        overlap with its closest single question or alternate; ``facet``: the
        facet factor (1, or ``facet_penalty`` per conflict).
        """
        n = len(self._entries)
        total = sum(weights.values()) or 1.0
        shared = self._overlap(self._t_post, weights, len(self._texts))
        starts = self._entry_start
        recall = np.maximum.reduceat(shared, starts) / total if n else np.zeros(0)
        dice_text = 2.0 * shared / (total + self._text_mass)
        factor = self._facet_factor(normalized)
        return {
            "coverage": self._overlap(self._q_post, weights, n) / total,
            "answer": self._overlap(self._a_post, weights, n) / total,
            "recall": recall,
            "dice": np.maximum.reduceat(dice_text, starts) if n else np.zeros(0),
            "facet": np.ones(n) if factor is None else factor,
        }

    def fuzzy(self, query: str, candidates: np.ndarray) -> np.ndarray:
        """Best rapidfuzz ratio (0–1) of ``query`` with each candidate's questions."""
        flat: list[str] = []
        owner: list[int] = []
        for pos, index in enumerate(candidates.tolist()):
            start, end = int(self._entry_start[index]), int(self._entry_end[index])
            flat.extend(self._texts[start:end])
            owner.extend([pos] * (end - start))
        best = np.zeros(len(candidates), dtype=np.float64)
        if flat:
            ratios = process.cdist([query], flat, scorer=fuzz.ratio, dtype=np.float32)[0]
            np.maximum.at(best, np.asarray(owner, dtype=np.intp), ratios / 100.0)
        return best

    def _score(
        self, query: str, normalized: str, weights: dict[str, float], mask: np.ndarray
    ) -> list[Match]:
        """Scores of the best visible candidates, best first (empty if nothing overlaps)."""
        w = self._weights
        f = self.features(normalized, weights)
        partial = (
            w.coverage * f["coverage"]
            + w.answer * f["answer"]
            + w.recall * f["recall"]
            + w.dice * f["dice"]
        ) * f["facet"]
        partial[~mask] = 0.0
        hit = np.flatnonzero(partial)
        if len(hit) == 0:
            return []
        k = self.config.max_candidates
        if len(hit) > k:
            hit = hit[np.argpartition(partial[hit], -k)[-k:]]
        final = partial[hit] + w.fuzzy * self.fuzzy(query, hit) * f["facet"][hit]
        order = np.argsort(-final, kind="stable")
        return [
            Match(self._entries[int(hit[i])], round(float(final[i]), 4)) for i in order.tolist()
        ]

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
        cfg = self.config
        normalized = self._normalize(question)
        query = compact(normalized)
        if sum(c.isalnum() for c in query) < cfg.min_query_chars or limit < 1:
            return _NO_MATCH
        weights = self.query_weights(normalized)
        scored = self._score(query, normalized, weights, mask)
        if not scored:
            return _NO_MATCH

        exact = [i for i in self._exact.get(query, ()) if mask[i]]
        if len(exact) == 1:
            top = self._entries[exact[0]]
            rest = [m for m in scored if m.entry.id != top.id]
            first = Match(top, 1.0)
            others = [m for m in rest if m.score >= cfg.suggest_threshold]
            return MatchResult(ANSWER, (first, *others[: limit - 1]))

        best = scored[0]
        runner_up = scored[1].score if len(scored) > 1 else 0.0
        if best.score >= cfg.answer_threshold and best.score - runner_up >= cfg.margin:
            others = [m for m in scored[1:] if m.score >= cfg.suggest_threshold]
            return MatchResult(ANSWER, (best, *others[: limit - 1]))
        if best.score >= cfg.suggest_threshold:
            floor = max(cfg.suggest_threshold, best.score - cfg.suggest_window)
            return MatchResult(SUGGEST, tuple(m for m in scored[:limit] if m.score >= floor))
        return _NO_MATCH
