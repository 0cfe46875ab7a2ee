"""What every CSV and XLSX download shares: safe cells, the Nordic CSV dialect, a workbook.

CSV is UTF-8 with a byte-order mark (without it Excel reads UTF-8 as Windows-1252 and "Gävle"
becomes "GÃ¤vle"), separated by semicolons for Nordic readers (their Excel expects ``;`` because
the comma is their decimal mark) and commas for English ones.

Text that a spreadsheet would run as a formula (OWASP "CSV injection",
https://owasp.org/www-community/attacks/CSV_Injection) is written behind an apostrophe, in CSV and
XLSX alike; in XLSX every text cell is also stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Languages whose spreadsheets take ``;`` between fields (their decimal mark is a comma).
SEMICOLON_LOCALES = frozenset({"sv", "nb", "da"})


def defuse(text: str) -> str:
    """``text`` that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    """Undo :func:`defuse`, so an exported file imports as it was."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, locale: str) -> bytes:
    """A CSV file in the reader's dialect: numbers as they are, every text defused."""
    out = io.StringIO()
    delimiter = ";" if locale in SEMICOLON_LOCALES else ","
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([defuse(str(h)) for h in header])
    for row in rows:
        writer.writerow(
            [
                v if isinstance(v, int | float) and not isinstance(v, bool) else defuse(str(v))
                for v in row
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def workbook(title: str, header: Iterable[Any], *, fallback: str) -> tuple[Workbook, Worksheet]:
    """A workbook of one sheet named ``title``, with a bold header row that stays in view."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # A sheet's title: at most 31 characters, none of []:*?/\ (Excel's own rule).
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or fallback
    for col, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=col, value=defuse(str(text)))
        cell.data_type = TYPE_STRING
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return book, sheet


def put_text(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    """Write ``value`` as a defused string cell."""
    cell = sheet.cell(row=row, column=column, value=defuse(str(value)))
    cell.data_type = TYPE_STRING


def xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_to_xlsx(header: Iterable[Any], rows: Iterable[Iterable[Any]], *, title: str) -> bytes:
    """A plain table as XLSX: numbers as numbers, empty cells empty, every text defused."""
    book, sheet = workbook(title, header, fallback="Sheet")
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            if value == "" or value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                sheet.cell(row=r, column=col, value=value)
            else:
                put_text(sheet, r, col, value)
    return xlsx_bytes(book)
