"""Request parameter access and Telegram-style validation.

Every check raises :class:`~bot.fakeapi.errors.ApiError` with the description the real
Bot API uses (``Bad Request: ...``), so the bot's error handling is exercised with the same
messages it will meet in production.  Where Telegram's exact wording is unknown the message
is a close paraphrase and marked "approximate" in a comment.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import entities as ent
from .errors import bad_request
from .models import UploadedFile

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_RESULTS = 50
MAX_COMMANDS = 100

CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip

INLINE_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip

# Parameters that Telegram treats as strings even if they look like JSON ("123", "true").
STRING_PARAMS = {
    "text", "caption", "query", "title", "description", "short_description", "parse_mode",
    "callback_query_id", "inline_query_id", "url", "file_id", "action", "emoji",
    "language_code", "next_offset", "switch_pm_text", "switch_pm_parameter", "secret_token",
    "inline_message_id", "business_connection_id", "message_effect_id", "address",
    "phone_number", "first_name", "last_name", "vcard", "foursquare_id", "foursquare_type",
    "google_place_id", "google_place_type", "name", "question", "explanation",
    "payload", "provider_token", "currency", "start_parameter", "ip_address",
    "custom_title", "sticker_set_name", "result_id", "certificate", "shipping_query_id",
    "pre_checkout_query_id", "error_message", "game_short_name", "invite_link",
}  # fmt: skip


def decode_value(name: str, raw: str) -> Any:
    """Decode one form field the way PTB encoded it (non-strings are JSON-dumped)."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class Params:
    """Decoded request parameters plus uploaded files, with typed, validating getters."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def __contains__(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def str_(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def required_str(self, name: str) -> str:
        value = self.str_(name)
        if value is None or value == "":
            raise bad_request(f'parameter "{name}" is required')
        return value

    def int_(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return int(value)
        raise bad_request(f'field "{name}" must be a valid Number')  # approximate

    def float_(self, name: str) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def bool_(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            return value.strip().lower() in ("true", "yes", "1")
        return False

    def json_(self, name: str) -> Any:
        """A JSON-typed parameter; ``str`` means it arrived but was not valid JSON."""
        return self.values.get(name)

    def file(self, name: str) -> UploadedFile | str | None:
        """A file parameter: an uploaded part, or a string (file_id / URL), or ``None``."""
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            part = self.files.get(value[len("attach://") :])
            if part is None:
                raise bad_request(f"file {value[len('attach://') :]!r} not found in the request")
            return part
        if name in self.files:
            return self.files[name]
        if value is None or value == "":
            return None
        return str(value)


# ---------------------------------------------------------------------------- text


def formatted_text(
    raw: str,
    parse_mode: str | None,
    explicit_entities: Any,
    *,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """Run Telegram's text pipeline: parse markup, trim, detect entities, check limits.

    Returns (visible text, entities).  For captions an empty result is allowed.
    """
    if explicit_entities not in (None, "", []):
        if not isinstance(explicit_entities, list) or not all(
            isinstance(e, dict) and {"type", "offset", "length"} <= e.keys()
            for e in explicit_entities
        ):
            what = "caption entities" if caption else "entities"
            raise bad_request(f"can't parse {what} JSON object")  # approximate
        text, entities = raw, [dict(e) for e in explicit_entities]
    else:
        try:
            text, entities = ent.parse(raw, parse_mode)
        except ent.EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
    text, entities = ent.trim(text, entities)
    if not text:
        if caption:
            return "", []
        raise bad_request("message must be non-empty")
    limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
    if len(text) > limit:  # Telegram counts Unicode code points here
        raise bad_request("message caption is too long" if caption else "message is too long")
    entities = ent.sort_entities(entities + ent.find_auto_entities(text, entities))
    return text, entities


def message_text(params: Params) -> tuple[str, str, list[dict[str, Any]]]:
    """``text``/``parse_mode``/``entities`` of sendMessage & editMessageText."""
    raw = params.str_("text")
    if raw is None or raw == "":
        raise bad_request("message text is empty")
    parse_mode = params.str_("parse_mode")
    text, entities = formatted_text(raw, parse_mode, params.json_("entities"))
    return raw, text, entities


def caption_text(params: Params) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    raw = params.str_("caption")
    if raw is None or raw == "":
        return None, None, []
    text, entities = formatted_text(
        raw, params.str_("parse_mode"), params.json_("caption_entities"), caption=True
    )
    return raw, (text or None), entities


# ---------------------------------------------------------------------------- markup


def _string_field(obj: dict[str, Any], name: str, where: str) -> str:
    if name not in obj:
        raise bad_request(f'{where}: Can\'t find field "{name}"')
    value = obj[name]
    if not isinstance(value, str):
        raise bad_request(f'{where}: Field "{name}" must be of type String')
    return value


def _validate_inline_button(button: Any) -> None:
    where = "can't parse inline keyboard button"
    if not isinstance(button, dict):
        raise bad_request(f"{where}: InlineKeyboardButton must be an Object")
    text = _string_field(button, "text", where)
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # approximate
    present = [
        key
        for key in INLINE_BUTTON_ACTIONS
        if key in button and button[key] is not None and button[key] != ""
    ]
    if not present:
        raise bad_request(f"{where}: Text buttons are unallowed in the inline keyboard")
    if len(present) > 1:
        # The documentation requires exactly one; the live server silently uses the first.
        raise bad_request(
            f"{where}: exactly one of the optional fields must be used, got {', '.join(present)}"
        )
    action = present[0]
    if action == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str):
            raise bad_request(f'{where}: Field "callback_data" must be of type String')
        if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif action == "url":
        url = button["url"]
        if not isinstance(url, str) or _bad_button_url(url):
            raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _bad_button_url(url: str) -> bool:
    if url.startswith("tg://"):
        return False
    checked = ent.check_link(url)
    if checked is None:
        return True
    host = re.sub(r"^[a-z]+://", "", checked.lower()).split("/")[0].split(":")[0]
    return host in ("localhost", "127.0.0.1") or "." not in host


def _validate_keyboard_button(button: Any) -> None:
    where = "can't parse keyboard button"
    if isinstance(button, str):
        text = button
    elif isinstance(button, dict):
        text = _string_field(button, "text", where)
    else:
        raise bad_request(f"{where}: KeyboardButton must be a String or an Object")
    if not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")  # approximate


def reply_markup(value: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return it as a dict (or ``None`` if absent/empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if not isinstance(value, dict):
        raise bad_request("object expected as reply markup")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
            )
        count = 0
        for row in rows:
            if not isinstance(row, list):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for button in row:
                _validate_inline_button(button)
                count += 1
        if count > 100:
            raise bad_request("reply markup is too long")
        return value if count else None
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array')
        count = 0
        for row in rows:
            if not isinstance(row, list):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
                )
            for button in row:
                _validate_keyboard_button(button)
                count += 1
        for flag in ("resize_keyboard", "one_time_keyboard", "is_persistent", "selective"):
            if flag in value and not isinstance(value[flag], bool):
                raise bad_request(
                    f'field "{flag}" of the ReplyKeyboardMarkup must be of the type Boolean'
                )
        return value if count else None
    if "remove_keyboard" in value or "hide_keyboard" in value:
        flag = value.get("remove_keyboard", value.get("hide_keyboard"))
        if not isinstance(flag, bool):
            raise bad_request(
                'field "remove_keyboard" of the ReplyKeyboardRemove must be of the type Boolean'
            )
        return value if flag else None
    if "force_reply" in value:
        if not isinstance(value["force_reply"], bool):
            raise bad_request('field "force_reply" of the reply markup must be of the type Boolean')
        return value if value["force_reply"] else None
    return None


# ---------------------------------------------------------------------------- commands

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def language_code(params: Params) -> str:
    code = params.str_("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad_request("invalid language code specified")
    return code


def command_scope(value: Any) -> dict[str, Any]:
    """Validate a BotCommandScope object; returns it (``default`` if absent)."""
    where = "can't parse BotCommandScope"
    if value is None or value == "":
        return {"type": "default"}
    if not isinstance(value, dict):
        raise bad_request(f"{where}: BotCommandScope must be an Object")
    if "type" not in value:
        raise bad_request(f'{where}: Can\'t find field "type"')
    kind = value["type"]
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return {"type": kind}
    if kind in ("chat", "chat_administrators", "chat_member"):
        if "chat_id" not in value:
            raise bad_request(f'{where}: Can\'t find field "chat_id"')
        scope = {"type": kind, "chat_id": value["chat_id"]}
        if kind == "chat_member":
            if "user_id" not in value:
                raise bad_request(f'{where}: Can\'t find field "user_id"')
            scope["user_id"] = value["user_id"]
        return scope
    raise bad_request(f"{where}: Unsupported type specified")


def commands(value: Any) -> list[tuple[str, str]]:
    """Validate setMyCommands' ``commands``; returns (command, description) pairs."""
    if value is None or value == "":
        raise bad_request('parameter "commands" is required')
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    result: list[tuple[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: expected an Object")  # approximate
        command = _string_field(item, "command", "can't parse BotCommand")
        description = _string_field(item, "description", "can't parse BotCommand")
        command = command.strip()
        if command.startswith("/"):
            command = command[1:]
        if not command:
            raise bad_request("command must be non-empty")
        if len(command) > 32:
            raise bad_request("command length must not exceed 32")
        description = description.strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("command description length must not exceed 256")
        if not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        result.append((command, description))
    return result


# ---------------------------------------------------------------------------- inline mode

_INLINE_RESULT_TYPES = {
    "article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document",
    "location", "venue", "contact", "game", "sticker",
}  # fmt: skip


def inline_results(value: Any) -> list[dict[str, Any]]:
    """Validate answerInlineQuery's ``results`` (count, ids, types, message contents)."""
    if value is None or value == "":
        raise bad_request('parameter "results" is required')
    if not isinstance(value, list):
        raise bad_request("can't parse JSON encoded inline query results")  # approximate
    if len(value) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    where = "can't parse InlineQueryResult"
    for result in value:
        if not isinstance(result, dict):
            raise bad_request(f"{where}: InlineQueryResult must be an Object")
        kind = _string_field(result, "type", where)
        if kind not in _INLINE_RESULT_TYPES:
            raise bad_request(f'{where}: unsupported inline query result type "{kind}"')
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if kind == "article":
            _string_field(result, "title", where)
            if "input_message_content" not in result:
                raise bad_request(f'{where}: Can\'t find field "input_message_content"')
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            raw = content["message_text"]
            if not isinstance(raw, str) or not raw:
                raise bad_request("message text is empty")
            formatted_text(raw, content.get("parse_mode"), content.get("entities"))
        if "reply_markup" in result:
            markup = reply_markup(result["reply_markup"])
            if markup is not None and "inline_keyboard" not in markup:
                raise bad_request(f"{where}: inline keyboard expected")  # approximate
    return value
