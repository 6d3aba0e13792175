"""What /healthz answers, from what was read (``bot.delivery.health.assess``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.delivery.health import BACKLOG_LIMIT, Snapshot, assess
from tests.conftest import TZ

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)
ME = "host:1:abcdef"


def snapshot(**values: object) -> Snapshot:
    base = {"backlog": 0, "oldest_pending": None, "last_done_at": None,
            "last_sent_at": None, "lease_holder": ME}
    return Snapshot(**(base | values))  # type: ignore[arg-type]


def test_healthy_active_instance_reports_its_ages():
    status, body = assess(NOW, snapshot(
        backlog=2, oldest_pending=NOW - timedelta(seconds=30),
        last_done_at=NOW - timedelta(seconds=90), last_sent_at=NOW - timedelta(seconds=5)),
        mode="webhook", me=ME, active=True,
        last_update=NOW - timedelta(seconds=12.34), last_sent=NOW - timedelta(seconds=50))
    assert status == 200
    assert body == {
        "status": "ok", "problems": [], "mode": "webhook", "role": "active",
        "database": {"reachable": True}, "lease": {"held": True, "holder": ME},
        "last_update_age_seconds": 12.3,  # the later of this process's and the database's
        "last_send_age_seconds": 5.0,
        "outbox": {"backlog": 2, "oldest_age_seconds": 30.0}}


def test_a_standby_is_healthy_and_says_so():
    status, body = assess(NOW, snapshot(lease_holder="other:2:123456"), mode="polling",
                          me=ME, active=False)
    assert status == 200 and body["role"] == "standby"
    assert body["lease"] == {"held": False, "holder": "other:2:123456"}
    assert body["last_update_age_seconds"] is None and body["last_send_age_seconds"] is None


def test_the_database_word_on_the_lease_wins():
    _, body = assess(NOW, snapshot(lease_holder=None), mode="polling", me=ME, active=True)
    assert body["role"] == "standby" and body["lease"]["held"] is False


def test_an_unreachable_database_is_503_with_what_this_process_knows():
    status, body = assess(NOW, None, mode="webhook", me=ME, active=True,
                          last_sent=NOW - timedelta(minutes=2))
    assert status == 503
    assert body["status"] == "unhealthy" and body["problems"] == ["database unreachable"]
    assert body["database"] == {"reachable": False}
    assert body["lease"] == {"held": True, "holder": None}
    assert body["last_send_age_seconds"] == 120.0
    assert body["outbox"] == {"backlog": None, "oldest_age_seconds": None}


def test_a_backlog_older_than_the_limit_is_503():
    at_limit = snapshot(backlog=1, oldest_pending=NOW - BACKLOG_LIMIT)
    assert assess(NOW, at_limit, mode="polling", me=ME, active=True)[0] == 200
    over = snapshot(backlog=3, oldest_pending=NOW - BACKLOG_LIMIT - timedelta(seconds=1))
    status, body = assess(NOW, over, mode="polling", me=ME, active=True)
    assert status == 503 and body["problems"] == ["outbox backlog older than 600 s"]
    assert body["outbox"] == {"backlog": 3, "oldest_age_seconds": 601.0}


def test_a_clock_behind_the_record_gives_age_zero_not_negative():
    _, body = assess(NOW, snapshot(last_done_at=NOW + timedelta(seconds=3)), mode="polling",
                     me=ME, active=True)
    assert body["last_update_age_seconds"] == 0.0
