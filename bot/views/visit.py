"""The visit conversation on screen: each step's prompt and buttons, the visit card (review
and history alike), the replies after each input, and the messages owed to the served side.

Button steps edit the pressed message in place (one Bot API call); typed input gets a new
message; photos sent as an album are acknowledged by one message, edited as they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.delivery.out import Out, edit_text, message
from bot.domain.visits import ORDER, Step
from bot.i18n import raw, t
from bot.render import problem
from bot.services.obligations import StatusLine
from bot.services.visits import (
    ConfirmationRequest,
    DraftState,
    Opened,
    Outcome,
    Submitted,
    Withdrawn,
)
from bot.views import callbacks as cb
from bot.views.common import menu_keyboard, period_label
from bot.views.markup import Markup, button, inline, location_keyboard
from bot.views.reply import Replier
from scheduler.policy import Policy, TaskDef


def _btn(text: str, draft_id: int, step: Step | str, value: str) -> dict[str, str]:
    return button(text, cb.encode(cb.VISIT, str(step), draft_id, value))


def task_label(tasks: Sequence[TaskDef], key: str, lang: str) -> str:
    task = next((x for x in tasks if x.key == key), None)
    return (task.en if lang == "en" else task.zh) if task else key


# ── the visit card ────────────────────────────────────────────────────


@dataclass(frozen=True)
class Card:
    """Every field of a visit, whether a draft under review or a submitted visit."""

    target: str | None
    visit_date: str | None
    mode: str | None
    tasks: list[str]
    summary: str | None
    needs: str | None
    followups: list[str]
    location: dict[str, Any] | None
    photos: int
    integrity: bool | None = None            # shown for drafts only
    confirmations: list[tuple[str, int | None]] | None = None  # shown for visits only


def card_of_draft(state: DraftState, lang: str) -> Card:
    d = state.data
    return Card(state.target.name if state.target else None, d.get("visit_date"),
                d.get("mode"), [task_label(state.tasks, k, lang) for k in d.get("tasks", [])],
                d.get("summary"), d.get("needs"), list(d.get("followups", [])),
                d.get("location"), len(d.get("photos", [])), bool(d.get("integrity")))


def card_of_visit(v: Any, lang: str, policy: Policy) -> Card:
    tasks = policy.role(v.role).tasks
    return Card(v.target, v.visit_date.isoformat(), v.mode,
                [task_label(tasks, k, lang) for k in v.tasks], v.summary, v.needs,
                [f.text + ("" if f.status == "open" else " ✅") for f in v.followups],
                v.location, v.photos, None, v.confirmations)


def card_rows(c: Card, lang: str) -> list[str]:
    none, sep = raw("visit.f_none", lang), raw("sep.list", lang)
    mode = (raw(f"mode_short.{c.mode}", lang) + raw(
        "visit.counts_note" if c.mode == "on_site" else "visit.not_counts_note", lang)
            ) if c.mode else none
    loc = c.location
    location = raw("visit.f_location_value", lang, lat=loc["lat"], lon=loc["lon"],
                   live=raw("visit.f_live", lang) if loc.get("live") else "") if loc else none
    rows: list[tuple[str, Any]] = [
        ("whom", c.target or none), ("when", c.visit_date or none), ("how", mode),
        ("what", sep.join(c.tasks) or none), ("summary", c.summary or none),
        ("needs", c.needs or none),
        ("followups", raw("sep.items", lang).join(c.followups) if c.followups else none),
    ]
    if c.mode == "on_site" or c.location:
        rows.append(("location", location))
    rows.append(("photos", raw("visit.f_photos_value", lang, count=c.photos)))
    if c.integrity is not None:
        rows.append(("integrity", raw("visit.f_confirmed", lang) if c.integrity else none))
    lines = [t("visit.card_row", lang, label=raw(f"visit.f_{k}", lang), value=v)
             for k, v in rows]
    if c.confirmations:
        states = sep.join(raw(f"confirm_status.{s}", lang) + (f" {r}★" if r else "")
                          for s, r in c.confirmations)
        lines.append(t("visit.card_row", lang, label=raw("history.confirmations", lang),
                       value=states))
    return lines


# ── each step's prompt ────────────────────────────────────────────────


def header(state: DraftState, lang: str) -> str:
    if state.editing:
        return t("visit.editing_banner", lang, number=state.editing)
    steps = [x for x in ORDER if x is not Step.REVIEW and (
        x is not Step.LOCATION or state.data.get("mode", "on_site") == "on_site") and (
        x is not Step.WHOM or len(state.targets) > 1)]
    n = steps.index(state.step) + 1 if state.step in steps else len(steps)
    return t("visit.progress", lang, n=n, total=len(steps))


def prompt(state: DraftState, lang: str) -> tuple[str, Markup | None]:
    """The prompt for the draft's current step: text and its buttons."""
    s, d, i = state.step, state.data, state.draft_id
    head = header(state, lang)
    if s is Step.WHOM:
        rows = [[_btn(tg.name, i, s, str(tg.assignment_id))] for tg in state.targets]
        return f"{head}\n{t('visit.ask_whom', lang)}", inline(rows)
    if s is Step.WHEN:
        rows = [[_btn(raw("visit.btn_today", lang), i, s, "today"),
                 _btn(raw("visit.btn_yesterday", lang), i, s, "yesterday")]]
        return f"{head}\n{t('visit.ask_when', lang)}", inline(rows)
    if s is Step.HOW:
        rows = [[_btn(raw("mode.on_site", lang), i, s, "on_site")],
                [_btn(raw(f"mode.{m}", lang), i, s, m) for m in ("phone", "video", "online")]]
        return f"{head}\n{t('visit.ask_how', lang)}", inline(rows)
    if s is Step.WHAT:
        chosen = set(d.get("tasks", []))
        buttons = [_btn(("✅ " if x.key in chosen else "▫️ ") + task_label(state.tasks, x.key,
                                                                          lang), i, s, x.key)
                   for x in state.tasks]
        rows = [buttons[k:k + 2] for k in range(0, len(buttons), 2)]
        rows.append([_btn(raw("visit.btn_next", lang), i, s, "next")])
        return f"{head}\n{t('visit.ask_what', lang)}", inline(rows)
    if s is Step.SUMMARY:
        text = t("visit.ask_summary", lang, min=state.limits.summary_min,
                 max=state.limits.summary_max)
        return f"{head}\n{text}", None
    if s is Step.NEEDS:
        return f"{head}\n{t('visit.ask_needs', lang)}", inline(
            [[_btn(raw("visit.btn_skip", lang), i, s, "skip")]])
    if s is Step.FOLLOWUPS:
        items = d.get("followups", [])
        text = f"{head}\n{t('visit.ask_followups', lang)}"
        if items:
            text += "\n\n" + t("visit.followups_so_far", lang) + "\n" + "\n".join(
                t("history.line_item", lang, n=k + 1, text=x) for k, x in enumerate(items))
        row = [_btn(raw("visit.btn_done" if items else "visit.btn_skip", lang), i, s,
                    "done" if items else "skip")]
        if items:
            row.append(_btn(raw("visit.btn_clear", lang), i, s, "clear"))
        return text, inline([row])
    if s is Step.LOCATION:
        return f"{head}\n{t('visit.ask_location', lang)}", location_keyboard(
            raw("visit.btn_location", lang), raw("visit.btn_skip", lang))
    if s is Step.PHOTOS:
        count = len(d.get("photos", []))
        text = t("visit.ask_photos", lang, max=state.limits.max_photos, count=count)
        return f"{head}\n{text}", _photo_buttons(state, lang)
    if s is Step.INTEGRITY:
        return f"{head}\n{t('visit.ask_integrity', lang)}", inline(
            [[_btn(raw("visit.btn_integrity", lang), i, s, "yes")]])
    if s is Step.REVIEW:
        rows = [[_btn(raw("visit.btn_submit", lang), i, s, "submit")],
                [_btn(raw("visit.btn_change", lang), i, s, "change"),
                 _btn(raw("visit.btn_cancel", lang), i, s, "cancel")]]
        return review_text(state, lang), inline(rows)
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
        return t("visit.ask_pick", lang), inline(rows)
    return t("visit.ask_reason", lang), None  # Step.REASON


def _photo_buttons(state: DraftState, lang: str) -> Markup | None:
    count, i = len(state.data.get("photos", [])), state.draft_id
    if not count:
        return inline([[_btn(raw("visit.btn_skip", lang), i, Step.PHOTOS, "skip")]])
    return inline([[_btn(raw("visit.btn_done_photos", lang, count=count), i, Step.PHOTOS,
                         "done"),
                    _btn(raw("visit.btn_clear", lang), i, Step.PHOTOS, "clear")]])


def review_text(state: DraftState, lang: str) -> str:
    lines = [header(state, lang), t("visit.review_title", lang), ""]
    return "\n".join(lines + card_rows(card_of_draft(state, lang), lang))


def cancel_question(draft_id: int, lang: str) -> tuple[str, Markup | None]:
    return t("visit.confirm_cancel", lang), inline([[
        _btn(raw("visit.btn_cancel_yes", lang), draft_id, "cancel", "yes"),
        _btn(raw("visit.btn_cancel_no", lang), draft_id, "cancel", "no")]])


def resume_offer(state: DraftState, lang: str) -> tuple[str, Markup | None]:
    step = raw(f"visit.f_{state.step}", lang) if state.step.value in {
        s.value for s in (Step.WHOM, Step.WHEN, Step.HOW, Step.WHAT, Step.SUMMARY, Step.NEEDS,
                          Step.FOLLOWUPS, Step.LOCATION, Step.PHOTOS)} \
        else raw("visit.review_short", lang)
    target = state.target.name if state.target else raw("visit.f_none", lang)
    return t("visit.resume_offer", lang, target=target, step=step), inline([[
        _btn(raw("visit.btn_continue", lang), state.draft_id, "start", "continue"),
        _btn(raw("visit.btn_fresh", lang), state.draft_id, "start", "fresh")]])


# ── replies ───────────────────────────────────────────────────────────


def show(state: DraftState, r: Replier, *, edit: bool) -> list[Out]:
    """The current step: in place of the pressed message, or as a new one."""
    text, markup = prompt(state, r.lang)
    if state.step is Step.LOCATION:  # a reply keyboard cannot be put on by an edit
        return [*r.drop_buttons(), r.send(text, markup)] if edit else [r.send(text, markup)]
    return [r.edit(text, markup) if edit else r.send(text, markup)]


def opened(value: Opened, r: Replier, role: str, *, edit: bool = False) -> list[Out]:
    lang = r.lang
    if value.problem is not None:
        text = problem(value.problem.code, value.problem.values, lang)
        return [r.edit(text) if edit else r.send(text)]
    if value.pending_other is not None:
        kind, ref = value.pending_other
        text, markup = which_first(kind, ref, lang)
        return [r.send(text, markup)]
    if value.resume is not None:
        text, markup = resume_offer(value.resume, lang)
        return [r.send(text, markup)]
    assert value.state is not None
    return show(value.state, r, edit=edit)


def which_first(kind: str, ref: int, lang: str) -> tuple[str, Markup | None]:
    """/visit while another flow waits for the person's text: which to continue."""
    what = raw(f"pending.what_{kind}", lang, id=ref)
    return t("pending.visit_or_other", lang, what=what), inline([[
        button(raw("pending.btn_visit", lang), cb.encode(cb.PENDING, "visit", ref)),
        button(raw("pending.btn_keep", lang, what=what), cb.encode(cb.PENDING, "keep", ref))]])


def after(outcome: Outcome, r: Replier, role: str, policy: Policy) -> list[Out]:
    """What the person sees after an input to the visit conversation (and what the served
    side is owed when it was a submission or a change)."""
    lang = r.lang
    pressed = outcome.input_kind == "press"
    if outcome.submitted is not None:
        return submitted(outcome.submitted, outcome.duplicate, r, role, policy, edit=pressed)
    if outcome.cancelled:
        return [r.edit(t("visit.cancelled", lang)) if pressed else r.send(
            t("visit.cancelled", lang))]
    if outcome.cancel_asked and outcome.state is not None:
        text, markup = cancel_question(outcome.state.draft_id, lang)
        return [r.edit(text, markup)]
    if outcome.refusal is not None:
        if pressed:
            return []  # the button's answer says why; the step and its buttons stay
        text = problem(outcome.refusal.code, outcome.refusal.values, lang)
        if outcome.album:  # one note for a whole album, however many photos it refused
            return [message(r.chat_id, text, key=f"album:{outcome.album}:refused")]
        return [r.send(text)]
    state = outcome.state
    if state is None or (outcome.duplicate and not pressed):
        return []
    if outcome.input_kind == "photo" and state.step is Step.PHOTOS:
        return photo_ack(state, outcome.album, r)
    if outcome.previous is Step.LOCATION and state.step is not Step.LOCATION:
        saved = state.data.get("location")
        note = r.send(t("visit.location_saved" if saved else "visit.location_skipped", lang),
                      menu_keyboard(role, lang))
        return [note, *show(state, r, edit=False)]
    return show(state, r, edit=pressed)


def photo_ack(state: DraftState, album: str | None, r: Replier) -> list[Out]:
    """One acknowledgement per photo, or per album (edited as the album's photos arrive)."""
    lang, count = r.lang, len(state.data.get("photos", []))
    text = t("visit.photo_saved", lang, count=count, max=state.limits.max_photos)
    markup = _photo_buttons(state, lang)
    group = f"photos:{state.draft_id}"
    if album is None:
        return [r.send(text, markup, coalesce=group)]
    ack = f"album:{album}:ack"
    return [message(r.chat_id, text, markup, key=ack),
            edit_text(r.chat_id, text, markup, edit_of=ack, key=r.key(),
                      coalesce=f"album:{album}")]


def submitted(sub: Submitted, duplicate: bool, r: Replier, role: str, policy: Policy, *,
              edit: bool) -> list[Out]:
    lang = r.lang
    if duplicate:
        text = t("visit.already_submitted", lang, number=sub.number)
        return [r.edit(text) if edit else r.send(text)]
    if sub.edited:
        text = t("visit.edited", lang, number=sub.number)
        if sub.confirmations:
            text += "\n" + t("visit.asked_again", lang)
        outs = [r.send(text, menu_keyboard(role, lang))]
    else:
        text = t("visit.submitted", lang, number=sub.number) + "\n" + t(
            "visit.effect_counts" if sub.on_site else "visit.effect_not_counts", lang)
        text += effect_line(sub.effect, sub.period_kind, lang)
        from bot.views.history import case_button  # history builds on this module

        markup = inline([[case_button(sub.visit_id, lang)]])
        outs = [r.edit(text, markup) if edit else r.send(text, markup)]
    outs += [confirmation_request(req) for req in sub.confirmations]
    outs += [withdrawn_notice(w) for w in sub.withdrawn]
    return outs


def effect_line(line: StatusLine | None, period_kind: str, lang: str) -> str:
    if line is None or line.state not in ("met", "due"):
        return ""
    period = period_label(period_kind, line.window_start, lang)
    if line.state == "met":
        return "\n" + t("visit.effect_met", lang, target=line.target, period=period)
    return "\n" + t("visit.effect_still_due", lang, target=line.target, period=period,
                    left=line.required - line.counted, deadline=line.window_end)


def confirmation_request(req: ConfirmationRequest) -> Out:
    """Owed to a served-side contact: confirm or dispute the reported visit (again, after a
    change, naming what changed)."""
    lang = req.language
    key = "confirm.request_region" if req.served == "region" else "confirm.request"
    text = t(key, lang, reporter=req.reporter, role=raw(f"role.{req.role}", lang),
             day=req.visit_date, entity=req.entity, mode=raw(f"mode_short.{req.mode}", lang),
             number=req.number)
    if req.changed:
        fields = raw("sep.list", lang).join(raw(f"confirm.field_{f}", lang) for f in req.changed)
        text = t("confirm.changed", lang, number=req.number, fields=fields) + "\n" + text
    markup = inline([[
        button(raw("confirm.btn_yes", lang), cb.encode(cb.CONFIRM, "confirm", req.confirmation_id)),
        button(raw("confirm.btn_dispute", lang),
               cb.encode(cb.CONFIRM, "dispute", req.confirmation_id))]])
    return message(req.telegram_id, text, markup, kind="confirm",
                   key=f"confirm:{req.confirmation_id}:{req.round}")


def withdrawn_notice(w: Withdrawn) -> Out:
    return message(w.telegram_id, t("confirm.withdrawn", w.language, number=w.number,
                                    entity=w.entity), kind="confirm",
                   key=f"confirm-withdrawn:{w.number}:{w.telegram_id}")


def paused_notice(chat_id: int, lang: str, draft: Any) -> Out:
    return message(chat_id, t("visit.paused", lang), kind="notice",
                   key=f"paused:{draft.id}:{draft.updated_at.isoformat()}")


def visit_day(value: date | str) -> str:
    return value if isinstance(value, str) else value.isoformat()
