"""The gap tables as CSV and XLSX: the same rows and the same suppressed cells as the page.

The files themselves are written by :mod:`lms.spreadsheet` (dialect, BOM, defused formulas).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import gettext as _

from lms import spreadsheet
from lms.mapping.gaps import MIN_PEOPLE, Cell, Report


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


def response(report: Report, name: str, fmt: str, filename: str, locale: str) -> Response:
    header, rows = table(report, name, locale)
    if fmt == "csv":
        body = spreadsheet.csv_bytes(header, rows, locale=locale)
    else:
        body = spreadsheet.rows_to_xlsx(header, rows, title=name)
    return Response(
        body,
        mimetype=spreadsheet.MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
