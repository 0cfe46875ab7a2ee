"""Checks on every request body before a view sees it."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from lms.errors import ValidationFailed

URLENCODED = "application/x-www-form-urlencoded"


def check_form_body() -> None:
    """Refuse an oversized or non-UTF-8 url-encoded form with a clear answer.

    Werkzeug applies ``MAX_FORM_MEMORY_SIZE`` to multipart text parts only, and decodes bad
    UTF-8 in url-encoded forms by leaving the percent escapes in place, so a field would be
    stored as ``%FF…``: both are caught here, before any view runs.
    """
    if request.mimetype != URLENCODED:
        return
    limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    body = request.get_data(cache=True)  # the form parser reads the cached copy afterwards
    if len(body) > limit:
        raise RequestEntityTooLarge()
    for pair in body.split(b"&"):
        try:
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(
                _("This contains characters that are not valid text."),
                errors={"_": [_("This contains characters that are not valid text.")]},
            ) from None


def init_app(app: Flask) -> None:
    app.before_request(check_form_body)
