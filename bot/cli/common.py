"""Shared plumbing of the CLI: settings, services, output and errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from bot.i18n import raw

if TYPE_CHECKING:  # imported where used: `ipbot --help` loads none of them
    from bot.config import Settings
    from bot.services.container import Services


@dataclass
class CliState:
    lang: str = "zh"
    _settings: Settings | None = None
    _services: Services | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        from bot.config import ConfigError, load_settings

        if self._settings is None:
            try:
                self._settings = load_settings()
            except ConfigError as exc:
                fail(self, raw("cli.config_error", self.lang, error=str(exc)), code=2)
        return self._settings

    def services(self, *, migrated: bool = False, at: datetime | None = None) -> Services:
        from bot.clock import FixedClock
        from bot.services.container import Services
        from bot.store import migrate
        from scheduler.policy import PolicyError

        if self._services is None:
            settings = self.settings()
            if migrated:
                migrate.upgrade(settings.database_url)
            try:
                self._services = Services.create(settings, FixedClock(at) if at else None)
            except PolicyError as exc:
                fail(self, raw("cli.config_error", self.lang, error=str(exc)), code=2)
        return self._services

    def token(self) -> str:
        """The bot token, or one line saying it is missing."""
        from bot.config import ConfigError

        try:
            return self.settings().require_token()
        except ConfigError as exc:
            fail(self, raw("cli.config_error", self.lang, error=str(exc)), code=2)

    def problem(self, code: str, values: Mapping[str, Any]) -> str:
        from bot.render import problem

        return problem(code, values, self.lang, html=False)

    def bot_username(self) -> str:
        """The bot's @username: the setting, or asked from the Bot API (one line if it
        cannot be reached)."""
        from telegram import Bot
        from telegram.error import TelegramError

        from bot.config import ConfigError

        settings = self.settings()
        if settings.bot_username:
            return settings.bot_username.lstrip("@")
        try:
            token = settings.require_token()
        except ConfigError:
            fail(self, raw("cli.no_username", self.lang), code=2)

        async def ask() -> str:
            async with Bot(token, base_url=settings.api_base_url) as bot:
                return bot.username

        try:
            return asyncio.run(ask())
        except TelegramError as exc:
            fail(self, raw("cli.username_unreachable", self.lang, error=one_line(exc)), code=2)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def fail(st: CliState, message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def emit(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AtOpt = Annotated[str | None, typer.Option(
    "--at", help="Evaluate as of this instant (YYYY-MM-DD[THH:MM], local time); default now.")]


def parse_at(st: CliState, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(st, raw("cli.bad_at", st.lang, value=value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=st.settings().tz)


def parse_date(st: CliState, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(st, raw("cli.bad_date", st.lang, value=value))
        raise  # unreachable
