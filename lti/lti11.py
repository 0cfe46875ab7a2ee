"""LTI 1.1 basic launches (filled in below)."""

from __future__ import annotations

from flask import Request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from lti.validate import LaunchError


def launch(session: Session, request: Request) -> str:
    """Verify an LTI 1.1 ``basic-lti-launch-request``; returns a one-time launch token."""
    raise LaunchError("lti11", _l("LTI 1.1 launches are not enabled on this tool."))
