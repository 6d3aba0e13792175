"""/history (我的走访): recent visits, paged; open one; edit within 7 days, delete within 24 h;
mark its follow-up items done; flag it as a typical case (典型案例) with a one-line highlight."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.handlers.common import button, deliver, replier, require, run, say
from bot.handlers.visit import STAFF, update_key
from bot.i18n import t
from bot.services import cases, visit_records
from bot.views import callbacks as cb
from bot.views import history as views
from bot.views import visit as visit_views


@require(*STAFF)
async def history_command(update: Update, context: BotContext) -> None:
    actor = context.actor
    rows, page, pages = await run(visit_records.history, context.services,
                                  actor.person_id or 0, 0)
    text, markup = views.page(rows, page, pages, actor.language)
    say(update, context, text, markup)


@button
async def history_press(update: Update, context: BotContext, press: cb.Press) -> bool:
    actor = context.actor
    if not actor.has(*STAFF):
        return False
    lang, person, svc = actor.language, actor.person_id or 0, context.services
    r, value = replier(update, context), press.ref
    if press.action == "page":
        rows, page, pages = await run(visit_records.history, svc, person, value)
        deliver(context, [r.edit(*views.page(rows, page, pages, lang))])
    elif press.action == "open":
        view = await run(visit_records.detail, svc, person, value)
        deliver(context, [r.edit(*views.detail(view, lang, svc.policy))])
    elif press.action == "del":
        view = await run(visit_records.detail, svc, person, value)
        deliver(context, [r.edit(*views.confirm_delete(view, lang))])
    elif press.action == "delyes":
        done = await run(visit_records.delete, svc, person, value, update_key(update),
                         reply=lambda d: [r.edit(t("history.deleted", lang,
                                                   number=d.number))])
        context.deliver(done.sent)
    elif press.action == "case":
        done = await run(cases.ask, svc, person, actor.telegram_id, value,
                         reply=lambda f: views.ask_highlight(f, r))
        context.deliver(done.sent)
    elif press.action == "uncase":
        done = await run(cases.unflag, svc, person, actor.telegram_id, value,
                         reply=lambda f: views.flagged(f, r))
        context.deliver(done.sent)
    elif press.action == "edit":
        chat = update.effective_chat
        assert chat is not None
        done = await run(visit_records.begin_edit, svc, person, actor.telegram_id, value,
                         chat.id, reply=lambda s: visit_views.show(s, r, edit=False))
        context.deliver(done.sent)
    else:
        return False
    return True
