"""What the user-administration forms accept."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, post_load, validates_schema

from lms.auth.models import Role
from lms.config import LOCALES
from lms.orgs.models import JobTitle
from lms.schema import Choice, Email, FormSchema, Integer, Text

#: The value of the unit select that means "in every unit" (a global role).
EVERYWHERE = "everywhere"


class Status(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Onboarding(enum.StrEnum):
    """How a new person gets their first password."""

    INVITE = "invite"
    PASSWORD = "password"  # noqa: S105 - a choice in a form, not a password


def one_of(choices: Collection[str]) -> Callable[[str], None]:
    """A validator with our translated message (marshmallow's OneOf speaks only English)."""

    def check(value: str) -> None:
        if value and value not in choices:
            raise ValidationError(_("Choose one of the options."))

    return check


class UnitRef(Text):
    """A unit's id, or ``everywhere``; loads as the id, or None for everywhere."""

    default_error_messages = {
        **Text.default_error_messages,
        "invalid": _l("Choose one of the options."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=20, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text == EVERYWHERE:
            return None
        if not text.isdecimal():
            raise self.make_error("invalid")
        return int(text)


class UserSearchSchema(FormSchema):
    q = Text(max_length=200)
    role = Choice(Role)
    status = Choice(Status)


class AccountSchema(FormSchema):
    name = Text(required=True, max_length=200)
    email = Email(required=True)
    locale = Text(required=True, max_length=8, validate=one_of(LOCALES))


class RoleSchema(FormSchema):
    role = Choice(Role, required=True)
    unit_id = UnitRef(required=True)


class NewUserSchema(AccountSchema, RoleSchema):
    library_id = Integer()
    job_title = Choice(JobTitle)
    onboarding = Choice(Onboarding)
    password = Text(max_length=1000)
    password_confirm = Text(max_length=1000)

    @validates_schema
    def _membership_whole(self, data: dict[str, Any], **_kw: Any) -> None:
        # A library without a job title (or the reverse) is half a membership: say which half.
        if data.get("library_id") is not None and data.get("job_title") is None:
            raise ValidationError(_("Choose a job title for the library."), "job_title")
        if data.get("job_title") is not None and data.get("library_id") is None:
            raise ValidationError(_("Choose the library this job title is at."), "library_id")

    @validates_schema
    def _password_when_chosen(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("onboarding") is not Onboarding.PASSWORD:
            return
        if not data.get("password"):
            raise ValidationError(_("This field is required."), "password")
        if data.get("password") != data.get("password_confirm"):
            raise ValidationError(_("The two passwords are not the same."), "password_confirm")

    @post_load
    def _defaults(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
        data["onboarding"] = data.get("onboarding") or Onboarding.INVITE
        if data["onboarding"] is Onboarding.INVITE:
            # A password typed before switching to "invite" must not be set by accident.
            data["password"] = None
        return data


class ActiveSchema(FormSchema):
    active = Choice(Status, required=True)
