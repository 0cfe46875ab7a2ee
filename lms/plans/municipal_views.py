"""Municipality development plans (HTML): goals, actions and their links, and the plan's status.

Coordinators in reach write; the municipality's managers (and people responsible for an action)
read. A plan outside one's reach does not exist (404).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from marshmallow import fields
from werkzeug.wrappers import Response

from lms.auth.permissions import ORG_ADMIN_ROLES, require, roles_required, scope
from lms.db import db
from lms.errors import Errors, NotFound, ValidationFailed
from lms.orgs.models import OrgUnit, UnitKind
from lms.plans import municipal_services as services
from lms.plans.municipal import (
    ActionStatus,
    LinkKind,
    MunicipalAction,
    MunicipalGoal,
    MunicipalPlan,
    PlanStatus,
)
from lms.schema import Choice, Date, FormSchema, Integer, Text, load
from lms.web import choices, render_form

bp = Blueprint(
    "municipal_plans", __name__, url_prefix="/municipal-plans", template_folder="templates"
)

View = Response | str | tuple[str, int]

PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: _l("Draft"),
    PlanStatus.ADOPTED: _l("Adopted"),
    PlanStatus.IN_PROGRESS: _l("In progress"),
    PlanStatus.DONE: _l("Done"),
}
ACTION_STATUS_LABELS = {
    ActionStatus.PLANNED: _l("Planned"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done"),
    ActionStatus.CANCELLED: _l("Cancelled"),
}
LINK_KIND_LABELS = {
    LinkKind.SWOT_GROUP: _l("SWOT groups"),
    LinkKind.SWOT_ITEM: _l("SWOT items"),
    LinkKind.COMPETENCE: _l("Competences"),
    LinkKind.COURSE: _l("Courses"),
    LinkKind.WEBINAR_SERIES: _l("Webinar series"),
    LinkKind.TRACK: _l("Tracks"),
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "plan_status_labels": PLAN_STATUS_LABELS,
        "action_status_labels": ACTION_STATUS_LABELS,
        "link_kind_labels": LINK_KIND_LABELS,
    }


# Input


class PlanSchema(FormSchema):
    title = Text(required=True, max_length=200)
    municipality = Integer()
    status = Choice(PlanStatus, required=True)
    summary = Text(max_length=50_000)
    starts_on = Date()
    ends_on = Date()
    workshop = Integer()


class _Links(FormSchema):
    swot_item = fields.List(Integer(), load_default=list)
    swot_group = fields.List(Integer(), load_default=list)
    competence = fields.List(Integer(), load_default=list)
    course = fields.List(Integer(), load_default=list)
    webinar_series = fields.List(Integer(), load_default=list)
    track = fields.List(Integer(), load_default=list)


class GoalSchema(_Links):
    title = Text(required=True, max_length=300)
    description = Text(max_length=10_000)


class ActionSchema(_Links):
    title = Text(required=True, max_length=300)
    description = Text(max_length=10_000)
    responsible = Integer()
    starts_on = Date()
    due_on = Date()
    status = Choice(ActionStatus, required=True)


def _chosen(data: dict[str, Any]) -> dict[LinkKind, list[int]]:
    return {kind: [i for i in data.get(kind.value, []) if i is not None] for kind in LinkKind}


# Loading and access


def _locale() -> str:
    return str(get_locale() or "en")


def _visible(plan_id: int) -> MunicipalPlan:
    plan = services.load_plan(db.session, plan_id)
    if plan is None or not services.may_see(current_user, plan):
        raise NotFound()
    return plan


def _editable(plan_id: int) -> MunicipalPlan:
    plan = _visible(plan_id)
    require(services.may_edit(current_user, plan))
    return plan


def _goal_of(plan: MunicipalPlan, goal_id: int) -> MunicipalGoal:
    goal = db.session.get(MunicipalGoal, goal_id)
    if goal is None or goal.plan_id != plan.id:
        raise NotFound()
    return goal


def _action_of(plan: MunicipalPlan, action_id: int) -> MunicipalAction:
    action = db.session.get(MunicipalAction, action_id)
    if action is None or action.goal.plan_id != plan.id:
        raise NotFound()
    return action


# Pages


@bp.get("/")
@login_required
def index() -> str:
    plans = list(db.session.scalars(services.visible_plans(current_user)))
    reach = scope(current_user, *ORG_ADMIN_ROLES)
    return render_template("plans/municipal/index.html", plans=plans, may_create=not reach.is_empty)


@bp.get("/<int:plan_id>")
@login_required
def plan(plan_id: int) -> str:
    found = _visible(plan_id)
    actions = [a for g in found.goals for a in g.actions]
    return render_template(
        "plans/municipal/plan.html",
        plan=found,
        links=services.describe_links(db.session, found, _locale()),
        gaps=services.largest_gaps(db.session, found.municipality, _locale()),
        may_edit=services.may_edit(current_user, found),
        done=sum(1 for a in actions if a.status is ActionStatus.DONE),
        total=len(actions),
    )


def _plan_form(
    plan: MunicipalPlan | None, municipality: OrgUnit | None, errors: Errors | None = None
) -> tuple[str, int]:
    reach = scope(current_user, *ORG_ADMIN_ROLES)
    values: dict[str, Any] = {"status": PlanStatus.DRAFT.value}
    if municipality is not None:
        values["municipality"] = str(municipality.id)
    if plan is not None:
        values = {
            "title": plan.title,
            "status": plan.status.value,
            "summary": plan.summary_source,
            "starts_on": plan.starts_on.isoformat() if plan.starts_on else "",
            "ends_on": plan.ends_on.isoformat() if plan.ends_on else "",
            "workshop": str(plan.workshop_id or ""),
        }
    from lms.swot.services import municipalities_in

    unit = plan.municipality if plan else municipality
    workshops = services.workshops_of(db.session, unit) if unit is not None else []
    return render_form(
        "plans/municipal/plan_form.html",
        errors=errors,
        plan=plan,
        values=values,
        municipalities=[(str(m.id), m.name) for m in db.session.scalars(municipalities_in(reach))],
        workshops=[(str(w.id), f"{w.title} ({w.held_on.isoformat()})") for w in workshops],
        statuses=choices(PLAN_STATUS_LABELS),
    )


def _municipality_in_reach(ident: int | None, field: str = "municipality") -> OrgUnit:
    unit = db.session.get(OrgUnit, ident) if ident is not None else None
    if (
        unit is None
        or unit.kind != UnitKind.MUNICIPALITY
        or not scope(current_user, *ORG_ADMIN_ROLES).contains(unit)
    ):
        raise ValidationFailed(errors={field: [_("Choose a municipality.")]})
    return unit


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new() -> View:
    chosen: OrgUnit | None = None
    raw = request.args.get("municipality", "")
    if raw.isdigit() and len(raw) < 10:
        unit = db.session.get(OrgUnit, int(raw))
        if unit is not None and unit.kind == UnitKind.MUNICIPALITY:
            require(scope(current_user, *ORG_ADMIN_ROLES).contains(unit))
            chosen = unit
    if request.method == "GET":
        return _plan_form(None, chosen)
    try:
        data = load(PlanSchema(), request.form)
        municipality = _municipality_in_reach(data.get("municipality"))
        created = services.create_plan(
            db.session,
            municipality=municipality,
            title=data["title"],
            status=data["status"],
            summary=data.get("summary"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            workshop_id=data.get("workshop"),
            by=current_user,
        )
    except ValidationFailed as exc:
        return _plan_form(None, chosen, errors=exc.form_errors())
    db.session.commit()
    flash(_("The plan %(name)s is created.", name=created.title), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=created.id))


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int) -> View:
    found = _editable(plan_id)
    if request.method == "GET":
        return _plan_form(found, None)
    try:
        data = load(PlanSchema(), request.form)
        services.update_plan(
            db.session,
            found,
            title=data["title"],
            status=data["status"],
            summary=data.get("summary"),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            workshop_id=data.get("workshop"),
        )
    except ValidationFailed as exc:
        return _plan_form(found, None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The plan %(name)s is saved.", name=found.title), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=found.id))


@bp.post("/<int:plan_id>/delete")
@login_required
def delete(plan_id: int) -> Response:
    found = _editable(plan_id)
    name = found.title
    services.delete_plan(db.session, found)
    db.session.commit()
    flash(_("The plan %(name)s is deleted.", name=name), "success")
    return redirect(url_for("municipal_plans.index"))


# Goals


def _link_values(owner: MunicipalGoal | MunicipalAction | None) -> dict[str, set[str]]:
    if request.method == "POST":
        return {kind.value: set(request.form.getlist(kind.value)) for kind in LinkKind}
    out: dict[str, set[str]] = {kind.value: set() for kind in LinkKind}
    for link in owner.links if owner is not None else []:
        out[link.kind.value].add(str(link.target_id))
    return out


def _goal_form(
    plan: MunicipalPlan, goal: MunicipalGoal | None, errors: Errors | None = None
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    values = {"title": goal.title, "description": goal.description} if goal else {}
    return render_form(
        "plans/municipal/goal_form.html",
        errors=errors,
        plan=plan,
        goal=goal,
        values=values,
        options=services.link_options(db.session, plan, _locale()),
        linked=_link_values(goal),
    )


@bp.route("/<int:plan_id>/goals/new", methods=["GET", "POST"])
@login_required
def new_goal(plan_id: int) -> View:
    found = _editable(plan_id)
    if request.method == "GET":
        return _goal_form(found, None)
    try:
        data = load(GoalSchema(), request.form)
        goal = services.add_goal(
            db.session, found, title=data["title"], description=data.get("description")
        )
        services.set_links(db.session, goal, found, _chosen(data))
    except ValidationFailed as exc:
        return _goal_form(found, None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The goal %(name)s is added.", name=goal.title), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=found.id, _anchor=f"goal-{goal.id}"))


@bp.route("/<int:plan_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_goal(plan_id: int, goal_id: int) -> View:
    found = _editable(plan_id)
    goal = _goal_of(found, goal_id)
    if request.method == "GET":
        return _goal_form(found, goal)
    try:
        data = load(GoalSchema(), request.form)
        services.update_goal(
            db.session, goal, title=data["title"], description=data.get("description")
        )
        services.set_links(db.session, goal, found, _chosen(data))
    except ValidationFailed as exc:
        return _goal_form(found, goal, errors=exc.form_errors())
    db.session.commit()
    flash(_("The goal %(name)s is saved.", name=goal.title), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=found.id, _anchor=f"goal-{goal.id}"))


@bp.post("/<int:plan_id>/goals/<int:goal_id>/delete")
@login_required
def delete_goal(plan_id: int, goal_id: int) -> Response:
    found = _editable(plan_id)
    goal = _goal_of(found, goal_id)
    name = goal.title
    services.delete_goal(db.session, goal)
    db.session.commit()
    flash(_("The goal %(name)s is deleted.", name=name), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=found.id))


# Actions


def _action_form(
    plan: MunicipalPlan,
    goal: MunicipalGoal,
    action: MunicipalAction | None,
    errors: Errors | None = None,
) -> tuple[str, int]:
    if errors:
        db.session.rollback()
    values: dict[str, Any] = {"status": ActionStatus.PLANNED.value}
    if action is not None:
        values = {
            "title": action.title,
            "description": action.description,
            "responsible": str(action.responsible_id or ""),
            "starts_on": action.starts_on.isoformat() if action.starts_on else "",
            "due_on": action.due_on.isoformat() if action.due_on else "",
            "status": action.status.value,
        }
    return render_form(
        "plans/municipal/action_form.html",
        errors=errors,
        plan=plan,
        goal=goal,
        action=action,
        values=values,
        people=[(str(u.id), u.name) for u in services.staff_of(db.session, plan.municipality)],
        statuses=choices(ACTION_STATUS_LABELS),
        options=services.link_options(db.session, plan, _locale()),
        linked=_link_values(action),
    )


def _action_input(data: dict[str, Any]) -> services.ActionInput:
    return services.ActionInput(
        title=data["title"],
        description=data.get("description"),
        responsible_id=data.get("responsible"),
        starts_on=data.get("starts_on"),
        due_on=data.get("due_on"),
        status=data["status"],
    )


@bp.route("/<int:plan_id>/goals/<int:goal_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(plan_id: int, goal_id: int) -> View:
    found = _editable(plan_id)
    goal = _goal_of(found, goal_id)
    if request.method == "GET":
        return _action_form(found, goal, None)
    try:
        data = load(ActionSchema(), request.form)
        action = services.add_action(db.session, goal, _action_input(data))
        services.set_links(db.session, action, found, _chosen(data))
    except ValidationFailed as exc:
        return _action_form(found, goal, None, errors=exc.form_errors())
    db.session.commit()
    flash(_("The action %(name)s is added.", name=action.title), "success")
    return redirect(
        url_for("municipal_plans.plan", plan_id=found.id, _anchor=f"action-{action.id}")
    )


@bp.route("/<int:plan_id>/actions/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit_action(plan_id: int, action_id: int) -> View:
    found = _editable(plan_id)
    action = _action_of(found, action_id)
    if request.method == "GET":
        return _action_form(found, action.goal, action)
    try:
        data = load(ActionSchema(), request.form)
        services.update_action(db.session, action, _action_input(data))
        services.set_links(db.session, action, found, _chosen(data))
    except ValidationFailed as exc:
        return _action_form(found, action.goal, action, errors=exc.form_errors())
    db.session.commit()
    flash(_("The action %(name)s is saved.", name=action.title), "success")
    return redirect(
        url_for("municipal_plans.plan", plan_id=found.id, _anchor=f"action-{action.id}")
    )


@bp.post("/<int:plan_id>/actions/<int:action_id>/delete")
@login_required
def delete_action(plan_id: int, action_id: int) -> Response:
    found = _editable(plan_id)
    action = _action_of(found, action_id)
    name = action.title
    services.delete_action(db.session, action)
    db.session.commit()
    flash(_("The action %(name)s is deleted.", name=name), "success")
    return redirect(url_for("municipal_plans.plan", plan_id=found.id))
