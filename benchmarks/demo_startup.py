"""How long ``ipbot demo`` takes from launch to "ready" (the URL printed), with the network
guard on, next to ``ipbot --help`` (the same interpreter and CLI imports, no work) in the same
run. The issue's target is ≤ 5 s to ready.

    .venv/bin/python benchmarks/demo_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("ipbot")


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPBOT_")}
    return env | {"IPBOT_DEMO_GUARD_NETWORK": "1", "PYTHONUNBUFFERED": "1"}


def time_help(folder: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(SCRIPT), "--help"], cwd=folder, env=environment(), check=True,
                   capture_output=True)
    return time.perf_counter() - start


def time_demo(folder: str) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen([str(SCRIPT), "demo", "--port", "0"], cwd=folder, env=environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if "http://127.0.0.1:" in line:
                return time.perf_counter() - start
        raise SystemExit(f"the demo stopped before it was ready:\n{proc.stderr.read()}")
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        if code != 0:
            raise SystemExit(f"the demo exited with {code}:\n{proc.stderr.read()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:  # no stray .env
        time_help(folder)  # warm the file cache for both
        helps = [time_help(folder) for _ in range(args.runs)]
        demos = [time_demo(folder) for _ in range(args.runs)]
    h, d = statistics.median(helps), statistics.median(demos)
    print(f"{'what':<28}{'median s':>10}{'max s':>8}")
    print(f"{'ipbot --help (baseline)':<28}{h:>10.2f}{max(helps):>8.2f}")
    print(f"{'ipbot demo, launch → ready':<28}{d:>10.2f}{max(demos):>8.2f}")
    print(f"demo / baseline = {d / h:.1f}x; target ≤ 5 s: "
          f"{'met' if max(demos) <= 5 else 'NOT met'} (worst of {args.runs})")


if __name__ == "__main__":
    main()
