"""A report table as CSV or XLSX, as it is shown: same rows, same hidden cells.

CSV: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as Windows-1252 and "Gävle"
becomes "GÃ¤vle"), separated by semicolons for Nordic readers (their Excel expects ``;`` because
the comma is their decimal mark) and commas for English ones; percentages as whole numbers.
XLSX: numbers as numbers, percentages as fractions formatted ``0%``, dates as dates.

Both neutralise text that a spreadsheet would run as a formula (OWASP "CSV injection"): a cell
starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe, and in XLSX
every text cell is also stored as a string, never as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from lms.reporting.tables import Column, Hidden, Table, text_of

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Languages whose spreadsheets take ``;`` between fields (their decimal mark is a comma).
_SEMICOLON_LOCALES = frozenset({"sv", "nb", "da"})


def defuse(text: str) -> str:
    """``text`` that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_cell(table: Table, row: dict[str, Any], column: Column) -> Any:
    value = table.value(row, column)
    if value is None or isinstance(value, Hidden):
        return text_of(value)
    if column.kind == "percent":
        return round(value * 100)
    if isinstance(value, int | float):
        return value
    return defuse(text_of(value))


def _header(column: Column) -> str:
    label = str(column.label)
    return defuse(f"{label} (%)" if column.kind == "percent" else label)


def _rows(table: Table) -> list[dict[str, Any]]:
    return [*table.rows, *([table.total] if table.total is not None else [])]


def to_csv(table: Table, *, locale: str = "en") -> bytes:
    out = io.StringIO()
    delimiter = ";" if locale in _SEMICOLON_LOCALES else ","
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_header(c) for c in table.columns])
    for row in _rows(table):
        writer.writerow([_csv_cell(table, row, c) for c in table.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    # A sheet's title: at most 31 characters, none of []:*?/\ (Excel's own rule).
    sheet.title = "".join(ch for ch in str(table.caption) if ch not in "[]:*?/\\")[:31] or "Report"
    for col, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=_header(column))
        cell.data_type = TYPE_STRING
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) + 4))
    for r, row in enumerate(_rows(table), start=2):
        for col, column in enumerate(table.columns, start=1):
            value = table.value(row, column)
            cell = sheet.cell(row=r, column=col)
            if value is None:
                continue
            if isinstance(value, bool | Hidden):
                cell.value = text_of(value)
                cell.data_type = TYPE_STRING
            elif column.kind == "percent":
                cell.value = value
                cell.number_format = "0%"
            elif isinstance(value, int | float):
                cell.value = value
            elif isinstance(value, datetime):
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.value = value
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.value = defuse(text_of(value))
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(table: Table, fmt: str, *, locale: str = "en") -> bytes:
    return to_csv(table, locale=locale) if fmt == "csv" else to_xlsx(table)
