from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.obligations import AssignmentSpan, VisitFact, current_states
from scheduler.policy import default_policy
from scheduler.reminders import due_reminders, latest_lead, overdue_notice_day, reminder_key
from scheduler.workdays import is_working_day

SH = ZoneInfo("Asia/Shanghai")
POLICY = default_policy()
NO_SKIP = POLICY.model_copy(update={"skip_non_working_days": False})
CYCLE = (date(2026, 1, 1), date(2027, 12, 31))


def span(aid=1, role="envoy", start=date(2026, 1, 1), end=None):
    return AssignmentSpan(aid, 10 + aid, role, 100 + aid, f"t{aid}", start, end, *CYCLE)


def plan(spans, today, visits=(), sent=frozenset(), policy=POLICY, snoozed=None):
    now = datetime.combine(today, POLICY.send_time, tzinfo=SH)
    states = current_states(spans, list(visits), now, policy)
    return due_reminders(states, today, policy, set(sent), snoozed)


def run_days(spans, first, last, visits=(), policy=POLICY, snoozed=None, down=()):
    """Simulate the daily job; returns [(day, key)] in send order."""
    sent: set[str] = set()
    log = []
    d = first
    while d <= last:
        if d not in down:
            for r in plan(spans, d, visits, sent, policy, snoozed):
                assert r.key not in sent
                sent.add(r.key)
                log.append((d, r.key))
        d += timedelta(days=1)
    return log


def test_key_format():
    assert reminder_key(123, date(2026, 1, 1), 30) == "a123:2026-01-01:30"
    assert reminder_key(123, date(2026, 1, 1), "overdue") == "a123:2026-01-01:overdue"


def test_latest_lead():
    leads = POLICY.roles.envoy.reminder_lead_days
    assert latest_lead(leads, 31) is None
    assert latest_lead(leads, 30) == 30
    assert latest_lead(leads, 20) == 30
    assert latest_lead(leads, 6) == 7
    assert latest_lead(leads, 0) == 2


def test_catch_up_sends_latest_lead_only():
    # 2026-03-25 (Wed): 6 days before the Q1 deadline; nothing was sent before.
    got = plan([span()], date(2026, 3, 25))
    assert [(r.key, r.kind, r.lead_days, r.days_left) for r in got] == [
        ("a1:2026-01-01:7", "lead", 7, 6)]
    r = got[0]
    assert (r.person_id, r.window_start, r.window_end, r.deadline) == (
        11, date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31))
    assert (r.role, r.target_id, r.target_name) == ("envoy", 101, "t1")
    # Already sent 30 only, bot was down since: still only the latest.
    got = plan([span()], date(2026, 3, 30), sent={"a1:2026-01-01:30"})
    assert [r.key for r in got] == ["a1:2026-01-01:2"]


def test_each_key_at_most_once():
    assert plan([span()], date(2026, 3, 25), sent={"a1:2026-01-01:7"}) == []
    # The next day the same lead is still the latest: nothing new.
    assert plan([span()], date(2026, 3, 26), sent={"a1:2026-01-01:7"}) == []


def test_full_quarter_simulation_with_national_day():
    log = run_days([span(start=date(2026, 7, 1))], date(2026, 7, 1), date(2026, 10, 31))
    assert log == [
        (date(2026, 8, 31), "a1:2026-07-01:30"),
        (date(2026, 9, 16), "a1:2026-07-01:14"),
        (date(2026, 9, 23), "a1:2026-07-01:7"),
        (date(2026, 9, 28), "a1:2026-07-01:2"),
        # Deadline 30 Sep; 1-7 Oct are National Day holidays: notice on the 8th.
        (date(2026, 10, 8), "a1:2026-07-01:overdue"),
    ]
    assert overdue_notice_day(date(2026, 9, 30), POLICY) == date(2026, 10, 8)


def test_overdue_notice_only_the_day_after():
    s = [span()]
    assert [r.key for r in plan(s, date(2026, 4, 1))] == ["a1:2026-01-01:overdue"]
    over = plan(s, date(2026, 4, 1))[0]
    assert (over.kind, over.lead_days, over.days_left) == ("overdue", None, -1)
    assert plan(s, date(2026, 4, 1), sent={"a1:2026-01-01:overdue"}) == []
    assert [r.key for r in plan(s, date(2026, 4, 2))] == []  # missed: no late notice
    # Without the working-day rule the notice goes out on 1 October itself.
    assert [r.key for r in plan(s, date(2026, 10, 1), policy=NO_SKIP)] == [
        "a1:2026-07-01:overdue"]
    assert overdue_notice_day(date(2026, 9, 30), NO_SKIP) == date(2026, 10, 1)


def test_nothing_for_met_waived_or_upcoming():
    v = [VisitFact(1, datetime(2026, 2, 1, 10, tzinfo=SH), "on_site")]
    assert plan([span()], date(2026, 3, 30), visits=v) == []
    # Waived: commissioner assigned on 20 December.
    assert plan([span(role="commissioner", start=date(2026, 12, 20))], date(2026, 12, 30)) == []
    # Not started yet.
    assert plan([span(start=date(2026, 6, 1))], date(2026, 5, 20)) == []
    # Phone visit does not stop reminders.
    ph = [VisitFact(1, datetime(2026, 2, 1, 10, tzinfo=SH), "phone")]
    assert [r.key for r in plan([span()], date(2026, 3, 30), visits=ph)] == ["a1:2026-01-01:2"]


def test_non_working_day_sends_nothing_then_latest():
    s = [span()]
    # Lead 2 falls on Sunday 29 March: silent; Monday sends it.
    assert plan(s, date(2026, 3, 29)) == []
    assert [r.key for r in plan(s, date(2026, 3, 30))] == ["a1:2026-01-01:2"]
    # Without the rule it goes on Sunday.
    assert [r.key for r in plan(s, date(2026, 3, 29), policy=NO_SKIP)] == ["a1:2026-01-01:2"]


def test_lead_during_national_day_sent_after_it():
    # Window 1 Oct - 5 Nov (36 days, not waived): lead 30 falls on 6 Oct (holiday).
    s = [span(start=date(2026, 10, 1), end=date(2026, 11, 5))]
    log = run_days(s, date(2026, 10, 1), date(2026, 10, 12))
    assert log == [(date(2026, 10, 8), "a1:2026-10-01:30")]
    assert plan(s, date(2026, 10, 8))[0].days_left == 28


def test_snooze_suppresses_until_date():
    s = [span()]
    snooze = {1: date(2026, 3, 30)}
    assert plan(s, date(2026, 3, 25), snoozed=snooze) == []
    assert [r.key for r in plan(s, date(2026, 3, 30), snoozed=snooze)] == ["a1:2026-01-01:2"]
    assert plan(s, date(2026, 3, 25), snoozed={2: date(2026, 4, 30)})  # other assignment


def test_commissioner_leads():
    s = [span(role="commissioner")]
    log = run_days(s, date(2026, 10, 1), date(2027, 1, 10))
    assert [k for _, k in log] == [
        "a1:2026-01-01:60", "a1:2026-01-01:30", "a1:2026-01-01:14", "a1:2026-01-01:7",
        "a1:2026-01-01:1", "a1:2026-01-01:overdue"]
    assert log[0][0] == date(2026, 11, 2)  # 1 Nov is a Sunday: sent Monday
    assert log[-1][0] == date(2027, 1, 1)  # 2027 has no holiday data: Mon-Fri fallback


@settings(max_examples=25, deadline=None)
@given(
    role=st.sampled_from(["commissioner", "envoy"]),
    start_off=st.integers(0, 400),
    down=st.sets(st.integers(0, 120), max_size=60),
    first=st.integers(0, 300),
)
def test_simulation_properties(role, start_off, down, first):
    """Any downtime: no key twice, leads in decreasing order, sent only on working days."""
    start = date(2026, 1, 1) + timedelta(days=start_off)
    day0 = date(2026, 1, 1) + timedelta(days=first)
    down_days = {day0 + timedelta(days=i) for i in down}
    log = run_days([span(role=role, start=start)], day0, day0 + timedelta(days=120),
                   down=down_days)
    keys = [k for _, k in log]
    assert len(keys) == len(set(keys))
    assert all(is_working_day(d) for d, _ in log)
    by_window: dict[str, list[int]] = {}
    for k in keys:
        _, ws, lead = k.split(":")
        if lead != "overdue":
            by_window.setdefault(ws, []).append(int(lead))
    for leads in by_window.values():
        assert leads == sorted(leads, reverse=True)
