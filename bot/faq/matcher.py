"""Matching a user's question to knowledge-base entries.

A :class:`Matcher` is built once per knowledge base.  It normalises every
question, alternate, tag and answer (:mod:`bot.faq.normalize`) and keeps

* two inverted indexes, character and character pair → entries (one over the
  questions, alternates and tags, one over the answers; ASCII words are kept
  whole), in compressed form (:mod:`bot.faq.index`): one ``int32`` array of entry
  numbers per index and the offset of each key's run;
* each entry's *units*, the texts a question is compared with one by one (its
  question and alternates; for a statute article, also its clauses), with the
  IDF mass of each unit's characters;
* the exact normalised questions, each entry's facets (role, right, region), and
  the domain lexicon for cutting questions into words.

``match()`` then

1. normalises the query; an empty or very short one (a greeting, an emoji)
   gets "none";
2. cuts it into *words* (:mod:`bot.faq.segment`).  A word is found in an entry
   when all its character pairs are (a single character or an ASCII word: when
   it is); a word's weight is its IDF over the entries.  A word found nowhere
   weighs ``unseen_idf_factor`` of the rarest.  A light word (numeral, measure
   word, adverb, particle, a very common verb …: "一趟" is filler) weighs
   ``light_factor`` of that, seen or not; another single character (found
   inside longer words: 玩 in 玩忽职守) ``single_char_factor``.  An unseen
   compound is replaced by its two-character pieces when all of them are known.
   Optional words join at a reduced weight: the terms of the expansions
   (``expand:`` of ``synonyms.yaml``: 归谁 → 属于, 享有; ``expand_factor``) and the
   pieces of long words (专利保护 → 专利, 保护; ``subword_factor``).  A word found
   nowhere is found wherever one of its expansion terms is (卖 where 销售 is);
3. scores every visible entry with numpy: the share of the query's weight found
   in its questions and tags (*coverage*), in its answer (*answer*) and
   anywhere (*explained*), the share of its content words it holds (*content*)
   and the heaviest content word it cannot account for (*unexplained*);
4. pre-selects the ``max_candidates`` best and scores only those against their
   closest unit: the share of the query's weight it holds (*recall*), a Dice
   overlap of that share with the IDF mass of the unit's characters that the
   query's words cover (*closeness*: "国际化" in a unit the question lacks costs
   more than "的"), and a rapidfuzz ratio;
5. combines the components with the configured weights, scaled down for query
   words the entry cannot account for, for facet conflicts (a question about
   特派员 against an entry about 服务专员, Beijing against Shanghai) and for
   secondary entries (``prior_factor``: an implementing regulation's article);
6. decides: "answer" for an exact question, or a best match clearly ahead of the
   runner-up, without facet conflict, that passes the fixed gates and the
   confidence model (:func:`confidence`, logistic over the best match's
   features, fitted with the thresholds); "suggest" when some matches are
   plausible; "none" otherwise.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from rapidfuzz import fuzz, process

from bot.faq.config import MatcherConfig
from bot.faq.facets import Facets, default_facets
from bot.faq.index import BIGRAM, KeyIndex, text_codes, word_keys
from bot.faq.model import VIEWERS, Entry, KnowledgeBase, allowed_audiences
from bot.faq.normalize import (
    Expansions,
    SynonymTable,
    compact,
    default_expansions,
    default_synonyms,
    normalize,
    to_simplified,
)
from bot.faq.segment import WordSegmenter, frame_words

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
    top: Match | None = None
    """The highest-scored candidate whatever the decision, also when it scored too little
    to be suggested (None: nothing scored)."""

    @property
    def best(self) -> Match | None:
        """The best match, if any."""
        return self.matches[0] if self.matches else None


_NO_MATCH: Final = MatchResult(NONE, ())


@dataclass(frozen=True, slots=True)
class _Scored:
    """A candidate match, whether it contradicts a facet of the question, and the share of
    the question's content words (see :meth:`Matcher.features`) it holds."""

    match: Match
    conflict: bool
    content: float = 1.0
    evidence: float = math.inf  # the weight of all the question's words
    unexplained: float = 0.0
    """The heaviest content word of the question the entry does not hold, relative to the
    weight of the rarest word."""
    closeness: float = 1.0
    """IDF-weighted Dice overlap of the question with the entry's closest text."""
    coverage: float = 1.0
    """Share of the question's weight found in the entry's questions, alternates and tags."""
    fuzzy: float = 1.0
    """rapidfuzz ratio (0–1) with the entry's closest text."""
    agreement: int = 0
    """How many facets (role, right, region) the question names and the entry shares."""
    domain: float = 1.0
    """1 when the question names a term of the field (``Facets.domain``), else 0."""


# Word groups that authors separate with spaces ("服务专员 资格要求") are taken
# as words of the lexicon when at most this long.
MAX_GROUP_WORD: Final[int] = 4
_WORD_CACHE: Final[int] = 4096


CONFIDENCE_FEATURES: Final = ("score", "lead", "closeness", "content", "unexplained",
                               "coverage", "fuzzy", "evidence", "agreement", "domain")
"""What the confidence model reads of the best candidate (see :func:`confidence`)."""


def confidence_features(scored: Sequence[_Scored]) -> tuple[float, ...]:
    """The features of the best candidate, in the order of ``CONFIDENCE_FEATURES``."""
    best = scored[0]
    runner_up = scored[1].match.score if len(scored) > 1 else 0.0
    return (best.match.score, best.match.score - runner_up, best.closeness, best.content,
            best.unexplained, best.coverage, best.fuzzy, math.log1p(min(best.evidence, 1e6)),
            float(best.agreement), best.domain)


def confidence(scored: Sequence[_Scored], cfg: MatcherConfig) -> float:
    """The probability that the best candidate answers the question, by a logistic model
    over :func:`confidence_features` whose coefficients (``conf_*``) are fitted with the
    thresholds (``benchmarks/faq_eval.py --tune``)."""
    weights = cfg.confidence_weights()
    z = cfg.conf_bias + sum(w * f for w, f in zip(weights, confidence_features(scored),
                                                  strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def decide(
    scored: Sequence[_Scored], exact: Entry | None, limit: int, cfg: MatcherConfig
) -> MatchResult:
    """Answer, suggest or none, from the scored candidates (best first)."""
    if exact is not None:
        whole = Match(exact, 1.0)
        others = [
            s.match
            for s in scored
            if s.match.entry.id != exact.id and s.match.score >= cfg.suggest_threshold
        ]
        return MatchResult(ANSWER, (whole, *others[: limit - 1]), whole)
    if not scored:
        return _NO_MATCH
    best = scored[0].match
    runner_up = scored[1].match.score if len(scored) > 1 else 0.0
    lead = best.score - runner_up
    confident = (best.score >= cfg.answer_threshold and lead >= cfg.margin) or (
        best.score >= cfg.confident_threshold and lead >= cfg.confident_margin
    )
    # An entry about another role or region than the one asked about, or one that
    # holds too little of the question's content words ("手机没信号" has nothing in
    # common with any entry but "怎么办"), is at most suggested.
    # A question of one common word ("服务专员", "人才") is too vague to answer.
    confident = confident and scored[0].evidence >= cfg.min_evidence
    # A rare or unknown content word the entry cannot account for ("注销" in 公司注销流程,
    # "利率" in 银行贷款利率) means the question is about something else.
    confident = confident and scored[0].unexplained <= cfg.max_unexplained
    # The question and the entry's closest question must overlap both ways: "银行贷款利率"
    # holds a word of "专利质押 银行 放款", but not its subject.
    confident = confident and scored[0].closeness >= cfg.min_closeness
    # All of it together: the learned confidence that the best candidate answers.
    confident = confident and (cfg.min_confidence <= 0
                               or confidence(scored, cfg) >= cfg.min_confidence)
    if confident and not scored[0].conflict and scored[0].content >= cfg.min_content:
        others = [s.match for s in scored[1:] if s.match.score >= cfg.suggest_threshold]
        return MatchResult(ANSWER, (best, *others[: limit - 1]), best)
    least = cfg.suggest_threshold
    if cfg.domain_suggest_threshold is not None and scored[0].domain:
        least = min(least, cfg.domain_suggest_threshold)
    if best.score >= least:
        floor = max(least, best.score - cfg.suggest_window)
        return MatchResult(
            SUGGEST, tuple(s.match for s in scored[:limit] if s.match.score >= floor), best
        )
    return MatchResult(NONE, (), best)


class Matcher:
    """Finds the entries that answer a question; build once, call :meth:`match` often."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: MatcherConfig | None = None,
        synonyms: SynonymTable | None = None,
        facets: Facets | None = None,
        units: Callable[[Entry], Sequence[str]] | None = None,
        secondary: Callable[[Entry], bool] | None = None,
        expansions: Expansions | None = None,
    ) -> None:
        """``units`` gives the texts of an entry that a question is compared with one by one
        (its closest text decides the *recall*, *dice* and *fuzzy* components): by default
        its question, alternates and English question; for a statute article, its clauses.
        An entry for which ``secondary`` holds is scored down by ``prior_factor``."""
        self.kb = kb
        self.config = config or MatcherConfig()
        self._synonyms = synonyms
        self._facets = default_facets() if facets is None else facets
        self._weights = self.config.weights()
        to_simplified("預熱")  # load OpenCC's tables now, not on the first traditional question

        entries = kb.entries
        self._entries: tuple[Entry, ...] = entries
        n = len(entries)
        table = default_synonyms() if synonyms is None else synonyms
        lexicon: set[str] = set(table.canonical_terms())
        lexicon.update(self._facets.terms())

        q_texts: list[str] = []
        a_texts: list[str] = []
        texts: list[str] = []  # every distinct compact question of every entry
        entry_start: list[int] = []
        signatures: list[tuple[int, ...]] = []
        # per guard, whether an entry gives what such a question asks for: it names it (a
        # reward; a jurisdiction outside China); or it routes the question (where to go, not
        # what the law is); or, for the jurisdiction guard, it is a region's document, whose
        # programmes are its subject (Shanghai's overseas talent, its overseas disputes)
        self._guards = self._facets.all_guards()
        guarded: list[list[bool]] = [[] for _ in self._guards]
        self._exact: dict[str, list[int]] = {}
        seen_forms: dict[str, str] = {}  # tags, regions and shared alternates recur
        label_signatures: dict[tuple[str, ...], tuple[int, ...]] = {}

        def norm(text: str) -> str:
            form = seen_forms.get(text)
            if form is None:
                form = seen_forms[text] = self._normalize(text)
            return form

        for index, entry in enumerate(entries):
            qs = [*entry.questions, *([entry.question_en] if entry.question_en else [])]
            questions = [norm(q) for q in qs]
            tags = [norm(t) for t in entry.tags]
            answer = self._normalize(
                entry.answer + (" " + entry.answer_en if entry.answer_en else "")
            )
            lexicon.update(seg for t in tags for seg in t.split(" "))
            lexicon.update(
                seg for q in questions if " " in q for seg in q.split(" ")
                if len(seg) <= MAX_GROUP_WORD
            )
            entry_start.append(len(texts))
            for q in questions:
                flat = compact(q)
                if flat:
                    found = self._exact.setdefault(flat, [])
                    if not found or found[-1] != index:
                        found.append(index)
            seen: set[str] = set()
            own = questions if units is None else [norm(u) for u in units(entry)]
            for q in own:
                flat = compact(q)
                if flat in seen or (not flat and seen):
                    continue  # keep one (possibly empty) text per entry
                seen.add(flat)
                texts.append(flat)
            if not seen:
                texts.append("")
            q_texts.append(" ".join((*questions, *tags)))
            a_texts.append(answer)
            region = norm(entry.source.region or "")
            # a term never spans two texts, so the signature of several is the union of theirs
            labels = (*tags, region)
            shared = label_signatures.get(labels)
            if shared is None:
                shared = label_signatures[labels] = self._facets.signature(labels)
            own_signature = self._facets.signature(questions)
            signatures.append(tuple(a | b for a, b in zip(own_signature, shared, strict=True)))
            whole = "\n".join((*questions, *tags, answer))
            flat = compact(whole)
            for guard, gives in zip(self._guards, guarded, strict=True):
                regional = guard.region_gives and bool(entry.source.region)
                gives.append(entry.kind == "route" or regional or guard.given(whole, flat))

        self._ascii_words: dict[str, int] = {}
        self._q = KeyIndex(q_texts, self._ascii_words)
        self._a = KeyIndex(a_texts, self._ascii_words)
        del q_texts, a_texts
        self._n = max(n, 1)
        self._max_idf = math.log(1.0 + self._n)
        self._segmenter = WordSegmenter(lexicon, frame_words())
        self._word_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()

        self._texts = texts
        self._expansions = default_expansions() if expansions is None else expansions
        self._prior: np.ndarray | None = None
        if secondary is not None and self.config.prior_factor != 1.0:
            self._prior = np.array([self.config.prior_factor if secondary(e) else 1.0
                                    for e in entries])
        self._mass_cache: dict[str, float] = {}
        self._char_idf = self._char_weights()
        self._text_mass = self._masses(texts)
        self._entry_start = np.asarray(entry_start, dtype=np.intp)
        self._entry_end = np.append(self._entry_start[1:], len(texts)).astype(np.intp)
        groups = len(self._facets.groups)
        self._signatures = np.asarray(signatures, dtype=np.int64).reshape(n, groups)
        self._gives = [np.asarray(g, dtype=bool) for g in guarded]
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

    def words(self, normalized: str) -> list[str]:
        """The distinct words of a normalised question."""
        return self._segmenter.words(normalized)

    def index_bytes(self) -> int:
        """Bytes held by the two inverted indexes' arrays (not counting Python objects)."""
        return self._q.nbytes() + self._a.nbytes()

    def _char_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted character codes and each one's IDF over the entries (questions, tags and
        answers; the larger of the two document frequencies)."""
        counts: dict[int, int] = {}
        for index in (self._q, self._a):
            keys, sizes = index.key_counts()
            single = keys < BIGRAM
            for key, size in zip(keys[single].tolist(), sizes[single].tolist(), strict=True):
                if size > counts.get(key, 0):
                    counts[key] = size
        codes = np.fromiter(counts, dtype=np.int64, count=len(counts))
        df = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        order = np.argsort(codes)
        return codes[order], np.log1p(self._n / np.maximum(df[order], 1.0))

    def _mass(self, text: str) -> float:
        """The IDF mass of a text's characters (a character found nowhere weighs the most)."""
        if not text:
            return 0.0
        found = self._mass_cache.get(text)
        if found is None:
            found = float(self._char_mass(text_codes(text)).sum())
            if len(self._mass_cache) >= _WORD_CACHE:
                self._mass_cache.clear()
            self._mass_cache[text] = found
        return found

    def _char_mass(self, codes: np.ndarray) -> np.ndarray:
        known, idf = self._char_idf
        if len(known) == 0:
            return np.full(len(codes), self._max_idf)
        at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
        return np.where(known[at] == codes, idf[at], self._max_idf)

    def _masses(self, texts: Sequence[str], chunk: int = 4096) -> np.ndarray:
        """:meth:`_mass` of every text, with numpy, a chunk of texts at a time."""
        out = np.zeros(len(texts))
        for first in range(0, len(texts), chunk):
            part = texts[first : first + chunk]
            lengths = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
            mass = self._char_mass(text_codes("".join(part)))
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            nonempty = lengths > 0
            if len(mass):
                out[first + np.flatnonzero(nonempty)] = np.add.reduceat(mass, starts[nonempty])
        return out

    def _found(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Per entry, whether ``word`` is in its questions/tags and in its answer."""
        cached = self._word_cache.get(word)
        if cached is not None:
            self._word_cache.move_to_end(word)
            return cached
        size = self._q.size
        keys = word_keys(word, self._ascii_words)
        found = []
        for index in (self._q, self._a):
            hit = np.ones(size, dtype=bool)
            for key in keys:
                mark = np.zeros(size, dtype=bool)
                mark[index.postings(key)] = True
                hit &= mark
            found.append(hit)
        result = (found[0], found[1])
        self._word_cache[word] = result
        if len(self._word_cache) > _WORD_CACHE:
            self._word_cache.popitem(last=False)
        return result

    def query_weights(self, normalized: str) -> dict[str, float]:
        """Weight of each distinct word of a normalised query (see the module docstring).

        A word the knowledge base does not hold, of three characters or more, is
        replaced by its two-character pieces when the knowledge base holds every one of
        them ("如何申请" → 如何, 申请; but "营业执照" stays whole when 执照 is unknown).
        """
        weights: dict[str, float] = {}
        segmenter = self._segmenter
        for word in self._split_frames(self.words(normalized)):
            df = self._df(word)
            if not df and len(word) >= 3 and not word.isascii():
                parts = segmenter.parts(word)
                if all(self._df(p) for p in parts if len(p) > 1):
                    for part in parts:
                        weights.setdefault(part, self._weight(part, self._df(part)))
                    continue
            weights[word] = self._weight(word, df)
        pieces = self.config.subword_factor
        if pieces > 0:  # "专利保护" is found whole in few articles, 专利 and 保护 in many
            for word in list(weights):
                if len(word) >= 4 and not word.isascii():
                    for part in segmenter.parts(word):
                        if len(part) > 1 and part not in weights:
                            df = self._df(part)
                            if df:
                                weights[part] = pieces * self._weight(part, df)
        factor = self.config.expand_factor
        if factor > 0:
            for term in self._expansions.terms(compact(normalized)):
                if term not in weights:
                    df = self._df(term)
                    if df:
                        weights[term] = factor * self._weight(term, df)
        return weights

    def optional(self, normalized: str, weights: dict[str, float]) -> frozenset[str]:
        """The words of ``weights`` that only an expansion or a piece of a longer word
        added (an entry is not required to hold them)."""
        if self.config.expand_factor <= 0 and self.config.subword_factor <= 0:
            return frozenset()
        own = set(self._split_frames(self.words(normalized)))
        return frozenset(w for w in weights if w not in own and any(
            len(o) > len(w) and w in o for o in own)) | frozenset(
            w for w in self._expansions.terms(compact(normalized)) if w in weights
            and w not in own)

    def standins(self, normalized: str) -> dict[str, tuple[str, ...]]:
        """For each question word that an expansion's trigger overlaps, the terms the
        expansion adds: an entry holding one of them accounts for the word ("学历" in
        当服务专员得啥学历 is accounted for by 专业毕业)."""
        if self.config.expand_factor <= 0:
            return {}
        query = compact(normalized)
        own = self._split_frames(self.words(normalized))
        out: dict[str, tuple[str, ...]] = {}
        for trigger, terms in self._expansions.rules:
            if trigger in query:
                for word in own:
                    if word in trigger or trigger in word:
                        out[word] = (*out.get(word, ()), *terms)
        return out

    def _split_frames(self, words: list[str]) -> list[str]:
        """Words with a light two-character head or tail cut off it: "如何申报" → 如何,
        申报; "有什么" → 有, 什么 (the synonym table makes such compounds: 怎么办 → 如何办)."""
        out: list[str] = []
        light = self._segmenter.is_light
        for word in words:
            if len(word) >= 3 and not word.isascii() and not self._df(word):
                if light(word[:2]):
                    out.extend((word[:2], word[2:]))
                    continue
                if light(word[-2:]):
                    out.extend((word[:-2], word[-2:]))
                    continue
            out.append(word)
        return list(dict.fromkeys(out))

    def _df(self, word: str) -> int:
        in_q, in_a = self._found(word)
        return int(np.count_nonzero(in_q | in_a))

    def _weight(self, word: str, df: int) -> float:
        cfg = self.config
        if df:
            base = math.log(1.0 + self._n / df)
        else:
            base = self._max_idf * cfg.unseen_idf_factor
            if word.isascii():
                base *= cfg.unseen_ascii_factor
        if self._segmenter.is_light(word):
            return base * cfg.light_factor
        if len(word) == 1 and not word.isascii():
            return base * cfg.single_char_factor
        return base

    def _facet_factor(self, normalized: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Per entry, the facet factor and whether it contradicts the query: ``facet_penalty``
        to the power of its facet conflicts with the query, times ``facet_missing_penalty``
        for each group the query names and the entry names nothing of (a question about
        the envoy's 条件 is not answered by the conditions of a patent)."""
        query_sig = self._facets.signature([normalized])
        if not any(query_sig):
            return None
        conflicts = np.zeros(len(self._entries), dtype=np.int64)
        missing = np.zeros(len(self._entries), dtype=np.int64)
        for g, q in enumerate(query_sig):
            if q:
                column = self._signatures[:, g]
                conflicts += (column != 0) & ((column & q) == 0)
                missing += column == 0
        cfg = self.config
        if not conflicts.any() and (cfg.facet_missing_penalty == 1.0 or not missing.any()):
            return None
        return (np.power(cfg.facet_penalty, conflicts)
                * np.power(cfg.facet_missing_penalty, missing), conflicts > 0)

    def features(self, normalized: str, weights: dict[str, float],
                 optional: frozenset[str] = frozenset()) -> dict[str, np.ndarray]:
        """Entry-level score components (vectors over the knowledge base).

        ``coverage``: share of the query's weight found in the entry's questions
        and tags; ``answer``: share found in its answer; ``explained``: share
        found anywhere in the entry; ``facet``: the facet factor (1, or
        ``facet_penalty`` per conflict, times ``anchor_penalty`` when the entry holds
        no content word of the query: "今天吃什么" is frame and one character);
        ``content``: share of the query's content words' weight found in the entry (1
        when the query has none).
        """
        n = len(self._entries)
        total = sum(weights.values()) or 1.0
        coverage = np.zeros(n)
        answer = np.zeros(n)
        explained = np.zeros(n)
        anchored = np.zeros(n, dtype=bool)
        content = np.zeros(n)
        unexplained = np.zeros(n)
        content_total = 0.0
        standins = self.standins(normalized)
        for word, w in weights.items():
            in_q, in_a = self._found(word)
            both = in_q | in_a
            if word in standins and not both.any():  # "卖" is found nowhere: where 销售 is
                for term in standins[word]:
                    term_q, term_a = self._found(term)
                    in_q, in_a = in_q | term_q, in_a | term_a
            coverage += w * in_q
            answer += w * in_a
            for term in standins.get(word, ()):  # for the content share: 学历 by 专业毕业
                term_q, term_a = self._found(term)
                both = both | term_q | term_a
            explained += w * (in_q | in_a)
            if word not in optional and self._is_anchor(word):
                anchored |= both
                content += w * both
                content_total += w
                np.maximum(unexplained, np.where(both, 0.0, w), out=unexplained)
        found = self._facet_factor(normalized)
        facet = np.ones(n) if found is None else found[0]
        if self._prior is not None:
            facet = facet * self._prior
        conflict = np.zeros(n, dtype=bool) if found is None else found[1]
        for guard, gives in zip(self._guards, self._gives, strict=True):
            # "日本外观设计能保护多少年", "驰名商标认定有奖励吗": an entry that does not give what
            # is asked for (a country outside China, a reward) is at most suggested
            if guard.asked(normalized):
                conflict = conflict | ~gives
        return {
            "coverage": coverage / total,
            "answer": answer / total,
            "explained": explained / total,
            "facet": facet * np.where(anchored, 1.0, self.config.anchor_penalty),
            "conflict": conflict,
            "content": content / content_total if content_total else np.ones(n),
            "evidence": np.full(n, sum(weights.values())),
            "unexplained": unexplained / self._max_idf,
        }

    def _is_anchor(self, word: str) -> bool:
        """A content word: not light, not a number, an ASCII word or at least two characters."""
        return ((word.isascii() and not word.isdigit()) or len(word) >= 2) and (
            not self._segmenter.is_light(word))

    def _candidate_texts(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the candidates' texts, and where each candidate's run starts."""
        starts = self._entry_start[candidates]
        counts = self._entry_end[candidates] - starts
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)
        index = np.repeat(starts - offsets, counts) + np.arange(int(counts.sum()))
        return index.astype(np.intp), offsets

    def closest_question(
        self, query: str, weights: dict[str, float], candidates: np.ndarray,
        standins: dict[str, tuple[str, ...]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Per candidate, overlap with its closest question or alternate.

        ``recall``: share of the query's weight in that text; ``dice``: Dice
        overlap of that share and the share of the text's characters covered by
        the query's words; ``fuzzy``: rapidfuzz ratio (0–1) of the compacted
        strings.
        """
        total = sum(weights.values()) or 1.0
        texts, offsets = self._candidate_texts(candidates)
        if len(texts) == 0:
            zero = np.zeros(len(candidates))
            return {"recall": zero, "dice": zero, "fuzzy": zero}
        order = texts.tolist()
        flat = [self._texts[t] for t in order]
        masses = self._text_mass[texts]
        standins = standins or {}
        items = [(word, w, self._mass(word), standins.get(word, ()))
                 for word, w in weights.items()]
        shared = np.zeros(len(flat))
        dice = np.zeros(len(flat))
        for i, text in enumerate(flat):
            mass = chars = 0.0
            for word, w, m, others in items:
                if word in text:
                    mass += w
                    chars += m
                elif others:
                    for other in others:
                        if other in text:
                            mass += w
                            chars += self._mass(other)
                            break
            if mass:
                recall = mass / total
                precision = min(1.0, chars / max(float(masses[i]), 1e-9))
                shared[i] = recall
                dice[i] = 2 * recall * precision / (recall + precision)
        ratios = process.cdist([query], flat, scorer=fuzz.ratio, dtype=np.float32)[0] / 100.0
        return {
            "recall": np.maximum.reduceat(shared, offsets),
            "dice": np.maximum.reduceat(dice, offsets),
            "fuzzy": np.maximum.reduceat(ratios.astype(np.float64), offsets),
        }

    def _score(
        self, query: str, normalized: str, weights: dict[str, float], mask: np.ndarray
    ) -> list[_Scored]:
        """Scores of the best visible candidates, best first (empty if nothing overlaps)."""
        w = self._weights
        f = self.features(normalized, weights, self.optional(normalized, weights))
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
        standins = {w: s for w, s in self.standins(normalized).items() if not self._df(w)}
        c = self.closest_question(query, weights, hit, standins)
        final = (
            w.coverage * f["coverage"][hit]
            + w.answer * f["answer"][hit]
            + w.recall * c["recall"]
            + w.dice * c["dice"]
            + w.fuzzy * c["fuzzy"]
        ) * factor[hit]
        conflict = f["conflict"][hit]
        content = f["content"][hit]
        unexplained = f["unexplained"][hit]
        closeness, fuzzy, coverage = c["dice"], c["fuzzy"], f["coverage"][hit]
        agreement = self._agreement(normalized, hit)
        evidence = float(f["evidence"][0]) if len(f["evidence"]) else 0.0
        domain = float(self._facets.in_domain(normalized))
        order = np.argsort(-final, kind="stable")
        return [
            _Scored(Match(self._entries[int(hit[i])], round(float(final[i]), 4)),
                    bool(conflict[i]), float(content[i]), evidence, float(unexplained[i]),
                    float(closeness[i]), float(coverage[i]), float(fuzzy[i]),
                    int(agreement[i]), domain)
            for i in order.tolist()
        ]

    def _agreement(self, normalized: str, candidates: np.ndarray) -> np.ndarray:
        """Per candidate, the facets the query names and the entry shares a value of."""
        agree = np.zeros(len(candidates), dtype=np.int64)
        for g, q in enumerate(self._facets.signature([normalized])):
            if q:
                agree += (self._signatures[candidates, g] & q) != 0
        return agree

    def _decide(self, scored: list[_Scored], exact: Entry | None, limit: int) -> MatchResult:
        return decide(scored, exact, limit, self.config)

    # ------------------------------------------------------------------ public

    def scored(self, question: str, viewer: str) -> list[_Scored]:
        """Every candidate of ``question`` for ``viewer``, best first (for tuning)."""
        mask = self._mask(viewer)
        normalized = self._normalize(question)
        query = compact(normalized)
        if sum(c.isalnum() for c in query) < self.config.min_query_chars:
            return []
        return self._score(query, normalized, self.query_weights(normalized), mask)

    def exact(self, question: str, viewer: str) -> Entry | None:
        """The one visible entry of which ``question`` is exactly a question, if any."""
        mask = self._mask(viewer)
        found = [i for i in self._exact.get(compact(self._normalize(question)), ()) if mask[i]]
        return self._entries[found[0]] if len(found) == 1 else None

    def _mask(self, viewer: str) -> np.ndarray:
        mask = self._masks.get(viewer)
        if mask is None:
            allowed_audiences(viewer)  # raises ValueError with the accepted values
            raise AssertionError("unreachable")
        return mask

    def match(self, question: str, viewer: str, limit: int = 3) -> MatchResult:
        """Match ``question`` for a ``viewer`` ("staff", "enterprise" or "public").

        Only entries the viewer may see are considered.  Returns at most
        ``limit`` matches, best first.
        """
        mask = self._mask(viewer)
        normalized = self._normalize(question)
        query = compact(normalized)
        if limit < 1 or sum(c.isalnum() for c in query) < self.config.min_query_chars:
            return _NO_MATCH
        scored = self._score(query, normalized, self.query_weights(normalized), mask)
        exact = [i for i in self._exact.get(query, ()) if mask[i]]
        return self._decide(scored, self._entries[exact[0]] if len(exact) == 1 else None, limit)
