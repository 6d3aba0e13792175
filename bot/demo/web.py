"""The page and its small JSON API (aiohttp), served by the demo process on 127.0.0.1.

    GET  /                         the page (static/index.html, app.js, style.css)
    GET  /api/texts                the page's texts, both languages (from messages.yaml)
    GET  /api/state?persona=&since=   long poll: the state once its token differs from since
    POST /api/act                  {persona, action: send|press|tap|location|photo, ...}
    POST /api/clock/next           advance the clock to the next reminder and run the pass
    POST /api/digest               send the weekly digest now
    POST /api/lang                 {lang: zh|en}
    GET  /api/file/bot/{chat}/{message}/{name}   a file the bot sent (chart, workbook)
    GET  /api/file/user/{file_id}  a file a persona sent (the sample photo)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.demo.world import ActionError, Demo
from bot.i18n import catalog

STATIC = Path(__file__).with_name("static")
DEMO_KEY = web.AppKey("demo", Demo)
_NO_CACHE = {"Cache-Control": "no-store"}


def make_app(demo: Demo) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app[DEMO_KEY] = demo
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC, append_version=False)
    app.router.add_get("/api/texts", _texts)
    app.router.add_get("/api/state", _state)
    app.router.add_post("/api/act", _act)
    app.router.add_post("/api/clock/next", _advance)
    app.router.add_post("/api/digest", _digest)
    app.router.add_post("/api/lang", _lang)
    app.router.add_get("/api/file/bot/{chat}/{message}/{name}", _bot_file)
    app.router.add_get("/api/file/user/{file_id}", _user_file)
    return app


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=_NO_CACHE)


def _error(exc: ActionError) -> web.Response:
    return _json({"error": exc.code}, status=400)


async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html", headers=_NO_CACHE)


async def _texts(request: web.Request) -> web.Response:
    texts = {k: v for k, v in catalog().items()
             if k.startswith(("demo.", "role.", "scope."))}
    return _json(texts)


async def _state(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    try:
        state = await demo.wait(request.query.get("persona", ""), request.query.get("since"))
    except ActionError as exc:
        return _error(exc)
    return _json(state)


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ActionError("demo.error.unknown_action") from None
    if not isinstance(body, dict):
        raise ActionError("demo.error.unknown_action")
    return body


async def _act(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        await demo.act(str(body.get("persona", "")), str(body.get("action", "")), body)
    except ActionError as exc:
        return _error(exc)
    return _json({"ok": True})


async def _advance(request: web.Request) -> web.Response:
    try:
        notice = await request.app[DEMO_KEY].advance()
    except ActionError as exc:
        return _error(exc)
    return _json({"ok": True, "key": notice.key, "values": notice.values})


async def _digest(request: web.Request) -> web.Response:
    try:
        notice = await request.app[DEMO_KEY].digest()
    except ActionError as exc:
        return _error(exc)
    return _json({"ok": True, "key": notice.key, "values": notice.values})


async def _lang(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    try:
        body = await _body(request)
        await demo.set_language(str(body.get("lang", "")))
    except ActionError as exc:
        return _error(exc)
    return _json({"ok": True})


def _file_response(found: tuple[bytes, str | None, str | None] | None, *,
                   download: bool) -> web.Response:
    if found is None:
        raise web.HTTPNotFound()
    content, mime, name = found
    headers = dict(_NO_CACHE)
    if download and name:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return web.Response(body=content, content_type=mime or "application/octet-stream",
                        headers=headers)


async def _bot_file(request: web.Request) -> web.Response:
    demo = request.app[DEMO_KEY]
    try:
        chat, message = int(request.match_info["chat"]), int(request.match_info["message"])
    except ValueError:
        raise web.HTTPNotFound() from None
    found = demo.file("bot", str(chat), message)
    download = found is not None and not (found[1] or "").startswith("image/")
    return _file_response(found, download=download)


async def _user_file(request: web.Request) -> web.Response:
    found = request.app[DEMO_KEY].file("user", request.match_info["file_id"])
    return _file_response(found, download=False)
