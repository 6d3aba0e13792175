"""Injected time. Logic never reads the wall clock directly; it asks a ``Clock``.

Three clocks:

* ``SystemClock``: production.
* ``FixedClock``: tests and ``--at`` runs; stays where it is put, moves when told.
* ``ShiftedClock``: a clock that runs at real speed from a chosen instant. ``ipbot run`` uses
  it when ``IPBOT_FAKE_NOW`` is set, so that a test can start the real process "on" a given
  day; every process given the same setting shares one timeline (see ``clock_from_env``).

Waiting is injected too: ``Timer`` bundles a monotonic clock and a sleep, so throttles,
back-offs and ``retry_after`` waits run in virtual time under test (``VirtualTimer``).
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable
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


class ShiftedClock:
    """Real time shifted so that the instant ``at`` falls on the epoch second ``anchor``.

    Time passes at real speed. Two processes built with the same (``at``, ``anchor``) agree on
    the time, which is what a lease between them needs.
    """

    def __init__(self, at: datetime, anchor: float,
                 wall: Callable[[], float] = time.time) -> None:
        if at.tzinfo is None:
            raise ValueError("ShiftedClock needs a timezone-aware datetime")
        self.tz = at.tzinfo
        self._at, self._anchor, self._wall = at, anchor, wall

    def now(self) -> datetime:
        return self._at + timedelta(seconds=self._wall() - self._anchor)

    def today(self) -> date:
        return self.now().date()


def parse_fake_now(value: str, tz: tzinfo, wall: Callable[[], float] = time.time
                   ) -> ShiftedClock:
    """``IPBOT_FAKE_NOW``: ``<ISO instant>`` or ``<ISO instant>@<epoch seconds>``.

    Without the anchor the instant is "now" at the moment of reading; with it, the instant is
    pinned to that epoch second (tests pass the same anchor to every process they start).
    Raises ``ValueError`` with a readable message.
    """
    text, _, anchor = value.strip().partition("@")
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO date-time: {text!r}") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    try:
        pinned = float(anchor) if anchor else wall()
    except ValueError:
        raise ValueError(f"the anchor after @ is not epoch seconds: {anchor!r}") from None
    return ShiftedClock(at.astimezone(tz), pinned, wall)


# ── waiting ───────────────────────────────────────────────────────────


class Timer:
    """Monotonic time and sleeping, injected where code waits (throttle, back-off)."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class VirtualTimer(Timer):
    """Virtual time for tests: sleeping costs no real time, yet waits end in time order.

    Sleepers are woken one at a time, earliest first, and only when nothing else is going on
    (``busy()``, set by the test: e.g. "a Bot API call is in flight"); the clock then jumps
    to that sleeper's wake-up time. So a throttle that spaces 500 sends 40 ms apart produces
    exactly that schedule, in order, in a fraction of a second. Every wait is recorded.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._driver: asyncio.Task[None] | None = None
        self.waits: list[float] = []
        self.busy: Callable[[], bool] = lambda: False

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self.waits.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self._now + seconds, self._seq, future))
        self._seq += 1
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._heap:
            for _ in range(3):  # let whatever is runnable run up to its next wait
                await asyncio.sleep(0)
            if self.busy():
                await asyncio.sleep(0.001)  # real I/O in flight: let it finish first
                continue
            at, _seq, future = heapq.heappop(self._heap)
            self._now = max(self._now, at)
            if not future.done():
                future.set_result(None)
