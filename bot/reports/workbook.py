"""The digest's detail rows as an .xlsx workbook: one sheet per section.

Each sheet has a bold, frozen header row of localized column names and an autofilter.
Dates are real Excel dates, datetimes are local (Asia/Shanghai) Excel datetimes, shares are
numbers formatted as percentages. Text cells never become formulas, and characters Excel
cannot store are dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.reports.digest import CityCoverage, Digest
from bot.reports.i18n import rraw
from bot.reports.text import label

Kind = Literal["text", "long", "date", "datetime", "int", "pct"]
_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "pct": "0.0%"}
_WIDTHS = {"date": 12, "datetime": 17, "int": 8, "pct": 9}
_LONG_WIDTH = 50
_MAX_WIDTH = 40


@dataclass(frozen=True, slots=True)
class Column:
    """A column: catalog key suffix of its header, how to get the value, and its kind."""

    key: str
    get: Callable[[Any], Any]
    kind: Kind = "text"


def digest_workbook(digest: Digest, lang: str | None = None) -> bytes:
    """The workbook as .xlsx bytes."""
    lang = lang or digest.lang
    tz = digest.now.tzinfo
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = digest.now.astimezone(UTC).replace(tzinfo=None)
    wb.properties.creator = "IP Field Assistant"

    def role(r: Any) -> str:
        return label("role", r.role, lang)

    def local(dt: datetime) -> datetime:
        return dt.astimezone(tz).replace(tzinfo=None)

    place = [Column("city", lambda r: r.city), Column("county", lambda r: r.county)]
    window = [
        Column("window_start", lambda r: r.window_start, "date"),
        Column("window_end", lambda r: r.window_end, "date"),
    ]
    counts = [
        Column("counted", lambda r: r.counted, "int"),
        Column("required", lambda r: r.required, "int"),
        Column("last_visit", lambda r: r.last_visit, "date"),
    ]
    person = [Column("person", lambda r: r.person), Column("role", role)]
    target = Column("target", lambda r: r.target)

    _sheet(wb, rraw("digest.sheet.obligations", lang), lang, digest.obligations, [
        *person, target, *place, *window,
        Column("state", lambda r: label("state", r.state, lang)),
        Column("days_left", lambda r: r.days_left, "int"), *counts,
    ])
    overdue_rows = [row for group in digest.overdue for row in group.rows]
    _sheet(wb, rraw("digest.sheet.overdue", lang), lang, overdue_rows, [
        *person, target, *place, *window,
        Column("days_overdue", lambda r: (digest.today - r.window_end).days, "int"), *counts,
    ])
    _sheet(wb, rraw("digest.sheet.visits", lang), lang, digest.visits, [
        Column("number", lambda r: r.number), Column("visit_date", lambda r: r.visit_date, "date"),
        *person, target, *place, Column("mode", lambda r: label("mode", r.mode, lang)),
    ])
    _sheet(wb, rraw("digest.sheet.disputes", lang), lang, digest.disputes, [
        Column("number", lambda r: r.number), Column("visit_date", lambda r: r.visit_date, "date"),
        Column("person", lambda r: r.person), target, *place,
        Column("comment", lambda r: r.comment, "long"),
    ])
    _sheet(wb, rraw("digest.sheet.followups", lang), lang, digest.followups, [
        Column("created", lambda r: local(r.created), "datetime"),
        Column("number", lambda r: r.visit_number), Column("owner", lambda r: r.owner), target,
        *place, Column("text", lambda r: r.text, "long"),
    ])
    _sheet(wb, rraw("digest.sheet.unbound", lang), lang, digest.unbound, [
        Column("name", lambda r: r.name), Column("role", role), Column("unit", lambda r: r.unit),
        *place,
    ])
    ws = _sheet(wb, rraw("digest.sheet.coverage", lang), lang, digest.coverage, [
        Column("city", lambda c: c.city or rraw("digest.no_place", lang)),
        Column("met", lambda c: c.met, "int"), Column("due", lambda c: c.due, "int"),
        Column("overdue", lambda c: c.overdue, "int"), Column("total", lambda c: c.total, "int"),
        Column("share", lambda c: c.share, "pct"),
    ])
    _total_row(ws, digest.coverage_total, lang)
    if digest.consultations is not None:
        _sheet(wb, rraw("digest.sheet.consultations", lang), lang, digest.consultations, [
            Column("asked_at", lambda r: local(r.asked_at), "datetime"),
            Column("asker", lambda r: r.asker), Column("entity", lambda r: r.entity), *place,
            Column("question", lambda r: r.question, "long"),
        ])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(
    wb: Workbook, title: str, lang: str, rows: Iterable[Any], columns: Sequence[Column]
) -> Worksheet:
    ws = wb.create_sheet(title=title[:31])
    headers = [rraw(f"digest.col.{c.key}", lang) for c in columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center")
    widths = [_text_width(h) + 2 for h in headers]
    for r, row in enumerate(rows, start=2):
        for i, col in enumerate(columns):
            value = col.get(row)
            cell = ws.cell(row=r, column=i + 1)
            _put(cell, value, col.kind)
            if col.kind in ("text", "long") and value is not None:
                widths[i] = max(widths[i], _text_width(str(value)) + 2)
    for i, col in enumerate(columns):
        if col.kind == "long":
            width = _LONG_WIDTH
        elif col.kind in _WIDTHS:
            width = max(_WIDTHS[col.kind], _text_width(headers[i]) + 2)
        else:
            width = min(max(widths[i], 8), _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws


def _put(cell: Any, value: Any, kind: Kind) -> None:
    """Write ``value`` as the right Excel type; strings never turn into formulas."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if kind == "long":
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return
    cell.value = value
    if kind in _FORMATS and isinstance(value, int | float | date | datetime):
        cell.number_format = _FORMATS[kind]


def _total_row(ws: Worksheet, total: CityCoverage, lang: str) -> None:
    row = ws.max_row + 1
    values = [rraw("digest.total_row", lang), total.met, total.due, total.overdue,
              total.total, total.share]
    for i, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=i)
        _put(cell, value, "pct" if i == 6 else "int" if i > 1 else "text")
        cell.font = Font(bold=True)
    ws.auto_filter.ref = f"A1:F{row - 1}"


def _text_width(text: str) -> int:
    """Display width: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
