"""Chinese working days (法定节假日 and adjusted working weekends, 调休).

Backed by ``chinese_calendar``, which ships official holiday data for a fixed
range of years (see :func:`holiday_data_years`).  Outside that range it cannot
know the holidays, so we fall back to Monday–Friday; :func:`has_holiday_data`
lets callers warn when that happens.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

import chinese_calendar

from scheduler.periods import as_tz

DEFAULT_TZ = "Asia/Shanghai"
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def holiday_data_years() -> tuple[int, int]:
    """First and last year for which chinese_calendar has official data."""
    known = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    years = {d.year for d in known}
    return min(years), max(years)


def has_holiday_data(year: int) -> bool:
    first, last = holiday_data_years()
    return first <= year <= last


@lru_cache(maxsize=8192)
def is_working_day(d: date) -> bool:
    """True if ``d`` is a working day in mainland China.

    Uses official holiday data where available (so 2026-10-01 is off and
    Saturday 2026-10-10 is a working day); otherwise Monday–Friday.
    """
    if isinstance(d, datetime):  # a datetime is a date subclass: be explicit
        raise TypeError("is_working_day takes a date; use local_date(at, tz) first")
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return d.weekday() < 5


def next_working_day(d: date) -> date:
    """``d`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(d):
        d += _ONE_DAY
    return d


def add_working_days(start: datetime, n: int, tz: tzinfo | str = DEFAULT_TZ) -> datetime:
    """The instant ``n`` working days after the aware instant ``start``.

    Works on local wall time in ``tz``: a start on a working day keeps its time
    of day (Friday 15:00 + 1 → Monday 15:00, across holidays too).  A start on a
    non-working day counts from the beginning of the next working day (Saturday
    10:00 + 1 → Tuesday 00:00, i.e. all of Monday is the one working day).
    The result is expressed in ``tz``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware")
    zone = as_tz(tz)
    local = start.astimezone(zone)
    d = local.date()
    wall = local.time()
    if not is_working_day(d):
        d = next_working_day(d)
        wall = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    counted = 0
    while counted < n:
        d += _ONE_DAY
        if is_working_day(d):
            counted += 1
    return datetime.combine(d, wall, tzinfo=zone)


def working_days_between(a: date, b: date) -> int:
    """Working days ``d`` with ``a < d <= b``; negative when ``b < a``.

    So for a working day ``a``, ``working_days_between(a, b) == n`` exactly when
    ``b`` is the ``n``-th working day after ``a`` (or a non-working day before
    the next one).  Datetimes are rejected: convert with ``local_date`` first.
    """
    if isinstance(a, datetime) or isinstance(b, datetime):
        raise TypeError("working_days_between takes dates; use local_date(at, tz) first")
    if b < a:
        return -working_days_between(b, a)
    count = 0
    d = a + _ONE_DAY
    while d <= b:
        if is_working_day(d):
            count += 1
        d += _ONE_DAY
    return count
