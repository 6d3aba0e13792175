"""The global error handler: log, tell the administrator (at most once a minute per kind of
error, with the count of the others), apologise once per update, and stop the update's other
handlers. And the chat-member updates that say a user blocked or unblocked the bot."""

from __future__ import annotations

import json
import logging
import traceback

from telegram import ChatMemberUpdated, Update
from telegram.ext import ApplicationHandlerStop, ChatMemberHandler

from bot.context import BotContext
from bot.delivery import turn as turns
from bot.delivery.out import message
from bot.handlers.common import deliver, run
from bot.i18n import normalize_language, t
from bot.services import delivery
from bot.services.identity import StaleActor

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    turn = turns.current()
    if isinstance(error, StaleActor) and turn is not None:
        # Its first unit of work stopped before storing anything: the update is handled
        # again, freshly (``bot.updates``), with its sender looked up.
        turn.stale = True
        if context.bot_data.runtime is not None:
            context.runtime.stale_actor(error.args[0])
        raise ApplicationHandlerStop
    log.error("error while handling an update", exc_info=error)
    detail = "".join(traceback.format_exception_only(type(error), error)).strip()
    if turn is not None:
        turn.error = detail[:2000]
    if isinstance(update, Update):
        body = json.dumps(update.to_dict(), ensure_ascii=False)
    else:
        body = repr(update)
    if context.bot_data.runtime is not None:
        context.runtime.report(type(error).__name__, f"{detail[:1200]}\n{body[:1200]}")
    if isinstance(update, Update) and update.effective_chat is not None:
        user = update.effective_user
        lang = context.actor.language if context.has_actor else normalize_language(
            user.language_code if user else None)
        kept = turn is not None and turn.committed
        deliver(context, [message(update.effective_chat.id,
                                  t("error.apology_kept" if kept else "error.apology", lang))])
    raise ApplicationHandlerStop  # one apology per update: no other handler runs for it


async def _chat_member(update: Update, context: BotContext) -> None:
    changed: ChatMemberUpdated | None = update.my_chat_member
    if changed is None or changed.chat.type != "private":
        return
    status = changed.new_chat_member.status
    if status in ("kicked", "left"):
        await run(delivery.block_chat, context.services, changed.chat.id)
    elif status == "member":
        await run(delivery.unblock_chat, context.services, changed.chat.id)


def chat_member_handler() -> ChatMemberHandler:
    return ChatMemberHandler(_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
