"""/history (我的走访): the list, one visit's card with its actions, delete confirmation."""

from __future__ import annotations

from bot.delivery.out import Out
from bot.i18n import raw, t
from bot.services.cases import HIGHLIGHT_MAX, HIGHLIGHT_MIN, Flag
from bot.services.visit_records import VisitView
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline
from bot.views.reply import Replier
from bot.views.visit import card_of_visit, card_rows
from scheduler.policy import Policy


def _b(text: str, action: str, value: int) -> dict[str, str]:
    return button(text, cb.encode(cb.HISTORY, action, value))


def page(rows: list[VisitView], page_no: int, pages: int, lang: str
         ) -> tuple[str, Markup | None]:
    if not rows:
        return t("history.empty", lang), None
    buttons = [[_b(raw("history.line", lang, number=v.number, day=v.visit_date,
                       target=v.target, mode=raw(f"mode_short.{v.mode}", lang)), "open", v.id)]
               for v in rows]
    nav = []
    if page_no > 0:
        nav.append(_b(raw("history.btn_prev", lang), "page", page_no - 1))
    if page_no < pages - 1:
        nav.append(_b(raw("history.btn_next", lang), "page", page_no + 1))
    if nav:
        buttons.append(nav)
    return t("history.title", lang, page=page_no + 1, pages=pages), inline(buttons)


def detail(v: VisitView, lang: str, policy: Policy) -> tuple[str, Markup | None]:
    lines = [f"<b>{v.number}</b>", *card_rows(card_of_visit(v, lang, policy), lang)]
    if v.highlight:
        lines.append(t("visit.card_row", lang, label=raw("case.label", lang), value=v.highlight))
    actions = []
    if v.can_edit:
        actions.append(_b(raw("history.btn_edit", lang), "edit", v.id))
    if v.can_delete:
        actions.append(_b(raw("history.btn_delete", lang), "del", v.id))
    rows = [actions] if actions else []
    rows.append([_b(raw("case.btn_change" if v.highlight else "case.btn_flag", lang), "case",
                    v.id)]
                + ([_b(raw("case.btn_unflag", lang), "uncase", v.id)] if v.highlight else []))
    for item in v.followups:
        if item.status == "open":
            rows.append([button(raw("followup.btn_done", lang, text=item.text[:20]),
                                cb.encode(cb.FOLLOWUP, "done", item.id))])
    rows.append([_b(raw("history.btn_list", lang), "page", 0)])
    return "\n".join(lines), inline(rows)


def confirm_delete(v: VisitView, lang: str) -> tuple[str, Markup | None]:
    return t("history.confirm_delete", lang, number=v.number), inline([[
        _b(raw("history.btn_delete_yes", lang), "delyes", v.id),
        _b(raw("visit.btn_back", lang), "open", v.id)]])


# ── typical cases (典型案例) ─────────────────────────────────────────────


def case_button(visit_id: int, lang: str) -> dict[str, str]:
    """⭐ on the reply to a submitted visit: flag it as a typical case."""
    return _b(raw("case.btn_flag", lang), "case", visit_id)


def ask_highlight(flag: Flag, r: Replier) -> list[Out]:
    return [r.send(t("case.ask", r.lang, number=flag.number, min=HIGHLIGHT_MIN,
                     max=HIGHLIGHT_MAX))]


def flagged(flag: Flag, r: Replier) -> list[Out]:
    lang = r.lang
    if flag.action == "unflagged":
        return [r.send(t("case.unflagged", lang, number=flag.number))]
    return [r.send(t("case.flagged", lang, number=flag.number, highlight=flag.highlight),
                   inline([[_b(raw("case.btn_open", lang), "open", flag.visit_id)]]))]
