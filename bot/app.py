"""Build the python-telegram-bot ``Application``. The ONE place where handlers are registered.

Order matters: PTB tries the handlers of a group in the order they are added and runs the
first that matches; groups run from the lowest number up. Group -100 resolves who is talking
(once per update); everything else is in group 0: specific handlers first, the one arbiter of
typed text last but one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import BotCommand, Update
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
    TypeHandler,
    filters,
)

from bot import menus
from bot.context import BotContext, BotData
from bot.delivery.request import StatusAwareRequest
from bot.handlers import (
    archive,
    basics,
    common,
    consult,
    digest,
    errors,
    evaluation,
    faq,
    history,
    inputs,
    onboarding,
    status,
    visit,
)
from bot.services.container import Services
from bot.updates import PerUserUpdateProcessor
from bot.views import callbacks as cb

if TYPE_CHECKING:
    from bot.runtime import Runtime

PRIVATE = filters.ChatType.PRIVATE


def build_application(services: Services, runtime: Runtime | None = None) -> Application:
    settings = services.settings
    token = settings.require_token()
    requests = (StatusAwareRequest(connection_pool_size=64), StatusAwareRequest())
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_url.removesuffix("/bot") + "/file/bot")
        .request(requests[0])
        .get_updates_request(requests[1])
        .updater(None)  # the runtime polls (and records updates before confirming them)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .concurrent_updates(PerUserUpdateProcessor(
            services.clock, runtime.after_turn if runtime is not None else None,
            before_turn=runtime.before_turn if runtime is not None else None,
            finish=runtime.finish if runtime is not None else None))
        .build()
    )
    app.update_processor.again = app.process_update  # type: ignore[attr-defined]
    app.bot_data.services = services
    app.bot_data.runtime = runtime
    app.bot_data.requests = requests
    register_handlers(app)
    return app


def register_handlers(app: Application) -> None:
    # -100. Every update with a user: who is talking, once, on the typed context.
    app.add_handler(TypeHandler(Update, common.resolve_actor), group=-100)

    # 1. Group chats: the bot works in private chat only; answer commands with a short note.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, basics.group_note))

    # 2. Onboarding: /start [invite code].
    app.add_handler(CommandHandler("start", onboarding.start, filters=PRIVATE))

    # 3. Everyone: help, language, cancel (ends whatever waits for the person's text), and
    #    "which first" when /visit meets a pending reply.
    app.add_handler(CommandHandler("help", basics.help_command, filters=PRIVATE))
    app.add_handler(CommandHandler("lang", basics.lang_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(basics.lang_chosen, pattern=cb.pattern(cb.LANG)))
    app.add_handler(CommandHandler("cancel", basics.cancel_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(basics.pending_press, pattern=cb.pattern(cb.PENDING)))

    # 4. Visits: log one (/visit), its buttons, history; the served side's confirmation.
    app.add_handler(CommandHandler("visit", visit.visit_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(visit.visit_press, pattern=cb.pattern(cb.VISIT)))
    app.add_handler(CallbackQueryHandler(visit.confirmation_press,
                                         pattern=cb.pattern(cb.CONFIRM)))
    app.add_handler(CommandHandler("history", history.history_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(history.history_press, pattern=cb.pattern(cb.HISTORY)))

    # 5. Obligations: /status, its buttons and those of reminders (记录走访, snooze); follow-up
    #    items marked done.
    app.add_handler(CommandHandler("status", status.status_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(status.status_press, pattern=cb.pattern(cb.STATUS)))
    app.add_handler(CallbackQueryHandler(status.followup_press,
                                         pattern=cb.pattern(cb.FOLLOWUP)))

    # 6. Supervisors: the digest on demand (and its full detail); service archives and
    #    typical cases; evaluations (packs, grades, feedback letters).
    app.add_handler(CommandHandler("digest", digest.digest_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(digest.digest_press, pattern=cb.pattern(cb.DIGEST)))
    app.add_handler(CommandHandler("archive", archive.archive_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(archive.archive_press, pattern=cb.pattern(cb.ARCHIVE)))
    app.add_handler(CommandHandler("evaluation", evaluation.evaluation_command,
                                   filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(evaluation.evaluation_press,
                                         pattern=cb.pattern(cb.EVALUATION)))

    # 7. Consultations: hand-over, claim, reply, follow-up, solve; /inbox and /reply.
    app.add_handler(CallbackQueryHandler(consult.consult_press, pattern=cb.pattern(cb.CONSULT)))
    app.add_handler(CommandHandler("inbox", consult.inbox_command, filters=PRIVATE))
    app.add_handler(CommandHandler("reply", consult.reply_command, filters=PRIVATE))

    # 8. Policy questions: /ask, suggestion and feedback buttons, inline mode, /reload.
    app.add_handler(CommandHandler("ask", faq.ask_command, filters=PRIVATE))
    app.add_handler(CallbackQueryHandler(faq.faq_press, pattern=cb.pattern(cb.FAQ)))
    app.add_handler(InlineQueryHandler(faq.inline_query))
    app.add_handler(CommandHandler("reload", faq.reload_command, filters=PRIVATE))

    # 9. Reply-keyboard buttons do what their commands do.
    buttons = {text: name for text, name in menus.button_commands().items()
               if name in _BUTTON_ACTIONS}
    app.add_handler(MessageHandler(PRIVATE & filters.Text(list(buttons)), _button(buttons)))

    # 10. Unknown commands.
    app.add_handler(MessageHandler(PRIVATE & filters.COMMAND, basics.unknown_command))

    # 11. The one arbiter: anything else typed or sent in private goes to whichever flow
    #     asked for it (a visit step, a reply, a follow-up, a comment) or is a question.
    app.add_handler(MessageHandler(PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                                   inputs.route_input))

    # 12. A user who blocks or unblocks the bot (my_chat_member).
    app.add_handler(errors.chat_member_handler())

    # 13. Errors: log, tell the administrator (at most once a minute per kind), apologise
    #     once per update, and stop the update's other handlers.
    app.add_error_handler(errors.on_error)


_BUTTON_ACTIONS = {
    "help": basics.help_command,
    "visit": visit.visit_command,
    "history": history.history_command,
    "status": status.status_command,
    "digest": digest.digest_command,
    "archive": archive.archive_command,
    "evaluation": evaluation.evaluation_command,
    "ask": faq.ask_button,
    "inbox": consult.inbox_command,
}


def _button(buttons: dict[str, str]):  # type: ignore[no-untyped-def]
    async def pressed(update: Update, context: BotContext) -> None:
        assert update.message is not None and update.message.text is not None
        await _BUTTON_ACTIONS[buttons[update.message.text]](update, context)

    return pressed


async def set_default_commands(app: Application) -> None:
    """The command lists of people not yet registered (per chat lists come on /start)."""
    for lang in ("zh", "en"):
        await app.bot.set_my_commands(
            [BotCommand(n, d) for n, d in menus.commands("guest", lang)],
            language_code=None if lang == "zh" else lang)
