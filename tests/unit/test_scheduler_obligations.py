from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.evaluations import cycles_from
from scheduler.obligations import (
    STATE_RANK,
    AssignmentSpan,
    VisitFact,
    Window,
    current_states,
    evaluate,
    is_waived,
    obligation_windows,
)
from scheduler.periods import period_containing
from scheduler.policy import default_policy, default_policy_path, load_policy

SH = ZoneInfo("Asia/Shanghai")
POLICY = default_policy()
C1 = (date(2026, 1, 1), date(2027, 12, 31))


def span(aid=1, role="envoy", start=date(2026, 1, 1), end=None, cycle=C1, person=10):
    return AssignmentSpan(aid, person, role, 100 + aid if isinstance(aid, int) else 0,
                          f"target {aid}", start, end, cycle[0], cycle[1])


def at(y, m, d, hh=12, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def visit(aid, when, mode="on_site"):
    return VisitFact(aid, when, mode)


def by_window(states):
    return {(s.assignment_id, s.window_start): s for s in states}


# ---------------------------------------------------------------- windows


def test_envoy_windows_are_quarters_clipped():
    s = span(start=date(2026, 2, 10), end=date(2026, 8, 15))
    assert obligation_windows(s, POLICY) == [
        Window(date(2026, 2, 10), date(2026, 3, 31)),
        Window(date(2026, 4, 1), date(2026, 6, 30)),
        Window(date(2026, 7, 1), date(2026, 8, 15)),
    ]


def test_commissioner_windows_are_years_in_cycle():
    cycle = (date(2025, 7, 1), date(2027, 6, 30))
    s = span(role="commissioner", start=date(2025, 6, 1), cycle=cycle)
    assert obligation_windows(s, POLICY) == [
        Window(date(2025, 7, 1), date(2025, 12, 31)),
        Window(date(2026, 1, 1), date(2026, 12, 31)),
        Window(date(2027, 1, 1), date(2027, 6, 30)),
    ]


def test_empty_span_has_no_windows():
    assert obligation_windows(span(start=date(2028, 1, 1)), POLICY) == []
    assert obligation_windows(span(start=date(2026, 5, 1), end=date(2026, 4, 1)), POLICY) == []


@settings(max_examples=80, deadline=None)
@given(
    cycle_start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    start_off=st.integers(-400, 800),
    length=st.one_of(st.none(), st.integers(0, 900)),
    role=st.sampled_from(["commissioner", "envoy"]),
)
def test_windows_tile_the_assignment(cycle_start, start_off, length, role):
    cycle_end = cycles_from(cycle_start, 1, POLICY)[0].end
    start = cycle_start + timedelta(days=start_off)
    end = None if length is None else start + timedelta(days=length)
    s = span(role=role, start=start, end=end, cycle=(cycle_start, cycle_end))
    ws = obligation_windows(s, POLICY)
    lo, hi = max(start, cycle_start), min(end or cycle_end, cycle_end)
    if lo > hi:
        assert ws == []
        return
    assert ws[0].start == lo and ws[-1].end == hi
    for a, b in pairwise(ws):
        assert b.start == a.end + timedelta(days=1)  # no gap, no overlap
    assert sum(w.days for w in ws) == (hi - lo).days + 1
    kind = POLICY.role(role).obligation.period
    for w in ws:
        p = period_containing(w.start, kind)
        assert p.start <= w.start <= w.end <= p.end  # never straddles a period


# ---------------------------------------------------------------- states


def test_states_over_a_year():
    s = span()
    visits = [
        visit(1, at(2026, 2, 3)),  # Q1 on site
        visit(1, at(2026, 5, 3), "phone"),  # Q2 only by phone
        visit(1, at(2026, 7, 20), "video"),
    ]
    states = by_window(evaluate([s], visits, at(2026, 8, 10), POLICY))
    q1, q2, q3, q4 = (states[(1, date(2026, m, 1))] for m in (1, 4, 7, 10))
    assert (q1.state, q1.counted, q1.visits_this_period) == ("met", 1, 1)
    assert q1.last_qualifying_visit == at(2026, 2, 3)
    assert (q2.state, q2.counted, q2.visits_this_period) == ("overdue", 0, 1)
    assert q2.last_visit == at(2026, 5, 3) and q2.last_qualifying_visit == at(2026, 2, 3)
    assert (q3.state, q3.days_left, q3.deadline) == ("due", 51, date(2026, 9, 30))
    assert q3.last_visit == at(2026, 7, 20)
    assert q4.state == "upcoming" and q4.days_left is None
    assert q1.required == 1 and q1.target_name == "target 1"
    assert len(states) == 8  # two years of quarters


def test_days_left_zero_on_deadline_and_overdue_next_day():
    s = span()
    (st_last,) = [x for x in current_states([s], [], at(2026, 3, 31, 23, 59), POLICY)]
    assert (st_last.state, st_last.days_left) == ("due", 0)
    got = current_states([s], [], at(2026, 4, 1, 0, 0), POLICY)
    assert [(x.window_start, x.state) for x in got] == [
        (date(2026, 1, 1), "overdue"),
        (date(2026, 4, 1), "due"),
    ]
    assert current_states([s], [], at(2026, 4, 1), POLICY, include_overdue=False)[0].state == "due"


def test_quarter_edges_are_local_dates():
    s = span()
    # 31 March 23:30 local = 15:30 UTC: counts for Q1.
    v1 = visit(1, datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    # 1 April 00:10 local = 31 March 16:10 UTC: counts for Q2, not Q1.
    v2 = visit(1, at(2026, 4, 1, 0, 10))
    assert v2.at.astimezone(UTC).date() == date(2026, 3, 31)
    states = by_window(evaluate([s], [v1, v2], at(2026, 5, 1), POLICY))
    assert states[(1, date(2026, 1, 1))].counted == 1
    assert states[(1, date(2026, 4, 1))].counted == 1
    only_v2 = by_window(evaluate([s], [v2], at(2026, 5, 1), POLICY))
    assert only_v2[(1, date(2026, 1, 1))].state == "overdue"
    assert only_v2[(1, date(2026, 4, 1))].state == "met"


def test_year_edge_is_local_date():
    s = span(role="commissioner")
    v = visit(1, datetime(2026, 12, 31, 16, 30, tzinfo=UTC))  # 2027-01-01 00:30 local
    states = by_window(evaluate([s], [v], at(2027, 3, 1), POLICY))
    assert states[(1, date(2026, 1, 1))].state == "overdue"
    assert states[(1, date(2027, 1, 1))].state == "met"


def test_short_window_is_waived():
    # Assigned on 20 December: 12 days of 2026 owe nothing.
    s = span(role="commissioner", start=date(2026, 12, 20))
    states = evaluate([s], [], at(2027, 1, 5), POLICY)
    assert [(x.window_start, x.state) for x in states] == [
        (date(2026, 12, 20), "waived"),
        (date(2027, 1, 1), "due"),
    ]
    # Envoy assigned 5 March: the 27-day Q1 stub is waived, a 31-day one is not.
    apr2 = at(2026, 4, 2)
    assert evaluate([span(start=date(2026, 3, 5))], [], apr2, POLICY)[0].state == "waived"
    assert evaluate([span(start=date(2026, 3, 1))], [], apr2, POLICY)[0].state == "overdue"
    # Ended early: the stub at the end is waived too.
    s2 = span(start=date(2026, 1, 1), end=date(2026, 4, 10))
    assert [x.state for x in evaluate([s2], [], at(2026, 6, 1), POLICY)] == ["overdue", "waived"]


def test_full_short_period_never_waived(tmp_path):
    data = yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))
    data["roles"]["envoy"]["obligation"]["period"] = "month"
    p = tmp_path / "monthly.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monthly = load_policy(p)
    feb = Window(date(2026, 2, 1), date(2026, 2, 28))
    assert feb.days < monthly.waive_windows_shorter_than_days
    assert not is_waived(feb, "month", monthly)
    assert is_waived(Window(date(2026, 2, 2), date(2026, 2, 28)), "month", monthly)


def test_future_visits_and_unknown_assignments_ignored():
    s = span()
    visits = [visit(1, at(2026, 2, 20)), visit(99, at(2026, 2, 1))]
    st0 = evaluate([s], visits, at(2026, 2, 10), POLICY)[0]
    assert (st0.state, st0.counted, st0.last_visit) == ("due", 0, None)
    assert evaluate([s], visits, at(2026, 2, 21), POLICY)[0].state == "met"


def test_same_assignment_in_two_cycles():
    c2 = (date(2028, 1, 1), date(2029, 12, 31))
    spans = [span(role="commissioner"), span(role="commissioner", cycle=c2, start=date(2026, 1, 1))]
    visits = [visit(1, at(2027, 6, 1)), visit(1, at(2028, 6, 1))]
    states = evaluate(spans, visits, at(2029, 1, 2), POLICY)
    assert [(x.window_start.year, x.state) for x in states] == [
        (2026, "overdue"), (2027, "met"), (2028, "met"), (2029, "due")]


def test_unknown_role_rejected():
    with pytest.raises(ValueError, match="unknown role"):
        evaluate([span(role="supervisor")], [], at(2026, 1, 1), POLICY)


def test_non_counting_modes_never_satisfy():
    s = span()
    visits = [visit(1, at(2026, 1, d), m) for d, m in
              [(5, "phone"), (6, "video"), (7, "online"), (8, "carrier_pigeon")]]
    st0 = evaluate([s], visits, at(2026, 4, 2), POLICY)[0]
    assert (st0.state, st0.counted, st0.visits_this_period) == ("overdue", 0, 4)


def test_second_policy_changes_cadence(tmp_path):
    """Envoys owing 2 visits per half-year, and phone counting: a file, not code."""
    data = yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))
    data["roles"]["envoy"]["obligation"].update(
        period="half_year", min_visits=2, counting_modes=["on_site", "phone"])
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    other = load_policy(path)
    s = span()
    visits = [visit(1, at(2026, 2, 1)), visit(1, at(2026, 5, 1), "phone")]
    zj = [(x.window_start, x.window_end, x.state) for x in evaluate([s], visits, at(2026, 7, 2),
                                                                      POLICY)][:3]
    assert zj == [(date(2026, 1, 1), date(2026, 3, 31), "met"),
                  (date(2026, 4, 1), date(2026, 6, 30), "overdue"),
                  (date(2026, 7, 1), date(2026, 9, 30), "due")]
    ot = evaluate([s], visits, at(2026, 7, 2), other)
    assert [(x.window_start, x.window_end, x.state, x.counted, x.required) for x in ot][:2] == [
        (date(2026, 1, 1), date(2026, 6, 30), "met", 2, 2),
        (date(2026, 7, 1), date(2026, 12, 31), "due", 0, 2),
    ]
    assert len(ot) == 4


# ---------------------------------------------------------------- properties

MODES = ["on_site", "phone", "video", "online"]
visit_times = st.datetimes(
    min_value=datetime(2025, 12, 1),
    max_value=datetime(2028, 2, 1),
    timezones=st.sampled_from([SH, ZoneInfo("UTC"), ZoneInfo("America/New_York")]),
)


@settings(max_examples=60, deadline=None)
@given(
    role=st.sampled_from(["commissioner", "envoy"]),
    start_off=st.integers(0, 700),
    visits=st.lists(st.tuples(visit_times, st.sampled_from(MODES)), max_size=8),
    extra=visit_times,
    now=visit_times,
)
def test_adding_a_qualifying_visit_never_hurts(role, start_off, visits, extra, now):
    s = span(role=role, start=C1[0] + timedelta(days=start_off))
    facts = [visit(1, t, m) for t, m in visits]
    before = evaluate([s], facts, now, POLICY)
    after = evaluate([s], [*facts, visit(1, extra)], now, POLICY)
    assert len(before) == len(after)
    for b, a in zip(before, after, strict=True):
        assert a.window_start == b.window_start
        if b.state == "waived":
            assert a.state == "waived"
        else:
            assert STATE_RANK[a.state] >= STATE_RANK[b.state], (b, a)
        assert a.counted >= b.counted


@settings(max_examples=60, deadline=None)
@given(
    role=st.sampled_from(["commissioner", "envoy"]),
    visits=st.lists(st.tuples(visit_times, st.sampled_from(MODES[1:])), max_size=10),
    now=visit_times,
)
def test_non_counting_mode_never_satisfies(role, visits, now):
    s = span(role=role)
    facts = [visit(1, t, m) for t, m in visits]
    with_ = evaluate([s], facts, now, POLICY)
    without = evaluate([s], [], now, POLICY)
    assert [x.state for x in with_] == [x.state for x in without]
    assert all(x.counted == 0 and x.state != "met" for x in with_)


@settings(max_examples=40, deadline=None)
@given(
    spans_in=st.lists(
        st.tuples(st.integers(1, 3), st.sampled_from(["commissioner", "envoy"]),
                  st.integers(-30, 700), st.one_of(st.none(), st.integers(0, 500))),
        min_size=1, max_size=4),
    visits=st.lists(
        st.tuples(st.integers(1, 4), visit_times, st.sampled_from(MODES)), max_size=25),
    now=visit_times,
)
def test_matches_brute_force_oracle(spans_in, visits, now):
    spans = [
        span(aid=a, role=r, start=C1[0] + timedelta(days=off),
             end=None if ln is None else C1[0] + timedelta(days=off + ln))
        for a, r, off, ln in spans_in
    ]
    facts = [visit(a, t, m) for a, t, m in visits]
    got = evaluate(spans, facts, now, POLICY)
    expected = []
    today = now.astimezone(SH).date()
    for s in spans:
        for w in obligation_windows(s, POLICY):
            mine = [f for f in facts if f.assignment_id == s.assignment_id and f.at <= now]
            seen = [f for f in mine if f.at.astimezone(SH).date() <= w.end]
            inside = [f for f in seen if f.at.astimezone(SH).date() >= w.start]
            counted = sum(f.mode == "on_site" for f in inside)
            q_seen = [f.at for f in seen if f.mode == "on_site"]
            last = max((f.at for f in seen), default=None)
            kind = POLICY.role(s.role).obligation.period
            if is_waived(w, kind, POLICY):
                state = "waived"
            elif counted >= 1:
                state = "met"
            elif w.start > today:
                state = "upcoming"
            elif w.end < today:
                state = "overdue"
            else:
                state = "due"
            expected.append((s.assignment_id, w.start, w.end, counted, len(inside), state,
                             last, max(q_seen, default=None)))
    assert [(x.assignment_id, x.window_start, x.window_end, x.counted, x.visits_this_period,
             x.state, x.last_visit, x.last_qualifying_visit) for x in got] == expected
