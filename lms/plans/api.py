"""Individual development plans (JSON), under ``/api/v1/``.

The same rules as the HTML pages: a person reads and changes their own plan and proposes it;
the managers of their libraries read it, comment, approve it or send it back. Anyone else's
plan does not exist for the caller (404). Errors are ``{"errors": {field: [message]}}``.

- ``GET /api/v1/plans/mine`` — the caller's plan (an empty draft if none yet)
- ``POST /api/v1/plans/mine/goals`` — add a goal; ``PUT|DELETE …/goals/<id>`` change, remove
- ``POST /api/v1/plans/mine/propose`` — propose it to the manager
- ``GET /api/v1/team/plans`` — the plans of the caller's staff (managers)
- ``GET /api/v1/plans/<id>`` and ``POST …/comment|approve|return`` — the manager's review
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from content.openapi import documented
from lms.auth.models import Role
from lms.auth.permissions import has_role, require, scope
from lms.db import db
from lms.errors import NotFound, error_response
from lms.plans import services
from lms.plans.models import DevelopmentPlan, GoalStatus, PlanStatus
from lms.plans.schemas import CommentSchema, GoalOut, GoalSchema, PlanOut, ReviewSchema
from lms.schema import load

bp = Blueprint("plans_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> Response | None:
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def plan_json(plan: DevelopmentPlan | None) -> dict[str, Any]:
    if plan is None:
        return dict(
            PlanOut().dump(
                {
                    "id": None,
                    "user_id": current_user.id,
                    "user_name": current_user.name,
                    "status": PlanStatus.DRAFT.value,
                    "proposed_at": None,
                    "approved_at": None,
                    "goals": [],
                    "history": [],
                }
            )
        )
    return dict(
        PlanOut().dump(
            {
                "id": plan.id,
                "user_id": plan.user_id,
                "user_name": plan.user.name,
                "status": plan.status.value,
                "proposed_at": plan.proposed_at,
                "approved_at": plan.approved_at,
                "goals": [
                    {
                        "id": g.id,
                        "text": g.text,
                        "status": g.status.value,
                        "target_on": g.target_on,
                        "track_id": g.track_id,
                        "course_id": g.course_id,
                        "series_id": g.series_id,
                    }
                    for g in plan.goals
                ],
                "history": [
                    {
                        "id": e.id,
                        "kind": e.kind.value,
                        "actor_id": e.actor_id,
                        "actor_name": e.actor.name if e.actor else None,
                        "message": e.message,
                        "created_at": e.created_at,
                    }
                    for e in plan.events
                ],
            }
        )
    )


def _fresh(user_plan: DevelopmentPlan) -> dict[str, Any]:
    return plan_json(services.load_plan(db.session, user_plan.id))


def _goal_input() -> dict[str, Any]:
    data = load(GoalSchema(), request.get_json(silent=True))
    return {
        "text": data["text"],
        "status": data.get("status") or GoalStatus.NOT_STARTED,
        "target_on": data.get("target_on"),
        "track_id": data.get("track_id"),
        "course_id": data.get("course_id"),
        "series_id": data.get("series_id"),
    }


@bp.get("/plans/mine")
@documented(response=PlanOut)
def mine() -> Response:
    """The caller's own development plan with its goals and history."""
    return jsonify(plan_json(services.plan_of(db.session, current_user)))


@bp.post("/plans/mine/goals")
@documented(response=GoalOut)
def add_goal() -> tuple[Response, int]:
    """Add a goal to the caller's plan (201)."""
    plan = services.ensure_plan(db.session, current_user)
    goal = services.add_goal(db.session, plan, by=current_user, **_goal_input())
    db.session.commit()
    return jsonify(GoalOut().dump(goal)), 201


def _my_goal(goal_id: int) -> Any:
    plan = services.plan_of(db.session, current_user)
    if plan is None:
        raise NotFound()
    return services.goal_of(plan, goal_id)


@bp.put("/plans/mine/goals/<int:goal_id>")
@documented(response=GoalOut)
def edit_goal(goal_id: int) -> Response:
    """Change a goal of the caller's plan."""
    goal = _my_goal(goal_id)
    services.update_goal(db.session, goal, by=current_user, **_goal_input())
    db.session.commit()
    return jsonify(GoalOut().dump(goal))


@bp.delete("/plans/mine/goals/<int:goal_id>")
def delete_goal(goal_id: int) -> Response:
    """Remove a goal of the caller's plan (204)."""
    services.delete_goal(db.session, _my_goal(goal_id), by=current_user)
    db.session.commit()
    return Response(status=204)


@bp.post("/plans/mine/propose")
@documented(response=PlanOut)
def propose() -> Response:
    """Propose the caller's plan to their manager."""
    plan = services.ensure_plan(db.session, current_user)
    services.propose(db.session, plan, by=current_user)
    db.session.commit()
    return jsonify(_fresh(plan))


def _reach() -> Any:
    return scope(current_user, Role.MANAGER)


def _reviewable(plan_id: int) -> DevelopmentPlan:
    plan = db.session.get(DevelopmentPlan, plan_id)
    if plan is not None and plan.user_id == current_user.id:
        return services.load_plan(db.session, plan_id)
    if plan is None or not services.may_review(db.session, _reach(), plan):
        raise NotFound()
    return services.load_plan(db.session, plan_id)


@bp.get("/team/plans")
@documented(response=PlanOut, many=True)
def team() -> Response:
    """The development plans of the caller's staff (managers), proposed ones first."""
    require(has_role(current_user, Role.MANAGER))
    plans = list(db.session.scalars(services.plans_in(_reach())))
    return jsonify(items=[plan_json(services.load_plan(db.session, p.id)) for p in plans])


@bp.get("/plans/<int:plan_id>")
@documented(response=PlanOut)
def one(plan_id: int) -> Response:
    """One plan: the caller's own, or one of their staff's (managers)."""
    return jsonify(plan_json(_reviewable(plan_id)))


@bp.post("/plans/<int:plan_id>/comment")
@documented(response=PlanOut)
def comment(plan_id: int) -> Response:
    """Comment on a plan (its person or their manager)."""
    plan = _reviewable(plan_id)
    data = load(CommentSchema(), request.get_json(silent=True))
    services.comment(db.session, plan, by=current_user, message=data["message"])
    db.session.commit()
    return jsonify(_fresh(plan))


@bp.post("/plans/<int:plan_id>/approve")
@documented(response=PlanOut)
def approve(plan_id: int) -> Response:
    """Approve a proposed plan (the person's manager), with an optional ``message``."""
    plan = _reviewable(plan_id)
    data = load(ReviewSchema(), request.get_json(silent=True) or {})
    services.approve(db.session, plan, by=current_user, message=data.get("message") or "")
    db.session.commit()
    return jsonify(_fresh(plan))


@bp.post("/plans/<int:plan_id>/return")
@documented(response=PlanOut)
def send_back(plan_id: int) -> Response:
    """Send a proposed plan back to its person with a ``message`` (the person's manager)."""
    plan = _reviewable(plan_id)
    data = load(ReviewSchema(), request.get_json(silent=True))
    services.send_back(db.session, plan, by=current_user, message=data.get("message") or "")
    db.session.commit()
    return jsonify(_fresh(plan))
