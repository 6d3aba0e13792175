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
* An evaluation period has a code scripts can rely on: ``2026`` (a year),
  ``2026-2027`` (a cycle), ``2026-H1``, ``2026-Q2``, ``2026-03``.
* The evaluation pack judges every obligation window of the period
  (:func:`window_outcomes`): ``met`` (the visits were dated in the window and
  recorded by its deadline), ``late`` (dated in the window, but recorded only after
  its deadline), ``missed``, ``waived``, or, for a period still running, ``due``
  and ``upcoming``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.obligations import AssignmentSpan, Window, is_waived, obligation_windows
from scheduler.periods import Period, periods_overlapping
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


# --------------------------------------------------------------------------- periods by code


@dataclass(frozen=True, slots=True)
class EvaluationPeriod:
    """One evaluation period of a role: inclusive local dates and its code."""

    role: str
    cycle_id: int | str
    start: date
    end: date
    code: str

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


def period_code(start: date, end: date, every: str) -> str:
    """``2026-2027`` for a cycle, else the calendar period's label (``2026``, ``2026-Q2``)."""
    if every == "cycle_end":
        return f"{start.year}-{end.year}"
    return Period(every, start, end).label


def periods_of(cycles: Iterable[Cycle], role: str, policy: Policy) -> list[EvaluationPeriod]:
    """Every evaluation period of ``role`` in ``cycles``, in date order."""
    every = policy.role(role).evaluation.every
    out = [EvaluationPeriod(role, c.cycle_id, a, b, period_code(a, b, every))
           for c in cycles for a, b in evaluation_periods(c, role, policy)]
    return sorted(out, key=lambda p: (p.start, p.end))


def period_by_code(code: str, cycles: Iterable[Cycle], role: str, policy: Policy
                   ) -> EvaluationPeriod | None:
    """The period of ``role`` named ``code``. A year cut in two by a cycle ending mid-year has
    two periods of the same code: the longer one is meant."""
    found = [p for p in periods_of(cycles, role, policy) if p.code == code.strip()]
    return max(found, key=lambda p: p.end - p.start) if found else None


def default_period(cycles: Iterable[Cycle], role: str, today: date, policy: Policy
                   ) -> EvaluationPeriod | None:
    """The period an evaluation most likely means: the latest that has ended, else the one
    running today, else the first."""
    periods = periods_of(cycles, role, policy)
    ended = [p for p in periods if p.end < today]
    if ended:
        return ended[-1]
    running = [p for p in periods if p.contains(today)]
    return running[0] if running else (periods[0] if periods else None)


# --------------------------------------------------------------------------- window outcomes


@dataclass(frozen=True, slots=True)
class RecordedVisit:
    """A visit as the pack judges it: its local date, the local date it was recorded, and
    its mode."""

    assignment_id: int | str
    visit_date: date
    recorded_on: date
    mode: str


@dataclass(frozen=True, slots=True)
class WindowOutcome:
    assignment_id: int | str
    person_id: int | str
    role: str
    target_name: str
    window_start: date
    window_end: date
    required: int
    counted: int  # qualifying visits dated in the window
    counted_on_time: int  # … of which recorded by the window's deadline
    state: str  # met | late | missed | waived | due | upcoming
    last_visit: date | None  # latest visit of any mode dated in the window


OUTCOMES: tuple[str, ...] = ("met", "late", "missed", "waived", "due", "upcoming")


def window_outcomes(spans: Sequence[AssignmentSpan], visits: Iterable[RecordedVisit],
                    start: date, end: date, today: date, policy: Policy
                    ) -> list[WindowOutcome]:
    """Every obligation window of ``spans`` that overlaps ``start .. end``, judged as of
    ``today`` (visits dated after today are ignored)."""
    by_assignment: dict[object, list[RecordedVisit]] = defaultdict(list)
    for v in visits:
        if v.visit_date <= today:
            by_assignment[v.assignment_id].append(v)
    out: list[WindowOutcome] = []
    for span in spans:
        ob = policy.role(span.role).obligation
        modes = frozenset(ob.counting_modes)
        mine = by_assignment.get(span.assignment_id, [])
        for w in obligation_windows(span, policy):
            if w.end < start or w.start > end:
                continue
            inside = [v for v in mine if w.contains(v.visit_date)]
            counting = [v for v in inside if v.mode in modes]
            on_time = sum(1 for v in counting if v.recorded_on <= w.end)
            out.append(WindowOutcome(
                span.assignment_id, span.person_id, span.role, span.target_name, w.start,
                w.end, ob.min_visits, len(counting), on_time,
                _outcome(w, ob.period, len(counting), on_time, ob.min_visits, today, policy),
                max((v.visit_date for v in inside), default=None)))
    out.sort(key=lambda o: (o.window_start, o.target_name, str(o.assignment_id)))
    return out


def _outcome(w: Window, kind: str, counted: int, on_time: int, required: int, today: date,
             policy: Policy) -> str:
    if is_waived(w, kind, policy):
        return "waived"
    if on_time >= required:
        return "met"
    if counted >= required:
        return "late"
    if w.end < today:
        return "missed"
    return "upcoming" if w.start > today else "due"
