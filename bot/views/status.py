"""/status (我的任务), reminders and their buttons, open follow-up items."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.delivery.out import Out, message
from bot.i18n import raw, t
from bot.services.obligations import StatusLine
from bot.services.reminders import PlannedReminder
from bot.services.visit_records import FollowUpDone, FollowUpView
from bot.views import callbacks as cb
from bot.views.common import period_label
from bot.views.markup import Markup, button, inline


def status_text(lines: list[StatusLine], today: date, kinds: dict[str, str],
                followups: list[tuple[FollowUpView, str, str]], lang: str
                ) -> tuple[str, Markup | None]:
    out: list[str] = []
    rows: list[list[dict[str, str]]] = []
    if not lines:
        out.append(t("status.none", lang))
    else:
        out += [t("status.title", lang, today=today), ""]
        seen: set[int] = set()  # one button per assignment
        for line in lines:
            period = period_label(kinds[line.role], line.window_start, lang)
            last = line.last_visit or raw("status.never", lang)
            out.append(t(f"status.line_{line.state}", lang, target=line.target, period=period,
                         days=line.days_left, deadline=line.window_end, counted=line.counted,
                         required=line.required, visits=line.visits_this_period, last=last,
                         start=line.window_start))
            if line.state in ("due", "overdue", "met") and line.assignment_id not in seen:
                seen.add(line.assignment_id)
                rows.append([button(raw("status.btn_visit", lang, target=line.target),
                                    cb.encode(cb.STATUS, "visit", line.assignment_id))])
    if followups:
        out += ["", t("followup.title", lang, count=len(followups))]
        for item, number, target in followups[:10]:
            out.append(t("followup.line", lang, day=item.created_at.date(), number=number,
                         target=target, text=item.text))
            rows.append([button(raw("followup.btn_done", lang, text=item.text[:20]),
                                cb.encode(cb.FOLLOWUP, "done", item.id))])
    return "\n".join(out), inline(rows)


def reminder(p: PlannedReminder) -> Out:
    """Owed to a commissioner or envoy: an obligation nearing (or past) its deadline."""
    d, lang = p.due, p.recipient.language
    values: dict[str, Any] = {"target": d.target_name, "deadline": d.deadline,
                              "period": period_label(p.period_kind, d.window_start, lang),
                              "days": d.days_left}
    key = "reminder.overdue" if d.kind == "overdue" else (
        "reminder.today" if d.days_left == 0 else "reminder.lead")
    buttons = [button(raw("reminder.btn_visit", lang),
                      cb.encode(cb.STATUS, "visit", int(d.assignment_id)))]
    if d.kind != "overdue":
        buttons.append(button(raw("reminder.btn_snooze", lang),
                              cb.encode(cb.STATUS, "snooze", int(d.assignment_id))))
    assert p.recipient.telegram_id is not None
    return message(p.recipient.telegram_id, t(key, lang, **values), inline([buttons]),
                   key=f"reminder:{d.key}", kind="reminder", bulk=True)


def followup_done(done: FollowUpDone, chat_id: int, lang: str, key: str | None) -> list[Out]:
    outs = [message(chat_id, t("followup.done", lang, text=done.item.text,
                               number=done.number), key=key)]
    outs += [message(tg, t("followup.done_contact", clang, owner=done.owner, entity=entity,
                           text=done.item.text, number=done.number), kind="followup",
                     key=f"fu:{done.item.id}:done:{tg}")
             for tg, clang, entity in done.contacts]
    return outs
