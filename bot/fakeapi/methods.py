"""Bot API method implementations (``sendMessage``, ``getUpdates``, ...).

Each method takes decoded :class:`~.validation.Params`, mutates the :class:`~.state.World`
and returns the JSON ``result`` or raises :class:`~.errors.ApiError`.  Method names are
case-insensitive, as on Telegram.
"""

from __future__ import annotations

import inspect
import ipaddress
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from . import validation as v
from .errors import ApiError, bad_request
from .files import MAX_DOWNLOAD_SIZE, StoredFile, image_size, photo_sizes
from .models import SentMessage, UploadedFile
from .state import ChatState, UserMessage, World

CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def is_loopback_url(url: str) -> bool:
    """The fake delivers webhook updates only to this machine."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Bot API methods that exist on Telegram but are not simulated here (answered with 404 and
# an explanatory description, so a test failure says what is missing).
KNOWN_UNIMPLEMENTED = {
    "forwardmessage", "forwardmessages", "copymessage", "copymessages", "sendaudio",
    "sendpaidmedia", "sendvideonote", "sendmediagroup", "sendpoll", "senddice", "stoppoll",
    "editmessagemedia", "setmessagereaction", "getuserprofilephotos", "banchatmember",
    "unbanchatmember", "restrictchatmember", "promotechatmember", "leavechat",
    "getchatadministrators", "getchatmembercount", "sendinvoice", "answershippingquery",
    "answerprecheckoutquery", "sendgame", "setgamescore", "exportchatinvitelink",
    "createchatinvitelink", "setchattitle", "setchatdescription", "setchatphoto",
}  # fmt: skip

Handler = Callable[[v.Params], Any]


def api(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a method of :class:`BotApiMethods` as the implementation of Bot API ``name``."""

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func.api_name = name  # type: ignore[attr-defined]
        return func

    return mark


class BotApiMethods:
    """The method table.  ``closing`` is set by the server to end long polls promptly."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.closing = False
        self._poll_generation = 0
        self.table: dict[str, tuple[str, Handler]] = {}
        for _, func in inspect.getmembers(self, predicate=inspect.ismethod):
            api_name = getattr(func, "api_name", None)
            if api_name:
                self.table[api_name.lower()] = (api_name, func)

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        return self.table.get(method.lower())

    def canonical(self, method: str) -> str:
        found = self.table.get(method.lower())
        return found[0] if found else method

    # ================================================================== helpers

    def _reply_to(self, p: v.Params, chat: ChatState) -> int | None:
        params = p.json_("reply_parameters")
        allow_missing = p.bool_("allow_sending_without_reply")
        message_id = p.int_("reply_to_message_id")
        if isinstance(params, dict):
            message_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply", allow_missing))
            if params.get("chat_id") not in (None, chat.id):
                chat = self.w.resolve_chat(params["chat_id"])
        if message_id is None:
            return None
        if self.w.find_message(chat, int(message_id)) is None:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return int(message_id)

    def _new_message(
        self,
        p: v.Params,
        chat: ChatState,
        kind: str,
        method: str,
        **fields: Any,
    ) -> dict[str, Any]:
        markup = v.reply_markup(p.json_("reply_markup"))
        reply_to = self._reply_to(p, chat)
        msg = SentMessage(
            message_id=chat.new_message_id(),
            chat_id=chat.id,
            kind=kind,
            date=self.w.now(),
            reply_markup=markup,
            method=method,
            params=dict(p.values),
            reply_to_message_id=reply_to,
            **fields,
        )
        self.w.add_bot_message(chat, msg)
        return self.w.message_json(msg)

    def _editable(self, p: v.Params) -> tuple[ChatState, SentMessage]:
        if "inline_message_id" in p:
            raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
        chat_value = p.get("chat_id")
        message_id = p.int_("message_id")
        if chat_value is None or chat_value == "":
            raise bad_request("chat_id is empty")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        chat = self.w.resolve_chat(chat_value)
        msg = self.w.find_message(chat, message_id)
        if msg is None:
            raise bad_request("message to edit not found")
        if isinstance(msg, UserMessage):
            raise bad_request("message can't be edited")
        return chat, msg

    @staticmethod
    def _edit_markup(p: v.Params) -> dict[str, Any] | None:
        markup = v.reply_markup(p.json_("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")  # approximate wording
        return markup

    def _apply_edit(self, msg: SentMessage, **changes: Any) -> dict[str, Any]:
        msg.history.append(msg.snapshot())
        for key, value in changes.items():
            setattr(msg, key, value)
        msg.edit_count += 1
        msg.edit_date = self.w.now()
        return self.w.message_json(msg)

    def _stored_file(self, value: UploadedFile | str | None, kind: str) -> StoredFile:
        """Resolve a file parameter to a stored file (upload, file_id or URL)."""
        if value is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.content:
                raise bad_request("file must be non-empty")
            declared = value.content_type
            if declared == "application/octet-stream":
                declared = None  # let the file name decide, as Telegram does
            return self.w.files.add(
                kind, value.content, file_name=value.filename, mime_type=declared
            )
        stored = self.w.files.get(value)
        if stored is not None:
            if stored.kind != kind and not (kind == "document" and stored.kind != "photo"):
                raise bad_request("type of file mismatch")
            return stored
        if value.startswith(("http://", "https://")):
            # Telegram would download the URL; the fake cannot, so it records it.
            return self.w.files.add(kind, None, url=value, file_name=value.rsplit("/", 1)[-1])
        raise bad_request("wrong file identifier/HTTP URL specified")

    # ================================================================== bot & updates

    @api("getMe")
    def get_me(self, p: v.Params) -> Any:
        return self.w.get_me()

    @api("logOut")
    def log_out(self, p: v.Params) -> Any:
        return True

    @api("close")
    def close(self, p: v.Params) -> Any:
        return True

    @api("setWebhook")
    def set_webhook(self, p: v.Params) -> Any:
        url = p.str_("url") or ""
        if url and not is_loopback_url(url):
            # (a loopback URL is where the fake delivers: plain http and any port allowed)
            if not url.lower().startswith("https://"):
                raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            port = re.match(r"https://[^/:]+(?::(\d+))?", url, re.IGNORECASE)
            if port and port.group(1) and port.group(1) not in ("443", "80", "88", "8443"):
                raise bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        secret = p.str_("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")  # approximate
        if p.bool_("drop_pending_updates"):
            self.w.updates.drop_pending()
        self.w.updates.set_allowed(p.json_("allowed_updates"))
        self.w.webhook = {"url": url, "max_connections": p.int_("max_connections", 40)}
        if secret:
            self.w.webhook["secret_token"] = secret
        self.w.changed()
        return True

    @api("deleteWebhook")
    def delete_webhook(self, p: v.Params) -> Any:
        if p.bool_("drop_pending_updates"):
            self.w.updates.drop_pending()
        self.w.webhook = {"url": ""}
        self.w.changed()
        return True

    @api("getWebhookInfo")
    def get_webhook_info(self, p: v.Params) -> Any:
        info: dict[str, Any] = {
            "url": self.w.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.w.updates.pending),
        }
        if info["url"]:
            info["max_connections"] = self.w.webhook.get("max_connections", 40)
            info["allowed_updates"] = sorted(self.w.updates.allowed)
            for key in ("last_error_date", "last_error_message"):
                if key in self.w.webhook:
                    info[key] = self.w.webhook[key]
        return info

    @property
    def polls_started(self) -> int:
        """How many getUpdates requests have started (a newer one ends an older one)."""
        return self._poll_generation

    @api("getUpdates")
    async def get_updates(self, p: v.Params) -> Any:
        if self.w.webhook.get("url"):
            raise ApiError(409, CONFLICT_WEBHOOK)
        queue = self.w.updates
        offset = p.int_("offset")
        limit = min(max(p.int_("limit", 100) or 100, 1), 100)
        timeout = max(p.float_("timeout") or 0.0, 0.0)
        queue.set_allowed(p.json_("allowed_updates"))
        if offset is not None:
            queue.confirm(offset)
        # A newer getUpdates terminates an older one still waiting, like on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self.w.changed()
        deadline = time.monotonic() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, CONFLICT_OTHER_POLL)
            if queue.available():
                return queue.take(limit)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closing:
                return []
            await self.w.notifier.wait(remaining)

    # ================================================================== sending

    @api("sendMessage")
    def send_message(self, p: v.Params) -> Any:
        raw, text, entities = v.message_text(p)
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        return self._new_message(
            p,
            chat,
            "text",
            "sendMessage",
            text=text,
            source_text=raw,
            parse_mode=p.str_("parse_mode"),
            entities=entities,
        )

    @api("sendPhoto")
    def send_photo(self, p: v.Params) -> Any:
        raw, caption, entities = v.caption_text(p)
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        value = p.file("photo")
        stored = self._stored_file(value, "photo")
        if stored.content is not None:
            size = image_size(stored.content)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * max(min(width, height), 1):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
        else:
            size = (800, 600)
        sizes = photo_sizes(stored, size, self.w.files)
        return self._new_message(
            p,
            chat,
            "photo",
            "sendPhoto",
            text=caption,
            source_text=raw,
            parse_mode=p.str_("parse_mode"),
            entities=entities,
            media=sizes,
            file_bytes=stored.content,
            file_name=value.filename if isinstance(value, UploadedFile) else stored.file_name,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
        )

    def _send_file(self, p: v.Params, kind: str, method: str) -> Any:
        raw, caption, entities = v.caption_text(p)
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        stored = self._stored_file(p.file(kind), kind)
        media: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if kind == "sticker":
            media.update(
                {
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": p.str_("emoji") or "🙂",
                }
            )
        else:
            if stored.file_name:
                media["file_name"] = stored.file_name
            if stored.mime_type:
                media["mime_type"] = stored.mime_type
        if stored.file_size is not None:
            media["file_size"] = stored.file_size
        if kind in ("video", "animation", "voice", "audio"):
            media["duration"] = p.int_("duration", 0)
        if kind in ("video", "animation"):
            media["width"] = p.int_("width", 0)
            media["height"] = p.int_("height", 0)
        return self._new_message(
            p,
            chat,
            kind,
            method,
            text=caption,
            source_text=raw,
            parse_mode=p.str_("parse_mode"),
            entities=entities,
            media=media,
            file_bytes=stored.content,
            file_name=stored.file_name,
            mime_type=stored.mime_type,
            file_id=stored.file_id,
        )

    @api("sendDocument")
    def send_document(self, p: v.Params) -> Any:
        return self._send_file(p, "document", "sendDocument")

    @api("sendSticker")
    def send_sticker(self, p: v.Params) -> Any:
        return self._send_file(p, "sticker", "sendSticker")

    @api("sendVideo")
    def send_video(self, p: v.Params) -> Any:
        return self._send_file(p, "video", "sendVideo")

    @api("sendAnimation")
    def send_animation(self, p: v.Params) -> Any:
        return self._send_file(p, "animation", "sendAnimation")

    @api("sendVoice")
    def send_voice(self, p: v.Params) -> Any:
        return self._send_file(p, "voice", "sendVoice")

    @staticmethod
    def _location(p: v.Params) -> dict[str, Any]:
        latitude, longitude = p.float_("latitude"), p.float_("longitude")
        if latitude is None:
            raise bad_request('parameter "latitude" is required')
        if longitude is None:
            raise bad_request('parameter "longitude" is required')
        if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
            raise bad_request("wrong location specified")  # approximate
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        for key in ("horizontal_accuracy", "heading", "proximity_alert_radius"):
            if key in p:
                location[key] = p.float_(key) if key == "horizontal_accuracy" else p.int_(key)
        return location

    @api("sendLocation")
    def send_location(self, p: v.Params) -> Any:
        location = self._location(p)
        live_period = p.int_("live_period")
        if live_period is not None:
            if not (60 <= live_period <= 86400 or live_period == 0x7FFFFFFF):
                raise bad_request("wrong live period specified")  # approximate
            location["live_period"] = live_period
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        return self._new_message(p, chat, "location", "sendLocation", media=location)

    @api("sendVenue")
    def send_venue(self, p: v.Params) -> Any:
        location = self._location(p)
        venue = {
            "location": location,
            "title": p.required_str("title"),
            "address": p.required_str("address"),
        }
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        return self._new_message(p, chat, "venue", "sendVenue", media=venue)

    @api("sendContact")
    def send_contact(self, p: v.Params) -> Any:
        contact = {
            "phone_number": p.required_str("phone_number"),
            "first_name": p.required_str("first_name"),
        }
        if p.str_("last_name"):
            contact["last_name"] = p.str_("last_name")  # type: ignore[assignment]
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        return self._new_message(p, chat, "contact", "sendContact", media=contact)

    @api("sendChatAction")
    def send_chat_action(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"), for_sending=True)
        action = (p.str_("action") or "").lower()
        if action not in v.CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.chat_actions.append(action)
        return True

    # ================================================================== editing

    @api("editMessageText")
    def edit_message_text(self, p: v.Params) -> Any:
        raw, text, entities = v.message_text(p)
        _, msg = self._editable(p)
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        markup = self._edit_markup(p)
        if text == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        return self._apply_edit(
            msg,
            text=text,
            source_text=raw,
            entities=entities,
            parse_mode=p.str_("parse_mode"),
            reply_markup=markup,
        )

    @api("editMessageCaption")
    def edit_message_caption(self, p: v.Params) -> Any:
        raw, caption, entities = v.caption_text(p)
        _, msg = self._editable(p)
        if msg.kind in ("text", "location", "venue", "contact", "sticker"):
            raise bad_request("there is no caption in the message to edit")  # approximate
        markup = self._edit_markup(p)
        if caption == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        return self._apply_edit(
            msg,
            text=caption,
            source_text=raw,
            entities=entities,
            parse_mode=p.str_("parse_mode"),
            reply_markup=markup,
        )

    @api("editMessageReplyMarkup")
    def edit_message_reply_markup(self, p: v.Params) -> Any:
        _, msg = self._editable(p)
        markup = self._edit_markup(p)
        if markup == msg.reply_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        return self._apply_edit(msg, reply_markup=markup)

    @api("editMessageLiveLocation")
    def edit_message_live_location(self, p: v.Params) -> Any:
        _, msg = self._editable(p)
        if msg.kind != "location" or "live_period" not in (msg.media or {}):
            raise bad_request("message can't be edited")
        if (msg.media or {}).get("stopped"):
            raise bad_request("message can't be edited")
        location = {**msg.media, **self._location(p)}
        if location == msg.media:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        return self._apply_edit(msg, media=location)

    @api("stopMessageLiveLocation")
    def stop_message_live_location(self, p: v.Params) -> Any:
        _, msg = self._editable(p)
        media = msg.media or {}
        if msg.kind != "location" or "live_period" not in media or media.get("stopped"):
            raise bad_request("message can't be edited")
        return self._apply_edit(msg, media={**media, "stopped": True})

    def _delete(self, chat: ChatState, message_id: int) -> bool:
        msg = self.w.find_message(chat, message_id)
        if msg is None:
            return False
        if isinstance(msg, UserMessage) and chat.type != "private" and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        msg.deleted = True
        return True

    @api("deleteMessage")
    def delete_message(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"))
        message_id = p.int_("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        if not self._delete(chat, message_id):
            raise bad_request("message to delete not found")
        return True

    @api("deleteMessages")
    def delete_messages(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"))
        ids = p.json_("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")  # approximate
        for message_id in ids:
            self._delete(chat, int(message_id))
        return True

    # ================================================================== queries

    @api("answerCallbackQuery")
    def answer_callback_query(self, p: v.Params) -> Any:
        query = self.w.callback_query(p.required_str("callback_query_id"))
        text = p.str_("text") or ""
        if len(text) > v.MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")  # approximate
        answer = {
            "callback_query_id": query.id,
            "data": query.data,
            "message_id": query.message_id,
            "text": p.str_("text"),
            "show_alert": p.bool_("show_alert"),
            "url": p.str_("url"),
            "cache_time": p.int_("cache_time", 0),
        }
        query.answered = True
        query.answer = answer
        user = self.w.users.get(query.user_id)
        if user is not None:
            user.callback_answers.append(answer)
        return True

    @api("answerInlineQuery")
    def answer_inline_query(self, p: v.Params) -> Any:
        query_id = p.required_str("inline_query_id")
        results = v.inline_results(p.json_("results"))
        next_offset = p.str_("next_offset") or ""
        if len(next_offset.encode()) > 64:
            raise bad_request("next_offset is too long")  # approximate
        query = self.w.inline_query(query_id)
        answer = {
            "inline_query_id": query.id,
            "query": query.query,
            "offset": query.offset,
            "results": results,
            "cache_time": p.int_("cache_time", 300),
            "is_personal": p.bool_("is_personal"),
            "next_offset": next_offset,
            "button": p.json_("button"),
        }
        query.answered = True
        query.answer = answer
        user = self.w.users.get(query.user_id)
        if user is not None:
            user.inline_answers.append(answer)
        return True

    # ================================================================== commands & menu

    def _scope_and_language(self, p: v.Params) -> tuple[tuple[Any, ...], str]:
        scope = v.command_scope(p.json_("scope"))
        if "chat_id" in scope:
            scope["chat_id"] = self.w.resolve_scope_chat(scope["chat_id"])
        return self.w.scope_key(scope), v.language_code(p)

    @api("setMyCommands")
    def set_my_commands(self, p: v.Params) -> Any:
        commands = v.commands(p.json_("commands"))
        key, language = self._scope_and_language(p)
        if commands:
            self.w.commands[(key, language)] = commands
        else:
            self.w.commands.pop((key, language), None)
        return True

    @api("getMyCommands")
    def get_my_commands(self, p: v.Params) -> Any:
        key, language = self._scope_and_language(p)
        return [
            {"command": c, "description": d} for c, d in self.w.commands.get((key, language), [])
        ]

    @api("deleteMyCommands")
    def delete_my_commands(self, p: v.Params) -> Any:
        key, language = self._scope_and_language(p)
        self.w.commands.pop((key, language), None)
        return True

    @api("setChatMenuButton")
    def set_chat_menu_button(self, p: v.Params) -> Any:
        button = p.json_("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise bad_request("can't parse MenuButton: Unsupported type specified")
        if button["type"] == "web_app":
            web_app = button.get("web_app")
            if not isinstance(web_app, dict) or not str(web_app.get("url", "")).startswith(
                "https://"
            ):
                raise bad_request("can't parse MenuButton: WebApp URL must be HTTPS")  # approx.
        if "chat_id" in p:
            chat = self.w.resolve_chat(p.get("chat_id"))
            if chat.type != "private":
                raise bad_request("chat must be a private chat")  # approximate
            chat.menu_button = button
        else:
            self.w.default_menu_button = button
        return True

    @api("getChatMenuButton")
    def get_chat_menu_button(self, p: v.Params) -> Any:
        if "chat_id" in p:
            chat = self.w.resolve_chat(p.get("chat_id"))
            if chat.menu_button and chat.menu_button.get("type") != "default":
                return chat.menu_button
        button = self.w.default_menu_button
        return button if button.get("type") != "default" else {"type": "commands"}

    def _set_bot_text(self, p: v.Params, kind: str, limit: int) -> Any:
        value = p.str_(kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")  # approximate
        language = v.language_code(p)
        if value:
            self.w.bot_texts[(kind, language)] = value
        else:
            self.w.bot_texts.pop((kind, language), None)
        return True

    def _get_bot_text(self, p: v.Params, kind: str) -> Any:
        language = v.language_code(p)
        value = self.w.bot_texts.get((kind, language), self.w.bot_texts.get((kind, ""), ""))
        if kind == "name" and not value:
            value = self.w.bot_name
        return {kind: value}

    @api("setMyName")
    def set_my_name(self, p: v.Params) -> Any:
        return self._set_bot_text(p, "name", 64)

    @api("getMyName")
    def get_my_name(self, p: v.Params) -> Any:
        return self._get_bot_text(p, "name")

    @api("setMyDescription")
    def set_my_description(self, p: v.Params) -> Any:
        return self._set_bot_text(p, "description", 512)

    @api("getMyDescription")
    def get_my_description(self, p: v.Params) -> Any:
        return self._get_bot_text(p, "description")

    @api("setMyShortDescription")
    def set_my_short_description(self, p: v.Params) -> Any:
        return self._set_bot_text(p, "short_description", 120)

    @api("getMyShortDescription")
    def get_my_short_description(self, p: v.Params) -> Any:
        return self._get_bot_text(p, "short_description")

    # ================================================================== chats & files

    @api("getChat")
    def get_chat(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"))
        gifts = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        return {
            **self.w.chat_json(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    @api("getChatMember")
    def get_chat_member(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"))
        user_id = p.int_("user_id")
        if user_id is None:
            raise bad_request('parameter "user_id" is required')
        if user_id == self.w.bot_id:
            if chat.bot_removed:
                return {"status": "kicked", "user": self.w.bot_user_json(), "until_date": 0}
            if chat.bot_is_admin:
                return _administrator(self.w.bot_user_json())
            return {"status": "member", "user": self.w.bot_user_json()}
        user = self.w.users.get(user_id)
        member = user is not None and (
            chat.user_id == user_id if chat.type == "private" else user_id in chat.members
        )
        if user is None or (not member and user_id not in self.w.seen_users):
            raise bad_request("user not found")  # approximate
        if not member:
            return {"status": "left", "user": user.to_json()}
        if chat.type != "private" and chat.id in user.admin_of:
            return _administrator(user.to_json())
        return {"status": "member", "user": user.to_json()}

    @api("pinChatMessage")
    def pin_chat_message(self, p: v.Params) -> Any:
        chat = self.w.resolve_chat(p.get("chat_id"))
        message_id = p.int_("message_id")
        if message_id is None or self.w.find_message(chat, message_id) is None:
            raise bad_request("message to pin not found")
        return True

    @api("unpinChatMessage")
    def unpin_chat_message(self, p: v.Params) -> Any:
        self.w.resolve_chat(p.get("chat_id"))
        return True

    @api("getFile")
    def get_file(self, p: v.Params) -> Any:
        file_id = p.required_str("file_id")
        stored = self.w.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.content is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        if len(stored.content) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": self.w.files.assign_path(stored),
        }


def _administrator(user: dict[str, Any]) -> dict[str, Any]:
    rights = (
        "can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages",
        "can_manage_video_chats", "can_restrict_members", "can_promote_members",
        "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
        "can_delete_stories", "can_pin_messages",
    )  # fmt: skip
    data: dict[str, Any] = {"status": "administrator", "user": user}
    data.update({right: right not in ("can_be_edited", "is_anonymous") for right in rights})
    return data
