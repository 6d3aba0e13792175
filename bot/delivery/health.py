"""What ``GET /healthz`` answers, decided from what was read (pure: no I/O, no clock).

Unhealthy (503) when the database cannot be reached or the oldest message still owed in the
outbox is older than :data:`BACKLOG_LIMIT`; healthy (200) otherwise, a standby included (it
is ready to take over; the body says which it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

BACKLOG_LIMIT = timedelta(minutes=10)


@dataclass(frozen=True)
class Snapshot:
    """What the database says (``None`` in its place: it could not be reached)."""

    backlog: int
    oldest_pending: datetime | None
    last_done_at: datetime | None
    last_sent_at: datetime | None
    lease_holder: str | None


def _latest(*values: datetime | None) -> datetime | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _age(now: datetime, then: datetime | None) -> float | None:
    if then is None:
        return None
    return round(max(0.0, (now - then).total_seconds()), 1)


def assess(now: datetime, snapshot: Snapshot | None, *, mode: str, me: str, active: bool,
           last_update: datetime | None = None, last_sent: datetime | None = None
           ) -> tuple[int, dict[str, Any]]:
    """The status code and JSON body of ``/healthz``.

    ``active``: this process believes it holds the lease; the database's word wins when it
    can be read. ``last_update``/``last_sent``: what this process did (kept in memory), used
    alongside the database's record (which covers other instances and earlier runs)."""
    problems: list[str] = []
    if snapshot is None:
        problems.append("database unreachable")
        held, holder = active, None
        oldest = None
    else:
        holder = snapshot.lease_holder
        held = holder == me
        last_update = _latest(last_update, snapshot.last_done_at)
        last_sent = _latest(last_sent, snapshot.last_sent_at)
        oldest = _age(now, snapshot.oldest_pending)
        if oldest is not None and oldest > BACKLOG_LIMIT.total_seconds():
            problems.append(f"outbox backlog older than {BACKLOG_LIMIT.total_seconds():.0f} s")
    body: dict[str, Any] = {
        "status": "unhealthy" if problems else "ok",
        "problems": problems,
        "mode": mode,
        "role": "active" if held else "standby",
        "database": {"reachable": snapshot is not None},
        "lease": {"held": held, "holder": holder},
        "last_update_age_seconds": _age(now, last_update),
        "last_send_age_seconds": _age(now, last_sent),
        "outbox": {"backlog": snapshot.backlog if snapshot is not None else None,
                   "oldest_age_seconds": oldest},
    }
    return (503 if problems else 200), body
