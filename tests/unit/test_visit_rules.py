"""The visit conversation's pure rules (no Telegram, no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
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


def test_a_summary_needs_words_and_items_need_letters():
    data: dict = {}
    for text in ("👍" * 12, "。。。。。。。。。。。", "1234567890!!", "🙂🙂🙂 ok 🙂🙂🙂"):
        with pytest.raises(Refusal) as exc:
            v.handle(Step.SUMMARY, data, Text(text), CTX)
        assert exc.value.code == "visit.summary_no_words", text
    assert v.handle(Step.SUMMARY, data, Text("了解专利布局👍👍👍👍"), CTX) is Step.NEEDS
    for step in (Step.NEEDS, Step.FOLLOWUPS):
        with pytest.raises(Refusal, match="no_words"):
            v.handle(step, {"followups": []}, Text("。。。。"), CTX)


@pytest.mark.parametrize(("lat", "lon"), [(0.0, 0.0), (91, 0), (0, 181), (float("nan"), 1)])
def test_impossible_locations_are_refused(lat, lon):
    data = {"mode": "on_site"}
    with pytest.raises(Refusal, match="bad_location"):
        v.handle(Step.LOCATION, data, Location(lat, lon, False), CTX)
    assert data == {"mode": "on_site"}


WORDS = st.text(alphabet="服务了解专利政策企业需求培训", min_size=5, max_size=40)


@st.composite
def one_step(draw, step: Step, data: dict):  # type: ignore[no-untyped-def]
    """A valid input for ``step`` given ``data`` (what a careful person would send)."""
    if step is Step.WHOM:
        return Press("whom", draw(st.sampled_from(["1", "2"])))
    if step is Step.WHEN:
        start = date(2026, 6, 1) if data.get("assignment_id") == 2 else date(2026, 1, 1)
        day = draw(st.dates(start, TODAY))
        return draw(st.sampled_from([Text(day.isoformat()), Text(f"{day.month}月{day.day}日")
                                     if day.year == TODAY.year else Text(day.isoformat()),
                                     Press("when", "today"), Press("when", "yesterday")]))
    if step is Step.HOW:
        return Press("how", draw(st.sampled_from(v.MODES)))
    if step is Step.WHAT:
        if data.get("tasks"):
            return Press("what", "next")
        return Press("what", draw(st.sampled_from(TASKS)))
    if step is Step.SUMMARY:
        return Text(draw(WORDS).ljust(10, "政"))
    if step is Step.NEEDS:
        return draw(st.one_of(st.just(Press("needs", "skip")), st.builds(Text, WORDS)))
    if step is Step.FOLLOWUPS:
        if len(data.get("followups", [])) < 3 and draw(st.booleans()):
            return Text(draw(WORDS))
        return Press("followups", "done" if data.get("followups") else "skip")
    if step is Step.LOCATION:
        return draw(st.one_of(st.just(Press("location", "skip")), st.builds(
            Location, st.floats(18, 54), st.floats(73, 135), st.booleans())))
    if step is Step.PHOTOS:
        if len(data.get("photos", [])) < 2 and draw(st.booleans()):
            return Photo(draw(st.text(min_size=1, max_size=4)),
                         draw(st.text(min_size=1, max_size=4)))
        return Press("photos", "done" if data.get("photos") else "skip")
    return Press("integrity", "yes")


ANY_INPUT = st.one_of(
    st.builds(Text, st.text(max_size=30)),
    st.builds(Press, st.sampled_from([s.value for s in Step]), st.text(max_size=12)),
    st.builds(Location, st.floats(-200, 200), st.floats(-200, 200), st.booleans()),
    st.builds(Photo, st.text(max_size=5), st.text(max_size=5)),
    st.builds(Other, st.sampled_from(["sticker", "voice"])))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_valid_answers_reach_the_review_card_and_stray_input_changes_nothing(data):
    """A conversation of valid answers (with stray input mixed in) always ends at the review
    card with every required field filled, and each stray input that is refused leaves the
    draft exactly as it was."""
    step, draft = Step.WHOM, v.new_draft([A, B])
    visited, strays = [], 0
    for _ in range(60):
        if step is Step.REVIEW:
            break
        visited.append(step)
        if strays < 15 and data.draw(st.integers(0, 3)) == 0:  # now and then, other input
            strays += 1
            before = dict(draft)
            try:
                step = v.handle(step, draft, data.draw(ANY_INPUT), CTX)
            except Refusal:
                assert draft == before
            continue
        step = v.handle(step, draft, data.draw(one_step(step, draft)), CTX)
    assert step is Step.REVIEW, visited
    assert v.missing(draft) == []
    assert (draft["mode"] == "on_site") == ("location" in draft)
    assert set(draft["tasks"]) <= set(TASKS) and len(draft["photos"]) <= CTX.limits.max_photos
    assert {Step.WHEN, Step.HOW, Step.WHAT, Step.SUMMARY, Step.INTEGRITY} <= set(visited)
