"""When scheduled passes are due (pure): the latest slot not after now, once per period,
whatever happened before — a start after the send time, a missed tick, a day down."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler import passes
from scheduler.policy import default_policy

TZ = ZoneInfo("Asia/Shanghai")
POLICY = default_policy()  # daily at 09:00, the digest Monday 09:00


def slots(text: str) -> dict[str, passes.Slot]:
    now = datetime.fromisoformat(text).replace(tzinfo=TZ)
    return {s.name: s for s in passes.current_slots(now, POLICY)}


def test_the_daily_slot_is_today_after_the_send_time_and_yesterday_before():
    assert slots("2026-03-02T08:59")[passes.DAILY].period == "2026-03-01"
    assert slots("2026-03-02T09:00")[passes.DAILY].period == "2026-03-02"
    assert slots("2026-03-02T23:59")[passes.DAILY].period == "2026-03-02"


def test_the_digest_slot_is_the_latest_monday_morning():
    assert slots("2026-03-02T09:00")[passes.DIGEST].period == "2026-W10"  # Monday
    assert slots("2026-03-02T08:00")[passes.DIGEST].period == "2026-W09"  # before it
    assert slots("2026-03-04T15:00")[passes.DIGEST].period == "2026-W10"  # Wednesday
    assert slots("2026-03-08T23:00")[passes.DIGEST].period == "2026-W10"  # Sunday
    assert slots("2027-01-01T10:00")[passes.DIGEST].period == "2026-W53"  # ISO years


def test_timeliness_runs_every_quarter_hour():
    assert slots("2026-03-02T10:14")[passes.TIMELINESS].period == "2026-03-02T10:00"
    assert slots("2026-03-02T10:15")[passes.TIMELINESS].period == "2026-03-02T10:15"


def test_the_slot_is_read_in_the_policy_time_zone():
    utc = datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))  # 09:00 in Shanghai
    found = {s.name: s for s in passes.current_slots(utc, POLICY)}
    assert found[passes.DAILY].period == "2026-03-02"
    assert found[passes.DAILY].at.tzinfo is not None


@pytest.mark.parametrize("now", ["2026-03-02T09:00:01", "2026-03-02T15:30", "2026-03-03T08:00"])
def test_a_late_start_or_a_missed_tick_finds_the_pass_due_until_it_is_recorded(now):
    when = datetime.fromisoformat(now).replace(tzinfo=TZ)
    due = passes.due(when, POLICY, set())
    assert {s.name for s in due} == set(passes.PASSES)
    recorded = {(s.name, s.period) for s in due}
    assert passes.due(when, POLICY, recorded) == []


def test_a_day_down_then_the_next_morning_runs_the_missed_day_once():
    """Down all Monday: at 08:00 on Tuesday Monday's daily pass is still due (its reminders
    are computed as of now, the latest lead only); at 09:00 Tuesday's own slot follows."""
    recorded: set[tuple[str, str]] = set()
    early = datetime(2026, 3, 3, 8, 0, tzinfo=TZ)
    (daily,) = passes.due(early, POLICY, recorded, only=(passes.DAILY,))
    assert daily.period == "2026-03-02"
    recorded.add((daily.name, daily.period))
    assert passes.due(early, POLICY, recorded, only=(passes.DAILY,)) == []
    (later,) = passes.due(datetime(2026, 3, 3, 9, 0, tzinfo=TZ), POLICY, recorded,
                          only=(passes.DAILY,))
    assert later.period == "2026-03-03"


def test_leap_day_and_year_end():
    assert slots("2028-02-29T09:30")[passes.DAILY].period == "2028-02-29"
    assert slots("2028-03-01T08:00")[passes.DAILY].period == "2028-02-29"
    assert slots("2026-12-31T23:59")[passes.HOUSEKEEPING].period == "2026-12-31"
