"""The turn: one update being processed. A context variable carries it from the update
processor to the unit of work, so that the transaction which stores an update's effects also
marks the update done (``InboundUpdate.done_at``) — and nothing else has to remember to.

Pure: no Telegram, no database.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Turn:
    update_id: int
    now: datetime
    marked: bool = False      # a commit marked the update done
    committed: bool = False   # a commit stored something of this update
    error: str | None = None  # the handler failed: recorded on the update
    notes: list[str] = field(default_factory=list)


CURRENT: ContextVar[Turn | None] = ContextVar("ipbot_turn", default=None)


def current() -> Turn | None:
    return CURRENT.get()
