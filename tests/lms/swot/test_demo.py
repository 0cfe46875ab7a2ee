"""The demo's SWOT day in Falun and the municipality plan built on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.demo import load_demo
from lms.plans import municipal_services as plans
from lms.plans.municipal import LinkKind, MunicipalPlan
from lms.swot import services
from lms.swot.models import Quadrant, SwotWorkshop


def test_demo_has_an_open_falun_board_and_a_plan_linked_to_it(session: Session, app: Any) -> None:
    with app.test_request_context():  # the demo sends mail (track assignments)
        assert load_demo(session)
    workshop = session.scalars(select(SwotWorkshop)).one()
    assert workshop.municipality.name == "Falun"
    assert workshop.is_open
    assert "Omvärld" in workshop.preparation_html
    board = services.board(session, workshop)
    # Every quadrant has items, at every level, and the facilitator has grouped and prioritised.
    for quadrant in board.quadrants:
        assert quadrant.count >= 5, quadrant.quadrant
        assert quadrant.groups, quadrant.quadrant
    levels = {i.level for i in workshop.items}
    perspectives = {i.perspective for i in workshop.items}
    assert len(levels) == 3
    assert len(perspectives) == 3
    weaknesses = next(q for q in board.quadrants if q.quadrant is Quadrant.WEAKNESS)
    assert weaknesses.groups[0].group.name == "Digital kompetens"
    assert sum(board.votes.values()) > 0

    plan = session.scalars(select(MunicipalPlan)).one()
    assert plan.workshop_id == workshop.id
    actions = [a for g in plan.goals for a in g.actions]
    assert len(plan.goals) == 3
    assert all(a.responsible is not None for a in actions)
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        links = plans.describe_links(session, plan, "sv")
    kinds = {view.kind for found in links.values() for view in found}
    assert {LinkKind.SWOT_GROUP, LinkKind.SWOT_ITEM, LinkKind.COMPETENCE, LinkKind.COURSE} <= kinds
