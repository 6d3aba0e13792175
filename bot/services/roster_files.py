"""Read a roster file (.csv or .xlsx) into numbered rows, as a spreadsheet numbers them.

In an .xlsx, every cell of a merged range holds the range's value (Excel shows it across the
range; openpyxl keeps it in the first cell only). Which row is the header is decided by
``bot.domain.rosters.find_header`` (a title row above it is skipped).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from bot.services.errors import ServiceError

Table = list[tuple[int, list[Any]]]


def read_rows(path: Path) -> Table:
    """[(row number, cells)] of every row; row 1 is the first line of the file."""
    if not path.is_file():
        raise ServiceError("roster.file_missing", path=str(path))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        raise ServiceError("roster.file_type", path=str(path))
    if not any(any(_filled(v) for v in row) for row in rows):
        raise ServiceError("roster.file_empty", path=str(path))
    return [(i + 1, r) for i, r in enumerate(rows)]


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


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

    if not zipfile.is_zipfile(path):  # an .xlsx is a zip; often a CSV renamed
        raise ServiceError("roster.not_xlsx", path=str(path))
    try:
        book = load_workbook(path, data_only=True)  # not read-only: merged ranges are needed
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError,
            TypeError) as exc:
        raise ServiceError("roster.file_unreadable", path=str(path),
                           reason=str(exc) or type(exc).__name__) from exc
    try:
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                row = rows[r - 1]
                if len(row) < merged.max_col:
                    row.extend([None] * (merged.max_col - len(row)))
                for c in range(merged.min_col, merged.max_col + 1):
                    row[c - 1] = value
        return rows
    finally:
        book.close()
