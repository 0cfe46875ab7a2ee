"""What the organisation forms and the API accept, and how the API shows units and programmes."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from lms.orgs.models import Country, GroupKind, JobTitle, UnitKind
from lms.schema import Choice, Date, Email, FormSchema, Integer, Text

#: The most items one API page may hold.
MAX_PER_PAGE = 100


# Input


class UnitSchema(FormSchema):
    """A unit's own fields; ``country`` counts only for a region."""

    name = Text(required=True, max_length=200)
    code = Text(max_length=32)
    address = Text(max_length=300)
    country = Choice(Country)


class NewUnitSchema(UnitSchema):
    """A unit created through the API, which names its parent in the body."""

    parent_id = Integer()


class UnitQuerySchema(FormSchema):
    parent_id = Integer()


class StaffSchema(FormSchema):
    email = Email(required=True)
    job_title = Choice(JobTitle, required=True)


class ProgrammeSchema(FormSchema):
    name = Text(required=True, max_length=200)
    description = Text(max_length=10_000)
    starts_on = Date()
    ends_on = Date()
    regions = fields.List(Integer(), load_default=list)


class PhaseSchema(FormSchema):
    name = Text(required=True, max_length=200)
    starts_on = Date(required=True)
    ends_on = Date(required=True)


class GroupSchema(FormSchema):
    kind = Choice(GroupKind, required=True)
    name = Text(required=True, max_length=200)


class GroupMemberSchema(FormSchema):
    email = Email(required=True)
    task = Text(max_length=200)


class PageQuerySchema(FormSchema):
    """``?page=&per_page=`` of an API list."""

    page = Integer(load_default=1)
    per_page = Integer(load_default=25)

    @validates_schema
    def _in_range(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("page") is not None and data["page"] < 1:
            raise ValidationError(_("Enter a number from 1 up."), "page")
        per_page = data.get("per_page")
        if per_page is not None and not 1 <= per_page <= MAX_PER_PAGE:
            raise ValidationError(
                _("Enter a number from 1 to %(max)d.", max=MAX_PER_PAGE), "per_page"
            )


class UnitListQuerySchema(PageQuerySchema):
    kind = Choice(UnitKind)


# Output


class UnitOut(Schema):
    id = fields.Integer()
    kind = Choice(UnitKind)
    name = fields.String()
    code = fields.String(allow_none=True)
    country = Choice(Country)
    address = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()


class UnitRefOut(Schema):
    id = fields.Integer()
    kind = Choice(UnitKind)
    name = fields.String()


class UnitDetailOut(UnitOut):
    children = fields.List(fields.Nested(UnitRefOut))


class PhaseOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()


class GroupMemberOut(Schema):
    # Names and tasks only: a programme's organisation is public to every signed-in user, its
    # members' e-mail addresses are not.
    user_id = fields.Integer()
    name = fields.Function(lambda member: member.user.name)
    task = fields.String()


class GroupOut(Schema):
    id = fields.Integer()
    kind = Choice(GroupKind)
    name = fields.String()
    members = fields.Method("_members")

    def _members(self, group: Any) -> list[dict[str, Any]]:
        ordered = sorted(group.members, key=lambda m: m.user.name)
        result: list[dict[str, Any]] = GroupMemberOut(many=True).dump(ordered)
        return result


class ProgrammeOut(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    regions = fields.List(fields.Nested(UnitRefOut))


class ProgrammeDetailOut(ProgrammeOut):
    description = fields.String()
    phases = fields.List(fields.Nested(PhaseOut))
    groups = fields.List(fields.Nested(GroupOut))
