"""When scheduled passes are due: a pure function of the time and the policy.

Each pass has *slots* (a day's send time, the week's digest time, a quarter of an hour …).
The slot a pass is due for is the latest one not after now; a pass runs once per slot, and
the record of that is kept in the database. So a start after the send time, a tick missed by
a busy machine, or a day the bot was down all end the same way: the next tick finds the slot
unrecorded and runs the pass. Nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from scheduler.policy import WEEKDAYS, Policy

DAILY = "daily"            # reminders and notices, at the policy's send time
DIGEST = "digest"          # the supervisors' weekly digest
TIMELINESS = "timeliness"  # consultations past their working-day limits; stale ones closed
HOUSEKEEPING = "housekeeping"  # prune old delivery rows; the optional backup
PASSES = (DAILY, DIGEST, TIMELINESS, HOUSEKEEPING)

TIMELINESS_MINUTES = 15
HOUSEKEEPING_AT = time(3, 30)


@dataclass(frozen=True)
class Slot:
    name: str
    period: str   # what the run is recorded under: a date, an ISO week, a quarter-hour
    at: datetime  # the slot's local instant


def _latest_daily(local: datetime, at: time) -> datetime:
    today = datetime.combine(local.date(), at, local.tzinfo)
    return today if local >= today else today - timedelta(days=1)


def _latest_weekly(local: datetime, weekday: int, at: time) -> datetime:
    days_back = (local.weekday() - weekday) % 7
    slot = datetime.combine(local.date() - timedelta(days=days_back), at, local.tzinfo)
    return slot if slot <= local else slot - timedelta(days=7)


def current_slots(now: datetime, policy: Policy) -> list[Slot]:
    """The latest slot of every pass at ``now`` (aware; read in the policy's time zone)."""
    local = now.astimezone(policy.tz)
    daily = _latest_daily(local, policy.send_time)
    digest = _latest_weekly(local, WEEKDAYS.index(policy.digest.weekday), policy.digest.time)
    year, week, _ = digest.date().isocalendar()
    quarter = local.replace(minute=local.minute - local.minute % TIMELINESS_MINUTES,
                            second=0, microsecond=0)
    house = _latest_daily(local, HOUSEKEEPING_AT)
    return [
        Slot(DAILY, daily.date().isoformat(), daily),
        Slot(DIGEST, f"{year}-W{week:02d}", digest),
        Slot(TIMELINESS, quarter.strftime("%Y-%m-%dT%H:%M"), quarter),
        Slot(HOUSEKEEPING, house.date().isoformat(), house),
    ]


def due(now: datetime, policy: Policy, recorded: set[tuple[str, str]],
        only: tuple[str, ...] = PASSES) -> list[Slot]:
    """The slots at ``now`` whose pass has not run yet (``recorded``: (name, period) pairs)."""
    return [s for s in current_slots(now, policy)
            if s.name in only and (s.name, s.period) not in recorded]
