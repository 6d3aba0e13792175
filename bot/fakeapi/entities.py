"""Telegram text formatting: ``parse_mode`` parsers, entity auto-detection, UTF-16 helpers.

The real Bot API server hands text to tdlib, which turns ``HTML`` / ``MarkdownV2`` /
``Markdown`` into plain text plus ``MessageEntity`` objects (offsets and lengths in UTF-16
code units).  The parsers below follow tdlib's documented behaviour and error wording
closely, so a bot that produces malformed markup fails here the way it fails in
production: ``Bad Request: can't parse entities: Unsupported start tag "br" at byte offset 5``.

All functions work on Python ``str``; byte offsets in error messages are UTF-8 offsets into
the original text, as Telegram reports them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

Entity = dict[str, Any]

WHITESPACE = " \t\r\n\x0b\x0c"


class EntityParseError(Exception):
    """Markup could not be parsed; ``str(exc)`` is tdlib's message (e.g. ``Unclosed ...``)."""


# ---------------------------------------------------------------------------- helpers


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (what Telegram's offsets count)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The substring covered by an entity given in UTF-16 units."""
    units = text.encode("utf-16-le", "surrogatepass")
    return units[offset * 2 : (offset + length) * 2].decode("utf-16-le", "surrogatepass")


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8", "surrogatepass"))


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """Telegram's order: by offset, longer (outer) entities first."""
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def check_link(url: str) -> str | None:
    """Normalise a link target like Telegram does, or ``None`` if it is not a valid link.

    Invalid targets (``javascript:``, bare words, empty) make Telegram silently drop the
    ``text_link`` entity; the text itself is kept.
    """
    url = url.strip()
    if not url:
        return None
    lowered = url.lower()
    if lowered.startswith(("tg://", "ton://")):
        return url
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp"):
        return None
    host = parts.hostname or ""
    if not host or ("." not in host and host != "localhost"):
        return None
    if not parts.path and not parts.query and not parts.fragment:
        url += "/"
    return url


def _link_entity(offset: int, length: int, url: str) -> Entity | None:
    match = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
    if match:
        user = {"id": int(match.group(1)), "is_bot": False, "first_name": ""}
        return {"type": "text_mention", "offset": offset, "length": length, "user": user}
    checked = check_link(url)
    if checked is None:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


# ---------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
    "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
}  # fmt: skip

_SIMPLE_HTML_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "u": "underline", "ins": "underline", "tg-spoiler": "spoiler",
}  # fmt: skip


def _decode_html_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``pos``; returns (character, next position) or ``None``.

    Only ``&lt; &gt; &amp; &quot;`` and numeric references are understood; anything else
    (e.g. ``&nbsp;``) stays in the text literally, like on Telegram.
    """
    n = len(src)
    end = pos + 1
    if end < n and src[end] == "#":
        end += 1
        code = 0
        if end < n and src[end] == "x":
            end += 1
            while end < n and src[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(src[end], 16)
                end += 1
        else:
            while end < n and src[end].isascii() and src[end].isdigit():
                code = code * 10 + int(src[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}.get(src[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and src[end] == ";":
        end += 1
    return char, end


def parse_html(src: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into (plain text, entities)."""
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    # open tags: (tag name, argument, utf16 offset, index into out)
    stack: list[tuple[str, str, int, int]] = []
    n = len(src)
    i = 0

    def err(message: str) -> EntityParseError:
        return EntityParseError(message)

    while i < n:
        c = src[i]
        if c == "&":
            decoded = _decode_html_entity(src, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16 += utf16_len(char)
                continue
        if c != "<":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue

        begin = i
        begin_byte = _byte_offset(src, begin)
        i += 1
        if i >= n or src[i] != "/":
            # ---- start tag
            while i < n and src[i] not in WHITESPACE and src[i] != ">":
                i += 1
            if i >= n:
                raise err(f"Unclosed start tag at byte offset {begin_byte}")
            tag = src[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise err(f'Unsupported start tag "{tag}" at byte offset {begin_byte}')
            argument = ""
            while src[i] != ">":
                while i < n and src[i] in WHITESPACE:
                    i += 1
                if i >= n:
                    raise err(f"Unclosed start tag at byte offset {begin_byte}")
                if src[i] == ">":
                    break
                attr_begin = i
                while i < n and src[i] not in WHITESPACE and src[i] != "=":
                    if tag == "blockquote" and src[i] == ">":
                        break
                    i += 1
                attr_name = src[attr_begin:i]
                if not attr_name:
                    raise err(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin_byte}'
                    )
                while i < n and src[i] in WHITESPACE:
                    i += 1
                if tag == "blockquote" and attr_name == "expandable" and (i >= n or src[i] != "="):
                    argument = "expandable"
                    if i >= n:
                        raise err(f"Unclosed start tag at byte offset {begin_byte}")
                    continue
                if i >= n or src[i] != "=":
                    raise err(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin_byte}'
                    )
                i += 1
                while i < n and src[i] in WHITESPACE:
                    i += 1
                if i >= n:
                    raise err(f'Unclosed start tag "{tag}" at byte offset {begin_byte}')
                if src[i] not in "'\"":
                    token_begin = i
                    while i < n and ((src[i].isascii() and src[i].isalnum()) or src[i] in ".-"):
                        i += 1
                    value = src[token_begin:i].lower()
                    if i >= n or (src[i] not in WHITESPACE and src[i] != ">"):
                        raise err(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(src, token_begin)}"
                        )
                else:
                    quote = src[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and src[i] != quote:
                        if src[i] == "&":
                            decoded = _decode_html_entity(src, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(src[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = "".join(chars)
                if i >= n:
                    raise err(f"Unclosed start tag at byte offset {begin_byte}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise err(f'Tag "span" must have class "tg-spoiler" at byte offset {begin_byte}')
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # skip '>'
            continue

        # ---- end tag
        if not stack:
            raise err(f"Unexpected end tag at byte offset {begin_byte}")
        i += 1
        name_begin = i
        while i < n and src[i] not in WHITESPACE and src[i] != ">":
            i += 1
        end_tag = src[name_begin:i].lower()
        while i < n and src[i] in WHITESPACE:
            i += 1
        if i >= n or src[i] != ">":
            raise err(f"Unclosed end tag at byte offset {begin_byte}")
        i += 1
        tag, argument, start, out_start = stack.pop()
        if end_tag and end_tag != tag:
            raise err(
                f'Unmatched end tag at byte offset {begin_byte}, expected "</{tag}>", '
                f'found "</{end_tag}>"'
            )
        length = utf16 - start
        if length <= 0:
            continue
        if tag in _SIMPLE_HTML_TYPES or tag == "span":
            entities.append(
                {"type": _SIMPLE_HTML_TYPES.get(tag, "spoiler"), "offset": start, "length": length}
            )
        elif tag == "tg-emoji":
            if not argument.isdigit() or int(argument) == 0:
                raise err("Invalid custom emoji identifier specified")
            entities.append(
                {
                    "type": "custom_emoji",
                    "offset": start,
                    "length": length,
                    "custom_emoji_id": argument,
                }
            )
        elif tag == "a":
            url = argument or "".join(out[out_start:])
            link = _link_entity(start, length, url)
            if link is not None:
                entities.append(link)
        elif tag == "pre":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == start
                and last["length"] == length
                and last.get("language")
            ):
                last["type"] = "pre"
            else:
                entities.append({"type": "pre", "offset": start, "length": length})
        elif tag == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == start
                and last["length"] == length
                and argument
            ):
                last["language"] = argument
            else:
                entity: Entity = {"type": "code", "offset": start, "length": length}
                if argument:
                    entity["language"] = argument
                entities.append(entity)
        elif tag == "blockquote":
            kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
            entities.append({"type": kind, "offset": start, "length": length})

    if stack:
        raise err(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    text = "".join(out)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise err(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    return text, sort_entities(entities)


# ---------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!\n")

# tdlib's names for entity types, used in "Can't find end of <Type> entity" errors
_MDV2_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code",
    "pre": "Pre", "pre_code": "PreCode", "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji", "blockquote": "BlockQuote",
}  # fmt: skip


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(src: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into (plain text, entities), with tdlib's strictness about escaping."""
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    # open entities: [type, argument, utf16 offset, byte offset of the marker, index into out]
    stack: list[list[Any]] = []
    have_quote = False
    n = len(src)
    i = 0

    def at(k: int) -> str:
        return src[k] if 0 <= k < n else ""

    while i < n:
        c = src[i]
        nxt = at(i + 1)
        if c == "\\" and nxt and 0 < ord(nxt) <= 126:
            out.append(nxt)
            utf16 += 1
            i += 2
            continue
        reserved = _MDV2_RESERVED
        if stack and stack[-1][0] in ("code", "pre", "pre_code"):
            reserved = {"`"}
        if c not in reserved:
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue

        is_end = False
        if stack:
            top = stack[-1][0]
            if have_quote and c == "\n" and (i + 1 == n or nxt != ">"):
                is_end = True
            elif top == "bold":
                is_end = c == "*"
            elif top == "italic":
                is_end = c == "_" and nxt != "_"
            elif top == "code":
                is_end = c == "`"
            elif top in ("pre", "pre_code"):
                is_end = c == "`" and nxt == "`" and at(i + 2) == "`"
            elif top in ("text_link", "custom_emoji"):
                is_end = c == "]"
            elif top == "underline":
                is_end = c == "_" and nxt == "_"
            elif top == "strikethrough":
                is_end = c == "~"
            elif top == "spoiler":
                is_end = c == "|" and nxt == "|"

        if not is_end:
            marker_byte = _byte_offset(src, i)
            argument = ""
            if c == "_":
                if nxt == "_":
                    kind = "underline"
                    i += 1
                else:
                    kind = "italic"
            elif c == "*":
                kind = "bold"
            elif c == "~":
                kind = "strikethrough"
            elif c == "|":
                if nxt != "|":
                    raise _reserved_error(c)
                i += 1
                kind = "spoiler"
            elif c == "[":
                kind = "text_link"
            elif c == "`":
                if nxt == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "pre"
                    lang_end = i
                    while lang_end < n and src[lang_end] not in WHITESPACE and src[lang_end] != "`":
                        lang_end += 1
                    if i != lang_end and lang_end < n and src[lang_end] != "`":
                        kind = "pre_code"
                        argument = src[i:lang_end]
                        i = lang_end
                    if at(i) in ("\n", "\r"):
                        if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "code"
            elif c == "!":
                if nxt != "[":
                    raise _reserved_error(c)
                i += 1
                kind = "custom_emoji"
            elif c == "\n":
                out.append("\n")
                utf16 += 1
                if nxt == ">":
                    i += 1
                    if not have_quote:
                        have_quote = True
                        stack.append(["blockquote", "", utf16, marker_byte, len(out)])
                i += 1
                continue
            elif c == ">":
                if i != 0:
                    raise _reserved_error(c)
                kind = "blockquote"
                have_quote = True
            else:
                raise _reserved_error(c)
            stack.append([kind, argument, utf16, marker_byte, len(out)])
            i += 1
            continue

        # ---- end of an entity
        kind, argument, start, marker_byte, out_start = stack[-1]
        if c == "\n" and kind != "blockquote":
            raise EntityParseError(
                f"Can't find end of {_MDV2_TYPE_NAMES[kind]} entity at byte offset {marker_byte}"
            )
        skip = utf16 == start
        link: Entity | None = None
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind in ("text_link", "custom_emoji"):
            if at(i + 1) != "(":
                if kind == "custom_emoji":
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                url = "".join(out[out_start:])
            else:
                i += 2
                url_begin = i
                chars: list[str] = []
                while i < n and src[i] != ")":
                    if src[i] == "\\" and at(i + 1) and 0 < ord(at(i + 1)) <= 126:
                        chars.append(src[i + 1])
                        i += 2
                        continue
                    chars.append(src[i])
                    i += 1
                if at(i) != ")":
                    what = "a custom emoji URL" if kind == "custom_emoji" else "a URL"
                    raise EntityParseError(
                        f"Can't find end of {what} at byte offset {_byte_offset(src, url_begin)}"
                    )
                url = "".join(chars)
            if kind == "custom_emoji":
                match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not match:
                    raise EntityParseError("Custom emoji URL must have an emoji identifier")
                argument = match.group(1)
            else:
                link = _link_entity(start, utf16 - start, url)
                skip = skip or link is None
        elif kind == "blockquote":
            have_quote = False
            out.append(c)
            utf16 += 1
        if not skip:
            length = utf16 - start - (1 if kind == "blockquote" else 0)
            if link is not None:
                entities.append(link)
            elif kind == "pre_code":
                entities.append(
                    {"type": "pre", "offset": start, "length": length, "language": argument}
                )
            elif kind == "custom_emoji":
                entities.append(
                    {
                        "type": "custom_emoji",
                        "offset": start,
                        "length": length,
                        "custom_emoji_id": argument,
                    }
                )
            elif length > 0:
                entities.append({"type": kind, "offset": start, "length": length})
        stack.pop()
        i += 1

    if have_quote and stack and stack[-1][0] == "blockquote":
        start = stack[-1][2]
        if utf16 > start:
            entities.append({"type": "blockquote", "offset": start, "length": utf16 - start})
        stack.pop()
    if stack:
        kind, _, _, marker_byte, _ = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[kind]} entity at byte offset {marker_byte}"
        )
    return "".join(out), sort_entities(entities)


# ---------------------------------------------------------------------------- legacy Markdown


def parse_markdown(src: str) -> tuple[str, list[Entity]]:
    """Parse legacy ``Markdown`` (``*bold* _italic_ `code` ```pre``` [text](url)``)."""
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    n = len(src)
    i = 0

    def at(k: int) -> str:
        return src[k] if 0 <= k < n else ""

    while i < n:
        c = src[i]
        if c == "\\" and at(i + 1) in ("_", "*", "`", "["):
            out.append(src[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            lang_end = i
            while lang_end < n and src[lang_end] not in WHITESPACE and src[lang_end] != "`":
                lang_end += 1
            if i != lang_end and lang_end < n and src[lang_end] != "`":
                language = src[i:lang_end]
                i = lang_end
            if at(i) in ("\n", "\r"):
                if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        start = utf16
        while i < n and (
            src[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            out.append(src[i])
            utf16 += utf16_len(src[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(src, begin)}"
            )
        length = utf16 - start
        if length > 0:
            if c == "_":
                entities.append({"type": "italic", "offset": start, "length": length})
            elif c == "*":
                entities.append({"type": "bold", "offset": start, "length": length})
            elif c == "[":
                if at(i + 1) != "(":
                    url = src[begin + 1 : i]
                else:
                    i += 2
                    url_chars: list[str] = []
                    while i < n and src[i] != ")":
                        url_chars.append(src[i])
                        i += 1
                    url = "".join(url_chars)
                link = _link_entity(start, length, url)
                if link is not None:
                    entities.append(link)
            elif is_pre:
                entity: Entity = {"type": "pre", "offset": start, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": start, "length": length})
        if is_pre:
            i += 2
        i += 1
    return "".join(out), sort_entities(entities)


# ---------------------------------------------------------------------------- auto-detection

_COMMON_TLDS = (
    "com|org|net|cn|io|ru|gov|edu|info|me|app|dev|uk|de|jp|top|xyz|co|tv|ai|ly|so|to|hk|tw"
)
_AUTO_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "bot_command",
        re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])"),
    ),
    (
        "email",
        re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"),
    ),
    ("url", re.compile(r"(?<![\w@/])https?://[^\s<>\"']+", re.IGNORECASE)),
    (
        "url",
        re.compile(
            rf"(?<![\w@/.])(?:[A-Za-z0-9-]+\.)+(?:{_COMMON_TLDS})(?::\d+)?(?:/[^\s<>\"']*)?(?![\w.])",
            re.IGNORECASE,
        ),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]  # fmt: skip


def find_auto_entities(text: str, skip: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram adds by itself: bot commands, mentions, hashtags, URLs, e-mails.

    ``skip`` are existing entities (code, pre, links) inside which nothing is detected.
    """
    blocked: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"])
        for e in (skip or [])
        if e["type"] in ("code", "pre", "text_link", "text_mention", "custom_emoji")
    ]
    found: list[tuple[int, int, str]] = []
    for kind, pattern in _AUTO_PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "url":
                while end > start and text[end - 1] in ".,;:!?)":
                    end -= 1
            found.append((start, end, kind))
    found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
    result: list[Entity] = []
    last_end = -1
    for start, end, kind in found:
        if start < last_end:
            continue
        offset = utf16_len(text[:start])
        length = utf16_len(text[start:end])
        if any(b_start < offset + length and offset < b_end for b_start, b_end in blocked):
            continue
        result.append({"type": kind, "offset": offset, "length": length})
        last_end = end
    return result


# ---------------------------------------------------------------------------- pipeline


def trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading/trailing whitespace like Telegram does and re-base entity offsets."""
    stripped_left = text.lstrip(WHITESPACE)
    shift = utf16_len(text[: len(text) - len(stripped_left)])
    new_text = stripped_left.rstrip(WHITESPACE)
    total = utf16_len(new_text)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return new_text, result


def parse(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Apply ``parse_mode`` (case-insensitive; ``None``/empty = plain text).

    Raises :class:`EntityParseError` for malformed markup and ``ValueError`` for an
    unsupported parse mode.
    """
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(parse_mode)
