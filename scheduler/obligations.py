"""Obligation windows and their state: who owes which visit by when.

Pure: every function takes the instant it evaluates at (``at``) and never reads
the clock.  Dates are local calendar dates in the policy time zone.

Model
-----
An :class:`AssignmentSpan` (commissioner→entity, envoy→region) is active from
``max(start, cycle_start)`` to ``min(end or cycle_end, cycle_end)`` inclusive.
Its *windows* are the calendar periods of the role's obligation (year, quarter,
...) clipped to that range; they tile it with no gap or overlap.  Each window
owes ``min_visits`` visits in a counting mode (on-site by default).

State of a window as of ``at`` (``today`` = local date of ``at``):

* ``waived``   – the window was clipped by the assignment or cycle and is shorter
  than ``waive_windows_shorter_than_days`` (e.g. assigned on 20 December).  A
  full calendar period is never waived, however short (February).
* ``met``      – enough qualifying visits in the window (by local visit date).
* ``upcoming`` – not met and the window starts after today.
* ``due``      – not met and today is inside the window (``days_left`` = days to
  the deadline, 0 on the last day).
* ``overdue``  – not met and the window ended before today.

Visits whose instant is after ``at`` are ignored (the state is "as of ``at``").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from scheduler.periods import local_date, months_in
from scheduler.policy import Policy

StateName = Literal["met", "due", "overdue", "waived", "upcoming"]

#: Severity order for "adding a visit never makes things worse" (higher is better).
STATE_RANK: dict[str, int] = {"overdue": 0, "due": 1, "upcoming": 1, "met": 2, "waived": 3}

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class AssignmentSpan:
    """One assignment within one service cycle (dates inclusive; ``end=None`` = open)."""

    assignment_id: int | str
    person_id: int | str
    role: str  # "commissioner" | "envoy"
    target_id: int | str
    target_name: str
    start: date
    end: date | None
    cycle_start: date
    cycle_end: date

    @property
    def active_start(self) -> date:
        return max(self.start, self.cycle_start)

    @property
    def active_end(self) -> date:
        return self.cycle_end if self.end is None else min(self.end, self.cycle_end)


@dataclass(frozen=True, slots=True)
class VisitFact:
    """A recorded visit: aware instant and mode (on_site, phone, video, online)."""

    assignment_id: int | str
    at: datetime
    mode: str


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive local-date range of one obligation period of one assignment."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True, slots=True)
class ObligationState:
    """The state of one window of one assignment, as of some instant."""

    assignment_id: int | str
    person_id: int | str
    role: str
    target_id: int | str
    target_name: str
    window_start: date
    window_end: date
    required: int
    counted: int  # qualifying visits in the window
    state: StateName
    days_left: int | None  # for "due": deadline - today (0 on the deadline)
    last_visit: datetime | None  # latest visit, any mode, up to min(window end, at)
    last_qualifying_visit: datetime | None  # latest counting visit, same horizon
    visits_this_period: int  # visits of any mode in the window

    @property
    def deadline(self) -> date:
        return self.window_end

    @property
    def window(self) -> Window:
        return Window(self.window_start, self.window_end)

    @property
    def is_open(self) -> bool:
        """Still owes a visit (due or overdue)."""
        return self.state in ("due", "overdue")


def _window_bounds(lo: date, hi: date, n_months: int) -> list[tuple[date, date]]:
    """Periods of ``n_months`` calendar months clipped to ``lo .. hi`` (inclusive)."""
    out: list[tuple[date, date]] = []
    d = lo
    while d <= hi:
        nxt_idx = (d.year * 12 + d.month - 1) // n_months * n_months + n_months
        nxt = date(nxt_idx // 12, nxt_idx % 12 + 1, 1)
        end = nxt - _ONE_DAY
        out.append((d, end if end < hi else hi))
        d = nxt
    return out


def obligation_windows(span: AssignmentSpan, policy: Policy) -> list[Window]:
    """Calendar periods of the role's obligation clipped to the active range.

    The range is ``max(start, cycle_start) .. min(end or cycle_end, cycle_end)``;
    the windows tile it exactly (no gap, no overlap).  Empty if the range is.
    """
    n = months_in(policy.role(span.role).obligation.period)
    return [Window(a, b) for a, b in _window_bounds(span.active_start, span.active_end, n)]


def _is_full_period(start: date, end: date, n_months: int) -> bool:
    after = end + _ONE_DAY
    return (
        start.day == 1
        and (start.month - 1) % n_months == 0
        and after.day == 1
        and (after.month - 1) % n_months == 0
        and (end - start).days < 31 * n_months
    )


def is_waived(window: Window, kind: str, policy: Policy) -> bool:
    """A window clipped by the assignment or cycle and shorter than the threshold owes nothing.

    A full calendar period is never waived, even when shorter (a monthly
    cadence's February).
    """
    if window.days >= policy.waive_windows_shorter_than_days:
        return False
    return not _is_full_period(window.start, window.end, months_in(kind))


# --------------------------------------------------------------------------- evaluation

Row = tuple[int, datetime, str]  # (local date ordinal, instant, mode)


def _group_visits(
    visits: Iterable[VisitFact], at: datetime, policy: Policy
) -> dict[object, list[Row]]:
    """Visits up to ``at`` grouped by assignment, unsorted."""
    tz = policy.tz
    today = at.astimezone(tz).toordinal()
    grouped: dict[object, list[Row]] = {}
    get = grouped.get
    ordinals: dict[int, tuple[datetime, int]] = {}  # callers often share instant objects
    for v in visits:
        t = v.at
        known = ordinals.get(id(t))
        if known is not None and known[0] is t:
            o = known[1]
        else:
            o = t.astimezone(tz).toordinal()
            ordinals[id(t)] = (t, o)
        # Only visits on today's local date need the (slower) exact instant comparison.
        if o > today or (o == today and t > at):
            continue
        rows = get(v.assignment_id)
        if rows is None:
            grouped[v.assignment_id] = [(o, t, v.mode)]
        else:
            rows.append((o, t, v.mode))
    return grouped


def _run(
    spans: Sequence[AssignmentSpan],
    visits: Iterable[VisitFact],
    at: datetime,
    policy: Policy,
    current_only: bool,
    include_overdue: bool,
) -> list[ObligationState]:
    """One pass: visits grouped once and sorted per assignment, then merged with windows."""
    today = local_date(at, policy.tz)
    today_ord = today.toordinal()
    threshold = policy.waive_windows_shorter_than_days
    grouped = _group_visits(visits, at, policy)
    cfgs = {}
    for r in ("commissioner", "envoy"):
        ob = policy.role(r).obligation
        cfgs[r] = (months_in(ob.period), ob.min_visits, frozenset(ob.counting_modes))
    out: list[ObligationState] = []
    append = out.append
    no_rows: list[Row] = []
    for span in spans:
        cfg = cfgs.get(span.role)
        if cfg is None:
            raise ValueError(f"assignment {span.assignment_id!r}: unknown role {span.role!r}")
        n_months, required, modes = cfg
        rows = grouped.get(span.assignment_id, no_rows)
        if len(rows) > 1:
            rows.sort()  # by local date, then instant; idempotent if seen before
        n = len(rows)
        i = 0
        last = last_q = None
        lo = span.active_start
        hi = span.active_end
        for w_start, w_end in _window_bounds(lo, hi, n_months):
            ws = w_start.toordinal()
            if current_only and ws > today_ord:
                break
            we = w_end.toordinal()
            counted = n_all = 0
            while i < n:
                o, t, m = rows[i]
                if o > we:
                    break
                last = t
                q = m in modes
                if q:
                    last_q = t
                if o >= ws:
                    n_all += 1
                    if q:
                        counted += 1
                i += 1
            days_left = None
            if we - ws + 1 < threshold and not _is_full_period(w_start, w_end, n_months):
                state = "waived"
            elif counted >= required:
                state = "met"
            elif ws > today_ord:
                state = "upcoming"
            elif we < today_ord:
                state = "overdue"
            else:
                state = "due"
                days_left = we - today_ord
            if current_only and we < today_ord and (state != "overdue" or not include_overdue):
                continue
            append(
                ObligationState(
                    span.assignment_id,
                    span.person_id,
                    span.role,
                    span.target_id,
                    span.target_name,
                    w_start,
                    w_end,
                    required,
                    counted,
                    state,
                    days_left,
                    last,
                    last_q,
                    n_all,
                )
            )
    return out


def evaluate(
    spans: Sequence[AssignmentSpan],
    visits: Iterable[VisitFact],
    at: datetime,
    policy: Policy,
) -> list[ObligationState]:
    """State of every window of every span as of ``at``, in span then window order."""
    return _run(spans, visits, at, policy, current_only=False, include_overdue=True)


def current_states(
    spans: Sequence[AssignmentSpan],
    visits: Iterable[VisitFact],
    at: datetime,
    policy: Policy,
    *,
    include_overdue: bool = True,
) -> list[ObligationState]:
    """The window containing today for each span, plus (by default) past overdue windows.

    Spans not active today contribute only their overdue past windows.  This is
    the input :func:`scheduler.reminders.due_reminders` expects.
    """
    return _run(spans, visits, at, policy, current_only=True, include_overdue=include_overdue)


def visit_counts(state: ObligationState, mode: str, policy: Policy) -> bool:
    """Whether a visit in ``mode`` counts toward ``state``'s obligation."""
    return mode in policy.role(state.role).obligation.counting_modes
