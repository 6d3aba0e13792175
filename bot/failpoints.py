"""Failpoints: named places where a test can make the real ``ipbot run`` process die at once
(SIGKILL: no clean-up, no flush), to prove that nothing owed is lost at that point.

``IPBOT_FAILPOINTS="submit.before_commit"`` kills at the first hit; ``name#3`` at the third.
Several are separated by commas. Unset (production), ``hit`` is a dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter

_ARMED: dict[str, int] = {}
_HITS: Counter[str] = Counter()


def _arm(spec: str) -> None:
    _ARMED.clear()
    for part in spec.split(","):
        name, _, nth = part.strip().partition("#")
        if name:
            _ARMED[name] = int(nth) if nth.isdigit() else 1


_arm(os.environ.get("IPBOT_FAILPOINTS", ""))


def hit(name: str) -> None:
    if name not in _ARMED:
        return
    _HITS[name] += 1
    if _HITS[name] >= _ARMED[name]:
        print(f"failpoint {name}: killing the process", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
