"""The turn: one update being processed. A context variable carries it from the update
processor to the unit of work, so that the transaction which stores an update's effects also
marks the update done (``InboundUpdate.done_at``) — and nothing else has to remember to.

Pure: no Telegram, no database.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Turn:
    update_id: int
    now: datetime
    marked: bool = False      # a commit marked the update done
    committed: bool = False   # a commit stored something of this update
    error: str | None = None  # the handler failed: recorded on the update
    notes: list[str] = field(default_factory=list)
    # Received but not yet stored (the poll loop's fast path, ``bot.runtime``): the commit
    # that marks the update done stores it first, and then calls ``on_recorded``.
    record: dict[str, Any] | None = None
    on_recorded: Callable[[], None] | None = None
    # Run by the turn's first unit of work before anything else: it confirms the actor the
    # update was handled as (one remembered from the sender's previous update), and raises
    # ``StaleActor`` when that is no longer who they are.
    check: Callable[[Any], None] | None = None
    stale: bool = False       # the check failed: the update is handled again, freshly
    # Replies that store nothing, held while the check has not run: they are sent once it
    # has passed (a turn that opened no unit of work runs it at its end: ``Runtime.finish``).
    held: list[Any] = field(default_factory=list)

    def outgoing(self, rows: list[Any]) -> list[Any]:
        """What may go out now, in order: nothing while the check has not run (``rows`` are
        held), else what was held and then ``rows``."""
        if self.check is not None:
            self.held.extend(rows)
            return []
        out, self.held = [*self.held, *rows], []
        return out


CURRENT: ContextVar[Turn | None] = ContextVar("ipbot_turn", default=None)


def current() -> Turn | None:
    return CURRENT.get()
