"""Bot API reply markup as plain JSON-able dicts (what ``reply_markup`` carries)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Markup = dict[str, Any]


def button(text: str, data: str) -> dict[str, str]:
    if len(data.encode()) > 64:
        raise ValueError(f"callback data over 64 bytes: {data!r}")
    return {"text": text, "callback_data": data}


def inline(rows: Iterable[Sequence[dict[str, str]]]) -> Markup | None:
    """An inline keyboard; None when it has no button (Telegram refuses empty keyboards)."""
    kept = [list(row) for row in rows if row]
    return {"inline_keyboard": kept} if kept else None


def keyboard(rows: Iterable[Sequence[str]], *, persistent: bool = True,
             one_time: bool = False) -> Markup | None:
    kept = [[{"text": t} for t in row] for row in rows if row]
    if not kept:
        return None
    markup: Markup = {"keyboard": kept, "resize_keyboard": True}
    if persistent:
        markup["is_persistent"] = True
    if one_time:
        markup["one_time_keyboard"] = True
    return markup


def location_keyboard(share: str, skip: str) -> Markup:
    return {"keyboard": [[{"text": share, "request_location": True}], [{"text": skip}]],
            "resize_keyboard": True, "one_time_keyboard": True}


def buttons_of(markup: Markup | None) -> list[str]:
    """The callback data of every inline button (for tests and checks)."""
    if not markup:
        return []
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
