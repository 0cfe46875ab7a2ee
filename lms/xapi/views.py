"""The LRS's admin pages: clients (key and secret shown once, scopes, revoke) and forwarding
targets (what is delivered, pending and failing, and retry). Administrators who hold their role
everywhere only: a client with ``all`` reads the statements of every region."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validates_schema
from sqlalchemy import select
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.permissions import require, roles_required, scope
from lms.db import db
from lms.errors import NotFound, ValidationFailed
from lms.schema import FormSchema, Text, load
from lms.web import render_form
from lms.xapi import forwarding
from lms.xapi.app import endpoint_url
from lms.xapi.auth import create_client, forget_credentials
from lms.xapi.models import SCOPES, ForwardTarget, LrsClient

bp = Blueprint("lrs_admin", __name__, url_prefix="/admin/lrs", template_folder="templates")

#: What each scope lets a client do, for the form.
SCOPE_LABELS = {
    "statements/write": _l("Store statements"),
    "statements/read/mine": _l("Read the statements it stored"),
    "statements/read": _l("Read every statement"),
    "state": _l("Read and write state documents"),
    "define": _l("Update activity definitions"),
    "profile": _l("Read and write profiles"),
    "all/read": _l("Read everything"),
    "all": _l("Everything"),
}
VERSIONS = ("1.0.3", "2.0.0")


class ClientSchema(FormSchema):
    name = Text(required=True, max_length=200)
    scopes = fields.List(Text(max_length=40), load_default=list)

    @validates_schema
    def _known_scopes(self, data: dict[str, Any], **_kw: Any) -> None:
        from marshmallow import ValidationError

        scopes = data.get("scopes") or []
        if not scopes:
            raise ValidationError(_("Choose at least one permission."), "scopes")
        if any(s not in SCOPES for s in scopes):
            raise ValidationError(_("Choose one of the options."), "scopes")


class ForwardSchema(FormSchema):
    name = Text(required=True, max_length=200)
    endpoint = Text(required=True, max_length=1024)
    username = Text(required=True, max_length=255)
    password = Text(required=True, max_length=255)  # the other LRS's secret; never shown again
    version = Text(required=True, max_length=10)
    verb_prefix = Text(max_length=1024)
    activity_prefix = Text(max_length=1024)

    @validates_schema
    def _checks(self, data: dict[str, Any], **_kw: Any) -> None:
        from marshmallow import ValidationError

        endpoint = data.get("endpoint") or ""
        parts = urlsplit(endpoint)
        if endpoint and (parts.scheme not in ("http", "https") or not parts.hostname):
            raise ValidationError(
                _("Give the other LRS's address, starting with https:// and ending in /xapi/."),
                "endpoint",
            )
        if data.get("version") and data["version"] not in VERSIONS:
            raise ValidationError(_("Choose one of the options."), "version")


def _require_admin() -> None:
    require(scope(current_user, Role.ADMIN).everywhere)


def _get(model: Any, ident: int) -> Any:
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound()
    return found


def _overview(**extra: Any) -> str:
    clients = list(db.session.scalars(select(LrsClient).order_by(LrsClient.id)))
    targets = list(db.session.scalars(select(ForwardTarget).order_by(ForwardTarget.id)))
    return render_template(
        "xapi/admin.html",
        clients=clients,
        targets=targets,
        pending=forwarding.pending_counts(db.session),
        scope_labels=SCOPE_LABELS,
        endpoint=endpoint_url(),
        **extra,
    )


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> str:
    """LRS clients and forwarding targets."""
    _require_admin()
    return _overview()


@bp.route("/clients/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_client() -> Response | str | tuple[str, int]:
    _require_admin()
    if request.method == "GET":
        return render_form("xapi/client_form.html", chosen=[], scope_labels=SCOPE_LABELS)
    try:
        data = load(ClientSchema(), request.form)
        client, secret = create_client(db.session, data["name"], list(data["scopes"]))
    except ValidationFailed as exc:
        return render_form(
            "xapi/client_form.html",
            errors=exc.errors,
            chosen=request.form.getlist("scopes"),
            scope_labels=SCOPE_LABELS,
        )
    db.session.commit()
    # Shown on this one page only: only a keyed hash of the secret is stored.
    return _overview(new_client=client, new_secret=secret)


@bp.post("/clients/<int:client_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_client(client_id: int) -> Response:
    _require_admin()
    client: LrsClient = _get(LrsClient, client_id)
    client.is_active = False
    db.session.commit()
    forget_credentials(client.key)
    flash(_("%(name)s can no longer use the LRS.", name=client.name), "success")
    return redirect(url_for("lrs_admin.index"))


@bp.route("/forwards/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_forward() -> Response | str | tuple[str, int]:
    _require_admin()
    versions = [(v, v) for v in VERSIONS]
    if request.method == "GET":
        return render_form("xapi/forward_form.html", values={"version": "1.0.3"}, versions=versions)
    try:
        data = load(ForwardSchema(), request.form)
    except ValidationFailed as exc:
        return render_form("xapi/forward_form.html", errors=exc.errors, versions=versions)
    target = ForwardTarget(
        name=data["name"],
        endpoint=data["endpoint"],
        username=data["username"],
        secret=data["password"],
        version=data["version"],
        verb_prefix=data.get("verb_prefix") or None,
        activity_prefix=data.get("activity_prefix") or None,
    )
    db.session.add(target)
    db.session.commit()
    flash(_("Statements stored from now on go to %(name)s too.", name=target.name), "success")
    return redirect(url_for("lrs_admin.index", _anchor="forwards"))


@bp.post("/forwards/<int:target_id>/retry")
@roles_required(Role.ADMIN)
def retry_forward(target_id: int) -> Response:
    _require_admin()
    target: ForwardTarget = _get(ForwardTarget, target_id)
    forwarding.retry_now(db.session, target)
    db.session.commit()
    flash(_("%(name)s is tried again in a moment.", name=target.name), "success")
    return redirect(url_for("lrs_admin.index", _anchor="forwards"))
