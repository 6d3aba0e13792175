"""Accuracy and latency of the FAQ matcher on the evaluation set.

    python benchmarks/faq_eval.py [--knowledge knowledge] [--eval benchmarks/data/faq_eval.yaml]
                                  [--viewer staff] [--verbose]

The evaluation set is ``{in_scope: [{q, expect: entry_id}], out_of_scope: [{q}]}``.

* top-1: status "answer" and the expected entry first;
* top-3: the expected entry among the returned matches (any status);
* out-of-scope: strict rejection (status "none") and no-answer rate (status
  "none" or "suggest", i.e. the bot never *answers* it);
* latency of ``Matcher.match`` per question (p50, p99), with ``time.perf_counter``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.faq.loader import load_folder  # noqa: E402
from bot.faq.matcher import Matcher, MatchResult  # noqa: E402


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def describe(result: MatchResult) -> str:
    """``status [id score, ...]`` for failure listings."""
    shown = ", ".join(f"{m.entry.id} {m.score:.3f}" for m in result.matches)
    return f"{result.status} [{shown}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--eval", type=Path, default=ROOT / "benchmarks/data/faq_eval.yaml")
    parser.add_argument("--viewer", default="staff", choices=["staff", "enterprise", "public"])
    parser.add_argument("--verbose", "-v", action="store_true", help="list every failure")
    args = parser.parse_args(argv)

    if not args.eval.exists():
        print(f"no evaluation set at {args.eval}")
        return 1
    started = time.perf_counter()
    kb = load_folder(args.knowledge)
    matcher = Matcher(kb)
    build_ms = (time.perf_counter() - started) * 1000
    data = yaml.safe_load(args.eval.read_text(encoding="utf-8")) or {}
    in_scope = data.get("in_scope") or []
    out_of_scope = data.get("out_of_scope") or []

    unknown = sorted({c["expect"] for c in in_scope} - {e.id for e in kb})
    if unknown:
        print(f"warning: eval expects unknown entries: {', '.join(unknown)}")

    latencies: list[float] = []

    def timed(q: str) -> MatchResult:
        t0 = time.perf_counter()
        result = matcher.match(q, args.viewer)
        latencies.append((time.perf_counter() - t0) * 1000)
        return result

    matcher.match("预热", args.viewer)  # first call pays for lazy imports
    top1 = top3 = suggested = 0
    failures: list[str] = []
    for case in in_scope:
        q, expect = str(case["q"]), str(case["expect"])
        result = timed(q)
        ids = [m.entry.id for m in result.matches]
        ok1 = result.status == "answer" and ids[:1] == [expect]
        ok3 = expect in ids[:3]
        top1 += ok1
        top3 += ok3
        suggested += result.status == "suggest" and ok3
        if not ok1:
            mark = "suggest-ok" if ok3 else "MISS"
            failures.append(f"  [{mark}] {q}  → expect {expect}; got {describe(result)}")

    strict = no_answer = 0
    oos_failures: list[str] = []
    for case in out_of_scope:
        q = str(case["q"])
        result = timed(q)
        strict += result.status == "none"
        no_answer += result.status != "answer"
        if result.status != "none":
            mark = "ANSWERED" if result.status == "answer" else "suggest"
            oos_failures.append(f"  [{mark}] {q}  → {describe(result)}")

    n_in, n_out = len(in_scope), len(out_of_scope)

    def pct(k: int, n: int) -> str:
        return f"{100 * k / n:5.1f} % ({k}/{n})" if n else "  n/a"

    print(
        f"knowledge: {len(kb)} entries in {len(kb.sources)} sources; matcher built in "
        f"{build_ms:.0f} ms; viewer {args.viewer}"
    )
    print(f"in-scope questions:         {n_in}")
    print(f"top-1 accuracy (answered):  {pct(top1, n_in)}")
    print(f"top-3 accuracy:             {pct(top3, n_in)}")
    print(f"  of which suggested:       {suggested}")
    print(f"out-of-scope questions:     {n_out}")
    print(f"oos strict rejection (none):{pct(strict, n_out)}")
    print(f"oos no-answer rate:         {pct(no_answer, n_out)}")
    print(
        f"latency per question:       p50 {percentile(latencies, 50):.3f} ms, "
        f"p99 {percentile(latencies, 99):.3f} ms, max {max(latencies, default=0):.3f} ms"
    )
    if args.verbose:
        print(f"\nin-scope failures ({len(failures)}):")
        print("\n".join(failures) or "  none")
        print(f"\nout-of-scope not rejected ({len(oos_failures)}):")
        print("\n".join(oos_failures) or "  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
