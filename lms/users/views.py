"""Administration of user accounts and their roles (HTML).

Every view needs the administrator role somewhere; a regional administrator reaches only the
people with a membership or a role in their region, and any other id answers 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth import services as auth_services
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.permissions import Scope, roles_required, scope
from lms.core.labels import JOB_TITLE_LABELS, ROLE_LABELS, unit_kind_label
from lms.db import db
from lms.errors import Conflict, DomainError, Errors, NotFound, ValidationFailed
from lms.i18n import select_locale
from lms.orgs.models import OrgUnit, UnitKind
from lms.schema import load
from lms.users import services
from lms.users.schemas import (
    EVERYWHERE,
    AccountSchema,
    ActiveSchema,
    NewUserSchema,
    Onboarding,
    RoleSchema,
    Status,
    UserSearchSchema,
)
from lms.web import Page, page_number, paginate, render_form

bp = Blueprint("users", __name__, url_prefix="/admin/users", template_folder="templates")

View = Response | tuple[str, int]


def _admin() -> tuple[User, Scope]:
    user: User = current_user._get_current_object()
    return user, scope(user, Role.ADMIN)


def _errors(exc: DomainError) -> Errors:
    return exc.errors or {"_": [exc.message or _("Some of what you entered is not valid.")]}


def _unit(unit_id: int | None, field: str = "unit_id") -> OrgUnit | None:
    """The unit picked in a form (None = everywhere); an unknown id is a field error."""
    if unit_id is None:
        return None
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise ValidationFailed(errors={field: [_("Choose one of the options.")]})
    return unit


def _unit_options(reach: Scope, *, kind: UnitKind | None = None) -> list[tuple[str, str]]:
    units = services.units_in(db.session, reach, kind=kind)
    trails = services.unit_trails(db.session, units)
    options = [(str(u.id), f"{trails[u.id]} – {unit_kind_label(u.kind, u.country)}") for u in units]
    options.sort(key=lambda o: o[1].casefold())
    if kind is None and reach.everywhere:
        # Only a global administrator may hand out a role that covers every unit.
        options.insert(0, (EVERYWHERE, _("Everywhere (the whole service)")))
    return options


def _role_options() -> list[tuple[str, str]]:
    return [(r.value, str(label)) for r, label in ROLE_LABELS.items()]


def _job_title_options() -> list[tuple[str, str]]:
    return [(j.value, str(label)) for j, label in JOB_TITLE_LABELS.items()]


def _invite_link(token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(
        "auth.accept_invitation", token=token
    )


def _invite(user: User, admin: User, reach: Scope) -> None:
    services.send_invitation(
        db.session,
        user,
        by=admin,
        valid_for=timedelta(days=int(current_app.config["INVITE_DAYS"])),
        link_for=_invite_link,
        fallback_locale=current_app.config["DEFAULT_LOCALE"],
        granter_scope=reach,
    )


@bp.get("/")
@roles_required(Role.ADMIN)
def index() -> View:
    _admin_user, reach = _admin()
    values = request.args.to_dict()
    context: dict[str, Any] = {
        "role_options": _role_options(),
        "status_options": [
            (Status.ACTIVE.value, _("Active")),
            (Status.INACTIVE.value, _("Inactive")),
        ],
    }
    try:
        filters = load(UserSearchSchema(), request.args)
    except ValidationFailed as exc:
        return render_form(
            "users/index.html", errors=exc.errors, values=values, page=None, **context
        )
    status = filters.get("status")
    stmt = services.search(
        reach,
        q=filters.get("q") or None,
        role=filters.get("role"),
        active=None if status is None else status is Status.ACTIVE,
    )
    page: Page[User] = paginate(db.session, stmt, page=page_number(), per_page=25)
    units = [a.unit for user in page.items for a in user.roles]
    return render_form(
        "users/index.html",
        values=values,
        page=page,
        trails=services.unit_trails(db.session, units),
        # Only the filters in use go into the pager's links.
        filters={k: v for k, v in values.items() if k in ("q", "role", "status") and v},
        **context,
    )


def _new_context(reach: Scope) -> dict[str, Any]:
    return {
        "role_options": _role_options(),
        "unit_options": _unit_options(reach),
        "library_options": _unit_options(reach, kind=UnitKind.LIBRARY),
        "job_title_options": _job_title_options(),
    }


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new() -> View:
    admin, reach = _admin()
    context = _new_context(reach)
    if request.method == "GET":
        defaults = {"locale": select_locale(), "onboarding": Onboarding.INVITE.value}
        return render_form("users/new.html", values=defaults, **context)
    try:
        data = load(NewUserSchema(), request.form)
        user = services.create_account(
            db.session,
            name=data["name"],
            email=data["email"],
            locale=data["locale"],
            role=data["role"],
            unit=_unit(data["unit_id"]),
            library=_unit(data.get("library_id"), "library_id"),
            job_title=data.get("job_title"),
            password=data.get("password"),
            by=admin,
            granter_scope=reach,
        )
        if data["onboarding"] is Onboarding.INVITE:
            _invite(user, admin, reach)
    except (ValidationFailed, Conflict) as exc:
        return render_form("users/new.html", errors=_errors(exc), **context)
    db.session.commit()
    if data["onboarding"] is Onboarding.INVITE:
        flash(
            _(
                "The account for %(name)s is created and an invitation is on its way.",
                name=user.name,
            ),
            "success",
        )
    else:
        flash(_("The account for %(name)s is created.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


def _edit_context(user: User, admin: User, reach: Scope) -> dict[str, Any]:
    units = [a.unit for a in user.roles] + [m.library for m in user.memberships]
    return {
        "user": user,
        "is_self": user.id == admin.id,
        "can_manage": services.can_manage(user, granter_scope=reach),
        "reach": reach,
        "trails": services.unit_trails(db.session, units),
        "role_options": _role_options(),
        "unit_options": _unit_options(reach),
    }


def _account_values(user: User) -> dict[str, str]:
    return {"name": user.name, "email": user.email, "locale": user.locale or ""}


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(user_id: int) -> View:
    admin, reach = _admin()
    user = services.get_user(db.session, user_id, reach=reach)
    values = _account_values(user)
    if request.method == "GET":
        return render_form("users/edit.html", values=values, **_edit_context(user, admin, reach))
    try:
        data = load(AccountSchema(), request.form)
        services.update_account(
            db.session,
            user,
            name=data["name"],
            email=data["email"],
            locale=data["locale"],
            granter_scope=reach,
        )
    except (ValidationFailed, Conflict) as exc:
        return render_form(
            "users/edit.html",
            errors=_errors(exc),
            values=values,
            **_edit_context(user, admin, reach),
        )
    db.session.commit()
    flash(_("The account of %(name)s is saved.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/invite")
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int) -> Response:
    admin, reach = _admin()
    user = services.get_user(db.session, user_id, reach=reach)
    _invite(user, admin, reach)
    db.session.commit()
    flash(_("A new invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/active")
@roles_required(Role.ADMIN)
def set_active(user_id: int) -> Response:
    admin, reach = _admin()
    user = services.get_user(db.session, user_id, reach=reach)
    active = load(ActiveSchema(), request.form)["active"] is Status.ACTIVE
    services.change_active(db.session, user, active, by=admin, granter_scope=reach)
    db.session.commit()
    if active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/roles")
@roles_required(Role.ADMIN)
def add_role(user_id: int) -> View:
    admin, reach = _admin()
    user = services.get_user(db.session, user_id, reach=reach)
    try:
        data = load(RoleSchema(), request.form)
        unit = _unit(data["unit_id"])
    except ValidationFailed as exc:
        return render_form(
            "users/edit.html",
            errors=exc.errors,
            values=_account_values(user),
            **_edit_context(user, admin, reach),
        )
    # Out of reach (403) and already held (409) are answered by the error handler, with the
    # service's message: the form could not be filled in any better.
    auth_services.grant_role(db.session, user, data["role"], unit, by=admin, granter_scope=reach)
    db.session.commit()
    flash(_("%(name)s has a new role.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.post("/<int:user_id>/roles/<int:assignment_id>/delete")
@roles_required(Role.ADMIN)
def remove_role(user_id: int, assignment_id: int) -> Response:
    admin, reach = _admin()
    user = services.get_user(db.session, user_id, reach=reach)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != user.id:
        raise NotFound()
    services.remove_role(db.session, assignment, by=admin, granter_scope=reach)
    db.session.commit()
    flash(_("The role is removed from %(name)s.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))
