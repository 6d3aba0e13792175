"""Nothing in the bot's logic reads the wall clock: time comes from the injected clock
(``bot.clock``), so the suite behaves the same on any date. A test that reads the real date
would show up under libfaketime in CI; this one stops the code from doing it at all."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Where reading the real clock is the job: the clock itself, log timestamps, the fake
# Telegram (it stamps messages as Telegram does) and the demo (its own simulated clock).
ALLOWED = {"bot/clock.py", "bot/logs.py"}
ALLOWED_DIRS = ("bot/fakeapi/", "bot/demo/")
READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
         ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"),
         ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def wall_clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else (
                owner.attr if isinstance(owner, ast.Attribute) else None)
            if (name, node.func.attr) in READS or (
                    name == "_time" and node.func.attr in {"time", "monotonic"}):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}.{node.func.attr}()")
    return found


def test_logic_never_reads_the_wall_clock():
    offenders = []
    for folder in ("bot", "scheduler"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            if rel in ALLOWED or rel.startswith(ALLOWED_DIRS):
                continue
            offenders += wall_clock_reads(path)
    assert offenders == [], "\n".join(offenders)


def test_the_check_finds_a_read():
    sample = ROOT / "tests" / "unit" / "_wall_clock_sample.py"
    sample.write_text("import datetime\nx = datetime.datetime.now()\n", encoding="utf-8")
    try:
        assert wall_clock_reads(sample) == [
            "tests/unit/_wall_clock_sample.py:2: datetime.now()"]
    finally:
        sample.unlink()
