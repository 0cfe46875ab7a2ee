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

from datetime import date, datetime
from typing import Any

from lms import spreadsheet
from lms.reporting.tables import Column, Hidden, Table, text_of

FORMATS = spreadsheet.MIMETYPES
defuse = spreadsheet.defuse


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
    return spreadsheet.csv_bytes(
        [_header(c) for c in table.columns],
        ([_csv_cell(table, row, c) for c in table.columns] for row in _rows(table)),
        locale=locale,
    )


def to_xlsx(table: Table) -> bytes:
    header = [_header(c) for c in table.columns]
    book, sheet = spreadsheet.workbook(str(table.caption), header, fallback="Report")
    for col, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=col).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column.label)) + 4))
    for r, row in enumerate(_rows(table), start=2):
        for col, column in enumerate(table.columns, start=1):
            value = table.value(row, column)
            cell = sheet.cell(row=r, column=col)
            if value is None:
                continue
            if isinstance(value, bool | Hidden):
                spreadsheet.put_text(sheet, r, col, text_of(value))
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
                spreadsheet.put_text(sheet, r, col, text_of(value))
    return spreadsheet.xlsx_bytes(book)


def export(table: Table, fmt: str, *, locale: str = "en") -> bytes:
    return to_csv(table, locale=locale) if fmt == "csv" else to_xlsx(table)
