"""The gap tables as CSV and XLSX: the same rows and the same suppressed cells as the page.

CSV is UTF-8 with a byte-order mark (so Excel reads "Gävle" right), ``;``-separated for Nordic
readers whose decimal mark is a comma. Text a spreadsheet would run as a formula gets a leading
apostrophe (OWASP "CSV injection"); XLSX cells of text are stored as strings, never formulas.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font

from lms.mapping.gaps import MIN_PEOPLE, Cell, Report

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _num(value: float | None) -> float | str:
    return "" if value is None else round(value, 2)


def _cell_values(cell: Cell) -> list[Any]:
    if cell.suppressed:
        hidden = _("fewer than %(count)d people", count=MIN_PEOPLE)
        return [hidden, "", "", ""]
    return [cell.people, _num(cell.mapped), _num(cell.needed), _num(cell.gap)]


def table(report: Report, name: str, locale: str) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of one of the report's tables (``gaps``, ``heatmap``, ``people``)."""
    if name == "gaps":
        header = [
            _("Code"),
            _("Competence"),
            _("Area"),
            _("People"),
            _("Mapped (average)"),
            _("Needed (average)"),
            _("Gap (average)"),
        ]
        rows = [
            [c.code, c.title(locale), c.area_title(locale), *_cell_values(report.total(c.id))]
            for c in report.ranked
        ]
        return header, rows
    # heatmap and people: competences × columns, the average gap in each cell
    header = [_("Code"), _("Competence"), *[col.name for col in report.columns], _("All")]
    rows = []
    for c in report.competences:
        cells = [report.cell(col.id, c.id) for col in report.columns] + [report.total(c.id)]
        rows.append(
            [
                c.code,
                c.title(locale),
                *[
                    _("fewer than %(count)d people", count=MIN_PEOPLE)
                    if cell.suppressed
                    else _num(cell.gap)
                    for cell in cells
                ],
            ]
        )
    return header, rows


def to_csv(header: list[str], rows: list[list[Any]], locale: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=";" if locale in ("sv", "nb", "da") else ",", lineterminator="\r\n"
    )
    writer.writerow([defuse(str(h)) for h in header])
    for row in rows:
        writer.writerow([v if isinstance(v, int | float) else defuse(str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Gaps"
    for col, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=col, value=defuse(str(text)))
        cell.data_type = TYPE_STRING
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            if value == "" or value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell.value = value
            else:
                cell.value = defuse(str(value))
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(report: Report, name: str, fmt: str, filename: str, locale: str) -> Response:
    header, rows = table(report, name, locale)
    body = to_csv(header, rows, locale) if fmt == "csv" else to_xlsx(header, rows, name)
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
