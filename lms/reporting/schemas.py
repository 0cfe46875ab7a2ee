"""The dashboards' filters, read from the query string."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, validates_schema

from lms.schema import Date, FormSchema, Integer


class ProgrammeFilterSchema(FormSchema):
    """Coordinator and evaluator: programme, phase, dates, and the unit drilled into."""

    programme = Integer()
    phase = Integer()
    start = Date()
    end = Date()
    unit = Integer()

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_kw: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end < start:
            raise ValidationError(str(_l("The end date is before the start date.")), "end")


class TeamFilterSchema(FormSchema):
    """Manager: one of their libraries, one track."""

    unit = Integer()
    track = Integer()
