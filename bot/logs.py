"""Logging set-up: one line per event with its level, logger and the update being processed,
as text or as one JSON object (``IPBOT_LOG_FORMAT``). The bot token and the webhook secret
never reach a line.

Whoever processes an update sets :data:`current_update_id` (or uses :func:`update_context`)
for the task that handles it; every line logged in that task carries the id.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from bot.config import Settings

current_update_id: ContextVar[int | None] = ContextVar("current_update_id", default=None)

# APScheduler logs two INFO lines every time any job runs (per minute and more): debug detail.
CHATTY_INFO = ("apscheduler.executors.default",)


@contextmanager
def update_context(update_id: int | None) -> Iterator[None]:
    """Lines logged inside carry ``update_id``."""
    token = current_update_id.set(update_id)
    try:
        yield
    finally:
        current_update_id.reset(token)


class UpdateIdFilter(logging.Filter):
    """Puts the current update's id on each record (``record.update_id``, None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "update_id"):
            record.update_id = current_update_id.get()
        return True


class DemoteInfo(logging.Filter):
    """Turns INFO records into DEBUG ones, dropped unless DEBUG is wanted."""

    def __init__(self, keep_debug: bool) -> None:
        super().__init__()
        self.keep_debug = keep_debug

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self.keep_debug
        return True


class _Redacting(logging.Formatter):
    """Replaces every secret in the finished line, whatever part of the record held it
    (message, arguments, traceback), in both formats."""

    def __init__(self, secrets: Iterable[str], fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.secrets = sorted({v for s in secrets if s for v in (s, s.replace(":", "%3A"))},
                              key=len, reverse=True)

    def redact(self, line: str) -> str:
        for secret in self.secrets:
            line = line.replace(secret, "<token>")
        return line


class TextFormatter(_Redacting):
    """``time LEVEL logger update=ID: message`` on one line (newlines shown as ``\\n``)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(secrets, "%(asctime)s %(levelname)s %(name)s update=%(update)s: "
                                  "%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        update_id = getattr(record, "update_id", None)
        record.update = "-" if update_id is None else update_id
        line = super().format(record)
        return self.redact(line.rstrip("\n").replace("\r", "").replace("\n", "\\n"))


class JsonFormatter(_Redacting):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, update_id, message, and
    exc (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "update_id": getattr(record, "update_id", None),
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc"] = record.exc_text
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return self.redact(json.dumps(data, ensure_ascii=False, default=str))


def setup_logging(settings: Settings, level: int | str | None = None,
                  stream: IO[str] | None = None) -> logging.Handler:
    """Send every log line to ``stream`` (standard error) in the configured format.

    Calling it again replaces the handler it installed before. Returns the handler.
    """
    wanted = settings.log_level if level is None else level
    level = logging.getLevelNamesMapping()[wanted] if isinstance(wanted, str) else wanted
    secrets = [s.get_secret_value().strip() for s in (settings.token, settings.webhook_secret)
               if s is not None]
    formatter = JsonFormatter(secrets) if settings.log_format == "json" else TextFormatter(
        secrets)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(UpdateIdFilter())
    handler.set_name("ipbot")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "ipbot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in CHATTY_INFO:
        chatty = logging.getLogger(name)
        for old in [f for f in chatty.filters if isinstance(f, DemoteInfo)]:
            chatty.removeFilter(old)
        chatty.addFilter(DemoteInfo(keep_debug=level <= logging.DEBUG))
    return handler
