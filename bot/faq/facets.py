"""Facets: groups of mutually exclusive values (roles, regions) that must agree.

Many entries come in parallel pairs that differ only in one word: the same
question about the service commissioner (服务专员) and about the envoy
(特派员), or the same talent-policy question for Shanghai and for Jiyuan.
That word is frequent, so IDF gives it little weight, yet it decides the
answer.  A facet names such a group; when the question names some values of a
group and an entry names only *other* values of it, the entry is penalised.
An entry (or a question) that names none of a group's values is neutral.

The groups are data, in ``facets:`` of ``synonyms.yaml``::

    facets:
      region:
        浙江: [浙江, 杭州, 宁波]      # value: terms that name it
        上海: [上海, 浦东]

Terms are written in their canonical (synonym-rewritten) form.  An entry's text
for facets is its questions, alternates, tags and its source's region.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.faq.normalize import SYNONYMS_FILE, clean, compact


@dataclass(frozen=True, slots=True)
class Facet:
    """One group: its values, each with the terms that name it."""

    name: str
    values: tuple[tuple[str, tuple[str, ...]], ...]


def _signature_finder(groups: tuple[Facet, ...]
                      ) -> tuple[Callable[..., re.Match[str] | None],
                                 dict[str, tuple[tuple[int, int], ...]]]:
    """The search of a pattern finding the longest term of any group that starts at or after
    a position, and per term the (group, bits) it names, together with those of every shorter
    term that it starts with (the terms found at one position all start the longest one found
    there).  An empty term names nothing."""
    named: dict[str, dict[int, int]] = {}
    for g, group in enumerate(groups):
        for i, (_, terms) in enumerate(group.values):
            for t in filter(None, terms):
                per_group = named.setdefault(t, {})
                per_group[g] = per_group.get(g, 0) | (1 << i)
    folded: dict[str, tuple[tuple[int, int], ...]] = {}
    for u in named:
        merged: dict[int, int] = {}
        for t, per_group in named.items():
            if u.startswith(t):
                for g, mask in per_group.items():
                    merged[g] = merged.get(g, 0) | mask
        folded[u] = tuple(sorted(merged.items()))
    ordered = sorted(named, key=lambda t: (-len(t), t))
    pattern = re.compile("|".join(re.escape(t) for t in ordered) or r"(?!)")
    return pattern.search, folded


@dataclass(frozen=True, slots=True)
class Facets:
    """All facet groups."""

    groups: tuple[Facet, ...] = ()
    domain: tuple[str, ...] = ()
    """Terms that place a question in the knowledge base's field (``domain:`` of
    ``synonyms.yaml``): "公司注销要准备哪些材料" names none, "商标注销" does."""
    abroad: tuple[str, ...] = ()
    """Terms that name a jurisdiction outside China (``abroad:`` of ``synonyms.yaml``):
    the statutes and documents are China's, so an entry that names none of them does not
    answer "日本外观设计能保护多少年" (see :meth:`Matcher.features`)."""

    guards: tuple[Guard, ...] = ()
    """Questions that ask for something only some texts can give (``guards:`` of
    ``synonyms.yaml``): "驰名商标认定有奖励吗" is not answered by an article that speaks of no
    reward (see :meth:`Matcher.features`)."""

    _finder: tuple[Callable[..., re.Match[str] | None], dict[str, tuple[tuple[int, int], ...]]] = (
        field(init=False, repr=False, compare=False))
    """Every group's terms in one pattern (see :meth:`signature`)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_finder", _signature_finder(self.groups))

    def in_domain(self, text: str) -> bool:
        """Whether the normalised ``text`` names a domain term."""
        joined = compact(text)
        return any(t in joined for t in self.domain)

    def names_abroad(self, text: str) -> bool:
        """Whether the normalised ``text`` names a jurisdiction outside China (an English
        term only as a whole word: "us" is not in "must")."""
        return names_any(self.abroad, text)

    def all_guards(self) -> tuple[Guard, ...]:
        """The ``guards:`` and, first, the jurisdiction guard: a question naming a country
        outside China is answered only by a text naming one, or by a region's document (its
        programmes abroad are its subject)."""
        if not self.abroad:
            return self.guards
        return (Guard("abroad", self.abroad, self.abroad, region_gives=True), *self.guards)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Facets:
        """Read ``facets: {group: {value: [term, ...]}}``, ``domain: [term, ...]`` and
        ``abroad: [term, ...]`` and ``guards: {name: {ask: [term, ...], answer: [term, ...]}}``
        (terms are cleaned)."""
        domain_terms = _term_list(data, "domain")
        abroad_terms = _term_list(data, "abroad")
        guards = _guards(data)
        raw = data.get("facets") or {}
        if not isinstance(raw, Mapping):
            raise ValueError("'facets' must map group names to {value: [terms]}")
        groups: list[Facet] = []
        for name, values in raw.items():
            if not isinstance(values, Mapping) or len(values) < 2:
                raise ValueError(f"facet {name!r} must map at least two values to terms")
            parsed: list[tuple[str, tuple[str, ...]]] = []
            for value, terms in values.items():
                if not isinstance(terms, list) or not terms:
                    raise ValueError(f"facet {name!r}: value {value!r} needs a list of terms")
                cleaned = tuple(compact(clean(str(t))) for t in terms)
                if not all(cleaned):
                    raise ValueError(f"facet {name!r}: value {value!r} has an empty term")
                parsed.append((str(value), cleaned))
            groups.append(Facet(str(name), tuple(parsed)))
        return cls(tuple(groups), domain_terms, abroad_terms, guards)

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_FILE) -> Facets:
        """Load the ``facets`` of a YAML file (the shipped ``synonyms.yaml`` by default)."""
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a mapping")
        return cls.from_mapping(data)

    def terms(self) -> frozenset[str]:
        """Every term of every value."""
        return frozenset(t for g in self.groups for _, terms in g.values for t in terms)

    def signature(self, texts: Iterable[str]) -> tuple[int, ...]:
        """Per group, a bit mask of the values named in the normalised ``texts`` (bit ``i``:
        value ``i``), found in one search over the texts for all groups."""
        joined = "\n".join(compact(t) for t in texts)
        search, bits = self._finder
        found = [0] * len(self.groups)
        hit = search(joined)
        while hit is not None:  # the longest term of any group at each position where one starts
            for g, mask in bits[hit.group()]:
                found[g] |= mask
            hit = search(joined, hit.start() + 1)
        return tuple(found)

    @staticmethod
    def conflicts(query: Sequence[int], entry: Sequence[int]) -> int:
        """How many groups the query and the entry both name, with no value in common."""
        return sum(1 for q, e in zip(query, entry, strict=True) if q and e and not q & e)


@dataclass(frozen=True, slots=True)
class Guard:
    """A question naming one of ``ask`` wants what only a text naming one of ``answer``
    gives: "…有奖励吗" asks for a reward, "…多少钱" for an amount in yuan."""

    name: str
    ask: tuple[str, ...]
    answer: tuple[str, ...]
    region_gives: bool = False
    """Whether a region's own document gives it whatever it says (the jurisdiction guard)."""

    def asked(self, question: str) -> bool:
        return names_any(self.ask, question)

    def given(self, text: str, flat: str | None = None) -> bool:
        """Whether ``text`` gives it (``flat``: the text :func:`compact`-ed, if known)."""
        return names_any(self.answer, text, flat)


def names_any(terms: tuple[str, ...], text: str, flat: str | None = None) -> bool:
    """Whether the normalised ``text`` names one of ``terms`` (an English term only as a
    whole word: "us" is not in "must"); ``flat`` is ``compact(text)``, if the caller has it."""
    if not terms:
        return False
    words, runs = _term_finders(terms)
    if runs and runs.search(compact(text) if flat is None else flat):
        return True
    return bool(words and words.search(text))


def _guards(data: Mapping[str, object]) -> tuple[Guard, ...]:
    raw = data.get("guards") or {}
    if not isinstance(raw, Mapping):
        raise ValueError("'guards' must map names to {ask: [terms], answer: [terms]}")
    found: list[Guard] = []
    for name, body in raw.items():
        if not isinstance(body, Mapping):
            raise ValueError(f"guard {name!r} must map 'ask' and 'answer' to terms")
        ask, answer = _term_list(body, "ask"), _term_list(body, "answer")
        if not ask or not answer:
            raise ValueError(f"guard {name!r} needs 'ask' and 'answer' terms")
        found.append(Guard(str(name), ask, answer))
    return tuple(found)


def _term_list(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    terms = data.get(key) or []
    if not isinstance(terms, list):
        raise ValueError(f"'{key}' must be a list of terms")
    return tuple(t for t in (compact(clean(str(d))) for d in terms) if t)


@functools.lru_cache(maxsize=16)
def _term_finders(terms: tuple[str, ...]
                    ) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """English terms as whole words (in the text with its spaces), the others anywhere (in
    the compacted text)."""
    ascii_ = [re.escape(t) for t in terms if t.isascii()]
    other = [re.escape(t) for t in sorted(terms, key=len, reverse=True) if not t.isascii()]
    return (re.compile(r"\b(?:" + "|".join(ascii_) + r")\b") if ascii_ else None,
            re.compile("|".join(other)) if other else None)


@functools.cache
def default_facets() -> Facets:
    """The shipped facets (``facets:`` of ``bot/faq/synonyms.yaml``), loaded once."""
    return Facets.from_file(SYNONYMS_FILE)
