"""What the SWOT forms accept, and how the API shows a workshop's board."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates

from lms.schema import Choice, Date, FormSchema, Integer, Text
from lms.swot.models import BoardStatus, Level, Perspective, Quadrant

#: The most dots one person may place on a board.
MAX_VOTES = 20


class WorkshopSchema(FormSchema):
    title = Text(required=True, max_length=200)
    municipality = Integer(required=True)
    held_on = Date(required=True)
    facilitators = Text(max_length=5_000)
    participants = Text(max_length=20_000)
    preparation = Text(max_length=50_000)
    votes_per_person = Integer(load_default=3)

    @validates("votes_per_person")
    def _votes(self, value: int | None, **_kwargs: Any) -> None:
        if value is not None and not 0 <= value <= MAX_VOTES:
            raise ValidationError(
                _("Give between %(low)d and %(high)d dots.", low=0, high=MAX_VOTES)
            )


class EditWorkshopSchema(WorkshopSchema):
    """The municipality of a workshop stays what it was."""

    municipality = Integer()


class ItemSchema(FormSchema):
    text = Text(required=True, max_length=500)
    quadrant = Choice(Quadrant, required=True)
    level = Choice(Level, required=True)
    perspective = Choice(Perspective, required=True)


class GroupSchema(FormSchema):
    name = Text(required=True, max_length=200)
    quadrant = Choice(Quadrant, required=True)


class GroupEditSchema(FormSchema):
    name = Text(required=True, max_length=200)
    priority = Integer()

    @validates("priority")
    def _priority(self, value: int | None, **_kwargs: Any) -> None:
        check_priority(value)


class StatusSchema(FormSchema):
    status = Choice(BoardStatus, required=True)


def check_priority(value: int | None) -> None:
    if value is not None and not 1 <= value <= 3:
        raise ValidationError(_("Choose a priority from 1 to 3."))


# Output (JSON API)


class ItemOut(Schema):
    id = fields.Integer()
    text = fields.String()
    quadrant = fields.String()
    level = fields.String()
    perspective = fields.String()
    group_id = fields.Integer(allow_none=True)
    priority = fields.Integer(allow_none=True)
    votes = fields.Integer()


class GroupOut(Schema):
    id = fields.Integer()
    name = fields.String()
    quadrant = fields.String()
    priority = fields.Integer(allow_none=True)
    votes = fields.Integer()
    item_ids = fields.List(fields.Integer())


class WorkshopOut(Schema):
    id = fields.Integer()
    title = fields.String()
    municipality_id = fields.Integer()
    municipality = fields.String()
    held_on = fields.Date()
    status = fields.String()
    votes_per_person = fields.Integer()
    preparation_html = fields.String()
    groups = fields.List(fields.Nested(GroupOut))
    items = fields.List(fields.Nested(ItemOut))


class WorkshopSummaryOut(Schema):
    id = fields.Integer()
    title = fields.String()
    municipality_id = fields.Integer()
    municipality = fields.String()
    held_on = fields.Date()
    status = fields.String()


# Municipality plans (their JSON API lives beside the board's, in ``lms.swot.api``)


class LinkOut(Schema):
    kind = fields.String()
    id = fields.Integer()
    label = fields.String()
    #: For a competence: the municipality's average gap in levels (needed − mapped), if mapped.
    gap = fields.Float(allow_none=True)


class ActionOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    responsible = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    status = fields.String()
    links = fields.List(fields.Nested(LinkOut))


class GoalOut(Schema):
    id = fields.Integer()
    title = fields.String()
    description = fields.String()
    links = fields.List(fields.Nested(LinkOut))
    actions = fields.List(fields.Nested(ActionOut))


class PlanSummaryOut(Schema):
    id = fields.Integer()
    title = fields.String()
    municipality_id = fields.Integer()
    municipality = fields.String()
    status = fields.String()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)


class PlanOut(Schema):
    id = fields.Integer()
    title = fields.String()
    municipality_id = fields.Integer()
    municipality = fields.String()
    status = fields.String()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    workshop_id = fields.Integer(allow_none=True)
    summary_html = fields.String()
    goals = fields.List(fields.Nested(GoalOut))
