from datetime import date

from scheduler.evaluations import (
    Cycle,
    RecordedVisit,
    cycle_containing,
    cycle_end_notices,
    cycles_from,
    default_period,
    evaluation_periods,
    evaluations_due,
    period_by_code,
    periods_of,
    window_outcomes,
)
from scheduler.obligations import AssignmentSpan
from scheduler.policy import default_policy

POLICY = default_policy()
NO_SKIP = POLICY.model_copy(update={"skip_non_working_days": False})
CYCLE = Cycle(7, date(2025, 7, 1), date(2027, 6, 30))


def span(aid, person, role, start=CYCLE.start, end=None):
    return AssignmentSpan(aid, person, role, aid, f"t{aid}", start, end, CYCLE.start, CYCLE.end)


SPANS = [
    span(1, "env", "envoy"),
    span(2, "com", "commissioner"),
    span(3, "com", "commissioner", start=date(2026, 3, 1)),
    span(4, "late", "envoy", start=date(2026, 2, 1)),
]


def test_cycles_from():
    assert cycles_from(date(2026, 1, 1), 2, POLICY) == [
        Cycle(1, date(2026, 1, 1), date(2027, 12, 31)),
        Cycle(2, date(2028, 1, 1), date(2029, 12, 31)),
    ]
    leap = cycles_from(date(2024, 2, 29), 2, POLICY)
    assert [(c.start, c.end) for c in leap] == [
        (date(2024, 2, 29), date(2026, 2, 28)), (date(2026, 3, 1), date(2028, 2, 29))]
    two = cycles_from(date(2026, 1, 1), 2, POLICY)
    assert cycle_containing(date(2029, 5, 1), two).cycle_id == 2
    assert cycle_containing(date(2020, 5, 1), [CYCLE]) is None


def test_evaluation_periods():
    assert evaluation_periods(CYCLE, "envoy", POLICY) == [
        (date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 6, 30)),
    ]
    assert evaluation_periods(CYCLE, "commissioner", POLICY) == [(CYCLE.start, CYCLE.end)]


def test_envoys_yearly_commissioners_at_cycle_end():
    assert evaluations_due(SPANS, [CYCLE], date(2025, 12, 31), POLICY) == []
    got = evaluations_due(SPANS, [CYCLE], date(2026, 1, 1), POLICY)
    assert [(e.person_id, e.role, e.period_start, e.period_end, e.due_date) for e in got] == [
        ("env", "envoy", date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1))]
    assert got[0].cycle_id == 7 and got[0].assignment_ids == (1,)
    assert got[0].key == "eval:envoy:env:2025-07-01:2025-12-31"
    # Just before the cycle ends: two envoy years, no commissioner yet.
    got = evaluations_due(SPANS, [CYCLE], date(2027, 6, 30), POLICY)
    assert {(e.person_id, e.period_start.year) for e in got} == {
        ("env", 2025), ("env", 2026), ("late", 2026)}
    got = evaluations_due(SPANS, [CYCLE], date(2027, 7, 1), POLICY)
    com = [e for e in got if e.role == "commissioner"]
    assert [(e.person_id, e.period_start, e.period_end, e.assignment_ids) for e in com] == [
        ("com", CYCLE.start, CYCLE.end, (2, 3))]
    assert len([e for e in got if e.role == "envoy"]) == 5  # env x3, late x2


def test_done_evaluations_drop_out():
    done = {"eval:envoy:env:2025-07-01:2025-12-31"}
    assert evaluations_due(SPANS, [CYCLE], date(2026, 1, 1), POLICY, done) == []


def test_cycle_end_notice():
    c = Cycle(1, date(2026, 1, 1), date(2027, 12, 31))
    assert cycle_end_notices([c], date(2027, 11, 30), NO_SKIP) == []
    (n,) = cycle_end_notices([c], date(2027, 12, 1), NO_SKIP)
    assert (n.key, n.cycle_id, n.days_left, n.cycle_end) == ("cycle:1:end-notice", 1, 30, c.end)
    assert cycle_end_notices([c], date(2027, 12, 1), NO_SKIP, {"cycle:1:end-notice"}) == []
    assert cycle_end_notices([c], date(2028, 1, 1), NO_SKIP) == []
    # With the working-day rule: silent on Saturday 4 December 2027, sent on Monday.
    assert cycle_end_notices([c], date(2027, 12, 4), POLICY) == []
    assert cycle_end_notices([c], date(2027, 12, 6), POLICY)[0].days_left == 25


# ── evaluation periods by code, and the pack's window outcomes ─────────


def test_period_codes_and_lookup():
    assert [p.code for p in periods_of([CYCLE], "envoy", POLICY)] == ["2025", "2026", "2027"]
    first = periods_of([CYCLE], "envoy", POLICY)[0]
    assert (first.start, first.end) == (
        date(2025, 7, 1), date(2025, 12, 31))  # clipped to the cycle
    assert [p.code for p in periods_of([CYCLE], "commissioner", POLICY)] == ["2025-2027"]
    found = period_by_code("2026", [CYCLE], "envoy", POLICY)
    assert found is not None and (found.start, found.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert period_by_code("2026", [CYCLE], "commissioner", POLICY) is None
    assert period_by_code(" 2025-2027 ", [CYCLE], "commissioner", POLICY) is not None
    # a year cut in two by cycles ending mid-year: the longer part is meant
    cycles = [Cycle(1, date(2024, 7, 1), date(2026, 6, 30)),
              Cycle(2, date(2026, 7, 1), date(2028, 6, 30))]
    split = period_by_code("2026", cycles, "envoy", POLICY)
    assert split is not None and (split.cycle_id, split.start, split.end) == (
        2, date(2026, 7, 1), date(2026, 12, 31))  # 184 days against January–June's 181


def test_default_period_is_the_latest_ended():
    assert default_period([CYCLE], "envoy", date(2027, 1, 5), POLICY).code == "2026"
    assert default_period([CYCLE], "envoy", date(2025, 8, 1), POLICY).code == "2025"  # running
    assert default_period([CYCLE], "commissioner", date(2026, 1, 5), POLICY).code == "2025-2027"
    assert default_period([], "envoy", date(2026, 1, 1), POLICY) is None


def _visit(aid, day, recorded=None, mode="on_site"):
    return RecordedVisit(aid, day, recorded or day, mode)


def test_window_outcomes_met_late_missed_waived_due():
    envoy = span(1, "env", "envoy")
    visits = [
        _visit(1, date(2026, 2, 1)),                        # Q1: met on time
        _visit(1, date(2026, 5, 1), date(2026, 7, 2)),      # Q2: recorded after 30 June: late
        _visit(1, date(2026, 8, 1), mode="phone"),          # Q3: off site only: missed
        _visit(1, date(2026, 11, 2)),                       # Q4: running, met already
    ]
    got = window_outcomes([envoy], visits, date(2026, 1, 1), date(2026, 12, 31),
                          date(2026, 11, 20), POLICY)
    assert [(o.window_start.month, o.state, o.counted, o.counted_on_time) for o in got] == [
        (1, "met", 1, 1), (4, "late", 1, 0), (7, "missed", 0, 0), (10, "met", 1, 1)]
    assert got[2].last_visit == date(2026, 8, 1)  # any mode
    # a window still running and not met is due; one not started, upcoming
    running = window_outcomes([envoy], [], date(2026, 1, 1), date(2026, 12, 31),
                              date(2026, 11, 20), POLICY)
    assert [o.state for o in running] == ["missed", "missed", "missed", "due"]
    early = window_outcomes([envoy], [], date(2025, 7, 1), date(2026, 12, 31),
                            date(2025, 8, 1), POLICY)
    assert [o.state for o in early][:2] == ["due", "upcoming"]
    # a clipped window shorter than the threshold is waived; visits after today are ignored
    late_start = span(4, "late", "envoy", start=date(2026, 3, 20))
    got = window_outcomes([late_start], [_visit(4, date(2026, 5, 1))], date(2026, 1, 1),
                          date(2026, 12, 31), date(2026, 4, 15), POLICY)
    assert [(o.window_start, o.state) for o in got][:2] == [
        (date(2026, 3, 20), "waived"), (date(2026, 4, 1), "due")]


def test_window_outcomes_keep_to_the_period():
    com = span(2, "com", "commissioner")
    got = window_outcomes([com], [], date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 5),
                          POLICY)
    assert [(o.window_start, o.window_end, o.state) for o in got] == [
        (date(2026, 1, 1), date(2026, 12, 31), "missed")]
