"""``ipbot demo``: the fake Bot API, the bot, the seeded office and the page, in one process.

Only 127.0.0.1 is bound; nothing leaves the machine. With ``IPBOT_DEMO_GUARD_NETWORK=1`` an
audit hook (:mod:`bot.demo.netguard`) refuses, and reports on stderr, any connection, bind
or name lookup that is not loopback.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.demo import runtime, seed
from bot.demo.clock import DemoClock
from bot.demo.web import make_app
from bot.demo.world import Demo
from bot.fakeapi import FakeBotAPI

HOST = "127.0.0.1"
# Not a real token: the fake Bot API accepts exactly this one.
TOKEN = "100000:DEMO-local-only-not-a-telegram-token"
BOT_USERNAME = "ipfield_demo_bot"
BOT_NAME = "知识产权服务助手"

class PortInUse(Exception):
    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.port = port


async def serve(port: int, lang: str, on_ready: Callable[[str], None],
                stop: asyncio.Event | None = None) -> None:
    """Run the demo until ``stop`` is set (or SIGINT/SIGTERM); ``on_ready(url)`` once up.

    The first Ctrl+C stops cleanly; a second one interrupts the clean-up (KeyboardInterrupt).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stopping() -> None:
        stop.set()
        for sig in signals:
            loop.remove_signal_handler(sig)

    for sig in signals:
        loop.add_signal_handler(sig, stopping)
    try:
        await _serve(port, lang, on_ready, stop)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _serve(port: int, lang: str, on_ready: Callable[[str], None],
                 stop: asyncio.Event) -> None:
    # The page's port first: a port in use fails at once, before any work.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise PortInUse(port) from exc
        sock.listen(128)
        url = f"http://{HOST}:{sock.getsockname()[1]}/"
        clock = DemoClock(seed.DEMO_START)
        with tempfile.TemporaryDirectory(prefix="ipbot-demo-") as folder:
            database_url = f"sqlite:///{Path(folder) / 'demo.sqlite3'}"
            async with FakeBotAPI(token=TOKEN, bot_username=BOT_USERNAME, bot_name=BOT_NAME,
                                  clock=clock, host=HOST) as server:
                async with runtime.start_bot(server.base_url, TOKEN, database_url, clock,
                                             bot_username=BOT_USERNAME,
                                             prepare=seed.populate) as bot:
                    users = await seed.bind(server, bot.services, lang)
                    await runtime.run_scheduled_pass(bot, clock.now())
                    demo = Demo(server, bot, users, lang)
                    runner = web.AppRunner(make_app(demo), access_log=None,
                                           shutdown_timeout=1.0)
                    await runner.setup()
                    try:
                        await web.SockSite(runner, sock).start()
                        on_ready(url)
                        await stop.wait()
                        demo.stopping = True
                        server.world.changed()
                    finally:
                        await runner.cleanup()
    finally:
        sock.close()
