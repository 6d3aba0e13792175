"""Word-aware n-grams for Chinese text, with a lexicon drawn from the knowledge base.

Plain character bigrams also produce bigrams *across* word boundaries: "特派员任务"
yields "员任", which is rare, so it gets a high IDF weight and makes the
question look like "特派员任期".  A :class:`Segmenter` first cuts each CJK run
into known words by forward maximum matching against a lexicon (the
knowledge base's tags, the short word groups its authors separated with
spaces, and the lexicon's canonical terms), then makes bigrams *within* words
and within the stretches of unknown characters between them.  A lone
character between two words becomes a token of its own ("改" in "记录可以改").

The same segmenter is applied to the knowledge base and to the questions, so
both sides are cut the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

_RUNS: Final = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

MAX_WORD: Final[int] = 8


def is_cjk_word(text: str) -> bool:
    """Whether ``text`` is made of CJK characters only."""
    return bool(_CJK.fullmatch(text))


class Segmenter:
    """Cuts normalised text into index tokens, never across a known word's edge."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        lexicon = {w for w in words if 2 <= len(w) <= MAX_WORD and is_cjk_word(w)}
        self._words: frozenset[str] = frozenset(lexicon)
        self._lengths: tuple[int, ...] = tuple(sorted({len(w) for w in lexicon}, reverse=True))

    @property
    def words(self) -> frozenset[str]:
        """The lexicon."""
        return self._words

    def words_of(self, run: str) -> list[str]:
        """Forward maximum matching of a CJK run; unknown stretches are kept whole."""
        words, lengths = self._words, self._lengths
        out: list[str] = []
        unknown_start = -1
        i, n = 0, len(run)
        while i < n:
            for length in lengths:
                if i + length <= n and run[i : i + length] in words:
                    if unknown_start >= 0:
                        out.append(run[unknown_start:i])
                        unknown_start = -1
                    out.append(run[i : i + length])
                    i += length
                    break
            else:
                if unknown_start < 0:
                    unknown_start = i
                i += 1
        if unknown_start >= 0:
            out.append(run[unknown_start:])
        return out

    def ngrams(self, normalized: str) -> list[str]:
        """Tokens of a normalised string: bigrams within words, ASCII words, lone characters.

        Order is kept and duplicates are not removed.
        """
        grams: list[str] = []
        for segment in normalized.split(" "):
            for run in _RUNS.findall(segment):
                if run[0].isascii() or len(run) == 1:
                    grams.append(run)
                    continue
                for word in self.words_of(run) if self._words else (run,):
                    if len(word) == 1:
                        grams.append(word)
                    else:
                        grams.extend(word[i : i + 2] for i in range(len(word) - 1))
        return grams
