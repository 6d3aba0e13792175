"""Typed context (PTB ``ContextTypes``): handlers reach the services as ``context.services``,
the person talking as ``context.actor`` (resolved once per update, before any handler runs),
and the outbox sender through ``context.deliver``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.delivery import turn as turns
from bot.services.container import Services

if TYPE_CHECKING:
    from telegram.request import BaseRequest

    from bot.runtime import Runtime
    from bot.services.identity import Actor
    from bot.store.delivery_repo import StoredOut


class BotData:
    """The application-wide state. Built empty by PTB, filled in by ``build_application``."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.runtime: Runtime | None = None
        self.requests: tuple[BaseRequest, ...] = ()  # the bot's HTTP requests (``bot.app``)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None

    @property
    def services(self) -> Services:
        services = self.bot_data.services
        assert services is not None, "build_application() sets the services"
        return services

    @property
    def runtime(self) -> Runtime:
        runtime = self.bot_data.runtime
        assert runtime is not None, "the Runtime sets itself on the application"
        return runtime

    @property
    def actor(self) -> Actor:
        assert self._actor is not None, "resolve_actor runs first for every update with a user"
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value

    @property
    def has_actor(self) -> bool:
        return self._actor is not None

    def deliver(self, rows: Iterable[StoredOut]) -> None:
        """Hand what a service wrote to the outbox (or an ephemeral reply) to the sender.
        While the update's actor awaits confirmation (``Turn.check``), replies are held."""
        turn = turns.current()
        out = turn.outgoing(list(rows)) if turn is not None else list(rows)
        if out:
            self.runtime.sender.submit(out)

    def identity_changed(self, actor: Actor) -> None:
        """The person's binding or language changed: later updates must not use old hints."""
        self._actor = actor
        self.runtime.hints.forget(actor.telegram_id)
