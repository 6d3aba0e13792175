"""Who sent each update, so that no update needs a look-up of its own (``bot.runtime``).

Pure and thread-safe (``remember`` is called from units of work in worker threads): no
Telegram, no database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.services.identity import Actor


@dataclass(frozen=True)
class Hint:
    actor: Actor
    confirmed: bool  # looked up for this update; else remembered, to be confirmed


class ActorHints:
    """Who sent each update, so that no update needs a look-up of its own.

    * ``put``: the actor for an update, resolved by the transaction that recorded its batch,
      or remembered (``confirmed=False``: the update's first unit of work confirms it).
    * ``remember`` / ``known``: the actor last looked up or confirmed for a sender, for
      ``KNOWN_FOR`` on the injected clock and within the same day. It is what lets the poll
      loop hand an update on before storing it (``Runtime._take_in``).
    """

    KNOWN_FOR = timedelta(seconds=60)
    KEPT = 4096  # senders remembered before the expired ones are let go

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._hints: dict[int, Hint] = {}
        self._known: dict[int, tuple[Actor, datetime]] = {}
        self._lock = threading.Lock()  # ``remember`` is called from worker threads too

    def put(self, update_id: int, actor: Actor, *, confirmed: bool = True) -> None:
        self._hints[update_id] = Hint(actor, confirmed)

    def take(self, update_id: int) -> Hint | None:
        return self._hints.pop(update_id, None)

    def remember(self, actor: Actor, at: datetime) -> None:
        with self._lock:
            self._known[actor.telegram_id] = (actor, at)
            if len(self._known) > self.KEPT:
                self._known = {k: v for k, v in self._known.items()
                               if at - v[1] <= self.KNOWN_FOR}

    def known(self, telegram_id: int, now: datetime) -> Actor | None:
        with self._lock:
            found = self._known.get(telegram_id)
            if found is None:
                return None
            actor, at = found
            if now - at > self.KNOWN_FOR or now < at or (
                    at.astimezone(self._tz).date() != now.astimezone(self._tz).date()):
                del self._known[telegram_id]
                return None
            return actor

    def forget(self, user_id: int) -> None:
        for uid in [k for k, hint in self._hints.items() if hint.actor.telegram_id == user_id]:
            del self._hints[uid]
        with self._lock:
            self._known.pop(user_id, None)
