"""What every handler uses: the actor (resolved once per update), the reply to the person,
button answers that do not hold the step up, and role guards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from telegram import Update

from bot.context import BotContext
from bot.delivery import turn as turns
from bot.delivery.out import Out, message
from bot.domain.vocab import Role
from bot.i18n import raw, t
from bot.render import problem
from bot.services import identity
from bot.services.errors import ServiceError
from bot.services.identity import ActorKind, TelegramUser
from bot.store.delivery_repo import StoredOut
from bot.views import callbacks as cb
from bot.views.markup import Markup
from bot.views.reply import Replier

P = ParamSpec("P")
R = TypeVar("R")
Handler = Callable[[Update, BotContext], Awaitable[Any]]
STALE = "visit.stale_button"


async def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a (blocking, database-touching) service call off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def telegram_user(update: Update) -> TelegramUser:
    user = update.effective_user
    assert user is not None
    return TelegramUser(user.id, user.full_name, user.language_code)


async def resolve_actor(update: Update, context: BotContext) -> None:
    """Group -100, first for every update: who is talking, once, on the typed context. No
    query of its own: the batch that recorded the update resolved it already, or the poll loop
    handed it on with the actor remembered from the sender's previous update, which the
    update's first unit of work confirms (``identity.confirmer``)."""
    if update.effective_user is None:
        return
    runtime = context.bot_data.runtime
    hint = runtime.hints.take(update.update_id) if runtime is not None else None
    turn = turns.current()
    if hint is not None and hint.actor.telegram_id == update.effective_user.id and (
            hint.confirmed or turn is not None):
        context.actor = hint.actor
        if not hint.confirmed:
            assert runtime is not None and turn is not None
            confirmed_turn, actor = turn, hint.actor
            turn.check = identity.confirmer(
                actor, telegram_user(update), identity.today_of(context.services),
                lambda: runtime.confirmed(confirmed_turn, actor))
        return
    context.actor = await run(identity.whoami, context.services, telegram_user(update))
    if runtime is not None:
        runtime.hints.remember(context.actor, context.services.clock.now())


def replier(update: Update, context: BotContext) -> Replier:
    chat = update.effective_chat
    assert chat is not None
    query = update.callback_query
    pressed = query.message.message_id if query is not None and query.message else None
    return Replier(chat.id, update.update_id, context.actor.language, pressed)


def deliver(context: BotContext, outs: Sequence[Out]) -> None:
    """Send replies that change nothing (never stored, sent in order with the rest)."""
    context.deliver([StoredOut(None, o) for o in outs])


def say(update: Update, context: BotContext, text: str, markup: Markup | None = None) -> None:
    """Reply with a message that records nothing (a refusal, a read-only answer)."""
    chat = update.effective_chat
    assert chat is not None
    deliver(context, [message(chat.id, text, markup)])


def toast(update: Update, context: BotContext, text: str | None = None, *,
          alert: bool = False) -> None:
    """Answer the button press without waiting for it (the step's reply is what matters; an
    old or redelivered query can no longer be answered, which is harmless)."""
    query = update.callback_query
    if query is None:
        return
    params: dict[str, Any] = {"callback_query_id": query.id}
    if text:
        params["text"] = text
    if alert:
        params["show_alert"] = True
    chat = update.effective_chat.id if update.effective_chat else query.from_user.id
    deliver(context, [Out(chat, "answerCallbackQuery", params)])


def stale(update: Update, context: BotContext) -> None:
    toast(update, context, raw(STALE, context.actor.language))


PressHandler = Callable[[Update, BotContext, cb.Press], Awaitable[bool]]


def button(handler: PressHandler) -> Handler:
    """The frame of a button handler: the press decoded (one that cannot be is stale), the
    handler run, a refusal (``ServiceError``) shown as an alert, and the press answered.
    ``handler`` returns False for a press it does not know, which is answered as stale."""

    @wraps(handler)
    async def framed(update: Update, context: BotContext) -> None:
        press = cb.decode(update.callback_query.data if update.callback_query else None)
        if press is None:
            stale(update, context)
            return
        try:
            known = await handler(update, context, press)
        except ServiceError as exc:
            toast(update, context, problem(exc.code, exc.values, context.actor.language,
                                           html=False), alert=True)
            return
        if known:
            toast(update, context)
        else:
            stale(update, context)

    return framed


def require(*roles: Role, denied: str = "denied.staff_only") -> Callable[[Handler], Handler]:
    """Let only actors with one of ``roles`` through; everyone else gets a polite refusal."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(update: Update, context: BotContext) -> Any:
            actor = context.actor
            if not actor.has(*roles):
                key = denied if actor.kind is not ActorKind.GUEST else "denied.registered_only"
                if update.callback_query is not None:
                    toast(update, context, raw(key, actor.language), alert=True)
                else:
                    say(update, context, t(key, actor.language))
                return None
            return await handler(update, context)

        return guarded

    return decorate
