"""Keep sends under Telegram's limits: about 30 messages a second overall, one a second per
chat; honour ``retry_after`` on 429 and retry transient failures a few times."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

log = logging.getLogger(__name__)
T = TypeVar("T")


class Throttle:
    def __init__(self, per_second: float = 25.0, per_chat_seconds: float = 1.0,
                 attempts: int = 5, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.gap = 1.0 / per_second
        self.per_chat = per_chat_seconds
        self.attempts = attempts
        self._clock = monotonic
        self._next_any = 0.0
        self._next_chat: dict[int, float] = {}
        self._lock = asyncio.Lock()

    async def _wait_turn(self, chat_id: int) -> None:
        async with self._lock:
            now = self._clock()
            start = max(now, self._next_any, self._next_chat.get(chat_id, 0.0))
            self._next_any = start + self.gap
            self._next_chat[chat_id] = start + self.per_chat
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)

    async def send(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Run ``call`` in its turn; retry on 429 (after ``retry_after``) and network errors.

        Raises the last error when every attempt failed; ``Forbidden`` (blocked) and
        ``BadRequest`` at once.
        """
        for attempt in range(1, self.attempts + 1):
            await self._wait_turn(chat_id)
            try:
                return await call()
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                log.warning("429 from Telegram: waiting %.1f s", seconds)
                async with self._lock:
                    self._next_any = max(self._next_any, self._clock() + seconds)
                if attempt == self.attempts:
                    raise
            except (Forbidden, BadRequest):
                raise  # blocked, or a malformed request: retrying cannot help
            except (TimedOut, NetworkError):
                if attempt == self.attempts:
                    raise
                await asyncio.sleep(min(2.0 ** attempt / 10, 2.0))
        raise AssertionError("unreachable")
