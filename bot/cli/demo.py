"""``ipbot demo``: try the bot in a browser, without Telegram, a token or the network."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from bot.cli.common import fail, state
from bot.i18n import raw


def demo(
    ctx: typer.Context,
    port: Annotated[str, typer.Option(
        "--port", metavar="PORT",
        help="Port of the page on 127.0.0.1 (0: any free port).")] = "8080",
) -> None:
    """Start a local chat in the browser: a Bot API server, the bot on a throwaway database
    with the sample rosters, and a page at http://127.0.0.1:PORT/. Ctrl+C stops it."""
    st = state(ctx)
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        fail(st, raw("cli.demo_bad_port", st.lang, port=port), code=2)

    from bot.demo import netguard

    if netguard.wanted():
        netguard.install()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from bot.demo.main import PortInUse, serve
    from bot.demo.seed import SeedError

    def ready(url: str) -> None:
        typer.echo(raw("cli.demo_ready", st.lang, url=url))

    try:
        asyncio.run(serve(number, st.lang, ready))
    except PortInUse as exc:
        fail(st, raw("cli.demo_port_in_use", st.lang, port=exc.port))
    except SeedError as exc:
        fail(st, raw("cli.demo_failed", st.lang, error=str(exc)))
    except KeyboardInterrupt:  # a second Ctrl+C while stopping
        pass
    except Exception as exc:  # anything else: one line, never a traceback
        fail(st, raw("cli.demo_failed", st.lang, error=f"{type(exc).__name__}: {exc}"))
    if netguard.violations:
        fail(st, raw("cli.demo_network", st.lang, count=len(netguard.violations)), code=3)
    typer.echo(raw("cli.demo_stopped", st.lang))
