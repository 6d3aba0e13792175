"""The running demo: the fake Bot API, the bot, the personas, and what the page may do.

Everything the page shows is read from the fake server's public objects (its users, their
chats, the world's change notifier); everything the visitor does goes through
:class:`bot.fakeapi.FakeUser` exactly as a Telegram client would send it.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

from bot.demo import render, runtime
from bot.demo.runtime import DemoBot
from bot.demo.sample import sample_photo
from bot.demo.seed import FIXED_POINT, PERSONAS, Persona
from bot.fakeapi import FakeBotAPI, FakeUser, SentMessage
from bot.i18n import LANGUAGES, raw
from bot.services import identity, visits
from bot.services.identity import TelegramUser

LONG_POLL_SECONDS = 25.0


class ActionError(Exception):
    """The visitor asked for something the chat does not offer now; ``code`` is a catalog key."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Notice:
    """The outcome of the last page-level action (clock, digest), shown once as a toast."""

    seq: int = 0
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)


class Demo:
    def __init__(self, server: FakeBotAPI, bot: DemoBot, users: dict[str, FakeUser],
                 lang: str) -> None:
        self.server = server
        self.bot = bot
        self.users = users
        self.lang = lang
        self.busy: str | None = None
        self.notice = Notice()
        self.stopping = False
        self._lock = asyncio.Lock()
        self._details = {p.key: self._detail(p) for p in PERSONAS}

    @property
    def tz(self) -> Any:
        return self.bot.services.policy.tz

    # ------------------------------------------------------------------ reading

    def _detail(self, p: Persona) -> dict[str, str]:
        """The persona's line under their name, in each language (from the rosters)."""
        svc = self.bot.services
        today = self.bot.clock.now().date()
        targets: list[str] = []
        scope = ""
        if p.person is not None:
            with svc.uow() as uow:
                (person,) = uow.people.by_name(p.person)
                targets = [t.name for t in visits.targets(uow, person.id, today)]
                scope = person.scope_county or person.scope_city or ""
        out = {}
        for lang in LANGUAGES:
            out[lang] = raw(f"demo.persona.{p.role}", lang,
                            targets=raw("sep.list", lang).join(targets), entity=p.entity or "",
                            scope=scope or raw("scope.province", lang))
        return out

    def personas(self) -> list[dict[str, Any]]:
        out = []
        for p in PERSONAS:
            chat = self.users[p.key].chat
            out.append({"key": p.key, "name": p.first_name,
                        "role": raw(f"role.{p.role}", self.lang),
                        "short": raw(f"demo.chip.{p.role}", self.lang),
                        "detail": self._details[p.key][self.lang],
                        "count": sum(1 for m in chat.bot_messages if not m.deleted)})
        return out

    def fingerprint(self) -> str:
        """Changes whenever anything :meth:`state` returns (for any persona) may have changed."""
        parts: list[Any] = [self.lang, self.busy, self.notice.seq, self.stopping,
                            self.bot.clock.now().strftime("%Y%m%d%H%M")]
        for key, user in self.users.items():
            chat = user.chat
            parts.append((key, len(chat.messages), len(chat.bot_messages),
                          sum(m.edit_count for m in chat.bot_messages),
                          sum(m.deleted for m in chat.bot_messages),
                          id(chat.reply_keyboard), len(user.callback_answers)))
        return hashlib.blake2s(repr(parts).encode(), digest_size=8).hexdigest()

    def state(self, persona: str) -> dict[str, Any]:
        """Everything the page shows; ``chat`` is ``None`` until a known persona is chosen."""
        now = self.bot.clock.now().astimezone(self.tz)
        return {
            "token": self.fingerprint(),
            "lang": self.lang,
            "clock": {"iso": now.isoformat(), "day": now.date().isoformat(),
                      "time": now.strftime("%H:%M"), "weekday": now.isoweekday()},
            "busy": self.busy,
            "notice": {"seq": self.notice.seq, "key": self.notice.key,
                       "values": self.notice.values},
            "personas": self.personas(),
            "chat": self._chat(persona) if persona in self.users else None,
        }

    def _chat(self, persona: str) -> dict[str, Any]:
        user = self.users[persona]
        answers = user.callback_answers
        return {
            "persona": persona,
            "messages": render.chat_messages(user.chat, self.tz),
            "keyboard": render.reply_keyboard(user.chat),
            "commands": [{"command": c, "description": d} for c, d in user.commands],
            "answers_total": len(answers),
            "answers": [{"n": i, "text": a.get("text") or "", "alert": bool(a.get("show_alert"))}
                        for i, a in list(enumerate(answers))[-5:]],
        }

    async def wait(self, persona: str, since: str | None, seconds: float = LONG_POLL_SECONDS
                   ) -> dict[str, Any]:
        """:meth:`state` once it differs from ``since`` (or after ``seconds``)."""
        if since:
            await self.server.world.notifier.wait_until(
                lambda: self.stopping or self.fingerprint() != since, seconds)
        return self.state(persona)

    def user(self, persona: str) -> FakeUser:
        try:
            return self.users[persona]
        except KeyError:
            raise ActionError("demo.error.unknown_persona") from None

    def file(self, kind: str, key: str, message_id: int | None = None
             ) -> tuple[bytes, str | None, str | None] | None:
        """(content, mime type, file name) of a file in a chat, or None."""
        world = self.server.world
        if kind == "bot":
            chat = world.chats.get(int(key))
            msg = chat.messages.get(message_id or 0) if chat else None
            if isinstance(msg, SentMessage) and msg.file_bytes is not None and not msg.deleted:
                return msg.file_bytes, msg.mime_type, msg.file_name
            return None
        stored = world.files.get(key)
        if stored is None or stored.content is None:
            return None
        return stored.content, stored.mime_type, stored.file_name

    # ------------------------------------------------------------------ acting as a user

    async def act(self, persona: str, action: str, payload: dict[str, Any]) -> None:
        user = self.user(persona)
        try:
            if action == "send":
                await user.send(str(payload.get("text", "")))
            elif action == "press":
                msg = user.chat.messages.get(int(payload.get("message_id", 0)))
                if not isinstance(msg, SentMessage) or msg.deleted:
                    raise ActionError("demo.error.stale")
                await user.press(msg, str(payload.get("text", "")))
            elif action == "tap":
                await self._tap(user, str(payload.get("text", "")))
            elif action == "location":
                await user.send_location(*FIXED_POINT)
            elif action == "photo":
                await user.send_photo(content=sample_photo())
            else:
                raise ActionError("demo.error.unknown_action")
        except ValueError:  # empty or over-long text: what a Telegram client refuses
            raise ActionError("demo.error.bad_text") from None
        except AssertionError:  # the button is gone (edited away, keyboard replaced)
            raise ActionError("demo.error.stale") from None

    async def _tap(self, user: FakeUser, text: str) -> None:
        for row in render.reply_keyboard(user.chat) or []:
            for button in row:
                if button["text"] != text:
                    continue
                if button["kind"] == "location":
                    await user.send_location(*FIXED_POINT)
                elif button["kind"] == "contact":
                    await user.send_contact()
                else:
                    await user.tap_keyboard(text)
                return
        raise ActionError("demo.error.stale")

    # ------------------------------------------------------------------ the office's side

    async def _run(self, name: str, work: Any) -> Notice:
        if self._lock.locked():
            raise ActionError("demo.error.busy")
        async with self._lock:
            self.busy = name
            self.server.world.changed()
            try:
                key, values = await work()
            finally:
                self.busy = None
            self.notice = Notice(self.notice.seq + 1, key, values)
            self.server.world.changed()
            return self.notice

    async def advance(self) -> Notice:
        async def work() -> tuple[str, dict[str, Any]]:
            result = await runtime.advance_to_next_reminder(self.bot)
            if result is None:
                return "demo.notice.no_reminder", {"days": runtime.HORIZON.days}
            at = result.at.astimezone(self.tz)
            return "demo.notice.advanced", {"day": at.date().isoformat(),
                                            "time": at.strftime("%H:%M"),
                                            "count": len(result.reminded),
                                            "names": self._names(result.reminded)}
        return await self._run("advance", work)

    def _names(self, names: list[str]) -> str:
        return raw("sep.list", self.lang).join(dict.fromkeys(names)) or "—"

    async def digest(self) -> Notice:
        async def work() -> tuple[str, dict[str, Any]]:
            names = await runtime.send_digest_now(self.bot)
            if not names:
                return "demo.notice.digest_none", {}
            return "demo.notice.digest_sent", {"names": self._names(names)}
        return await self._run("digest", work)

    async def set_language(self, lang: str) -> Notice:
        """Page and people switch language; each says /start to get the menu in it."""
        if lang not in LANGUAGES:
            raise ActionError("demo.error.unknown_action")

        async def work() -> tuple[str, dict[str, Any]]:
            self.lang = lang
            code = "en" if lang == "en" else "zh-hans"
            for user in self.users.values():
                who = TelegramUser(user.id, user.full_name, code)
                await asyncio.to_thread(identity.set_language, self.bot.services, who, lang)
                user.language_code = code
            for user in self.users.values():
                await user.send("/start")
            return "demo.notice.language", {}
        return await self._run("language", work)
