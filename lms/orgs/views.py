"""Organisation units, staff, teams and programmes (HTML)."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select
from werkzeug.wrappers import Response

from lms.auth.models import Role
from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, require, roles_required, scope
from lms.core.labels import COUNTRY_LABELS, GROUP_KIND_LABELS, JOB_TITLE_LABELS
from lms.db import Base, db
from lms.errors import Conflict, Errors, NotFound, ValidationFailed
from lms.orgs import services
from lms.orgs.models import (
    CHILD_KIND,
    Membership,
    OrgUnit,
    Phase,
    Programme,
    ProgrammeGroup,
    UnitKind,
)
from lms.orgs.schemas import (
    GroupMemberSchema,
    GroupSchema,
    PhaseSchema,
    ProgrammeSchema,
    StaffSchema,
    UnitQuerySchema,
    UnitSchema,
)
from lms.schema import load
from lms.web import Page, choices, page_number, paginate, render_form

bp = Blueprint("orgs", __name__, template_folder="templates")

View = Response | str | tuple[str, int]
M = TypeVar("M", bound=Base)
T = TypeVar("T")


# Loading and access


def paged(stmt: Select[T], *, page: int, per_page: int = 25) -> Page[T]:
    """One page of ``stmt``'s rows, from the request's session."""
    return paginate(db.session, stmt, page=page, per_page=per_page)


def _get(model: type[M], ident: int) -> M:
    found = db.session.get(model, ident)
    if found is None:
        raise NotFound()
    return found


def _org_scope() -> Scope:
    """Where the current user administers units: as administrator or coordinator."""
    return scope(current_user, *ORG_ADMIN_ROLES)


def _unit_in_scope(unit_id: int) -> OrgUnit:
    unit = _get(OrgUnit, unit_id)
    require(_org_scope().contains(unit))
    return unit


def may_edit_programme(reach: Scope, programme: Programme) -> bool:
    """A programme is run jointly: anyone administering one of its regions may change it."""
    return reach.everywhere or any(reach.contains(region) for region in programme.regions)


def _editable_programme(programme_id: int) -> Programme:
    programme = services.load_programme(db.session, programme_id)
    require(may_edit_programme(_org_scope(), programme))
    return programme


# Units


@bp.get("/orgs/")
@roles_required(*ORG_ADMIN_ROLES)
def units() -> str:
    reach = _org_scope()
    found = list(db.session.scalars(services.units_in(reach)))
    ids = {unit.id for unit in found}
    # The tree's roots are the units whose parent lies outside the scope (or who have none).
    tree: dict[int | None, list[OrgUnit]] = {}
    for unit in found:
        tree.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    for branch in tree.values():
        branch.sort(key=lambda u: u.name.casefold())
    return render_template("orgs/units.html", tree=tree, may_add_region=reach.everywhere)


def _unit_page(unit: OrgUnit, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()  # the page must show the data as it is, not the failed change
    reach = _org_scope()
    ancestors = services.ancestors_of(db.session, unit)
    staff = None
    if unit.kind is UnitKind.LIBRARY:
        staff = paged(services.staff_of(unit), page=page_number())
    return render_form(
        "orgs/unit.html",
        errors=errors,
        unit=unit,
        ancestors=ancestors,
        reach=reach,
        staff=staff,
        child_kind=CHILD_KIND.get(unit.kind),
        job_titles=choices(JOB_TITLE_LABELS),
    )


@bp.get("/orgs/<int:unit_id>")
@roles_required(*ORG_ADMIN_ROLES)
def unit(unit_id: int) -> View:
    return _unit_page(_unit_in_scope(unit_id))


@bp.route("/orgs/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_unit() -> View:
    query = load(UnitQuerySchema(), request.args)
    parent = _get(OrgUnit, query["parent_id"]) if query.get("parent_id") is not None else None
    reach = _org_scope()
    # A region hangs under nothing, so only someone whose scope is everywhere may add one.
    require(reach.contains(parent) if parent is not None else reach.everywhere)
    if parent is not None and parent.kind not in CHILD_KIND:
        raise ValidationFailed(_("A library cannot contain other units."))
    context: dict[str, Any] = {
        "parent": parent,
        "kind": CHILD_KIND[parent.kind] if parent is not None else UnitKind.REGION,
        "countries": choices(COUNTRY_LABELS),
    }
    if request.method == "GET":
        return render_form("orgs/unit_form.html", **context)
    try:
        data = load(UnitSchema(), request.form)
        created = services.create_unit(
            db.session,
            name=data["name"],
            parent=parent,
            country=data.get("country"),
            code=data.get("code"),
            address=data.get("address"),
        )
    except (ValidationFailed, Conflict) as exc:
        return render_form("orgs/unit_form.html", errors=exc.form_errors(), **context)
    db.session.commit()
    flash(_("%(name)s is created.", name=created.name), "success")
    return redirect(url_for("orgs.unit", unit_id=created.id))


@bp.route("/orgs/<int:unit_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_unit(unit_id: int) -> View:
    unit = _unit_in_scope(unit_id)
    values = {"name": unit.name, "code": unit.code or "", "address": unit.address or ""}
    if request.method == "GET":
        return render_form("orgs/unit_edit.html", unit=unit, values=values)
    try:
        data = load(UnitSchema(), request.form)
        services.update_unit(
            db.session, unit, name=data["name"], code=data.get("code"), address=data.get("address")
        )
    except (ValidationFailed, Conflict) as exc:
        return render_form(
            "orgs/unit_edit.html", unit=unit, values=values, errors=exc.form_errors()
        )
    db.session.commit()
    flash(_("%(name)s is saved.", name=unit.name), "success")
    return redirect(url_for("orgs.unit", unit_id=unit.id))


@bp.post("/orgs/<int:unit_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_unit(unit_id: int) -> Response:
    unit = _unit_in_scope(unit_id)
    name, parent_id = unit.name, unit.parent_id
    # A unit that still holds anything is refused with a 409 page that says what to do.
    services.delete_unit(db.session, unit)
    db.session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    if parent_id is not None and _org_scope().contains(db.session.get(OrgUnit, parent_id)):
        return redirect(url_for("orgs.unit", unit_id=parent_id))
    return redirect(url_for("orgs.units"))


@bp.post("/orgs/<int:unit_id>/staff")
@roles_required(*ORG_ADMIN_ROLES)
def add_staff(unit_id: int) -> View:
    unit = _unit_in_scope(unit_id)
    try:
        data = load(StaffSchema(), request.form)
        membership = services.add_staff(
            db.session, unit, email=data["email"], job_title=data["job_title"], reach=_org_scope()
        )
    except ValidationFailed as exc:
        return _unit_page(unit, errors=exc.form_errors())
    db.session.commit()
    flash(
        _("%(name)s is on the staff of %(library)s.", name=membership.user.name, library=unit.name),
        "success",
    )
    return redirect(url_for("orgs.unit", unit_id=unit.id, _anchor="staff"))


@bp.post("/orgs/<int:unit_id>/staff/<int:membership_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def remove_staff(unit_id: int, membership_id: int) -> Response:
    unit = _unit_in_scope(unit_id)
    membership = _get(Membership, membership_id)
    if membership.library_id != unit.id:
        raise NotFound()
    name = membership.user.name
    services.remove_member(db.session, membership)
    db.session.commit()
    flash(
        _("%(name)s is no longer on the staff of %(library)s.", name=name, library=unit.name),
        "success",
    )
    return redirect(url_for("orgs.unit", unit_id=unit.id, _anchor="staff"))


# Team


@bp.get("/team")
@roles_required(Role.MANAGER)
def team() -> str:
    page = paged(services.team_in(scope(current_user, Role.MANAGER)), page=page_number())
    return render_template("orgs/team.html", page=page)


# Programmes


@bp.get("/programmes")
@login_required
def programmes() -> str:
    page = paged(services.programmes_list(), page=page_number())
    return render_template("orgs/programmes.html", page=page, may_create=not _org_scope().is_empty)


@bp.get("/programmes/<int:programme_id>")
@login_required
def programme(programme_id: int) -> str:
    found = services.load_programme(db.session, programme_id)
    return render_template(
        "orgs/programme.html",
        programme=found,
        may_edit=may_edit_programme(_org_scope(), found),
    )


def _programme_form(programme: Programme | None, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()  # the page must show the data as it is, not the failed change
    reach = _org_scope()
    if request.method == "POST":
        # The form's checkboxes, as typed: render_form keeps only one value per name.
        chosen = set(request.form.getlist("regions"))
    else:
        chosen = {str(r.id) for r in programme.regions} if programme else set()
    values: dict[str, Any] = {}
    if programme is not None:
        values = {
            "name": programme.name,
            "description": programme.description,
            "starts_on": programme.starts_on.isoformat() if programme.starts_on else "",
            "ends_on": programme.ends_on.isoformat() if programme.ends_on else "",
        }
    return render_form(
        "orgs/programme_form.html",
        errors=errors,
        programme=programme,
        values=values,
        regions=services.regions_in(db.session, reach),
        chosen=chosen,
        # Regions that take part but lie outside the editor's organisation: shown, not editable.
        other_regions=[r for r in programme.regions if not reach.contains(r)] if programme else [],
    )


def _programme_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "description": data.get("description") or "",
        "starts_on": data.get("starts_on"),
        "ends_on": data.get("ends_on"),
        "region_ids": [i for i in data["regions"] if i is not None],
        "editor_scope": _org_scope(),
    }


@bp.route("/programmes/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_programme() -> View:
    if request.method == "GET":
        return _programme_form(None)
    try:
        data = load(ProgrammeSchema(), request.form)
        created = services.create_programme(db.session, **_programme_fields(data))
    except (ValidationFailed, Conflict) as exc:
        return _programme_form(None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The programme %(name)s is created.", name=created.name), "success")
    return redirect(url_for("orgs.programme", programme_id=created.id))


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_programme(programme_id: int) -> View:
    found = _editable_programme(programme_id)
    if request.method == "GET":
        return _programme_form(found)
    try:
        data = load(ProgrammeSchema(), request.form)
        services.update_programme(db.session, found, **_programme_fields(data))
    except (ValidationFailed, Conflict) as exc:
        return _programme_form(found, errors=exc.form_errors())
    db.session.commit()
    flash(_("The programme %(name)s is saved.", name=found.name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id))


@bp.route("/programmes/<int:programme_id>/phases", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def add_phase(programme_id: int) -> View:
    found = _editable_programme(programme_id)
    if request.method == "GET":
        return render_form("orgs/phase_form.html", programme=found)
    try:
        data = load(PhaseSchema(), request.form)
        phase = services.add_phase(
            db.session,
            found,
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except ValidationFailed as exc:
        return render_form("orgs/phase_form.html", programme=found, errors=exc.form_errors())
    db.session.commit()
    flash(_("The phase %(name)s is added.", name=phase.name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="phases"))


@bp.post("/programmes/<int:programme_id>/phases/<int:phase_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_phase(programme_id: int, phase_id: int) -> Response:
    found = _editable_programme(programme_id)
    phase = _get(Phase, phase_id)
    if phase.programme_id != found.id:
        raise NotFound()
    name = phase.name
    services.delete_phase(db.session, phase)
    db.session.commit()
    flash(_("The phase %(name)s is deleted.", name=name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="phases"))


def _group_of(programme: Programme, group_id: int) -> ProgrammeGroup:
    group = _get(ProgrammeGroup, group_id)
    if group.programme_id != programme.id:
        raise NotFound()
    return group


@bp.route("/programmes/<int:programme_id>/groups", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def add_group(programme_id: int) -> View:
    found = _editable_programme(programme_id)
    context: dict[str, Any] = {"programme": found, "kinds": choices(GROUP_KIND_LABELS)}
    if request.method == "GET":
        return render_form("orgs/group_form.html", **context)
    try:
        data = load(GroupSchema(), request.form)
        group = services.add_group(db.session, found, kind=data["kind"], name=data["name"])
    except ValidationFailed as exc:
        return render_form("orgs/group_form.html", errors=exc.form_errors(), **context)
    db.session.commit()
    flash(_("The group %(name)s is added.", name=group.name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="organisation"))


@bp.post("/programmes/<int:programme_id>/groups/<int:group_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_group(programme_id: int, group_id: int) -> Response:
    found = _editable_programme(programme_id)
    group = _group_of(found, group_id)
    name = group.name
    services.delete_group(db.session, group)
    db.session.commit()
    flash(_("The group %(name)s is deleted.", name=name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="organisation"))


@bp.route("/programmes/<int:programme_id>/groups/<int:group_id>/members", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def add_group_member(programme_id: int, group_id: int) -> View:
    found = _editable_programme(programme_id)
    group = _group_of(found, group_id)
    if request.method == "GET":
        return render_form("orgs/group_member_form.html", programme=found, group=group)
    try:
        data = load(GroupMemberSchema(), request.form)
        member = services.add_group_member(
            db.session,
            group,
            email=data["email"],
            task=data.get("task") or "",
            reach=services.programme_reach(found, _org_scope()),
        )
    except ValidationFailed as exc:
        return render_form(
            "orgs/group_member_form.html", programme=found, group=group, errors=exc.form_errors()
        )
    db.session.commit()
    flash(
        _("%(name)s is in the group %(group)s.", name=member.user.name, group=group.name),
        "success",
    )
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="organisation"))


@bp.post("/programmes/<int:programme_id>/groups/<int:group_id>/members/<int:user_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def remove_group_member(programme_id: int, group_id: int, user_id: int) -> Response:
    found = _editable_programme(programme_id)
    group = _group_of(found, group_id)
    services.remove_group_member(db.session, group, user_id)
    db.session.commit()
    flash(_("The person is no longer in the group %(group)s.", group=group.name), "success")
    return redirect(url_for("orgs.programme", programme_id=found.id, _anchor="organisation"))
