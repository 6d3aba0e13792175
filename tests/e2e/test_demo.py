"""``ipbot demo`` without a browser: the JSON API the page uses (long polling, acting as each
person, the scheduled side, files), the command line's one-line failures, and the pieces
(entities to HTML, the demo clock, the network guard)."""

from __future__ import annotations

import asyncio
import io
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import ClientSession
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.demo.clock import DemoClock
from bot.demo.main import serve
from bot.demo.netguard import ENV, MARK
from bot.demo.render import entities_html
from tests.conftest import TZ

pytestmark = pytest.mark.e2e
DEADLINE = 30.0


class Page:
    """What the page's script does, over HTTP."""

    def __init__(self, session: ClientSession, url: str) -> None:
        self.session = session
        self.url = url
        self.tokens: dict[str, str] = {}

    async def state(self, persona: str = "", wait: bool = False) -> dict[str, Any]:
        since = self.tokens.get(persona, "") if wait else ""
        async with self.session.get(f"{self.url}api/state",
                                    params={"persona": persona, "since": since}) as r:
            assert r.status == 200
            data = await r.json()
        self.tokens[persona] = data["token"]
        return data

    async def until(self, persona: str, check: Callable[[dict[str, Any]], Any],
                    what: str) -> Any:
        """Long-poll ``persona``'s state until ``check`` holds; return what it returned."""
        end = time.monotonic() + DEADLINE
        state = await self.state(persona)
        while not (found := check(state)):
            if time.monotonic() > end:
                last = [m.get("html", "")[:80] for m in (state["chat"] or {}).get("messages", [])]
                raise AssertionError(f"no {what} for {persona}; last: {last[-3:]}")
            state = await self.state(persona, wait=True)
        return found

    async def bot_says(self, persona: str, text: str) -> dict[str, Any]:
        def last(state: dict[str, Any]) -> Any:
            said = [m for m in state["chat"]["messages"] if m["from"] == "bot"]
            return said[-1] if said and text in said[-1]["html"] else None
        return await self.until(persona, last, f"bot message with {text!r}")

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict]:
        async with self.session.post(f"{self.url}{path}", json=body or {}) as r:
            return r.status, await r.json()

    async def act(self, persona: str, action: str, **extra: Any) -> tuple[int, dict]:
        return await self.post("api/act", {"persona": persona, "action": action, **extra})

    async def get(self, path: str) -> tuple[int, bytes, str]:
        async with self.session.get(f"{self.url}{path.lstrip('/')}") as r:
            return r.status, await r.read(), r.headers.get("Content-Disposition", "")


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    stop = asyncio.Event()
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(0, "zh", ready.set_result, stop))
    done, _ = await asyncio.wait({task, ready}, timeout=DEADLINE,
                                 return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()  # start-up failed: raise it here
    assert ready in done, "the demo did not get ready"
    try:
        async with ClientSession() as session:
            yield Page(session, ready.result())
    finally:
        stop.set()
        await asyncio.wait_for(task, DEADLINE)


async def test_the_page_api_from_reminder_to_digest(page: Page):
    first = await page.state()
    assert first["chat"] is None and first["clock"]["day"] == "2026-11-02"
    assert [p["key"] for p in first["personas"]] == [
        "commissioner", "envoy", "supervisor", "contact", "guest"]
    state = await page.state("commissioner")
    reminder = next(m for m in state["chat"]["messages"] if "还剩 <b>59</b> 天" in m["html"])
    assert "<b>浙江大学</b>" in reminder["html"]  # the bot's HTML, rebuilt from entities
    assert [b["text"] for b in reminder["buttons"][0]] == ["📝 记录走访", "⏰ 3天后再提醒"]
    assert ["📝 记录走访", "📋 我的任务"] in [[b["text"] for b in row]
                                         for row in state["chat"]["keyboard"]]

    # /status through the reply keyboard; the seeded visits show
    assert (await page.act("commissioner", "tap", text="📋 我的任务"))[0] == 200
    status = await page.bot_says("commissioner", "之江实验室")
    assert "2026-09-22" in status["html"]  # seeded 41 days before the demo day

    # snooze from the reminder: the bot's callback answer reaches the page
    code, _ = await page.act("commissioner", "press", message_id=reminder["id"],
                             text="⏰ 3天后再提醒")
    assert code == 200
    answer = await page.until("commissioner", lambda s: s["chat"]["answers"],
                              "callback answer")
    assert "11-05" in answer[-1]["text"] or "2026-11-05" in answer[-1]["text"]

    # refusals are one catalog key each, and change nothing
    assert await page.act("commissioner", "press", message_id=reminder["id"],
                          text="no such button") == (400, {"error": "demo.error.stale"})
    assert await page.act("nobody", "send", text="hi") == (
        400, {"error": "demo.error.unknown_persona"})
    assert await page.act("commissioner", "send", text="   ") == (
        400, {"error": "demo.error.bad_text"})

    # the scheduled side: the next reminder is December's 30-day lead
    code, body = await page.post("api/clock/next")
    assert code == 200 and body["key"] == "demo.notice.advanced"
    assert (body["values"]["day"], body["values"]["time"]) == ("2026-12-01", "09:00")
    assert set(body["values"]["names"].split("、")) == {"王敏", "赵磊"}
    envoy = await page.bot_says("envoy", "景宁畲族自治县")
    assert envoy["day"] == "2026-12-01" and envoy["time"] == "09:00"

    # the digest: text parts, the chart and the workbook, downloadable
    code, body = await page.post("api/digest")
    assert (code, body["values"]) == (200, {"names": "周洁"})
    state = await page.state("supervisor")
    kinds = [m["kind"] for m in state["chat"]["messages"] if m["from"] == "bot"]
    assert kinds[-2:] == ["photo", "document"]
    chart, book = [m["file"] for m in state["chat"]["messages"][-2:]]
    code, png, _ = await page.get(chart["url"])
    assert code == 200 and png.startswith(b"\x89PNG")
    code, xlsx, disposition = await page.get(book["url"])
    assert code == 200 and "attachment" in disposition and book["name"].endswith(".xlsx")
    assert load_workbook(io.BytesIO(xlsx)).sheetnames

    # a photo and a location from a person; the photo is served back to the page
    assert (await page.act("guest", "photo"))[0] == 200
    assert (await page.act("guest", "location"))[0] == 200
    state = await page.until("guest", lambda s: [m for m in s["chat"]["messages"]
                                                 if m["from"] == "user" and m["kind"] == "location"]
                             and s, "the location")
    photo = next(m for m in state["chat"]["messages"] if m["kind"] == "photo")
    code, data, _ = await page.get(photo["file"]["url"])
    assert code == 200 and data.startswith(b"\x89PNG")

    # English: the page and everyone's menu
    assert (await page.post("api/lang", {"lang": "en"}))[0] == 200
    for persona in ("commissioner", "envoy", "supervisor", "contact", "guest"):
        await page.until(persona, lambda s: any(
            "Welcome back" in m["html"] or "Hello!" in m["html"]
            for m in s["chat"]["messages"][-1:]), "English greeting")
    state = await page.state("supervisor")
    assert state["lang"] == "en" and ["📊 Digest", "📁 Archive"] in [
        [b["text"] for b in row] for row in state["chat"]["keyboard"]]
    assert await page.post("api/lang", {"lang": "fr"}) == (
        400, {"error": "demo.error.unknown_action"})


def test_cli_failures_are_one_line():
    runner = CliRunner()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["demo", "--port", str(port)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"端口 {port} 已被占用：请用 --port 换一个（--port 0 自动选择）。")
    for bad in ("abc", "70000", "-1"):
        result = runner.invoke(cli, ["--lang", "en", "demo", "--port", bad])
        assert result.exit_code == 2
        assert result.stderr.strip().count("\n") == 0 and bad in result.stderr


def test_entities_become_escaped_nested_html():
    # UTF-16 offsets: the emoji counts twice
    assert entities_html("📝 <b> 浙江大学", [{"type": "bold", "offset": 7, "length": 4}]) == (
        "📝 &lt;b&gt; <b>浙江大学</b>")
    quote = [{"type": "blockquote", "offset": 0, "length": 9},
             {"type": "italic", "offset": 7, "length": 2}]
    assert entities_html("quote: it", quote) == "<blockquote>quote: <i>it</i></blockquote>"
    overlap = [{"type": "bold", "offset": 0, "length": 4},
               {"type": "italic", "offset": 2, "length": 4}]
    assert entities_html("abcdef", overlap) == "<b>ab<i>cd</i></b><i>ef</i>"
    evil = [{"type": "text_link", "offset": 0, "length": 1, "url": "javascript:alert(1)"}]
    assert entities_html("x", evil) == "x"
    assert entities_html("/visit", [{"type": "bot_command", "offset": 0, "length": 6}]) == (
        '<a class="cmd" data-cmd="/visit">/visit</a>')


def test_demo_clock_runs_on_and_only_jumps_forward():
    now = [100.0]
    start = datetime(2026, 11, 2, 9, 30, tzinfo=TZ)
    clock = DemoClock(start, monotonic=lambda: now[0])
    assert clock.now() == start
    now[0] = 160.0  # a real minute later
    assert clock.now() == start + timedelta(minutes=1)
    clock.advance_to(datetime(2026, 12, 1, 9, 0, tzinfo=TZ))
    assert clock.now() == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    clock.advance_to(start)  # never backwards
    assert clock.now() == datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    with pytest.raises(ValueError):
        DemoClock(datetime(2026, 1, 1))


def test_network_guard_refuses_anything_but_loopback():
    script = textwrap.dedent("""
        import socket
        from bot.demo import netguard
        assert netguard.wanted()
        netguard.install()
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen(1)
        socket.create_connection(server.getsockname(), timeout=5).close()
        for attempt in (lambda: socket.create_connection(("10.255.255.1", 443), timeout=1),
                        lambda: socket.getaddrinfo("api.telegram.org", 443),
                        lambda: socket.socket().bind(("0.0.0.0", 0))):
            try:
                attempt()
            except PermissionError:
                print("refused")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, env={ENV: "1", "PATH": ""})
    assert result.stdout.split() == ["refused"] * 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(MARK) for line in lines)
    assert "10.255.255.1" in lines[0] and "api.telegram.org" in lines[1]
