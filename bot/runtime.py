"""A running bot: the Application, the instance lease, durable inbound updates, the outbox
sender and the scheduler tick.

* **Lease.** Only the instance holding the lease receives updates, sends and runs passes; a
  second ``ipbot run`` waits as a standby and takes over when the holder stops renewing.
* **Durable inbound.** Updates are written to the database *before* Telegram is told they
  arrived: before the next ``getUpdates`` confirms them (our own polling loop: PTB's
  ``Updater`` confirms a batch before processing it), or before the webhook answers 200
  (``bot.listener``). When the poll loop knows every sender of a batch and none of it can be
  a redelivery, it hands the updates on at once and each is stored, done, by the transaction
  of its own effects, which first confirms who sent it (``_take_in``); otherwise the batch is
  stored first, riding along with the next update's transaction on a busy bot
  (``bot.delivery.rides``). Each update is marked done in the transaction of its effects; at
  start-up whatever was recorded and not done is processed again.
* **Webhook or polling.** In webhook mode the lease holder calls ``setWebhook`` when it
  becomes active (pending updates kept); in polling mode it calls ``deleteWebhook`` (pending
  updates kept) before its first ``getUpdates``.
* **Outbox.** Handlers and passes write what they owe into the outbox in their transaction;
  the sender delivers it (see ``bot.delivery.sender``). A sweep picks up rows that a crash or
  a failure left behind.
* **Scheduler.** One tick (PTB's JobQueue, i.e. APScheduler, with no misfire limit) asks the
  pure ``scheduler.passes.due`` which passes are due and not yet recorded, and runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import uuid4

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.config import Webhook
from bot.delivery.hints import ActorHints
from bot.delivery.out import message
from bot.delivery.sender import OutboxSender
from bot.delivery.turn import Turn
from bot.handlers.common import run
from bot.services import delivery
from bot.services.container import Services
from bot.services.identity import Actor, StaleActor
from bot.store.delivery_repo import StoredOut
from scheduler import passes as schedule

log = logging.getLogger(__name__)

# What the bot handles: exactly these update types are asked for (polling and webhook).
ALLOWED_UPDATES = ["message", "callback_query", "inline_query", "my_chat_member"]
RECORD_WAIT = 0.5  # seconds the poll loop waits for handed-on updates' own commits (_take_in)


class Runtime:
    """``webhook``: receive updates over HTTP (``bot.listener`` serves them) instead of
    polling; the runtime sets the webhook when it becomes active."""

    def __init__(self, services: Services, *, scheduler: bool = True, poll: bool = True,
                 holder: str | None = None, webhook: Webhook | None = None) -> None:
        from bot.app import build_application

        self.services = services
        self.settings = services.settings
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:6]}"
        self.scheduler, self.webhook = scheduler, webhook
        self.poll = poll and webhook is None
        self.hints = ActorHints(services.policy.tz)
        self.app: Application = build_application(services, self)
        self.sender = OutboxSender(
            self.app.bot, services.clock, services.timer,
            flush=lambda: run(delivery.flush_results, services), block=self._block,
            lookup=lambda key: run(delivery.message_id_of, services, key),
            problem=self._send_problem, results=services.results,
            handling=lambda: bool(self._in_queue))
        services.results.on_recorded = self._stored_from_thread
        self.active = asyncio.Event()
        self.stopped = asyncio.Event()
        self._in_queue: set[int] = set()
        # handed on before being stored (``_take_in``): the payload, and when it is stored
        self._unstored: dict[int, tuple[dict[str, Any], asyncio.Future[None]]] = {}
        self._seen: int | None = None  # the highest update id stored or handed on
        # updates "stored first", "handed on" unstored, "stored late"; "stale" actors
        self.taken_in: Counter[str] = Counter()
        self.record_wait = RECORD_WAIT
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drained = asyncio.Event()  # set while no update waits or is being handled
        self._drained.set()
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._reports: dict[str, tuple[float, int]] = {}
        self.last_update_done: datetime | None = None  # on the injected clock
        self.fatal: asyncio.Future[BaseException] | None = None  # set when it cannot go on

    # ── lifecycle ─────────────────────────────────────────────────────

    async def start(self, *, wait_active: bool = True) -> None:
        knowledge = self.services.knowledge
        await run(knowledge.ensure_loaded)
        problems = knowledge.problems
        if problems:
            log.error("knowledge folder has %d problem(s); serving no FAQ answers until "
                      "/reload:\n%s", len(problems), "\n".join(map(str, problems[:20])))
        self.fatal = asyncio.get_running_loop().create_future()
        try:
            await self.app.initialize()
        except BaseException:
            # the bot opened its HTTP sessions before getMe failed, and PTB closes them
            # only for a bot that initialized: close them here
            for request in self.app.bot_data.requests:
                with contextlib.suppress(Exception):
                    await request.shutdown()
            raise
        await self.app.start()
        self._loop = asyncio.get_running_loop()  # for what worker threads hand back
        self.sender.start()
        self._tasks["lease"] = asyncio.create_task(self._lease_loop(), name="lease")
        if wait_active:
            await self.wait_active()

    async def wait_active(self) -> None:
        lease = self._tasks.get("lease")
        waiter = asyncio.create_task(self.active.wait())
        done, _ = await asyncio.wait({waiter, *([lease] if lease else [])},
                                     return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            if lease is not None and lease.done():
                lease.result()  # re-raise what stopped it

    async def stop(self) -> None:
        for name in ("lease", "poll", "webhook", "sweep"):
            task = self._tasks.pop(name, None)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._stop_jobs()
        if self.app.running:
            await self.app.stop()
        await self.sender.stop()
        if self.active.is_set():
            self.active.clear()
            with contextlib.suppress(Exception):
                await run(delivery.release_lease, self.services, self.holder)
        await self.app.shutdown()
        self.stopped.set()

    # ── the lease ─────────────────────────────────────────────────────

    async def _lease_loop(self) -> None:
        seconds = self.settings.lease_seconds
        said_standby = False
        while True:
            try:
                ok = await run(delivery.acquire_lease, self.services, self.holder, seconds)
            except Exception:
                log.exception("could not renew the instance lease")
                ok = False
            if ok and not self.active.is_set():
                await self._become_active()
            elif not ok and self.active.is_set():
                log.error("lost the instance lease; standing by")
                await self._become_standby()
            elif not ok and not said_standby:
                holder = await run(delivery.lease_holder, self.services)
                log.warning("another instance is active (%s); waiting as a standby", holder)
                said_standby = True
            await asyncio.sleep(seconds / 3 if ok else min(5.0, seconds / 4))

    async def _become_active(self) -> None:
        log.info("instance %s holds the lease; starting", self.holder)
        from bot.app import set_default_commands

        with contextlib.suppress(Exception):
            await set_default_commands(self.app)
        for payload in await run(delivery.pending_updates, self.services):
            await self._enqueue(payload)
        await self.sweep()
        if self.webhook is not None:
            self._tasks["webhook"] = asyncio.create_task(self._set_webhook(), name="webhook")
        elif self.poll:
            self._tasks["poll"] = asyncio.create_task(self._poll_loop(), name="poll")
        self._tasks["sweep"] = asyncio.create_task(self._sweep_loop(), name="sweep")
        if self.scheduler:
            self._start_jobs()
        self.active.set()

    async def _become_standby(self) -> None:
        self.active.clear()
        self._stop_jobs()
        for name in ("poll", "webhook", "sweep"):
            task = self._tasks.pop(name, None)
            if task is not None:
                task.cancel()

    def _fail(self, exc: BaseException) -> None:
        """Something the process cannot go on without (``ipbot run`` stops, exit code 1)."""
        if self.fatal is not None and not self.fatal.done():
            self.fatal.set_result(exc)

    # ── inbound ───────────────────────────────────────────────────────

    async def _set_webhook(self) -> None:
        """Point Telegram at our URL (keeping what it holds for us); retried until it
        answers. A refusal (a bad URL, say) stops the process: it could receive nothing."""
        assert self.webhook is not None
        backoff = 1.0
        while True:
            try:
                await self.app.bot.set_webhook(
                    url=self.webhook.url, secret_token=self.webhook.secret,
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
            except BadRequest as exc:  # "bad webhook: ..." (a NetworkError subclass)
                self._refused_webhook(exc)
                return
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (NetworkError, TimedOut) as exc:
                log.warning("setWebhook failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except TelegramError as exc:  # a refused token, say
                self._refused_webhook(exc)
                return
            log.info("webhook set: Telegram posts updates to %s", self.webhook.url)
            return

    def _refused_webhook(self, exc: TelegramError) -> None:
        log.critical("setWebhook was refused: %s; stopping", exc)
        self._fail(exc)

    async def _poll_loop(self) -> None:
        last = await run(delivery.last_update_id, self.services)
        offset = last + 1 if last is not None else None
        self._seen = last if last is not None else 0
        timeout = self.settings.poll_timeout
        backoff = 1.0
        webhook_deleted = False
        while True:
            try:
                if not webhook_deleted:
                    # back from webhook mode: getUpdates is refused while a webhook is set
                    await self.app.bot.delete_webhook(drop_pending_updates=False)
                    webhook_deleted = True
                raw = await self.app.bot.do_api_request(
                    "getUpdates", api_kwargs={"offset": offset, "timeout": timeout,
                                              "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=timeout + 10)
            except Conflict as exc:  # another poller, or a webhook set by someone else
                self.report("conflict", f"getUpdates: {exc.message}")
                await asyncio.sleep(5.0)
                continue
            except InvalidToken as exc:
                log.critical("the Bot API refused the token; stopping")
                self._fail(exc)
                raise
            except (NetworkError, TimedOut) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not raw:
                continue
            offset = await self._take_in(raw)

    async def _take_in(self, raw: Sequence[dict[str, Any]]) -> int:
        """The poll loop's batch; returns the next offset (which confirms it to Telegram).

        When every update in it is newer than any seen (so none can be a redelivery), and
        every sender is known (``ActorHints.known``), the updates are handed on at once and
        each is stored by the commit of its own effects: one transaction per update instead
        of two. The next ``getUpdates`` waits until they are all stored; an update whose
        handler is slow (a download, an export) is stored after ``record_wait`` without
        waiting longer, and marked done when its handler is. Otherwise the batch is stored
        first (``receive``)."""
        actors = self._known_senders(raw)
        if actors is None:
            self.taken_in["stored first"] += len(raw)
            offset = await self.receive(raw)
        else:
            self.taken_in["handed on"] += len(raw)
            await self._hand_on_unstored(raw, actors)
            offset = max(int(u["update_id"]) for u in raw) + 1
        self._seen = max(self._seen or 0, offset - 1)
        return offset

    def _known_senders(self, raw: Sequence[dict[str, Any]]) -> dict[int, Actor] | None:
        if self._seen is None:
            return None
        now = self.services.clock.now()
        actors: dict[int, Actor] = {}
        for payload in raw:
            update_id, sender = int(payload["update_id"]), _sender_id(payload)
            if update_id <= self._seen or update_id in self._in_queue or sender is None:
                return None
            actor = self.hints.known(sender, now)
            if actor is None:
                return None
            actors[update_id] = actor
        return actors

    async def _hand_on_unstored(self, raw: Sequence[dict[str, Any]],
                                actors: dict[int, Actor]) -> None:
        loop = asyncio.get_running_loop()
        stored: dict[int, asyncio.Future[None]] = {}
        for payload in raw:
            update_id = int(payload["update_id"])
            stored[update_id] = loop.create_future()
            self._unstored[update_id] = (payload, stored[update_id])
        try:
            for payload in raw:
                update_id = int(payload["update_id"])
                await self._enqueue(payload, actors[update_id], confirmed=False)
            await asyncio.wait(stored.values(), timeout=self.record_wait)
            late = [self._unstored[i][0] for i, f in stored.items() if not f.done()]
            if late:  # stored now (pending); their handlers mark them done
                self.taken_in["stored late"] += len(late)
                await self._record(late, retry=True)
        finally:
            for update_id in stored:
                self._unstored.pop(update_id, None)

    def before_turn(self, turn: Turn) -> None:
        """Called by the update processor as an update's turn begins."""
        unstored = self._unstored.get(turn.update_id)
        if unstored is not None:
            turn.record = unstored[0]
            update_id = turn.update_id
            turn.on_recorded = lambda: self._stored_from_thread([update_id])

    async def finish(self, turn: Turn) -> None:
        """Called by the update processor when an update's handlers are done, in its turn.
        A turn whose actor was remembered and that opened no unit of work confirms it now,
        in a unit of work that also stores the update as done; its held replies go out
        when the actor is confirmed, and are dropped when it was stale (``Turn.stale``: the
        update is handled again)."""
        if turn.stale:  # found so by its first unit of work: what it held is dropped
            return
        if turn.check is not None and turn.error is None:
            try:
                await run(delivery.confirm_turn, self.services)
            except StaleActor as exc:
                turn.stale = True
                self.stale_actor(exc.args[0])
                return
            except Exception:  # the database is away: the update is stored with its mark
                log.exception("could not confirm the actor of update %d", turn.update_id)
        turn.check = None  # (a failed update's apology goes out unconfirmed)
        self._release(turn)

    def confirmed(self, turn: Turn, actor: Actor) -> None:
        """From the unit of work (a worker thread) that confirmed ``turn``'s remembered actor:
        it is remembered afresh, and the replies held meanwhile go out now."""
        self.hints.remember(actor, self.services.clock.now())
        self._from_thread(self._release, turn)

    def _release(self, turn: Turn) -> None:
        held = turn.outgoing([])
        if held:
            self.sender.submit(held)

    def stale_actor(self, telegram_id: int) -> None:
        """The actor remembered for ``telegram_id`` is no longer who they are."""
        log.info("the sender's remembered actor is stale; handling the update again")
        self.taken_in["stale"] += 1
        self.hints.forget(telegram_id)

    def _stored_from_thread(self, update_ids: list[int]) -> None:
        self._from_thread(self._stored, update_ids)

    def _from_thread(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the event loop, from a worker thread (a unit of work)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)

    def _stored(self, update_ids: list[int]) -> None:
        for update_id in update_ids:
            unstored = self._unstored.get(update_id)
            if unstored is not None and not unstored[1].done():
                unstored[1].set_result(None)

    async def _record(self, raw: Sequence[dict[str, Any]], *, retry: bool
                      ) -> tuple[list[int], dict[int, Actor]]:
        while True:
            try:
                return await run(delivery.record_updates, self.services, raw)
            except Exception:
                self.report("inbound", "could not record incoming updates (database?)")
                if not retry:
                    log.exception("could not record %d updates", len(raw))
                    raise
                log.exception("could not record %d updates; retrying", len(raw))
                await asyncio.sleep(2.0)

    async def receive(self, raw: Sequence[dict[str, Any]], *, retry: bool = True) -> int:
        """Record a batch durably, then queue the new ones; returns the next offset.

        Used by polling and by the webhook (which answers 200 only after this returns).
        ``retry=False``: raise when the batch cannot be recorded (the webhook answers an
        error and Telegram delivers again) instead of retrying until it can."""
        new, actors = await self._record(raw, retry=retry)
        now = self.services.clock.now()
        for actor in actors.values():
            self.hints.remember(actor, now)
        fresh = set(new)
        for payload in raw:
            if int(payload["update_id"]) in fresh:
                sender = _sender_id(payload)
                actor = actors.get(sender) if sender is not None else None
                await self._enqueue(payload, actor)
        return max(int(u["update_id"]) for u in raw) + 1

    async def _enqueue(self, payload: dict[str, Any], actor: Actor | None = None, *,
                       confirmed: bool = True) -> None:
        update_id = int(payload["update_id"])
        if update_id in self._in_queue:
            return
        update = Update.de_json(payload, self.app.bot)
        if actor is not None:
            self.hints.put(update_id, actor, confirmed=confirmed)
        self._in_queue.add(update_id)
        self._drained.clear()
        await self.app.update_queue.put(update)

    def after_turn(self, turn: Turn) -> None:
        """Called by the update processor when an update's handlers have finished."""
        self._in_queue.discard(turn.update_id)
        self.hints.take(turn.update_id)
        self.last_update_done = self.services.clock.now()
        record = turn.record if not turn.marked else None  # never stored: with its mark
        if turn.error is not None:
            self.sender.failed_update(turn.update_id, turn.error, record)
        elif not turn.marked:
            self.sender.done_update(turn.update_id, record)
        if not self._in_queue:
            self._drained.set()
            self.sender.nudge()  # no commit is coming to take the sender's results along

    # ── outbound ──────────────────────────────────────────────────────

    async def _block(self, chat_id: int) -> None:
        count = await run(delivery.block_chat, self.services, chat_id)
        log.warning("chat %s blocked the bot; %d pending message(s) not sent", chat_id, count)

    async def _send_problem(self, out: Any, error: str) -> None:
        self.report("outbox-refused", f"{out.method} to {out.chat_id} refused: {error}")

    def deliver(self, rows: Sequence[StoredOut]) -> None:
        self.sender.submit(rows)

    async def sweep(self) -> int:
        rows = await run(delivery.due_outbox, self.services, self.sender.known())
        self.sender.submit(rows)
        return len(rows)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(30.0)
            with contextlib.suppress(Exception):
                await self.sweep()

    def report(self, kind: str, text: str) -> None:
        """Tell the administrator, at most once a minute per kind (with the count since)."""
        log.error("%s: %s", kind, text)
        admin = self.settings.admin_chat_id
        if not admin:
            return
        now = self.services.timer.monotonic()
        last, count = self._reports.get(kind, (float("-inf"), 0))
        if now - last < 60:
            self._reports[kind] = (last, count + 1)
            return
        self._reports[kind] = (now, 0)
        from bot.i18n import t

        more = t("error.admin_more", "zh", count=count) if count else ""
        self.sender.submit([StoredOut(None, message(
            admin, t("error.admin_report", "zh", error=text[:1500], update="-") + more,
            kind="admin"))])

    # ── scheduled passes ──────────────────────────────────────────────

    def _start_jobs(self) -> None:
        jobs = self.app.job_queue
        assert jobs is not None
        jobs.run_repeating(self._tick_job, interval=self.settings.tick_seconds, first=0.05,
                           name="tick", job_kwargs={"misfire_grace_time": None,
                                                    "coalesce": True, "max_instances": 1})

    def _stop_jobs(self) -> None:
        if self.app.job_queue is not None:
            for job in self.app.job_queue.get_jobs_by_name("tick"):
                job.schedule_removal()

    async def _tick_job(self, _context: Any) -> None:
        await self.tick()

    async def tick(self, only: tuple[str, ...] = schedule.PASSES) -> list[str]:
        """Run every pass that is due and not yet recorded; then the unrecorded chores."""
        from bot.passes import CHORES

        svc = self.services
        now = svc.clock.now()
        slots = schedule.current_slots(now, svc.policy)
        recorded = await run(delivery.recorded_passes, svc, [s.name for s in slots],
                             [s.period for s in slots])
        ran = []
        for slot in schedule.due(now, svc.policy, recorded, only):
            if await self.run_slot(slot):
                ran.append(slot.name)
        for chore in CHORES:
            try:
                await chore(self)
            except Exception as exc:
                self.report("chore", f"{chore.__name__}: {exc!r}")
        return ran

    async def run_pass(self, name: str) -> dict[str, Any] | None:
        """Run one pass for its current slot, as the tick would (tests, ``ipbot``)."""
        slot = next(s for s in schedule.current_slots(self.services.clock.now(),
                                                      self.services.policy) if s.name == name)
        return await self.run_slot(slot)

    async def run_slot(self, slot: schedule.Slot) -> dict[str, Any] | None:
        from bot.passes import PASSES

        svc = self.services
        if not await run(delivery.claim_pass, svc, slot.name, slot.period, self.holder):
            return None
        try:
            result = await PASSES[slot.name](self, slot)
        except Exception as exc:
            log.exception("pass %s for %s failed", slot.name, slot.period)
            await run(delivery.release_pass, svc, slot.name, slot.period)
            self.report(f"pass-{slot.name}", f"{slot.name} {slot.period}: {exc!r}")
            return None
        await run(delivery.finish_pass, svc, slot.name, slot.period, result)
        log.info("pass %s for %s: %s", slot.name, slot.period, result)
        return result

    # ── for tests and the demo ────────────────────────────────────────

    def busy(self) -> bool:
        return bool(self._in_queue) or self.sender.busy()

    async def settle(self) -> None:
        """Wait until every queued update is handled and every owed message sent."""
        while True:
            await self._drained.wait()
            await self.sender.idle()
            if not self.busy():
                return


def _seconds(value: Any) -> float:
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


def _sender_id(payload: dict[str, Any]) -> int | None:
    for value in payload.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            return int(value["from"]["id"])
    return None


@asynccontextmanager
async def running(services: Services, *, scheduler: bool = False, poll: bool = True,
                  holder: str | None = None) -> AsyncIterator[Runtime]:
    """A started runtime inside the current event loop (tests, benchmarks, the demo)."""
    runtime = Runtime(services, scheduler=scheduler, poll=poll, holder=holder)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()
