"""What the LTI registration forms accept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from marshmallow import ValidationError

from lms.schema import FormSchema, Text


class Url(Text):
    """An absolute http(s) URL (https outside of local testing is the platform's business)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1024)
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
            raise ValidationError(_("Enter a full web address starting with https://."))
        return text


class PlatformSchema(FormSchema):
    name = Text(required=True, max_length=200)
    issuer = Text(required=True, max_length=255)
    client_id = Text(required=True, max_length=255)
    auth_login_url = Url(required=True)
    auth_token_url = Url(required=True)
    jwks_url = Url(required=True)
    token_audience = Url()
    deployment_ids = Text(max_length=5000)


class DeploymentSchema(FormSchema):
    deployment_id = Text(required=True, max_length=255)
