"""Domain exceptions and the one place that turns them (and HTTP errors) into responses.

Services raise these; views never build error responses by hand. A request under ``/api/``
(or one that asks for JSON) gets ``{"errors": …}``; anything else gets an HTML page in the
user's language. Every error rolls the request's session back first, so a failed operation
leaves the data as it was.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from lms.db import db

log = logging.getLogger(__name__)

Errors = dict[str, list[str]]


class DomainError(Exception):
    """Base of every error a service may raise on purpose."""

    status = 400

    def __init__(self, message: str | None = None, *, errors: Errors | None = None) -> None:
        super().__init__(message or "")
        self.message = message
        self.errors: Errors = errors or {}

    def form_errors(self) -> Errors:
        """The messages a form shows: per field, or (a Conflict may carry only a message) the
        message at the top of the form."""
        return self.errors or {"_": [self.message or _("Please check your input.")]}


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule; ``errors`` maps field → messages."""

    status = 422


# Titles and explanations for the HTTP statuses we answer with. Lazy, so each is rendered in
# the language of the request that shows it.
_STATUS_TEXT: dict[int, tuple[Any, Any]] = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("You do not have permission to see or do this.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("This change conflicts with the current state of the data.")),
    413: (_l("Too large"), _l("What you sent is larger than this service accepts.")),
    422: (_l("Please check your input"), _l("Some of what you entered is not valid.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Nothing was saved.")),
}


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/xapi/")) or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(
    status: int, message: str | None = None, errors: Errors | None = None
) -> Response:
    title, default = _STATUS_TEXT.get(status, _STATUS_TEXT[500 if status >= 500 else 400])
    text = message or str(default)
    if wants_json():
        body: dict[str, Any] = {"errors": errors or {"_": [text]}}
        resp = jsonify(body)
    else:
        resp = Response(
            render_template(
                "errors/error.html", status=status, title=title, message=text, errors=errors or {}
            ),
            mimetype="text/html",
        )
    resp.status_code = status
    return resp


def rollback_quietly() -> None:
    """Roll the request's session back; a broken connection must not hide the error being
    answered."""
    try:
        db.session.rollback()
    except Exception:  # a broken connection must not hide the original error
        log.exception("rollback failed")


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        rollback_quietly()
        return error_response(exc.status, exc.message, exc.errors or None)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        rollback_quietly()
        return error_response(
            400,
            _("Your form has expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError) -> Response:
        # Services check uniqueness first; this is the rare case where a parallel request
        # won the race. The constraint kept the data right; the person is told to try again.
        rollback_quietly()
        log.info("integrity error on %s %s: %s", request.method, request.path, exc.orig)
        return error_response(
            409, _("Someone else changed the same data at the same time. Reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        rollback_quietly()
        if exc.code is None or exc.code < 400:
            return exc.get_response()  # type: ignore[return-value]
        resp = error_response(exc.code)
        valid = getattr(exc, "valid_methods", None)
        if exc.code == 405 and valid:
            resp.headers["Allow"] = ", ".join(valid)
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        rollback_quietly()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
