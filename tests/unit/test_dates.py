"""Typed dates in the visit conversation."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.dates import parse_day

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-20", date(2026, 11, 20)),
    ("2026/11/2", date(2026, 11, 2)),
    ("2026年11月20日", date(2026, 11, 20)),
    ("11-20", date(2026, 11, 20)),
    ("11月20日", date(2026, 11, 20)),
    ("１１月２０日", date(2026, 11, 20)),
    ("12-25", date(2025, 12, 25)),  # a month-day still to come this year means last year
    ("20日", date(2026, 11, 20)),
    ("25号", date(2026, 10, 25)),  # a day of the month still to come means last month
    ("今天", TODAY),
    ("昨天", date(2026, 11, 20)),
    ("前天", date(2026, 11, 19)),
    ("3天前", date(2026, 11, 18)),
    ("yesterday", date(2026, 11, 20)),
    (" 3 days ago ", date(2026, 11, 18)),
    ("Nov 20", date(2026, 11, 20)),
    ("November 20, 2026", date(2026, 11, 20)),
    ("20 Nov", date(2026, 11, 20)),
    ("20th November", date(2026, 11, 20)),
    ("Dec 25", date(2025, 12, 25)),
    ("sept. 3", date(2026, 9, 3)),
    ("20/11", date(2026, 11, 20)),      # day/month: there is no month 20
    ("11/20", date(2026, 11, 20)),      # month/day
    ("20/11/2026", date(2026, 11, 20)),
    ("05/11", date(2026, 5, 11)),       # both readings possible: month/day, as 05-11
])
def test_dates_people_type(text, expected):
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "明年", "2026-02-30", "13月1日", "32日", "hello", "11-",
                                  "Feb 30", "31/31", "Smarch 3"])
def test_not_dates(text):
    assert parse_day(text, TODAY) is None


def test_bare_day_31_in_a_month_after_a_short_one():
    assert parse_day("31日", date(2026, 3, 5)) is None  # February has no 31st
