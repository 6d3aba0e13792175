"""Facets: groups of mutually exclusive terms (roles, regions) that must agree.

Many entries come in parallel pairs that differ only in one word: the same
question about the service commissioner (服务专员) and about the envoy
(特派员), or the same talent-policy question for Shanghai and for Jiyuan.
That word is frequent, so IDF gives it little weight, yet it decides the
answer.  A facet names such a group; when the question mentions some values of
a group and an entry mentions only *other* values of it, the entry is
penalised.  An entry (or a question) that mentions none of a group's values is
neutral.

The groups are data, in ``facets:`` of ``synonyms.yaml``: a list of lists of
terms, each written in its canonical (already synonym-rewritten) form.  An
entry's text for facets is its questions, alternates, tags and its source's
region.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.faq.normalize import SYNONYMS_FILE, clean, compact


@dataclass(frozen=True, slots=True)
class Facets:
    """Groups of mutually exclusive normalised terms."""

    groups: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> Facets:
        """Read ``facets: [[term, ...], ...]`` (terms are cleaned)."""
        raw = data.get("facets") or []
        if not isinstance(raw, list):
            raise ValueError("'facets' must be a list of lists of terms")
        groups: list[tuple[str, ...]] = []
        for group in raw:
            if not isinstance(group, list) or len(group) < 2:
                raise ValueError("every facet must be a list of at least two terms")
            terms = tuple(compact(clean(str(t))) for t in group)
            if not all(terms) or len(set(terms)) != len(terms):
                raise ValueError(f"facet {group!r} has empty or repeated terms")
            groups.append(terms)
        return cls(tuple(groups))

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_FILE) -> Facets:
        """Load the ``facets`` of a YAML file (the shipped ``synonyms.yaml`` by default)."""
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        return cls.from_mapping(data)

    def signature(self, texts: Iterable[str]) -> tuple[int, ...]:
        """Per group, a bit mask of the terms found in the normalised ``texts``."""
        joined = "\n".join(compact(t) for t in texts)
        return tuple(
            sum(1 << i for i, term in enumerate(group) if term in joined) for group in self.groups
        )

    @staticmethod
    def conflicts(query: Sequence[int], entry: Sequence[int]) -> int:
        """How many groups the query and the entry both mention, with no term in common."""
        return sum(1 for q, e in zip(query, entry, strict=True) if q and e and not q & e)


@functools.cache
def default_facets() -> Facets:
    """The shipped facets (``facets:`` of ``bot/faq/synonyms.yaml``), loaded once."""
    return Facets.from_file(SYNONYMS_FILE)
