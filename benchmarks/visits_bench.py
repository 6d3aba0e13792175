"""Log N complete visits through the real runtime (durable inbound, one service call per
update, the outbox) and the local Bot API server; print visits per second, p50/p99 latency
per step, Bot API calls per button step and database units of work per update, next to a
bare python-telegram-bot echo bot driven the same way (same server, same number of round
trips) in the same run.

    .venv/bin/python benchmarks/visits_bench.py [--visits 1000] [--users 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.clock import FixedClock
from bot.config import Settings
from bot.delivery import turn as turns
from bot.delivery.request import StatusAwareRequest
from bot.fakeapi import FakeBotAPI, FakeUser, SentMessage
from bot.fakeapi.ptb import application_builder, running
from bot.runtime import running as running_bot
from bot.services import delivery, identity, invites
from bot.services.container import Services
from bot.services.identity import TelegramUser
from bot.store import migrate
from bot.store.models import Assignment, Cycle, Entity, Person, PersonRole

TZ = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:BENCH-TOKEN"


class Timer:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    async def message(self, name: str, user: FakeUser, action):  # type: ignore[no-untyped-def]
        """A step whose reply is a new message."""
        start = time.perf_counter()
        await action
        msg = await user.expect_message(timeout=60)
        self.samples[name].append(time.perf_counter() - start)
        return msg

    async def edit(self, name: str, user: FakeUser, msg: SentMessage, button: str
                   ) -> SentMessage:
        """A button step whose reply edits the pressed message in place."""
        start = time.perf_counter()
        await user.press(msg, button)
        await user.expect_edit(msg, timeout=60)
        self.samples[name].append(time.perf_counter() - start)
        return msg


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


BUTTON_STEPS = ("how", "what", "what-toggle", "summary", "followups", "photos", "integrity",
                "review", "submit")
# The kinds of round trip of one visit, in order (``one_visit``): a typed message answered
# with a message, or a button press answered with an edit. The echo bot is driven in the
# same shape, so both sides make the same Bot API calls per round trip.
VISIT_SHAPE = ("message",) + ("edit",) * 4 + ("message",) + ("edit",) * 5
assert VISIT_SHAPE.count("edit") == len(BUTTON_STEPS)


async def one_visit(user: FakeUser, timer: Timer) -> None:
    prompt = await timer.message("when", user, user.send("/visit"))  # one entity: no "whom"
    await timer.edit("how", user, prompt, "昨天")
    await timer.edit("what", user, prompt, "📞 电话")
    await timer.edit("what-toggle", user, prompt, "▫️ 宣讲政策")
    await timer.edit("summary", user, prompt, "下一步 ▶️")
    prompt = await timer.message("needs", user, user.send("电话了解企业专利布局情况并宣讲政策。"))
    await timer.edit("followups", user, prompt, "⏭ 跳过")
    await timer.edit("photos", user, prompt, "⏭ 跳过")
    await timer.edit("integrity", user, prompt, "⏭ 跳过")
    await timer.edit("review", user, prompt, "✅ 我确认")
    await timer.edit("submit", user, prompt, "✅ 提交")


def seed(services: Services, users: int) -> None:
    now = services.clock.now()
    with services.uow() as uow:
        cycle = Cycle(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), created_at=now)
        uow.session.add(cycle)
        for i in range(users):
            person = Person(name=f"专员{i}", unit="u", ip_degree=True, created_at=now,
                            updated_at=now, roles=[PersonRole(role="commissioner")])
            entity = Entity(name=f"企业{i}", category="tech_enterprise", created_at=now)
            uow.session.add_all([person, entity])
            uow.session.flush()
            uow.session.add(Assignment(cycle_id=cycle.id, person_id=person.id,
                                       role="commissioner", entity_id=entity.id,
                                       start_date=cycle.start_date,
                                       end_date=cycle.end_date, created_at=now))
        uow.commit()


TIMED = ("acquire_lease", "due_outbox")


class Counted:
    """Database units of work (connection checkouts) and statements, by who made them."""

    def __init__(self, services: Services) -> None:
        self.checkouts = 0
        self.by: Counter[str] = Counter()  # checkouts by who made them
        self.statements = 0
        self.bookkeeping_seconds: Counter[str] = Counter()
        self._who = threading.local()
        event.listen(services.engine, "checkout", self._checkout)
        event.listen(services.engine, "before_cursor_execute", self._statement)
        # bookkeeping beside the handlers' own units of work: received batches stored first,
        # sender results written on their own, the end-of-turn confirmation of a handler
        # that opened none; and the timed ones (lease renewal, outbox sweep)
        for name in ("record_updates", "flush_results", "confirm_turn", "acquire_lease",
                     "due_outbox"):
            original = getattr(delivery, name)

            def timed(*a, _o=original, _n=name, **k):  # type: ignore[no-untyped-def]
                start = time.perf_counter()
                self._who.name = _n
                try:
                    return _o(*a, **k)
                finally:
                    self._who.name = None
                    self.bookkeeping_seconds[_n] += time.perf_counter() - start

            setattr(delivery, name, timed)

    def _checkout(self, *_a: object) -> None:
        self.checkouts += 1
        who = getattr(self._who, "name", None)
        self.by[who or ("handlers" if turns.current() is not None else "other")] += 1

    def _statement(self, *_a: object) -> None:
        self.statements += 1


async def bench_bot(server: FakeBotAPI, visits: int, n_users: int, db: Path) -> dict:
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    settings = Settings(token=TOKEN, database_url=url, api_base_url=server.base_url,
                        bot_username="bench_bot", _env_file=None)  # type: ignore[call-arg]
    services = Services.create(settings, FixedClock(datetime(2026, 6, 1, 10, tzinfo=TZ)))
    seed(services, n_users)
    users = []
    for i in range(n_users):
        user = server.user(first_name=f"专员{i}", started=True)
        code = invites.issue(services, person=f"专员{i}").code
        identity.bind(services, code, TelegramUser(user.id, f"专员{i}", "zh-hans"))
        users.append(user)
    timer = Timer()
    async with running_bot(services) as runtime:
        await asyncio.sleep(0)
        counted = Counted(services)
        calls_before = len(server.calls())
        updates_before = len(server.calls("getUpdates"))
        per_user = visits // n_users
        start = time.perf_counter()

        async def run_user(u: FakeUser) -> None:
            for _ in range(per_user):
                await one_visit(u, timer)

        await asyncio.gather(*(run_user(u) for u in users))
        elapsed = time.perf_counter() - start
        await runtime.settle()
        calls = Counter(c.method for c in server.calls()[calls_before:])
        polls = len(server.calls("getUpdates")) - updates_before
    services.close()
    return {"done": per_user * n_users, "elapsed": elapsed, "timer": timer,
            "calls": calls, "polls": polls, "checkouts": counted.checkouts,
            "statements": counted.statements, "bookkeeping": counted.bookkeeping_seconds,
            "by": counted.by, "taken_in": Counter(runtime.taken_in)}


async def bench_echo(server: FakeBotAPI, round_trips: int, n_users: int, *,
                     same_client: bool = False) -> tuple:
    """The same number of round trips, in the visit's shape (``VISIT_SHAPE``: 2 messages
    and 9 button presses in 11), to a bare echo bot that answers a message with a message
    and a press with an edit (and its answer)."""

    async def echo(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        await update.effective_chat.send_message(
            update.effective_message.text or "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]]))

    async def press(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        query = update.callback_query
        context.application.create_task(query.answer())
        await query.edit_message_text(f"pressed {query.id}", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("b", callback_data="b")]]))

    builder = application_builder(server).concurrent_updates(64)
    if same_client:  # the bot's request, with the bot's pool sizes (``bot.app``)
        builder = (builder.request(StatusAwareRequest(connection_pool_size=64))
                   .get_updates_request(StatusAwareRequest()))
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    timer = Timer()
    async with running(app):
        users = [server.user(first_name=f"e{i}", started=True) for i in range(n_users)]
        per_user = round_trips // n_users
        start = time.perf_counter()

        async def run_user(u: FakeUser) -> None:
            msg = None
            for k in range(per_user):
                if VISIT_SHAPE[k % len(VISIT_SHAPE)] == "message" or msg is None:
                    msg = await timer.message("echo", u, u.send("hello"))
                else:
                    await timer.edit("echo", u, msg, "b")

        await asyncio.gather(*(run_user(u) for u in users))
        elapsed = time.perf_counter() - start
    return per_user * n_users, elapsed, timer


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotAPI(token=TOKEN, bot_username="bench_bot") as server:
            bot = await bench_bot(server, args.visits, args.users, Path(tmp) / "bench.sqlite3")
        timer, done, elapsed = bot["timer"], bot["done"], bot["elapsed"]
        steps = sum(len(v) for v in timer.samples.values())
        async with FakeBotAPI(token=TOKEN, bot_username="bench_bot") as server:
            trips, e_elapsed, e_timer = await bench_echo(server, steps, args.users)
        async with FakeBotAPI(token=TOKEN, bot_username="bench_bot") as server:
            _, s_elapsed, s_timer = await bench_echo(server, steps, args.users,
                                                     same_client=True)
    all_steps = [x for v in timer.samples.values() for x in v]
    button_steps = sum(len(timer.samples[s]) for s in BUTTON_STEPS)
    echo, same = e_timer.samples["echo"], s_timer.samples["echo"]
    calls = bot["calls"]
    print(f"visits logged: {done} by {args.users} users in {elapsed:.1f} s "
          f"-> {done / elapsed:.1f} visits/s ({steps} round trips, {steps / elapsed:.0f}/s)")
    print(f"echo baseline (python-telegram-bot as shipped, httpx): {trips} round trips in "
          f"{e_elapsed:.1f} s -> {trips / e_elapsed:.0f}/s")
    print(f"echo on the bot's HTTP request (aiohttp): {trips} round trips in "
          f"{s_elapsed:.1f} s -> {trips / s_elapsed:.0f}/s")
    print(f"{'step':<12}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for name, values in timer.samples.items():
        print(f"{name:<12}{len(values):>7}{pct(values, .5):>9.1f}{pct(values, .99):>9.1f}")
    print(f"{'all steps':<12}{len(all_steps):>7}{pct(all_steps, .5):>9.1f}"
          f"{pct(all_steps, .99):>9.1f}")
    print(f"{'echo':<12}{len(echo):>7}{pct(echo, .5):>9.1f}{pct(echo, .99):>9.1f}")
    print(f"{'echo aiohttp':<12}{len(same):>7}{pct(same, .5):>9.1f}{pct(same, .99):>9.1f}")
    print(f"ratio bot/echo: p50 x{pct(all_steps, .5) / pct(echo, .5):.2f}, "
          f"p99 x{pct(all_steps, .99) / pct(echo, .99):.2f}, "
          f"throughput x{(steps / elapsed) / (trips / e_elapsed):.2f}")
    print(f"ratio bot/echo on the same HTTP request: "
          f"p50 x{pct(all_steps, .5) / pct(same, .5):.2f}, "
          f"p99 x{pct(all_steps, .99) / pct(same, .99):.2f}, "
          f"throughput x{(steps / elapsed) / (trips / s_elapsed):.2f}")
    kept = bot["bookkeeping"]
    edits = calls["editMessageText"] + calls["editMessageReplyMarkup"]
    print(f"Bot API calls per button step: {edits / button_steps:.2f} awaited (edit) + "
          f"{calls['answerCallbackQuery'] / button_steps:.2f} unawaited (answerCallbackQuery); "
          f"per text step {calls['sendMessage'] / (steps - button_steps):.2f} (sendMessage)")
    by = bot["by"]
    timed = by["acquire_lease"] + by["due_outbox"]  # every few seconds, whatever the traffic
    print(f"database units of work per update: {(bot['checkouts'] - timed) / steps:.3f} "
          f"({bot['checkouts'] - timed} for {steps} updates: "
          f"{', '.join(f'{k} {v}' for k, v in by.most_common() if k not in TIMED)}; "
          f"{bot['statements'] / steps:.1f} statements per update); with the timed lease "
          f"renewals and outbox sweeps ({timed}): {bot['checkouts'] / steps:.3f}")
    print(f"updates taken in: {', '.join(f'{k} {v}' for k, v in bot['taken_in'].items())}; "
          f"getUpdates batches: {bot['polls']}; "
          f"time in the calls that store received batches and sender results, summed over "
          f"threads and mostly spent waiting for the database or for the commit that takes "
          f"them along: record_updates {kept['record_updates']:.1f} s, "
          f"flush_results {kept['flush_results']:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
