"""Writes that must be committed before someone may go on, taken along by whichever unit of
work commits first.

The poll loop must store a batch of received updates before it confirms them to Telegram.
On a busy bot some update's transaction is always about to commit: the batch rides along in
it (one round trip instead of two), and the poll loop's own unit of work, which queued for
the database meanwhile, finds nothing left to do and writes nothing. On a quiet bot the poll
loop's unit of work is the first to commit and writes the batch itself.

A ride is applied inside the taking transaction, just before its commit; it is done when that
commit succeeds, and goes back to wait for the next one when it fails.

Pure and thread-safe (units of work run in worker threads): no Telegram, no database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

WAITING, TAKEN, DONE, WITHDRAWN = "waiting", "taken", "done", "withdrawn"


class Ride:
    """``apply(uow)`` writes (and may read) in the taking unit of work; what it returns is
    the ride's ``result``."""

    def __init__(self, apply: Callable[[Any], Any]) -> None:
        self.apply = apply
        self.result: Any = None
        self.state = WAITING


class Rides:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: list[Ride] = []

    def put(self, ride: Ride) -> None:
        with self._changed:
            ride.state = WAITING
            self._waiting.append(ride)

    def waiting(self, ride: Ride) -> bool:
        with self._changed:
            return ride.state == WAITING

    def take(self) -> list[Ride]:
        """Every waiting ride, for the unit of work about to commit."""
        with self._changed:
            rides, self._waiting = self._waiting, []
            for ride in rides:
                ride.state = TAKEN
            return rides

    def written(self, rides: list[Ride]) -> None:
        with self._changed:
            for ride in rides:
                ride.state = DONE
            self._changed.notify_all()

    def put_back(self, rides: list[Ride]) -> None:
        """The taking commit failed: they wait again (in front, in their order)."""
        with self._changed:
            for ride in rides:
                ride.state = WAITING
            self._waiting = rides + self._waiting
            self._changed.notify_all()

    def settled(self, ride: Ride) -> bool:
        """Wait while a unit of work holds ``ride``; True when it was written, False when it
        waits again (the taking commit failed)."""
        with self._changed:
            self._changed.wait_for(lambda: ride.state != TAKEN)
            return ride.state == DONE

    def withdraw(self, ride: Ride) -> bool:
        """Its owner gives up (its own unit of work failed). True when no one wrote it and no
        one will; False when a commit wrote it after all (its ``result`` holds)."""
        with self._changed:
            self._changed.wait_for(lambda: ride.state != TAKEN)
            if ride.state == DONE:
                return False
            if ride in self._waiting:
                self._waiting.remove(ride)
            ride.state = WITHDRAWN
            return True
