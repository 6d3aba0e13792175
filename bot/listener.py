"""The HTTP listener of ``ipbot run`` (aiohttp): Telegram's updates in webhook mode, and
``GET /healthz`` in either mode.

* **Updates** (``POST`` on the webhook URL's path). The request must carry the secret in
  ``X-Telegram-Bot-Api-Secret-Token``, else 401 (logged once, then counted: a flood of bad
  requests does not flood the log). It is answered 200 only after ``Runtime.receive`` has
  committed the update to the database; whatever happens before that (a crash, a database
  error: 503) makes Telegram deliver it again, and a redelivered update that was already
  recorded has no second effect. A standby answers 503: it takes no updates.
* **Health** (``GET /healthz``): JSON from :func:`bot.delivery.health.assess`; 503 when the
  database cannot be reached or the outbox backlog is too old. The database is read on a new
  connection, one probe at a time, with a deadline.

PTB's own webhook server (``Updater.start_webhook``) would answer 200 before the update is
recorded; it is not used.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot import failpoints
from bot.config import HEALTH_PATH, Webhook
from bot.delivery.health import Snapshot, assess
from bot.handlers.common import run
from bot.services import delivery

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PROBE_SECONDS = 10.0  # a database slower than this to answer counts as unreachable
REFUSAL_SUMMARY_SECONDS = 600.0  # refused requests after the first: one line per 10 minutes


class Listener:
    """Binds ``host``:``port``; takes updates when ``webhook`` is given."""

    def __init__(self, runtime: Runtime, host: str, port: int,
                 webhook: Webhook | None = None) -> None:
        self.runtime, self.host, self.port, self.webhook = runtime, host, port, webhook
        self._runner: web.AppRunner | None = None
        self._probe: asyncio.Task[Snapshot | None] | None = None
        self._db_down = False
        self.refused = 0  # requests refused for their secret (all of them)
        self._refusals_unlogged = 0
        self._refusal_logged_at: float | None = None

    async def start(self) -> None:
        """Bind and serve (raises ``OSError`` when the address cannot be bound)."""
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_get(HEALTH_PATH, self._health)
        if self.webhook is not None:
            app.router.add_post(self.webhook.path, self._update)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = int(self._runner.addresses[0][1])
        log.info("listening on %s:%d (%s)", self.host, self.port,
                 f"webhook at {self.webhook.path} and {HEALTH_PATH}" if self.webhook
                 else HEALTH_PATH)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._probe is not None and not self._probe.done():
            self._probe.cancel()
            with contextlib.suppress(BaseException):
                await self._probe

    # ── updates ───────────────────────────────────────────────────────

    async def _update(self, request: web.Request) -> web.StreamResponse:
        assert self.webhook is not None
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            self._refused(request, "no" if given is None else "a wrong")
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        if not self.runtime.active.is_set():
            return web.json_response({"ok": False, "error": "standby"}, status=503)
        try:
            payload = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            payload = None
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("webhook: a request with the right secret but no update in its body")
            return web.json_response({"ok": False, "error": "not an update"}, status=400)
        try:
            await self.runtime.receive([payload], retry=False)
        except Exception:
            return web.json_response({"ok": False, "error": "not recorded"}, status=503)
        failpoints.hit("webhook.recorded")
        response = web.Response(status=200)
        await response.prepare(request)
        await response.write_eof()
        failpoints.hit("webhook.answered")
        return response

    def _refused(self, request: web.Request, which: str) -> None:
        self.refused += 1
        self._refusals_unlogged += 1
        now = self.runtime.services.timer.monotonic()
        last = self._refusal_logged_at
        if last is not None and now - last < REFUSAL_SUMMARY_SECONDS:
            return
        source = request.headers.get("X-Forwarded-For") or request.remote or "?"
        if last is None:
            text = (f"webhook: refused a request from {source} with {which} secret token "
                    f"(401); further refusals are counted, one line per "
                    f"{REFUSAL_SUMMARY_SECONDS / 60:.0f} minutes")
        else:
            text = (f"webhook: refused {self._refusals_unlogged} more request(s) without the "
                    f"right secret token (401) in the last {(now - last) / 60:.0f} minutes, "
                    f"the latest from {source}")
        self.runtime.report("webhook-secret", text)
        self._refusal_logged_at = now
        self._refusals_unlogged = 0

    # ── health ────────────────────────────────────────────────────────

    async def _health(self, request: web.Request) -> web.StreamResponse:
        status, body = await self.health()
        return web.json_response(body, status=status)

    async def health(self) -> tuple[int, dict[str, Any]]:
        runtime = self.runtime
        snapshot = await self._snapshot()
        return assess(runtime.services.clock.now(), snapshot,
                      mode="webhook" if runtime.webhook is not None else "polling",
                      me=runtime.holder, active=runtime.active.is_set(),
                      last_update=runtime.last_update_done,
                      last_sent=runtime.sender.last_sent_at)

    async def _snapshot(self) -> Snapshot | None:
        """One probe at a time: concurrent requests share the one in flight."""
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._read())
        return await asyncio.shield(self._probe)

    async def _read(self) -> Snapshot | None:
        try:
            snapshot = await asyncio.wait_for(run(delivery.health, self.runtime.services),
                                              PROBE_SECONDS)
        except Exception as exc:
            if not self._db_down:
                log.error("health: the database cannot be reached: %s",
                          str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
            self._db_down = True
            return None
        if self._db_down:
            log.warning("health: the database can be reached again")
        self._db_down = False
        return snapshot
