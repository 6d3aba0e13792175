"""The visit conversation as pure rules: its steps, their order, what each accepts.

A draft is a plain dict (stored as JSON) so that it survives restarts as it is; this module
reads and changes it, and never touches Telegram or the database.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Step(StrEnum):
    WHOM = "whom"
    WHEN = "when"
    HOW = "how"
    WHAT = "what"
    SUMMARY = "summary"
    NEEDS = "needs"
    FOLLOWUPS = "followups"
    LOCATION = "location"
    PHOTOS = "photos"
    INTEGRITY = "integrity"
    REVIEW = "review"
    PICK = "pick"      # choosing which field to change from the review card
    REASON = "reason"  # editing a submitted visit: why


ORDER: tuple[Step, ...] = (
    Step.WHOM, Step.WHEN, Step.HOW, Step.WHAT, Step.SUMMARY, Step.NEEDS, Step.FOLLOWUPS,
    Step.LOCATION, Step.PHOTOS, Step.INTEGRITY, Step.REVIEW,
)
# Fields that 修改 (change) offers on the review card, each reopening its step.
EDITABLE: tuple[Step, ...] = (
    Step.WHOM, Step.WHEN, Step.HOW, Step.WHAT, Step.SUMMARY, Step.NEEDS, Step.FOLLOWUPS,
    Step.LOCATION, Step.PHOTOS,
)
MODES: tuple[str, ...] = ("on_site", "phone", "video", "online")
COUNTING_DEFAULT: frozenset[str] = frozenset({"on_site"})
MAX_FOLLOWUPS = 10
MAX_FOLLOWUP_CHARS = 500
MAX_NEEDS_CHARS = 2000


@dataclass(frozen=True)
class Limits:
    summary_min: int = 10
    summary_max: int = 2000
    max_photos: int = 10
    summary_min_letters: int = 5  # a summary says something: letters, not emoji or dots


def letters(text: str) -> int:
    """How many letters (CJK characters included) ``text`` has; emoji, digits and
    punctuation are not letters."""
    return sum(1 for ch in text if unicodedata.category(ch).startswith("L"))


@dataclass(frozen=True)
class Target:
    """An assignment the person may log a visit for."""

    assignment_id: int
    name: str
    start: date  # the later of the assignment's and the cycle's start
    end: date    # the earlier of the assignment's and the cycle's end


class Refusal(Exception):
    """Input the current step does not accept: a catalog key and its values."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


def first_step(targets: Sequence[Target]) -> Step:
    return Step.WHEN if len(targets) == 1 else Step.WHOM


def new_draft(targets: Sequence[Target]) -> dict[str, Any]:
    data: dict[str, Any] = {"tasks": [], "followups": [], "photos": []}
    if len(targets) == 1:
        data["assignment_id"] = targets[0].assignment_id
    return data


def next_step(step: Step, data: dict[str, Any]) -> Step:
    """The step after ``step``: back to the review card when a single field was being changed."""
    if data.get("changing"):
        data.pop("changing")
        if step is Step.HOW and data.get("mode") == "on_site" and "location" not in data:
            data["changing"] = True
            return Step.LOCATION
        return Step.REVIEW
    index = ORDER.index(step) + 1
    while ORDER[index] is Step.LOCATION and data.get("mode") != "on_site":
        index += 1
    return ORDER[index]


def choose_target(data: dict[str, Any], targets: Sequence[Target], assignment_id: int) -> None:
    target = next((t for t in targets if t.assignment_id == assignment_id), None)
    if target is None:
        raise Refusal("visit.stale_button")
    if data.get("assignment_id") != assignment_id and "visit_date" in data:
        day = date.fromisoformat(data["visit_date"])
        if not target.start <= day <= target.end:
            data.pop("visit_date")  # no longer valid for the new target; asked again
    data["assignment_id"] = assignment_id


def target_of(data: dict[str, Any], targets: Sequence[Target]) -> Target | None:
    return next((t for t in targets if t.assignment_id == data.get("assignment_id")), None)


def set_date(data: dict[str, Any], day: date | None, today: date, target: Target) -> None:
    if day is None:
        raise Refusal("visit.bad_date")
    if day > today:
        raise Refusal("visit.future_date", day=day)
    if day < target.start:
        raise Refusal("visit.before_start", day=day, start=target.start)
    if day > target.end:
        raise Refusal("visit.after_end", day=day, end=target.end)
    data["visit_date"] = day.isoformat()


def set_mode(data: dict[str, Any], mode: str) -> None:
    if mode not in MODES:
        raise Refusal("visit.stale_button")
    if mode != "on_site":
        data.pop("location", None)
    data["mode"] = mode


def toggle_task(data: dict[str, Any], task: str, allowed: Sequence[str]) -> None:
    if task not in allowed:
        raise Refusal("visit.stale_button")
    tasks: list[str] = list(data.get("tasks", []))
    if task in tasks:
        tasks.remove(task)
    else:
        tasks.append(task)
    data["tasks"] = [t for t in allowed if t in tasks]


def finish_tasks(data: dict[str, Any]) -> None:
    if not data.get("tasks"):
        raise Refusal("visit.no_tasks")


def set_summary(data: dict[str, Any], text: str, limits: Limits) -> None:
    text = text.strip()
    if len(text) < limits.summary_min:
        raise Refusal("visit.summary_short", min=limits.summary_min, have=len(text))
    if len(text) > limits.summary_max:
        raise Refusal("visit.summary_long", max=limits.summary_max, have=len(text))
    if letters(text) < limits.summary_min_letters:
        raise Refusal("visit.summary_no_words", min=limits.summary_min_letters)
    data["summary"] = text


def set_needs(data: dict[str, Any], text: str | None) -> None:
    text = (text or "").strip()
    if len(text) > MAX_NEEDS_CHARS:
        raise Refusal("visit.text_long", max=MAX_NEEDS_CHARS, have=len(text))
    if text and letters(text) == 0:
        raise Refusal("visit.no_words")
    data["needs"] = text or None


def add_followup(data: dict[str, Any], text: str) -> None:
    text = text.strip()
    items: list[str] = list(data.get("followups", []))
    if not text:
        raise Refusal("visit.expect_followups")
    if letters(text) == 0:
        raise Refusal("visit.no_words")
    if len(text) > MAX_FOLLOWUP_CHARS:
        raise Refusal("visit.text_long", max=MAX_FOLLOWUP_CHARS, have=len(text))
    if len(items) >= MAX_FOLLOWUPS:
        raise Refusal("visit.followups_full", max=MAX_FOLLOWUPS)
    data["followups"] = [*items, text]


def set_location(data: dict[str, Any], lat: float, lon: float, live: bool) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise Refusal("visit.bad_location")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Refusal("visit.bad_location")
    if abs(lat) < 1e-6 and abs(lon) < 1e-6:  # "null island": a device with no fix sends (0, 0)
        raise Refusal("visit.bad_location")
    data["location"] = {"lat": lat, "lon": lon, "live": live}


def skip_location(data: dict[str, Any]) -> None:
    data["location"] = None


def add_photo(data: dict[str, Any], file_id: str, unique_id: str, limits: Limits) -> int:
    photos: list[dict[str, str]] = list(data.get("photos", []))
    if any(p["unique"] == unique_id for p in photos):
        return len(photos)
    if len(photos) >= limits.max_photos:
        raise Refusal("visit.photos_full", max=limits.max_photos)
    data["photos"] = [*photos, {"file_id": file_id, "unique": unique_id}]
    return len(data["photos"])


def confirm_integrity(data: dict[str, Any]) -> None:
    data["integrity"] = True


def missing(data: dict[str, Any]) -> list[Step]:
    """Required fields still unanswered (the review card refuses to submit until none)."""
    need = [(Step.WHOM, "assignment_id"), (Step.WHEN, "visit_date"), (Step.HOW, "mode"),
            (Step.SUMMARY, "summary")]
    out = [step for step, key in need if not data.get(key)]
    if not data.get("tasks"):
        out.append(Step.WHAT)
    if not data.get("integrity"):
        out.append(Step.INTEGRITY)
    return out


def counts_toward_obligation(mode: str, counting: frozenset[str] = COUNTING_DEFAULT) -> bool:
    return mode in counting


# ── inputs and the dispatcher ─────────────────────────────────────────


@dataclass(frozen=True)
class Press:
    """An inline button: the step it belongs to and its value."""

    step: str
    value: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    live: bool


@dataclass(frozen=True)
class Photo:
    file_id: str
    unique_id: str
    album: str | None = None  # Telegram's media_group_id: photos sent together


@dataclass(frozen=True)
class Skip:
    """The reply keyboard's skip button (the location step), typed as text."""

    text: str


@dataclass(frozen=True)
class Other:
    """Anything else: a sticker, a voice note, a document, a command…"""

    kind: str


Input = Press | Text | Location | Photo | Skip | Other


@dataclass(frozen=True)
class Context:
    targets: Sequence[Target]
    tasks: Sequence[str]
    today: date
    limits: Limits = Limits()


SKIP, DONE, NEXT = "skip", "done", "next"
EXPECT: dict[Step, str] = {
    Step.WHOM: "visit.expect_whom", Step.WHEN: "visit.expect_when", Step.HOW: "visit.expect_how",
    Step.WHAT: "visit.expect_what", Step.SUMMARY: "visit.expect_summary",
    Step.NEEDS: "visit.expect_needs", Step.FOLLOWUPS: "visit.expect_followups",
    Step.LOCATION: "visit.expect_location", Step.PHOTOS: "visit.expect_photos",
    Step.INTEGRITY: "visit.expect_integrity", Step.REVIEW: "visit.expect_review",
    Step.PICK: "visit.expect_pick", Step.REASON: "visit.expect_reason",
}


def handle(step: Step, data: dict[str, Any], inp: Input, ctx: Context) -> Step:
    """Apply ``inp`` at ``step`` to ``data`` (in place); return the step to show next.

    Raises :class:`Refusal` for input this step does not take; ``data`` is then unchanged.
    Submitting, cancelling and the edit reason are the service's business (they touch more
    than the draft), so the review card's submit/cancel presses are not handled here.
    """
    if isinstance(inp, Press) and inp.step != step.value:
        raise Refusal("visit.stale_button")
    before = dict(data)
    try:
        return _dispatch(step, data, inp, ctx)
    except Refusal:
        data.clear()
        data.update(before)
        raise


def _dispatch(step: Step, data: dict[str, Any], inp: Input, ctx: Context) -> Step:
    if step is Step.WHOM and isinstance(inp, Press):
        choose_target(data, ctx.targets, _int(inp.value))
        if "visit_date" not in data and data.get("changing"):
            return Step.WHEN  # the date no longer fits the new target: ask it again
        return next_step(step, data)
    if step is Step.WHEN and isinstance(inp, Press | Text):
        from bot.domain.dates import parse_day

        target = target_of(data, ctx.targets)
        if target is None:
            raise Refusal("visit.stale_button")
        value = inp.value if isinstance(inp, Press) else inp.text
        day = (ctx.today if value == "today" else
               date.fromordinal(ctx.today.toordinal() - 1) if value == "yesterday" else
               parse_day(value, ctx.today))
        set_date(data, day, ctx.today, target)
        return next_step(step, data)
    if step is Step.HOW and isinstance(inp, Press):
        set_mode(data, inp.value)
        return next_step(step, data)
    if step is Step.WHAT and isinstance(inp, Press):
        if inp.value == NEXT:
            finish_tasks(data)
            return next_step(step, data)
        toggle_task(data, inp.value, ctx.tasks)
        return step
    if step is Step.SUMMARY and isinstance(inp, Text):
        set_summary(data, inp.text, ctx.limits)
        return next_step(step, data)
    if step is Step.NEEDS:
        if isinstance(inp, Press) and inp.value == SKIP:
            set_needs(data, None)
            return next_step(step, data)
        if isinstance(inp, Text):
            set_needs(data, inp.text)
            return next_step(step, data)
    if step is Step.FOLLOWUPS:
        if isinstance(inp, Press) and inp.value in (SKIP, DONE):
            return next_step(step, data)
        if isinstance(inp, Press) and inp.value == "clear":
            data["followups"] = []
            return step
        if isinstance(inp, Text):
            add_followup(data, inp.text)
            return step
    if step is Step.LOCATION:
        if isinstance(inp, Location):
            set_location(data, inp.lat, inp.lon, inp.live)
            return next_step(step, data)
        if isinstance(inp, Press) and inp.value == SKIP:
            skip_location(data)
            return next_step(step, data)
    if step is Step.PHOTOS:
        if isinstance(inp, Photo):
            add_photo(data, inp.file_id, inp.unique_id, ctx.limits)
            return step
        if isinstance(inp, Press) and inp.value in (SKIP, DONE):
            return next_step(step, data)
        if isinstance(inp, Press) and inp.value == "clear":
            data["photos"] = []
            return step
    if step is Step.INTEGRITY and isinstance(inp, Press) and inp.value == "yes":
        confirm_integrity(data)
        return next_step(step, data)
    if step is Step.REVIEW and isinstance(inp, Press) and inp.value == "change":
        return Step.PICK
    if step is Step.PICK and isinstance(inp, Press):
        if inp.value == "back":
            return Step.REVIEW
        try:
            field = Step(inp.value)
        except ValueError:
            raise Refusal("visit.stale_button") from None
        if field not in EDITABLE or (field is Step.WHOM and len(ctx.targets) < 2) or (
                field is Step.LOCATION and data.get("mode") != "on_site"):
            raise Refusal("visit.stale_button")
        data["changing"] = True
        return field
    if isinstance(inp, Press):
        raise Refusal("visit.stale_button")
    raise Refusal(EXPECT[step])


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Refusal("visit.stale_button") from None
