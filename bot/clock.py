"""Injected time. Logic never reads the wall clock directly; it asks a ``Clock``."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    tz: tzinfo

    def now(self) -> datetime:
        """The current instant, timezone-aware, in ``tz``."""
        ...


class SystemClock:
    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock for tests and ``--at`` runs: stays where it is put, moves when told."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self.tz = at.tzinfo
        self._at = at

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(self.tz)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)
