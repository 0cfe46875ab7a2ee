"""What the track and assignment forms and the API accept, and how the API shows them."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from lms.assignments.models import StepKind
from lms.config import LOCALES
from lms.orgs.models import JobTitle
from lms.orgs.schemas import PageQuerySchema
from lms.schema import Boolean, Choice, Date, FormSchema, Integer, Text

MAX_EFFORT_HOURS = 10_000


class AssignTarget(enum.StrEnum):
    PERSON = "person"
    UNIT = "unit"


def _track_fields() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for locale in LOCALES:
        out[f"title_{locale}"] = Text(max_length=200)
        out[f"description_{locale}"] = Text(max_length=5_000)
    return out


class TrackSchema(FormSchema.from_dict(_track_fields())):  # type: ignore[misc]
    """A track's own fields, one title and description per locale."""

    fallback_locale = Text(load_default="en", max_length=8)
    is_ordered = Boolean(load_default=False)
    effort_hours = Integer(load_default=0)
    job_titles = fields.List(Choice(JobTitle), load_default=list)

    @validates_schema
    def _check(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("fallback_locale") not in LOCALES:
            raise ValidationError(_("Choose one of the options."), "fallback_locale")
        hours = data.get("effort_hours")
        if hours is not None and not 0 <= hours <= MAX_EFFORT_HOURS:
            raise ValidationError(
                _("Enter a number from 0 to %(max)d.", max=MAX_EFFORT_HOURS), "effort_hours"
            )


def track_texts(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        locale: {
            "title": data.get(f"title_{locale}") or "",
            "description": data.get(f"description_{locale}") or "",
        }
        for locale in LOCALES
    }


def _step_fields() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for locale in LOCALES:
        out[f"prompt_title_{locale}"] = Text(max_length=200)
        out[f"prompt_{locale}"] = Text(max_length=5_000)
    return out


class StepSchema(FormSchema.from_dict(_step_fields())):  # type: ignore[misc]
    kind = Choice(StepKind, required=True)
    course_id = Integer()
    module_id = Integer()
    series_id = Integer()
    is_required = Boolean(load_default=False)


def step_data(data: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments from a loaded :class:`StepSchema`."""
    return {
        "kind": data["kind"],
        "course_id": data.get("course_id"),
        "module_id": data.get("module_id"),
        "series_id": data.get("series_id"),
        "is_required": data.get("is_required", False),
        "prompt": {
            locale: {
                "title": data.get(f"prompt_title_{locale}") or "",
                "prompt": data.get(f"prompt_{locale}") or "",
            }
            for locale in LOCALES
        },
    }


class Direction(enum.StrEnum):
    UP = "up"
    DOWN = "down"


class MoveSchema(FormSchema):
    direction = Choice(Direction, required=True)


class PublishSchema(FormSchema):
    published = Boolean(required=True)


class AssignSchema(FormSchema):
    target = Choice(AssignTarget, required=True)
    user_id = Integer()
    unit_id = Integer()
    job_title = Choice(JobTitle)
    due_on = Date(required=True)
    note = Text(max_length=2_000)

    @validates_schema
    def _check(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("target") is AssignTarget.PERSON and not data.get("user_id"):
            raise ValidationError(_("Choose a person."), "user_id")
        if data.get("target") is AssignTarget.UNIT and not data.get("unit_id"):
            raise ValidationError(_("Choose a library or a municipality."), "unit_id")


class ApiTrackSchema(TrackSchema):
    """A track through the API, which names the unit it is made for (none: administrators)."""

    owner_unit_id = Integer()


class OrderSchema(FormSchema):
    order = fields.List(Integer(), required=True)


class ApiAssignSchema(AssignSchema):
    track_id = Integer(required=True)


class ExtendSchema(FormSchema):
    due_on = Date(required=True)


class RemindersSchema(FormSchema):
    enabled = Boolean(required=True)


class ReflectionSchema(FormSchema):
    body = Text(required=True, max_length=10_000)


class TeamQuerySchema(PageQuerySchema):
    track_id = Integer()


# Output


class TrackOut(Schema):
    id = fields.Integer()
    slug = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    fallback_locale = fields.String()
    is_ordered = fields.Boolean()
    effort_hours = fields.Integer()
    is_published = fields.Boolean()
    job_titles = fields.List(fields.String())
    translations = fields.Dict(keys=fields.String(), values=fields.Dict())
    steps = fields.List(fields.Dict())


class StepProgressOut(Schema):
    step_id = fields.Integer()
    is_required = fields.Boolean()
    started = fields.Boolean()
    done = fields.Boolean()


class AssignmentOut(Schema):
    id = fields.Integer()
    track_id = fields.Integer()
    track_title = fields.String()
    user_id = fields.Integer()
    user_name = fields.String()
    due_on = fields.Date()
    note = fields.String()
    status = fields.String()
    state = fields.String()
    reminders_enabled = fields.Boolean()
    rule_id = fields.Integer(allow_none=True)
    assigned_at = fields.DateTime()
    required_done = fields.Integer()
    required_total = fields.Integer()
    next_step_id = fields.Integer(allow_none=True)
    steps = fields.List(fields.Nested(StepProgressOut))


class GroupAssignmentOut(Schema):
    rule_id = fields.Integer()
    assigned = fields.List(fields.Nested(AssignmentOut))
    skipped = fields.Integer()


class RuleOut(Schema):
    id = fields.Integer()
    track_id = fields.Integer()
    track_title = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String()
    job_title = fields.String(allow_none=True)
    due_on = fields.Date()
    is_active = fields.Boolean()
