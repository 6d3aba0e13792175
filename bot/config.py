"""Settings from the environment (prefix ``IPBOT_``) and an optional ``.env`` file."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clock import Clock, SystemClock, parse_fake_now

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "sqlite:///./data/ipbot.sqlite3"


class Settings(BaseSettings):
    """Everything the bot reads from its environment. ``token`` is a secret: never log it."""

    model_config = SettingsConfigDict(
        env_prefix="IPBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,  # `IPBOT_ADMIN_CHAT_ID=` as shipped in .env.example: unset
    )

    token: SecretStr | None = None
    database_url: str = DEFAULT_DB_URL
    api_base_url: str = "https://api.telegram.org/bot"
    timezone: str = "Asia/Shanghai"
    admin_chat_id: int | None = None
    bot_username: str | None = None
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    policy_file: Path | None = None
    invite_days: int = Field(default=14, ge=1, le=365)
    poll_timeout: int = Field(default=10, ge=0, le=50)
    # How often the scheduler checks for due passes (reminders, notices, digest, timeliness).
    tick_seconds: float = Field(default=30, gt=0, le=600)
    # The instance lease: one `ipbot run` polls and runs jobs; a standby takes over when the
    # holder has not renewed for this long.
    lease_seconds: float = Field(default=20, ge=2, le=600)
    # Test-only: run on a fake timeline, `<ISO instant>[@<epoch seconds>]` (see bot.clock).
    fake_now: str | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    backup_dir: Path | None = None
    backup_keep: int = Field(default=14, ge=1, le=3650)
    # Webhook mode (`ipbot run --webhook`): the public URL given to setWebhook, the address
    # the listener binds (a reverse proxy forwards to it), and the secret Telegram sends in
    # X-Telegram-Bot-Api-Secret-Token (a secret: never logged).
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: SecretStr | None = None
    # Polling mode: serve GET /healthz on this address (host:port); unset, no listener.
    health_listen: str | None = None

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an https:// URL")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError("must be an https:// URL (http:// only for a loopback host)")
        if parts.path.rstrip("/") == HEALTH_PATH:
            raise ValueError(f"its path must not be {HEALTH_PATH}")
        return value.strip()

    @field_validator("webhook_listen", "health_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            parse_listen(value)
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_RE.fullmatch(value.get_secret_value()):
            raise ValueError("must be 16-256 characters: A-Z, a-z, 0-9, _ and - "
                             "(e.g. openssl rand -hex 32)")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def clock(self) -> Clock:
        """The system clock, or the fake timeline of ``IPBOT_FAKE_NOW``."""
        if not self.fake_now:
            return SystemClock(self.tz)
        try:
            return parse_fake_now(self.fake_now, self.tz)
        except ValueError as exc:
            raise ConfigError(f"IPBOT_FAKE_NOW is invalid: {exc}") from None

    def require_token(self) -> str:
        if self.token is None or not self.token.get_secret_value().strip():
            raise ConfigError("IPBOT_TOKEN is not set (the bot token from @BotFather)")
        value = self.token.get_secret_value().strip()
        if ":" not in value:
            raise ConfigError("IPBOT_TOKEN is malformed (expected <digits>:<secret>)")
        return value

    def require_webhook(self) -> Webhook:
        """The webhook settings, or a ``ConfigError`` naming what is missing."""
        if not self.webhook_url:
            raise ConfigError("IPBOT_WEBHOOK_URL is not set (the public https URL Telegram "
                              "posts updates to)")
        if self.webhook_secret is None:
            raise ConfigError("IPBOT_WEBHOOK_SECRET is not set (16-256 characters: A-Z, "
                              "a-z, 0-9, _ and -; e.g. openssl rand -hex 32)")
        host, port = parse_listen(self.webhook_listen)
        path = urlsplit(self.webhook_url).path or "/"
        return Webhook(self.webhook_url, self.webhook_secret.get_secret_value(), host, port,
                       path)

    def health_address(self) -> tuple[str, int] | None:
        return parse_listen(self.health_listen) if self.health_listen else None


HEALTH_PATH = "/healthz"
# Telegram takes 1-256 of these characters; a guessable or short secret (it is also
# redacted from every log line) is refused.
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")


@dataclass(frozen=True)
class Webhook:
    """Webhook mode: ``url`` goes to setWebhook; the listener binds ``host``:``port`` and
    takes updates on ``path`` (the URL's path) carrying ``secret``."""

    url: str
    secret: str = field(repr=False)
    host: str
    port: int
    path: str


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:8443`` for IPv6) to a (host, port) pair; ``ValueError`` with a
    readable reason."""
    text = value.strip()
    match = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([^:\[\]\s]+):(\d+)", text)
    if match is None:
        raise ValueError(f"expected host:port, got {value!r}")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4))
    if not 0 < port < 65536:
        raise ValueError(f"port out of range in {value!r}")
    return host, port


class ConfigError(Exception):
    """A missing or malformed setting; its message is one line naming the setting."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one clear ``ConfigError`` line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "IPBOT_" + str(first["loc"][0]).upper() if first["loc"] else "IPBOT_?"
        raise ConfigError(f"{name} is invalid: {first['msg']}") from None
