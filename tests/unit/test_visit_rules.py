"""The visit conversation's pure rules (no Telegram, no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import visits as v
from bot.domain.visits import Context, Limits, Location, Other, Photo, Press, Refusal, Step, Text

TODAY = date(2026, 11, 21)
A = v.Target(1, "浙江大学", date(2026, 1, 1), date(2027, 12, 31))
B = v.Target(2, "之江实验室", date(2026, 6, 1), date(2027, 12, 31))
TASKS = ("publicize_policy", "answer_consultations", "understand_situation")
CTX = Context([A, B], TASKS, TODAY, Limits(10, 2000, 2))


def test_one_target_skips_whom_and_two_do_not():
    assert v.first_step([A]) is Step.WHEN and v.new_draft([A])["assignment_id"] == 1
    assert v.first_step([A, B]) is Step.WHOM and "assignment_id" not in v.new_draft([A, B])


def test_location_is_asked_only_for_on_site_visits():
    data: dict = {"mode": "phone"}
    assert v.next_step(Step.FOLLOWUPS, data) is Step.PHOTOS
    data["mode"] = "on_site"
    assert v.next_step(Step.FOLLOWUPS, data) is Step.LOCATION


def test_dates_refused_with_reasons_and_data_untouched():
    data = {"assignment_id": 2, "tasks": []}
    for text, code in [("明年", "visit.bad_date"), ("2026-11-22", "visit.future_date"),
                       ("2026-05-31", "visit.before_start")]:
        with pytest.raises(Refusal) as exc:
            v.handle(Step.WHEN, data, Text(text), CTX)
        assert exc.value.code == code
        assert data == {"assignment_id": 2, "tasks": []}
    assert v.handle(Step.WHEN, data, Press("when", "yesterday"), CTX) is Step.HOW
    assert data["visit_date"] == "2026-11-20"


def test_tasks_toggle_in_policy_order_and_need_one():
    data: dict = {"tasks": []}
    with pytest.raises(Refusal, match="no_tasks"):
        v.handle(Step.WHAT, data, Press("what", "next"), CTX)
    v.handle(Step.WHAT, data, Press("what", "understand_situation"), CTX)
    v.handle(Step.WHAT, data, Press("what", "publicize_policy"), CTX)
    assert data["tasks"] == ["publicize_policy", "understand_situation"]
    v.handle(Step.WHAT, data, Press("what", "publicize_policy"), CTX)
    assert data["tasks"] == ["understand_situation"]
    with pytest.raises(Refusal, match="stale"):
        v.handle(Step.WHAT, data, Press("what", "steal_secrets"), CTX)


def test_summary_length_and_wrong_kinds_of_input():
    data: dict = {}
    for inp, code in [(Text("短"), "visit.summary_short"),
                      (Text("长" * 2001), "visit.summary_long"),
                      (Other("sticker"), "visit.expect_summary"),
                      (Photo("f", "u"), "visit.expect_summary")]:
        with pytest.raises(Refusal) as exc:
            v.handle(Step.SUMMARY, data, inp, CTX)
        assert exc.value.code == code
    assert data == {}


def test_photos_deduplicate_and_stop_at_the_limit():
    data: dict = {"photos": []}
    v.handle(Step.PHOTOS, data, Photo("f1", "u1"), CTX)
    v.handle(Step.PHOTOS, data, Photo("f1-again", "u1"), CTX)  # same picture twice
    v.handle(Step.PHOTOS, data, Photo("f2", "u2"), CTX)
    with pytest.raises(Refusal, match="photos_full"):
        v.handle(Step.PHOTOS, data, Photo("f3", "u3"), CTX)
    assert [p["unique"] for p in data["photos"]] == ["u1", "u2"]


def test_changing_one_field_returns_to_the_review_card():
    data = {"assignment_id": 1, "visit_date": "2026-11-20", "mode": "phone", "tasks": ["x"],
            "summary": "s" * 10, "integrity": True}
    assert v.handle(Step.REVIEW, data, Press("review", "change"), CTX) is Step.PICK
    assert v.handle(Step.PICK, data, Press("pick", "how"), CTX) is Step.HOW
    # switching to on site asks for the location before going back to the card
    assert v.handle(Step.HOW, data, Press("how", "on_site"), CTX) is Step.LOCATION
    assert v.handle(Step.LOCATION, data, Location(30.2, 120.1, False), CTX) is Step.REVIEW
    assert v.missing(data) == []


def test_changing_target_drops_a_date_outside_the_new_assignment():
    data = {"assignment_id": 1, "visit_date": "2026-03-01", "changing": True}
    assert v.handle(Step.WHOM, data, Press("whom", "2"), CTX) is Step.WHEN
    assert "visit_date" not in data


def test_a_press_for_another_step_is_stale():
    with pytest.raises(Refusal, match="stale"):
        v.handle(Step.SUMMARY, {}, Press("when", "today"), CTX)


@given(st.lists(st.one_of(
    st.builds(Text, st.text(max_size=30)),
    st.builds(Press, st.sampled_from([s.value for s in Step]), st.text(max_size=12)),
    st.builds(Location, st.floats(-200, 200), st.floats(-200, 200), st.booleans()),
    st.builds(Photo, st.text(max_size=5), st.text(max_size=5)),
    st.builds(Other, st.sampled_from(["sticker", "voice"]))), max_size=25))
def test_any_input_sequence_either_moves_on_or_refuses_without_change(inputs):
    step, data = Step.WHOM, v.new_draft([A, B])
    for inp in inputs:
        before = dict(data)
        try:
            step = v.handle(step, data, inp, CTX)
        except Refusal:
            assert data == before
        assert isinstance(step, Step)
