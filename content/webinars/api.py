"""Webinar sessions and registrations (JSON), under ``/api/v1/``.

Signed in by the session cookie, with the same rules as the HTML pages: a session outside
one's audience does not exist; coordinators see the registrations of the sessions they plan.
Errors come from :mod:`lms.errors` as ``{"errors": {field: [message]}}``.

- ``GET /api/v1/events`` — coming sessions for the caller (``page``, ``per_page``)
- ``GET /api/v1/events/<id>`` — one session, with ``places_taken``
- ``GET|POST|DELETE /api/v1/events/<id>/registration`` — the caller's own registration
- ``GET /api/v1/events/<id>/registrations`` — every registration (organisers)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from content.openapi import documented
from content.webinars import services
from content.webinars.models import HOLDS_PLACE, EventSession, Registration
from content.webinars.schemas import EventOut, RegistrationOut, SessionOut
from content.webinars.views import _manage_scope, _serialised, _visible_session
from lms.auth.permissions import require
from lms.db import db
from lms.errors import Conflict, NotFound, error_response
from lms.orgs.schemas import PageQuerySchema
from lms.schema import load

bp = Blueprint("webinars_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> Response | None:
    # A program needs a status it can act on, not the sign-in page.
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def _session_json(ev: EventSession) -> dict[str, Any]:
    out: dict[str, Any] = SessionOut().dump(ev)
    out["places_taken"] = services.places_taken(db.session, ev)
    reg = services.registration_of(db.session, ev, current_user)
    out["my_status"] = reg.status.value if reg is not None else None
    if reg is not None and reg.status in HOLDS_PLACE:
        out["meeting_url"] = ev.meeting_url  # the link is for those with a place
    return out


@bp.get("/events")
@documented(response=EventOut, query=PageQuerySchema, paged=True)
def events() -> Response:
    """Coming sessions the caller may attend, soonest first."""
    query = load(PageQuerySchema(), request.args)
    visible = services.visible_to(db.session.scalars(services.upcoming()), current_user)
    start = (query["page"] - 1) * query["per_page"]
    return jsonify(
        items=[_session_json(ev) for ev in visible[start : start + query["per_page"]]],
        page=query["page"],
        per_page=query["per_page"],
        total=len(visible),
    )


@bp.get("/events/<int:session_id>")
@documented(response=EventOut)
def event(session_id: int) -> Response:
    """One session, with the places taken and the caller's own status."""
    return jsonify(_session_json(_visible_session(session_id)))


def _mine(ev: EventSession) -> Registration:
    reg = services.registration_of(db.session, ev, current_user)
    if reg is None:
        raise NotFound(_("You have no registration for this session."))
    return reg


@bp.get("/events/<int:session_id>/registration")
@documented(response=RegistrationOut)
def my_registration(session_id: int) -> Response:
    """The caller's own registration for a session."""
    return jsonify(RegistrationOut().dump(_mine(_visible_session(session_id))))


@bp.post("/events/<int:session_id>/registration")
@documented(response=RegistrationOut)
def register(session_id: int) -> tuple[Response, int]:
    """Register the caller (201), or put them on the waiting list when the session is full."""

    def act() -> Registration:
        return services.register(db.session, _visible_session(session_id), current_user)

    reg = _serialised(act, session_id)
    return jsonify(RegistrationOut().dump(reg)), 201


@bp.delete("/events/<int:session_id>/registration")
def unregister(session_id: int) -> Response:
    """Cancel the caller's registration (204); the first on the waiting list moves up."""

    def act() -> None:
        ev = _visible_session(session_id)
        reg = services.registration_of(db.session, ev, current_user)
        if reg is None:
            raise Conflict(_("There is no registration to cancel."))
        services.cancel_registration(db.session, reg)

    _serialised(act, session_id)
    return Response(status=204)


@bp.get("/events/<int:session_id>/registrations")
@documented(response=RegistrationOut, many=True)
def registrations(session_id: int) -> Response:
    """Every registration of a session, for those who organise it."""
    ev = db.session.get(EventSession, session_id)
    if ev is None:
        raise NotFound()
    require(services.may_manage(_manage_scope(), ev.series))
    return jsonify(items=RegistrationOut().dump(ev.registrations, many=True))
