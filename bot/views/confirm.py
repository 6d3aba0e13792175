"""The served side's confirmation of a visit: after each press, the request message turns
into the next question (rating, comment), in place."""

from __future__ import annotations

from bot.delivery.out import Out
from bot.i18n import raw, t
from bot.services.visit_records import ConfirmationState
from bot.views import callbacks as cb
from bot.views.markup import button, inline
from bot.views.reply import Replier


def after(state: ConfirmationState, r: Replier) -> list[Out]:
    lang, cid = r.lang, state.confirmation_id
    if state.action in ("confirm", "dispute") and state.rating is None:
        rows = [[button(str(n), cb.encode(cb.CONFIRM, "rate", cid, n)) for n in range(1, 6)]]
        key = "confirm.disputed" if state.status == "disputed" else "confirm.ask_rating"
        return [r.edit(t(key, lang), inline(rows))]
    if state.awaiting_comment:
        rows = [[button(raw("visit.btn_skip", lang), cb.encode(cb.CONFIRM, "skip", cid))]]
        return [r.edit(t("confirm.ask_comment", lang, rating=state.rating), inline(rows))]
    if state.action == "comment":
        return [r.send(t("confirm.thanks", lang))]
    return [r.edit(t("confirm.thanks", lang))]
