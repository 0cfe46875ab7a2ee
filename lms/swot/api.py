"""SWOT boards and municipality plans (JSON, read-only), under ``/api/v1/``.

Signed in by the session cookie, with the same rules as the pages: a workshop or plan outside
one's reach does not exist (404). Errors are ``{"errors": {field: [message]}}``.

- ``GET /api/v1/swot/workshops`` — the workshops the caller takes part in or leads
- ``GET /api/v1/swot/workshops/<id>`` — one board: its groups and items with priorities and dots
- ``GET /api/v1/municipal-plans`` — the plans the caller may read, with their status
- ``GET /api/v1/municipal-plans/<id>`` — a plan: goals, actions, status and links
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from content.openapi import documented
from lms.db import db
from lms.errors import NotFound, error_response
from lms.plans import municipal_services
from lms.plans.municipal import LinkKind
from lms.swot import services
from lms.swot.models import SwotWorkshop
from lms.swot.schemas import PlanOut, PlanSummaryOut, WorkshopOut, WorkshopSummaryOut

bp = Blueprint("swot_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> Response | None:
    # A program needs a status it can act on, not the sign-in page.
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def _summary(workshop: SwotWorkshop) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "title": workshop.title,
        "municipality_id": workshop.municipality_id,
        "municipality": workshop.municipality.name,
        "held_on": workshop.held_on,
        "status": workshop.status.value,
    }


@bp.get("/swot/workshops")
@documented(response=WorkshopSummaryOut, many=True)
def workshops() -> Response:
    """The SWOT workshops the caller takes part in, facilitates or manages."""
    found = db.session.scalars(services.visible_workshops(current_user))
    return jsonify({"items": WorkshopSummaryOut(many=True).dump([_summary(w) for w in found])})


@bp.get("/swot/workshops/<int:workshop_id>")
@documented(response=WorkshopOut)
def workshop(workshop_id: int) -> Response:
    """One SWOT board: groups by priority, and every item with its dots."""
    found = db.session.get(SwotWorkshop, workshop_id)
    if found is None or not services.may_see(current_user, found):
        raise NotFound()
    board = services.board(db.session, found)
    groups, items = [], []
    for quadrant in board.quadrants:
        for view in quadrant.groups:
            groups.append(
                {
                    "id": view.group.id,
                    "name": view.group.name,
                    "quadrant": view.group.quadrant.value,
                    "priority": view.group.priority,
                    "votes": view.votes,
                    "item_ids": [i.id for i in view.items],
                }
            )
            items += view.items
        items += quadrant.ungrouped
    body = _summary(found) | {
        "votes_per_person": found.votes_per_person,
        "preparation_html": found.preparation_html,
        "groups": groups,
        "items": [
            {
                "id": i.id,
                "text": i.text,
                "quadrant": i.quadrant.value,
                "level": i.level.value,
                "perspective": i.perspective.value,
                "group_id": i.group_id,
                "priority": i.priority,
                "votes": board.votes_of(i),
            }
            for i in items
        ],
    }
    return jsonify(WorkshopOut().dump(body))


@bp.get("/municipal-plans")
@documented(response=PlanSummaryOut, many=True)
def municipal_plans() -> Response:
    """The municipality plans the caller may read, with their status."""
    found = db.session.scalars(municipal_services.visible_plans(current_user))
    return jsonify(
        {
            "items": PlanSummaryOut(many=True).dump(
                [
                    {
                        "id": p.id,
                        "title": p.title,
                        "municipality_id": p.municipality_id,
                        "municipality": p.municipality.name,
                        "status": p.status.value,
                        "starts_on": p.starts_on,
                        "ends_on": p.ends_on,
                    }
                    for p in found
                ]
            )
        }
    )


@bp.get("/municipal-plans/<int:plan_id>")
@documented(response=PlanOut)
def municipal_plan(plan_id: int) -> Response:
    """A municipality's development plan: goals, actions, status and what they build on."""
    plan = municipal_services.load_plan(db.session, plan_id)
    if plan is None or not municipal_services.may_see(current_user, plan):
        raise NotFound()
    links = municipal_services.describe_links(db.session, plan, str(get_locale() or "en"))

    def linked(key: tuple[str, int]) -> list[dict[str, Any]]:
        out = []
        for view in links.get(key, []):
            item: dict[str, Any] = {"kind": view.kind.value, "id": view.id, "label": view.label}
            if view.kind is LinkKind.COMPETENCE:
                item["gap"] = None if view.gap is None else round(view.gap, 2)
            out.append(item)
        return out

    body = {
        "id": plan.id,
        "title": plan.title,
        "municipality_id": plan.municipality_id,
        "municipality": plan.municipality.name,
        "status": plan.status.value,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "workshop_id": plan.workshop_id,
        "summary_html": plan.summary_html,
        "goals": [
            {
                "id": goal.id,
                "title": goal.title,
                "description": goal.description,
                "links": linked(("goal", goal.id)),
                "actions": [
                    {
                        "id": a.id,
                        "title": a.title,
                        "description": a.description,
                        "responsible": a.responsible.name if a.responsible else None,
                        "starts_on": a.starts_on,
                        "due_on": a.due_on,
                        "status": a.status.value,
                        "links": linked(("action", a.id)),
                    }
                    for a in goal.actions
                ],
            }
            for goal in plan.goals
        ],
    }
    return jsonify(PlanOut().dump(body))
