"""The access matrix's part for ``lms.swot`` and the municipality plans (``lms.plans.municipal``).

Workshop A and plan A belong to the municipality of library A; workshop B and plan B to the
municipality of library B, in region B: only the global administrator reaches those, and to
everyone else they do not exist (404). The learner and the manager work at library A, so they
take part in workshop A; the manager (not the learner) reads plan A; the evaluator takes part
in nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.orgs.models import OrgUnit
from lms.plans import municipal_services as plans
from lms.plans.municipal import ActionStatus, PlanStatus
from lms.swot import services as swot
from lms.swot.models import Level, Perspective, Quadrant
from tests.matrix_support import API_SIGNED_IN, ORG_ADMINS, ORG_PAGE, SIGNED_IN_PAGE, Case, rule

#: Who sees workshop A: its municipality's staff, and those whose reach covers it.
SEES_A = ("learner", "manager", "coordinator", "admin", "admin_a")
#: Who reads plan A: the municipality's manager, and those whose reach covers it.
READS_PLAN_A = ("manager", "coordinator", "admin", "admin_a")


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    lib_a, lib_b = session.get(OrgUnit, ids["lib_a"]), session.get(OrgUnit, ids["lib_b"])
    assert lib_a is not None
    assert lib_b is not None
    muni_a, muni_b = lib_a.parent, lib_b.parent
    assert muni_a is not None
    assert muni_b is not None
    found: dict[str, Any] = {}
    for key, muni, author in (
        ("a", muni_a, users["learner"]),
        ("b", muni_b, session.get(User, ids["staff_b"])),
    ):
        workshop = swot.create_workshop(
            session,
            municipality=muni,
            title=f"SWOT {key}",
            held_on=date(2027, 3, 1),
            preparation="Förbered er.",
            facilitators=[users["coordinator"] if key == "a" else users["admin"]],
            participants=[],
            votes_per_person=3,
            by=users["admin"],
        )
        item = swot.add_item(
            session,
            workshop,
            author,
            text="Kunnig personal",
            quadrant=Quadrant.STRENGTH,
            level=Level.INNER,
            perspective=Perspective.CHALLENGES,
        )
        group = swot.add_group(session, workshop, quadrant=Quadrant.STRENGTH, name="Personal")
        plan = plans.create_plan(
            session,
            municipality=muni,
            title=f"Plan {key}",
            status=PlanStatus.ADOPTED,
            summary="",
            starts_on=None,
            ends_on=None,
            workshop_id=workshop.id,
            by=users["admin"],
        )
        goal = plans.add_goal(session, plan, title="Digital förmedling", description="")
        action = plans.add_action(
            session,
            goal,
            plans.ActionInput(
                title="Workshop om e-böcker",
                description="",
                responsible_id=ids["staff_a"] if key == "a" else ids["staff_b"],
                starts_on=None,
                due_on=None,
                status=ActionStatus.PLANNED,
            ),
        )
        found.update(
            {
                f"swot_{key}": workshop.id,
                f"swot_item_{key}": item.id,
                f"swot_group_{key}": group.id,
                f"plan_{key}": plan.id,
                f"goal_{key}": goal.id,
                f"action_{key}": action.id,
                f"muni_{key}": muni.id,
            }
        )
    session.flush()
    ids.update(found)


def _a(ok: int, allowed: tuple[str, ...] = SEES_A, **overrides: int) -> dict[str, int]:
    """About workshop A: ``ok`` for ``allowed``, 404 for the evaluator (who does not see it),
    403 for the other signed-in roles."""
    return rule(ok, allowed, overrides={"evaluator": 404, **overrides})


def _manage_a(ok: int) -> dict[str, int]:
    return rule(ok, ORG_ADMINS, overrides={"evaluator": 404})


def _only_admin(ok: int, *, anonymous: int = 302) -> dict[str, int]:
    return rule(ok, ("admin",), denied=404, anonymous=anonymous)


def _plan_a(ok: int) -> dict[str, int]:
    """Changing plan A: the manager reads it (403), the learner and evaluator do not see it."""
    return rule(ok, ORG_ADMINS, overrides={"learner": 404, "evaluator": 404})


CASES: list[Case] = [
    # SWOT workshops
    Case("swot.index", "GET", "/swot/", SIGNED_IN_PAGE),
    Case("swot.new", "GET", "/swot/new", ORG_PAGE),
    Case("swot.new", "POST", "/swot/new", rule(422, ORG_ADMINS), data={}),
    Case("swot.workshop", "GET", "/swot/{swot_a}", _a(200)),
    Case("swot.workshop", "GET", "/swot/{swot_b}", _only_admin(200)),
    Case("swot.edit", "GET", "/swot/{swot_a}/edit", _manage_a(200)),
    Case("swot.edit", "POST", "/swot/{swot_b}/edit", _only_admin(422), data={}),
    Case(
        "swot.set_status",
        "POST",
        "/swot/{swot_a}/status",
        _manage_a(302),
        data={"status": "closed"},
    ),
    Case(
        "swot.set_status",
        "POST",
        "/swot/{swot_b}/status",
        _only_admin(302),
        data={"status": "closed"},
    ),
    Case("swot.delete", "POST", "/swot/{swot_a}/delete", _manage_a(302)),
    Case("swot.delete", "POST", "/swot/{swot_b}/delete", _only_admin(302)),
    Case("swot.invite", "POST", "/swot/{swot_a}/invite", _manage_a(302)),
    Case("swot.invite", "POST", "/swot/{swot_b}/invite", _only_admin(302)),
    Case("swot.add_item", "POST", "/swot/{swot_a}/items", _a(422), data={}),
    Case("swot.add_item", "POST", "/swot/{swot_b}/items", _only_admin(422), data={}),
    # the learner wrote item A; the manager may not change it
    Case(
        "swot.edit_item",
        "GET",
        "/swot/{swot_a}/items/{swot_item_a}/edit",
        _a(200, ("learner", *ORG_ADMINS)),
    ),
    Case(
        "swot.edit_item",
        "POST",
        "/swot/{swot_b}/items/{swot_item_b}/edit",
        _only_admin(422),
        data={},
    ),
    Case(
        "swot.delete_item",
        "POST",
        "/swot/{swot_a}/items/{swot_item_a}/delete",
        _a(302, ("learner", *ORG_ADMINS)),
    ),
    # an item of B forged under workshop A
    Case(
        "swot.delete_item",
        "POST",
        "/swot/{swot_a}/items/{swot_item_b}/delete",
        rule(404, (), denied=404),
    ),
    Case("swot.vote", "POST", "/swot/{swot_a}/items/{swot_item_a}/vote", _a(302)),
    Case("swot.vote", "POST", "/swot/{swot_b}/items/{swot_item_b}/vote", _only_admin(302)),
    Case("swot.organise", "GET", "/swot/{swot_a}/organise", _manage_a(200)),
    Case("swot.organise", "POST", "/swot/{swot_b}/organise", _only_admin(302), data={}),
    Case("swot.add_group", "POST", "/swot/{swot_a}/groups", _manage_a(422), data={}),
    Case(
        "swot.edit_group",
        "POST",
        "/swot/{swot_a}/groups/{swot_group_a}/edit",
        _manage_a(422),
        data={},
    ),
    Case(
        "swot.edit_group",
        "POST",
        "/swot/{swot_a}/groups/{swot_group_b}/edit",
        _manage_a(404),
        data={},
    ),
    Case(
        "swot.delete_group",
        "POST",
        "/swot/{swot_a}/groups/{swot_group_a}/delete",
        _manage_a(302),
    ),
    Case(
        "swot.delete_group",
        "POST",
        "/swot/{swot_b}/groups/{swot_group_b}/delete",
        _only_admin(302),
    ),
    Case("swot.print_board", "GET", "/swot/{swot_a}/print", _a(200)),
    Case("swot.print_board", "GET", "/swot/{swot_b}/print", _only_admin(200)),
    Case("swot.board_pdf", "GET", "/swot/{swot_a}/board.pdf", _a(200)),
    Case("swot.board_pdf", "GET", "/swot/{swot_b}/board.pdf", _only_admin(200)),
    # SWOT and plans (JSON)
    Case("swot_api.workshops", "GET", "/api/v1/swot/workshops", API_SIGNED_IN),
    Case(
        "swot_api.workshop",
        "GET",
        "/api/v1/swot/workshops/{swot_a}",
        rule(200, SEES_A, denied=404, anonymous=401),
    ),
    Case(
        "swot_api.workshop",
        "GET",
        "/api/v1/swot/workshops/{swot_b}",
        _only_admin(200, anonymous=401),
    ),
    Case("swot_api.municipal_plans", "GET", "/api/v1/municipal-plans", API_SIGNED_IN),
    Case(
        "swot_api.municipal_plan",
        "GET",
        "/api/v1/municipal-plans/{plan_a}",
        rule(200, READS_PLAN_A, denied=404, anonymous=401),
    ),
    Case(
        "swot_api.municipal_plan",
        "GET",
        "/api/v1/municipal-plans/{plan_b}",
        _only_admin(200, anonymous=401),
    ),
    # municipality plans
    Case("municipal_plans.index", "GET", "/municipal-plans/", SIGNED_IN_PAGE),
    Case("municipal_plans.new", "GET", "/municipal-plans/new", ORG_PAGE),
    Case(
        "municipal_plans.new",
        "GET",
        "/municipal-plans/new?municipality={muni_b}",
        rule(200, ("admin",)),
    ),
    Case("municipal_plans.new", "POST", "/municipal-plans/new", rule(422, ORG_ADMINS), data={}),
    Case(
        "municipal_plans.plan",
        "GET",
        "/municipal-plans/{plan_a}",
        rule(200, READS_PLAN_A, denied=404),
    ),
    Case("municipal_plans.plan", "GET", "/municipal-plans/{plan_b}", _only_admin(200)),
    Case("municipal_plans.edit", "GET", "/municipal-plans/{plan_a}/edit", _plan_a(200)),
    Case(
        "municipal_plans.edit",
        "POST",
        "/municipal-plans/{plan_b}/edit",
        _only_admin(422),
        data={},
    ),
    Case("municipal_plans.delete", "POST", "/municipal-plans/{plan_a}/delete", _plan_a(302)),
    Case("municipal_plans.delete", "POST", "/municipal-plans/{plan_b}/delete", _only_admin(302)),
    Case("municipal_plans.new_goal", "GET", "/municipal-plans/{plan_a}/goals/new", _plan_a(200)),
    Case(
        "municipal_plans.new_goal",
        "POST",
        "/municipal-plans/{plan_b}/goals/new",
        _only_admin(422),
        data={},
    ),
    Case(
        "municipal_plans.edit_goal",
        "GET",
        "/municipal-plans/{plan_a}/goals/{goal_a}/edit",
        _plan_a(200),
    ),
    Case(
        "municipal_plans.edit_goal",
        "POST",
        "/municipal-plans/{plan_a}/goals/{goal_b}/edit",
        _plan_a(404),
        data={},
    ),
    Case(
        "municipal_plans.delete_goal",
        "POST",
        "/municipal-plans/{plan_a}/goals/{goal_a}/delete",
        _plan_a(302),
    ),
    Case(
        "municipal_plans.new_action",
        "GET",
        "/municipal-plans/{plan_a}/goals/{goal_a}/actions/new",
        _plan_a(200),
    ),
    Case(
        "municipal_plans.new_action",
        "POST",
        "/municipal-plans/{plan_b}/goals/{goal_b}/actions/new",
        _only_admin(422),
        data={},
    ),
    Case(
        "municipal_plans.edit_action",
        "GET",
        "/municipal-plans/{plan_a}/actions/{action_a}/edit",
        _plan_a(200),
    ),
    Case(
        "municipal_plans.edit_action",
        "POST",
        "/municipal-plans/{plan_a}/actions/{action_b}/edit",
        _plan_a(404),
        data={},
    ),
    Case(
        "municipal_plans.delete_action",
        "POST",
        "/municipal-plans/{plan_a}/actions/{action_a}/delete",
        _plan_a(302),
    ),
]
