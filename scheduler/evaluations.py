"""Evaluations due and service-cycle end notices (pure; no clock, no I/O).

* Envoys (``evaluation.every: year``) are evaluated for each calendar year of a
  cycle, clipped to the cycle; a cycle that ends mid-year also yields a final
  stub period ending at the cycle end.
* Commissioners (``evaluation.every: cycle_end``) are evaluated once per cycle.
* A person is evaluated for a period if any of their spans of that role is
  active during it.  An evaluation is due from the day after its period ends and
  stays due (a to-do list) until its key is in ``done_keys``.
* A cycle end notice is sendable from ``cycle_end - cycle_end_notice_days``
  through the cycle end, once (key ``cycle:{id}:end-notice``), and, with
  ``skip_non_working_days``, only on working days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.obligations import AssignmentSpan
from scheduler.periods import periods_overlapping
from scheduler.policy import ROLES, Policy
from scheduler.workdays import is_working_day

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Cycle:
    """A service cycle, inclusive local dates."""

    cycle_id: int | str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class EvaluationDue:
    key: str
    person_id: int | str
    role: str
    cycle_id: int | str
    period_start: date
    period_end: date
    due_date: date  # day after period_end
    assignment_ids: tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class CycleEndNotice:
    key: str
    cycle_id: int | str
    cycle_start: date
    cycle_end: date
    days_left: int


def _add_years(d: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 1 March (as bot.services.cycles)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28) + _ONE_DAY


def cycles_from(first_start: date, count: int, policy: Policy) -> list[Cycle]:
    """``count`` consecutive cycles of ``policy.cycle_years`` years, ids 1..count."""
    out: list[Cycle] = []
    start = first_start
    for i in range(1, count + 1):
        nxt = _add_years(start, policy.cycle_years)
        out.append(Cycle(i, start, nxt - _ONE_DAY))
        start = nxt
    return out


def cycle_containing(d: date, cycles: Iterable[Cycle]) -> Cycle | None:
    for c in cycles:
        if c.start <= d <= c.end:
            return c
    return None


def evaluation_periods(cycle: Cycle, role: str, policy: Policy) -> list[tuple[date, date]]:
    """Evaluation periods of ``role`` within ``cycle`` (inclusive date pairs)."""
    every = policy.role(role).evaluation.every
    if every == "cycle_end":
        return [(cycle.start, cycle.end)]
    return [
        (max(p.start, cycle.start), min(p.end, cycle.end))
        for p in periods_overlapping(cycle.start, cycle.end, every)
    ]


def evaluation_key(role: str, person_id: int | str, start: date, end: date) -> str:
    return f"eval:{role}:{person_id}:{start.isoformat()}:{end.isoformat()}"


def evaluations_due(
    spans: Sequence[AssignmentSpan],
    cycles: Iterable[Cycle],
    today: date,
    policy: Policy,
    done_keys: set[str] | frozenset[str] = frozenset(),
) -> list[EvaluationDue]:
    """Evaluations whose period has ended by ``today`` and that are not done yet."""
    by_role_person: dict[tuple[str, int | str], list[AssignmentSpan]] = defaultdict(list)
    for s in spans:
        by_role_person[(s.role, s.person_id)].append(s)
    out: list[EvaluationDue] = []
    for cycle in cycles:
        for role in ROLES:
            periods = [p for p in evaluation_periods(cycle, role, policy) if p[1] < today]
            if not periods:
                continue
            for (r, person), pspans in by_role_person.items():
                if r != role:
                    continue
                for start, end in periods:
                    ids = tuple(
                        s.assignment_id
                        for s in pspans
                        if s.active_start <= end and s.active_end >= start
                        and s.active_start <= s.active_end
                    )
                    if not ids:
                        continue
                    key = evaluation_key(role, person, start, end)
                    if key in done_keys:
                        continue
                    out.append(
                        EvaluationDue(key, person, role, cycle.cycle_id, start, end,
                                      end + _ONE_DAY, ids)
                    )
    out.sort(key=lambda e: (e.due_date, e.role, str(e.person_id)))
    return out


def cycle_end_notice_key(cycle_id: int | str) -> str:
    return f"cycle:{cycle_id}:end-notice"


def cycle_end_notices(
    cycles: Iterable[Cycle],
    today: date,
    policy: Policy,
    sent_keys: set[str] | frozenset[str] = frozenset(),
) -> list[CycleEndNotice]:
    """Notices for cycles ending within ``cycle_end_notice_days`` of ``today`` (once each)."""
    if policy.skip_non_working_days and not is_working_day(today):
        return []
    lead = timedelta(days=policy.cycle_end_notice_days)
    out: list[CycleEndNotice] = []
    for c in cycles:
        if c.end - lead <= today <= c.end:
            key = cycle_end_notice_key(c.cycle_id)
            if key not in sent_keys:
                out.append(CycleEndNotice(key, c.cycle_id, c.start, c.end, (c.end - today).days))
    return out
