"""Consultations on Telegram: handing a question over, claiming, answering, follow-ups,
solving and rating; /inbox and /reply; the timeliness job."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.handlers.common import actor_of, answer, parse_press, require, run, say
from bot.handlers.visit import update_key
from bot.i18n import raw, t
from bot.jobs.throttle import Throttle
from bot.render import problem
from bot.services import consultations, reminders
from bot.services.consultations import Recipient, View
from bot.services.errors import ServiceError

log = logging.getLogger(__name__)
PREFIX = "cs"


def _b(text: str, action: str, cid: int | str, extra: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=f"{PREFIX}:{action}:{cid}{extra}")


def hand_over_button(faq_question_id: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(raw("consult.btn_hand_over", lang), "new",
                                     faq_question_id)]])


async def _tell(context: BotContext, chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None = None) -> bool:
    try:
        await context.bot.send_message(chat_id, text, reply_markup=markup)
        return True
    except TelegramError as exc:
        log.warning("could not message %s: %s", chat_id, exc)
        return False


def _claim_buttons(cid: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_b(raw("consult.btn_claim", lang), "claim", cid),
                                  _b(raw("consult.btn_reply", lang), "reply", cid)]])


async def notify_new(context: BotContext, view: View, recipients: list[Recipient]) -> None:
    for r in recipients:
        await _tell(context, r.telegram_id,
                    t("consult.new", r.language, id=view.id, entity=view.entity,
                      asker=view.asker_name, question=view.question),
                    _claim_buttons(view.id, r.language))


async def consult_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    parsed = await parse_press(update, context)
    if parsed is None:
        return
    actor, action, cid, parts = parsed
    lang, svc = actor.language, context.services
    try:
        if action == "new" and actor.contact_id is not None:
            created = await run(consultations.create, svc, actor.contact_id, cid)
            await answer(update)
            await _drop(query)
            view = created.view
            if created.view.escalated:
                why = raw("consult.why_unbound" if created.commissioner_names else
                          "consult.why_none", lang)
                to = (raw("consult.to_supervisors", lang,
                          names=raw("sep.list", lang).join(r.name for r in created.recipients))
                      if created.recipients else raw("consult.to_nobody", lang))
                await say(update, t("consult.created_escalated", lang, why=why, to=to,
                                    id=view.id))
            else:
                names = raw("sep.list", lang).join(r.name for r in created.recipients)
                await say(update, t("consult.created", lang, id=view.id, names=names))
            await notify_new(context, view, created.recipients)
        elif action in ("claim", "reply") and actor.person_id is not None:
            if action == "claim":
                claimed = await run(consultations.claim, svc, actor.person_id, cid)
                if not claimed.won:
                    await answer(update, raw("consult.claimed_by", lang,
                                             owner=claimed.view.owner or ""), alert=True)
                    return
                await answer(update)
                await _drop(query)
                for other in claimed.others:
                    await _tell(context, other.telegram_id, t(
                        "consult.claimed_other", other.language, id=cid,
                        owner=claimed.view.owner))
            view = await run(consultations.start_reply, svc, actor.person_id, cid)
            if action == "reply":
                await answer(update)
                await _drop(query)
            key = "consult.claimed_you" if action == "claim" else "consult.reply_prompt"
            await say(update, t(key, lang, id=cid, question=view.last_message))
        elif action == "more" and actor.contact_id is not None:
            await run(consultations.follow_up_mode, svc, actor.contact_id, cid)
            await answer(update)
            await say(update, t("consult.more_prompt", lang))
        elif action == "solved" and actor.contact_id is not None:
            await run(consultations.solve, svc, actor.contact_id, cid, None)
            await answer(update)
            await _drop(query)
            rows = [[_b(str(n), "rate", cid, f":{n}") for n in range(1, 6)]]
            await say(update, t("consult.ask_rating", lang),
                      reply_markup=InlineKeyboardMarkup(rows))
        elif action == "rate" and actor.contact_id is not None and len(parts) == 4:
            await run(consultations.solve, svc, actor.contact_id, cid, int(parts[3]))
            await answer(update)
            await _drop(query)
            await say(update, t("consult.rated", lang))
        elif action == "kb" and actor.person_id is not None:
            pid = await run(consultations.propose, svc, actor.person_id, cid)
            await answer(update)
            await _drop(query)
            await say(update, t("consult.proposed", lang, id=pid))
        else:
            await answer(update, raw("visit.stale_button", lang))
    except ServiceError as exc:
        if action == "new":  # the asker reads why in the chat (daily limit, already sent)
            await answer(update)
            await say(update, problem(exc.code, exc.values, lang))
        else:
            await answer(update, problem(exc.code, exc.values, lang, html=False), alert=True)


async def _drop(query) -> None:  # type: ignore[no-untyped-def]
    try:
        await query.edit_message_reply_markup(None)
    except TelegramError:
        pass


async def route_thread_text(update: Update, context: BotContext) -> None:
    """Group -3: the owner's answer after 回复/认领, or the asker's follow-up."""
    message = update.effective_message
    if message is None or message.text is None or message.text.startswith("/"):
        return
    actor = await actor_of(update, context)
    svc, lang, key = context.services, actor.language, update_key(update)
    try:
        if actor.person_id is not None:
            cid = await run(consultations.awaiting_owner, svc, actor.person_id)
            if cid is None:
                return
            view = await run(consultations.answer, svc, actor.person_id, cid, message.text, key)
            buttons = InlineKeyboardMarkup([[_b(raw("consult.btn_solved", view.asker_language),
                                                "solved", cid),
                                             _b(raw("consult.btn_more", view.asker_language),
                                                "more", cid)]])
            await _tell(context, view.asker_telegram_id,
                        t("consult.answer_to_asker", view.asker_language, owner=view.owner,
                          id=cid, text=message.text), buttons)
            await say(update, t("consult.answer_sent", lang, id=cid),
                      reply_markup=InlineKeyboardMarkup(
                          [[_b(raw("consult.btn_propose", lang), "kb", cid)]]))
        elif actor.contact_id is not None:
            cid = await run(consultations.awaiting_asker, svc, actor.contact_id)
            if cid is None:
                return
            view, owner = await run(consultations.follow_up, svc, actor.contact_id, cid,
                                    message.text, key)
            if owner is not None:
                await _tell(context, owner.telegram_id, t(
                    "consult.follow_up_to_owner", owner.language, id=cid, entity=view.entity,
                    text=message.text), InlineKeyboardMarkup(
                        [[_b(raw("consult.btn_reply", owner.language), "reply", cid)]]))
            await say(update, t("consult.follow_up_sent", lang))
        else:
            return
    except ServiceError as exc:
        await say(update, problem(exc.code, exc.values, lang))
    raise ApplicationHandlerStop


@require(Role.COMMISSIONER, Role.SUPERVISOR)
async def inbox_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    lang = actor.language
    views = await run(consultations.inbox, context.services, actor.person_id or 0)
    if not views:
        await say(update, t("consult.inbox_empty", lang))
        return
    lines = [t("consult.inbox_title", lang)]
    rows = []
    for v in views[:20]:
        status = raw(f"consult_status.{v.status}", lang, owner=v.owner or "")
        lines.append(t("consult.inbox_line", lang, id=v.id, entity=v.entity, status=status,
                       question=v.question[:80]))
        if v.status == "open":
            rows.append([_b(f"#{v.id} " + raw("consult.btn_claim", lang), "claim", v.id),
                         _b(f"#{v.id} " + raw("consult.btn_reply", lang), "reply", v.id)])
        elif v.owner == actor.name:
            rows.append([_b(f"#{v.id} " + raw("consult.btn_reply", lang), "reply", v.id)])
    await say(update, "\n".join(lines), reply_markup=InlineKeyboardMarkup(rows) if rows else None)


@require(Role.COMMISSIONER, Role.SUPERVISOR)
async def reply_command(update: Update, context: BotContext) -> None:
    """/reply <number>: answer that consultation with the next message."""
    actor = await actor_of(update, context)
    lang = actor.language
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit():
        await inbox_command(update, context)
        return
    cid = int(args[0].lstrip("#"))
    try:
        view = await run(consultations.start_reply, context.services, actor.person_id or 0, cid)
    except ServiceError as exc:
        await say(update, problem(exc.code, exc.values, lang))
        return
    await say(update, t("consult.reply_prompt", lang, id=cid, question=view.last_message))


async def timeliness(context: BotContext) -> None:
    """Job: remind commissioners of unclaimed consultations (once each); close stale ones."""
    svc = context.services
    now = svc.clock.now()
    throttle = Throttle()
    for item in await run(consultations.late, svc, now):
        if item.kind != "claim":
            continue  # unanswered ones are listed in the supervisor digest
        key = f"cs:{item.view.id}:claim"
        if not await run(reminders.claim, svc, key, "consult", None):
            continue
        days = svc.policy.consultation.claim_within_working_days
        for r in item.recipients:
            text = t("consult.remind_claim", r.language, id=item.view.id,
                     entity=item.view.entity, days=days, question=item.view.question)
            markup = _claim_buttons(item.view.id, r.language)
            try:
                await throttle.send(r.telegram_id, lambda c=r.telegram_id, x=text, m=markup:
                                    context.bot.send_message(c, x, reply_markup=m))
            except TelegramError as exc:
                log.warning("claim reminder to %s failed: %s", r.name, exc)
        await run(reminders.mark_sent, svc, key)
    await run(consultations.close_stale, svc, now)
