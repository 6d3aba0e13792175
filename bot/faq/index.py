"""The inverted index of the FAQ matcher: key → ascending entry numbers, in compressed form.

A text's keys are its characters, its character pairs (not across a space) and its ASCII words,
each coded as one integer (:func:`word_keys` gives the keys a word must all be found under).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Final

import numpy as np

_ASCII: Final = re.compile(r"[a-z0-9]")
_ASCII_WORDS: Final = re.compile(r"[a-z0-9]+")

BIGRAM: Final = 1 << 21  # character codes are below 2**21
_ASCII_WORD: Final = 1 << 42  # above every pair key; shifted by _OWNER_BITS it fits int64
_OWNER_BITS: Final = 20  # at most about a million entries per index
_SPACE: Final = ord(" ")


def text_codes(text: str) -> np.ndarray:
    """The code points of ``text`` (as ``int64``)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


class KeyIndex:
    """Key → ascending entry numbers, for keys made of the entries' texts.

    The keys of a text are its characters, its character pairs (not across a space)
    and its ASCII words, each coded as one integer: a character by its code point, a
    pair as ``(a << 21 | b) + 2**21``, an ASCII word by its number in ``ascii_words``
    plus ``2**42`` (above every pair's code, and low enough that a key shifted left by 20
    bits for its entry still fits a signed 64-bit integer).  The index is built with numpy,
    a chunk of entries at a time, and stored as two arrays: the sorted distinct keys with
    where their run starts, and the entry numbers.
    """

    __slots__ = ("_data", "_keys", "_offsets", "size")

    def __init__(self, texts: Sequence[str], ascii_words: dict[str, int],
                 chunk: int = 1024) -> None:
        size = len(texts)
        self.size = size
        # in chunks of entries, so that the temporary arrays stay small
        parts = [_pairs(texts[i : i + chunk], i, ascii_words) for i in range(0, size, chunk)]
        combined = np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
        del parts
        keys = combined >> _OWNER_BITS
        self._data = (combined & ((1 << _OWNER_BITS) - 1)).astype(np.int32)
        del combined
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        self._keys = keys[starts]
        self._offsets = np.append(starts, len(keys)).astype(np.int64)

    def postings(self, key: int | None) -> np.ndarray:
        """Entries holding ``key`` (ascending)."""
        if key is None:
            return self._data[:0]
        at = int(np.searchsorted(self._keys, key))
        if at >= len(self._keys) or int(self._keys[at]) != key:
            return self._data[:0]
        return self._data[self._offsets[at] : self._offsets[at + 1]]

    def key_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Every key and the number of entries holding it."""
        return self._keys, np.diff(self._offsets)

    def nbytes(self) -> int:
        return int(self._data.nbytes + self._keys.nbytes + self._offsets.nbytes)


def _pairs(texts: Sequence[str], first: int, ascii_words: dict[str, int]) -> np.ndarray:
    """Sorted distinct ``key << 20 | entry`` of ``texts`` (entries ``first``, ``first + 1`` …)."""
    joined = "\n".join(texts)
    codes = text_codes(joined)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    owners = np.repeat(np.arange(first, first + len(texts), dtype=np.int64), lengths)
    owners = owners[: len(codes)]
    gap = (codes == _SPACE) | (codes == ord("\n"))
    pairs = ((codes[:-1] << 21) | codes[1:]) + BIGRAM
    pair_ok = ~(gap[:-1] | gap[1:])
    parts = [codes[~gap] << _OWNER_BITS | owners[~gap],
             pairs[pair_ok] << _OWNER_BITS | owners[:-1][pair_ok]]
    if _ASCII.search(joined):
        words: list[int] = []
        word_owners: list[int] = []
        for owner, text in enumerate(texts, start=first):
            for word in _ASCII_WORDS.findall(text):
                words.append(ascii_words.setdefault(word, len(ascii_words)))
                word_owners.append(owner)
        parts.append((np.asarray(words, dtype=np.int64) + _ASCII_WORD) << _OWNER_BITS
                     | np.asarray(word_owners, dtype=np.int64))
    combined = np.sort(np.concatenate(parts))
    return combined[np.concatenate(([True], combined[1:] != combined[:-1]))]


def word_keys(word: str, ascii_words: dict[str, int]) -> list[int | None]:
    """The index keys a word must all be found under: an ASCII word, a character, or the
    word's character pairs."""
    if word.isascii():
        number = ascii_words.get(word)
        return [None if number is None else number + _ASCII_WORD]
    if len(word) == 1:
        return [ord(word)]
    return [((ord(a) << 21) | ord(b)) + BIGRAM for a, b in itertools.pairwise(word)]
