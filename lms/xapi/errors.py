"""The LRS answers its own errors: xAPI wants 400 for a bad request, never 422.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#33-error-codes
"""

from __future__ import annotations


class XapiError(Exception):
    """An error the LRS answers with ``status`` and a message naming what was wrong."""

    status = 400

    def __init__(self, message: str, *, field: str = "_", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class Invalid(XapiError):
    """A request or statement that breaks a MUST of the spec: 400 Bad Request."""


class Unauthorized(XapiError):
    status = 401


class Forbidden(XapiError):
    status = 403


class NotFound(XapiError):
    status = 404


class Conflict(XapiError):
    status = 409


class PreconditionFailed(XapiError):
    status = 412
