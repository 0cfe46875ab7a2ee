"""Organisation units and programmes (JSON).

Signed in by the session cookie, with the same rules as the HTML pages. Errors come from the
one handler in :mod:`lms.errors` as ``{"errors": {field: [message]}}``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema
from werkzeug.wrappers import Response

from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, require, scope
from lms.db import db
from lms.errors import DomainError, NotFound, ValidationFailed, error_response
from lms.orgs import services
from lms.orgs.models import OrgUnit
from lms.orgs.schemas import (
    NewUnitSchema,
    PageQuerySchema,
    ProgrammeDetailOut,
    ProgrammeOut,
    UnitDetailOut,
    UnitListQuerySchema,
    UnitOut,
)
from lms.orgs.views import paged
from lms.schema import load
from lms.web import Page

bp = Blueprint("orgs_api", __name__, url_prefix="/api/v1")

#: The bodies this API takes are a few fields; anything bigger is refused before it is read.
MAX_BODY_BYTES = 64 * 1024


@bp.before_request
def _signed_in() -> Response | None:
    request.max_content_length = MAX_BODY_BYTES
    # flask-login would redirect to the sign-in page; a program needs a status it can act on.
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def _org_scope() -> Scope:
    return scope(current_user, *ORG_ADMIN_ROLES)


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        # DomainError itself answers 400: the body is not something we can read at all.
        raise DomainError(errors={"_": [_("Send a JSON object (Content-Type: application/json).")]})
    return body


def _page(page: Page[Any], schema: Schema) -> Response:
    return jsonify(
        items=schema.dump(page.items, many=True),
        page=page.page,
        per_page=page.per_page,
        total=page.total,
    )


@bp.get("/units")
def units() -> Response:
    reach = _org_scope()
    require(not reach.is_empty)
    query = load(UnitListQuerySchema(), request.args)
    stmt = services.units_in(reach, kind=query.get("kind"))
    page = paged(stmt, page=query["page"], per_page=query["per_page"])
    return _page(page, UnitOut())


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int) -> Response:
    found = db.session.get(OrgUnit, unit_id)
    if found is None:
        raise NotFound()
    require(_org_scope().contains(found))
    return jsonify(UnitDetailOut().dump(found))


@bp.post("/units")
def create_unit() -> tuple[Response, int, dict[str, str]]:
    reach = _org_scope()
    require(not reach.is_empty)
    data = load(NewUnitSchema(), _json_body())
    parent = None
    if data.get("parent_id") is not None:
        parent = db.session.get(OrgUnit, data["parent_id"])
        if parent is None:
            raise ValidationFailed(errors={"parent_id": [_("There is no such unit.")]})
    # A region hangs under nothing, so only someone whose scope is everywhere may add one.
    require(reach.contains(parent) if parent is not None else reach.everywhere)
    created = services.create_unit(
        db.session,
        name=data["name"],
        parent=parent,
        country=data.get("country"),
        code=data.get("code"),
        address=data.get("address"),
    )
    db.session.commit()
    location = url_for("orgs_api.unit", unit_id=created.id)
    return jsonify(UnitOut().dump(created)), 201, {"Location": location}


@bp.get("/programmes")
def programmes() -> Response:
    query = load(PageQuerySchema(), request.args)
    stmt = services.programmes_list()
    page = paged(stmt, page=query["page"], per_page=query["per_page"])
    return _page(page, ProgrammeOut())


@bp.get("/programmes/<int:programme_id>")
def programme(programme_id: int) -> Response:
    found = services.load_programme(db.session, programme_id)
    return jsonify(ProgrammeDetailOut().dump(found))
