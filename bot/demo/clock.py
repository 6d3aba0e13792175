"""The demo's clock: simulated time that runs on from a start instant and can jump forward.

``now()`` is the start instant plus the real time elapsed since the clock was made plus every
jump asked for with :meth:`DemoClock.advance_to`; so messages get plausible times while the
visitor clicks around, and "advance to the next reminder" moves days ahead at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta


class DemoClock:
    """A :class:`bot.clock.Clock` (``tz`` and ``now()``) for ``ipbot demo``."""

    def __init__(self, start: datetime, *, monotonic: Callable[[], float] = time.monotonic
                 ) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware start")
        self.tz = start.tzinfo
        self._start = start
        self._monotonic = monotonic
        self._origin = monotonic()
        self._offset = timedelta()

    def now(self) -> datetime:
        elapsed = timedelta(seconds=self._monotonic() - self._origin)
        return (self._start + elapsed + self._offset).astimezone(self.tz)

    def today(self) -> date:
        return self.now().date()

    def advance_to(self, at: datetime) -> None:
        """Jump forward to ``at`` (never backward: a clock that goes back breaks ordering)."""
        gap = at - self.now()
        if gap > timedelta():
            self._offset += gap

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)
