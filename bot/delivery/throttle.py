"""Keep sends under Telegram's limits. Bulk messages (reminders, digests, notices) go out at
about 25 a second overall (Telegram allows about 30) and one a second per chat. Replies to
people who are talking to the bot are not spaced out: they answer one update each. A 429
holds everybody until its ``retry_after`` has passed. Time comes from an injected ``Timer``.
"""

from __future__ import annotations

import asyncio

from bot.clock import Timer


class Throttle:
    def __init__(self, timer: Timer | None = None, per_second: float = 25.0,
                 per_chat_seconds: float = 1.0) -> None:
        self.timer = timer or Timer()
        self.gap = 1.0 / per_second
        self.per_chat = per_chat_seconds
        self._next_bulk = 0.0
        self._hold_until = 0.0
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def wait_turn(self, chat_id: int, bulk: bool = True) -> None:
        async with self._lock:
            now = self.timer.monotonic()
            start = max(now, self._hold_until)
            if bulk:
                start = max(start, self._next_bulk, self._next_chat.get(chat_id, 0.0))
                self._next_chat[chat_id] = start + self.per_chat
                self._next_bulk = start + self.gap
        await self.timer.sleep(start - now)

    async def hold_all(self, seconds: float) -> None:
        """A 429: nobody sends before ``seconds`` have passed."""
        async with self._lock:
            self._hold_until = max(self._hold_until, self.timer.monotonic() + seconds)
