"""The digest's buttons: the full detail, the archive and (for the province) evaluations,
each one tap away from the summary."""

from __future__ import annotations

from bot.i18n import raw
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline


def summary_markup(level: str, lang: str) -> Markup | None:
    rows = [[button(raw("digest.btn_detail", lang), cb.encode(cb.DIGEST, "full")),
             button(raw("digest.btn_archive", lang), cb.encode(cb.ARCHIVE, "menu"))]]
    if level == "province":
        rows.append([button(raw("digest.btn_evaluation", lang),
                            cb.encode(cb.EVALUATION, "list"))])
    return inline(rows)
