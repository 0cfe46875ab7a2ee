"""What the development plan forms and the API accept, and how the API shows a plan."""

from __future__ import annotations

from marshmallow import Schema, fields

from lms.plans.models import GoalStatus
from lms.schema import Choice, Date, FormSchema, Integer, Text


class GoalSchema(FormSchema):
    text = Text(required=True, max_length=2_000)
    status = Choice(GoalStatus, load_default=GoalStatus.NOT_STARTED)
    target_on = Date()
    track_id = Integer()
    course_id = Integer()
    series_id = Integer()


class CommentSchema(FormSchema):
    message = Text(required=True, max_length=5_000)


class ReviewSchema(FormSchema):
    message = Text(max_length=5_000)


# Output


class GoalOut(Schema):
    id = fields.Integer()
    text = fields.String()
    status = fields.String()
    target_on = fields.Date(allow_none=True)
    track_id = fields.Integer(allow_none=True)
    course_id = fields.Integer(allow_none=True)
    series_id = fields.Integer(allow_none=True)


class PlanEventOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    message = fields.String()
    created_at = fields.DateTime()


class PlanOut(Schema):
    id = fields.Integer(allow_none=True)
    user_id = fields.Integer()
    user_name = fields.String()
    status = fields.String()
    proposed_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    goals = fields.List(fields.Nested(GoalOut))
    history = fields.List(fields.Nested(PlanEventOut))
