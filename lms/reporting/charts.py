"""Bar charts drawn on the server as SVG: no script, nothing from elsewhere (the CSP allows
neither), and every chart stands next to a table with the same figures for those who cannot
see it. Geometry is computed here; ``templates/reporting/_chart.html`` only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import format_decimal, format_percent

from lms.reporting.tables import Hidden, Table

#: Drawing units: the viewBox is WIDTH wide; labels take LABEL_WIDTH of it.
WIDTH = 720
LABEL_WIDTH = 220
VALUE_WIDTH = 110
BAR_HEIGHT = 22
GAP = 10
LABEL_CHARS = 30


@dataclass(frozen=True)
class Series:
    key: str
    label: Any
    css: str  # a class of app.css: the colour of the series


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Bar:
    label: str
    short: str
    y: float
    rects: list[Rect]
    text: str


@dataclass
class Chart:
    id: str
    title: Any
    description: Any
    series: list[Series]
    bars: list[Bar] = field(default_factory=list)
    percent: bool = False

    @property
    def height(self) -> float:
        return max(1, len(self.bars)) * (BAR_HEIGHT + GAP) + GAP

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def label_width(self) -> int:
        return LABEL_WIDTH

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def value_x(self) -> int:
        return WIDTH - VALUE_WIDTH + 6


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _fmt(value: float, percent: bool) -> str:
    return format_percent(value) if percent else format_decimal(value)


def bar_chart(
    table: Table,
    *,
    id: str,
    title: Any,
    description: Any,
    label_key: str,
    series: list[Series],
    stacked: bool = False,
    percent: bool = False,
    limit: int = 20,
) -> Chart:
    """A horizontal bar per row of ``table`` (its first ``limit`` rows): one thin bar per
    series side by side, or one stacked bar. Hidden cells (an evaluator's small groups) draw
    nothing and say why in the value text."""
    chart = Chart(id=id, title=title, description=description, series=series, percent=percent)
    rows = table.rows[:limit]
    values = [[table.value(r, table.column(s.key)) for s in series] for r in rows]

    def number(v: Any) -> float:
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0

    if stacked:
        top = max([0.0, *(sum(number(v) for v in vs) for vs in values)])
    else:
        top = max([0.0, *(number(v) for vs in values for v in vs)])
    if percent:
        top = max(top, 1.0)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    thin = BAR_HEIGHT / (1 if stacked else max(1, len(series)))
    for n, (row, vs) in enumerate(zip(rows, values, strict=True)):
        label = str(row.get(label_key, ""))
        y = GAP + n * (BAR_HEIGHT + GAP)
        rects: list[Rect] = []
        texts: list[str] = []
        x = float(LABEL_WIDTH)
        for i, (s, v) in enumerate(zip(series, vs, strict=True)):
            if isinstance(v, Hidden):
                texts.append(str(v))
                continue
            if v is None:
                texts.append("–")
                continue
            width = round(number(v) / top * span, 1) if top else 0.0
            texts.append(_fmt(number(v), percent))
            rects.append(
                Rect(
                    x=x,
                    y=y if stacked else y + i * thin,
                    width=width,
                    height=thin,
                    css=s.css,
                    title=f"{s.label}: {_fmt(number(v), percent)}",
                )
            )
            if stacked:
                x += width
        chart.bars.append(
            Bar(label=label, short=_short(label), y=y, rects=rects, text=" / ".join(texts))
        )
    return chart
