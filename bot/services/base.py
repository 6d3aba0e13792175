"""What mutating use cases share: they end by writing what they owe (the reply to the person
acting, and messages to others) into the outbox and committing, in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from bot.delivery.out import Out
from bot.store.delivery_repo import StoredOut
from bot.store.uow import UnitOfWork

T = TypeVar("T")
Render = Callable[[T], Iterable[Out]]


@dataclass(frozen=True)
class Done(Generic[T]):
    """A use case's result and the messages it wrote (to hand to the sender)."""

    value: T
    sent: list[StoredOut] = field(default_factory=list)


def finish(uow: UnitOfWork, now: datetime, value: T, reply: Render[T] | None) -> Done[T]:
    """Render what ``value`` owes, write it to the outbox, commit, and return both."""
    if reply is not None:
        uow.outbox.add_all(reply(value), now)
    uow.commit()
    return Done(value, list(uow.outbox.added))
