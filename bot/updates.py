"""Update processing: one person's updates strictly in order, different people at once; and
the turn that ties each update to its effects.

PTB's default handles every update one after another, so one person's database work holds up
everyone; ``concurrent_updates=True`` would let two taps of the same person race each other.
This processor keeps a FIFO lock per user (per chat when there is no user). A lock lives as
long as anyone holds or waits for it: it is counted, not guessed from ``locked()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.clock import Clock
from bot.delivery import turn as turns
from bot.delivery.turn import Turn
from bot.logs import current_update_id

AfterTurn = Callable[[Turn], None]
Again = Callable[[object], Awaitable[Any]]
Finish = Callable[[Turn], Awaitable[None]]


class _Slot:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # holders and waiters


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, clock: Clock, after_turn: AfterTurn | None = None,
                 max_concurrent_updates: int = 64,
                 before_turn: AfterTurn | None = None, finish: Finish | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._slots: dict[int, _Slot] = {}
        self._clock = clock
        self._after_turn = after_turn
        self._before_turn = before_turn
        self._finish = finish  # the end of the handlers, in the turn (``Runtime.finish``)
        # handles an update again (``Application.process_update``; set by ``build_application``)
        self.again: Again | None = None
        self.peak_waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if not isinstance(update, Update):
            return None
        if update.effective_user is not None:
            return update.effective_user.id
        return update.effective_chat.id if update.effective_chat is not None else None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await self._run(update, coroutine)
            return
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        slot.users += 1
        self.peak_waiting[key] = max(self.peak_waiting.get(key, 0), slot.users)
        try:
            async with slot.lock:
                await self._run(update, coroutine)
        finally:
            slot.users -= 1
            if slot.users == 0 and self._slots.get(key) is slot:
                del self._slots[key]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        """One update's turn. When the actor it was handled as turns out to be stale
        (``Turn.stale``: its first unit of work found it so, before anything was stored), it
        is handled again, in the same place in its sender's order, with a fresh look-up."""
        if not isinstance(update, Update):
            await coroutine
            return
        turn = self._turn(update)
        try:
            while True:
                token = turns.CURRENT.set(turn)
                logged = current_update_id.set(update.update_id)  # log lines name the update
                try:
                    await coroutine
                    if self._finish is not None:
                        await self._finish(turn)
                finally:
                    current_update_id.reset(logged)
                    turns.CURRENT.reset(token)
                if not turn.stale or self.again is None:
                    break
                turn = self._turn(update)
                coroutine = self.again(update)
        finally:
            if self._after_turn is not None:
                self._after_turn(turn)

    def _turn(self, update: Update) -> Turn:
        turn = Turn(update.update_id, self._clock.now())
        if self._before_turn is not None:
            self._before_turn(turn)
        return turn

    def active_keys(self) -> int:
        return len(self._slots)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
