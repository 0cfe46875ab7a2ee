"""Individual development plans (HTML): the person's own plan and the manager's review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from content.courses.models import Course
from content.webinars.models import EventSeries
from lms.assignments.models import Track
from lms.auth.models import Role
from lms.auth.permissions import has_role, require, roles_required, scope
from lms.db import db
from lms.errors import DomainError, Errors, NotFound
from lms.plans import services
from lms.plans.models import DevelopmentPlan, GoalStatus, PlanEventKind, PlanStatus
from lms.plans.schemas import CommentSchema, GoalSchema, ReviewSchema
from lms.schema import load
from lms.web import render_form

bp = Blueprint("plans", __name__, url_prefix="/plans", template_folder="templates")

View = Response | str | tuple[str, int]


def plan_status_label(status: PlanStatus) -> str:
    return {
        PlanStatus.DRAFT: _("Draft"),
        PlanStatus.PROPOSED: _("Proposed, waiting for your manager"),
        PlanStatus.APPROVED: _("Approved"),
        PlanStatus.RETURNED: _("Sent back for changes"),
    }[PlanStatus(status)]


def goal_status_label(status: GoalStatus) -> str:
    return {
        GoalStatus.NOT_STARTED: _("Not started"),
        GoalStatus.IN_PROGRESS: _("In progress"),
        GoalStatus.DONE: _("Done"),
        GoalStatus.DROPPED: _("Dropped"),
    }[GoalStatus(status)]


def event_label(kind: PlanEventKind) -> str:
    return {
        PlanEventKind.CREATED: _("started the plan"),
        PlanEventKind.PROPOSED: _("proposed the plan"),
        PlanEventKind.COMMENTED: _("commented"),
        PlanEventKind.APPROVED: _("approved the plan"),
        PlanEventKind.RETURNED: _("sent the plan back"),
        PlanEventKind.CHANGED: _("changed the plan"),
    }[PlanEventKind(kind)]


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "plan_status_label": plan_status_label,
        "goal_status_label": goal_status_label,
        "plan_event_label": event_label,
    }


def _locale() -> str:
    return str(get_locale() or "en")


def _errors(exc: DomainError) -> Errors:
    return exc.errors or {"_": [exc.message or _("Please check your input.")]}


def _choices() -> dict[str, Any]:
    locale = _locale()
    tracks = db.session.scalars(
        select(Track).where(Track.is_published.is_(True)).options(selectinload(Track.translations))
    )
    courses = db.session.scalars(
        select(Course)
        .where(Course.is_published.is_(True))
        .options(selectinload(Course.translations))
    )
    series = db.session.scalars(select(EventSeries).order_by(EventSeries.title))
    return {
        "track_choices": sorted(((t.id, t.title(locale)) for t in tracks), key=lambda p: p[1]),
        "course_choices": sorted(
            ((c.id, c.translation(locale).title) for c in courses), key=lambda p: p[1]
        ),
        "series_choices": [(s.id, s.title) for s in series],
        "goal_statuses": [(s.value, goal_status_label(s)) for s in GoalStatus],
        "locale": locale,
    }


def _page(errors: Errors | None = None, **extra: Any) -> View:
    """The person's plan page; after a failed change, the plan as it was and the messages."""
    if errors:
        db.session.rollback()
    return render_form(
        "plans/mine.html",
        errors=errors,
        plan=services.plan_of(db.session, current_user),
        suggestions=services.suggestions(db.session, current_user, locale=_locale()),
        **_choices(),
        **extra,
    )


@bp.get("/mine")
@login_required
def mine() -> View:
    return _page()


def _goal_input(prefix: str = "") -> dict[str, Any]:
    """The goal form's fields; an edit form names them ``goal-<id>-<field>``."""
    form = {k[len(prefix) :]: v for k, v in request.form.items() if k.startswith(prefix)}
    if not form:  # a client posting the plain field names
        form = request.form.to_dict()
    data = load(GoalSchema(), form)
    return {
        "text": data["text"],
        "status": data.get("status") or GoalStatus.NOT_STARTED,
        "target_on": data.get("target_on"),
        "track_id": data.get("track_id"),
        "course_id": data.get("course_id"),
        "series_id": data.get("series_id"),
    }


@bp.post("/mine/goals")
@login_required
def add_goal() -> View:
    try:
        plan = services.ensure_plan(db.session, current_user)
        services.add_goal(db.session, plan, by=current_user, **_goal_input())
    except DomainError as exc:
        errors = _errors(exc)
        return _page(errors)
    db.session.commit()
    flash(_("The goal is added."), "success")
    return redirect(url_for("plans.mine"))


def _my_plan() -> DevelopmentPlan:
    plan = services.plan_of(db.session, current_user)
    if plan is None:
        raise NotFound()
    return plan


@bp.post("/mine/goals/<int:goal_id>")
@login_required
def edit_goal(goal_id: int) -> View:
    plan = _my_plan()
    goal = services.goal_of(plan, goal_id)
    try:
        services.update_goal(db.session, goal, by=current_user, **_goal_input(f"goal-{goal_id}-"))
    except DomainError as exc:
        errors = {f"goal-{goal_id}-{k}": v for k, v in _errors(exc).items()}
        return _page(errors, editing=goal_id)
    db.session.commit()
    flash(_("The goal is saved."), "success")
    return redirect(url_for("plans.mine") + f"#goal-{goal_id}")


@bp.post("/mine/goals/<int:goal_id>/delete")
@login_required
def delete_goal(goal_id: int) -> Response:
    plan = _my_plan()
    services.delete_goal(db.session, services.goal_of(plan, goal_id), by=current_user)
    db.session.commit()
    flash(_("The goal is removed."), "success")
    return redirect(url_for("plans.mine"))


@bp.post("/mine/propose")
@login_required
def propose() -> Response:
    plan = services.ensure_plan(db.session, current_user)
    try:
        services.propose(db.session, plan, by=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message or _("Please check your input."), "error")
        return redirect(url_for("plans.mine"))
    db.session.commit()
    flash(_("Your plan is proposed to your manager."), "success")
    return redirect(url_for("plans.mine"))


@bp.post("/mine/comment")
@login_required
def comment_mine() -> View:
    plan = _my_plan()
    try:
        data = load(CommentSchema(), request.form)
        services.comment(db.session, plan, by=current_user, message=data["message"])
    except DomainError as exc:
        return _page(_errors(exc))
    db.session.commit()
    flash(_("Your comment is added."), "success")
    return redirect(url_for("plans.mine") + "#history")


# Managers


def _reach() -> Any:
    return scope(current_user, Role.MANAGER)


def _reviewable(plan_id: int) -> DevelopmentPlan:
    """A plan of someone on the manager's staff; anyone else's does not exist for them."""
    plan = db.session.get(DevelopmentPlan, plan_id)
    if plan is None or not services.may_review(db.session, _reach(), plan):
        raise NotFound()
    return services.load_plan(db.session, plan_id)


@bp.get("/team")
@roles_required(Role.MANAGER)
def team() -> str:
    plans = list(db.session.scalars(services.plans_in(_reach())))
    return render_template("plans/team.html", plans=plans)


def _review_page(plan: DevelopmentPlan, errors: Errors | None = None) -> View:
    return render_form(
        "plans/review.html",
        errors=errors,
        plan=plan,
        may_review=plan.user_id != current_user.id,
        **_choices(),
    )


@bp.get("/<int:plan_id>")
@login_required
def review(plan_id: int) -> View:
    plan = db.session.get(DevelopmentPlan, plan_id)
    if plan is not None and plan.user_id == current_user.id:
        return redirect(url_for("plans.mine"))
    require(has_role(current_user, Role.MANAGER))
    return _review_page(_reviewable(plan_id))


def _review_action(plan_id: int, action: Any, done: str) -> View:
    require(has_role(current_user, Role.MANAGER))
    plan = _reviewable(plan_id)
    try:
        action(plan)
    except DomainError as exc:
        db.session.rollback()
        return _review_page(services.load_plan(db.session, plan_id), _errors(exc))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("plans.review", plan_id=plan_id))


@bp.post("/<int:plan_id>/comment")
@login_required
def comment(plan_id: int) -> View:
    def action(plan: DevelopmentPlan) -> None:
        data = load(CommentSchema(), request.form)
        services.comment(db.session, plan, by=current_user, message=data["message"])

    return _review_action(plan_id, action, _("Your comment is added."))


@bp.post("/<int:plan_id>/approve")
@login_required
def approve(plan_id: int) -> View:
    def action(plan: DevelopmentPlan) -> None:
        data = load(ReviewSchema(), request.form)
        services.approve(db.session, plan, by=current_user, message=data.get("message") or "")

    return _review_action(plan_id, action, _("The plan is approved."))


@bp.post("/<int:plan_id>/return")
@login_required
def send_back(plan_id: int) -> View:
    def action(plan: DevelopmentPlan) -> None:
        data = load(ReviewSchema(), request.form)
        services.send_back(db.session, plan, by=current_user, message=data.get("message") or "")

    return _review_action(plan_id, action, _("The plan is sent back with your comment."))
