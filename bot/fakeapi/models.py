"""Plain data the tests inspect: messages the bot sent (:class:`SentMessage`) and raw calls.

A :class:`SentMessage` is a *live view*: the server mutates the same object when the bot
edits or deletes the message, so a test holding it always sees the latest state, while
``history`` keeps every earlier version.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class UploadedFile:
    """One multipart file part of a request."""

    field_name: str
    filename: str | None
    content: bytes
    content_type: str | None


@dataclass
class Call:
    """One HTTP request the bot made, as the server decoded it."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.monotonic)
    status: int | None = None
    response: dict[str, Any] | None = None
    finished_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        """Error description of a failed call (``None`` while pending or on success)."""
        if self.response is None or self.response.get("ok"):
            return None
        return self.response.get("description")

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    def summary(self) -> str:
        keys = ("chat_id", "message_id", "text", "caption", "callback_query_id", "offset")
        shown = []
        for key in keys:
            if key in self.params:
                value = repr(self.params[key])
                shown.append(f"{key}={value[:80]}{'…' if len(value) > 80 else ''}")
        status = "pending" if self.status is None else str(self.status)
        line = f"{self.method}({', '.join(shown)}) -> {status}"
        if self.description:
            line += f" {self.description}"
        return line


@dataclass
class WebhookDelivery:
    """One POST of an update to the bot's webhook: its HTTP status, or the error when no
    answer came (connection refused or dropped, timeout)."""

    update_id: int
    url: str
    status: int | None
    error: str | None = None
    timestamp: float = field(default_factory=time.monotonic)

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class MessageVersion:
    """A past state of a :class:`SentMessage` (kept in ``SentMessage.history``)."""

    text: str | None
    entities: list[dict[str, Any]]
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    edit_date: int | None


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent (live view reflecting later edits and deletion).

    ``text`` holds the visible text after ``parse_mode`` was applied (the caption for media
    messages); ``source_text`` is exactly what the bot passed.
    """

    message_id: int
    chat_id: int
    kind: str
    date: int
    text: str | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    deleted: bool = False
    edit_count: int = 0
    edit_date: int | None = None
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)
    file_bytes: bytes | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    media: Any = None  # the JSON of photo sizes / document / location ... as Telegram returns it
    reply_to_message_id: int | None = None
    history: list[MessageVersion] = field(default_factory=list)
    sent_at: float = field(default_factory=time.monotonic)
    # bookkeeping for FakeUser.expect_edit: edit_count already reported to the test
    seen_edits: int = 0

    # ------------------------------------------------------------------ convenience

    @property
    def caption(self) -> str | None:
        return self.text if self.kind != "text" else None

    @property
    def location(self) -> tuple[float, float] | None:
        if self.kind in ("location", "venue") and isinstance(self.media, dict):
            loc = self.media.get("location", self.media)
            return loc["latitude"], loc["longitude"]
        return None

    def is_inline_keyboard(self) -> bool:
        return bool(self.reply_markup and "inline_keyboard" in self.reply_markup)

    def inline_buttons(self) -> list[list[tuple[str, str | None]]]:
        """Rows of (text, callback_data or url or other action value) of the inline keyboard."""
        if not self.is_inline_keyboard():
            return []
        rows = []
        for row in self.reply_markup["inline_keyboard"]:  # type: ignore[index]
            out_row = []
            for button in row:
                action = button.get("callback_data") or button.get("url")
                if action is None:
                    for key, value in button.items():
                        if key != "text":
                            action = value if isinstance(value, str) else key
                            break
                out_row.append((button.get("text", ""), action))
            rows.append(out_row)
        return rows

    def button_texts(self) -> list[str]:
        """All inline button texts, flattened row by row."""
        return [text for row in self.inline_buttons() for text, _ in row]

    def find_button(self, text: str) -> dict[str, Any] | None:
        if not self.is_inline_keyboard():
            return None
        for row in self.reply_markup["inline_keyboard"]:  # type: ignore[index]
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    def reply_keyboard(self) -> list[list[str]] | None:
        """Rows of button texts if this message carried a ``ReplyKeyboardMarkup``."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return None
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in self.reply_markup["keyboard"]
        ]

    def snapshot(self) -> MessageVersion:
        return MessageVersion(
            text=self.text,
            entities=copy.deepcopy(self.entities),
            parse_mode=self.parse_mode,
            reply_markup=copy.deepcopy(self.reply_markup),
            edit_date=self.edit_date,
        )

    def __repr__(self) -> str:
        text = self.text if self.text is None or len(self.text) < 60 else self.text[:57] + "…"
        flags = []
        if self.deleted:
            flags.append("deleted")
        if self.edit_count:
            flags.append(f"edits={self.edit_count}")
        if self.is_inline_keyboard():
            flags.append(f"buttons={self.button_texts()}")
        extra = (" " + " ".join(flags)) if flags else ""
        return f"<SentMessage #{self.message_id} chat={self.chat_id} {self.kind} {text!r}{extra}>"
