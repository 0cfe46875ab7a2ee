"""The home page for each role, and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from lms.auth.models import ROLE_PRECEDENCE, Role, User
from lms.auth.permissions import has_role, scope
from lms.db import db
from lms.orgs.models import Membership, OrgUnit, Programme

bp = Blueprint("core", __name__, template_folder="templates")


def main_role(user: User) -> Role:
    for role in ROLE_PRECEDENCE:
        if has_role(user, role):
            return role
    return Role.LEARNER


@bp.get("/")
def home() -> Response | str:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    user = current_user._get_current_object()
    role = main_role(user)
    context: dict[str, object] = {"role": role, "memberships": user.memberships}
    if role in (Role.MANAGER, Role.COORDINATOR, Role.ADMIN):
        where = scope(user, Role.MANAGER, Role.COORDINATOR, Role.ADMIN).where(OrgUnit.path)
        context["staff_count"] = db.session.scalar(
            select(func.count(func.distinct(Membership.user_id)))
            .join(OrgUnit, Membership.library_id == OrgUnit.id)
            .where(where)
        )
        context["library_count"] = db.session.scalar(
            select(func.count(OrgUnit.id)).where(where, OrgUnit.kind == "library")
        )
    context["programmes"] = list(db.session.scalars(select(Programme).order_by(Programme.name)))
    _development_work(user, context)
    return render_template("core/home.html", **context)


def _development_work(user: User, context: dict[str, object]) -> None:
    """Open SWOT boards the person takes part in, and the municipality plans they read."""
    from lms.plans.municipal_services import visible_plans
    from lms.swot.models import BoardStatus, SwotWorkshop
    from lms.swot.services import visible_workshops

    context["open_workshops"] = list(
        db.session.scalars(
            visible_workshops(user).where(SwotWorkshop.status == BoardStatus.OPEN).limit(5)
        )
    )
    context["municipal_plans"] = list(db.session.scalars(visible_plans(user).limit(5)))


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and answering."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The database answers; a load balancer sends traffic only then."""
    if db.is_reachable():
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503
