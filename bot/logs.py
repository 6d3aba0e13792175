"""Logging set-up. The bot token never reaches a log line."""

from __future__ import annotations

import logging

from bot.config import Settings


class RedactToken(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "<token>")
            record.args = None
        return True


def setup_logging(settings: Settings, level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    secret = settings.token.get_secret_value() if settings.token else ""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(secret))
