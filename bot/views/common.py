"""Small pieces every view uses: period labels, the role menu, lists."""

from __future__ import annotations

from datetime import date

from bot import menus
from bot.i18n import raw
from bot.views.markup import Markup, keyboard


def period_label(kind: str, start: date, lang: str) -> str:
    quarter = (start.month - 1) // 3 + 1
    half = 1 if start.month <= 6 else 2
    return raw(f"period.{kind}", lang, year=start.year, q=quarter, h=half, m=start.month)


def menu_keyboard(role: str, lang: str) -> Markup | None:
    return keyboard(menus.keyboard_rows(role, lang))


def joined(items: list[str], lang: str) -> str:
    return raw("sep.list", lang).join(items)
