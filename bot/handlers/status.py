"""/status (我的任务): each assignment's state this period, overdue first, with a one-tap
"记录走访"; and the buttons of reminders (记录走访, 3天后再提醒)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.handlers.common import actor_of, answer, require, run, say
from bot.handlers.visit import STAFF, open_visit
from bot.i18n import raw, t
from bot.jobs.reminders import period_label
from bot.render import problem
from bot.services import obligations, reminders
from bot.services.errors import ServiceError
from bot.services.obligations import StatusLine

PREFIX = "st"


def status_text(lines: list[StatusLine], today: object, kinds: dict[str, str], lang: str
                ) -> tuple[str, InlineKeyboardMarkup | None]:
    if not lines:
        return t("status.none", lang), None
    out = [t("status.title", lang, today=today), ""]
    buttons: dict[int, list[InlineKeyboardButton]] = {}  # one per assignment
    for line in lines:
        period = period_label(kinds[line.role], line.window_start, lang)
        last = line.last_visit or raw("status.never", lang)
        out.append(t(f"status.line_{line.state}", lang, target=line.target, period=period,
                     days=line.days_left, deadline=line.window_end, counted=line.counted,
                     required=line.required, visits=line.visits_this_period, last=last,
                     start=line.window_start))
        if line.state in ("due", "overdue", "met"):
            label = raw("status.btn_visit", lang, target=line.target)
            buttons.setdefault(line.assignment_id, [InlineKeyboardButton(
                label, callback_data=f"{PREFIX}:visit:{line.assignment_id}")])
    rows = list(buttons.values())
    return "\n".join(out), InlineKeyboardMarkup(rows) if rows else None


@require(*STAFF)
async def status_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    svc = context.services
    now = svc.clock.now()
    lines = await run(obligations.status, svc, actor.person_id or 0, now)
    kinds = {r: getattr(svc.policy.roles, r).obligation.period for r in ("commissioner", "envoy")}
    text, markup = status_text(lines, now.date(), kinds, actor.language)
    await say(update, text, reply_markup=markup)


async def status_press(update: Update, context: BotContext) -> None:
    """``st:visit:<assignment>`` opens the visit conversation for it; ``st:snooze:<a>``."""
    query = update.callback_query
    assert query is not None and query.data is not None
    actor = await actor_of(update, context)
    lang = actor.language
    parts = query.data.split(":")
    if not actor.has(*STAFF) or len(parts) != 3 or not parts[2].isdigit():
        await answer(update, raw("visit.stale_button", lang))
        return
    action, assignment_id = parts[1], int(parts[2])
    if action == "visit":
        await answer(update)
        await open_visit(update, context, actor, assignment_id)
    elif action == "snooze":
        try:
            until = await run(reminders.snooze, context.services, actor.person_id or 0,
                              assignment_id)
        except ServiceError as exc:
            await answer(update, problem(exc.code, exc.values, lang, html=False))
            return
        await answer(update, raw("reminder.snoozed", lang, day=until))
        await say(update, t("reminder.snoozed", lang, day=until))
    else:
        await answer(update, raw("visit.stale_button", lang))
