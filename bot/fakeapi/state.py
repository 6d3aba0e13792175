"""The simulated Telegram world: chats, messages, the update queue, queries, commands.

Nothing here does I/O.  The HTTP layer (:mod:`.server`) and the test-facing user API
(:mod:`.users`) both mutate a single :class:`World`, which wakes waiters through a
:class:`Notifier` whenever anything changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import bad_request, forbidden
from .files import FileStore
from .models import SentMessage

if TYPE_CHECKING:
    from .users import FakeUser

ALL_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post",
    "business_connection", "business_message", "edited_business_message",
    "deleted_business_messages", "message_reaction", "message_reaction_count",
    "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
    "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
)  # fmt: skip
# What Telegram sends when allowed_updates was never set (or set to []).
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


class Notifier:
    """Broadcast "something changed" to any number of waiting coroutines."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Return on the next change or after ``seconds``, whichever comes first."""
        if seconds <= 0:
            return
        event = self._event
        # asyncio.timeout, not wait_for: no task per wait (every change wakes every waiter)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()

    async def wait_until(self, predicate: Callable[[], Any], seconds: float) -> Any:
        """Wait until ``predicate()`` is truthy; returns its value, or ``None`` after
        ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await self.wait(remaining)


@dataclass
class UserMessage:
    """A message a fake user sent (kept so the bot can reply to, edit-check or delete it)."""

    message_id: int
    chat_id: int
    from_id: int
    json: dict[str, Any]
    deleted: bool = False


@dataclass
class ChatState:
    """One chat as the server sees it."""

    id: int
    type: str  # "private" | "group" | "supergroup"
    title: str | None = None
    user_id: int | None = None
    username: str | None = None
    next_message_id: int = 1
    bot_messages: list[SentMessage] = field(default_factory=list)
    messages: dict[int, SentMessage | UserMessage] = field(default_factory=dict)
    reply_keyboard: dict[str, Any] | None = None
    chat_actions: list[str] = field(default_factory=list)
    blocked: bool = False  # private chat: the user blocked the bot
    bot_removed: bool = False  # group: the bot was kicked
    bot_is_admin: bool = False
    menu_button: dict[str, Any] | None = None
    members: set[int] = field(default_factory=set)

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class CallbackQueryState:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class InlineQueryState:
    id: str
    user_id: int
    query: str
    offset: str
    created: float
    answered: bool = False
    answer: dict[str, Any] | None = None


class UpdateQueue:
    """Telegram's per-bot update queue with getUpdates' offset/confirmation semantics.

    * Updates get consecutive ids.  ``getUpdates(offset=N)`` confirms every update < N;
      unconfirmed updates are returned again by the next call (as on Telegram).
    * ``allowed_updates`` is remembered between calls and filters updates *when they are
      created*: an update of a disallowed type is never stored (it is kept in ``dropped``).
    * :meth:`redeliver` forces an old update out again with the same ``update_id``.
    """

    def __init__(self, first_update_id: int = 734_000_001) -> None:
        self._ids = itertools.count(first_update_id)
        self.pending: list[dict[str, Any]] = []
        self.archive: dict[int, dict[str, Any]] = {}
        self.confirmed_below = 0
        self.redeliver_ids: list[int] = []
        self.allowed: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.dropped: list[dict[str, Any]] = []

    def push(self, kind: str, payload: dict[str, Any]) -> int | None:
        update_id = next(self._ids)
        update = {"update_id": update_id, kind: payload}
        if kind not in self.allowed:
            self.dropped.append(update)
            return None
        self.archive[update_id] = update
        self.pending.append(update)
        return update_id

    def set_allowed(self, allowed: Any) -> None:
        if allowed is None:
            return
        if isinstance(allowed, list):
            self.allowed = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES

    def confirm(self, offset: int) -> None:
        if offset < 0:
            keep = self.pending[offset:] if -offset <= len(self.pending) else self.pending
            if keep:
                self.confirmed_below = max(self.confirmed_below, keep[0]["update_id"])
        else:
            self.confirmed_below = max(self.confirmed_below, offset)
        self.pending = [u for u in self.pending if u["update_id"] >= self.confirmed_below]

    def drop_pending(self) -> None:
        if self.pending:
            self.confirm(self.pending[-1]["update_id"] + 1)
        self.redeliver_ids.clear()

    def redeliver(self, update_id: int) -> None:
        if update_id not in self.archive:
            raise KeyError(f"unknown update_id {update_id}")
        if update_id not in self.redeliver_ids:
            self.redeliver_ids.append(update_id)

    def next_for_webhook(self) -> dict[str, Any] | None:
        """The update a webhook delivery sends next: the oldest not yet delivered (updates
        go out one at a time, in order; nothing is confirmed until :meth:`delivered`)."""
        ids = [u["update_id"] for u in self.pending] + self.redeliver_ids
        return self.archive[min(ids)] if ids else None

    def delivered(self, update_id: int) -> None:
        """The webhook answered 2xx for ``update_id``: it is confirmed."""
        if update_id in self.redeliver_ids:
            self.redeliver_ids.remove(update_id)
        if any(u["update_id"] == update_id for u in self.pending):
            self.confirm(update_id + 1)

    def available(self) -> bool:
        return bool(self.pending or self.redeliver_ids)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Updates for one getUpdates response (does not confirm anything)."""
        by_id = {u["update_id"]: u for u in self.pending}
        for update_id in self.redeliver_ids:
            by_id.setdefault(update_id, self.archive[update_id])
        batch = [by_id[k] for k in sorted(by_id)][:limit]
        returned = {u["update_id"] for u in batch}
        self.redeliver_ids = [i for i in self.redeliver_ids if i not in returned]
        return batch


class World:
    """Everything the fake Telegram knows, shared by the HTTP layer and the fake users."""

    def __init__(
        self,
        *,
        bot_id: int,
        bot_username: str,
        bot_name: str,
        privacy_mode: bool,
        clock: Callable[[], float],
        callback_query_ttl: float | None,
        inline_query_ttl: float | None,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.privacy_mode = privacy_mode
        self.clock = clock
        self.callback_query_ttl = callback_query_ttl
        self.inline_query_ttl = inline_query_ttl
        self.notifier = Notifier()
        self.updates = UpdateQueue()
        self.files = FileStore()
        self.users: dict[int, FakeUser] = {}
        self.seen_users: set[int] = set()
        self.chats: dict[int, ChatState] = {}
        self.callback_queries: dict[str, CallbackQueryState] = {}
        self.inline_queries: dict[str, InlineQueryState] = {}
        self.commands: dict[tuple[tuple[Any, ...], str], list[tuple[str, str]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (name|description|short, lang)
        self.webhook: dict[str, Any] = {"url": ""}
        self._query_ids = itertools.count(4_713_000_000_000_000_001)
        self._user_ids = itertools.count(7_100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_001_000_000_001)

    # ------------------------------------------------------------------ basics

    def now(self) -> int:
        return int(self.clock())

    def changed(self) -> None:
        self.notifier.notify()

    def next_user_id(self) -> int:
        return next(self._user_ids)

    def next_group_id(self, supergroup: bool) -> int:
        if supergroup:
            return -next(self._supergroup_ids)  # "-100..." like real supergroups
        return -next(self._group_ids)

    def next_query_id(self) -> str:
        return str(next(self._query_ids))

    def bot_user_json(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.bot_user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def chat_json(self, chat: ChatState) -> dict[str, Any]:
        if chat.type == "private":
            user = self.users[chat.user_id]  # type: ignore[index]
            data: dict[str, Any] = {"id": chat.id, "first_name": user.first_name}
            if user.last_name:
                data["last_name"] = user.last_name
            if user.username:
                data["username"] = user.username
            data["type"] = "private"
            return data
        data = {"id": chat.id, "title": chat.title, "type": chat.type}
        if chat.username:
            data["username"] = chat.username
        return data

    # ------------------------------------------------------------------ messages

    def message_json(self, msg: SentMessage | UserMessage, *, nested: bool = False) -> dict:
        """The ``Message`` object Telegram would return/deliver for ``msg``."""
        if isinstance(msg, UserMessage):
            data = dict(msg.json)
            if nested:
                data.pop("reply_to_message", None)
            return data
        chat = self.chats[msg.chat_id]
        data = {
            "message_id": msg.message_id,
            "from": self.bot_user_json(),
            "chat": self.chat_json(chat),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if msg.reply_to_message_id is not None and not nested:
            replied = chat.messages.get(msg.reply_to_message_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_json(replied, nested=True)
        if msg.kind == "text":
            data["text"] = msg.text
            if msg.entities:
                data["entities"] = msg.entities
        else:
            data[msg.kind] = msg.media
            if msg.text:
                data["caption"] = msg.text
                if msg.entities:
                    data["caption_entities"] = msg.entities
        if msg.is_inline_keyboard():
            data["reply_markup"] = msg.reply_markup
        return data

    def add_bot_message(self, chat: ChatState, msg: SentMessage) -> None:
        chat.bot_messages.append(msg)
        chat.messages[msg.message_id] = msg
        markup = msg.reply_markup
        if markup and "keyboard" in markup:
            chat.reply_keyboard = markup
            if chat.user_id is not None and chat.user_id in self.users:
                self.users[chat.user_id].keyboard_collapsed = False
        elif markup and (markup.get("remove_keyboard") or markup.get("hide_keyboard")):
            chat.reply_keyboard = None

    def find_message(self, chat: ChatState, message_id: int) -> SentMessage | UserMessage | None:
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            return None
        return msg

    # ------------------------------------------------------------------ chats

    def resolve_chat(self, value: Any, *, for_sending: bool = False) -> ChatState:
        """Look up ``chat_id`` like Telegram: unknown chats, blocked users, kicked bot."""
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        chat: ChatState | None = None
        if isinstance(value, str) and value.startswith("@"):
            name = value[1:].lower()
            chat = next(
                (c for c in self.chats.values() if c.username and c.username.lower() == name),
                None,
            )
        else:
            try:
                chat_id = int(value)
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
            chat = self.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.type == "private":
            if chat.user_id not in self.seen_users:
                raise bad_request("chat not found")
            user = self.users[chat.user_id]  # type: ignore[index]
            if for_sending:
                if user.deactivated:
                    raise forbidden("user is deactivated")
                if chat.blocked:
                    raise forbidden("bot was blocked by the user")
                if not user.started:
                    raise forbidden("bot can't initiate conversation with a user")
        elif chat.bot_removed:
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            raise forbidden(f"bot was kicked from the {kind}")
        return chat

    def resolve_scope_chat(self, value: Any) -> int:
        chat = self.resolve_chat(value)
        return chat.id

    # ------------------------------------------------------------------ commands

    @staticmethod
    def scope_key(scope: dict[str, Any]) -> tuple[Any, ...]:
        kind = scope["type"]
        if kind in ("chat", "chat_administrators"):
            return (kind, scope["chat_id"])
        if kind == "chat_member":
            return (kind, scope["chat_id"], scope["user_id"])
        return (kind,)

    def effective_commands(
        self, chat: ChatState, user: FakeUser | None, *, is_admin: bool = False
    ) -> list[tuple[str, str]]:
        """Telegram's documented lookup of the command list a user sees in a chat."""
        lang = ((user.language_code or "")[:2].lower()) if user is not None else ""
        if chat.type == "private":
            keys: list[tuple[Any, ...]] = [("chat", chat.id), ("all_private_chats",)]
        else:
            keys = []
            if user is not None:
                keys.append(("chat_member", chat.id, user.id))
            if is_admin:
                keys.append(("chat_administrators", chat.id))
            keys.append(("chat", chat.id))
            if is_admin:
                keys.append(("all_chat_administrators",))
            keys.append(("all_group_chats",))
        keys.append(("default",))
        for key in keys:
            for language in ([lang] if lang else []) + [""]:
                found = self.commands.get((key, language))
                if found:
                    return list(found)
        return []

    # ------------------------------------------------------------------ queries

    def callback_query(self, query_id: str) -> CallbackQueryState:
        query = self.callback_queries.get(query_id)
        expired = (
            query is not None
            and self.callback_query_ttl is not None
            and time.monotonic() - query.created > self.callback_query_ttl
        )
        if query is None or query.answered or expired:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return query

    def inline_query(self, query_id: str) -> InlineQueryState:
        query = self.inline_queries.get(query_id)
        expired = (
            query is not None
            and self.inline_query_ttl is not None
            and time.monotonic() - query.created > self.inline_query_ttl
        )
        if query is None or query.answered or expired:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        return query
