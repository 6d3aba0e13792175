"""The global error handler: log, tell the administrator, apologise; the bot keeps running."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import normalize_language, t

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    log.error("error while handling an update", exc_info=error)
    settings = context.services.settings
    if settings.admin_chat_id:
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        update_text = update.to_json() if isinstance(update, Update) else repr(update)
        report = t("error.admin_report", "zh", error=detail[:1500], update=update_text[:1500])
        try:
            await context.bot.send_message(settings.admin_chat_id, report)
        except TelegramError:
            log.warning("could not report the error to the admin chat")
    if isinstance(update, Update) and update.effective_chat is not None:
        user = update.effective_user
        lang = normalize_language(user.language_code if user else None)
        try:
            await update.effective_chat.send_message(t("error.apology", lang))
        except TelegramError:
            log.warning("could not send the apology")
