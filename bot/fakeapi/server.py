"""The HTTP side: an aiohttp server speaking the Telegram Bot API on 127.0.0.1.

:class:`FakeBotAPI` is the object tests hold.  It serves ``/bot<token>/<method>`` (form,
multipart, query-string or JSON parameters, like Telegram) and
``/file/bot<token>/<file_path>``, records every call, and offers fault injection
(``inject_error``, ``inject_delay``, ``inject_disconnect``), flood control (``rate_limit``),
blocking and update redelivery.  After ``setWebhook`` to a loopback URL it POSTs the updates
there, one at a time and in order, retrying with a short back-off until the bot answers 2xx.
It runs inside the test's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web

from .errors import ApiError, not_found, too_many_requests, unauthorized
from .methods import CONFLICT_OTHER_POLL, KNOWN_UNIMPLEMENTED, BotApiMethods, is_loopback_url
from .models import Call, SentMessage, UploadedFile, WebhookDelivery
from .state import ChatState, World
from .users import FakeGroup, FakeUser
from .validation import Params, decode_value

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")

_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: CONFLICT_OTHER_POLL,
    500: "Internal Server Error",
}

SEND_METHODS = {
    "sendmessage", "sendphoto", "senddocument", "sendsticker", "sendvideo",
    "sendanimation", "sendvoice", "sendlocation", "sendvenue", "sendcontact",
}  # fmt: skip


class _HtmlError(Exception):
    """A gateway error answered with nginx's HTML page instead of JSON (as Telegram does)."""

    def __init__(self, code: int, phrase: str) -> None:
        super().__init__(phrase)
        self.code = code
        self.phrase = phrase


class _Disconnect(Exception):
    """Drop the connection without any response."""


@dataclass
class Fault:
    """One injected failure rule, consumed ``times`` times by matching calls."""

    method: str  # lower-case method name, or "*"
    times: int
    status: int | None = None
    retry_after: int = 1
    description: str | None = None
    executed: bool = False
    delay: float = 0.0
    disconnect: bool = False

    def matches(self, method: str) -> bool:
        return self.times > 0 and self.method in ("*", method.lower())

    def error(self) -> Exception:
        status = self.status or 500
        if status == 429:
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if status in (502, 503, 504) and self.description is None:
            phrases = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Time-out"}
            return _HtmlError(status, phrases[status])
        return ApiError(status, self.description or _DEFAULT_DESCRIPTIONS.get(status, "Error"))


def _clock_function(clock: Any) -> Callable[[], float]:
    """Accept ``None`` (wall clock), a callable returning seconds/datetime, or a Clock."""
    if clock is None:
        return time.time
    if hasattr(clock, "now") and callable(clock.now):
        return lambda: clock.now().timestamp()

    def call() -> float:
        value = clock()
        return value.timestamp() if isinstance(value, datetime) else float(value)

    return call


class FakeBotAPI:
    """A local Telegram Bot API server for end-to-end tests of a PTB application.

    Use ``ApplicationBuilder().token(server.token).base_url(server.base_url)
    .base_file_url(server.base_file_url)``.
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_username: str = "ipfield_test_bot",
        bot_id: int = 999000,
        *,
        bot_name: str = "IP Field Assistant",
        privacy_mode: bool = True,
        clock: Any = None,
        callback_query_ttl: float | None = 15.0,
        inline_query_ttl: float | None = 10.0,
        host: str = "127.0.0.1",
        webhook_retry: tuple[float, float] = (0.05, 1.0),
        webhook_timeout: float = 60.0,
    ) -> None:
        """``webhook_retry``: the first and the longest wait before a failed webhook delivery
        is tried again (the wait doubles); ``webhook_timeout``: how long one POST may take."""
        self.token = token
        self.host = host
        self.world = World(
            bot_id=bot_id,
            bot_username=bot_username,
            bot_name=bot_name,
            privacy_mode=privacy_mode,
            clock=_clock_function(clock),
            callback_query_ttl=callback_query_ttl,
            inline_query_ttl=inline_query_ttl,
        )
        self.methods = BotApiMethods(self.world)
        self._calls: list[Call] = []
        self._call_cursors: dict[str, int] = {}
        self._faults: list[Fault] = []
        self._limits: dict[str, float | None] = {}
        self._send_log: deque[tuple[float, int | None]] = deque()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        # Awaitables that return once the bot under test has nothing left to do (tests
        # register them; ``FakeUser.expect_no_message`` waits for them instead of sleeping).
        self.settle_hooks: list[Callable[[], Any]] = []
        self._monotonic: Callable[[], float] = time.monotonic
        self._held: dict[int, asyncio.Event] = {}
        self._holding = 0
        self.webhook_retry = webhook_retry
        self.webhook_timeout = webhook_timeout
        self.webhook_deliveries: list[WebhookDelivery] = []
        self._delivery: asyncio.Task[None] | None = None
        self._client: aiohttp.ClientSession | None = None

    # ================================================================== lifecycle

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:PORT/bot``."""
        self._require_started()
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: ``http://127.0.0.1:PORT/file/bot``."""
        self._require_started()
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        return self.world.bot_id

    @property
    def bot_username(self) -> str:
        return self.world.bot_username

    def _require_started(self) -> None:
        if self.port is None:
            raise RuntimeError("FakeBotAPI is not started; await server.start() first")

    async def start(self) -> FakeBotAPI:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._delivery = asyncio.create_task(self._deliver_webhook(), name="fake-webhook")
        return self

    async def stop(self) -> None:
        self.methods.closing = True
        self.world.changed()
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        await asyncio.sleep(0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================== actors

    def user(
        self,
        first_name: str = "张三",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        user_id: int | None = None,
        *,
        started: bool = False,
        is_premium: bool = False,
    ) -> FakeUser:
        """A new Telegram user.  Its private chat opens when it first writes to the bot
        (``started=True`` pretends that already happened)."""
        if user_id is None:
            user_id = self.world.next_user_id()
        if user_id in self.world.users:
            raise ValueError(f"user {user_id} already exists")
        return FakeUser(
            self,
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
            started=started,
        )

    def group(
        self,
        title: str = "测试群",
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        supergroup: bool = False,
        username: str | None = None,
        bot_is_admin: bool = False,
    ) -> FakeGroup:
        """A group the bot is already a member of (privacy mode applies unless admin)."""
        group = FakeGroup(
            self,
            chat_id=self.world.next_group_id(supergroup),
            title=title,
            supergroup=supergroup,
            username=username,
            bot_is_admin=bot_is_admin,
        )
        for member in members:
            group.add_member(member)
        for admin in admins:
            group.add_member(admin, admin=True)
        return group

    def block(self, user: FakeUser, *, notify: bool = True) -> int | None:
        """The user blocks the bot: sends to them fail with 403.  With ``notify`` the bot
        gets the ``my_chat_member`` update Telegram sends (member -> kicked)."""
        chat = self.world.chats[user.id]
        chat.blocked = True
        self.world.changed()
        if notify and user.id in self.world.seen_users:
            return self.push_my_chat_member(chat, user, "member", "kicked")
        return None

    def unblock(self, user: FakeUser, *, notify: bool = True) -> int | None:
        chat = self.world.chats[user.id]
        chat.blocked = False
        self.world.changed()
        if notify and user.id in self.world.seen_users:
            return self.push_my_chat_member(chat, user, "kicked", "member")
        return None

    def push_my_chat_member(self, chat: ChatState, by: FakeUser, old: str, new: str) -> int | None:
        """Queue a ``my_chat_member`` update: the bot's status in ``chat`` changed."""
        bot = self.world.bot_user_json()

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": bot}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload = {
            "chat": self.world.chat_json(chat),
            "from": by.to_json(),
            "date": self.world.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        update_id = self.world.updates.push("my_chat_member", payload)
        self.world.changed()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Hand ``update_id`` out again on the next getUpdates (same id, whatever the offset),
        as Telegram does when it did not get the confirmation."""
        self.world.updates.redeliver(update_id)
        self.world.changed()

    # ================================================================== webhook delivery

    def deliveries(self, update_id: int | None = None) -> list[WebhookDelivery]:
        """Every webhook POST made (optionally only those of one update)."""
        return [d for d in self.webhook_deliveries if update_id in (None, d.update_id)]

    def _webhook_work(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        hook = self.world.webhook
        url = hook.get("url") or ""
        if not url or not is_loopback_url(url):  # elsewhere: recorded, never delivered
            return None
        update = self.world.updates.next_for_webhook()
        return (hook, update) if update is not None else None

    async def _deliver_webhook(self) -> None:
        """Telegram's side of a webhook: the oldest undelivered update is POSTed until the
        bot answers 2xx, then the next; a failure waits a little longer each time (or until
        setWebhook is called again)."""
        first, longest = self.webhook_retry
        wait = first
        closing = self.methods
        while not closing.closing:
            # (the predicates see `closing` too: Python 3.11's wait_for may swallow a cancel)
            work = await self.world.notifier.wait_until(
                lambda: closing.closing or self._webhook_work(), 3600.0)
            if not isinstance(work, tuple):
                continue
            hook, update = work
            if await self._post_update(hook, update):
                wait = first
                continue
            await self.world.notifier.wait_until(
                lambda h=hook: closing.closing or self.world.webhook is not h, wait)
            wait = first if self.world.webhook is not hook else min(wait * 2, longest)

    async def _post_update(self, hook: dict[str, Any], update: dict[str, Any]) -> bool:
        if self._client is None:
            self._client = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout))
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        url, status, error = hook["url"], None, None
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            async with self._client.post(url, data=body, headers=headers, ssl=False) as resp:
                status = resp.status
                reason = resp.reason
                await resp.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            refused = isinstance(exc, ConnectionRefusedError) or isinstance(
                getattr(exc, "os_error", None), ConnectionRefusedError)
            error = "Connection refused" if refused else (
                "Read timeout expired" if isinstance(exc, TimeoutError)
                else f"Connection failed: {exc or type(exc).__name__}")
        delivery = WebhookDelivery(update["update_id"], url, status, error)
        self.webhook_deliveries.append(delivery)
        if delivery.delivered:
            self.world.updates.delivered(update["update_id"])
        else:
            hook["last_error_date"] = self.world.now()
            hook["last_error_message"] = (
                f"Wrong response from the webhook: {status} {reason}" if status is not None
                else error)
        self.world.changed()
        return delivery.delivered

    # ================================================================== inspection

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request received (optionally only one method, case-insensitive)."""
        if method is None:
            return list(self._calls)
        wanted = method.lower()
        return [c for c in self._calls if c.method.lower() == wanted]

    async def expect_call(self, method: str, timeout: float = 60.0) -> Call:  # noqa: ASYNC109
        """The next finished call of ``method`` not yet returned by ``expect_call``."""
        __tracebackhide__ = True
        wanted = method.lower()
        seen = self._call_cursors.get(wanted, 0)

        def finished() -> list[Call]:
            return [c for c in self._calls if c.method.lower() == wanted and c.status is not None]

        if not await self.world.notifier.wait_until(lambda: len(finished()) > seen, timeout):
            raise AssertionError(
                f"no {method} call within {timeout}s\nRecent Bot API calls:\n{self.dump_calls()}"
            )
        self._call_cursors[wanted] = seen + 1
        return finished()[seen]

    async def wait_for(self, predicate: Callable[[], Any], what: str,
                       timeout: float = 60.0) -> Any:  # noqa: ASYNC109
        """Wait until ``predicate()`` (over what this server holds: calls, messages, edits)
        is truthy, woken by each change rather than by polling; returns its value."""
        __tracebackhide__ = True
        value = await self.world.notifier.wait_until(predicate, timeout)
        if not value:
            raise AssertionError(f"timed out waiting for {what} ({timeout}s)\n"
                                 f"Recent Bot API calls:\n{self.dump_calls()}")
        return value

    def dump_calls(self, limit: int = 15) -> str:
        shown = [c for c in self._calls if not (c.method == "getUpdates" and c.result == [])]
        lines = [f"  {c.summary()}" for c in shown[-limit:]]
        return "\n".join(lines) if lines else "  (no calls)"

    def commands_for(self, scope: dict[str, Any], language_code: str = "") -> list[tuple[str, str]]:
        """Commands stored for exactly this scope (and language), as (command, description)."""
        scope = dict(scope)
        for key in ("chat_id", "user_id"):
            if key in scope:
                scope[key] = int(scope[key])
        return list(self.world.commands.get((World.scope_key(scope), language_code), []))

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (to one chat, or to every chat in sending order)."""
        if chat_id is not None:
            return list(self.world.chats[chat_id].bot_messages)
        every = [m for chat in self.world.chats.values() for m in chat.bot_messages]
        return sorted(every, key=lambda m: m.sent_at)

    def unanswered_callback_queries(self) -> list[dict[str, Any]]:
        """Callback queries the bot never answered (the user's client shows a spinner)."""
        return [
            {"id": q.id, "user_id": q.user_id, "message_id": q.message_id, "data": q.data}
            for q in self.world.callback_queries.values()
            if not q.answered
        ]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot."""
        return list(self.world.updates.pending)

    def update(self, update_id: int) -> dict[str, Any]:
        """The JSON of an update created earlier."""
        return self.world.updates.archive[update_id]

    # ================================================================== fault injection

    def inject_error(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        executed: bool = False,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any) fail with ``status``.

        429 carries ``parameters.retry_after``; 502/503/504 answer with nginx's HTML page
        (as Telegram's front end does); 500 is ``Internal Server Error``; 403 defaults to
        "bot was blocked by the user".  ``executed=True`` performs the call first (the
        message *is* sent) and then answers with the error: the lost-response case.
        """
        self._faults.append(
            Fault(
                method.lower(),
                times,
                status=status,
                retry_after=retry_after,
                description=description,
                executed=executed,
            )
        )

    def inject_delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before handling them."""
        self._faults.append(Fault(method.lower(), times, delay=seconds))

    def inject_disconnect(self, method: str, *, times: int = 1) -> None:
        """Close the connection of the next ``times`` calls without answering."""
        self._faults.append(Fault(method.lower(), times, disconnect=True))

    def rate_limit(
        self,
        per_chat_per_sec: float | None = None,
        global_per_sec: float | None = None,
        per_group_per_min: float | None = None,
    ) -> None:
        """Enforce flood limits on send* methods with real 429 + retry_after responses.

        Telegram's published guidance is about 1 msg/s per chat, 30 msg/s overall and
        20 msg/min per group.  ``None`` disables a limit.
        """
        self._limits = {
            "chat": per_chat_per_sec,
            "global": global_per_sec,
            "group": per_group_per_min,
        }

    def hold_chat(self, chat_id: int) -> None:
        """Hold every send* to ``chat_id`` until :meth:`release_chat`. A held request whose
        client went away meanwhile (the bot was killed) is dropped unexecuted, as a request
        that never reached Telegram."""
        self._held[chat_id] = asyncio.Event()

    def release_chat(self, chat_id: int) -> None:
        event = self._held.pop(chat_id, None)
        if event is not None:
            event.set()

    def held_requests(self) -> int:
        return self._holding

    def use_monotonic(self, monotonic: Callable[[], float]) -> None:
        """Measure flood limits on this clock (a test's virtual time, shared with the bot's
        throttle, so that a burst runs without waiting in real time)."""
        self._monotonic = monotonic

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _check_rate_limit(self, method: str, params: Params) -> None:
        if method.lower() not in SEND_METHODS or not any(self._limits.values()):
            return
        now = self._monotonic()
        while self._send_log and now - self._send_log[0][0] > 3600:
            self._send_log.popleft()
        try:
            chat_id: int | None = int(params.get("chat_id"))
        except (TypeError, ValueError):
            chat_id = None

        def check(rate: float | None, unit: float, same_chat: bool) -> None:
            """At most ``rate`` sends per ``unit`` seconds (for rate < 1: 1 per unit/rate)."""
            if not rate:
                return
            allowed, window = (int(rate), unit) if rate >= 1 else (1, unit / rate)
            recent = [
                t for t, c in self._send_log if now - t < window and (not same_chat or c == chat_id)
            ]
            if len(recent) >= allowed:
                wait = window - (now - recent[-allowed])
                raise too_many_requests(max(1, math.ceil(wait)))

        check(self._limits.get("global"), 1.0, False)
        check(self._limits.get("chat"), 1.0, True)
        if chat_id is not None and chat_id < 0:
            check(self._limits.get("group"), 60.0, True)
        self._send_log.append((now, chat_id))

    # ================================================================== HTTP handlers

    async def _read_params(
        self, request: web.Request
    ) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        values: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        for key, value in request.query.items():
            values[key] = decode_value(key, value)
        if request.method != "POST" or not request.can_read_body:
            return values, files
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if isinstance(body, dict):
                values.update(body)
            return values, files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    key, value.filename, value.file.read(), value.content_type
                )
            else:
                values[key] = decode_value(key, str(value))
        return values, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        if not _TOKEN_RE.fullmatch(token):
            return self._json(not_found().to_json(), 404)
        if token != self.token:
            return self._json(unauthorized().to_json(), 401)
        call = Call(method=self.methods.canonical(method), params={})
        self._calls.append(call)
        try:
            values, files = await self._read_params(request)
            call.params, call.files = values, files
            await self._hold(request, method, values)
            result = await self._dispatch(method, Params(values, files))
            status, body = 200, {"ok": True, "result": result}
        except ApiError as exc:
            status, body = exc.code, exc.to_json()
        except _HtmlError as exc:
            description = f"{exc.phrase} (nginx HTML page)"
            self._finish(
                call, exc.code, {"ok": False, "error_code": exc.code, "description": description}
            )
            return web.Response(
                status=exc.code,
                text=_NGINX_PAGE.format(code=exc.code, phrase=exc.phrase),
                content_type="text/html",
            )
        except _Disconnect:
            self._finish(
                call, 0, {"ok": False, "error_code": 0, "description": "connection dropped"}
            )
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        self._finish(call, status, body)
        return self._json(body, status)

    async def _hold(self, request: web.Request, method: str, values: dict[str, Any]) -> None:
        if not self._held or method.lower() not in SEND_METHODS:
            return
        try:
            chat = int(values.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return
        event = self._held.get(chat)
        if event is None:
            return
        self._holding += 1
        self.world.changed()
        try:
            await event.wait()
        finally:
            self._holding -= 1
        if request.transport is None or request.transport.is_closing():
            raise _Disconnect

    def _finish(self, call: Call, status: int, body: dict[str, Any]) -> None:
        call.status = status
        call.response = body
        call.finished_at = time.monotonic()
        self.world.changed()

    async def _dispatch(self, method: str, params: Params) -> Any:
        found = self.methods.lookup(method)
        if found is None:
            if method.lower() in KNOWN_UNIMPLEMENTED:
                raise ApiError(404, f"Not Found: method {method} is not simulated by FakeBotAPI")
            raise not_found()
        name, handler = found
        fault = self._take_fault(name)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.disconnect:
                raise _Disconnect
            if fault.status is not None:
                if fault.executed:
                    with contextlib.suppress(ApiError):
                        await self._run(handler, params)
                raise fault.error()
        self._check_rate_limit(name, params)
        return await self._run(handler, params)

    @staticmethod
    async def _run(handler: Callable[[Params], Any], params: Params) -> Any:
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if token != self.token:
            return self._json(unauthorized().to_json(), 401)
        stored = self.world.files.by_path(request.match_info["path"])
        if stored is None or stored.content is None:
            return self._json(not_found().to_json(), 404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown(self, request: web.Request) -> web.StreamResponse:
        return self._json(not_found().to_json(), 404)

    @staticmethod
    def _json(body: dict[str, Any], status: int) -> web.Response:
        return web.json_response(
            body, status=status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
        )
