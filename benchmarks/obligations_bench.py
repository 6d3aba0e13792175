"""One full obligation pass at scale: 10,000 commissioners with 3 entities each, 1,000 envoys,
200,000 visits (SQLite). Prints time and peak memory of the pass (load from the database,
evaluate, plan reminders) and of a digest's data, next to a plain SELECT of the same rows in
the same run; and the same at 1/4 and 1/2 scale to show how it grows.

    .venv/bin/python benchmarks/obligations_bench.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from bot.clock import FixedClock
from bot.config import Settings
from bot.reports import Scope, build_digest, digest_workbook
from bot.services import obligations
from bot.services.container import Services
from bot.services.digest import digest_input
from bot.store import migrate
from bot.store.models import (
    Assignment,
    Cycle,
    Entity,
    Person,
    PersonRole,
    Region,
    Visit,
)
from scheduler.reminders import due_reminders

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 21, 9, 0, tzinfo=TZ)


def build(url: str, commissioners: int, envoys: int, visits: int) -> None:
    migrate.upgrade(url)
    svc = Services.create(Settings(token="1:x", database_url=url, _env_file=None))
    rnd = random.Random(7)
    now = AT
    with svc.uow() as uow:
        s = uow.session
        s.execute(insert(Cycle), [{"id": 1, "start_date": date(2026, 1, 1),
                                   "end_date": date(2027, 12, 31), "created_at": now}])
        people = [{"id": i + 1, "name": f"p{i}", "unit": "u", "ip_degree": True,
                   "experience_years": 3, "in_service": True, "created_at": now,
                   "updated_at": now} for i in range(commissioners + envoys)]
        s.execute(insert(Person), people)
        s.execute(insert(PersonRole), [{"person_id": i + 1, "role": "commissioner" if
                                        i < commissioners else "envoy"}
                                       for i in range(commissioners + envoys)])
        n_entities = commissioners * 3
        s.execute(insert(Entity), [{"id": i + 1, "name": f"e{i}", "category": "tech_enterprise",
                                    "level": "other", "city": f"c{i % 11}", "county": f"k{i % 90}",
                                    "created_at": now} for i in range(n_entities)])
        s.execute(insert(Region), [{"id": i + 1, "county": f"r{i}", "city": f"c{i % 11}",
                                    "kind": "mountain", "created_at": now}
                                   for i in range(envoys)])
        rows = []
        for i in range(commissioners):
            for k in range(3):
                rows.append({"cycle_id": 1, "person_id": i + 1, "role": "commissioner",
                             "entity_id": i * 3 + k + 1, "start_date": date(2026, 1, 1),
                             "end_date": date(2027, 12, 31), "created_at": now})
        for j in range(envoys):
            rows.append({"cycle_id": 1, "person_id": commissioners + j + 1, "role": "envoy",
                         "region_id": j + 1, "start_date": date(2026, 1, 1),
                         "end_date": date(2027, 12, 31), "created_at": now})
        s.execute(insert(Assignment), rows)
        n_assign = len(rows)
        modes = ["on_site", "on_site", "phone", "video", "online"]
        start = date(2026, 1, 1)
        s.execute(insert(Visit), [{
            "number": f"V2026-{v + 1:06d}", "draft_id": v + 1,
            "person_id": 1, "assignment_id": rnd.randrange(n_assign) + 1, "role": "commissioner",
            "visit_date": start + timedelta(days=rnd.randrange(320)), "mode": rnd.choice(modes),
            "tasks": ["publicize_policy"], "summary": "benchmark visit",
            "integrity_confirmed": True, "created_at": now, "updated_at": now}
            for v in range(visits)])
        uow.commit()
    svc.close()


def measure(label: str, fn):  # type: ignore[no-untyped-def]
    """Best of three timed runs (tracemalloc off), then one run for peak memory."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return label, min(times), peak / 2**20, result


def run(scale: float) -> list[tuple]:
    commissioners, envoys, visits = int(10_000 * scale), int(1_000 * scale), int(200_000 * scale)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        build(url, commissioners, envoys, visits)
        svc = Services.create(Settings(token="1:x", database_url=url, _env_file=None),
                              FixedClock(AT))

        def plain_select():  # type: ignore[no-untyped-def]
            with svc.uow() as uow:
                a = uow.session.execute(select(Assignment.id, Assignment.person_id,
                                               Assignment.role, Assignment.start_date)).all()
                v = uow.session.execute(select(Visit.assignment_id, Visit.visit_date,
                                               Visit.mode)).all()
            return len(a) + len(v)

        def full_pass():  # type: ignore[no-untyped-def]
            found, _ = obligations.states(svc, AT)
            return len(found), len(due_reminders(found, AT.date(), svc.policy, set(), {}))

        def digest():  # type: ignore[no-untyped-def]
            inp = digest_input(svc, Scope("province"), AT, "2026Q4")
            built = build_digest(inp, "zh")
            parts = built.text_parts("zh")
            book = digest_workbook(built, "zh")
            return len(parts), len(book) // 1024

        results = [measure("plain SELECT", plain_select), measure("obligation pass", full_pass),
                   measure("digest (province)", digest)]
        svc.close()
    return [(scale, commissioners * 3 + envoys, visits, *r) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(f"{'scale':>6}{'assignments':>13}{'visits':>9}  {'what':<18}{'seconds':>9}"
          f"{'peak MiB':>10}  result")
    rows = []
    for scale in (args.scale / 4, args.scale / 2, args.scale):
        for r in run(scale):
            rows.append(r)
            scale_, n_a, n_v, label, secs, mib, result = r
            print(f"{scale_:>6.2f}{n_a:>13}{n_v:>9}  {label:<18}{secs:>9.2f}{mib:>10.1f}  {result}")
    full = [r for r in rows if r[3] == "obligation pass"]
    base = [r for r in rows if r[3] == "plain SELECT"]
    dig = [r for r in rows if r[3] == "digest (province)"]
    print(f"full scale: digest / plain SELECT = {dig[-1][4] / base[-1][4]:.1f}x; "
          f"result = (messages, workbook KiB)")
    print(f"full scale: pass / plain SELECT = {full[-1][4] / base[-1][4]:.1f}x; "
          f"growth from 1/4 to full scale: x{full[-1][4] / full[0][4]:.1f} "
          f"(rows x{(full[-1][1] + full[-1][2]) / (full[0][1] + full[0][2]):.1f})")


if __name__ == "__main__":
    main()
