"""What the mapping forms and the API accept, and how the API shows rounds, answers and gaps."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from lms.mapping.models import RoundScale
from lms.schema import Boolean, Choice, Date, FormSchema, Integer, Text

EXPORT_TABLES = ("gaps", "heatmap", "people")

# Input


class RoundSchema(FormSchema):
    name = Text(required=True, max_length=200)
    programme_id = Integer(required=True)
    framework_id = Integer(required=True)
    scale = Choice(RoundScale, required=True)
    units = fields.List(Integer(), load_default=list)
    opens_on = Date(required=True)
    closes_on = Date(required=True)


class EditRoundSchema(FormSchema):
    name = Text(required=True, max_length=200)
    units = fields.List(Integer(), load_default=list)
    opens_on = Date(required=True)
    closes_on = Date(required=True)


class ReportQuerySchema(FormSchema):
    framework = Integer()


class ExportQuerySchema(ReportQuerySchema):
    table = Text(max_length=20, load_default="gaps")

    @validates_schema
    def _known(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("table") not in EXPORT_TABLES:
            raise ValidationError(_("Choose one of the options."), "table")


class AnswerIn(FormSchema):
    competence_id = Integer(required=True)
    level = Integer(allow_none=True, load_default=None)  # null: "don't know"
    comment = Text(max_length=2000, load_default="")


class AnswersIn(FormSchema):
    answers = fields.List(fields.Nested(AnswerIn), required=True)
    submit = Boolean(load_default=False)


# Output


class UnitRefOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.Function(lambda u: str(u.kind))


class RoundOut(Schema):
    id = fields.Integer()
    name = fields.String()
    programme_id = fields.Integer()
    framework_id = fields.Integer()
    scale = fields.Function(lambda r: r.scale.value)
    opens_on = fields.Date()
    closes_on = fields.Date()
    closed_at = fields.DateTime(allow_none=True)
    units = fields.List(fields.Nested(UnitRefOut))


class LevelOut(Schema):
    value = fields.Integer()
    label = fields.String()
    descriptor = fields.String()


class AnswerOut(Schema):
    competence_id = fields.Integer()
    level = fields.Integer(allow_none=True)
    comment = fields.String()
    validated_level = fields.Integer(allow_none=True)


class MyAnswersOut(Schema):
    round_id = fields.Integer()
    submitted_at = fields.DateTime(allow_none=True)
    is_open = fields.Boolean()
    levels = fields.List(fields.Nested(LevelOut))
    answers = fields.List(fields.Nested(AnswerOut))


class CellOut(Schema):
    people = fields.Integer(allow_none=True)
    mapped = fields.Float(allow_none=True)
    needed = fields.Float(allow_none=True)
    gap = fields.Float(allow_none=True)
    suppressed = fields.Boolean()


class GapColumnCellOut(CellOut):
    unit_id = fields.Integer()


class GapRowOut(Schema):
    competence_id = fields.Integer()
    code = fields.String()
    name = fields.String()
    total = fields.Nested(CellOut)
    units = fields.List(fields.Nested(GapColumnCellOut))


class ColumnOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class GapReportOut(Schema):
    unit_id = fields.Integer()
    framework_id = fields.Integer()
    people = fields.Integer(allow_none=True)
    min_people = fields.Integer()
    columns = fields.List(fields.Nested(ColumnOut))
    competences = fields.List(fields.Nested(GapRowOut))
