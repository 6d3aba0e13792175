"""The outbox sender against a scripted Bot API (no HTTP), in virtual time; the callback
codec; the virtual timer and the throttle."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.clock import FixedClock, VirtualTimer
from bot.delivery.out import edit_text, message
from bot.delivery.results import ResultsBox
from bot.delivery.sender import NotSent, OutboxSender, ServerError
from bot.delivery.throttle import Throttle
from bot.store.delivery_repo import StoredOut
from bot.views import callbacks as cb

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class ScriptedBot:
    """Answers each call with the next scripted outcome (an exception, or success)."""

    def __init__(self, *script: Exception | None,
                 chat: dict[int, list[Exception | None]] | None = None) -> None:
        self.script: deque[Exception | None] = deque(script)
        self.per_chat = {c: deque(s) for c, s in (chat or {}).items()}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.delivered: list[str] = []
        self.timer: VirtualTimer | None = None
        self.times: list[float] = []

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> Any:
        self.calls.append((method, api_kwargs))
        if self.timer is not None:
            self.times.append(self.timer.monotonic())
        await asyncio.sleep(0)
        mine = self.per_chat.get(api_kwargs.get("chat_id"))
        if mine is not None:
            outcome = mine.popleft() if mine else None
        else:
            outcome = self.script.popleft() if self.script else None
        if outcome is not None:
            if getattr(outcome, "executed", False):  # failed, yet delivered
                self.delivered.append(api_kwargs.get("text", ""))
            raise outcome
        self.delivered.append(api_kwargs.get("text", ""))
        return {"message_id": len(self.calls)} if method.startswith("send") else True


def executed(exc: Exception) -> Exception:
    exc.executed = True  # type: ignore[attr-defined]
    return exc


class Harness:
    def __init__(self, bot: ScriptedBot) -> None:
        self.timer = VirtualTimer()
        bot.timer = self.timer
        self.marks: list[Any] = []
        self.blocked: list[int] = []
        self.problems: list[str] = []

        results = ResultsBox()

        async def flush() -> None:  # the recorder's unit of work: takes what waits
            batch = results.take()
            if batch:
                self.marks.extend(batch.marks)
                results.written(batch)

        async def block(chat: int) -> None:
            self.blocked.append(chat)

        async def lookup(_key: str) -> int | None:
            return None

        async def problem(_out: Any, error: str) -> None:
            self.problems.append(error)

        self.sender = OutboxSender(bot, FixedClock(NOW), self.timer, flush=flush, block=block,
                                   lookup=lookup, problem=problem, results=results)
        self.timer.busy = lambda: self.sender.in_flight > 0

    async def send(self, *rows: StoredOut) -> None:
        self.sender.start()
        self.sender.submit(rows)
        await self.sender.idle()
        await self.sender.stop()

    def status(self, row_id: int) -> str:
        return [m for m in self.marks if m.row_id == row_id][-1].status


def row(row_id: int, chat: int = 1, text: str = "hi", **kw: Any) -> StoredOut:
    return StoredOut(row_id, message(chat, text, key=f"k{row_id}", **kw))


async def test_429_waits_retry_after_then_sends_once():
    bot = ScriptedBot(RetryAfter(3), RetryAfter(3))
    h = Harness(bot)
    await h.send(row(1))
    assert bot.delivered == ["hi"] and h.status(1) == "sent"
    assert h.sender.stats["retry_after"] == 2 and h.timer.waits.count(3.0) == 2


async def test_502_and_refused_connections_are_retried_as_not_delivered():
    bot = ScriptedBot(ServerError(502, "bad gateway"), NotSent("aiohttp.ClientConnectorError: x"))
    h = Harness(bot)
    await h.send(row(1))
    assert bot.delivered == ["hi"] and h.sender.stats["ambiguous"] == 0
    assert h.sender.stats["retried"] == 2


async def test_an_ambiguous_500_is_retried_once_and_counted():
    bot = ScriptedBot(executed(ServerError(500, "internal")))
    h = Harness(bot)
    await h.send(row(1))
    assert bot.delivered == ["hi", "hi"]  # the one counted possible duplicate
    assert h.sender.stats["ambiguous"] == 1 and h.status(1) == "sent"
    assert [m.ambiguous for m in h.marks if m.row_id == 1][-1] == 1


async def test_a_second_ambiguous_failure_parks_the_row_and_its_chat_waits():
    bot = ScriptedBot(chat={1: [TimedOut(), TimedOut()]})
    h = Harness(bot)
    await h.send(row(1, chat=1), row(2, chat=1), row(3, chat=2))
    assert h.status(1) == "pending"  # parked: the sweep tries it again later
    parked = [m for m in h.marks if m.row_id == 1][-1]
    assert parked.not_before is not None and parked.ambiguous == 2
    assert not [m for m in h.marks if m.row_id == 2]  # chat 1's order holds: it waits
    assert h.status(3) == "sent"  # another chat is not held up


async def test_403_blocks_that_chat_only():
    bot = ScriptedBot(Forbidden("bot was blocked by the user"))
    h = Harness(bot)
    await h.send(row(1, chat=1), row(2, chat=1), row(3, chat=2))
    assert h.status(1) == "blocked" and h.blocked == [1]
    assert h.status(3) == "sent" and "hi" in bot.delivered
    assert not [m for m in h.marks if m.row_id == 2]  # left for the database to mark


async def test_bad_requests_an_unchanged_edit_is_done_a_lost_message_is_sent_anew():
    bot = ScriptedBot(BadRequest("Message is not modified"),
                      BadRequest("Message to edit not found"), None,
                      BadRequest("can't parse entities"))
    h = Harness(bot)
    await h.send(StoredOut(1, edit_text(1, "same", message_id=5, key="e1")),
                 StoredOut(2, edit_text(1, "gone", message_id=6, key="e2")),
                 row(3, text="<b>broken"))
    assert h.status(1) == "sent" and h.status(2) == "sent"
    assert [m for m, _ in bot.calls] == ["editMessageText", "editMessageText", "sendMessage",
                                         "sendMessage"]
    assert h.status(3) == "failed" and h.problems  # a bug: reported, not retried


async def test_a_newer_message_of_the_same_group_replaces_an_unsent_one():
    bot = ScriptedBot()
    h = Harness(bot)
    rows = [row(i, text=f"{i} photos", coalesce="photos:1") for i in range(1, 5)]
    await h.send(*rows)
    assert bot.delivered == ["4 photos"]
    assert [h.status(i) for i in range(1, 5)] == ["superseded"] * 3 + ["sent"]


async def test_bulk_sends_are_spaced_per_chat_and_overall():
    bot = ScriptedBot()
    h = Harness(bot)
    await h.send(*[row(i, chat=1 + i % 2, bulk=True) for i in range(6)])
    gaps = [b - a for a, b in itertools.pairwise(bot.times)]
    assert all(g >= 0.04 - 1e-9 for g in gaps)  # 25 a second overall
    per_chat = [t for (_m, kw), t in zip(bot.calls, bot.times, strict=True)
                if kw["chat_id"] == 1]
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(per_chat))


async def test_throttle_holds_everyone_after_a_429():
    timer = VirtualTimer()
    throttle = Throttle(timer)
    await throttle.hold_all(5.0)
    start = timer.monotonic()
    await throttle.wait_turn(1, bulk=False)
    assert timer.monotonic() - start == pytest.approx(5.0)


def test_callback_codec_round_trips_and_refuses_forgeries():
    data = cb.encode(cb.VISIT, "whom", 12, "34")
    assert data == "v:whom:12:34"
    assert cb.decode(data) == cb.Press("v", "whom", 12, "34")
    assert cb.decode("cs:rate:3:5").number == 5
    for forged in (None, "", "x:y:1", "v:whom:abc", "v:whom:1:2:3", "zz:a:1", "v:wh;om:1"):
        assert cb.decode(forged) is None
    with pytest.raises(ValueError):
        cb.encode(cb.FAQ, "s", 1, "x" * 80)
