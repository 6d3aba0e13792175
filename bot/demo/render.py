"""A chat as the page shows it: the fake server's messages turned into plain JSON.

Formatting is rebuilt from each message's entities (UTF-16 offsets, as Telegram sends them)
into a small, escaped subset of HTML; nothing the bot or a visitor typed is ever inserted as
markup.
"""

from __future__ import annotations

import html
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import quote

from bot.fakeapi import SentMessage
from bot.fakeapi.state import ChatState, UserMessage

_SIMPLE = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s",
           "code": "code", "blockquote": "blockquote", "expandable_blockquote": "blockquote"}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def _open_tag(entity: dict[str, Any], text_of: str) -> tuple[str, str]:
    kind = entity.get("type", "")
    if kind in _SIMPLE:
        tag = _SIMPLE[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "pre":
        return "<pre>", "</pre>"
    if kind == "spoiler":
        return '<span class="spoiler">', "</span>"
    if kind in ("text_link", "url"):
        url = entity.get("url") if kind == "text_link" else text_of
        if not url.lower().startswith(_SAFE_SCHEMES):
            url = "http://" + url if kind == "url" else ""
        if url:
            return (f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">',
                    "</a>")
    if kind == "bot_command":
        return f'<a class="cmd" data-cmd="{html.escape(text_of)}">', "</a>"
    if kind in ("mention", "hashtag", "cashtag", "email", "phone_number"):
        return f'<span class="{kind}">', "</span>"
    return "", ""


def entities_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """``text`` with ``entities`` as escaped HTML. Entities nest as tags; one that overlaps
    another without nesting is closed and reopened around it."""
    units = text.encode("utf-16-le")
    size = len(units) // 2

    def piece(a: int, b: int) -> str:
        return units[2 * a:2 * b].decode("utf-16-le", errors="replace")

    spans = []
    for e in entities or []:
        start, length = int(e.get("offset", 0)), int(e.get("length", 0))
        start, stop = max(0, start), min(size, start + length)
        if stop > start:
            spans.append((start, stop, _open_tag(e, piece(start, stop))))
    if not spans:
        return html.escape(text, quote=False)
    cuts = sorted({0, size, *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, tuple[str, str]]] = []
    for i, here in enumerate(cuts):
        ending = [s for s in stack if s[1] == here]
        if ending:
            deepest = min(stack.index(s) for s in ending)
            above = stack[deepest:]
            out += [tags[1] for _, _, tags in reversed(above)]
            del stack[deepest:]
            for s in above:  # reopen what was closed only to get at an ending one
                if s[1] != here:
                    stack.append(s)
                    out.append(s[2][0])
        for s in sorted((s for s in spans if s[0] == here), key=lambda s: -s[1]):
            stack.append(s)
            out.append(s[2][0])
        if i + 1 < len(cuts):
            out.append(html.escape(piece(here, cuts[i + 1]), quote=False))
    return "".join(out)


def _clock(stamp: int, tz: tzinfo) -> tuple[str, str]:
    at = datetime.fromtimestamp(stamp, tz)
    return at.date().isoformat(), at.strftime("%H:%M")


def _buttons(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    if not markup or "inline_keyboard" not in markup:
        return []
    rows = []
    for row in markup["inline_keyboard"]:
        out = []
        for b in row:
            if "callback_data" in b:
                out.append({"text": b.get("text", ""), "kind": "callback"})
            elif "url" in b:
                out.append({"text": b.get("text", ""), "kind": "url", "url": b["url"]})
            else:
                out.append({"text": b.get("text", ""), "kind": "other"})
        rows.append(out)
    return rows


def bot_message(msg: SentMessage, tz: tzinfo) -> dict[str, Any]:
    day, clock = _clock(msg.date, tz)
    data: dict[str, Any] = {"id": msg.message_id, "from": "bot", "kind": msg.kind,
                            "day": day, "time": clock, "edited": msg.edit_count > 0,
                            "html": entities_html(msg.text or "", msg.entities),
                            "buttons": _buttons(msg.reply_markup)}
    if msg.kind in ("photo", "document", "video", "animation", "voice", "audio", "sticker"):
        name = msg.file_name or f"{msg.kind}-{msg.message_id}"
        data["file"] = {
            "url": f"/api/file/bot/{msg.chat_id}/{msg.message_id}/{quote(name)}",
            "name": name, "size": len(msg.file_bytes or b""),
        }
    if msg.location is not None:
        data["location"] = {"lat": msg.location[0], "lon": msg.location[1]}
    return data


def user_message(msg: UserMessage, tz: tzinfo) -> dict[str, Any]:
    j = msg.json
    day, clock = _clock(int(j.get("date", 0)), tz)
    data: dict[str, Any] = {"id": msg.message_id, "from": "user", "day": day, "time": clock,
                            "edited": "edit_date" in j, "buttons": [], "kind": "text"}
    if "text" in j:
        text, entities = j["text"], j.get("entities")
        if text.startswith("/start "):  # a deep link: Telegram shows the command only
            text, entities = "/start", [{"type": "bot_command", "offset": 0, "length": 6}]
        data["html"] = entities_html(text, entities)
        return data
    data["html"] = entities_html(j.get("caption", ""), j.get("caption_entities"))
    if "photo" in j:
        largest = j["photo"][-1]
        data["kind"] = "photo"
        data["file"] = {"url": f"/api/file/user/{quote(largest['file_id'])}", "name": "photo",
                        "size": largest.get("file_size", 0)}
    elif "location" in j:
        data["kind"] = "location"
        data["location"] = {"lat": j["location"]["latitude"], "lon": j["location"]["longitude"],
                            "live": "live_period" in j["location"]}
    elif "document" in j:
        doc = j["document"]
        data["kind"] = "document"
        data["file"] = {"url": f"/api/file/user/{quote(doc['file_id'])}",
                        "name": doc.get("file_name", "file"), "size": doc.get("file_size", 0)}
    elif "contact" in j:
        data["kind"] = "contact"
        data["html"] = html.escape(j["contact"].get("phone_number", ""))
    else:
        data["kind"] = "other"
    return data


def chat_messages(chat: ChatState, tz: tzinfo) -> list[dict[str, Any]]:
    """Both sides of a private chat in order (deleted messages are gone, as in Telegram)."""
    out = []
    for _, msg in sorted(chat.messages.items()):
        if msg.deleted:
            continue
        out.append(bot_message(msg, tz) if isinstance(msg, SentMessage)
                   else user_message(msg, tz))
    return out


def reply_keyboard(chat: ChatState) -> list[list[dict[str, Any]]] | None:
    markup = chat.reply_keyboard
    if markup is None:
        return None
    rows = []
    for row in markup.get("keyboard", []):
        out = []
        for b in row:
            if isinstance(b, str):
                out.append({"text": b, "kind": "text"})
            else:
                kind = ("location" if b.get("request_location") else
                        "contact" if b.get("request_contact") else "text")
                out.append({"text": b.get("text", ""), "kind": kind})
        rows.append(out)
    return rows
