"""/help, /lang, /cancel (outside any conversation), and group chats."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import menus
from bot.context import BotContext
from bot.handlers.common import actor_of, answer, refresh_menu, run, say, telegram_user
from bot.i18n import LANGUAGES, raw, t
from bot.services import identity
from bot.services.identity import ActorKind

LANG_PREFIX = "lang:"


async def help_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    lang = actor.language
    lines = [t("help.header", lang, role=raw(f"role.{actor.primary_role}", lang)), "",
             t("help.commands", lang)]
    lines += [f"/{c.command} — {c.description}" for c in menus.commands(actor.primary_role, lang)]
    lines += ["", t("help.ask", lang)]
    if actor.kind is ActorKind.GUEST:
        lines.append(t("help.guest_access", lang))
    await say(update, "\n".join(lines), reply_markup=menus.keyboard(actor.primary_role, lang))


async def lang_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    buttons = [InlineKeyboardButton(raw(f"lang.{code}", actor.language),
                                    callback_data=LANG_PREFIX + code) for code in LANGUAGES]
    await say(update, t("lang.prompt", actor.language),
              reply_markup=InlineKeyboardMarkup([buttons]))


async def lang_chosen(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.removeprefix(LANG_PREFIX)
    if code not in LANGUAGES:
        await answer(update)
        return
    actor = await run(identity.set_language, context.services, telegram_user(update), code)
    await answer(update)
    await query.edit_message_text(t("lang.set", code))
    await refresh_menu(context, actor)
    keyboard = menus.keyboard(actor.primary_role, code)
    await say(update, t("help.ask", code), reply_markup=keyboard)


async def cancel_idle(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    await say(update, t("cancel.nothing", actor.language))


async def group_note(update: Update, context: BotContext) -> None:
    user = update.effective_user
    lang = "en" if user and user.language_code and user.language_code.startswith("en") else "zh"
    await say(update, t("group.private_only", lang))


async def unknown_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    await say(update, t("unknown.command", actor.language))


async def unsupported_content(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    await say(update, t("unknown.content", actor.language))
