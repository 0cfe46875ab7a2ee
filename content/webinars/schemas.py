"""What the webinar forms accept."""

from __future__ import annotations

from datetime import time
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from content.webinars.models import SessionKind
from lms.config import LOCALES
from lms.i18n import TIMEZONE_CHOICES
from lms.schema import _COMMON, Boolean, Choice, Date, FormSchema, Integer, Text


class Clock(fields.Field):
    """A time of day as HH:MM (what ``<input type=time>`` sends)."""

    default_error_messages = {**_COMMON, "invalid": _l("Enter a time as HH:MM.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value in ("", None):
            if self.required:
                raise self.make_error("required")
            return None
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            parsed = time.fromisoformat(value.strip())
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        return parsed.replace(second=0, microsecond=0)


class OneOf(Text):
    """A text that must be one of a fixed list."""

    default_error_messages = {
        **Text.default_error_messages,
        "choice": _l("Choose one of the options."),
    }

    def __init__(self, options: tuple[str, ...], **kwargs: Any) -> None:
        self.options = options
        super().__init__(max_length=64, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text and text not in self.options:
            raise self.make_error("choice")
        return text


class Link(Text):
    """An http(s) address with a host, such as a Teams or Zoom meeting link."""

    default_error_messages = {
        **Text.default_error_messages,
        "url": _l("Enter a web address starting with https://."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=500, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in text:
            raise self.make_error("url")
        return text


class SeriesSchema(FormSchema):
    title = Text(required=True, max_length=200)
    description = Text(max_length=20_000)
    owner_unit = Integer()
    audience = fields.List(Integer(), load_default=list)
    tracks = fields.List(Integer(), load_default=list)


class Fold(OneOf):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(("0", "1"), **kwargs)


class SessionSchema(FormSchema):
    title = Text(required=True, max_length=200)
    date = Date(required=True)
    starts = Clock(required=True)
    ends = Clock(required=True)
    starts_fold = Fold()
    ends_fold = Fold()
    timezone = OneOf(TIMEZONE_CHOICES, required=True)
    language = OneOf(LOCALES, required=True)
    capacity = Integer(required=True)
    kind = Choice(SessionKind, required=True)
    meeting_url = Link()
    address = Text(max_length=300)
    room = Text(max_length=100)
    description = Text(max_length=20_000)
    presenters = Text(max_length=2000)  # e-mail addresses, separated by commas or lines


class AttendanceSchema(FormSchema):
    attended = fields.List(Integer(), load_default=list)


class CheckInSchema(FormSchema):
    code = Text(required=True, max_length=16)


class RecordingSchema(FormSchema):
    url = Link(required=True)
    published = Boolean(load_default=False)


class StaffRegistrationSchema(FormSchema):
    users = fields.List(Integer(), load_default=list)


class MonthQuerySchema(FormSchema):
    month = Text(max_length=7)


# Output (the JSON API)


class SeriesOut(Schema):
    id = fields.Integer()
    title = fields.String()


class SessionOut(Schema):
    """A session as the API shows it; times are UTC (ISO 8601) with the organiser's zone."""

    id = fields.Integer()
    uid = fields.String()
    title = fields.String()
    series = fields.Nested(SeriesOut)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    timezone = fields.String()
    language = fields.String()
    capacity = fields.Integer()
    kind = fields.Function(lambda ev: ev.kind.value)
    address = fields.String(allow_none=True)
    room = fields.String(allow_none=True)
    is_cancelled = fields.Boolean()


class EventOut(SessionOut):
    """A session as the caller sees it: places taken, their own status, and (for those with a
    place) the external meeting link. The view fills the three extra keys."""

    places_taken = fields.Integer()
    my_status = fields.String(allow_none=True)
    meeting_url = fields.String(allow_none=True)


class RegistrationOut(Schema):
    id = fields.Integer()
    session_id = fields.Integer()
    user_id = fields.Integer()
    name = fields.Function(lambda reg: reg.user.name)
    status = fields.Function(lambda reg: reg.status.value)
    waitlisted_at = fields.DateTime(allow_none=True)
    minutes_present = fields.Integer()
