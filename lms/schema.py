"""Validation at the edge: marshmallow fields whose messages speak the user's language.

Every HTML form and JSON body is loaded through a :class:`FormSchema`. Errors come back as
``{field: [message, …]}`` with plain strings, ready for a template or ``{"errors": …}``.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing
from werkzeug.datastructures import MultiDict

from lms.errors import Errors, ValidationFailed

_COMMON = {
    "required": _l("This field is required."),
    "null": _l("This field is required."),
    "validator_failed": _l("This value is not valid."),
}


def _has_bad_characters(value: str) -> bool:
    # U+FFFD is what a non-UTF-8 byte becomes when the form is decoded; control characters
    # (other than line breaks and tabs) never belong in text typed by a person.
    # Lone surrogates (JSON may carry "\ud800") have no UTF-8 form and cannot be stored.
    return any(
        ch == "\ufffd"
        or unicodedata.category(ch) == "Cs"
        or (unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
        for ch in value
    )


def _blank(field: fields.Field) -> Any:
    """What a blank value (``?page=``, an empty form field) stands for: nothing was given, so
    the field's default where it has one (``page`` 1), else None. A required field refuses it."""
    if field.required:
        raise field.make_error("required")
    default = field.load_default
    if default is missing:
        return None
    return default() if callable(default) else default


class Text(fields.String):
    """A trimmed string with a maximum length; blank counts as missing when required."""

    default_error_messages = {**_COMMON, "invalid": _l("Enter text.")}

    def __init__(self, *, max_length: int = 200, **kwargs: Any) -> None:
        self.max_length = max_length
        # JSON clients send null for "no value"; that is only wrong when a value is required.
        kwargs.setdefault("allow_none", not kwargs.get("required", False))
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        value = value.strip()
        if _has_bad_characters(value):
            raise ValidationError(_("This contains characters that are not valid text."))
        if len(value) > self.max_length:
            raise ValidationError(_("At most %(count)d characters, please.", count=self.max_length))
        if not value:
            if self.required or self.load_default is not missing:
                return _blank(self)
            return None if self.allow_none else ""
        return value


class Email(Text):
    default_error_messages = {**_COMMON, "invalid": _l("Enter a valid e-mail address.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=254, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        from email_validator import EmailNotValidError, validate_email

        text = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            return text
        try:
            checked = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            raise self.make_error("invalid") from exc
        # The domain part is case-insensitive; we also treat the local part so, as people do.
        return str(checked.normalized).lower()


#: Bounds of the integers we accept: the range of a 32-bit INTEGER column.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class Integer(fields.Integer):
    """A whole number within a database INTEGER; ``1.5`` and ``true`` are not whole numbers."""

    default_error_messages = {
        **_COMMON,
        "invalid": _l("Enter a whole number."),
        "too_large": _l("This number is too large."),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return _blank(self)
        if isinstance(value, bool | float):
            raise self.make_error("invalid")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT_MIN <= number <= INT_MAX:
            raise self.make_error("too_large")
        return number


class Date(fields.Date):
    default_error_messages = {
        **_COMMON,
        "invalid": _l("Enter a date as YYYY-MM-DD."),
        "format": _l("Enter a date as YYYY-MM-DD."),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return _blank(self)
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(fields.Boolean):
    default_error_messages = {**_COMMON, "invalid": _l("Choose yes or no.")}


class Choice(fields.Field):
    """One value of an enum, given by its value."""

    default_error_messages = {**_COMMON, "invalid": _l("Choose one of the options.")}

    def __init__(self, enum_cls: type[enum.Enum], **kwargs: Any) -> None:
        self.enum_cls = enum_cls
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value in ("", None):
            return _blank(self)
        try:
            return self.enum_cls(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.value


class FormSchema(Schema):
    """Base for every input schema: unknown keys (such as ``csrf_token``) are ignored."""

    class Meta:
        unknown = EXCLUDE


def _flatten(messages: Any) -> Errors:
    out: Errors = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if isinstance(value, Mapping) and all(isinstance(k, int) for k in value):
                # {"regions": {0: [...]}}: an item of a list field; the field shows it.
                out[str(key)] = sorted({str(m) for msgs in value.values() for m in msgs})
            elif isinstance(value, Mapping):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            else:
                items = value if isinstance(value, list) else [value]
                out[str(key)] = [str(m) for m in items]
    else:
        out["_"] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
    return out


def load(
    schema: Schema, data: Mapping[str, Any] | MultiDict[str, Any] | Any, **kwargs: Any
) -> dict[str, Any]:
    """Load ``data`` with ``schema`` or raise :class:`ValidationFailed` with plain messages."""
    if isinstance(data, MultiDict):
        data = {
            key: (
                values
                if key in schema.fields and isinstance(schema.fields[key], fields.List)
                else values[-1]
            )
            for key, values in data.lists()
        }
    if not isinstance(data, Mapping) and not kwargs.get("many"):
        raise ValidationFailed(errors={"_": [_("Send a JSON object.")]})
    try:
        result: dict[str, Any] = schema.load(data, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed(errors=_flatten(exc.messages)) from exc
    return result


def message_paths(messages: Any, prefix: str = "", *, root: str = "") -> Iterator[tuple[str, str]]:
    """marshmallow's nested messages as ``("modules[2].items[0].kind", message)`` pairs; a
    message about the whole document is placed at ``root``."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if isinstance(key, int):
                path = f"{prefix}[{key}]"
            elif key == "_schema":
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            yield from message_paths(value, path, root=root)
    elif isinstance(messages, list):
        for message in messages:
            yield from message_paths(message, prefix, root=root)
    else:
        yield prefix or root, str(messages)
