"""/digest (监管周报) for supervisors and administrators, scoped to their remit."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.handlers.common import require, run, say
from bot.i18n import t
from bot.passes import digest as digest_pass
from bot.services import digest as digest_service


@require(Role.SUPERVISOR, Role.ADMIN, denied="denied.supervisor_only")
async def digest_command(update: Update, context: BotContext) -> None:
    actor, svc = context.actor, context.services
    found = await run(digest_service.supervisors, svc, None)
    sup = next(s for s in found if s.person_id == actor.person_id)
    say(update, context, t("digest.sending", actor.language))
    await digest_pass.send(context.runtime, sup, svc.clock.now(), None)
