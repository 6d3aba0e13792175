"""Calendar period arithmetic (year, half-year, quarter, month).

Periods are ranges of *local calendar dates* (inclusive on both ends).  An
instant (aware ``datetime``) is mapped to a period through its local date in a
given time zone, so that, in Asia/Shanghai, 2026-03-31 23:30 local (15:30 UTC)
falls in Q1 while 2026-04-01 00:10 local (still 31 March in UTC) falls in Q2.

Pure functions: nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal, get_args
from zoneinfo import ZoneInfo

PeriodKind = Literal["year", "half_year", "quarter", "month"]
PERIOD_KINDS: tuple[str, ...] = get_args(PeriodKind)

#: Months per period kind.
_MONTHS: dict[str, int] = {"year": 12, "half_year": 6, "quarter": 3, "month": 1}

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    """One calendar period: ``start`` .. ``end`` inclusive local dates."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        """Length in days (inclusive)."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """Human/stable label: ``2026``, ``2026-H1``, ``2026-Q2``, ``2026-03``."""
        y, m = self.start.year, self.start.month
        if self.kind == "year":
            return f"{y}"
        if self.kind == "half_year":
            return f"{y}-H{(m - 1) // 6 + 1}"
        if self.kind == "quarter":
            return f"{y}-Q{(m - 1) // 3 + 1}"
        return f"{y}-{m:02d}"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


def months_in(kind: str) -> int:
    """Calendar months in one period of ``kind`` (year 12 … month 1)."""
    try:
        return _MONTHS[kind]
    except KeyError:
        raise ValueError(f"unknown period kind {kind!r}; expected one of {PERIOD_KINDS}") from None


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def period_start(d: date, kind: str) -> date:
    """First date of the ``kind`` period containing ``d``."""
    n = months_in(kind)
    return date(d.year, ((d.month - 1) // n) * n + 1, 1)


def period_end(d: date, kind: str) -> date:
    """Last date of the ``kind`` period containing ``d``."""
    n = months_in(kind)
    start_month = ((d.month - 1) // n) * n + 1
    y, m = _add_months(d.year, start_month, n)
    return date(y, m, 1) - _ONE_DAY


def period_containing(d: date, kind: str) -> Period:
    """The ``kind`` period containing local date ``d``."""
    return Period(kind, period_start(d, kind), period_end(d, kind))


def next_period(p: Period) -> Period:
    return period_containing(p.end + _ONE_DAY, p.kind)


def previous_period(p: Period) -> Period:
    return period_containing(p.start - _ONE_DAY, p.kind)


def periods_overlapping(start: date, end: date, kind: str) -> Iterator[Period]:
    """Every ``kind`` period overlapping ``start .. end`` (inclusive), in order.

    Yields nothing when ``end < start``.
    """
    if end < start:
        return
    p = period_containing(start, kind)
    while p.start <= end:
        yield p
        p = next_period(p)


def as_tz(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_date(at: datetime, tz: tzinfo | str) -> date:
    """Calendar date of the aware instant ``at`` in ``tz``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: instants must be timezone-aware")
    return at.astimezone(as_tz(tz)).date()


def period_containing_instant(at: datetime, kind: str, tz: tzinfo | str) -> Period:
    """The ``kind`` period containing the local date of ``at`` in ``tz``."""
    return period_containing(local_date(at, tz), kind)


def start_of_day(d: date, tz: tzinfo | str) -> datetime:
    """Aware instant of local midnight starting ``d`` in ``tz``."""
    return datetime.combine(d, time(0, 0), tzinfo=as_tz(tz))


def period_bounds_instants(p: Period, tz: tzinfo | str) -> tuple[datetime, datetime]:
    """Half-open instant range ``[start, end)`` covering period ``p`` in ``tz``."""
    return start_of_day(p.start, tz), start_of_day(p.end + _ONE_DAY, tz)
