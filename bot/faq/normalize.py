"""Chinese-aware text normalisation for FAQ matching.

``normalize(text)`` applies, in order:

1. Unicode NFKC (full-width letters, digits and punctuation become half-width);
2. lower-casing;
3. traditional → simplified Chinese (OpenCC ``t2s``, run only when the text holds
   a character that OpenCC would change);
4. punctuation, symbols and spaces become single spaces, which mark the word
   groups the writer made ("济源 领军人才"); emoji are kept, each on its own;
5. English plurals lose their -s ("visits" → "visit");
6. the domain lexicon (``synonyms.yaml`` beside this file): variants, English
   terms, typos and homophones are rewritten to one canonical form, filler
   words are dropped.  Rewriting is a longest-match left-to-right scan in which
   every canonical form maps to itself, so "服务专员" is never expanded again.  A pass
   is skipped when one pattern, run in C, finds no rule that would change anything
   anywhere in the text (so the pass that confirms a rewritten text is stable is
   usually only that check).

:func:`ngrams` turns a normalised string into plain bigram tokens; the matcher
uses the word-aware :class:`bot.faq.segment.Segmenter` instead.

Cost (measured): ~25 µs for a typical question, ~80 µs when it holds
traditional characters (OpenCC runs only then; it costs ~0.1 ms a call).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Final

import yaml

SYNONYMS_FILE: Final[Path] = Path(__file__).with_name("synonyms.yaml")

# Emoji and pictographs carry meaning in a chat ("👎是什么意思"): they are kept,
# each as a segment of its own.  Everything else that is not a letter or digit
# (punctuation, other symbols, spaces, variation selectors) separates segments.
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
_EMOJI_CHAR = re.compile(f"([{_EMOJI}])")
_SEPARATOR = re.compile(f"(?:[^\\w{_EMOJI}]|_)+")  # a run of them becomes one space
_SPACES = re.compile(r" {2,}")
_ALNUM = "0-9A-Za-z"  # what _is_ascii_alnum accepts
# full-width and half-width forms of punctuation (and the ideographic space): NFKC makes them
# ASCII punctuation, a space, or ⦅ ⦆ 。 「 」 、 ・; separators either way
_WIDE_PUNCTUATION = re.compile("[\u3000\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_MAX_PASSES: Final[int] = 4
_PLURAL = re.compile(r"(?<![a-z0-9])([a-z]{2,}[a-hj-rtv-z])s(?![a-z0-9])")
_PLURAL_IES = re.compile(r"(?<![a-z0-9])([a-z]{2,})ies(?![a-z0-9])")
_RUNS = re.compile(r"[a-z0-9]+|[^a-z0-9]+")


# --------------------------------------------------------------------------
# traditional → simplified
# --------------------------------------------------------------------------


@functools.cache
def _t2s():  # type: ignore[no-untyped-def]
    """The OpenCC converter, built once."""
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def traditional_chars() -> frozenset[str]:
    """Characters that OpenCC would change when converting to simplified Chinese.

    Read from OpenCC's own character table; text without any of them is left
    as it is, which makes the common (simplified) case free.
    """
    import opencc

    table = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    chars: set[str] = set()
    try:
        lines = table.read_text(encoding="utf-8").splitlines()
    except OSError:  # pragma: no cover - broken install: fall back to always converting
        return frozenset()
    for line in lines:
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp and simp.split()[0] != trad:
            chars.add(trad)
    # A few phrases change characters that are valid simplified ones on their
    # own (覆 in 反覆, 瞭 in 瞭解): those characters trigger a conversion too.
    phrases = table.with_name("TSPhrases.txt")
    try:
        for line in phrases.read_text(encoding="utf-8").splitlines():
            trad, _, simp = line.partition("\t")
            target = simp.split()[0] if simp.split() else trad
            if chars.isdisjoint(trad) and len(target) == len(trad):
                chars.update(c for c, s in zip(trad, target, strict=True) if c != s)
    except OSError:  # pragma: no cover
        pass
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Convert traditional Chinese to simplified, skipping OpenCC when nothing would change."""
    trad = traditional_chars()
    if trad and trad.isdisjoint(text):
        return text
    converted = str(_t2s().convert(text))
    if converted != text and not (trad and trad.isdisjoint(converted)):
        converted = str(_t2s().convert(converted))  # OpenCC has a rare chain: 薴 → 苧 → 苎
    return converted


# --------------------------------------------------------------------------
# surface cleaning
# --------------------------------------------------------------------------


def clean(text: str) -> str:
    """NFKC, lower-case, simplified Chinese; punctuation and spaces become single spaces.

    The spaces that remain mark where the writer separated words ("济源 领军人才"),
    so that no n-gram is made across them.
    """
    # Full-width punctuation, in most Chinese texts, separates words before NFKC and after
    # it: made a space at once, the text is often already normalised, which is ~20 times
    # cheaper to check than to normalise.
    text = _WIDE_PUNCTUATION.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text.lower())
    text = _EMOJI_CHAR.sub(r" \1 ", text)
    return _SEPARATOR.sub(" ", text).strip()


def compact(normalized: str) -> str:
    """A normalised string without its segment spaces (for character-level comparison)."""
    return normalized.replace(" ", "")


# --------------------------------------------------------------------------
# synonym table
# --------------------------------------------------------------------------


def _is_ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def singular(text: str) -> str:
    """Strip the plural -s of English words ("visits" → "visit"; "this", "class" stay) and
    make -ies -y ("agencies" → "agency")."""
    if "s" not in text:
        return text
    return _PLURAL.sub(r"\1", _PLURAL_IES.sub(r"\1y", text))


@dataclass(frozen=True)
class SynonymTable:
    """Longest-match rewrite rules: variant → canonical form ("" drops the variant)."""

    rules: Mapping[str, str]
    _lengths: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _first: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _plain: dict[str, str] = field(init=False, repr=False, compare=False)
    _bounded: frozenset[str] = field(init=False, repr=False, compare=False)
    _before: frozenset[str] = field(init=False, repr=False, compare=False)
    """The characters that some key has before its last one."""
    _after: frozenset[str] = field(init=False, repr=False, compare=False)
    """The characters that some key has after its first one."""
    _changing: re.Pattern[str] = field(init=False, repr=False, compare=False)
    """Finds, at any position, a variant that a rule rewrites to something else, where the
    scan would accept it (an English variant only as a whole word).  A text in which it finds
    nothing is what a pass gives back unchanged; checking so costs a fraction of a pass (the
    engine runs in C, the pass in Python), and most texts are either left alone by the rules
    or settled by their first pass."""

    def __post_init__(self) -> None:
        rules = dict(self.rules)
        for canonical in set(rules.values()):
            if canonical:
                rules.setdefault(canonical, canonical)
        object.__setattr__(self, "rules", MappingProxyType(rules))
        object.__setattr__(self, "_plain", rules)  # a dict is faster to read than a proxy
        # the keys that begin or end with an ASCII letter or digit: only they are checked for
        # letters next to them
        bounded = frozenset(k for k in rules if _is_ascii_alnum(k[0]) or _is_ascii_alnum(k[-1]))
        object.__setattr__(self, "_bounded", bounded)
        object.__setattr__(self, "_before", frozenset(c for k in rules for c in k[:-1]))
        object.__setattr__(self, "_after", frozenset(c for k in rules for c in k[1:]))
        changing = _trie_pattern(k for k, v in rules.items() if v != k)
        object.__setattr__(self, "_changing", changing)
        # first character → lengths of the keys starting with it, longest first
        by_first: dict[str, set[int]] = {}
        for key in rules:
            by_first.setdefault(key[0], set()).add(len(key))
        lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in by_first.items()}
        object.__setattr__(self, "_lengths", lengths)
        first = "".join(sorted(by_first))
        object.__setattr__(
            self, "_first", re.compile(f"[{re.escape(first)}]" if first else r"(?!)")
        )

    @classmethod
    def empty(cls) -> SynonymTable:
        """A table that changes nothing."""
        return cls({})

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SynonymTable:
        """Build from the ``synonyms.yaml`` structure.

        Keys: ``synonyms`` and ``typos`` (each ``canonical: [variants]``),
        ``drop`` (filler words removed) and ``keep`` (words protected from the
        other rules, e.g. "目的" from dropping "的").  Every string is cleaned
        with :func:`clean` (and English plurals made singular) first, so that
        the rules see what the matcher sees.
        """
        rules: dict[str, str] = {}

        def add(variant: str, canonical: str) -> None:
            v = singular(clean(variant))
            if not v or v == canonical:
                return
            previous = rules.get(v)
            if previous is not None and previous != canonical:
                raise ValueError(f"synonym {variant!r} maps to both {previous!r} and {canonical!r}")
            rules[v] = canonical

        for group in ("synonyms", "typos"):
            groups = data.get(group) or {}
            if not isinstance(groups, Mapping):
                raise ValueError(f"{group!r} must be a mapping of canonical: [variants]")
            for canonical_raw, variants in groups.items():
                canonical = singular(clean(str(canonical_raw)))
                if not isinstance(variants, list):
                    raise ValueError(f"variants of {canonical_raw!r} must be a list")
                for variant in variants:
                    add(str(variant), canonical)
        for word in _strings(data.get("drop")):
            add(word, "")
        for word in _strings(data.get("keep")):
            w = singular(clean(word))
            if w:
                rules.setdefault(w, w)
        return cls(rules)

    @classmethod
    def from_file(cls, path: Path) -> SynonymTable:
        """Load a table from a YAML file."""
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected a mapping at the top level")
        return cls.from_mapping(data)

    def canonical_terms(self) -> frozenset[str]:
        """Every non-empty form the rules rewrite to (including protected words)."""
        return frozenset(v for v in self.rules.values() if v)

    def rewrite(self, text: str) -> str:
        """One left-to-right, longest-match pass of the rules over ``text`` (:func:`clean`-ed:
        single spaces, none at the ends, as every pass leaves it)."""
        hit = self._changing.search(text) if self.rules else None
        if hit is None:
            return text  # no rule that changes anything applies anywhere in it
        return self._rewrite_once(text, hit)

    def _rewrite_once(self, text: str, hit: re.Match[str] | None) -> str:
        """The pass, given the first place where a rule that changes something applies.

        Before such a place nothing changes, but where the scan stands when it gets there
        depends on the keys it matched on the way.  So the scan is taken up at the last
        point before the place that no key can span (the character before the point is
        only ever the last of a key, or the one after it only ever the first), which the
        scan from the start reaches too; and it stops after the last such place.
        """
        rules = self._plain
        starts = self._lengths
        search = self._first.search  # jumps to the next character that starts a rule
        changing = self._changing.search
        bounded = self._bounded
        before, after = self._before, self._after
        out: list[str] = []
        i, last, n = 0, 0, len(text)
        changed = dropped = False
        while hit is not None:
            upto = start = hit.start()
            while start > i and text[start - 1] in before and text[start] in after:
                start -= 1
            i = start
            while i <= upto:
                found = search(text, i)
                if found is None:  # pragma: no cover - text[upto] starts a rule
                    break
                i = found.start()
                for length in starts[text[i]]:
                    if i + length > n:
                        continue
                    piece = text[i : i + length]
                    repl = rules.get(piece)
                    if repl is None:
                        continue
                    end = i + length
                    if piece in bounded and (
                        (_is_ascii_alnum(piece[0]) and i > 0 and _is_ascii_alnum(text[i - 1]))
                        or (_is_ascii_alnum(piece[-1]) and end < n
                            and _is_ascii_alnum(text[end]))
                    ):
                        continue  # "ip" inside "ship" is not "ip"
                    if repl != piece:
                        out.append(text[last:i])
                        out.append(repl)
                        last = end
                        changed = True
                        dropped = dropped or not repl
                    i = end
                    break
                else:
                    i += 1
            hit = changing(text, i)
        if not changed:
            return text
        out.append(text[last:])
        # only a dropped word leaves two spaces (or one at an end): the text was clean
        return _SPACES.sub(" ", "".join(out)).strip() if dropped else "".join(out)


def _trie_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching any of ``keys`` (longest first), shared prefixes factored out as
    in a trie; a key starting or ending with an ASCII letter or digit matches only where the
    text has none next to it there, as in :meth:`SynonymTable._rewrite_once`."""
    end = ""  # marks a node where a key ends (no character is "")
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in keys:
        node = trie
        for c in key:
            node = node.setdefault(c, {})
        node[end] = {}

    def branch(node: dict, last: str) -> str:  # type: ignore[type-arg]
        alts = [re.escape(c) + branch(child, c) for c, child in sorted(node.items()) if c]
        if end in node:  # after the longer keys: the engine tries alternatives in order
            alts.append(f"(?![{_ALNUM}])" if _is_ascii_alnum(last) else "")
        return alts[0] if len(alts) == 1 and end not in node else f"(?:{'|'.join(alts)})"

    # An ASCII-initial key: its first character, then a look back past it at the one before,
    # which must not be a letter or digit.  (Looking back before the character would put an
    # assertion first in the alternative; the engine then no longer skips at C speed to the
    # characters the alternatives start with.)
    roots = [
        re.escape(c) + (f"(?<![{_ALNUM}].)" if _is_ascii_alnum(c) else "") + branch(child, c)
        for c, child in sorted(trie.items())
    ]
    return re.compile("|".join(roots) or r"(?!)")


def _strings(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("expected a list of strings")
    return [str(v) for v in value]


@dataclass(frozen=True)
class Expansions:
    """Query expansion: a trigger found in a question adds terms of the statutes' and
    documents' own wording, at a reduced weight ("归谁" → 属于, 享有; "坐牢" → 刑事责任).

    Unlike a synonym, an expansion rewrites nothing and adds only optional evidence: an
    entry is never required to hold an added term.  Triggers and terms are normalised
    with the synonym table, so they are written in everyday form.
    """

    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], table: SynonymTable) -> Expansions:
        raw = data.get("expand") or {}
        if not isinstance(raw, Mapping):
            raise ValueError("'expand' must map a trigger to a list of terms")
        rules: list[tuple[str, tuple[str, ...]]] = []
        for trigger, terms in raw.items():
            if not isinstance(terms, list) or not terms:
                raise ValueError(f"expansion {trigger!r} needs a list of terms")
            key = cls.form(str(trigger), table)
            added = tuple(dict.fromkeys(
                w for w in (cls.form(str(term), table) for term in terms) if w))
            if key and added:
                rules.append((key, added))
        return cls(tuple(rules))

    @staticmethod
    def form(text: str, table: SynonymTable) -> str:
        """A trigger or term as the rules hold it (and as :meth:`terms` compares it): the
        compact normalised form, "" when the table rewrites it away."""
        return compact(normalize(text, table))

    def terms(self, query: str) -> list[str]:
        """The terms added to a compact normalised ``query``, in rule order."""
        out: dict[str, None] = {}
        for trigger, added in self.rules:
            if trigger in query:
                for term in added:
                    out.setdefault(term)
        return list(out)


@functools.cache
def default_expansions() -> Expansions:
    """The shipped expansions (``expand:`` of ``synonyms.yaml``), loaded once."""
    with SYNONYMS_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return Expansions.from_mapping(data, default_synonyms())


@functools.cache
def default_synonyms() -> SynonymTable:
    """The shipped table (``bot/faq/synonyms.yaml``), loaded once."""
    return SynonymTable.from_file(SYNONYMS_FILE)


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def normalize(text: str, synonyms: SynonymTable | None = None) -> str:
    """Normalise ``text`` for matching (see the module docstring).

    ``synonyms`` defaults to the shipped table; pass :meth:`SynonymTable.empty`
    for surface cleaning only.
    """
    table = default_synonyms() if synonyms is None else synonyms
    text = clean(text)
    for _ in range(_MAX_PASSES):  # until stable: a dropped word can expose a new match
        rewritten = table.rewrite(singular(text))
        if rewritten == text:
            break
        text = rewritten
    return text


def ngrams(normalized: str) -> list[str]:
    """Index tokens of a normalised string: CJK character bigrams and ASCII words.

    Bigrams never span the space between two segments; a CJK run of one
    character (or an emoji) yields that character.  Order is kept and
    duplicates are not removed.
    """
    grams: list[str] = []
    for segment in normalized.split(" "):
        for run in _RUNS.findall(segment):
            if run[0].isascii() or len(run) == 1:
                grams.append(run)
            else:
                grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams
