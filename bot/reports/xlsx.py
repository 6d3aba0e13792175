"""Workbooks in openpyxl's write-only mode: rows stream to the file as they are written, so a
sheet of 100,000 rows costs what its values cost, not a cell object each.

Every sheet has the same shape: an optional bold *totals* row first, then the bold header
row, frozen, with an autofilter over the header and the data. Dates are real Excel dates,
datetimes local and naive (the caller converts), shares are numbers shown as percentages.
Text never turns into a formula, and characters Excel cannot store are dropped.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Kind = Literal["text", "long", "date", "datetime", "int", "float", "pct"]
_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "float": "0.0",
            "pct": "0.0%"}
_WIDTHS = {"date": 12, "datetime": 17, "int": 8, "float": 8, "pct": 9}
_LONG_WIDTH = 50
_MAX_WIDTH = 40
_SAMPLE = 300  # rows looked at to size the text columns
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True, slots=True)
class Col:
    """A column: its (localized) header and the kind of its values."""

    header: str
    kind: Kind = "text"


def new_workbook(created: datetime) -> Workbook:
    wb = Workbook(write_only=True)
    wb.properties.created = created.astimezone(UTC).replace(tzinfo=None)
    wb.properties.creator = "IP Field Assistant"
    return wb


def to_bytes(wb: Workbook) -> bytes:
    if not wb.worksheets:  # an empty workbook is not a valid file
        wb.create_sheet("-")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet title (31 characters, none of []:*?/\\)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "-"
    clean = clean[:31]
    names = set(taken)
    n, base = 2, clean
    while clean in names:
        suffix = f"~{n}"
        clean, n = base[: 31 - len(suffix)] + suffix, n + 1
    return clean


def add_sheet(wb: Workbook, title: str, cols: Sequence[Col], rows: Iterable[Sequence[Any]],
              totals: Sequence[Any] | None = None) -> WriteOnlyWorksheet:
    """Write one sheet: the totals row (when given), the frozen header, then ``rows``."""
    ws = wb.create_sheet(title=sheet_title(title, wb.sheetnames))
    rows = rows if isinstance(rows, list) else list(rows)
    headers = [c.header for c in cols]
    widths = [text_width(h) + 2 for h in headers]
    for row in rows[:_SAMPLE]:
        for i, (col, value) in enumerate(zip(cols, row, strict=False)):
            if col.kind == "text" and value is not None:
                widths[i] = max(widths[i], text_width(str(value)) + 2)
    for i, col in enumerate(cols):
        if col.kind == "long":
            width = _LONG_WIDTH
        elif col.kind in _WIDTHS:
            width = max(_WIDTHS[col.kind], widths[i])
        else:
            width = min(max(widths[i], 8), _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    header_row = 2 if totals is not None else 1
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = (f"A{header_row}:{get_column_letter(len(cols))}"
                          f"{header_row + max(len(rows), 1)}")
    if totals is not None:
        ws.append([_styled(ws, v, c.kind, bold=True) for v, c in zip(totals, cols, strict=False)])
    ws.append([_styled(ws, h, "text", bold=True) for h in headers])
    kinds = [c.kind for c in cols]
    plain = all(k in ("text", "date", "datetime", "int") for k in kinds)
    for row in rows:
        if plain:
            ws.append([_plain(ws, v) for v in row])
        else:
            ws.append([_value(ws, v, k) for v, k in zip(row, kinds, strict=False)])
    return ws


def _plain(ws: WriteOnlyWorksheet, value: Any) -> Any:
    if isinstance(value, str):
        return _text(ws, value)
    return value


def _text(ws: WriteOnlyWorksheet, value: str) -> Any:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_START):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # text that looks like a formula stays text
        return cell
    return value


def _value(ws: WriteOnlyWorksheet, value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if kind == "long" and len(value) > _LONG_WIDTH:
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"
            cell.alignment = _WRAP
            return cell
        return _text(ws, value)
    if kind in ("pct", "float") and isinstance(value, int | float):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = _FORMATS[kind]
        return cell
    return value


def _styled(ws: WriteOnlyWorksheet, value: Any, kind: Kind, *, bold: bool) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif (kind in ("date", "datetime") and isinstance(value, date | datetime)) or (
            kind in ("int", "float", "pct") and isinstance(value, int | float)):
        cell.number_format = _FORMATS[kind]  # a count in a date column stays a count
    if bold:
        cell.font = _BOLD
    return cell


def text_width(text: str) -> int:
    """Display width: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def local(value: datetime | None, tz: Any) -> datetime | None:
    """An aware datetime as the naive local time Excel shows."""
    return value.astimezone(tz).replace(tzinfo=None) if value is not None else None
