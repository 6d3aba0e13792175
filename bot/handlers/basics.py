"""/help, /lang, /cancel (ends whatever waits for the person's text), the "which first"
buttons, unknown commands, and group chats."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError

from bot import menus
from bot.context import BotContext
from bot.handlers.common import replier, run, say, stale, telegram_user, toast
from bot.i18n import LANGUAGES, raw, t
from bot.services import identity, inputs, visits
from bot.services.identity import Actor, ActorKind
from bot.views import callbacks as cb
from bot.views import inputs as input_views
from bot.views import visit as visit_views
from bot.views.common import menu_keyboard
from bot.views.markup import button, inline

log = logging.getLogger(__name__)


async def refresh_menu(context: BotContext, actor: Actor) -> None:
    """Set this chat's command list for the actor's role and language."""
    try:
        await context.bot.set_my_commands(
            [BotCommand(n, d) for n, d in menus.commands(actor.primary_role, actor.language)],
            scope=BotCommandScopeChat(actor.telegram_id))
    except TelegramError as exc:  # the menu is a convenience; the reply still goes out
        log.warning("could not set the command menu of %s: %s", actor.telegram_id, exc)


async def help_command(update: Update, context: BotContext) -> None:
    actor = context.actor
    lang = actor.language
    lines = [t("help.header", lang, role=raw(f"role.{actor.primary_role}", lang)), "",
             t("help.commands", lang)]
    lines += [f"/{name} — {text}" for name, text in menus.commands(actor.primary_role, lang)]
    lines += ["", t("help.ask", lang)]
    if actor.kind is ActorKind.GUEST:
        lines.append(t("help.guest_access", lang))
    say(update, context, "\n".join(lines), menu_keyboard(actor.primary_role, lang))


async def lang_command(update: Update, context: BotContext) -> None:
    lang = context.actor.language
    buttons = [button(raw(f"lang.{code}", lang), cb.encode(cb.LANG, "set", 0, code))
               for code in LANGUAGES]
    say(update, context, t("lang.prompt", lang), inline([buttons]))


async def lang_chosen(update: Update, context: BotContext) -> None:
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or press.extra not in LANGUAGES:
        stale(update, context)
        return
    code = press.extra
    actor = await run(identity.set_language, context.services, telegram_user(update), code)
    context.identity_changed(actor)
    toast(update, context)
    r = replier(update, context)
    r.lang = code
    await refresh_menu(context, actor)
    from bot.handlers.common import deliver

    deliver(context, [r.edit(t("lang.set", code)),
                      r.send(t("help.ask", code), menu_keyboard(actor.primary_role, code))])


async def cancel_command(update: Update, context: BotContext) -> None:
    actor, r = context.actor, replier(update, context)
    done = await run(inputs.cancel, context.services, actor,
                     reply=lambda v: input_views.cancelled(v, r))
    context.deliver(done.sent)


async def pending_press(update: Update, context: BotContext) -> None:
    """``pi:visit:<ref>`` log a visit first; ``pi:keep:<ref>`` keep replying."""
    actor = context.actor
    press = cb.decode(update.callback_query.data if update.callback_query else None)
    if press is None or actor.person_id is None:
        stale(update, context)
        return
    r = replier(update, context)
    toast(update, context)
    if press.action == "visit":
        chat = update.effective_chat
        assert chat is not None
        done = await run(inputs.choose_visit, context.services, actor, chat.id,
                         reply=lambda v: visit_views.opened(v, r, actor.primary_role, edit=True))
        context.deliver(done.sent)
    else:
        from bot.handlers.common import deliver

        deliver(context, [r.edit(t("pending.keep_replying", actor.language, id=press.ref))])


async def group_note(update: Update, context: BotContext) -> None:
    user = update.effective_user
    lang = "en" if user and user.language_code and user.language_code.startswith("en") else "zh"
    say(update, context, t("group.private_only", lang))


async def unknown_command(update: Update, context: BotContext) -> None:
    actor = context.actor
    lang = actor.language
    if actor.person_id is not None:
        state = await run(visits.current, context.services, actor.person_id)
        pending = await run(inputs.pending_of, context.services, actor.telegram_id)
        if state is not None and pending is not None and pending[0] == "visit":
            from bot.domain.visits import EXPECT

            say(update, context, t("visit.in_progress_command", lang,
                                   expect=raw(EXPECT[state.step], lang)))
            return
    say(update, context, t("unknown.command", lang))
