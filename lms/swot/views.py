"""SWOT workshops (HTML): the board, adding items, grouping and priorities, print and PDF.

Everything works with plain forms; a workshop outside one's reach does not exist (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.auth.permissions import ORG_ADMIN_ROLES, require, roles_required, scope
from lms.db import db
from lms.errors import Conflict, Errors, NotFound, ValidationFailed
from lms.orgs.models import OrgUnit
from lms.schema import load
from lms.swot import pdf, services
from lms.swot.labels import (
    LEVEL_HINTS,
    LEVEL_LABELS,
    PERSPECTIVE_LABELS,
    QUADRANT_LABELS,
    QUADRANT_SINGULAR,
    STATUS_LABELS,
)
from lms.swot.models import (
    PRIORITIES,
    Level,
    Perspective,
    SwotGroup,
    SwotItem,
    SwotWorkshop,
)
from lms.swot.schemas import (
    EditWorkshopSchema,
    GroupEditSchema,
    GroupSchema,
    ItemSchema,
    StatusSchema,
    WorkshopSchema,
)
from lms.web import choices, render_form

bp = Blueprint("swot", __name__, url_prefix="/swot", template_folder="templates")

View = Response | str | tuple[str, int]


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "swot_quadrants": QUADRANT_LABELS,
        "swot_quadrant_one": QUADRANT_SINGULAR,
        "swot_levels": LEVEL_LABELS,
        "swot_level_hints": LEVEL_HINTS,
        "swot_perspectives": PERSPECTIVE_LABELS,
        "swot_status": STATUS_LABELS,
    }


# Loading and access


def _visible(workshop_id: int) -> SwotWorkshop:
    workshop = db.session.get(SwotWorkshop, workshop_id)
    if workshop is None or not services.may_see(current_user, workshop):
        raise NotFound()
    return workshop


def _managed(workshop_id: int) -> SwotWorkshop:
    workshop = _visible(workshop_id)
    require(services.may_manage(current_user, workshop))
    return workshop


def _item_of(workshop: SwotWorkshop, item_id: int) -> SwotItem:
    item = db.session.get(SwotItem, item_id)
    if item is None or item.workshop_id != workshop.id:
        raise NotFound()
    return item


def _group_of(workshop: SwotWorkshop, group_id: int) -> SwotGroup:
    group = db.session.get(SwotGroup, group_id)
    if group is None or group.workshop_id != workshop.id:
        raise NotFound()
    return group


# The list


@bp.get("/")
@login_required
def index() -> str:
    workshops = list(db.session.scalars(services.visible_workshops(current_user)))
    reach = scope(current_user, *ORG_ADMIN_ROLES)
    return render_template("swot/index.html", workshops=workshops, may_create=not reach.is_empty)


# Creating and editing a workshop


def _workshop_form(workshop: SwotWorkshop | None, errors: Errors | None = None) -> tuple[str, int]:
    reach = scope(current_user, *ORG_ADMIN_ROLES)
    values: dict[str, Any] = {"votes_per_person": "3"}
    if workshop is not None:
        values = {
            "title": workshop.title,
            "held_on": workshop.held_on.isoformat(),
            "facilitators": "\n".join(u.email for u in workshop.facilitators),
            "participants": "\n".join(u.email for u in workshop.participants),
            "preparation": workshop.preparation_source,
            "votes_per_person": str(workshop.votes_per_person),
        }
    municipalities = [
        (str(m.id), m.name) for m in db.session.scalars(services.municipalities_in(reach))
    ]
    return render_form(
        "swot/workshop_form.html",
        errors=errors,
        workshop=workshop,
        may_delete=workshop is not None and services.may_delete(current_user, workshop),
        values=values,
        municipalities=municipalities,
    )


def _people(
    data: dict[str, Any], workshop: SwotWorkshop | None = None
) -> tuple[list[Any], list[Any]]:
    reach = scope(current_user, *ORG_ADMIN_ROLES)
    errors: Errors = {}
    found: dict[str, list[Any]] = {}
    named = [*workshop.facilitators, *workshop.participants] if workshop is not None else []
    for name in ("facilitators", "participants"):
        try:
            found[name] = services.people_by_email(
                db.session, data.get(name), reach=reach, field=name, keep=named
            )
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors=errors)
    return found["facilitators"], found["participants"]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new() -> View:
    if request.method == "GET":
        return _workshop_form(None)
    try:
        data = load(WorkshopSchema(), request.form)
        municipality = db.session.get(OrgUnit, data["municipality"])
        if municipality is None or not scope(current_user, *ORG_ADMIN_ROLES).contains(municipality):
            raise ValidationFailed(errors={"municipality": [_("Choose a municipality.")]})
        facilitators, participants = _people(data)
        workshop = services.create_workshop(
            db.session,
            municipality=municipality,
            title=data["title"],
            held_on=data["held_on"],
            preparation=data.get("preparation"),
            facilitators=facilitators,
            participants=participants,
            votes_per_person=data["votes_per_person"] or 0,
            by=current_user,
        )
    except ValidationFailed as exc:
        return _workshop_form(None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The workshop %(name)s is created.", name=workshop.title), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id))


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@login_required
def edit(workshop_id: int) -> View:
    workshop = _managed(workshop_id)
    if request.method == "GET":
        return _workshop_form(workshop)
    try:
        data = load(EditWorkshopSchema(), request.form)  # the municipality stays
        facilitators, participants = _people(data, workshop)
        services.update_workshop(
            db.session,
            workshop,
            title=data["title"],
            held_on=data["held_on"],
            preparation=data.get("preparation"),
            facilitators=facilitators,
            participants=participants,
            votes_per_person=data["votes_per_person"] or 0,
        )
    except ValidationFailed as exc:
        return _workshop_form(workshop, errors=exc.form_errors())
    db.session.commit()
    flash(_("The workshop %(name)s is saved.", name=workshop.title), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/delete")
@login_required
def delete(workshop_id: int) -> Response:
    workshop = _visible(workshop_id)
    require(services.may_delete(current_user, workshop))
    title = workshop.title
    services.delete_workshop(db.session, workshop)
    db.session.commit()
    flash(_("The workshop %(name)s is deleted.", name=title), "success")
    return redirect(url_for("swot.index"))


@bp.post("/<int:workshop_id>/status")
@login_required
def set_status(workshop_id: int) -> Response:
    workshop = _managed(workshop_id)
    data = load(StatusSchema(), request.form)
    services.set_status(db.session, workshop, data["status"])
    db.session.commit()
    if workshop.is_open:
        flash(_("The board is open again."), "success")
    else:
        flash(_("The board is closed."), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/invite")
@login_required
def invite(workshop_id: int) -> Response:
    """Mail the participants the day's invitation with the preparation text."""
    workshop = _managed(workshop_id)
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    link = base + url_for("swot.workshop", workshop_id=workshop.id)
    count = services.send_invitations(db.session, workshop, link=link)
    db.session.commit()
    flash(
        ngettext(
            "The invitation is on its way to %(num)d person.",
            "The invitation is on its way to %(num)d people.",
            count,
        ),
        "success",
    )
    return redirect(url_for("swot.workshop", workshop_id=workshop.id))


# The workshop page and the board


def _workshop_page(workshop: SwotWorkshop, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()  # show the board as it is, not the failed change
    board = services.board(db.session, workshop)
    return render_form(
        "swot/workshop.html",
        errors=errors,
        workshop=workshop,
        board=board,
        may_manage=services.may_manage(current_user, workshop),
        mine={i.id for i in workshop.items if i.author_id == current_user.id},
        my_votes=services.my_votes(db.session, workshop, current_user),
        votes_left=services.votes_left(db.session, workshop, current_user),
        staff_count=services.staff_count(db.session, workshop.municipality),
        quadrant_choices=choices(QUADRANT_SINGULAR),
        level_choices=choices(LEVEL_LABELS),
        perspective_choices=choices(PERSPECTIVE_LABELS),
        levels=list(Level),
        perspectives=list(Perspective),
    )


@bp.get("/<int:workshop_id>")
@login_required
def workshop(workshop_id: int) -> View:
    return _workshop_page(_visible(workshop_id))


@bp.post("/<int:workshop_id>/items")
@login_required
def add_item(workshop_id: int) -> View:
    workshop = _visible(workshop_id)
    try:
        data = load(ItemSchema(), request.form)
        services.add_item(db.session, workshop, current_user, **data)
    except ValidationFailed as exc:
        return _workshop_page(workshop, errors=exc.form_errors())
    db.session.commit()
    flash(_("Your item is on the board."), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id, _anchor="add"))


@bp.route("/<int:workshop_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(workshop_id: int, item_id: int) -> View:
    workshop = _visible(workshop_id)
    item = _item_of(workshop, item_id)
    if not services.may_edit_item(current_user, item):
        if not workshop.is_open:
            raise Conflict(_("The board is closed."))
        require(False)
    context: dict[str, Any] = {
        "workshop": workshop,
        "item": item,
        "quadrant_choices": choices(QUADRANT_SINGULAR),
        "level_choices": choices(LEVEL_LABELS),
        "perspective_choices": choices(PERSPECTIVE_LABELS),
    }
    values = {
        "text": item.text,
        "quadrant": item.quadrant.value,
        "level": item.level.value,
        "perspective": item.perspective.value,
    }
    if request.method == "GET":
        return render_form("swot/item_form.html", values=values, **context)
    try:
        data = load(ItemSchema(), request.form)
        services.update_item(db.session, item, **data)
    except ValidationFailed as exc:
        return render_form("swot/item_form.html", errors=exc.form_errors(), **context)
    db.session.commit()
    flash(_("The item is saved."), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id, _anchor=f"item-{item.id}"))


@bp.post("/<int:workshop_id>/items/<int:item_id>/delete")
@login_required
def delete_item(workshop_id: int, item_id: int) -> Response:
    workshop = _visible(workshop_id)
    item = _item_of(workshop, item_id)
    if not services.may_edit_item(current_user, item):
        if not workshop.is_open:
            raise Conflict(_("The board is closed."))
        require(False)
    services.delete_item(db.session, item)
    db.session.commit()
    flash(_("The item is deleted."), "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/items/<int:item_id>/vote")
@login_required
def vote(workshop_id: int, item_id: int) -> Response:
    workshop = _visible(workshop_id)
    item = _item_of(workshop, item_id)
    if request.form.get("take_back"):
        services.unvote(db.session, item, current_user)
        message = _("Your dot is taken back.")
    else:
        services.vote(db.session, item, current_user)
        message = _("Your dot is placed.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("swot.workshop", workshop_id=workshop.id, _anchor=f"item-{item.id}"))


# Grouping and priorities (facilitators)


def _organise_page(workshop: SwotWorkshop, errors: Errors | None = None) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    board = services.board(db.session, workshop)
    values: dict[str, Any] = {}
    for item in workshop.items:
        values[f"group-{item.id}"] = str(item.group_id or "")
        values[f"priority-{item.id}"] = str(item.priority or "")
    return render_form(
        "swot/organise.html",
        errors=errors,
        workshop=workshop,
        board=board,
        values=values,
        priorities=PRIORITIES,
        quadrant_choices=choices(QUADRANT_SINGULAR),
    )


@bp.route("/<int:workshop_id>/organise", methods=["GET", "POST"])
@login_required
def organise(workshop_id: int) -> View:
    workshop = _managed(workshop_id)
    if request.method == "GET":
        return _organise_page(workshop)
    try:
        placements = _placements(workshop)
        services.organise(db.session, workshop, placements)
    except ValidationFailed as exc:
        return _organise_page(workshop, errors=exc.form_errors())
    db.session.commit()
    flash(_("Groups and priorities are saved."), "success")
    return redirect(url_for("swot.organise", workshop_id=workshop.id))


def _placements(workshop: SwotWorkshop) -> dict[int, services.Placement]:
    """Read ``group-<item id>`` and ``priority-<item id>`` fields for the items in the form."""
    out: dict[int, services.Placement] = {}
    errors: Errors = {}
    for item in workshop.items:
        group_raw = request.form.get(f"group-{item.id}")
        priority_raw = request.form.get(f"priority-{item.id}")
        if group_raw is None and priority_raw is None:
            continue  # not in this form (another quadrant's)
        group_id = _optional_int(group_raw)
        priority = _optional_int(priority_raw)
        if group_id is False:
            errors[f"group-{item.id}"] = [_("Choose a group from the list.")]
        if priority is False:
            errors[f"priority-{item.id}"] = [_("Choose a priority from 1 to 3.")]
        if group_id is not False and priority is not False:
            out[item.id] = services.Placement(group_id, priority)
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _optional_int(raw: str | None) -> int | bool | None:
    """None for blank, the number, or False for anything else."""
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 9:
        return False
    return int(raw)


@bp.post("/<int:workshop_id>/groups")
@login_required
def add_group(workshop_id: int) -> View:
    workshop = _managed(workshop_id)
    try:
        data = load(GroupSchema(), request.form)
        group = services.add_group(db.session, workshop, **data)
    except ValidationFailed as exc:
        return _organise_page(workshop, errors=exc.form_errors())
    db.session.commit()
    flash(_("The group %(name)s is added.", name=group.name), "success")
    return redirect(
        url_for("swot.organise", workshop_id=workshop.id, _anchor=f"q-{group.quadrant.value}")
    )


@bp.post("/<int:workshop_id>/groups/<int:group_id>/edit")
@login_required
def edit_group(workshop_id: int, group_id: int) -> View:
    workshop = _managed(workshop_id)
    group = _group_of(workshop, group_id)
    try:
        data = load(GroupEditSchema(), request.form)
        services.update_group(db.session, group, name=data["name"], priority=data.get("priority"))
    except ValidationFailed as exc:
        return _organise_page(workshop, errors=exc.form_errors())
    db.session.commit()
    flash(_("The group %(name)s is saved.", name=group.name), "success")
    return redirect(
        url_for("swot.organise", workshop_id=workshop.id, _anchor=f"q-{group.quadrant.value}")
    )


@bp.post("/<int:workshop_id>/groups/<int:group_id>/delete")
@login_required
def delete_group(workshop_id: int, group_id: int) -> Response:
    workshop = _managed(workshop_id)
    group = _group_of(workshop, group_id)
    name, quadrant = group.name, group.quadrant
    services.delete_group(db.session, group)
    db.session.commit()
    flash(_("The group %(name)s is deleted; its items are ungrouped.", name=name), "success")
    return redirect(
        url_for("swot.organise", workshop_id=workshop.id, _anchor=f"q-{quadrant.value}")
    )


# Print and PDF


@bp.get("/<int:workshop_id>/print")
@login_required
def print_board(workshop_id: int) -> str:
    workshop = _visible(workshop_id)
    return render_template(
        "swot/print.html",
        workshop=workshop,
        board=services.board(db.session, workshop),
        levels=list(Level),
        perspectives=list(Perspective),
    )


@bp.get("/<int:workshop_id>/board.pdf")
@login_required
def board_pdf(workshop_id: int) -> Response:
    workshop = _visible(workshop_id)
    data = pdf.board_pdf(workshop, services.board(db.session, workshop))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="swot-{workshop.id}.pdf"'
    return response
