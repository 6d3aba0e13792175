"""The supervisors' digest: the summary (at most two messages, the last with buttons to the
full detail, the archive and evaluations), the chart (sendPhoto) and the workbook of what
needs action (sendDocument), written to the outbox once per supervisor per week."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import reports
from bot.delivery.out import Out, document, message
from bot.handlers.common import run
from bot.reports import Digest, DigestInput, Scope, build_digest
from bot.services import digest as digest_service
from bot.services.container import Services
from bot.services.digest import Supervisor
from bot.views.common import period_label
from bot.views.digest import summary_markup
from scheduler.passes import Slot

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


def read(svc: Services, at: datetime, lang: str, scope: Scope) -> DigestInput:
    """The rows of a digest (every scope's: :func:`build_digest` keeps the supervisor's)."""
    label = period_label("quarter", at.astimezone(svc.policy.tz).date(), lang)
    return digest_service.digest_input(svc, scope, at, label, lang)


def build(svc: Services, sup: Supervisor, at: datetime, inp: DigestInput | None = None
          ) -> Digest:
    """One supervisor's digest, computed (blocking: run it in a thread). ``inp``: rows read
    once for the whole pass."""
    if inp is None:
        inp = read(svc, at, sup.language, sup.scope)
    return build_digest(replace(inp, scope=sup.scope), sup.language)


def render(svc: Services, sup: Supervisor, at: datetime, inp: DigestInput | None = None
           ) -> tuple[list[str], bytes | None, bytes]:
    """(text parts, PNG, xlsx) of one supervisor's digest. Blocking: run it in a thread.

    Without a CJK font the chart is left out (and logged) rather than drawn with boxes; the
    text and the workbook still go out.
    """
    lang = sup.language
    digest = build(svc, sup, at, inp)
    try:
        png: bytes | None = reports.coverage_chart(digest, lang)
    except reports.FontMissing as exc:
        log.error("digest chart left out: %s", exc)
        png = None
    return digest.text_parts(lang), png, reports.digest_workbook(digest, lang)


def detail(svc: Services, sup: Supervisor, at: datetime) -> tuple[str, bytes]:
    """The full detail workbook (every obligation window, the week's visits) and its name."""
    digest = build(svc, sup, at)
    day = at.astimezone(svc.policy.tz).date().isoformat()
    return f"digest-detail-{day}.xlsx", reports.detail_workbook(digest, sup.language)


def outs(svc: Services, sup: Supervisor, at: datetime, key: str | None,
         inp: DigestInput | None = None) -> list[Out]:
    assert sup.telegram_id is not None
    chat = sup.telegram_id
    parts, png, xlsx = render(svc, sup, at, inp)
    day = at.astimezone(svc.policy.tz).date().isoformat()

    def k(part: str) -> str | None:
        return f"{key}:{part}" if key else None

    markup = summary_markup(sup.scope.level, sup.language)
    found: list[Out] = [message(chat, text, markup if i == len(parts) - 1 else None,
                                key=k(f"text{i}"), kind="digest", bulk=True)
                        for i, text in enumerate(parts)]
    if png is not None:
        found.append(document(chat, f"digest-{day}.png", png, key=k("chart"), kind="digest",
                              bulk=True, photo=True))
    found.append(document(chat, f"digest-{day}.xlsx", xlsx, key=k("xlsx"), kind="digest",
                          bulk=True))
    return found


async def send(runtime: Runtime, sup: Supervisor, at: datetime, period: str | None,
               inp: DigestInput | None = None) -> bool:
    """One supervisor's digest: once per ``period`` (None: on demand, not recorded)."""
    svc = runtime.services
    if period is None:
        from bot.store.delivery_repo import StoredOut

        runtime.deliver([StoredOut(None, o)
                         for o in await run(outs, svc, sup, at, None, inp)])
        return True
    key = f"digest:{period}:{sup.person_id}"
    done = await run(lambda: digest_service.enqueue_once(
        svc, key, sup.person_id, outs(svc, sup, at, key, inp)))
    runtime.deliver(done.sent)
    return done.value


async def send_all(runtime: Runtime, at: datetime, period: str, person: str | None = None
                   ) -> dict[str, Any]:
    """Every supervisor's digest. The rows are read once per language for the whole pass
    (each supervisor's digest keeps the rows of their scope), not once per supervisor."""
    svc = runtime.services
    report: dict[str, Any] = {"sent": [], "already": [], "unbound": [], "blocked": []}
    blocked = await run(digest_service.blocked_chats, svc)
    inputs: dict[str, DigestInput] = {}
    for sup in await run(digest_service.supervisors, svc, person):
        if sup.telegram_id is None:
            report["unbound"].append(sup.name)
            continue
        if sup.telegram_id in blocked:
            report["blocked"].append(sup.name)
            continue
        if sup.language not in inputs:
            inputs[sup.language] = await run(read, svc, at, sup.language, Scope("province"))
        if await send(runtime, sup, at, period, inputs[sup.language]):
            report["sent"].append(sup.name)
        else:
            report["already"].append(sup.name)
    return report


async def execute(runtime: Runtime, slot: Slot) -> dict[str, Any]:
    report = await send_all(runtime, runtime.services.clock.now(), slot.period)
    return {k: len(v) for k, v in report.items()}
