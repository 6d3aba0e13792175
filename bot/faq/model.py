"""Data model of the FAQ knowledge base: sources, entries and who may see them.

Everything here is immutable.  A :class:`KnowledgeBase` is built once by
:func:`bot.faq.loader.load_folder` (or directly, in tests) and shared by the
matcher and any channel (Telegram, DingTalk, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from bot.faq.statutes import StatuteBook

Audience = Literal["everyone", "staff", "enterprise"]
Kind = Literal["answer", "route", "statute"]
Viewer = Literal["staff", "enterprise", "public"]

AUDIENCES: Final[frozenset[str]] = frozenset({"everyone", "staff", "enterprise"})
VIEWERS: Final[frozenset[str]] = frozenset({"staff", "enterprise", "public"})
#: answer: a curated answer; route: "not covered here, ask …" (an honest edge, always
#: followed by the offer to ask one's commissioner); statute: one article of a statute.
KINDS: Final[frozenset[str]] = frozenset({"answer", "route", "statute"})

# Which entry audiences each kind of viewer may see.  Staff (commissioners,
# envoys, supervisors, admins) see everything; an entity contact sees what is
# meant for everyone and for enterprises; an unknown user sees only what is
# meant for everyone.  Staff-only entries never reach anybody else.
_VISIBLE: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "staff": frozenset({"everyone", "staff", "enterprise"}),
        "enterprise": frozenset({"everyone", "enterprise"}),
        "public": frozenset({"everyone"}),
    }
)


@dataclass(frozen=True, slots=True)
class Source:
    """The document an entry is drawn from (a notice, a rulebook, the bot's own help)."""

    id: str
    title: str
    issuer: str
    number: str | None
    date: dt.date | None
    region: str | None
    file: str = ""
    short: str | None = None
    """A statute's name in citations (专利法); ``None`` for other documents."""
    version: str | None = None
    """A statute's version label in citations (2020年修正)."""

    @property
    def is_statute(self) -> bool:
        return self.short is not None and self.version is not None

    @property
    def is_public_document(self) -> bool:
        """A published document (a numbered notice or a statute), not the bot's own notes."""
        return self.number is not None or self.is_statute


@dataclass(frozen=True, slots=True)
class Entry:
    """One question/answer pair, with the paraphrases it should also answer."""

    id: str
    question: str
    alternates: tuple[str, ...]
    answer: str
    source: Source
    audience: Audience
    section: str | None = None
    tags: tuple[str, ...] = ()
    question_en: str | None = None
    answer_en: str | None = None
    file: str = ""
    line: int = 0
    kind: Kind = "answer"

    @property
    def questions(self) -> tuple[str, ...]:
        """The question followed by its alternates."""
        return (self.question, *self.alternates)


def allowed_audiences(viewer: str) -> frozenset[str]:
    """Entry audiences that ``viewer`` may see; raises ``ValueError`` for an unknown viewer."""
    try:
        return _VISIBLE[viewer]
    except KeyError:
        raise ValueError(f"unknown viewer {viewer!r}; expected one of {sorted(VIEWERS)}") from None


def visible_to(entry: Entry, viewer: str) -> bool:
    """Whether ``viewer`` ("staff", "enterprise" or "public") may see ``entry``."""
    return entry.audience in allowed_audiences(viewer)


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All entries and sources, in file order, indexed by id."""

    entries: tuple[Entry, ...]
    sources: tuple[Source, ...] = ()
    statutes: StatuteBook | None = None
    """The statutes of ``knowledge/statutes/`` (second tier), if any."""
    _by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)
    _sources_by_id: Mapping[str, Source] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Entry] = {}
        for entry in self.entries:
            if entry.id in by_id:
                raise ValueError(f"duplicate entry id {entry.id!r}")
            by_id[entry.id] = entry
        sources = {s.id: s for s in self.sources}
        for entry in self.entries:
            sources.setdefault(entry.source.id, entry.source)
        object.__setattr__(self, "_by_id", MappingProxyType(by_id))
        object.__setattr__(self, "_sources_by_id", MappingProxyType(sources))
        if not self.sources:
            object.__setattr__(self, "sources", tuple(sources.values()))

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> KnowledgeBase:
        """Build a knowledge base from entries alone (sources are taken from them)."""
        return cls(entries=tuple(entries))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def get(self, entry_id: str) -> Entry | None:
        """The entry with this id, or ``None``."""
        return self._by_id.get(entry_id)

    def __getitem__(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def source(self, source_id: str) -> Source | None:
        """The source with this id, or ``None``."""
        return self._sources_by_id.get(source_id)

    def visible(self, viewer: str) -> tuple[Entry, ...]:
        """Entries ``viewer`` may see, in file order."""
        allowed = allowed_audiences(viewer)
        return tuple(e for e in self.entries if e.audience in allowed)
