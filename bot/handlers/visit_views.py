"""Rendering the visit conversation: each step's text and buttons, the review card.

Callback data is ``v:<draft id>:<step>:<value>`` (well under Telegram's 64 bytes).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.domain.visits import ORDER, Step
from bot.i18n import raw, t
from bot.services.visits import DraftState

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None
PREFIX = "v"


def data(draft_id: int, step: Step | str, value: str) -> str:
    return f"{PREFIX}:{draft_id}:{step}:{value}"


def parse(callback_data: str) -> tuple[int, str, str] | None:
    parts = callback_data.split(":", 3)
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[2], parts[3]


def _btn(text: str, draft_id: int, step: Step | str, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data(draft_id, step, value))


def task_label(state: DraftState, key: str, lang: str) -> str:
    task = next((x for x in state.tasks if x.key == key), None)
    return (task.en if lang == "en" else task.zh) if task else key


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(raw("visit.btn_location", lang), request_location=True)],
         [KeyboardButton(raw("visit.btn_skip", lang))]],
        resize_keyboard=True, one_time_keyboard=True)


def render(state: DraftState, lang: str) -> tuple[str, Markup]:
    """The prompt for the draft's current step."""
    s, d, i = state.step, state.data, state.draft_id
    header = _header(state, lang)
    if s is Step.WHOM:
        rows = [[_btn(tg.name, i, s, str(tg.assignment_id))] for tg in state.targets]
        return f"{header}\n{t('visit.ask_whom', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.WHEN:
        rows = [[_btn(raw("visit.btn_today", lang), i, s, "today"),
                 _btn(raw("visit.btn_yesterday", lang), i, s, "yesterday")]]
        return f"{header}\n{t('visit.ask_when', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.HOW:
        rows = [[_btn(raw("mode.on_site", lang), i, s, "on_site")],
                [_btn(raw(f"mode.{m}", lang), i, s, m) for m in ("phone", "video", "online")]]
        return f"{header}\n{t('visit.ask_how', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.WHAT:
        chosen = set(d.get("tasks", []))
        buttons = [_btn(("✅ " if x.key in chosen else "▫️ ") + task_label(state, x.key, lang),
                        i, s, x.key) for x in state.tasks]
        rows = [buttons[k:k + 2] for k in range(0, len(buttons), 2)]
        rows.append([_btn(raw("visit.btn_next", lang), i, s, "next")])
        return f"{header}\n{t('visit.ask_what', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.SUMMARY:
        text = t("visit.ask_summary", lang, min=state.limits.summary_min,
                 max=state.limits.summary_max)
        return f"{header}\n{text}", None
    if s is Step.NEEDS:
        rows = [[_btn(raw("visit.btn_skip", lang), i, s, "skip")]]
        return f"{header}\n{t('visit.ask_needs', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.FOLLOWUPS:
        items = d.get("followups", [])
        text = f"{header}\n{t('visit.ask_followups', lang)}"
        if items:
            text += "\n\n" + t("visit.followups_so_far", lang) + "\n" + "\n".join(
                t("history.line_item", lang, n=k + 1, text=x) for k, x in enumerate(items))
        row = [_btn(raw("visit.btn_done" if items else "visit.btn_skip", lang), i, s,
                    "done" if items else "skip")]
        if items:
            row.append(_btn(raw("visit.btn_clear", lang), i, s, "clear"))
        return text, InlineKeyboardMarkup([row])
    if s is Step.LOCATION:
        return f"{header}\n{t('visit.ask_location', lang)}", location_keyboard(lang)
    if s is Step.PHOTOS:
        count = len(d.get("photos", []))
        text = t("visit.ask_photos", lang, max=state.limits.max_photos, count=count)
        row = [_btn(raw("visit.btn_done" if count else "visit.btn_skip", lang), i, s,
                    "done" if count else "skip")]
        if count:
            row.append(_btn(raw("visit.btn_clear", lang), i, s, "clear"))
        return f"{header}\n{text}", InlineKeyboardMarkup([row])
    if s is Step.INTEGRITY:
        rows = [[_btn(raw("visit.btn_integrity", lang), i, s, "yes")]]
        return f"{header}\n{t('visit.ask_integrity', lang)}", InlineKeyboardMarkup(rows)
    if s is Step.REVIEW:
        rows = [[_btn(raw("visit.btn_submit", lang), i, s, "submit")],
                [_btn(raw("visit.btn_change", lang), i, s, "change"),
                 _btn(raw("visit.btn_cancel", lang), i, s, "cancel")]]
        return card(state, lang), InlineKeyboardMarkup(rows)
    if s is Step.PICK:
        fields = [Step.WHEN, Step.HOW, Step.WHAT, Step.SUMMARY, Step.NEEDS, Step.FOLLOWUPS,
                  Step.PHOTOS]
        if len(state.targets) > 1:
            fields.insert(0, Step.WHOM)
        if d.get("mode") == "on_site":
            fields.insert(fields.index(Step.PHOTOS), Step.LOCATION)
        buttons = [_btn(raw(f"visit.f_{f}", lang), i, s, f.value) for f in fields]
        rows = [buttons[k:k + 3] for k in range(0, len(buttons), 3)]
        rows.append([_btn(raw("visit.btn_back", lang), i, s, "back")])
        return t("visit.ask_pick", lang), InlineKeyboardMarkup(rows)
    return t("visit.ask_reason", lang), None  # Step.REASON


def _header(state: DraftState, lang: str) -> str:
    if state.editing:
        return t("visit.editing_banner", lang, number=state.editing)
    steps = [x for x in ORDER if x is not Step.REVIEW and (
        x is not Step.LOCATION or state.data.get("mode", "on_site") == "on_site") and (
        x is not Step.WHOM or len(state.targets) > 1)]
    n = steps.index(state.step) + 1 if state.step in steps else len(steps)
    return t("visit.progress", lang, n=n, total=len(steps))


def card(state: DraftState, lang: str) -> str:
    """The review card: every field on one message."""
    d = state.data
    none = raw("visit.f_none", lang)
    target = state.target.name if state.target else none
    mode = d.get("mode")
    mode_text = (raw(f"mode_short.{mode}", lang) + raw(
        "visit.counts_note" if mode == "on_site" else "visit.not_counts_note", lang)
                 ) if mode else none
    sep = raw("sep.list", lang)
    tasks = sep.join(task_label(state, k, lang) for k in d.get("tasks", [])) or none
    items = d.get("followups", [])
    loc = d.get("location")
    location = raw("visit.f_location_value", lang, lat=loc["lat"], lon=loc["lon"],
                   live=raw("visit.f_live", lang) if loc.get("live") else "") if loc else none
    rows: list[tuple[str, Any]] = [
        ("whom", target), ("when", d.get("visit_date") or none), ("how", mode_text),
        ("what", tasks), ("summary", d.get("summary") or none),
        ("needs", d.get("needs") or none),
        ("followups", raw("sep.items", lang).join(items) if items else none),
    ]
    if mode == "on_site":
        rows.append(("location", location))
    rows += [("photos", raw("visit.f_photos_value", lang, count=len(d.get("photos", [])))),
             ("integrity", raw("visit.f_confirmed", lang) if d.get("integrity") else none)]
    lines = [_header(state, lang), t("visit.review_title", lang), ""]
    lines += [t("visit.card_row", lang, label=raw(f"visit.f_{k}", lang), value=v)
              for k, v in rows]
    return "\n".join(lines)


def visit_day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()
