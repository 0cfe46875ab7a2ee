"""Report tables: what a dashboard shows, what an export writes, and their anonymised form.

A :class:`Table` is built once per request by a view from :mod:`lms.reporting.queries` and then
rendered as HTML, as CSV or as XLSX (:mod:`lms.reporting.exports`): one set of figures, however
it is read. :func:`anonymise` turns a table of people counts into one an evaluator may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

#: The smallest group whose count an evaluator may see (k-anonymity threshold).
MIN_CELL = 5


class Hidden:
    """A cell that is not shown; ``label`` says why."""

    def __init__(self, label: Any) -> None:
        self.label = label

    def __str__(self) -> str:
        return str(self.label)

    def __repr__(self) -> str:
        return f"<Hidden {self.label!s}>"


#: A count of fewer than :data:`MIN_CELL` people.
FEWER = Hidden(_l("fewer than 5"))
#: A count hidden only so that a neighbouring small one cannot be worked out from the total.
MASKED = Hidden(_l("hidden"))


@dataclass(frozen=True)
class Column:
    """One column. ``kind`` is ``text``, ``people`` (a count of people), ``number`` (another
    count), ``percent`` (``of`` = the keys of its numerator and denominator) or ``date``."""

    key: str
    label: Any
    kind: str = "text"
    of: tuple[str, str] | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in ("people", "number", "percent")


@dataclass
class Table:
    """Rows of values keyed by column; ``links`` maps a column key to a per-row URL key."""

    name: str
    caption: Any
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: dict[str, Any] | None = None
    links: dict[str, str] = field(default_factory=dict)
    empty: Any = field(default_factory=lambda: _l("Nothing to show for this selection."))

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def value(self, row: dict[str, Any], column: Column) -> Any:
        """The cell's value: for a percentage the ratio 0–1 (None when nothing to divide)."""
        if column.kind == "percent" and column.of is not None:
            top, bottom = (row.get(k) for k in column.of)
            if isinstance(top, Hidden) or isinstance(bottom, Hidden):
                return top if isinstance(top, Hidden) else bottom
            if not bottom:
                return None
            return (top or 0) / bottom
        return row.get(column.key)


def text_of(value: Any) -> str:
    """A cell as plain text (for screen-reader labels and the CSV)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def anonymise(table: Table, *, k: int = MIN_CELL) -> Table:
    """The table with every count of fewer than ``k`` people hidden, and no names.

    Primary suppression: a ``people`` cell below ``k`` (zero too) reads "fewer than 5".
    Secondary suppression: in a table with a total, when exactly one cell of a column is
    hidden, the next smallest is hidden too, so the hidden one cannot be worked out from the
    total (or from the level above, whose row is this level's total).
    Percentages built on a hidden count are hidden with it. Text columns other than the first
    (the unit's name) are dropped: an evaluator sees places, never people.
    """
    people = [c for c in table.columns if c.kind == "people"]
    keep = [c for i, c in enumerate(table.columns) if i == 0 or c.kind != "text"]

    # Only what is shown stays in the rows (and the links to drill down): nothing else of a
    # row can leak into a template or an export later.
    allowed = {c.key for c in keep} | {k for c in keep for k in (c.of or ())}
    allowed |= set(table.links.values())

    def primary(row: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in row.items() if k in allowed}
        for column in people:
            value = row.get(column.key)
            if value is None or (not isinstance(value, Hidden) and value < k):
                out[column.key] = FEWER
        return out

    rows = [primary(row) for row in table.rows]
    # Only where the rows add up to a total shown beside them (the units of one level) could
    # a single hidden cell be worked out; rows such as events stand each on their own.
    for column in people if table.total is not None else []:
        hidden = [r for r in rows if isinstance(r[column.key], Hidden)]
        shown = [r for r in rows if not isinstance(r[column.key], Hidden)]
        if len(hidden) == 1 and shown:
            smallest = min(shown, key=lambda r: r[column.key])
            smallest[column.key] = MASKED
    total = primary(table.total) if table.total is not None else None
    return replace(table, columns=keep, rows=rows, total=total)
