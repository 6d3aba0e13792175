from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.workdays import (
    add_working_days,
    has_holiday_data,
    holiday_data_years,
    is_working_day,
    next_working_day,
    working_days_between,
)

SH = ZoneInfo("Asia/Shanghai")


def test_installed_calendar_covers_2026():
    # chinesecalendar >= 1.11 ships the 2026 schedule; the tests below rely on it.
    assert has_holiday_data(2026)
    assert holiday_data_years()[0] <= 2004


@pytest.mark.parametrize(
    ("d", "working"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, adjusted working day
        (date(2026, 9, 20), True),  # Sunday, adjusted working day
        (date(2026, 2, 16), False),  # Spring Festival (Monday)
        (date(2026, 2, 14), True),  # Saturday, adjusted
        (date(2026, 1, 1), False),
        (date(2026, 1, 4), True),  # Sunday, adjusted
        (date(2026, 3, 31), True),
        (date(2026, 3, 29), False),  # plain Sunday
    ],
)
def test_is_working_day_2026(d, working):
    assert is_working_day(d) is working


def test_fallback_outside_data_is_monday_to_friday():
    year = holiday_data_years()[1] + 1
    d = date(year, 6, 1)
    for i in range(14):
        day = d + timedelta(days=i)
        assert not has_holiday_data(day.year)
        assert is_working_day(day) is (day.weekday() < 5)


def test_is_working_day_rejects_datetime():
    with pytest.raises(TypeError):
        is_working_day(datetime(2026, 1, 5, tzinfo=SH))


def test_next_working_day():
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)


def test_add_working_days_across_national_day():
    start = datetime(2026, 9, 30, 15, 0, tzinfo=SH)
    assert add_working_days(start, 0) == start
    assert add_working_days(start, 1) == datetime(2026, 10, 8, 15, 0, tzinfo=SH)
    assert add_working_days(start, 2) == datetime(2026, 10, 9, 15, 0, tzinfo=SH)
    assert add_working_days(start, 3) == datetime(2026, 10, 10, 15, 0, tzinfo=SH)


def test_add_working_days_from_holiday_counts_from_next_working_morning():
    start = datetime(2026, 10, 3, 10, 0, tzinfo=SH)
    assert add_working_days(start, 1) == datetime(2026, 10, 9, 0, 0, tzinfo=SH)


def test_add_working_days_uses_local_date_and_returns_local_time():
    # Friday 2026-03-27 17:00 UTC is Saturday 01:00 in Shanghai.
    start = datetime(2026, 3, 27, 17, 0, tzinfo=UTC)
    got = add_working_days(start, 1)
    assert got == datetime(2026, 3, 31, 0, 0, tzinfo=SH)
    assert got.tzinfo == SH


def test_add_working_days_validation():
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5, tzinfo=SH), -1)
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 1, 5), 1)


def test_working_days_between():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 9)) == 5
    with pytest.raises(TypeError):
        working_days_between(datetime(2026, 1, 1, tzinfo=SH), date(2026, 1, 2))


def test_between_and_add_agree():
    start = datetime(2026, 9, 24, 9, 0, tzinfo=SH)  # a working day (25th is Mid-autumn)
    for n in range(0, 12):
        end = add_working_days(start, n)
        assert working_days_between(date(2026, 9, 24), end.date()) == n
