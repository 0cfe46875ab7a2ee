"""The access matrix's part for ``lms.plans`` (see ``tests/matrix_support.py``).

The learner has a draft plan with a goal; staff_a (library A, the manager's) and staff_b
(library B: forged ids for the manager of A) have proposed plans.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.plans.models import DevelopmentPlan, PlanGoal, PlanStatus
from tests.matrix_support import API_SIGNED_IN, SIGNED_IN, SIGNED_IN_PAGE, Case, rule


def _plan(session: Session, user: User, status: PlanStatus) -> DevelopmentPlan:
    plan = DevelopmentPlan(user=user, status=status)
    plan.goals.append(PlanGoal(text="Learn to podcast", position=0))
    session.add(plan)
    session.flush()
    return plan


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    mine = _plan(session, users["learner"], PlanStatus.DRAFT)
    plan_a = _plan(session, session.get(User, ids["staff_a"]), PlanStatus.PROPOSED)
    plan_b = _plan(session, session.get(User, ids["staff_b"]), PlanStatus.PROPOSED)
    ids.update(
        pl_plan_learner=mine.id,
        pl_goal_learner=mine.goals[0].id,
        pl_plan_a=plan_a.id,
        pl_plan_b=plan_b.id,
    )


MANAGER = ("manager",)
LEARNER = ("learner",)
GOAL = {"text": "Read more"}
MESSAGE = {"message": "Good"}


def _review(endpoint: str, path: str, data: dict[str, str]) -> list[Case]:
    return [
        Case(endpoint, "POST", f"/plans/{{pl_plan_a}}/{path}", rule(302, MANAGER), data=data),
        Case(
            endpoint,
            "POST",
            f"/plans/{{pl_plan_b}}/{path}",
            rule(302, (), overrides={"manager": 404}),
            data=data,
        ),
    ]


def _api_review(endpoint: str, path: str, body: dict[str, str]) -> list[Case]:
    return [
        Case(
            endpoint,
            "POST",
            f"/api/v1/plans/{{pl_plan_a}}/{path}",
            rule(200, MANAGER, denied=404, anonymous=401),
            json=body,
        ),
        Case(
            endpoint,
            "POST",
            f"/api/v1/plans/{{pl_plan_b}}/{path}",
            rule(200, (), denied=404, anonymous=401),
            json=body,
        ),
    ]


CASES: list[Case] = [
    # The person's own plan
    Case("plans.mine", "GET", "/plans/mine", SIGNED_IN_PAGE),
    Case("plans.add_goal", "POST", "/plans/mine/goals", rule(302, SIGNED_IN), data=GOAL),
    Case(
        "plans.edit_goal",
        "POST",
        "/plans/mine/goals/{pl_goal_learner}",
        rule(302, LEARNER, denied=404),
        data=GOAL,
    ),
    Case(
        "plans.delete_goal",
        "POST",
        "/plans/mine/goals/{pl_goal_learner}/delete",
        rule(302, LEARNER, denied=404),
    ),
    Case("plans.propose", "POST", "/plans/mine/propose", rule(302, SIGNED_IN)),
    Case(
        "plans.comment_mine",
        "POST",
        "/plans/mine/comment",
        rule(302, LEARNER, denied=404),
        data=MESSAGE,
    ),
    # The manager's review, of their own staff only
    Case("plans.team", "GET", "/plans/team", rule(200, MANAGER)),
    Case("plans.review", "GET", "/plans/{pl_plan_a}", rule(200, MANAGER)),
    Case("plans.review", "GET", "/plans/{pl_plan_b}", rule(200, (), overrides={"manager": 404})),
    Case(
        "plans.review",
        "GET",
        "/plans/{pl_plan_learner}",
        rule(200, MANAGER, overrides={"learner": 302}),
    ),
    *_review("plans.comment", "comment", MESSAGE),
    *_review("plans.approve", "approve", {}),
    *_review("plans.send_back", "return", MESSAGE),
    # JSON API
    Case("plans_api.mine", "GET", "/api/v1/plans/mine", API_SIGNED_IN),
    Case(
        "plans_api.add_goal",
        "POST",
        "/api/v1/plans/mine/goals",
        rule(201, SIGNED_IN, anonymous=401),
        json=GOAL,
    ),
    Case(
        "plans_api.edit_goal",
        "PUT",
        "/api/v1/plans/mine/goals/{pl_goal_learner}",
        rule(200, LEARNER, denied=404, anonymous=401),
        json=GOAL,
    ),
    Case(
        "plans_api.delete_goal",
        "DELETE",
        "/api/v1/plans/mine/goals/{pl_goal_learner}",
        rule(204, LEARNER, denied=404, anonymous=401),
    ),
    Case(
        "plans_api.propose",
        "POST",
        "/api/v1/plans/mine/propose",
        rule(200, LEARNER, denied=422, anonymous=401),
    ),
    Case("plans_api.team", "GET", "/api/v1/team/plans", rule(200, MANAGER, anonymous=401)),
    Case(
        "plans_api.one",
        "GET",
        "/api/v1/plans/{pl_plan_a}",
        rule(200, MANAGER, denied=404, anonymous=401),
    ),
    Case(
        "plans_api.one",
        "GET",
        "/api/v1/plans/{pl_plan_b}",
        rule(200, (), denied=404, anonymous=401),
    ),
    Case(
        "plans_api.one",
        "GET",
        "/api/v1/plans/{pl_plan_learner}",
        rule(200, ("learner", "manager"), denied=404, anonymous=401),
    ),
    *_api_review("plans_api.comment", "comment", MESSAGE),
    *_api_review("plans_api.approve", "approve", {}),
    *_api_review("plans_api.send_back", "return", MESSAGE),
]
