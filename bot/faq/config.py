"""Tunable thresholds and weights of the FAQ matcher."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True, slots=True)
class Weights:
    """Normalised weights of the score components."""

    coverage: float
    answer: float
    recall: float
    dice: float
    fuzzy: float


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """Thresholds and weights of :class:`bot.faq.matcher.Matcher`.

    The settings in service are these defaults overridden by ``bot/faq/thresholds.yaml``
    (one section per answer tier), chosen by cross-validation on the tuning half of the
    evaluation set (``benchmarks/faq_eval.py --tune``); any of them can be overridden
    from data with :meth:`from_mapping` / :meth:`from_file`.

    Scores are in [0, 1].  The best match is *answered* when it is an exact
    match of a question or alternate, or scores at least ``answer_threshold``
    and leads the runner-up by ``margin``, or scores at least
    ``confident_threshold`` and leads by ``confident_margin``.  Otherwise the
    matches scoring at least ``suggest_threshold`` (and within
    ``suggest_window`` of the best) are *suggested*; otherwise there is *none*.
    """

    answer_threshold: float = 0.28
    """Lowest score answered when it leads the runner-up by ``margin``."""
    margin: float = 0.08
    confident_threshold: float = 0.37
    """Lowest score answered with a lead of only ``confident_margin``."""
    confident_margin: float = 0.01
    min_content: float = 0.0
    """Least share of the question's content words (weight) the best entry must hold to
    be answered."""
    min_evidence: float = 0.0
    """Least total weight of the question's words for an answer: a question of one common
    word ("服务专员", "人才") is too vague."""
    max_unexplained: float = 1.0
    """Heaviest content word of the question that the best entry may leave unexplained, for
    an answer, relative to the weight of the rarest word (1: no limit)."""
    min_closeness: float = 0.0
    """Least IDF-weighted Dice overlap of the question with the best entry's closest text
    (question, alternate; a clause for an article), for an answer."""
    min_confidence: float = 0.0
    """Least probability, by the confidence model, that the best candidate answers the
    question, for an answer (0: the model is not used).  The model is logistic over the
    best candidate's score, lead over the runner-up, closeness, content share, heaviest
    unexplained word, share found in its questions, fuzzy ratio, log(1 + evidence) and
    the number of facets (role, right, region) the question names and it shares;
    ``conf_*`` are its coefficients, fitted by ``benchmarks/faq_eval.py --tune``."""
    conf_bias: float = 0.0
    conf_score: float = 0.0
    conf_lead: float = 0.0
    conf_closeness: float = 0.0
    conf_content: float = 0.0
    conf_unexplained: float = 0.0
    conf_coverage: float = 0.0
    conf_fuzzy: float = 0.0
    conf_evidence: float = 0.0
    conf_agreement: float = 0.0
    conf_domain: float = 0.0
    suggest_threshold: float = 0.28
    """Lowest score offered as a suggestion."""
    domain_suggest_threshold: float | None = None
    """Lowest score offered as a suggestion when the question names a domain term (专利,
    商标, 著作权 …; ``facets.yaml``), if lower than ``suggest_threshold`` (None: the same).
    Set by hand, not tuned: the tuning objective does not count a suggestion against a
    far question, so it would push the floor to zero; the domain term keeps "外卖怎么退款"
    from being offered articles of the trademark law."""
    suggest_window: float = 0.15
    """Suggestions must score within this of the best one."""

    override_ratio: float = math.inf
    """Statute tier only: an article that answers replaces a curated answer that does not
    cite it when it scores at least this many times as much (inf: never)."""
    route_ratio: float = math.inf
    """Statute tier only: an article that answers gives way to the curated tier's best
    candidate when that is a routing entry scoring at least this share of the article, even
    too little to be suggested on its own: the question is then more likely about a matter
    the knowledge base routes (what an agency charges, where to register a work) than about
    the article's rule; both are suggested, the route first (inf: never)."""

    # weights of the score components (they are normalised to sum to 1)
    weight_coverage: float = 0.5
    """Share of the query's IDF mass found anywhere in the entry's questions and tags."""
    weight_answer: float = 1.0
    """Share of the query's IDF mass found in the answer text."""
    weight_recall: float = 1.0
    """Share of the query's IDF mass found in the closest single question/alternate."""
    weight_dice: float = 1.0
    """IDF-weighted Dice overlap with the closest question/alternate."""
    weight_fuzzy: float = 3.0
    """rapidfuzz ratio with the closest question/alternate."""

    explained_floor: float = 0.5
    """Score factor of an entry that accounts for none of the query (1: all of it)."""
    anchor_penalty: float = 0.5
    """Score factor of an entry that holds none of the query's content words."""
    facet_penalty: float = 0.75
    """Score factor for each facet (role, region) the entry contradicts (see facets.py)."""
    facet_missing_penalty: float = 1.0
    """Score factor for each facet group the question names and the entry names nothing of
    (1: such an entry is neutral)."""

    # retrieval
    max_candidates: int = 50
    """Entries pre-selected by the inverted index and then fully scored."""
    unseen_idf_factor: float = 0.8
    """Weight of a word found nowhere in the knowledge base, relative to the rarest one."""
    unseen_ascii_factor: float = 1.0
    """Weight factor of an English word (or other ASCII word) found nowhere in the knowledge
    base: in a tier whose texts are Chinese only (the statutes), such a word says which
    language the question is in, not what it is about (1: as any word found nowhere)."""
    light_factor: float = 0.3
    """Weight factor of a light word (numeral, measure word, adverb, particle, a very common
    verb …), whether or not the knowledge base holds it."""
    single_char_factor: float = 0.5
    """Weight factor of any other one-character word (it is found inside longer words)."""
    expand_factor: float = 0.0
    """Weight factor of a term added by the expansions of ``synonyms.yaml`` (0: none)."""
    subword_factor: float = 0.0
    """Weight factor of the two-character pieces of a question word of four characters or
    more, added as optional evidence ("专利保护" → 专利, 保护; 0: none)."""
    prior_factor: float = 1.0
    """Score factor of an entry the tier marks as secondary (a statute tier: the articles of
    implementing regulations, next to those of the laws)."""
    min_query_chars: int = 2
    """Queries shorter than this (after normalisation) get "none"."""

    def confidence_weights(self) -> tuple[float, ...]:
        """The confidence model's coefficients, in the order of its features."""
        return (self.conf_score, self.conf_lead, self.conf_closeness, self.conf_content,
                self.conf_unexplained, self.conf_coverage, self.conf_fuzzy,
                self.conf_evidence, self.conf_agreement, self.conf_domain)

    def weights(self) -> Weights:
        """The component weights, normalised to sum to 1."""
        raw = (
            self.weight_coverage,
            self.weight_answer,
            self.weight_recall,
            self.weight_dice,
            self.weight_fuzzy,
        )
        total = sum(raw)
        if total <= 0 or min(raw) < 0:
            raise ValueError("matcher weights must be non-negative and not all zero")
        return Weights(*(w / total for w in raw))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> MatcherConfig:
        """Defaults overridden by ``data``; unknown keys raise ``ValueError``."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown matcher settings: {', '.join(unknown)}")
        values: dict[str, object] = {}
        for key, value in data.items():
            default = getattr(cls(), key)
            if isinstance(default, bool) or not isinstance(value, int | float):
                raise ValueError(f"matcher setting {key!r} must be a number")
            values[key] = float(value) if default is None else type(default)(value)
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def from_file(cls, path: str | Path) -> MatcherConfig:
        """Defaults overridden by a YAML mapping in ``path``."""
        with Path(path).open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a mapping")
        return cls.from_mapping(data)
