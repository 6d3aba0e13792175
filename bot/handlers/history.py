"""/history (我的走访): recent visits, paged; open one; edit within 7 days, delete within 24 h."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.domain.vocab import Role
from bot.handlers import visit_views as views
from bot.handlers.common import actor_of, answer, require, run, say
from bot.handlers.visit import STAFF, update_key
from bot.i18n import raw, t
from bot.render import problem
from bot.services import visit_records
from bot.services.errors import ServiceError
from bot.services.visit_records import VisitView
from scheduler.policy import Policy

PREFIX = "h"


def _btn(text: str, action: str, value: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=f"{PREFIX}:{action}:{value}")


@require(*STAFF)
async def history_command(update: Update, context: BotContext) -> None:
    actor = await actor_of(update, context)
    text, markup = await _page(context, actor.person_id or 0, 0, actor.language)
    await say(update, text, reply_markup=markup)


async def _page(context: BotContext, person_id: int, page: int, lang: str
                ) -> tuple[str, InlineKeyboardMarkup | None]:
    rows, pages = await run(visit_records.history, context.services, person_id, page)
    if not rows:
        return t("history.empty", lang), None
    page = min(page, pages - 1)
    buttons = [[_btn(raw("history.line", lang, number=v.number, day=v.visit_date,
                         target=v.target, mode=raw(f"mode_short.{v.mode}", lang)),
                     "open", v.id)] for v in rows]
    nav = []
    if page > 0:
        nav.append(_btn(raw("history.btn_prev", lang), "page", page - 1))
    if page < pages - 1:
        nav.append(_btn(raw("history.btn_next", lang), "page", page + 1))
    if nav:
        buttons.append(nav)
    return t("history.title", lang, page=page + 1, pages=pages), InlineKeyboardMarkup(buttons)


def _detail(v: VisitView, lang: str, policy: Policy) -> tuple[str, InlineKeyboardMarkup]:
    none, sep = raw("visit.f_none", lang), raw("sep.list", lang)
    known = {x.key: x for x in policy.role(v.role).tasks}
    # a task key that a later policy dropped shows as itself
    tasks = [(known[k].en if lang == "en" else known[k].zh) if k in known else k
             for k in v.tasks]
    loc = v.location
    rows = [
        ("whom", v.target), ("when", v.visit_date),
        ("how", raw(f"mode_short.{v.mode}", lang)),
        ("what", sep.join(tasks) or none), ("summary", v.summary), ("needs", v.needs or none),
        ("followups", raw("sep.items", lang).join(v.followups) or none),
        ("location", raw("visit.f_location_value", lang, lat=loc["lat"], lon=loc["lon"],
                         live=raw("visit.f_live", lang) if loc["live"] else "") if loc else none),
        ("photos", raw("visit.f_photos_value", lang, count=v.photos)),
    ]
    lines = [f"<b>{v.number}</b>"] + [
        t("visit.card_row", lang, label=raw(f"visit.f_{k}", lang), value=val) for k, val in rows]
    if v.confirmations:
        states = sep.join(raw(f"confirm_status.{s}", lang) + (f" {r}★" if r else "")
                          for s, r in v.confirmations)
        lines.append(t("visit.card_row", lang, label=raw("history.confirmations", lang),
                       value=states))
    actions = []
    if v.can_edit:
        actions.append(_btn(raw("history.btn_edit", lang), "edit", v.id))
    if v.can_delete:
        actions.append(_btn(raw("history.btn_delete", lang), "del", v.id))
    markup = [actions] if actions else []
    markup.append([_btn(raw("history.btn_list", lang), "page", 0)])
    return "\n".join(lines), InlineKeyboardMarkup(markup)


async def history_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    actor = await actor_of(update, context)
    lang, person = actor.language, actor.person_id or 0
    parts = query.data.split(":")
    if not actor.has(Role.COMMISSIONER, Role.ENVOY) or len(parts) != 3 or \
            not parts[2].lstrip("-").isdigit():
        await answer(update, raw("visit.stale_button", lang))
        return
    action, value, svc = parts[1], int(parts[2]), context.services
    try:
        if action == "page":
            text, markup = await _page(context, person, value, lang)
            await answer(update)
            await query.edit_message_text(text, reply_markup=markup)
        elif action == "open":
            view = await run(visit_records.detail, svc, person, value)
            text, markup = _detail(view, lang, svc.policy)
            await answer(update)
            await query.edit_message_text(text, reply_markup=markup)
        elif action == "del":
            view = await run(visit_records.detail, svc, person, value)
            await answer(update)
            rows = [[_btn(raw("history.btn_delete_yes", lang), "delyes", value),
                     _btn(raw("visit.btn_back", lang), "open", value)]]
            await query.edit_message_text(t("history.confirm_delete", lang, number=view.number),
                                          reply_markup=InlineKeyboardMarkup(rows))
        elif action == "delyes":
            number = await run(visit_records.delete, svc, person, value, update_key(update))
            await answer(update)
            await query.edit_message_text(t("history.deleted", lang, number=number))
        elif action == "edit":
            chat = update.effective_chat
            assert chat is not None
            state = await run(visit_records.begin_edit, svc, person, value, chat.id)
            await answer(update)
            text, markup = views.render(state, lang)
            await say(update, text, reply_markup=markup)
        else:
            await answer(update, raw("visit.stale_button", lang))
    except ServiceError as exc:
        await answer(update, problem(exc.code, exc.values, lang, html=False), alert=True)
