"""Consultations on Telegram: handing a question over, claiming, replying, follow-ups,
solving and rating; /inbox and /reply. What the owner or the asker then types reaches the
thread through the one arbiter (``bot.handlers.inputs``)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.handlers.common import replier, require, run, say, stale, toast
from bot.i18n import raw, t
from bot.render import problem
from bot.services import consultations
from bot.services.errors import ServiceError
from bot.views import callbacks as cb
from bot.views import consult as views


async def consult_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    actor = context.actor
    press = cb.decode(query.data)
    if press is None:
        stale(update, context)
        return
    lang, svc, cid, r = actor.language, context.services, press.ref, replier(update, context)
    try:
        if press.action == "new" and actor.contact_id is not None:
            done = await run(consultations.create, svc, actor.contact_id, cid,
                             reply=lambda v: views.created(v, r))
        elif press.action in ("claim", "reply") and actor.person_id is not None:
            done = await run(consultations.take, svc, actor.person_id, actor.telegram_id, cid,
                             press.action,
                             reply=lambda v: views.taken(v, r, press.extra == "i"))
            if not done.value.won:
                toast(update, context, raw("consult.claimed_by", lang,
                                           owner=done.value.view.owner or ""), alert=True)
                context.deliver(done.sent)
                return
        elif press.action == "more" and actor.contact_id is not None:
            done = await run(consultations.ask_more, svc, actor.contact_id, actor.telegram_id,
                             cid, reply=lambda _v: [r.send(t("consult.more_prompt", lang))])
        elif press.action == "solved" and actor.contact_id is not None:
            done = await run(consultations.solve, svc, actor.contact_id, cid, None,
                             reply=lambda _v: views.ask_rating(cid, r))
        elif press.action == "rate" and actor.contact_id is not None and press.number:
            done = await run(consultations.solve, svc, actor.contact_id, cid, press.number,
                             reply=lambda _v: [r.edit(t("consult.rated", lang))])
        elif press.action == "kb" and actor.person_id is not None:
            done = await run(consultations.propose, svc, actor.person_id, cid,
                             reply=lambda pid: [r.edit(t("consult.proposed", lang, id=pid))])
        else:
            stale(update, context)
            return
    except ServiceError as exc:
        if press.action == "new":  # the asker reads why in the chat (daily limit, already sent)
            toast(update, context)
            say(update, context, problem(exc.code, exc.values, lang))
        else:
            toast(update, context, problem(exc.code, exc.values, lang, html=False), alert=True)
        return
    toast(update, context)
    context.deliver(done.sent)


@require(Role.COMMISSIONER, Role.SUPERVISOR)
async def inbox_command(update: Update, context: BotContext) -> None:
    actor = context.actor
    found = await run(consultations.inbox, context.services, actor.person_id or 0)
    text, markup = views.inbox(found, actor.name, actor.language)
    say(update, context, text, markup)


@require(Role.COMMISSIONER, Role.SUPERVISOR)
async def reply_command(update: Update, context: BotContext) -> None:
    """/reply <number>: answer that consultation with the next message."""
    actor = context.actor
    args = context.args or []
    if not args or not args[0].lstrip("#").isdigit():
        await inbox_command(update, context)
        return
    cid, r = int(args[0].lstrip("#")), replier(update, context)
    try:
        done = await run(consultations.take, context.services, actor.person_id or 0,
                         actor.telegram_id, cid, "reply",
                         reply=lambda v: views.taken(v, r, True))
    except ServiceError as exc:
        say(update, context, problem(exc.code, exc.values, actor.language))
        return
    if not done.value.won:
        say(update, context, t("consult.claimed_by", actor.language,
                               owner=done.value.view.owner or ""))
    context.deliver(done.sent)
