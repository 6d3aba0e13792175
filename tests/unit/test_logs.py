"""Log lines: one per event, with level, logger and update id; text or JSON; no token."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.logs import current_update_id, setup_logging, update_context
from tests.conftest import TOKEN


@pytest.fixture
def configure() -> Iterator:
    """setup_logging into a string; the handler and the root level are restored after."""
    root = logging.getLogger()
    level, handlers = root.level, []

    def configure(**settings: object) -> io.StringIO:
        stream = io.StringIO()
        handlers.append(setup_logging(
            Settings(token=TOKEN, _env_file=None, **settings),  # type: ignore[call-arg]
            stream=stream))
        return stream

    yield configure
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def fail_with_token() -> None:
    raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage\nfailed")


def test_text_lines_carry_level_logger_and_update_id_one_line_each(configure):
    stream = configure()
    log = logging.getLogger("bot.test.text")
    log.info("outside any update")
    with update_context(7001):
        log.warning("two\nlines")
        try:
            fail_with_token()
        except RuntimeError:
            log.exception("send failed for %s", TOKEN)
    out = lines(stream)
    assert len(out) == 3
    assert out[0].endswith(" INFO bot.test.text update=-: outside any update")
    assert out[1].endswith(" WARNING bot.test.text update=7001: two\\nlines")
    assert " ERROR bot.test.text update=7001: send failed for <token>\\nTraceback" in out[2]
    assert "RuntimeError: POST https://api.telegram.org/bot<token>/sendMessage\\nfailed" in out[2]
    assert TOKEN not in stream.getvalue() and TOKEN.split(":")[1] not in stream.getvalue()
    assert current_update_id.get() is None


def test_json_lines_are_one_object_each(configure):
    stream = configure(log_format="JSON")
    log = logging.getLogger("bot.test.json")
    with update_context(42):
        log.info("收到 %s", "走访记录")
        try:
            fail_with_token()
        except RuntimeError:
            log.error("token %s in the message", TOKEN, exc_info=True)
    log.debug("not at INFO")
    first, second = (json.loads(line) for line in lines(stream))
    assert set(first) == {"time", "level", "logger", "update_id", "message"}
    assert (first["level"], first["logger"], first["update_id"], first["message"]) == (
        "INFO", "bot.test.json", 42, "收到 走访记录")
    assert first["time"].endswith("+00:00")
    assert second["message"] == "token <token> in the message"
    assert "bot<token>/sendMessage" in second["exc"] and TOKEN not in stream.getvalue()


async def test_each_task_logs_its_own_update_id(configure):
    stream = configure(log_format="json")
    log = logging.getLogger("bot.test.tasks")
    both = asyncio.Barrier(2)

    async def handle(update_id: int) -> None:
        current_update_id.set(update_id)  # as the update processor does, once per task
        await both.wait()  # the two are interleaved
        log.info("handled %d", update_id)

    await asyncio.gather(asyncio.create_task(handle(1)), asyncio.create_task(handle(2)))
    log.info("after")
    got = [(r["update_id"], r["message"]) for r in map(json.loads, lines(stream))]
    assert sorted(got[:2]) == [(1, "handled 1"), (2, "handled 2")]
    assert got[2] == (None, "after")


async def run_one_job(scheduler: AsyncIOScheduler) -> None:
    done = asyncio.Event()
    scheduler.add_listener(lambda _event: done.set(), EVENT_JOB_EXECUTED)

    async def job() -> None:
        logging.getLogger("bot.jobs.test").info("job ran")

    scheduler.add_job(job)  # no trigger: runs at once
    scheduler.start()
    await asyncio.wait_for(done.wait(), timeout=30)  # dispatched after the executor logged
    scheduler.shutdown(wait=False)


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
async def test_apscheduler_run_lines_are_debug(configure, level):
    stream = configure(log_level=level)
    await run_one_job(AsyncIOScheduler())
    out = lines(stream)
    assert any(line.endswith("INFO bot.jobs.test update=-: job ran") for line in out)
    runs = [line for line in out if "apscheduler.executors.default" in line]
    if level == "INFO":
        assert runs == []
    else:
        assert len(runs) == 2 and all(" DEBUG apscheduler.executors.default " in r for r in runs)
        assert "Running job" in runs[0] and "executed successfully" in runs[1]


def test_a_bad_log_setting_is_refused():
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="IPBOT_LOG_FORMAT"):
        load_settings(log_format="xml", _env_file=None)


WEBHOOK_SECRET = "hook_Secret-0123456789abcdef"


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_webhook_secret_never_reaches_a_line(configure, log_format):
    stream = configure(log_format=log_format, log_level="DEBUG", webhook_secret=WEBHOOK_SECRET)
    # python-telegram-bot logs each request's parameters at DEBUG
    logging.getLogger("telegram.Bot").debug(
        "Calling Bot API endpoint `setWebhook` with parameters `%s`",
        {"url": "https://bot.example.org/telegram", "secret_token": WEBHOOK_SECRET})
    try:
        raise RuntimeError(f"header X-Telegram-Bot-Api-Secret-Token: {WEBHOOK_SECRET}")
    except RuntimeError:
        logging.getLogger("bot.test.secret").exception("refused")
    out = stream.getvalue()
    assert WEBHOOK_SECRET not in out
    assert out.count("<token>") == 2 and "https://bot.example.org/telegram" in out
