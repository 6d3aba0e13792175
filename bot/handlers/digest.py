"""/digest (监管周报) for supervisors and administrators, scoped to their remit; its button
to the full detail workbook."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.delivery.out import document
from bot.domain.vocab import Role
from bot.handlers.common import deliver, require, run, say, stale, toast
from bot.i18n import raw, t
from bot.passes import digest as digest_pass
from bot.services import digest as digest_service
from bot.services.digest import Supervisor
from bot.views import callbacks as cb


async def _me(context: BotContext) -> Supervisor:
    found = await run(digest_service.supervisors, context.services, None)
    return next(s for s in found if s.person_id == context.actor.person_id)


@require(Role.SUPERVISOR, Role.ADMIN, denied="denied.supervisor_only")
async def digest_command(update: Update, context: BotContext) -> None:
    actor, svc = context.actor, context.services
    sup = await _me(context)
    say(update, context, t("digest.sending", actor.language))
    await digest_pass.send(context.runtime, sup, svc.clock.now(), None)


@require(Role.SUPERVISOR, Role.ADMIN, denied="denied.supervisor_only")
async def digest_press(update: Update, context: BotContext) -> None:
    """📄 完整明细: the full detail workbook of the supervisor's scope, as of now (read-only:
    sent, not stored)."""
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or press.action != "full":
        stale(update, context)
        return
    lang, svc = context.actor.language, context.services
    toast(update, context, raw("digest.detail_coming", lang))
    sup = await _me(context)
    name, data = await run(digest_pass.detail, svc, sup, svc.clock.now())
    chat = update.effective_chat
    assert chat is not None
    deliver(context, [document(chat.id, name, data, t("digest.detail_caption", lang))])
