"""Messages owed vs delivered vs duplicated under Bot API faults, each scenario next to the
same run without faults: a reminder pass to N envoys and a weekly digest to the supervisors,
through the real runtime and the local Bot API server, in virtual time.

    .venv/bin/python benchmarks/delivery_faults.py [--envoys 300]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bot.clock import FixedClock, VirtualTimer
from bot.fakeapi import FakeBotAPI
from bot.services import identity, invites
from bot.services.container import Services
from bot.services.identity import TelegramUser
from bot.store import migrate
from bot.store.models import Assignment, Cycle, OutboxMessage, Person, PersonRole, Region
from tests.conftest import TOKEN, TZ
from tests.e2e.conftest import bot_settings, start_world

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
SUPERVISORS = 3


def seed(url: str, server: FakeBotAPI, envoys: int) -> list:  # type: ignore[type-arg]
    services = Services.create(bot_settings(url, server), FixedClock(MONDAY))
    now = MONDAY
    users = []
    with services.uow() as uow:
        cycle = Cycle(start_date=date(2026, 1, 1), end_date=date(2027, 12, 31), created_at=now)
        uow.session.add(cycle)
        for i in range(envoys):
            user = server.user(first_name=f"特派员{i}", started=True)
            users.append(user)
            person = Person(name=f"特派员{i}", unit="u", ip_degree=True, telegram_id=user.id,
                            created_at=now, updated_at=now, roles=[PersonRole(role="envoy")])
            region = Region(county=f"县{i}", city=f"市{i % 11}", created_at=now)
            uow.session.add_all([person, region])
            uow.session.flush()
            uow.session.add(Assignment(cycle_id=cycle.id, person_id=person.id, role="envoy",
                                       region_id=region.id, start_date=cycle.start_date,
                                       end_date=cycle.end_date, created_at=now))
        for i in range(SUPERVISORS):
            uow.session.add(Person(name=f"监管{i}", unit="局", created_at=now, updated_at=now,
                                   roles=[PersonRole(role="supervisor")]))
        uow.commit()
    for i in range(SUPERVISORS):
        user = server.user(first_name=f"监管{i}", started=True)
        users.append(user)
        identity.bind(services, invites.issue(services, person=f"监管{i}").code,
                      TelegramUser(user.id, f"监管{i}", "zh-hans"))
    services.close()
    return users


Fault = Callable[[FakeBotAPI, list], None]  # type: ignore[type-arg]

SCENARIOS: dict[str, Fault] = {
    "no faults": lambda s, u: None,
    "429 ×30 on sendMessage (retry_after 1–2)": lambda s, u: (
        s.inject_error("sendMessage", status=429, retry_after=2, times=10),
        s.inject_error("sendMessage", status=429, retry_after=1, times=20)),
    "502/503 ×30 on sendMessage, ×3 on sendPhoto and sendDocument": lambda s, u: (
        s.inject_error("sendMessage", status=502, times=20),
        s.inject_error("sendMessage", status=503, times=10),
        s.inject_error("sendPhoto", status=502, times=3),
        s.inject_error("sendDocument", status=503, times=3)),
    "500 after delivery ×10 on sendMessage (ambiguous)": lambda s, u: (
        s.inject_error("sendMessage", status=500, executed=True, times=10)),
    "connection dropped ×10 on sendMessage": lambda s, u: (
        s.inject_disconnect("sendMessage", times=10)),
    "20 envoys and 1 supervisor blocked the bot (403)": lambda s, u: [
        s.block(x, notify=False) for x in u[:20] + u[-1:]],
}


async def run(name: str, fault: Fault, envoys: int, template: Path, folder: Path
              ) -> dict[str, int]:
    db = folder / f"{abs(hash(name))}.sqlite3"
    shutil.copyfile(template, db)
    url = f"sqlite:///{db}"
    async with FakeBotAPI(token=TOKEN, bot_username="ipfield_test_bot") as server:
        users = seed(url, server, envoys)
        timer = VirtualTimer()
        server.use_monotonic(timer.monotonic)
        server.rate_limit(global_per_sec=30, per_chat_per_sec=1)
        fault(server, users)
        async with start_world(url, server, FixedClock(MONDAY), rosters=False,
                               timer=timer) as world:
            timer.busy = lambda: world.runtime.sender.in_flight > 0
            await world.run_pass("daily")
            await world.run_pass("digest")
            await world.runtime.sweep()  # what a parked row's next sweep would do
            await world.settle()
            stats = world.runtime.sender.stats
            with world.services.uow() as uow:
                owed = uow.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
                by = Counter(dict(uow.session.execute(select(
                    OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))
        received = Counter()
        for u in users:
            for m in u.messages:
                received[(u.id, m.kind, m.text or m.file_name or "")] += 1
        return {"owed": owed, "delivered": len(received),
                "duplicated": sum(n - 1 for n in received.values()),
                "blocked": by["blocked"], "pending": by["pending"], "failed": by["failed"],
                "counted ambiguous": stats["ambiguous"], "virtual s": round(
                    timer.monotonic() - 1000.0)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--envoys", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.sqlite3"
        migrate.upgrade(f"sqlite:///{template}")
        rows = {name: await run(name, fault, args.envoys, template, folder)
                for name, fault in SCENARIOS.items()}
    cols = list(next(iter(rows.values())))
    print(f"{'scenario':<62}" + "".join(f"{c:>18}" for c in cols))
    for name, row in rows.items():
        print(f"{name:<62}" + "".join(f"{row[c]:>18}" for c in cols))


if __name__ == "__main__":
    asyncio.run(main())
