"""The reply to the person acting, as outbox messages with keys derived from the update.

Keys are ``u<update id>:<n>``: processing an update again (after a crash) writes the same
keys, which the outbox skips, so a reply is never owed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.delivery.out import Out, edit_markup, edit_text, message
from bot.views.markup import Markup


@dataclass
class Replier:
    chat_id: int
    update_id: int | None
    lang: str
    pressed: int | None = None  # the message whose button was pressed (edited in place)
    _n: int = field(default=0, repr=False)

    def key(self) -> str | None:
        self._n += 1
        return f"u{self.update_id}:{self._n}" if self.update_id is not None else None

    def send(self, text: str, markup: Markup | None = None, **extra: Any) -> Out:
        return message(self.chat_id, text, markup, key=self.key(), **extra)

    def edit(self, text: str, markup: Markup | None = None) -> Out:
        """Replace the pressed message (one Bot API call for a button step); a new message
        when there is none to edit."""
        if self.pressed is None:
            return self.send(text, markup)
        return edit_text(self.chat_id, text, markup, message_id=self.pressed, key=self.key())

    def drop_buttons(self) -> list[Out]:
        if self.pressed is None:
            return []
        return [edit_markup(self.chat_id, self.pressed, None, key=self.key())]
