"""Assignments as date ranges (服务关系): overlaps, ending, pool states, roll-over (pure).

A range is inclusive, ``start .. end``. At any date an envoy serves one region, a region has
one envoy, and a commissioner serves an entity through one assignment (a commissioner may
serve many entities, and an entity have many commissioners).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.domain.vocab import PoolState

Rule = Literal["region", "envoy", "pair"]
EndAction = Literal["keep", "clip", "remove"]


@dataclass(frozen=True)
class Range:
    """What the rules look at: who, what, and when."""

    role: str  # commissioner | envoy
    person_id: int
    entity_id: int | None
    region_id: int | None
    start: date
    end: date


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def conflict(new: Range, old: Range) -> Rule | None:
    """Which one-to-one rule ``new`` would break next to ``old`` (None: they may coexist)."""
    if not overlaps(new.start, new.end, old.start, old.end):
        return None
    if new.region_id is not None and new.region_id == old.region_id:
        return "region"
    if new.role == old.role == "envoy" and new.person_id == old.person_id:
        return "envoy"
    if new.entity_id is not None and (new.person_id, new.entity_id) == (
            old.person_id, old.entity_id):
        return "pair"
    return None


def end_action(start: date, end: date, last_day: date) -> EndAction:
    """Ending a range so that ``last_day`` is its last: nothing to do, clip it, or remove it
    (it had not begun)."""
    if end <= last_day:
        return "keep"
    if last_day < start:
        return "remove"
    return "clip"


def day_before(day: date) -> date:
    return day - timedelta(days=1)


def pool_state(reviewed: bool, trained: bool | None, left_on: date | None,
               today: date) -> PoolState:
    """Where a record stands: people have ``trained`` and may leave; entities and regions
    pass ``trained=None`` and ``left_on=None``."""
    if left_on is not None and left_on < today:
        return PoolState.LEFT
    if not reviewed:
        return PoolState.SUBMITTED
    if trained is False:
        return PoolState.REVIEWED
    return PoolState.IN_POOL


def assignable(reviewed: bool, trained: bool | None) -> str | None:
    """None when a record may be assigned; else what it lacks: "reviewed" or "trained"."""
    if not reviewed:
        return "reviewed"
    if trained is False:
        return "trained"
    return None


@dataclass(frozen=True)
class Target:
    kind: Literal["entity", "region"]
    id: int
    name: str
    city: str
    county: str


def unserved(targets: Iterable[Target], covered: set[tuple[str, int]]) -> list[Target]:
    """The targets nobody serves (``covered`` holds ``(kind, id)`` of the served ones)."""
    return sorted((t for t in targets if (t.kind, t.id) not in covered),
                  key=lambda t: (t.kind, t.city, t.county, t.name))
