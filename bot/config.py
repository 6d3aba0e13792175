"""Settings from the environment (prefix ``IPBOT_``) and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
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
