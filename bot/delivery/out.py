"""A message owed to someone, as plain data: what the outbox stores and the sender sends.

Pure: no Telegram, no database. ``params`` are the Bot API method's parameters as JSON (the
views build them); ``chat_id`` is kept apart so that the sender can order and throttle per chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendLocation"})
EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})


@dataclass(frozen=True)
class Out:
    """One Bot API call owed to a chat.

    ``key`` is the idempotency key (unique in the outbox): a message is written once however
    often the change that owes it is replayed. ``key=None`` marks an ephemeral reply (a
    read-only answer to the person typing) that is sent but not stored.

    An edit names its target either by ``params["message_id"]`` or by ``edit_of``: the key of
    an earlier outbox message, whose Telegram message id the sender looks up when it gets there
    (messages to one chat are sent in order, so the earlier one has been sent by then).
    ``coalesce`` lets a newer unsent message of the same group replace an older one (a photo
    counter edited ten times becomes one edit).
    """

    chat_id: int
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    kind: str = "reply"
    bulk: bool = False
    edit_of: str | None = None
    file_name: str | None = None
    file_data: bytes | None = None
    coalesce: str | None = None

    @property
    def is_send(self) -> bool:
        return self.method in SEND_METHODS

    @property
    def is_edit(self) -> bool:
        return self.method in EDIT_METHODS

    def as_send(self) -> Out:
        """An edit whose message is gone, turned into a fresh message with the same content."""
        if self.method != "editMessageText":
            return self
        params = {k: v for k, v in self.params.items() if k not in ("message_id",)}
        return replace(self, method="sendMessage", params=params, edit_of=None)


def message(chat_id: int, text: str, markup: dict[str, Any] | None = None, *,
            key: str | None = None, kind: str = "reply", bulk: bool = False,
            coalesce: str | None = None) -> Out:
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if markup is not None:
        params["reply_markup"] = markup
    return Out(chat_id, "sendMessage", params, key=key, kind=kind, bulk=bulk, coalesce=coalesce)


def edit_text(chat_id: int, text: str, markup: dict[str, Any] | None = None, *,
              message_id: int | None = None, edit_of: str | None = None,
              key: str | None = None, kind: str = "reply", coalesce: str | None = None) -> Out:
    """Replace a message's text (and its buttons: no ``markup`` removes them)."""
    params: dict[str, Any] = {"text": text, "parse_mode": "HTML"}
    if message_id is not None:
        params["message_id"] = message_id
    if markup is not None:
        params["reply_markup"] = markup
    return Out(chat_id, "editMessageText", params, key=key, kind=kind, edit_of=edit_of,
               coalesce=coalesce)


def edit_markup(chat_id: int, message_id: int, markup: dict[str, Any] | None = None, *,
                key: str | None = None) -> Out:
    params: dict[str, Any] = {"message_id": message_id}
    if markup is not None:
        params["reply_markup"] = markup
    return Out(chat_id, "editMessageReplyMarkup", params, key=key)


def document(chat_id: int, name: str, data: bytes, caption: str | None = None, *,
             key: str | None = None, kind: str = "reply", bulk: bool = False,
             photo: bool = False) -> Out:
    params: dict[str, Any] = {}
    if caption:
        params |= {"caption": caption, "parse_mode": "HTML"}
    return Out(chat_id, "sendPhoto" if photo else "sendDocument", params, key=key, kind=kind,
               bulk=bulk, file_name=name, file_data=data)
