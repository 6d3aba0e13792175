from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.periods import (
    PERIOD_KINDS,
    Period,
    local_date,
    period_bounds_instants,
    period_containing,
    period_containing_instant,
    periods_overlapping,
)

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("d", "kind", "start", "end", "label"),
    [
        (date(2026, 2, 14), "year", date(2026, 1, 1), date(2026, 12, 31), "2026"),
        (date(2026, 7, 1), "half_year", date(2026, 7, 1), date(2026, 12, 31), "2026-H2"),
        (date(2026, 6, 30), "half_year", date(2026, 1, 1), date(2026, 6, 30), "2026-H1"),
        (date(2026, 3, 31), "quarter", date(2026, 1, 1), date(2026, 3, 31), "2026-Q1"),
        (date(2026, 4, 1), "quarter", date(2026, 4, 1), date(2026, 6, 30), "2026-Q2"),
        (date(2026, 12, 31), "quarter", date(2026, 10, 1), date(2026, 12, 31), "2026-Q4"),
        (date(2028, 2, 10), "month", date(2028, 2, 1), date(2028, 2, 29), "2028-02"),
        (date(2026, 12, 5), "month", date(2026, 12, 1), date(2026, 12, 31), "2026-12"),
    ],
)
def test_period_containing(d, kind, start, end, label):
    p = period_containing(d, kind)
    assert (p.start, p.end, p.label) == (start, end, label)
    assert p.contains(d)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown period kind"):
        period_containing(date(2026, 1, 1), "fortnight")


def test_quarter_edges_in_shanghai():
    # 31 March 23:30 local is 15:30 UTC: Q1.
    late = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
    assert period_containing_instant(late, "quarter", SH).label == "2026-Q1"
    # 1 April 00:10 local is still 31 March in UTC: Q2 in Shanghai.
    early = datetime(2026, 4, 1, 0, 10, tzinfo=SH)
    assert early.astimezone(UTC).date() == date(2026, 3, 31)
    assert period_containing_instant(early, "quarter", SH).label == "2026-Q2"
    assert period_containing_instant(early, "quarter", "UTC").label == "2026-Q1"


def test_year_edge_in_shanghai():
    new_year = datetime(2025, 12, 31, 16, 5, tzinfo=UTC)  # 2026-01-01 00:05 local
    assert period_containing_instant(new_year, "year", SH).label == "2026"


def test_naive_datetime_rejected():
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 1, 1), SH)


def test_bounds_instants():
    p = period_containing(date(2026, 5, 5), "quarter")
    lo, hi = period_bounds_instants(p, SH)
    assert lo == datetime(2026, 4, 1, tzinfo=SH)
    assert hi == datetime(2026, 7, 1, tzinfo=SH)


def test_periods_overlapping():
    got = [p.label for p in periods_overlapping(date(2025, 11, 15), date(2026, 4, 1), "quarter")]
    assert got == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert list(periods_overlapping(date(2026, 2, 1), date(2026, 1, 1), "year")) == []


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(date(2000, 1, 1), date(2100, 1, 1)),
    length=st.integers(0, 900),
    kind=st.sampled_from(PERIOD_KINDS),
)
def test_periods_tile(start, length, kind):
    end = start + timedelta(days=length)
    ps: list[Period] = list(periods_overlapping(start, end, kind))
    assert ps[0].start <= start and ps[-1].end >= end
    for a, b in pairwise(ps):
        assert b.start == a.end + timedelta(days=1)
    for p in ps:
        assert period_containing(p.start, kind) == p == period_containing(p.end, kind)
