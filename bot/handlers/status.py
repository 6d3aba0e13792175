"""/status (我的任务): each assignment's state this period, overdue first, with a one-tap
"记录走访", and the person's open follow-up items with "办结"; the buttons of reminders
(记录走访, 3天后再提醒)."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import replier, require, run, say, stale, toast
from bot.handlers.visit import STAFF, open_visit
from bot.i18n import raw, t
from bot.render import problem
from bot.services import obligations, reminders, visit_records
from bot.services.errors import ServiceError
from bot.views import callbacks as cb
from bot.views import status as views


@require(*STAFF)
async def status_command(update: Update, context: BotContext) -> None:
    actor, svc = context.actor, context.services
    now = svc.clock.now()
    lines = await run(obligations.status, svc, actor.person_id or 0, now)
    items = await run(visit_records.open_followups, svc, actor.person_id or 0)
    kinds = {r: svc.policy.role(r).obligation.period for r in ("commissioner", "envoy")}
    text, markup = views.status_text(lines, now.astimezone(svc.policy.tz).date(), kinds, items,
                                     actor.language)
    say(update, context, text, markup)


async def status_press(update: Update, context: BotContext) -> None:
    """``st:visit:<assignment>`` opens the visit conversation for it; ``st:snooze:<a>``."""
    actor = context.actor
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or not actor.has(*STAFF):
        stale(update, context)
        return
    lang = actor.language
    if press.action == "visit":
        toast(update, context)
        await open_visit(update, context, press.ref)
    elif press.action == "snooze":
        try:
            until = await run(reminders.snooze, context.services, actor.person_id or 0,
                              press.ref)
        except ServiceError as exc:
            toast(update, context, problem(exc.code, exc.values, lang, html=False))
            return
        toast(update, context, raw("reminder.snoozed", lang, day=until))
        say(update, context, t("reminder.snoozed", lang, day=until))
    else:
        stale(update, context)


async def followup_press(update: Update, context: BotContext) -> None:
    """``fu:done:<item>``: the owner marks a follow-up item done."""
    actor = context.actor
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or press.action != "done" or actor.person_id is None:
        stale(update, context)
        return
    r = replier(update, context)
    try:
        done = await run(visit_records.resolve_followup, context.services, actor.person_id,
                         press.ref, reply=lambda d: views.followup_done(
                             d, r.chat_id, actor.language, r.key()))
    except ServiceError as exc:
        toast(update, context, problem(exc.code, exc.values, actor.language, html=False))
        return
    toast(update, context)
    context.deliver(done.sent)
