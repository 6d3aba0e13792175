"""Small helpers every handler uses: who is talking, replying in their language, role guards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from telegram import Update
from telegram.constants import ChatType

from bot import menus
from bot.context import BotContext
from bot.domain.vocab import Role
from bot.i18n import t
from bot.services import identity
from bot.services.identity import Actor, ActorKind, TelegramUser

P = ParamSpec("P")
R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[Any]]


async def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a (blocking, database-touching) service call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def telegram_user(update: Update) -> TelegramUser:
    user = update.effective_user
    assert user is not None
    return TelegramUser(user.id, user.full_name, user.language_code)


async def actor_of(update: Update, context: BotContext) -> Actor:
    return await run(identity.whoami, context.services, telegram_user(update))


async def say(update: Update, text: str, **kwargs: Any) -> None:
    """Reply in the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_message(text, **kwargs)


async def refresh_menu(context: BotContext, actor: Actor) -> None:
    """Set this chat's command list for the actor's role and language."""
    from telegram import BotCommandScopeChat

    await context.bot.set_my_commands(
        menus.commands(actor.primary_role, actor.language),
        scope=BotCommandScopeChat(actor.telegram_id),
    )


def is_private(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def require(*roles: Role, denied: str = "denied.staff_only") -> Callable[[Handler], Handler]:
    """Let only actors with one of ``roles`` through; everyone else gets a polite refusal."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            actor = await actor_of(update, context)
            if not actor.has(*roles):
                key = denied if actor.kind is not ActorKind.GUEST else "denied.registered_only"
                await say(update, t(key, actor.language))
                return None
            return await handler(update, context)

        return guarded

    return decorate


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer the button press. Best effort: a redelivered or old query can no longer be
    answered, and that must not stop the handler from doing its work."""
    from telegram.error import BadRequest

    query = update.callback_query
    assert query is not None
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:
        pass


async def parse_press(update: Update, context: BotContext
                      ) -> tuple[Actor, str, int, list[str]] | None:
    """Who pressed ``prefix:action:<number>[:more]``: (actor, action, number, all parts).
    A malformed or forged press is answered with the stale-button note and gives None."""
    from bot.i18n import raw

    query = update.callback_query
    assert query is not None and query.data is not None
    actor = await actor_of(update, context)
    parts = query.data.split(":")
    if len(parts) < 3 or not parts[2].isdigit():
        await answer(update, raw("visit.stale_button", actor.language))
        return None
    return actor, parts[1], int(parts[2]), parts
