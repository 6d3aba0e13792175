"""The outbox sender: delivers owed messages in order per chat, through every Bot API error.

* 429: waits ``retry_after`` (everybody waits: the limit is the bot's), then sends again.
* 502/503, connection refused: not delivered; retried with back-off.
* 500, 504, a timeout: *ambiguous* (Telegram may have delivered it). Retried at most once at
  once, and counted; after a second ambiguous failure the row waits for the next sweep.
* 403 (blocked): final for that chat only; the chat is marked and its pending rows too.
* 400: an edit that changes nothing counts as done; an edit of a message that is gone is sent
  as a new message; anything else is a bug: the row is marked failed and reported.

Results (Telegram's message id, or the failure) are written in batches by one recorder task,
together with the "done" marks of updates whose handlers wrote nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import warnings
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBUserWarning

from bot.clock import Clock, Timer
from bot.delivery.out import Out
from bot.delivery.results import Batch, ResultsBox
from bot.delivery.throttle import Throttle
from bot.store.delivery_repo import StoredOut

log = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

NO_CHAT_ID = frozenset({"answerCallbackQuery", "setMyCommands"})
# Sent at once, beside the chat's queue: a button's answer must not wait for the messages
# before it (nor they for it).
FIRE_AND_FORGET = frozenset({"answerCallbackQuery"})
MAX_IMMEDIATE_TRIES = 6       # unambiguous failures retried at once before parking the row
PARK = timedelta(minutes=2)   # a parked row is tried again by the sweep after this long
LINGER = 0.02                 # seconds results wait for an update's transaction to take them
CARRIED_WITHIN = 0.5          # ... at most, while an update is being handled (see _record_loop)


class ServerError(NetworkError):
    """A 5xx from the Bot API (or its front end), with the status code kept."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class NotSent(NetworkError):
    """The request never reached the Bot API: a refused connection, or none in time."""


@dataclass(frozen=True)
class Mark:
    row_id: int
    status: str
    kind: str = ""
    message_id: int | None = None
    attempts: int = 0
    ambiguous: int = 0
    error: str | None = None
    not_before: datetime | None = None


Flush = Callable[[], Awaitable[None]]
Blocker = Callable[[int], Awaitable[None]]
Lookup = Callable[[str], Awaitable[int | None]]
Problem = Callable[[Out, str], Awaitable[None]]


class OutboxSender:
    def __init__(self, bot: Bot, clock: Clock, timer: Timer, *, block: Blocker,
                 lookup: Lookup, flush: Flush, results: ResultsBox,
                 problem: Problem | None = None, throttle: Throttle | None = None,
                 handling: Callable[[], bool] | None = None) -> None:
        """Results wait in ``results`` until a unit of work takes them along; ``flush`` is
        the recorder's own unit of work, which takes them once it runs (none left, because
        another unit of work took them meanwhile: it writes nothing) and puts them back when
        its commit fails. ``handling()``: an update is being handled, whose commit will take
        them along (call ``nudge`` when that stops being so)."""
        self.bot, self.clock, self.timer = bot, clock, timer
        self._block, self._lookup, self._problem = block, lookup, problem
        self._flush_unit = flush
        self._handling = handling or (lambda: False)
        self.throttle = throttle or Throttle(timer)
        self._queues: dict[int, deque[StoredOut]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._known: set[int] = set()
        self._message_ids: dict[str, int] = {}
        # results wait here until a unit of work (the next update's, or the recorder's)
        # writes them
        self.results = results
        self.results.on_written = self._written
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._settled = asyncio.Condition()
        self._writing = False
        self._recorder: asyncio.Task[None] | None = None
        self._fired: set[asyncio.Task[None]] = set()
        self.stats: Counter[str] = Counter()
        self.last_sent_at: datetime | None = None
        self.in_flight = 0  # Bot API calls under way (a virtual timer waits for them)

    # ── feeding ───────────────────────────────────────────────────────

    def submit(self, rows: Iterable[StoredOut]) -> None:
        for row in rows:
            if row.out.method in FIRE_AND_FORGET:
                task = asyncio.create_task(self._fire(row.out), context=contextvars.Context())
                self._fired.add(task)
                task.add_done_callback(self._fire_done)
                continue
            if row.id is not None:
                if row.id in self._known:
                    continue
                self._known.add(row.id)
            chat = row.out.chat_id
            self._queues.setdefault(chat, deque()).append(row)
            worker = self._workers.get(chat)
            if worker is None or worker.done():
                # a clean context: the worker outlives the update that fed it
                self._workers[chat] = asyncio.create_task(
                    self._work(chat), name=f"outbox-chat-{chat}", context=contextvars.Context())

    async def _fire(self, out: Out) -> None:
        try:
            await self.bot.do_api_request(out.method, api_kwargs=dict(out.params))
        except Exception as exc:  # too old, or the network: nobody is owed this
            log.debug("%s failed: %s", out.method, exc)

    def _fire_done(self, task: asyncio.Task[None]) -> None:
        self._fired.discard(task)
        self._wake.set()

    def known(self) -> set[int]:
        return set(self._known)

    def done_update(self, update_id: int, record: dict[str, Any] | None = None) -> None:
        """An update whose handler stored nothing: record it done with the next batch (and
        store it first when it never was: ``record``)."""
        self.results.add(done=update_id, record=record)
        self._wake.set()

    def failed_update(self, update_id: int, error: str,
                      record: dict[str, Any] | None = None) -> None:
        """An update whose handler failed: recorded as failed (not processed again)."""
        self.results.add(failed=(update_id, error), record=record)
        self._wake.set()

    def nudge(self) -> None:
        """No update is being handled any more: waiting results are written now."""
        self._wake.set()

    # ── lifecycle ─────────────────────────────────────────────────────

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._recorder is None:
            self._recorder = asyncio.create_task(self._record_loop(), name="outbox-recorder",
                                                 context=contextvars.Context())

    async def stop(self) -> None:
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()
        await self._flush()
        if self._recorder is not None:
            self._recorder.cancel()
            await asyncio.gather(self._recorder, return_exceptions=True)
            self._recorder = None

    def busy(self) -> bool:
        return any(self._queues.values()) or bool(self._fired) or self.results.pending() \
            or self._writing or any(not w.done() for w in self._workers.values())

    async def idle(self) -> None:
        """Wait until every submitted message is sent (or parked) and its result recorded."""
        async with self._settled:
            await self._settled.wait_for(lambda: not self.busy())

    async def _notify(self) -> None:
        async with self._settled:
            self._settled.notify_all()

    # ── recording results ─────────────────────────────────────────────

    async def _record_loop(self) -> None:
        """Results are written by the next update's commit when one is coming: while an
        update is being handled, the loop waits (for that commit to have taken them, for the
        last update in hand to end, or ``CARRIED_WITHIN`` at most); otherwise it gives the
        next update a moment (``LINGER``) and then writes them in a unit of work of its own."""
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            deadline, lingered = loop.time() + CARRIED_WITHIN, False
            while self.results.waiting():
                if self._handling():  # that update's commit takes them along
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), remaining)
                elif not lingered:  # a moment for the next update to arrive
                    lingered = True
                    await asyncio.sleep(LINGER)
                else:
                    break
            await self._flush()

    async def _flush(self) -> None:
        if not self.results.waiting():
            await self._notify()
            return
        self._writing = True
        try:
            await self._flush_unit()  # it puts them back itself when its commit fails
        except Exception:  # the database is away: they go with the next batch
            log.exception("could not record outbox results")
            await asyncio.sleep(1.0)
            self._wake.set()
        finally:
            self._writing = False
        await self._notify()

    def _written(self, batch: Batch) -> None:
        """Results are on disk (from any thread): their rows are no longer in flight."""
        self._known.difference_update(m.row_id for m in batch.marks)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def _mark(self, row: StoredOut, **values: Any) -> None:
        # The row stays "known" until its result is written: till then the database still
        # says pending, and a sweep must not take it for a row nobody is sending.
        if row.id is not None:
            self.results.add(mark=Mark(row.id, kind=row.out.kind, **values))
        self._wake.set()

    # ── sending ───────────────────────────────────────────────────────

    async def _work(self, chat: int) -> None:
        queue = self._queues[chat]
        try:
            while queue:
                row = queue[0]
                group = row.out.coalesce
                if group and any(r.out.coalesce == group for r in list(queue)[1:]):
                    queue.popleft()  # a newer message of the same group replaces it
                    self.stats["superseded"] += 1
                    self._mark(row, status="superseded")
                    continue
                outcome = await self._deliver(row)
                if outcome == "stop":  # parked or blocked: the rest of this chat waits too
                    for rest in list(queue)[1:]:
                        if rest.id is not None:  # unsent: the sweep brings them back
                            self._known.discard(rest.id)
                    queue.clear()
                    break
                queue.popleft()
        finally:
            if not queue:
                self._queues.pop(chat, None)
            self._wake.set()
            await self._notify()

    async def _deliver(self, row: StoredOut) -> str:
        out, attempts, ambiguous = row.out, row.attempts, row.ambiguous
        tries = 0
        while True:
            tries += 1
            attempts += 1
            await self.throttle.wait_turn(out.chat_id, out.bulk)
            self.in_flight += 1
            error: Exception | None = None
            message_id: int | None = None
            try:
                message_id = await self._call(out)
            except (RetryAfter, Forbidden, BadRequest, TimedOut, NetworkError) as exc:
                error = exc
            finally:
                self.in_flight -= 1
            if isinstance(error, RetryAfter):
                wait = error.retry_after
                seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
                self.stats["retry_after"] += 1
                await self.throttle.hold_all(seconds)
                if tries >= 20:
                    return self._park(row, attempts, ambiguous, f"429 x{tries}")
                continue
            if isinstance(error, Forbidden):
                self.stats["blocked"] += 1
                self._mark(row, status="blocked", attempts=attempts, ambiguous=ambiguous,
                           error=str(error)[:500])
                await self._block(out.chat_id)
                return "stop"
            if isinstance(error, BadRequest):
                text = str(error).lower()
                if "message is not modified" in text:
                    message_id = out.params.get("message_id")
                elif out.is_edit and ("message to edit not found" in text
                                      or "message can't be edited" in text):
                    out = out.as_send()
                    row = replace(row, out=out)
                    continue
                else:
                    self.stats["failed"] += 1
                    log.error("outbox %s to %s refused: %s", out.method, out.chat_id, error)
                    self._mark(row, status="failed", attempts=attempts, ambiguous=ambiguous,
                               error=str(error)[:500])
                    if self._problem is not None:
                        await self._problem(out, str(error))
                    return "next"
            elif error is not None:  # TimedOut, NetworkError (5xx, connection)
                if _ambiguous(error) and out.is_send:
                    ambiguous += 1
                    self.stats["ambiguous"] += 1
                    if ambiguous > row.ambiguous + 1:
                        return self._park(row, attempts, ambiguous, str(error))
                else:
                    self.stats["retried"] += 1
                if tries >= MAX_IMMEDIATE_TRIES:
                    return self._park(row, attempts, ambiguous, str(error))
                await self.timer.sleep(min(0.5 * 2 ** (tries - 1), 8.0))
                continue
            if out.key is not None and message_id is not None:
                self._message_ids[out.key] = int(message_id)
                if len(self._message_ids) > 5000:
                    self._message_ids.pop(next(iter(self._message_ids)))
            self.stats["sent"] += 1
            self.last_sent_at = self.clock.now()
            self._mark(row, status="sent", message_id=message_id, attempts=attempts,
                       ambiguous=ambiguous)
            return "next"

    def _park(self, row: StoredOut, attempts: int, ambiguous: int, error: str) -> str:
        self.stats["parked"] += 1
        log.warning("outbox message to %s parked after %d tries: %s", row.out.chat_id,
                    attempts, error)
        if row.id is None:
            return "next"  # an ephemeral reply: nothing to come back to
        self._mark(row, status="pending", attempts=attempts, ambiguous=ambiguous,
                   error=error[:500], not_before=self.clock.now() + PARK)
        return "stop"

    async def _call(self, out: Out) -> int | None:
        kwargs: dict[str, Any] = dict(out.params) if out.method in NO_CHAT_ID else {
            "chat_id": out.chat_id, **out.params}
        if out.edit_of is not None and "message_id" not in kwargs:
            target = self._message_ids.get(out.edit_of) or await self._lookup(out.edit_of)
            if target is None:  # the message to edit was never sent: send this one instead
                out = out.as_send()
                kwargs = {"chat_id": out.chat_id, **out.params}
            else:
                kwargs["message_id"] = target
        if out.file_data is not None:
            field = "photo" if out.method == "sendPhoto" else "document"
            kwargs[field] = InputFile(out.file_data, filename=out.file_name or field)
        result = await self.bot.do_api_request(out.method, api_kwargs=kwargs)
        if isinstance(result, dict):
            return result.get("message_id")
        return kwargs.get("message_id")


def _ambiguous(exc: Exception) -> bool:
    """Whether the request may have been carried out although it failed."""
    if isinstance(exc, TimedOut):
        return True
    if isinstance(exc, ServerError):
        return exc.status not in (502, 503)  # the front end could not reach the server
    return not isinstance(exc, NotSent)
