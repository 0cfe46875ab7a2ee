from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, validates_schema

from lms.config import LOCALES
from lms.i18n import TIMEZONE_CHOICES
from lms.schema import Email, FormSchema, Text


class LoginSchema(FormSchema):
    email = Text(required=True, max_length=254)
    password = Text(required=True, max_length=1000)


class ForgotPasswordSchema(FormSchema):
    email = Email(required=True)


class NewPasswordSchema(FormSchema):
    password = Text(required=True, max_length=1000)
    password_confirm = Text(required=True, max_length=1000)

    @validates_schema
    def _same(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("password") != data.get("password_confirm"):
            raise ValidationError(_("The two passwords are not the same."), "password_confirm")


class ChangePasswordSchema(NewPasswordSchema):
    current_password = Text(required=True, max_length=1000)


class LanguageSchema(FormSchema):
    locale = Text(required=True, max_length=8)
    next = Text(max_length=500)

    @validates_schema
    def _known(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("locale") not in LOCALES:
            raise ValidationError(_("Choose one of the options."), "locale")


class ProfileSchema(FormSchema):
    name = Text(required=True, max_length=200)
    locale = Text(max_length=8)
    timezone = Text(max_length=64)

    @validates_schema
    def _known(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("locale") and data["locale"] not in LOCALES:
            raise ValidationError(_("Choose one of the options."), "locale")
        if data.get("timezone") and data["timezone"] not in TIMEZONE_CHOICES:
            raise ValidationError(_("Choose one of the options."), "timezone")
