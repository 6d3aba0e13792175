"""The figures of a supervisor digest, computed from a :class:`DigestInput` (pure).

:func:`build_digest` scopes every row to the supervisor's province, city or county and
computes each section; :class:`Digest` holds the results and renders them as Telegram HTML
(:meth:`Digest.text_parts`), a chart (:mod:`bot.reports.chart`) and a workbook
(:mod:`bot.reports.workbook`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from bot.reports.model import (
    MODES,
    AdjustRow,
    ConsultationRow,
    DigestInput,
    DisputeRow,
    FollowUpRow,
    ObligationRow,
    Scope,
    UnboundRow,
    UnservedRow,
    VisitRow,
)

#: How far ahead "due soon" looks, in days (``days_left <= DUE_WITHIN_DAYS``).
DUE_WITHIN_DAYS = 30
#: How many days of visits the digest counts, ending today (inclusive).
VISIT_DAYS = 7

_STATE_ORDER = {"overdue": 0, "due": 1, "upcoming": 2, "met": 3, "waived": 4}

_Row = TypeVar("_Row", ObligationRow, VisitRow, DisputeRow, FollowUpRow, UnboundRow,
               ConsultationRow, UnservedRow, AdjustRow)


@dataclass(frozen=True, slots=True)
class OverdueGroup:
    """The overdue obligations of one person."""

    person: str
    roles: tuple[str, ...]  # usually one; a person may serve in both roles
    count: int  # overdue windows
    targets: tuple[str, ...]  # distinct targets, oldest deadline first
    max_days_overdue: int  # days since the oldest missed deadline
    rows: tuple[ObligationRow, ...]


@dataclass(frozen=True, slots=True)
class CityCoverage:
    """Met versus owed obligations of one city (``city=None``: no city recorded)."""

    city: str | None
    met: int
    due: int
    overdue: int

    @property
    def total(self) -> int:
        """Obligations that count: met, due and overdue (waived and upcoming excluded)."""
        return self.met + self.due + self.overdue

    @property
    def share(self) -> float | None:
        """``met / total`` in 0..1, or None when nothing is owed."""
        return self.met / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Digest:
    """The computed digest of one scope at one instant. All row tuples are scoped."""

    scope: Scope
    now: datetime
    period_label: str
    lang: str
    visits_from: date
    visits_to: date
    visits: tuple[VisitRow, ...]  # in the visit window, newest first
    visits_by_mode: tuple[tuple[str, int], ...]  # MODES first (zeros kept), then others
    obligations: tuple[ObligationRow, ...]  # every scoped row, most urgent first
    due_soon: tuple[ObligationRow, ...]  # due within DUE_WITHIN_DAYS, by days_left
    overdue: tuple[OverdueGroup, ...]  # most overdue windows first
    disputes: tuple[DisputeRow, ...]
    followups: tuple[FollowUpRow, ...]  # oldest first
    unbound: tuple[UnboundRow, ...]
    coverage: tuple[CityCoverage, ...]  # by city, lowest share first
    coverage_total: CityCoverage  # city=None: the whole scope
    consultations: tuple[ConsultationRow, ...] | None  # overdue only; None: not reported
    unserved: tuple[UnservedRow, ...] = ()  # entities and regions nobody serves today
    adjust: tuple[AdjustRow, ...] = ()  # 需调整: one row per person, latest evaluation first

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def most_overdue(self) -> tuple[OverdueGroup, ...]:
        """The people overdue longest (then with most overdue windows): the summary names
        the first ten."""
        return tuple(sorted(self.overdue, key=lambda g: (-g.max_days_overdue, -g.count,
                                                          g.person)))

    @property
    def recent_disputes(self) -> tuple[DisputeRow, ...]:
        """Disputes, the most recent visit first."""
        return tuple(sorted(self.disputes, key=lambda d: (d.visit_date, d.number),
                            reverse=True))

    @property
    def visit_count(self) -> int:
        return len(self.visits)

    @property
    def overdue_count(self) -> int:
        return sum(g.count for g in self.overdue)

    def text_parts(self, lang: str | None = None, *, limit: int | None = None,
                   max_parts: int = 2) -> list[str]:
        """The summary as Telegram HTML messages: at most ``max_parts``, each under
        Telegram's limit after entity parsing, at any scale."""
        from bot.reports.text import MESSAGE_LIMIT, render_parts

        return render_parts(self, lang or self.lang, limit=limit or MESSAGE_LIMIT,
                            max_parts=max_parts)


def build_digest(inp: DigestInput, lang: str = "zh") -> Digest:
    """Scope the rows of ``inp`` and compute every section of the digest."""
    scope = inp.scope
    today = inp.now.date()
    obligations = sorted(_scoped(scope, inp.obligations), key=_urgency)
    visits_from = today - timedelta(days=VISIT_DAYS - 1)
    visits = sorted(
        (v for v in _scoped(scope, inp.visits) if visits_from <= v.visit_date <= today),
        key=lambda v: (v.visit_date, v.number),
        reverse=True,
    )
    consultations = None
    if inp.consultations is not None:
        consultations = tuple(
            sorted(
                (c for c in _scoped(scope, inp.consultations) if c.state == "overdue"),
                key=lambda c: c.asked_at,
            )
        )
    return Digest(
        scope=scope,
        now=inp.now,
        period_label=inp.period_label,
        lang=lang,
        visits_from=visits_from,
        visits_to=today,
        visits=tuple(visits),
        visits_by_mode=_by_mode(visits),
        obligations=tuple(obligations),
        due_soon=tuple(_due_soon(obligations, today)),
        overdue=tuple(_overdue_groups(obligations, today)),
        disputes=tuple(
            sorted(_scoped(scope, inp.disputes), key=lambda d: (d.visit_date, d.number))
        ),
        followups=tuple(
            sorted(_scoped(scope, inp.followups), key=lambda f: (f.created, f.visit_number))
        ),
        unbound=tuple(
            sorted(
                _scoped(scope, inp.unbound),
                key=lambda u: (u.city or "", u.county or "", u.unit or "", u.name),
            )
        ),
        coverage=tuple(_coverage_by_city(obligations)),
        coverage_total=_coverage(None, obligations),
        consultations=consultations,
        unserved=tuple(sorted(_scoped(scope, inp.unserved),
                              key=lambda u: (u.kind, u.city or "", u.county or "", u.target))),
        adjust=tuple(_adjust(_scoped(scope, inp.adjust))),
    )


def _adjust(rows: Iterable[AdjustRow]) -> list[AdjustRow]:
    """One row per person (and period), the latest result first."""
    seen: dict[tuple[str, str, str], AdjustRow] = {}
    for row in rows:
        seen.setdefault((row.person, row.role, row.period), row)
    return sorted(seen.values(), key=lambda r: (r.recorded_at, r.person), reverse=True)


def _scoped(scope: Scope, rows: Iterable[_Row]) -> list[_Row]:
    return [r for r in rows if scope.contains(r.city, r.county)]


def _urgency(o: ObligationRow) -> tuple[int, date, str, str]:
    return (_STATE_ORDER.get(o.state, 9), o.window_end, o.person, o.target)


def _days_left(o: ObligationRow, today: date) -> int:
    return o.days_left if o.days_left is not None else (o.window_end - today).days


def _by_mode(visits: Iterable[VisitRow]) -> tuple[tuple[str, int], ...]:
    counts = Counter(v.mode for v in visits)
    known = [(m, counts.pop(m, 0)) for m in MODES]
    return tuple(known + sorted(counts.items()))


def _due_soon(obligations: Iterable[ObligationRow], today: date) -> list[ObligationRow]:
    due = [
        o for o in obligations if o.state == "due" and _days_left(o, today) <= DUE_WITHIN_DAYS
    ]
    return sorted(due, key=lambda o: (_days_left(o, today), o.person, o.target))


def _overdue_groups(obligations: Iterable[ObligationRow], today: date) -> list[OverdueGroup]:
    by_person: dict[str, list[ObligationRow]] = defaultdict(list)
    for o in obligations:
        if o.state == "overdue":
            by_person[o.person].append(o)
    groups = []
    for person, rows in by_person.items():
        rows.sort(key=lambda o: (o.window_end, o.target))
        groups.append(
            OverdueGroup(
                person=person,
                roles=tuple(dict.fromkeys(o.role for o in rows)),
                count=len(rows),
                targets=tuple(dict.fromkeys(o.target for o in rows)),
                max_days_overdue=max(0, (today - rows[0].window_end).days),
                rows=tuple(rows),
            )
        )
    return sorted(groups, key=lambda g: (-g.count, -g.max_days_overdue, g.person))


def _coverage(city: str | None, rows: Iterable[ObligationRow]) -> CityCoverage:
    states = Counter(o.state for o in rows)
    return CityCoverage(city, states["met"], states["due"], states["overdue"])


def _coverage_by_city(obligations: Iterable[ObligationRow]) -> list[CityCoverage]:
    by_city: dict[str | None, list[ObligationRow]] = defaultdict(list)
    for o in obligations:
        by_city[o.city].append(o)
    cities = [_coverage(city, rows) for city, rows in by_city.items()]
    cities = [c for c in cities if c.total]
    return sorted(cities, key=lambda c: (c.share or 0.0, c.city is None, c.city or ""))
