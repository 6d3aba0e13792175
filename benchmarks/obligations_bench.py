"""One full obligation pass at scale: 10,000 commissioners with 3 entities each, 1,000 envoys,
200,000 visits (SQLite), with the served side's answers (a fifth of the visits asked, some
disputed), an audit entry per visit, and a few envoys graded lowest. Prints time and peak
memory of, in the same run:

* a plain SELECT of the same rows, and the obligation pass (load, evaluate, plan reminders):
  the baselines;
* the provincial digest as the weekly pass renders it: its messages, the chart and the
  workbook (target: at most 3 messages, in at most twice the time of the obligation pass);
* one person's evaluation pack, .xlsx and .pdf (target: under a second), for a commissioner
  and an envoy;
* a city's service archive (.xlsx);

and the same at 1/4 and 1/2 scale to show how it grows.

    .venv/bin/python benchmarks/obligations_bench.py [--scale 1.0] [--only-full]
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
from bot.passes import digest as digest_pass
from bot.reports import Scope
from bot.reports.archive import archive_workbook
from bot.reports.evaluation import pack_pdf, pack_workbook
from bot.services import archive, evaluations, obligations
from bot.services.container import Services
from bot.services.digest import Supervisor
from bot.store import migrate
from bot.store.models import (
    Assignment,
    AuditEntry,
    Cycle,
    Entity,
    EntityContact,
    Evaluation,
    Person,
    PersonRole,
    Region,
    Visit,
    VisitConfirmation,
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
        rows: list[dict] = []
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
        owner = [(r["person_id"], r["role"]) for r in rows]
        modes = ["on_site", "on_site", "phone", "video", "online"]
        start = date(2026, 1, 1)
        visit_rows = []
        for v in range(visits):
            aid = rnd.randrange(n_assign) + 1
            pid, role = owner[aid - 1]
            day = start + timedelta(days=rnd.randrange(320))
            visit_rows.append({
                "id": v + 1, "number": f"V2026-{v + 1:06d}", "draft_id": v + 1,
                "person_id": pid, "assignment_id": aid, "role": role, "visit_date": day,
                "mode": rnd.choice(modes), "tasks": ["publicize_policy"],
                "summary": "benchmark visit", "integrity_confirmed": True,
                "created_at": now, "updated_at": now})
        s.execute(insert(Visit), visit_rows)
        s.execute(insert(AuditEntry), [{"at": now, "actor": f"person:{r['person_id']}",
                                        "action": "visit.submit", "object_type": "visit",
                                        "object_id": r["id"], "details": {}}
                                       for r in visit_rows])
        # the served side: a contact per entity and per region; a fifth of the visits asked
        s.execute(insert(EntityContact), [
            {"id": i + 1, "entity_id": i + 1, "telegram_id": 10**9 + i, "name": f"c{i}",
             "created_at": now} for i in range(n_entities)] + [
            {"id": n_entities + j + 1, "region_id": j + 1, "telegram_id": 2 * 10**9 + j,
             "name": f"rc{j}", "created_at": now} for j in range(envoys)])
        contact_of = {}
        for i, r in enumerate(rows):
            contact_of[i + 1] = r["entity_id"] if r.get("entity_id") else (
                n_entities + r["region_id"])
        answers = []
        for r in visit_rows[::5]:
            status = rnd.choices(["confirmed", "disputed", "pending"], [16, 1, 3])[0]
            answers.append({"visit_id": r["id"], "contact_id": contact_of[r["assignment_id"]],
                            "status": status, "sent_at": now, "round": 1,
                            "rating": None if status == "pending" else rnd.randint(1, 5),
                            "comment": "benchmark dispute" if status == "disputed" else None,
                            "answered_at": None if status == "pending" else now})
        s.execute(insert(VisitConfirmation), answers)
        # a province supervisor, and the lowest grade for one envoy in a hundred (需调整)
        sup = commissioners + envoys + 1
        s.execute(insert(Person), [{"id": sup, "name": "supervisor", "unit": "office",
                                    "created_at": now, "updated_at": now}])
        s.execute(insert(PersonRole), [{"person_id": sup, "role": "supervisor"}])
        s.execute(insert(Evaluation), [
            {"person_id": commissioners + j + 1, "role": "envoy",
             "period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31),
             "grade": "incompetent", "recorded_by": sup, "recorded_at": now,
             "updated_at": now} for j in range(0, envoys, 100)])
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
            """The weekly pass's rendering of a provincial digest: text, chart, workbook."""
            parts, png, book = digest_pass.render(svc, supervisor, AT)
            return len(parts), len(png or b"") // 1024, len(book) // 1024

        def pack(person: int):  # type: ignore[no-untyped-def]
            def run_pack():  # type: ignore[no-untyped-def]
                inp = evaluations.pack_input(svc, evaluations.subject(svc, person))
                return (len(inp.visits), len(pack_workbook(inp)) // 1024,
                        len(pack_pdf(inp)) // 1024)
            return run_pack

        def city_archive():  # type: ignore[no-untyped-def]
            target = archive.Target("region", 0, "c3", Scope("city", "c3"))
            inp = archive.export(svc, target)
            return len(inp.visits), len(archive_workbook(inp)) // 1024

        supervisor = Supervisor(0, "supervisor", 1, "zh", Scope("province"))
        results = [measure("plain SELECT", plain_select), measure("obligation pass", full_pass),
                   measure("digest (province)", digest),
                   measure("pack (commissioner)", pack(1)),
                   measure("pack (envoy)", pack(commissioners + 1)),
                   measure("archive (a city)", city_archive)]
        svc.close()
    return [(scale, commissioners * 3 + envoys, visits, *r) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only-full", action="store_true",
                        help="Only the full scale (not 1/4 and 1/2 of it as well).")
    args = parser.parse_args()
    print(f"{'scale':>6}{'assignments':>13}{'visits':>9}  {'what':<20}{'seconds':>9}"
          f"{'peak MiB':>10}  result")
    rows = []
    scales = (args.scale,) if args.only_full else (args.scale / 4, args.scale / 2, args.scale)
    for scale in scales:
        for r in run(scale):
            rows.append(r)
            scale_, n_a, n_v, label, secs, mib, result = r
            print(f"{scale_:>6.2f}{n_a:>13}{n_v:>9}  {label:<20}{secs:>9.2f}{mib:>10.1f}  {result}")

    def last(label: str) -> tuple:  # type: ignore[type-arg]
        return [r for r in rows if r[3] == label][-1]

    base, full, dig = last("plain SELECT"), last("obligation pass"), last("digest (province)")
    first = next(r for r in rows if r[3] == "obligation pass")
    print(f"full scale: pass / plain SELECT = {full[4] / base[4]:.1f}x; "
          f"growth from the smallest to full scale: x{full[4] / first[4]:.1f} "
          f"(rows x{(full[1] + full[2]) / (first[1] + first[2]):.1f})")
    print(f"full scale: digest / obligation pass = {dig[4] / full[4]:.2f}x (target <= 2); "
          f"messages {dig[6][0]} (target <= 3), chart {dig[6][1]} KiB, workbook "
          f"{dig[6][2]} KiB")
    for label in ("pack (commissioner)", "pack (envoy)"):
        r = last(label)
        print(f"full scale: {label} {r[4]:.2f} s (target < 1 s) = {r[4] / full[4]:.2f}x the "
              f"obligation pass; result = (visits, xlsx KiB, pdf KiB) {r[6]}")
    r = last("archive (a city)")
    print(f"full scale: archive of a city {r[4]:.2f} s = {r[4] / full[4]:.2f}x the obligation "
          f"pass; result = (visits, xlsx KiB) {r[6]}")


if __name__ == "__main__":
    main()
