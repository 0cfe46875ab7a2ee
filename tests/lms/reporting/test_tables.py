"""Report tables: anonymising for evaluators, and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from lms.reporting.charts import Series, bar_chart
from lms.reporting.exports import defuse, to_csv, to_xlsx
from lms.reporting.tables import FEWER, MASKED, Column, Hidden, Table, anonymise


def _table(rows: list[dict[str, Any]], total: dict[str, Any] | None = None) -> Table:
    return Table(
        name="units",
        caption="Units",
        columns=[
            Column("name", "Unit"),
            Column("contact", "Contact person"),
            Column("staff", "Staff", "people"),
            Column("done", "Done", "people"),
            Column("share", "Share", "percent", of=("done", "staff")),
        ],
        rows=rows,
        total=total,
    )


def test_anonymise_hides_every_count_below_five_and_drops_names() -> None:
    table = _table(
        [
            {"name": "Falun", "contact": "Anna Svensson", "staff": 40, "done": 12},
            {"name": "Mora", "contact": "Per Berg", "staff": 4, "done": 1},
            {"name": "Borlänge", "contact": "Eva Nilsson", "staff": 30, "done": 9},
        ],
        total={"name": "Total", "staff": 74, "done": 22},
    )
    out = anonymise(table)
    assert [c.key for c in out.columns] == ["name", "staff", "done", "share"]
    falun, mora, borlange = out.rows
    assert mora["staff"] is FEWER
    assert mora["done"] is FEWER
    assert out.value(mora, out.column("share")) is FEWER
    assert falun["staff"] == 40
    assert falun["done"] == 12
    # One small cell per column would be given away by the total: the next smallest goes too.
    assert borlange["staff"] is MASKED
    assert borlange["done"] is MASKED
    assert out.total == {"name": "Total", "staff": 74, "done": 22}
    assert "Anna Svensson" not in str(out.rows)


def test_anonymise_counts_zero_as_fewer_than_five() -> None:
    out = anonymise(
        _table([{"name": "A", "staff": 12, "done": 0}, {"name": "B", "staff": 9, "done": 0}])
    )
    assert all(row["done"] is FEWER for row in out.rows)
    assert all(row["staff"] not in (FEWER, MASKED) for row in out.rows)


def test_anonymise_leaves_two_small_cells_without_extra_masking() -> None:
    out = anonymise(
        _table(
            [
                {"name": "A", "staff": 3, "done": 3},
                {"name": "B", "staff": 2, "done": 2},
                {"name": "C", "staff": 50, "done": 20},
            ]
        )
    )
    assert out.rows[2]["staff"] == 50
    assert out.rows[2]["done"] == 20


def test_percentage_of_nothing_is_empty_not_an_error() -> None:
    table = _table([{"name": "A", "staff": 0, "done": 0}])
    assert table.value(table.rows[0], table.column("share")) is None


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_defuse_neutralises_formulas(text: str) -> None:
    assert defuse(text) == "'" + text


def test_defuse_keeps_plain_text() -> None:
    assert defuse("Gävle stadsbibliotek") == "Gävle stadsbibliotek"


def _export_table() -> Table:
    return Table(
        name="units",
        caption="Participation: by unit",
        columns=[
            Column("name", "Unit"),
            Column("staff", "Staff", "people"),
            Column("done", "Done", "people"),
            Column("share", "Share", "percent", of=("done", "staff")),
            Column("since", "Since", "date"),
        ],
        rows=[
            {"name": '=HYPERLINK("http://evil")', "staff": 8, "done": 2, "since": date(2026, 1, 2)},
            {"name": "Gävle", "staff": 10, "done": FEWER, "since": None},
        ],
        total={"name": "Total", "staff": 18, "done": 7},
    )


def test_csv_has_a_bom_semicolons_for_nordic_readers_and_defused_cells(app: Flask) -> None:
    with app.test_request_context():
        body = to_csv(_export_table(), locale="sv")
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Unit", "Staff", "Done", "Share (%)", "Since"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "8", "2", "25", "2026-01-02"]
    assert rows[2] == ["Gävle", "10", "fewer than 5", "fewer than 5", ""]
    assert rows[3] == ["Total", "18", "7", "39", ""]


def test_csv_for_english_readers_uses_commas(app: Flask) -> None:
    with app.test_request_context():
        body = to_csv(_export_table(), locale="en")
    header = body.decode("utf-8-sig").splitlines()[0]
    assert header == "Unit,Staff,Done,Share (%),Since"


def test_xlsx_keeps_numbers_as_numbers_and_formulas_as_text(app: Flask) -> None:
    with app.test_request_context():
        body = to_xlsx(_export_table())
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet.title == "Participation by unit"
    assert [c.value for c in sheet[1]] == ["Unit", "Staff", "Done", "Share (%)", "Since"]
    name, staff, _done, share, since = sheet[2]
    assert name.value == '\'=HYPERLINK("http://evil")'
    assert name.data_type == "s"
    assert staff.value == 8
    assert staff.data_type == "n"
    assert share.value == pytest.approx(0.25)
    assert share.number_format == "0%"
    assert since.value.date() == date(2026, 1, 2)
    assert sheet["C3"].value == "fewer than 5"
    assert sheet["C3"].data_type == "s"
    assert sheet["A4"].value == "Total"
    assert sheet["B4"].value == 18


def test_chart_draws_bars_to_scale_and_says_what_is_hidden(app: Flask) -> None:
    table = _export_table()
    with app.test_request_context():
        chart = bar_chart(
            table,
            id="c",
            title="t",
            description="d",
            label_key="name",
            series=[Series("staff", "Staff", "c1"), Series("done", "Done", "c2")],
        )
    first, second = chart.bars
    assert first.rects[0].width > first.rects[1].width > 0
    assert second.rects[0].width == max(r.width for b in chart.bars for r in b.rects)
    assert len(second.rects) == 1
    assert "fewer than 5" in second.text
    assert all(isinstance(r.width, float) for b in chart.bars for r in b.rects)
    assert not any(isinstance(v, Hidden) for v in (first.text, second.text))


def test_anonymise_masks_no_neighbour_where_there_is_no_total() -> None:
    rows = [{"name": "A", "staff": 40, "done": 12}, {"name": "B", "staff": 4, "done": 1}]
    out = anonymise(_table(rows))
    assert out.rows[0]["staff"] == 40
    assert out.rows[1]["staff"] is FEWER
