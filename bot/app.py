"""Build the python-telegram-bot ``Application``. The ONE place where handlers are registered.

Order matters: PTB tries the handlers of group 0 in the order they are added and runs the first
that matches, so specific handlers come before general ones.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot import menus
from bot.context import BotContext, BotData
from bot.handlers import basics, consult, digest, faq, history, onboarding, status, visit
from bot.handlers.errors import on_error
from bot.jobs import daily
from bot.services.container import Services
from bot.updates import PerUserUpdateProcessor

PRIVATE = filters.ChatType.PRIVATE
log = logging.getLogger(__name__)


def build_application(services: Services) -> Application:
    settings = services.settings
    token = settings.require_token()
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_url.removesuffix("/bot") + "/file/bot")
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .concurrent_updates(PerUserUpdateProcessor())
        .post_init(_post_init)
        .build()
    )
    app.bot_data.services = services
    register_handlers(app)
    register_jobs(app)
    return app


def register_jobs(app: Application) -> None:
    """Periodic work. Jobs read their state from the database, so restarts lose nothing."""
    jobs = app.job_queue
    assert jobs is not None
    services = app.bot_data.services
    assert services is not None
    policy = services.policy
    jobs.run_repeating(visit.pause_idle_drafts, interval=60, first=5, name="pause-idle-drafts")
    jobs.run_repeating(consult.timeliness, interval=900, first=30, name="consultation-timeliness")
    send_at = policy.send_time.replace(tzinfo=policy.tz)
    jobs.run_daily(daily.daily_reminders, time=send_at, name="daily-reminders")
    # Down at send time? The first start after it sends that day's due reminders (only the
    # latest lead of each obligation; keys already sent are skipped).
    digest_at = policy.digest.time.replace(tzinfo=policy.tz)
    ptb_weekday = (policy.digest.weekday_index + 1) % 7  # PTB counts from Sunday = 0
    jobs.run_daily(daily.weekly_digest, time=digest_at, days=(ptb_weekday,),
                   name="weekly-digest")
    if daily.missed_today(services.clock.now().astimezone(policy.tz), policy.send_time):
        jobs.run_once(daily.daily_reminders, when=1, name="catch-up-reminders")


def register_handlers(app: Application) -> None:
    # Conversations kept in the database take the messages typed into them first. PTB runs at
    # most one handler per group, so each router has its own group; what a router does not
    # consume (it raises ApplicationHandlerStop when it does) falls through to group 0.
    # -3. A consultation thread: the owner's answer after 回复, the asker's follow-up.
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, consult.route_thread_text),
                    group=-3)
    # -2. An entity contact who owes a comment on a visit they rated.
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, visit.route_contact_comment),
                    group=-2)
    # -1. A commissioner or envoy with an active visit draft.
    app.add_handler(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, visit.route_message),
                    group=-1)

    # 1. Group chats: the bot works in private chat only; answer commands with a short note.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, basics.group_note))

    # 2. Onboarding: /start [invite code].
    app.add_handler(CommandHandler("start", onboarding.start, filters=PRIVATE))

    # 3. Everyone: help, language, cancel outside a conversation.
    app.add_handler(CommandHandler("help", basics.help_command, filters=PRIVATE))
    app.add_handler(CommandHandler("lang", basics.lang_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(basics.lang_chosen, pattern=f"^{basics.LANG_PREFIX}"))
    app.add_handler(CommandHandler("cancel", basics.cancel_idle, filters=PRIVATE))

    # 4. Visits: log one (/visit), its buttons, history; the served side's confirmation.
    app.add_handler(CommandHandler("visit", visit.visit_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(visit.visit_press, pattern=r"^v:"))
    app.add_handler(CallbackQueryHandler(visit.confirmation_press, pattern=r"^vc:"))
    app.add_handler(CommandHandler("history", history.history_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(history.history_press, pattern=r"^h:"))

    # 5. Obligations: /status, and the buttons on it and on reminders (记录走访, snooze).
    app.add_handler(CommandHandler("status", status.status_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(status.status_press, pattern=r"^st:"))

    # 6. Supervisors: the digest on demand.
    app.add_handler(CommandHandler("digest", digest.digest_command, filters=PRIVATE))

    # 7. Consultations: hand-over, claim, reply, follow-up, solve; /inbox and /reply.
    app.add_handler(CallbackQueryHandler(consult.consult_press, pattern=r"^cs:"))
    app.add_handler(CommandHandler("inbox", consult.inbox_command, filters=PRIVATE))
    app.add_handler(CommandHandler("reply", consult.reply_command, filters=PRIVATE))

    # 8. Policy questions: /ask, suggestion and feedback buttons, inline mode, /reload.
    app.add_handler(CommandHandler("ask", faq.ask_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(faq.faq_press, pattern=r"^fq:"))
    app.add_handler(InlineQueryHandler(faq.inline_query))
    app.add_handler(CommandHandler("reload", faq.reload_command, filters=PRIVATE))

    # 9. Reply-keyboard buttons do what their commands do.
    buttons = {text: name for text, name in menus.button_commands().items()
               if name in _BUTTON_ACTIONS}
    app.add_handler(MessageHandler(PRIVATE & filters.Text(list(buttons)), _button(buttons)))

    # 10. Fallbacks, last: unknown commands, non-text content; plain text is a question.
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, basics.unknown_command))
    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, faq.plain_text))
    app.add_handler(MessageHandler(PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   basics.unsupported_content))

    # 11. Errors: log, tell the administrator, apologise.
    app.add_error_handler(on_error)


_BUTTON_ACTIONS = {
    "help": basics.help_command,
    "visit": visit.visit_command,
    "history": history.history_command,
    "status": status.status_command,
    "digest": digest.digest_command,
    "ask": faq.ask_button,
    "inbox": consult.inbox_command,
}


def _button(buttons: dict[str, str]):  # type: ignore[no-untyped-def]
    async def pressed(update: Update, context: BotContext) -> None:
        assert update.message is not None and update.message.text is not None
        await _BUTTON_ACTIONS[buttons[update.message.text]](update, context)

    return pressed


async def _post_init(app: Application) -> None:
    """Load the knowledge base; set the default command lists for unregistered people."""
    services = app.bot_data.services
    assert services is not None
    problems = await asyncio.to_thread(services.knowledge.load)
    if problems:
        log.error("knowledge folder has %d problem(s); serving no FAQ answers until /reload:\n%s",
                  len(problems), "\n".join(map(str, problems[:20])))
    for lang in ("zh", "en"):
        await app.bot.set_my_commands(menus.commands("guest", lang),
                                      language_code=None if lang == "zh" else lang)



