"""/archive on screen: the menu (person, entity, region, typical cases), the paged choices
within the supervisor's scope, and the files' captions."""

from __future__ import annotations

from datetime import date

from bot.i18n import raw, t
from bot.reports import Scope
from bot.services.archive import Target
from bot.views import callbacks as cb
from bot.views.markup import Markup, button, inline

PAGE = 8
KIND_CODES = {"person": "p", "entity": "e", "region": "r"}
CODE_KINDS = {v: k for k, v in KIND_CODES.items()}


def _b(text: str, action: str, ref: int = 0, extra: str | None = None) -> dict[str, str]:
    return button(text, cb.encode(cb.ARCHIVE, action, ref, extra))


def scope_label(scope: Scope, lang: str) -> str:
    if scope.level == "province":
        return raw("scope.province", lang)
    return scope.county or scope.city or ""


def menu(scope: Scope, lang: str) -> tuple[str, Markup | None]:
    return t("archive.menu", lang, scope=scope_label(scope, lang)), inline([
        [_b(raw("archive.btn_person", lang), "list", 0, "p"),
         _b(raw("archive.btn_entity", lang), "list", 0, "e")],
        [_b(raw("archive.btn_region", lang), "list", 0, "r"),
         _b(raw("archive.btn_cases", lang), "cases")],
    ])


def target_label(target: Target, lang: str) -> str:
    if target.kind == "region" and target.place is not None and target.place.level == "city":
        return raw("archive.whole_city", lang, city=target.name)
    return f"{target.name} · {target.detail}" if target.detail else target.name


def choices(kind: str, targets: list[Target], page: int, scope: Scope, lang: str
            ) -> tuple[str, Markup | None]:
    pages = max(1, -(-len(targets) // PAGE))
    page = min(max(page, 0), pages - 1)
    code = KIND_CODES[kind]
    rows = [[_b(target_label(x, lang)[:60], "get", x.id, code)]
            for x in targets[page * PAGE:(page + 1) * PAGE]]
    nav = []
    if page > 0:
        nav.append(_b(raw("history.btn_prev", lang), "list", page - 1, code))
    if page < pages - 1:
        nav.append(_b(raw("history.btn_next", lang), "list", page + 1, code))
    rows += [nav, [_b(raw("archive.btn_back", lang), "menu")]]
    text = t("archive.pick", lang, kind=raw(f"archive.kind.{kind}", lang), count=len(targets),
             scope=scope_label(scope, lang), page=page + 1, pages=pages)
    if not targets:
        text += "\n" + t("archive.nothing", lang)
    return text, inline(rows)


def found(targets: list[Target], text: str, lang: str) -> tuple[str, Markup | None]:
    """/archive NAME matched several: pick one."""
    if not targets:
        return t("archive.not_found", lang, value=text), None
    return t("archive.several", lang, value=text), inline(
        [[_b(raw(f"archive.kind.{x.kind}", lang) + " · " + target_label(x, lang)[:50], "get",
             x.id, KIND_CODES[x.kind])] for x in targets])


def quarters(today: date, lang: str) -> tuple[str, Markup | None]:
    """The current quarter and the three before it."""
    year, q = today.year, (today.month - 1) // 3 + 1
    buttons = []
    for _ in range(4):
        buttons.append(_b(raw("archive.quarter", lang, year=year, q=q), "case", year * 10 + q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return t("archive.cases_pick", lang), inline(
        [buttons[:2], buttons[2:], [_b(raw("archive.btn_back", lang), "menu")]])


def caption(target: Target, visits: int, consultations: int, lang: str) -> str:
    return t("archive.caption", lang, kind=raw(f"archive.kind.{target.kind}", lang),
             name=target_label(target, lang), visits=visits, consultations=consultations)


def cases_caption(quarter: str, count: int, lang: str) -> str:
    return t("archive.cases_caption", lang, quarter=quarter, count=count)
