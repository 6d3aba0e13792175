"""Reminder planning: which reminders to send today (pure; no clock, no I/O).

Rules, for each obligation state (normally from ``current_states``):

* ``met``, ``waived`` and ``upcoming`` windows get nothing.
* A ``due`` window whose deadline is within a lead (``deadline - today <= lead``)
  gets the reminder for the *latest* applicable lead only, i.e. the smallest
  lead ``>= days_left``.  After downtime (or a weekend/holiday) only that most
  recent lead is sent, never a backlog of older ones.
* Each ``(assignment, window, lead)`` key is sent at most once ever: if the
  latest applicable key is in ``sent_keys`` nothing is sent.
* An ``overdue`` window gets one notice on the day after its deadline (with
  ``skip_non_working_days``: on the first working day after the deadline), if
  its key has not been sent.
* With ``skip_non_working_days`` nothing at all is sent on a non-working day.
* ``snoozed_until[assignment_id] = d`` suppresses that assignment's reminders
  while ``today < d``; on ``d`` the latest due lead is sent (catch-up rule).

Keys: ``a{assignment_id}:{window_start}:{lead}`` and ``a{assignment_id}:{window_start}:overdue``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from scheduler.obligations import ObligationState
from scheduler.policy import Policy
from scheduler.workdays import is_working_day, next_working_day

ReminderKind = Literal["lead", "overdue"]


@dataclass(frozen=True, slots=True)
class ReminderDue:
    key: str
    assignment_id: int | str
    person_id: int | str
    window_start: date
    window_end: date
    lead_days: int | None  # None for an overdue notice
    kind: ReminderKind
    days_left: int  # deadline - today; negative once overdue
    role: str = ""
    target_id: int | str | None = None
    target_name: str = ""

    @property
    def deadline(self) -> date:
        return self.window_end


def reminder_key(assignment_id: int | str, window_start: date, lead: int | str) -> str:
    """Stable at-most-once key, e.g. ``a123:2026-01-01:30`` or ``a123:2026-01-01:overdue``."""
    return f"a{assignment_id}:{window_start.isoformat()}:{lead}"


def latest_lead(leads: Iterable[int], days_left: int) -> int | None:
    """Smallest lead ``>= days_left`` (the most recently reached), or None if none yet."""
    best: int | None = None
    for lead in leads:
        if days_left <= lead and (best is None or lead < best):
            best = lead
    return best


def overdue_notice_day(deadline: date, policy: Policy) -> date:
    """The one day an overdue notice for ``deadline`` may be sent."""
    day = deadline + timedelta(days=1)
    return next_working_day(day) if policy.skip_non_working_days else day


def due_reminders(
    states: Iterable[ObligationState],
    today: date,
    policy: Policy,
    sent_keys: set[str] | frozenset[str] = frozenset(),
    snoozed_until: Mapping[int | str, date] | None = None,
) -> list[ReminderDue]:
    """Reminders to send on local date ``today``; caller records their keys once sent."""
    if policy.skip_non_working_days and not is_working_day(today):
        return []
    snoozed = snoozed_until or {}
    out: list[ReminderDue] = []
    seen: set[str] = set()
    for st in states:
        if st.state not in ("due", "overdue"):
            continue
        until = snoozed.get(st.assignment_id)
        if until is not None and today < until:
            continue
        days_left = (st.window_end - today).days
        if st.state == "due":
            if days_left < 0:  # state computed for another day: treat as not due
                continue
            lead = latest_lead(policy.role(st.role).reminder_lead_days, days_left)
            if lead is None:
                continue
            key = reminder_key(st.assignment_id, st.window_start, lead)
            kind: ReminderKind = "lead"
        else:
            if today != overdue_notice_day(st.window_end, policy):
                continue
            lead = None
            key = reminder_key(st.assignment_id, st.window_start, "overdue")
            kind = "overdue"
        if key in sent_keys or key in seen:
            continue
        seen.add(key)
        out.append(
            ReminderDue(
                key=key,
                assignment_id=st.assignment_id,
                person_id=st.person_id,
                window_start=st.window_start,
                window_end=st.window_end,
                lead_days=lead,
                kind=kind,
                days_left=days_left,
                role=st.role,
                target_id=st.target_id,
                target_name=st.target_name,
            )
        )
    return out
