"""Sending digests: text parts, the chart (sendPhoto) and the workbook (sendDocument)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telegram import Bot, InputFile
from telegram.error import TelegramError

from bot.jobs.reminders import period_label
from bot.jobs.throttle import Throttle
from bot.reports import FontMissing, build_digest, coverage_chart, digest_workbook
from bot.services import digest as digest_service
from bot.services.container import Services
from bot.services.digest import Supervisor

log = logging.getLogger(__name__)


def render(svc: Services, sup: Supervisor, at: datetime
           ) -> tuple[list[str], bytes | None, bytes]:
    """(text parts, PNG, xlsx) of one supervisor's digest. Blocking: run it in a thread.

    Without a CJK font the chart is left out (and logged) rather than drawn with boxes; the
    text and the workbook still go out.
    """
    lang = sup.language
    label = period_label("quarter", at.astimezone(svc.policy.tz).date(), lang)
    inp = digest_service.digest_input(svc, sup.scope, at, label)
    digest = build_digest(inp, lang)
    try:
        png: bytes | None = coverage_chart(digest, lang)
    except FontMissing as exc:
        log.error("digest chart left out: %s", exc)
        png = None
    return digest.text_parts(lang), png, digest_workbook(digest, lang)


async def send_digest(bot: Bot, svc: Services, sup: Supervisor, at: datetime,
                      throttle: Throttle | None = None) -> None:
    assert sup.telegram_id is not None
    throttle = throttle or Throttle()
    chat = sup.telegram_id
    parts, png, xlsx = await asyncio.to_thread(render, svc, sup, at)
    for part in parts:
        await throttle.send(chat, lambda p=part: bot.send_message(chat, p))
    day = at.astimezone(svc.policy.tz).date().isoformat()
    if png is not None:
        await throttle.send(chat, lambda: bot.send_photo(chat, InputFile(png, f"digest-{day}.png")))
    await throttle.send(chat, lambda: bot.send_document(
        chat, InputFile(xlsx, f"digest-{day}.xlsx")))


@dataclass
class DigestReport:
    sent: list[str] = field(default_factory=list)
    unbound: list[str] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)


async def digest_pass(bot: Bot, svc: Services, at: datetime, person: str | None = None
                      ) -> DigestReport:
    """Send the digest to every bound supervisor (or to the one named)."""
    report = DigestReport()
    throttle = Throttle()
    for sup in await asyncio.to_thread(digest_service.supervisors, svc, person):
        if sup.telegram_id is None:
            report.unbound.append(sup.name)
            continue
        try:
            await send_digest(bot, svc, sup, at, throttle)
        except TelegramError as exc:
            log.warning("digest to %s failed: %s", sup.name, exc)
            report.failed.append({"person": sup.name, "error": str(exc)})
            continue
        report.sent.append(sup.name)
    return report
