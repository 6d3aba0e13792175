"""The reminder pass: one code path for the daily job and ``ipbot reminders run``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.i18n import raw, t
from bot.jobs.throttle import Throttle
from bot.services import reminders
from bot.services.container import Services
from bot.services.reminders import PlannedReminder

log = logging.getLogger(__name__)


def period_label(kind: str, start: date, lang: str) -> str:
    quarter = (start.month - 1) // 3 + 1
    half = 1 if start.month <= 6 else 2
    return raw(f"period.{kind}", lang, year=start.year, q=quarter, h=half, m=start.month)


def reminder_message(p: PlannedReminder) -> tuple[str, InlineKeyboardMarkup]:
    d, lang = p.due, p.recipient.language
    values: dict[str, Any] = {"target": d.target_name, "deadline": d.deadline,
                              "period": period_label(p.period_kind, d.window_start, lang),
                              "days": d.days_left}
    key = "reminder.overdue" if d.kind == "overdue" else (
        "reminder.today" if d.days_left == 0 else "reminder.lead")
    buttons = [InlineKeyboardButton(raw("reminder.btn_visit", lang),
                                    callback_data=f"st:visit:{d.assignment_id}")]
    if d.kind != "overdue":
        buttons.append(InlineKeyboardButton(raw("reminder.btn_snooze", lang),
                                            callback_data=f"st:snooze:{d.assignment_id}"))
    return t(key, lang, **values), InlineKeyboardMarkup([buttons])


@dataclass
class PassReport:
    at: datetime
    dry_run: bool
    sent: list[dict[str, Any]] = field(default_factory=list)
    unbound: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "dry_run": self.dry_run, "sent": self.sent,
                "unbound": self.unbound, "failed": self.failed}


async def reminder_pass(bot: Bot, svc: Services, at: datetime, *, dry_run: bool = False,
                        throttle: Throttle | None = None) -> PassReport:
    """Send every reminder due as of ``at`` once. People without Telegram are reported
    (the supervisor digest lists them) instead of being sent anything."""
    throttle = throttle or Throttle()
    planned = await asyncio.to_thread(reminders.plan, svc, at)
    report = PassReport(at, dry_run)
    for p in planned:
        row = {"key": p.due.key, "person": p.recipient.name, "target": p.due.target_name,
               "kind": p.due.kind, "lead_days": p.due.lead_days, "days_left": p.due.days_left,
               "deadline": p.due.deadline.isoformat()}
        chat = p.recipient.telegram_id
        if chat is None:
            report.unbound.append(row)
            continue
        if dry_run:
            report.sent.append(row)
            continue
        if not await asyncio.to_thread(reminders.claim, svc, p.due.key, p.due.kind,
                                       p.recipient.person_id):
            continue  # sent already, or another pass is sending it
        text, markup = reminder_message(p)
        try:
            await throttle.send(chat, lambda c=chat, x=text, m=markup: bot.send_message(
                c, x, reply_markup=m))
        except TelegramError as exc:
            log.warning("reminder %s to %s failed: %s", p.due.key, p.recipient.name, exc)
            await asyncio.to_thread(reminders.release, svc, p.due.key)
            report.failed.append(row | {"error": str(exc)})
            continue
        await asyncio.to_thread(reminders.mark_sent, svc, p.due.key)
        report.sent.append(row)
    return report
