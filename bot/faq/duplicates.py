"""Detection of duplicate and near-duplicate questions across entries.

Every entry's question and alternates are normalised exactly as the matcher
normalises user input, then compared with every other entry's: an exact match,
or a :func:`rapidfuzz.fuzz.ratio` at or above the threshold, is reported.  Two
entries that ask the same thing make the matcher hesitate between them (and
fall back to "suggest"), so the folder should not contain any.

All pairs are scored at once with :func:`rapidfuzz.process.cdist`, which keeps a
folder of a few thousand strings well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from rapidfuzz import fuzz, process

from bot.faq.facets import Facets, default_facets
from bot.faq.normalize import SynonymTable, compact, normalize

# Calibrated on the shipped folder, whose closest pair of different questions
# scores 83 once parallel role/region questions are set aside (see below);
# reworded copies of one question (an extra particle, a synonym, a dropped
# word) score 90–100.
NEAR_DUPLICATE_RATIO: Final[float] = 90.0

# Very short strings reach high ratios from a single shared character, so they
# are only compared exactly.
MIN_FUZZY_LENGTH: Final[int] = 6


@dataclass(frozen=True, slots=True)
class QuestionText:
    """One question or alternate of an entry, and where it was written."""

    entry_id: str
    text: str
    file: str
    line: int


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """``later`` duplicates (``score`` 100) or nearly duplicates ``earlier``."""

    earlier: QuestionText
    later: QuestionText
    normalized: tuple[str, str]
    score: float

    @property
    def exact(self) -> bool:
        """Whether both normalise to the same string."""
        return self.normalized[0] == self.normalized[1]


def find_duplicates(
    texts: Sequence[QuestionText],
    *,
    threshold: float = NEAR_DUPLICATE_RATIO,
    synonyms: SynonymTable | None = None,
    facets: Facets | None = None,
) -> list[DuplicatePair]:
    """Pairs of texts of *different* entries that are duplicates or near-duplicates.

    Texts that name different values of a facet ("上海…" / "济源…", "服务专员…" /
    "特派员…") are parallel questions, not duplicates, however alike.  At most
    one pair is reported per pair of entries (the closest one); the ``later``
    text of a pair is the one further down the folder.
    """
    normalized = [compact(normalize(t.text, synonyms)) for t in texts]
    groups = default_facets() if facets is None else facets
    signatures = [groups.signature([n]) for n in normalized]
    best: dict[tuple[str, str], DuplicatePair] = {}

    def consider(i: int, j: int, score: float) -> None:
        a, b = texts[i], texts[j]
        if a.entry_id == b.entry_id or groups.conflicts(signatures[i], signatures[j]):
            return
        key = (a.entry_id, b.entry_id) if a.entry_id < b.entry_id else (b.entry_id, a.entry_id)
        pair = DuplicatePair(a, b, (normalized[i], normalized[j]), score)
        current = best.get(key)
        if current is None or score > current.score:
            best[key] = pair

    first_seen: dict[str, int] = {}
    for j, norm in enumerate(normalized):
        if not norm:
            continue
        i = first_seen.setdefault(norm, j)
        if i != j:
            consider(i, j, 100.0)

    long_idx = [i for i, n in enumerate(normalized) if len(n) >= MIN_FUZZY_LENGTH]
    if len(long_idx) > 1:
        strings = [normalized[i] for i in long_idx]
        matrix = process.cdist(
            strings, strings, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8
        )
        rows, cols = np.nonzero(np.triu(matrix, k=1))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i, j = long_idx[r], long_idx[c]
            if normalized[i] != normalized[j]:
                consider(i, j, float(matrix[r, c]))

    return sorted(best.values(), key=lambda p: (p.later.file, p.later.line))
