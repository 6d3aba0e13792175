"""Read a roster file (.csv or .xlsx) into a header row and numbered data rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from bot.services.errors import ServiceError

Table = tuple[list[Any], list[tuple[int, list[Any]]]]


def read_table(path: Path) -> Table:
    """(header cells, [(row number, cells)]); row 1 is the header, as a spreadsheet numbers it."""
    if not path.is_file():
        raise ServiceError("roster.file_missing", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        raise ServiceError("roster.file_type", path=str(path))
    if not rows:
        raise ServiceError("roster.file_empty", path=str(path))
    return rows[0], [(i + 2, r) for i, r in enumerate(rows[1:])]


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError("roster.file_encoding", path=str(path))
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ServiceError("roster.file_unreadable", path=str(path), reason=str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
