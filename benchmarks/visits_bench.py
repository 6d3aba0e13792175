"""Log N complete visits through the real Application and the local Bot API server; print
visits per second and p50/p99 reply latency per step, next to a bare python-telegram-bot echo
handler driven the same way (same server, same number of round trips) in the same run.

    .venv/bin/python benchmarks/visits_bench.py [--visits 1000] [--users 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.app import build_application
from bot.clock import FixedClock
from bot.config import Settings
from bot.fakeapi import FakeBotAPI, FakeUser
from bot.fakeapi.ptb import application_builder
from bot.runner import running
from bot.services import invites
from bot.services.container import Services
from bot.store import migrate
from bot.store.models import Assignment, Cycle, Entity, Person, PersonRole

TZ = ZoneInfo("Asia/Shanghai")
TOKEN = "123456:BENCH-TOKEN"


class Timer:
    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    async def step(self, name: str, user: FakeUser, action):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        await action
        msg = await user.expect_message(timeout=30)
        self.samples[name].append(time.perf_counter() - start)
        return msg


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def one_visit(user: FakeUser, timer: Timer) -> None:
    prompt = await timer.step("when", user, user.send("/visit"))  # one entity: no "whom"
    prompt = await timer.step("how", user, user.press(prompt, "昨天"))
    prompt = await timer.step("what", user, user.press(prompt, "📞 电话"))
    start = time.perf_counter()
    await user.press(prompt, "▫️ 宣讲政策")
    await user.expect_edit(prompt, timeout=30)
    timer.samples["what-toggle"].append(time.perf_counter() - start)
    await timer.step("summary", user, user.press(prompt, "下一步 ▶️"))
    prompt = await timer.step("needs", user, user.send("电话了解企业专利布局情况并宣讲政策。"))
    prompt = await timer.step("followups", user, user.press(prompt, "⏭ 跳过"))
    prompt = await timer.step("photos", user, user.press(prompt, "⏭ 跳过"))
    prompt = await timer.step("integrity", user, user.press(prompt, "⏭ 跳过"))
    prompt = await timer.step("review", user, user.press(prompt, "✅ 我确认"))
    await timer.step("submit", user, user.press(prompt, "✅ 提交"))


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
            for e in (entity,):
                uow.session.add(Assignment(cycle_id=cycle.id, person_id=person.id,
                                           role="commissioner", entity_id=e.id,
                                           start_date=cycle.start_date,
                                           end_date=cycle.end_date, created_at=now))
        uow.commit()


async def bench_bot(server: FakeBotAPI, visits: int, n_users: int, db: Path) -> tuple:
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    settings = Settings(token=TOKEN, database_url=url, api_base_url=server.base_url,
                        bot_username="bench_bot", _env_file=None)  # type: ignore[call-arg]
    services = Services.create(settings, FixedClock(datetime(2026, 6, 1, 10, tzinfo=TZ)))
    seed(services, n_users)
    users = []
    app = build_application(services)
    timer = Timer()
    async with running(app):
        for i in range(n_users):
            user = server.user(first_name=f"专员{i}")
            await user.send(f"/start {invites.issue(services, person=f'专员{i}').code}")
            await user.expect_message(timeout=30)
            users.append(user)
        per_user = visits // n_users
        start = time.perf_counter()

        async def run_user(u: FakeUser) -> None:
            for _ in range(per_user):
                await one_visit(u, timer)

        await asyncio.gather(*(run_user(u) for u in users))
        elapsed = time.perf_counter() - start
    services.close()
    return per_user * n_users, elapsed, timer


async def bench_echo(server: FakeBotAPI, round_trips: int, n_users: int) -> tuple:
    """The same number of round trips (half messages, half button presses) to a bare echo."""

    async def echo(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        await update.effective_chat.send_message(
            update.effective_message.text or "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]]))

    async def press(update: Update, context) -> None:  # type: ignore[no-untyped-def]
        await update.callback_query.answer()
        await update.effective_chat.send_message("pressed")

    app = application_builder(server).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(press))
    timer = Timer()
    async with running(app):
        users = [server.user(first_name=f"e{i}", started=True) for i in range(n_users)]
        per_user = round_trips // n_users
        start = time.perf_counter()

        async def run_user(u: FakeUser) -> None:
            msg = await timer.step("echo", u, u.send("hello"))
            for k in range(per_user - 1):
                if k % 2:
                    msg = await timer.step("echo", u, u.send("hello"))
                else:
                    await timer.step("echo", u, u.press(msg, "b"))

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
            done, elapsed, timer = await bench_bot(server, args.visits, args.users,
                                                   Path(tmp) / "bench.sqlite3")
        steps = sum(len(v) for v in timer.samples.values())
        async with FakeBotAPI(token=TOKEN, bot_username="bench_bot") as server:
            trips, e_elapsed, e_timer = await bench_echo(server, steps, args.users)
    all_steps = [x for v in timer.samples.values() for x in v]
    echo = e_timer.samples["echo"]
    print(f"visits logged: {done} by {args.users} users in {elapsed:.1f} s "
          f"-> {done / elapsed:.1f} visits/s ({steps} round trips, {steps / elapsed:.0f}/s)")
    print(f"echo baseline: {trips} round trips in {e_elapsed:.1f} s "
          f"-> {trips / e_elapsed:.0f}/s, i.e. {trips / e_elapsed / (steps / done):.1f} "
          f"visit-equivalents/s")
    print(f"{'step':<12}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for name, values in timer.samples.items():
        print(f"{name:<12}{len(values):>7}{pct(values, .5):>9.1f}{pct(values, .99):>9.1f}")
    print(f"{'all steps':<12}{len(all_steps):>7}{pct(all_steps, .5):>9.1f}"
          f"{pct(all_steps, .99):>9.1f}")
    print(f"{'echo':<12}{len(echo):>7}{pct(echo, .5):>9.1f}{pct(echo, .99):>9.1f}")
    print(f"ratio bot/echo: p50 x{pct(all_steps, .5) / pct(echo, .5):.1f}, "
          f"p99 x{pct(all_steps, .99) / pct(echo, .99):.1f}, "
          f"throughput x{(steps / elapsed) / (trips / e_elapsed):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
