"""The test-facing side: fake Telegram users and groups that talk to the bot.

A test acts through :class:`FakeUser` (its private chat with the bot) and :class:`FakeGroup`:
each action builds the Update JSON a real Telegram client would cause and queues it for the
bot's ``getUpdates``; ``expect_*`` methods wait for what the bot did in reaction.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import TYPE_CHECKING, Any

from . import entities as ent
from .files import image_size, photo_sizes, tiny_pdf, tiny_png
from .models import SentMessage
from .state import CallbackQueryState, ChatState, InlineQueryState, UserMessage, World

if TYPE_CHECKING:
    from .server import FakeBotAPI


@functools.lru_cache(maxsize=1)
def _default_photo() -> bytes:
    return tiny_png(1280, 960, (40, 120, 200))


_FAKE_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)


class _ChatView:
    """What the bot did in one chat: sent messages, keyboards, chat actions."""

    def __init__(self, server: FakeBotAPI, chat_id: int) -> None:
        self._server = server
        self._world: World = server.world
        self.chat_id = chat_id
        self._cursor = 0

    @property
    def chat(self) -> ChatState:
        return self._world.chats[self.chat_id]

    @property
    def messages(self) -> list[SentMessage]:
        """Every message the bot sent to this chat (live views; deleted ones included)."""
        return list(self.chat.bot_messages)

    @property
    def unconsumed(self) -> list[SentMessage]:
        """Messages not yet returned by :meth:`expect_message`."""
        return self.chat.bot_messages[self._cursor :]

    @property
    def chat_actions(self) -> list[str]:
        """Every ``sendChatAction`` action sent to this chat, in order."""
        return list(self.chat.chat_actions)

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """Rows of the reply keyboard currently shown in this chat, or ``None``."""
        markup = self.chat.reply_keyboard
        if markup is None:
            return None
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in markup["keyboard"]
        ]

    def _describe(self) -> str:
        return f"chat {self.chat_id}"

    def _failure(self, headline: str) -> AssertionError:
        recent = self.chat.bot_messages[-5:]
        lines = [headline, f"Last messages the bot sent to {self._describe()}:"]
        lines += [f"  {m!r}" for m in recent] or ["  (none)"]
        lines.append("Recent Bot API calls:")
        lines.append(self._server.dump_calls())
        return AssertionError("\n".join(lines))

    async def expect_message(
        self,
        timeout: float = 60.0,  # noqa: ASYNC109
        contains: str | None = None,
        kind: str | None = None,
    ) -> SentMessage:
        """The next not-yet-consumed message the bot sent here (in order).

        ``contains``/``kind`` assert on that next message (no skipping of other messages).
        """
        __tracebackhide__ = True
        got = await self._world.notifier.wait_until(
            lambda: len(self.chat.bot_messages) > self._cursor, timeout
        )
        if not got:
            want = f" containing {contains!r}" if contains else ""
            raise self._failure(
                f"{self._describe()}: no new message{want} from the bot within {timeout}s"
            )
        msg = self.chat.bot_messages[self._cursor]
        self._cursor += 1
        if contains is not None and contains not in (msg.text or ""):
            raise self._failure(
                f"{self._describe()}: next message {msg!r} does not contain {contains!r}"
            )
        if kind is not None and msg.kind != kind:
            raise self._failure(f"{self._describe()}: next message {msg!r} is not a {kind}")
        return msg

    async def expect_messages(self, count: int, timeout: float = 60.0) -> list[SentMessage]:  # noqa: ASYNC109
        """The next ``count`` messages."""
        __tracebackhide__ = True
        return [await self.expect_message(timeout) for _ in range(count)]

    async def expect_no_message(self, within: float = 0.5) -> None:
        """Assert the bot sends nothing new here.

        With settle hooks registered on the server (the bot under test says when it has
        nothing left to do), that is checked once the bot has settled: an event, not a
        guess. Without them, nothing may arrive for ``within`` seconds.
        """
        __tracebackhide__ = True
        hooks = list(self._server.settle_hooks)
        if hooks:
            for hook in hooks:
                await hook()
            within = 0.0
        got = await self._world.notifier.wait_until(
            lambda: len(self.chat.bot_messages) > self._cursor, within
        )
        if got:
            raise self._failure(
                f"{self._describe()}: expected no message, got "
                f"{self.chat.bot_messages[self._cursor]!r}"
            )

    async def expect_edit(self, msg: SentMessage, timeout: float = 60.0) -> SentMessage:  # noqa: ASYNC109
        """Wait until ``msg`` was edited (text, caption, markup...) since the last check."""
        __tracebackhide__ = True
        got = await self._world.notifier.wait_until(
            lambda: msg.edit_count > msg.seen_edits, timeout
        )
        if not got:
            raise self._failure(f"{msg!r} was not edited within {timeout}s")
        msg.seen_edits = msg.edit_count
        return msg

    async def expect_deleted(self, msg: SentMessage, timeout: float = 60.0) -> SentMessage:  # noqa: ASYNC109
        """Wait until the bot deleted ``msg``."""
        __tracebackhide__ = True
        if not await self._world.notifier.wait_until(lambda: msg.deleted, timeout):
            raise self._failure(f"{msg!r} was not deleted within {timeout}s")
        return msg

    async def expect_chat_action(self, action: str = "typing", timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until the bot sent ``action`` (sendChatAction) to this chat."""
        __tracebackhide__ = True
        if not await self._world.notifier.wait_until(
            lambda: action in self.chat.chat_actions, timeout
        ):
            raise self._failure(f"no {action!r} chat action within {timeout}s")

    # ------------------------------------------------------------------ update building

    async def _post(
        self,
        user: FakeUser,
        content: dict[str, Any],
        *,
        reply_to: SentMessage | int | None = None,
        deliver: bool = True,
    ) -> int | None:
        """Create a message from ``user`` in this chat and queue its update."""
        __tracebackhide__ = True
        world = self._world
        chat = self.chat
        world.seen_users.add(user.id)
        if chat.type == "private":
            if chat.blocked:
                raise AssertionError(
                    f"{user.first_name} blocked the bot; call server.unblock(user) first"
                )
            user.started = True
        else:
            chat.members.add(user.id)
        message_id = chat.new_message_id()
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": user.to_json(),
            "chat": world.chat_json(chat),
            "date": world.now(),
        }
        target_id = reply_to.message_id if isinstance(reply_to, SentMessage) else reply_to
        target = world.find_message(chat, target_id) if target_id is not None else None
        if target_id is not None and target is None:
            raise AssertionError(f"cannot reply to message {target_id}: not in {chat.id}")
        if target is not None:
            data["reply_to_message"] = world.message_json(target, nested=True)
        data.update(content)
        record = UserMessage(message_id, chat.id, user.id, data)
        chat.messages[message_id] = record
        user.sent.append(record)
        update_id = world.updates.push("message", data) if deliver else None
        world.changed()
        await asyncio.sleep(0)
        return update_id

    def _text_content(self, text: str) -> dict[str, Any]:
        clean, _ = ent.trim(text, [])
        if not clean:
            raise ValueError("Telegram clients cannot send an empty message")
        if len(clean) > 4096:
            raise ValueError("a user message is limited to 4096 characters")
        content: dict[str, Any] = {"text": clean}
        found = ent.find_auto_entities(clean)
        if found:
            content["entities"] = found
        return content

    async def _press(self, user: FakeUser, msg: SentMessage, text: str) -> int | None:
        __tracebackhide__ = True
        if msg.chat_id != self.chat_id:
            raise AssertionError(f"{msg!r} is not in {self._describe()}")
        if msg.deleted:
            raise AssertionError(f"cannot press a button on deleted {msg!r}")
        button = msg.find_button(text)
        if button is None:
            raise AssertionError(
                f"no inline button {text!r} on {msg!r}; buttons: {msg.button_texts()}"
            )
        if "callback_data" not in button:
            raise AssertionError(
                f"button {text!r} has no callback_data ({button}); it sends no callback query"
            )
        return await self._callback(user, msg.message_id, button["callback_data"])

    async def _callback(self, user: FakeUser, message_id: int, data: str) -> int | None:
        world = self._world
        chat = self.chat
        world.seen_users.add(user.id)
        query_id = world.next_query_id()
        target = world.find_message(chat, message_id)
        if target is not None:
            message = world.message_json(target)
        else:  # deleted or never existed: Telegram sends an InaccessibleMessage
            message = {"chat": world.chat_json(chat), "message_id": message_id, "date": 0}
        payload = {
            "id": query_id,
            "from": user.to_json(),
            "message": message,
            "chat_instance": str(-(abs(chat.id) * 2_654_435_761 % 10**18) - 1),
            "data": data,
        }
        world.callback_queries[query_id] = CallbackQueryState(
            query_id, user.id, chat.id, message_id, data, time.monotonic()
        )
        update_id = world.updates.push("callback_query", payload)
        world.changed()
        await asyncio.sleep(0)
        return update_id


class FakeUser(_ChatView):
    """A Telegram user; its private chat with the bot has ``chat_id == id``."""

    def __init__(
        self,
        server: FakeBotAPI,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
        is_premium: bool = False,
        started: bool = False,
    ) -> None:
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.is_premium = is_premium
        self.started = started
        self.deactivated = False
        self.admin_of: set[int] = set()
        self.sent: list[UserMessage] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.inline_answers: list[dict[str, Any]] = []
        self._live_location: UserMessage | None = None
        self._answers_seen = 0
        self._inline_seen = 0
        self.keyboard_collapsed = False
        world = server.world
        world.users[user_id] = self
        world.chats[user_id] = ChatState(id=user_id, type="private", user_id=user_id)
        if started:
            world.seen_users.add(user_id)
        super().__init__(server, user_id)

    def __repr__(self) -> str:
        return f"<FakeUser {self.id} {self.first_name!r}>"

    def _describe(self) -> str:
        return f"private chat with {self.first_name} ({self.id})"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        if self.is_premium:
            data["is_premium"] = True
        return data

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def commands(self) -> list[tuple[str, str]]:
        """The command menu this user sees in the private chat (Telegram's lookup order)."""
        return self._world.effective_commands(self.chat, self)

    @property
    def menu_button(self) -> dict[str, Any]:
        button = self.chat.menu_button
        if button and button.get("type") != "default":
            return button
        default = self._world.default_menu_button
        return default if default.get("type") != "default" else {"type": "commands"}

    @property
    def last_message_id(self) -> int | None:
        """message_id of the latest message this user sent (in any chat)."""
        return self.sent[-1].message_id if self.sent else None

    # ------------------------------------------------------------------ sending

    async def send(self, text: str, *, reply_to: SentMessage | int | None = None) -> int | None:
        """Send a text (commands get ``bot_command`` entities); returns the update_id."""
        return await self._post(self, self._text_content(text), reply_to=reply_to)

    async def tap_keyboard(self, text: str) -> int | None:
        """Tap a button of the reply keyboard currently shown (sends its text)."""
        __tracebackhide__ = True
        markup = self.chat.reply_keyboard
        if markup is None:
            raise AssertionError(f"no reply keyboard is shown to {self.first_name}")
        for row in markup["keyboard"]:
            for button in row:
                label = button if isinstance(button, str) else button.get("text")
                if label != text:
                    continue
                if isinstance(button, dict):
                    if button.get("request_location"):
                        raise AssertionError(
                            f"{text!r} requests the location: use user.send_location(...)"
                        )
                    if button.get("request_contact"):
                        raise AssertionError(
                            f"{text!r} requests the contact: use user.send_contact(...)"
                        )
                if markup.get("one_time_keyboard"):
                    # the client collapses it after one use; it stays available until the bot
                    # replaces or removes it (Telegram's documented behaviour)
                    self.keyboard_collapsed = True
                return await self.send(text)
        raise AssertionError(
            f"no reply keyboard button {text!r}; the keyboard is {self.reply_keyboard}"
        )

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        live_period: int | None = None,
        *,
        horizontal_accuracy: float | None = None,
        reply_to: SentMessage | int | None = None,
    ) -> int | None:
        """Share a location; with ``live_period`` it is a live location (see move_location)."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        if live_period is not None:
            location["live_period"] = live_period
        update_id = await self._post(self, {"location": location}, reply_to=reply_to)
        if live_period is not None:
            self._live_location = self.sent[-1]
        return update_id

    async def move_live_location(
        self, latitude: float, longitude: float, *, heading: int | None = None
    ) -> int | None:
        """Update the last live location: delivered as an ``edited_message`` update."""
        record = self._live_location
        if record is None:
            raise AssertionError("no live location was shared; use send_location(live_period=)")
        location = {**record.json["location"], "latitude": latitude, "longitude": longitude}
        if heading is not None:
            location["heading"] = heading
        record.json = {**record.json, "location": location, "edit_date": self._world.now()}
        update_id = self._world.updates.push("edited_message", dict(record.json))
        self._world.changed()
        await asyncio.sleep(0)
        return update_id

    async def edit(self, message_id: int, text: str) -> int | None:
        """Edit one of this user's text messages (an ``edited_message`` update)."""
        record = self.chat.messages.get(message_id)
        if not isinstance(record, UserMessage) or record.from_id != self.id:
            raise AssertionError(f"{message_id} is not a message of {self.first_name}")
        content = self._text_content(text)
        record.json = {k: v for k, v in record.json.items() if k != "entities"}
        record.json.update(content, edit_date=self._world.now())
        update_id = self._world.updates.push("edited_message", dict(record.json))
        self._world.changed()
        await asyncio.sleep(0)
        return update_id

    async def send_photo(
        self,
        file_unique_suffix: str | None = None,
        caption: str | None = None,
        *,
        content: bytes | None = None,
        reply_to: SentMessage | int | None = None,
        media_group_id: str | None = None,
    ) -> int | None:
        """Send a photo (several PhotoSizes, largest last).

        Photos with the same ``file_unique_suffix`` share ``file_unique_id`` (same picture
        sent twice) but get different ``file_id``s, as on Telegram.
        """
        data = content if content is not None else _default_photo()
        size = image_size(data) or (1280, 960)
        unique = f"AQAD{file_unique_suffix}" if file_unique_suffix is not None else None
        stored = self._world.files.add("photo", data, unique_id=unique, mime_type="image/jpeg")
        payload: dict[str, Any] = {"photo": photo_sizes(stored, size, self._world.files)}
        payload.update(_caption(caption))
        if media_group_id is not None:
            payload["media_group_id"] = media_group_id
        return await self._post(self, payload, reply_to=reply_to)

    async def send_album(self, count: int) -> list[int | None]:
        """Several photos sent together: one message (update) each, sharing a
        ``media_group_id``, as Telegram delivers an album."""
        group = f"1{self.id % 10**6:06d}{len(self.sent):04d}"
        return [await self.send_photo(media_group_id=group) for _ in range(count)]

    async def send_document(
        self,
        file_name: str = "x.pdf",
        *,
        content: bytes | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        reply_to: SentMessage | int | None = None,
    ) -> int | None:
        """Send a file as a document (downloadable by the bot through getFile)."""
        data = content if content is not None else tiny_pdf(file_name)
        stored = self._world.files.add("document", data, file_name=file_name, mime_type=mime_type)
        document = {
            "file_name": file_name,
            "mime_type": stored.mime_type or "application/octet-stream",
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        payload: dict[str, Any] = {"document": document}
        payload.update(_caption(caption))
        return await self._post(self, payload, reply_to=reply_to)

    async def send_sticker(self, emoji: str = "👍", set_name: str = "FakeStickers") -> int | None:
        stored = self._world.files.add("sticker", _FAKE_WEBP, mime_type="image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": set_name,
            "file_size": stored.file_size,
        }
        return await self._post(self, {"sticker": sticker})

    async def send_contact(
        self, phone_number: str = "+8613800138000", *, own: bool = True
    ) -> int | None:
        """Share a contact (``own=True``: the user's own, as a request_contact button does)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": self.first_name}
        if own:
            if self.last_name:
                contact["last_name"] = self.last_name
            contact["user_id"] = self.id
        return await self._post(self, {"contact": contact})

    # ------------------------------------------------------------------ buttons & inline

    async def press(self, msg: SentMessage, text: str) -> int | None:
        """Press the inline button labelled ``text`` on ``msg`` (as currently shown)."""
        return await self._press(self, msg, text)

    async def press_data(self, message_id: int, data: str) -> int | None:
        """A forged or stale press: arbitrary ``data`` for any message id of this chat."""
        return await self._callback(self, message_id, data)

    async def inline_query(self, query: str, offset: str = "") -> int | None:
        """Type ``@bot query`` in some chat: an ``inline_query`` update."""
        world = self._world
        world.seen_users.add(self.id)
        query_id = world.next_query_id()
        payload = {
            "id": query_id,
            "from": self.to_json(),
            "query": query,
            "offset": offset,
            "chat_type": "sender",
        }
        world.inline_queries[query_id] = InlineQueryState(
            query_id, self.id, query, offset, time.monotonic()
        )
        update_id = world.updates.push("inline_query", payload)
        world.changed()
        await asyncio.sleep(0)
        return update_id

    async def expect_callback_answer(self, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for the next answerCallbackQuery for this user's presses."""
        __tracebackhide__ = True
        seen = self._answers_seen
        ok = await self._world.notifier.wait_until(
            lambda: len(self.callback_answers) > seen, timeout
        )
        if not ok:
            raise self._failure(f"no answerCallbackQuery for {self.first_name} within {timeout}s")
        self._answers_seen = seen + 1
        return self.callback_answers[seen]

    async def expect_inline_answer(self, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait for the next answerInlineQuery for this user's inline queries."""
        __tracebackhide__ = True
        seen = self._inline_seen
        ok = await self._world.notifier.wait_until(lambda: len(self.inline_answers) > seen, timeout)
        if not ok:
            raise self._failure(f"no answerInlineQuery for {self.first_name} within {timeout}s")
        self._inline_seen = seen + 1
        return self.inline_answers[seen]

    # ------------------------------------------------------------------ relationship

    def block(self) -> None:
        self._server.block(self)

    def unblock(self) -> None:
        self._server.unblock(self)


class FakeGroup(_ChatView):
    """A group (or supergroup) the bot is a member of."""

    def __init__(
        self,
        server: FakeBotAPI,
        *,
        chat_id: int,
        title: str,
        supergroup: bool,
        username: str | None,
        bot_is_admin: bool,
    ) -> None:
        self.id = chat_id
        self.title = title
        server.world.chats[chat_id] = ChatState(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            username=username,
            bot_is_admin=bot_is_admin,
        )
        super().__init__(server, chat_id)

    def __repr__(self) -> str:
        return f"<FakeGroup {self.id} {self.title!r}>"

    def _describe(self) -> str:
        return f"group {self.title!r} ({self.id})"

    def _visible_to_bot(self, text: str, reply_to: Any) -> bool:
        """Privacy mode: the bot only sees commands for it and replies to its messages."""
        world = self._world
        if not world.privacy_mode or self.chat.bot_is_admin:
            return True
        if isinstance(reply_to, SentMessage):
            return True
        if isinstance(reply_to, int) and isinstance(self.chat.messages.get(reply_to), SentMessage):
            return True
        if not text.startswith("/"):
            return False
        command = text.split(maxsplit=1)[0]
        if "@" in command:
            return command.split("@", 1)[1].lower() == world.bot_username.lower()
        return True

    def add_member(self, user: FakeUser, *, admin: bool = False) -> None:
        self.chat.members.add(user.id)
        if admin:
            user.admin_of.add(self.id)

    async def send(
        self, user: FakeUser, text: str, *, reply_to: SentMessage | int | None = None
    ) -> int | None:
        """``user`` writes ``text`` in the group; ``None`` if privacy mode hides it."""
        content = self._text_content(text)
        visible = self._visible_to_bot(content["text"], reply_to)
        return await self._post(user, content, reply_to=reply_to, deliver=visible)

    async def press(self, user: FakeUser, msg: SentMessage, text: str) -> int | None:
        return await self._press(user, msg, text)

    def commands_for(self, user: FakeUser | None = None) -> list[tuple[str, str]]:
        is_admin = user is not None and self.id in user.admin_of
        return self._world.effective_commands(self.chat, user, is_admin=is_admin)

    async def kick_bot(self, by: FakeUser) -> int | None:
        """Remove the bot from the group (``my_chat_member`` update; sends then get 403)."""
        self.chat.bot_removed = True
        update_id = self._server.push_my_chat_member(self.chat, by, "member", "kicked")
        await asyncio.sleep(0)
        return update_id


def _caption(caption: str | None) -> dict[str, Any]:
    if not caption:
        return {}
    text, _ = ent.trim(caption, [])
    data: dict[str, Any] = {"caption": text}
    found = ent.find_auto_entities(text)
    if found:
        data["caption_entities"] = found
    return data
