"""CPU time of the CLI's start: `ipbot --help` (and `ipbot faq ask`) against a bare
`python -c "import telegram"` measured in the same run, over repeated runs (the medians).

    .venv/bin/python benchmarks/cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

VENV = Path(sys.executable).parent


def cpu_seconds(args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=os.environ | {"IPBOT_DATABASE_URL": "sqlite:////tmp/ipbot-bench.sqlite3"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    cases = {
        "python -c 'import telegram' (baseline)": [sys.executable, "-c", "import telegram"],
        "ipbot --help": [str(VENV / "ipbot"), "--help"],
        "ipbot faq ask …": [str(VENV / "ipbot"), "faq", "ask", "特派员 走访 频次"],
    }
    medians = {}
    for name, args in cases.items():
        cpu_seconds(args)  # warm the file cache
        medians[name] = statistics.median(cpu_seconds(args) for _ in range(runs))
    base = next(iter(medians.values()))
    for name, value in medians.items():
        print(f"{name:42s} {value * 1000:7.0f} ms CPU  ×{value / base:.2f}")


if __name__ == "__main__":
    main()
