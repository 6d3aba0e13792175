"""The visit conversation on Telegram: /visit, its buttons, and the messages typed into it.

State lives in the database (a draft), not in memory: every step is stored before the reply,
so a restart continues where the person was, and a redelivered update changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import menus
from bot.context import BotContext
from bot.domain import visits as rules
from bot.domain.visits import Step
from bot.domain.vocab import Role
from bot.handlers import visit_views as views
from bot.handlers.common import actor_of, answer, require, run, say
from bot.i18n import all_languages, raw, t
from bot.jobs.reminders import period_label
from bot.render import problem
from bot.services import obligations, visit_records, visits
from bot.services.errors import ServiceError
from bot.services.identity import Actor
from bot.services.visit_records import ConfirmationState
from bot.services.visits import ConfirmationRequest, DraftState, Outcome

log = logging.getLogger(__name__)
STAFF = (Role.COMMISSIONER, Role.ENVOY)
STALE = "visit.stale_button"


def update_key(update: Update) -> str:
    """A stable id of the user's action, the same when Telegram delivers it again."""
    if update.callback_query is not None:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    assert message is not None
    return f"msg:{message.chat_id}:{message.message_id}"


async def show(update: Update, state: DraftState, lang: str) -> None:
    text, markup = views.render(state, lang)
    await say(update, text, reply_markup=markup)


@require(*STAFF)
async def visit_command(update: Update, context: BotContext) -> None:
    """/visit and the 记录走访 button: offer to continue an open draft, or start one."""
    actor = await actor_of(update, context)
    await open_visit(update, context, actor, assignment_id=None)


async def open_visit(update: Update, context: BotContext, actor: Actor,
                     assignment_id: int | None) -> None:
    """Start logging a visit (for ``assignment_id`` when given: 记录走访 on /status or a
    reminder), or offer to continue the open draft."""
    lang = actor.language
    existing = await run(visits.open_draft, context.services, actor.person_id or 0)
    if existing is not None and assignment_id is None:
        step_name = raw(f"visit.f_{existing.step}", lang) if existing.step in rules.EDITABLE \
            else raw("visit.review_short", lang)
        target = existing.target.name if existing.target else raw("visit.f_none", lang)
        buttons = [[views._btn(raw("visit.btn_continue", lang), existing.draft_id, "start",
                               "continue"),
                    views._btn(raw("visit.btn_fresh", lang), existing.draft_id, "start",
                               "fresh")]]
        await say(update, t("visit.resume_offer", lang, target=target, step=step_name),
                  reply_markup=InlineKeyboardMarkup(buttons))
        return
    chat = update.effective_chat
    assert chat is not None
    try:
        state = await run(visits.begin, context.services, actor.person_id or 0, chat.id,
                          fresh=existing is not None, assignment_id=assignment_id)
    except ServiceError as exc:
        await say(update, problem(exc.code, exc.values, lang))
        return
    await show(update, state, lang)


async def visit_press(update: Update, context: BotContext) -> None:
    """Any ``v:`` button of the conversation."""
    query = update.callback_query
    assert query is not None and query.data is not None
    actor = await actor_of(update, context)
    lang = actor.language
    parsed = views.parse(query.data)
    if parsed is None or not actor.has(*STAFF):
        await answer(update, raw("visit.stale_button", lang))
        return
    draft_id, step, value = parsed
    person, key, svc = actor.person_id or 0, update_key(update), context.services
    if step == "start":
        await answer(update)
        await _drop_buttons(query.message)
        try:
            state = await run(visits.begin, svc, person, query.message.chat.id if
                              query.message else actor.telegram_id, fresh=value == "fresh")
        except ServiceError as exc:
            await say(update, problem(exc.code, exc.values, lang))
            return
        await show(update, state, lang)
        return
    if step == Step.REVIEW and value == "submit":
        outcome = await run(visits.submit, svc, person, draft_id, key)
    elif step == Step.REVIEW and value == "cancel":
        await answer(update)
        await _ask_cancel(update, draft_id, lang)
        return
    elif step == "cancel":
        if value == "yes":
            outcome = await run(visits.cancel, svc, person, draft_id, key)
        else:
            await answer(update)
            await _drop_buttons(query.message)
            state = await run(visits.current, svc, person)
            if state is not None:
                await show(update, state, lang)
            return
    else:
        outcome = await run(visits.step, svc, person, draft_id, rules.Press(step, value), key)
    if outcome.refusal is not None:  # the step stays; its buttons remain valid
        await answer(update, problem(outcome.refusal.code, outcome.refusal.values, lang,
                                     html=False), alert=outcome.refusal.code != STALE)
        return
    await answer(update)
    if step == Step.WHAT and outcome.state is not None and outcome.state.step is Step.WHAT:
        _text, markup = views.render(outcome.state, lang)  # a toggle: update the buttons
        if not outcome.duplicate and outcome.refusal is None:
            await query.edit_message_reply_markup(markup)  # type: ignore[arg-type]
        return
    await _drop_buttons(query.message)
    await _after(update, context, actor, outcome, previous=step)


async def _after(update: Update, context: BotContext, actor: Actor, outcome: Outcome,
                 previous: str) -> None:
    """Tell the person what happened, then show the next step."""
    lang = actor.language
    keyboard = menus.keyboard(actor.primary_role, lang)
    if outcome.submitted is not None:
        sub = outcome.submitted
        if outcome.duplicate:
            await say(update, t("visit.already_submitted", lang, number=sub.number))
            return
        if sub.edited:
            await say(update, t("visit.edited", lang, number=sub.number), reply_markup=keyboard)
            return
        effect = t("visit.effect_counts" if sub.on_site else "visit.effect_not_counts", lang)
        line = await run(obligations.effect_of_visit, context.services, actor.person_id or 0,
                         sub.assignment_id, context.services.clock.now())
        if line is not None and line.state in ("met", "due"):
            period = period_label(getattr(context.services.policy.roles, line.role)
                                  .obligation.period, line.window_start, lang)
            effect += "\n" + (t("visit.effect_met", lang, target=line.target, period=period)
                              if line.state == "met" else
                              t("visit.effect_still_due", lang, target=line.target,
                                period=period, left=line.required - line.counted,
                                deadline=line.window_end))
        await say(update, t("visit.submitted", lang, number=sub.number) + "\n" + effect,
                  reply_markup=keyboard)
        await send_confirmation_requests(context, sub.confirmations, sub.number)
        return
    if outcome.cancelled:
        await say(update, t("visit.cancelled", lang), reply_markup=keyboard)
        return
    if outcome.refusal is not None:  # say what is expected; the step stays where it was
        await say(update, problem(outcome.refusal.code, outcome.refusal.values, lang))
        return
    state = outcome.state
    if state is None:
        return
    if previous == Step.LOCATION and state.step is not Step.LOCATION:
        saved = state.data.get("location")
        await say(update, t("visit.location_saved" if saved else "visit.location_skipped", lang),
                  reply_markup=keyboard)
    message = update.effective_message
    if previous == Step.PHOTOS and state.step is Step.PHOTOS and not outcome.duplicate \
            and message is not None and message.photo:
        await say(update, t("visit.photo_saved", lang, count=len(state.data.get("photos", [])),
                            max=state.limits.max_photos))
        return
    await show(update, state, lang)


async def _ask_cancel(update: Update, draft_id: int, lang: str) -> None:
    rows = [[views._btn(raw("visit.btn_cancel_yes", lang), draft_id, "cancel", "yes"),
             views._btn(raw("visit.btn_cancel_no", lang), draft_id, "cancel", "no")]]
    await say(update, t("visit.confirm_cancel", lang), reply_markup=InlineKeyboardMarkup(rows))


async def _drop_buttons(message: object) -> None:
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(None)
        except TelegramError:
            pass  # already without buttons, or too old to edit: nothing to undo


async def route_message(update: Update, context: BotContext) -> None:
    """Group -1: a message from someone with an active draft goes to the draft.

    Anything else falls through to the ordinary handlers (group 0).
    """
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    actor = await actor_of(update, context)
    if not actor.has(*STAFF):
        return
    svc = context.services
    state = await run(visits.current, svc, actor.person_id or 0)
    if state is None:
        return
    lang = actor.language
    text = message.text or ""
    buttons = menus.button_commands()
    if text.startswith("/"):
        command = text[1:].split()[0].split("@")[0].lower() if len(text) > 1 else ""
        if command == "cancel":
            await _ask_cancel(update, state.draft_id, lang)
        elif command in menus.AVAILABLE:
            return  # /visit offers to continue; /help, /history …: as usual; the draft waits
        else:
            await say(update, t("visit.in_progress_command", lang,
                                expect=raw(rules.EXPECT[state.step], lang)))
        raise ApplicationHandlerStop
    if text in buttons:
        return  # a menu button does what it always does; the draft waits
    inp = _input(message, state, text)
    key = update_key(update)
    if state.step is Step.REASON and isinstance(inp, rules.Text):
            outcome = await run(visit_records.finish_edit, svc, actor.person_id or 0,
                            state.draft_id, inp.text, key)
    else:
        outcome = await run(visits.step, svc, actor.person_id or 0, state.draft_id, inp, key)
    await _after(update, context, actor, outcome, previous=state.step)
    raise ApplicationHandlerStop


def _input(message: Message, state: DraftState, text: str) -> rules.Input:
    if message.location is not None:
        loc = message.location
        return rules.Location(loc.latitude, loc.longitude, loc.live_period is not None)
    if message.photo:
        biggest = message.photo[-1]
        return rules.Photo(biggest.file_id, biggest.file_unique_id)
    if message.text is not None:
        if state.step is Step.LOCATION and text in all_languages("visit.btn_skip"):
            return rules.Press(Step.LOCATION, rules.SKIP)
        return rules.Text(message.text)
    kind = next((k for k in ("sticker", "voice", "video", "document", "audio", "animation",
                             "contact", "video_note") if getattr(message, k, None)), "other")
    return rules.Other(kind)


# ── the served side confirms ──────────────────────────────────────────


async def send_confirmation_requests(context: BotContext, requests: list[ConfirmationRequest],
                                     number: str) -> None:
    for r in requests:
        lang = r.language
        buttons = [[InlineKeyboardButton(raw("confirm.btn_yes", lang),
                                         callback_data=f"vc:{r.confirmation_id}:confirm"),
                    InlineKeyboardButton(raw("confirm.btn_dispute", lang),
                                         callback_data=f"vc:{r.confirmation_id}:dispute")]]
        text = t("confirm.request", lang, reporter=r.reporter, entity=r.entity,
                 day=r.visit_date, number=number, role=raw("role.commissioner", lang),
                 mode=raw(f"mode_short.{r.mode}", lang))
        try:
            await context.bot.send_message(r.telegram_id, text,
                                           reply_markup=InlineKeyboardMarkup(buttons))
        except TelegramError:
            log.warning("could not ask contact %s to confirm %s", r.telegram_id, number)


async def confirmation_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    actor = await actor_of(update, context)
    lang = actor.language
    parts = query.data.split(":")
    if actor.contact_id is None or len(parts) < 3 or not parts[1].isdigit():
        await answer(update, raw("visit.stale_button", lang))
        return
    action, value = parts[2], parts[3] if len(parts) > 3 else None
    try:
        state = await run(visit_records.answer_confirmation, context.services, actor.contact_id,
                          int(parts[1]), action, value, update_key(update))
    except ServiceError as exc:
        await answer(update, problem(exc.code, exc.values, lang, html=False))
        return
    await answer(update)
    await _drop_buttons(query.message)
    await _confirmation_next(update, state, lang, action)


async def _confirmation_next(update: Update, state: ConfirmationState, lang: str,
                             action: str) -> None:
    cid = state.confirmation_id
    if action in ("confirm", "dispute") and state.rating is None:
        rows = [[InlineKeyboardButton(str(n), callback_data=f"vc:{cid}:rate:{n}")
                 for n in range(1, 6)]]
        key = "confirm.disputed" if state.status == "disputed" else "confirm.ask_rating"
        await say(update, t(key, lang), reply_markup=InlineKeyboardMarkup(rows))
    elif state.awaiting_comment:
        rows = [[InlineKeyboardButton(raw("visit.btn_skip", lang),
                                      callback_data=f"vc:{cid}:skip")]]
        await say(update, t("confirm.ask_comment", lang, rating=state.rating),
                  reply_markup=InlineKeyboardMarkup(rows))
    else:
        await say(update, t("confirm.thanks", lang))


async def route_contact_comment(update: Update, context: BotContext) -> None:
    """Group -1: the text a contact sends after rating is the comment."""
    message = update.effective_message
    if message is None or message.text is None or message.text.startswith("/"):
        return
    actor = await actor_of(update, context)
    if actor.contact_id is None:
        return
    cid = await run(visit_records.awaiting_comment, context.services, actor.contact_id)
    if cid is None:
        return
    try:
        state = await run(visit_records.answer_confirmation, context.services, actor.contact_id,
                          cid, "comment", message.text, update_key(update))
    except ServiceError as exc:
        await say(update, problem(exc.code, exc.values, actor.language))
        raise ApplicationHandlerStop from None
    await _confirmation_next(update, state, actor.language, "comment")
    raise ApplicationHandlerStop


# ── idle drafts ───────────────────────────────────────────────────────


async def pause_idle_drafts(context: BotContext) -> None:
    """Job: pause drafts idle past the policy's limit and tell their owners (kept as drafts)."""
    svc = context.services
    idle = timedelta(minutes=svc.policy.visit.draft_idle_timeout_minutes)
    for chat_id, lang in await run(visits.pause_idle, svc, idle):
        try:
            await context.bot.send_message(chat_id, t("visit.paused", lang))
        except TelegramError:
            log.warning("could not tell chat %s that its draft was paused", chat_id)
