"""Competence frameworks (JSON API).

Everyone signed in reads frameworks; coordinators and administrators import them. Errors
come from the one handler in :mod:`lms.errors` as ``{"errors": {place: [message]}}``, the
place being a CSV row or a CASE JSON path.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, fields
from sqlalchemy import select
from werkzeug.wrappers import Response

from content.openapi import documented
from lms.auth.permissions import ORG_ADMIN_ROLES, has_role, require
from lms.competences import exchange, services
from lms.competences.models import Framework, Node, text_in
from lms.competences.schemas import FrameworkOut, NodeOut, ScaleOut
from lms.db import db
from lms.errors import NotFound, ValidationFailed, error_response
from lms.schema import FormSchema, Text, load

bp = Blueprint("competences_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> Response | None:
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


class FrameworkDetailOut(FrameworkOut):
    scale = fields.Nested(ScaleOut)
    nodes = fields.List(fields.Nested(NodeOut))


class CompetenceOut(Schema):
    id = fields.Integer()
    uuid = fields.String()
    code = fields.String()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    area = fields.String(allow_none=True)


class ImportQuery(FormSchema):
    format = Text(required=True, max_length=8)
    framework_id = fields.Integer(load_default=None, allow_none=True)


@bp.get("/frameworks")
@documented(response=FrameworkOut, many=True)
def frameworks() -> Response:
    """Every competence framework."""
    return jsonify(items=FrameworkOut(many=True).dump(services.frameworks(db.session)))


def _detail(framework: Framework) -> dict[str, object]:
    rows = services.tree(db.session, framework)
    nodes = [{**NodeOut().dump(r.node), "depth": r.depth} for r in rows]
    data: dict[str, object] = FrameworkOut().dump(framework)
    data["scale"] = ScaleOut().dump(framework.scale)
    data["nodes"] = nodes
    return data


@bp.get("/frameworks/<int:framework_id>")
@documented(response=FrameworkDetailOut)
def framework(framework_id: int) -> Response:
    """One framework with its whole tree (in display order, with depths) and its scale."""
    return jsonify(_detail(services.get_framework(db.session, framework_id)))


@bp.get("/frameworks/<int:framework_id>/competences")
@documented(response=CompetenceOut, many=True)
def competences(framework_id: int) -> Response:
    """The framework's competences (not areas) in tree order, each with its area's name."""
    found = services.get_framework(db.session, framework_id)
    rows = services.tree(db.session, found)
    by_id = {r.node.id: r.node for r in rows}
    locale = found.fallback_locale
    items = []
    for row in rows:
        if not row.node.is_competence:
            continue
        parent = by_id.get(row.node.parent_id) if row.node.parent_id is not None else None
        items.append(
            {
                **CompetenceOut().dump(row.node),
                "area": text_in(parent.name, locale, locale) if parent is not None else None,
            }
        )
    return jsonify(items=items)


# CASE 1.1 REST binding, read-only: https://www.imsglobal.org/spec/case/v1p1 (section "REST
# endpoints"), under /api/v1/case/ so the URIs in exported packages resolve.


def case_base() -> str:
    """Where the CASE URIs of this service's frameworks point (ends with a slash)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}{bp.url_prefix}/case/"


def _by_uuid(identifier: str) -> Framework:
    found = db.session.scalar(select(Framework).where(Framework.uuid == identifier.lower()))
    if found is None:
        raise NotFound()
    return found


@bp.get("/case/CFPackages/<identifier>")
def case_package(identifier: str) -> Response:
    """A framework as a CASE 1.1 CFPackage, by its CFDocument identifier."""
    return jsonify(exchange.export_case(db.session, _by_uuid(identifier), case_base()))


@bp.get("/case/CFDocuments/<identifier>")
def case_document(identifier: str) -> Response:
    """A framework's CASE 1.1 CFDocument, by its identifier."""
    package = exchange.export_case(db.session, _by_uuid(identifier), case_base())
    return jsonify(package["CFDocument"])


@bp.get("/case/CFItems/<identifier>")
def case_item(identifier: str) -> Response:
    """One area or competence as a CASE 1.1 CFItem, by its identifier."""
    node = db.session.scalar(
        select(Node).where(Node.uuid == identifier.lower()).order_by(Node.id).limit(1)
    )
    if node is None:
        raise NotFound()
    package = exchange.export_case(db.session, node.framework, case_base())
    item = next(i for i in package["CFItems"] if i["identifier"] == node.uuid)
    return jsonify(item)


@bp.post("/frameworks/import")
@documented(response=FrameworkDetailOut, query=ImportQuery)
def import_framework() -> tuple[Response, int]:
    """Import a CASE 1.1 CFPackage (``?format=case``: creates or updates the document's
    framework) or a CSV tree (``?format=csv&framework_id=N``: replaces that framework's tree).
    The body is the file itself (at most 2 MB). Every problem is reported, by CSV row or JSON
    path; a refused file changes nothing."""
    require(has_role(current_user, *ORG_ADMIN_ROLES))
    query = load(ImportQuery(), request.args)
    request.max_content_length = exchange.MAX_UPLOAD_BYTES
    data = exchange.read_upload(request.stream, request.content_length)
    if query["format"] == "case":
        found = exchange.import_case(db.session, data)
    elif query["format"] == "csv":
        if query.get("framework_id") is None:
            raise ValidationFailed(
                errors={"framework_id": [_("Say which framework the CSV is for.")]}
            )
        found = services.get_framework(db.session, query["framework_id"])
        exchange.import_csv(db.session, found, data)
    else:
        raise ValidationFailed(errors={"format": [_("Use case or csv.")]})
    db.session.commit()
    return jsonify(_detail(found)), 201
