"""Municipality development plans: written by coordinators, read by the municipality's managers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.plans import municipal_services as plans
from lms.plans.municipal import (
    ActionStatus,
    LinkKind,
    MunicipalAction,
    MunicipalGoal,
    MunicipalLink,
    MunicipalPlan,
    PlanStatus,
)
from lms.swot import services as swot
from lms.swot.models import Quadrant, SwotItem, SwotWorkshop
from tests.conftest import text_of
from tests.lms.swot.conftest import SwotWorld
from tests.lms.swot.test_views import sign_in


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def plan(session: Session, swot_world: SwotWorld, workshop: SwotWorkshop) -> MunicipalPlan:
    found = plans.create_plan(
        session,
        municipality=swot_world.municipality,
        title="Kompetensutvecklingsplan Falun",
        status=PlanStatus.ADOPTED,
        summary="Bygger på **SWOT-dagen**.",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
        workshop_id=workshop.id,
        by=swot_world.coordinator,
    )
    session.commit()
    return found


@pytest.fixture
def other_workshop(session: Session, swot_world: SwotWorld) -> SwotWorkshop:
    found = swot.create_workshop(
        session,
        municipality=swot_world.other_municipality,
        title="SWOT i Arvika",
        held_on=date(2027, 3, 1),
        preparation="",
        facilitators=[swot_world.other_coordinator],
        participants=[],
        votes_per_person=3,
        by=swot_world.other_coordinator,
    )
    session.commit()
    return found


def test_coordinator_creates_a_plan_on_the_municipalitys_workshop(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    other_workshop: SwotWorkshop,
) -> None:
    sign_in(client, swot_world.coordinator)
    form = {
        "title": "Plan för Falun",
        "municipality": str(swot_world.municipality.id),
        "status": "draft",
        "starts_on": "2027-06-01",
        "ends_on": "2027-01-01",
        "workshop": str(other_workshop.id),
    }
    resp = client.post("/municipal-plans/new", data=form)
    assert resp.status_code == 422
    text = text_of(resp.get_data(as_text=True))
    assert "The end comes before the start." in text
    assert 'value="Plan för Falun"' in resp.get_data(as_text=True)
    resp = client.post("/municipal-plans/new", data=form | {"ends_on": "2027-12-31"})
    assert resp.status_code == 422
    assert "Choose a SWOT workshop of this municipality." in resp.get_data(as_text=True)
    resp = client.post(
        "/municipal-plans/new",
        data=form
        | {"ends_on": "2027-12-31", "municipality": str(swot_world.other_municipality.id)},
    )
    assert resp.status_code == 422
    assert _count(session, MunicipalPlan) == 0

    resp = client.post(
        "/municipal-plans/new",
        data=form | {"ends_on": "2027-12-31", "workshop": str(workshop.id)},
    )
    assert resp.status_code == 302
    created = session.scalars(select(MunicipalPlan)).one()
    assert (created.workshop_id, created.status) == (workshop.id, PlanStatus.DRAFT)
    resp = client.post(
        f"/municipal-plans/{created.id}/edit",
        data=form | {"ends_on": "2027-12-31", "workshop": "", "status": "adopted"},
    )
    assert resp.status_code == 302
    session.refresh(created)
    assert (created.status, created.workshop_id) == (PlanStatus.ADOPTED, None)


def test_goals_and_actions_link_to_swot_items_and_refuse_forged_ones(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    other_workshop: SwotWorkshop,
    plan: MunicipalPlan,
    add_item: Callable[..., SwotItem],
) -> None:
    ours = add_item(workshop, swot_world.staff, text="Ojämn digital kompetens")
    theirs = add_item(other_workshop, swot_world.outsider, text="Arvikas punkt")
    group = swot.add_group(session, workshop, quadrant=Quadrant.STRENGTH, name="Kompetens")
    session.commit()
    sign_in(client, swot_world.coordinator)
    page = client.get(f"/municipal-plans/{plan.id}/goals/new").get_data(as_text=True)
    assert "Ojämn digital kompetens" in page
    assert "Arvikas punkt" not in page

    resp = client.post(
        f"/municipal-plans/{plan.id}/goals/new",
        data={"title": "Digital förmedling", "swot_item": [str(ours.id), str(theirs.id)]},
    )
    assert resp.status_code == 422
    assert "Choose from the list." in resp.get_data(as_text=True)
    assert _count(session, MunicipalGoal) == 0

    resp = client.post(
        f"/municipal-plans/{plan.id}/goals/new",
        data={
            "title": "Digital förmedling",
            "swot_item": [str(ours.id)],
            "swot_group": [str(group.id)],
        },
    )
    assert resp.status_code == 302
    goal = session.scalars(select(MunicipalGoal)).one()
    assert {(ln.kind, ln.target_id) for ln in goal.links} == {
        (LinkKind.SWOT_ITEM, ours.id),
        (LinkKind.SWOT_GROUP, group.id),
    }

    action_form = {
        "title": "Workshop om e-böcker",
        "responsible": str(swot_world.outsider.id),
        "starts_on": "2027-03-01",
        "due_on": "2027-02-01",
        "status": "planned",
        "swot_item": [str(ours.id)],
    }
    resp = client.post(f"/municipal-plans/{plan.id}/goals/{goal.id}/actions/new", data=action_form)
    assert resp.status_code == 422
    text = text_of(resp.get_data(as_text=True))
    assert "The end comes before the start." in text
    resp = client.post(
        f"/municipal-plans/{plan.id}/goals/{goal.id}/actions/new",
        data=action_form | {"due_on": "2027-04-01"},
    )
    assert resp.status_code == 422
    assert "Choose someone on the staff of the municipality." in resp.get_data(as_text=True)
    assert _count(session, MunicipalAction) == 0
    resp = client.post(
        f"/municipal-plans/{plan.id}/goals/{goal.id}/actions/new",
        data=action_form | {"due_on": "2027-04-01", "responsible": str(swot_world.staff.id)},
    )
    assert resp.status_code == 302
    action = session.scalars(select(MunicipalAction)).one()
    assert action.responsible_id == swot_world.staff.id
    assert [(ln.kind, ln.target_id) for ln in action.links] == [(LinkKind.SWOT_ITEM, ours.id)]

    page = text_of(client.get(f"/municipal-plans/{plan.id}").get_data(as_text=True))
    assert "Goal 1: Digital förmedling" in page
    assert "Workshop om e-böcker" in page
    assert "SWOT items Ojämn digital kompetens (Strength)" in page

    # Deleting the item on the board drops the links to it.
    swot.delete_item(session, ours)
    session.commit()
    assert _count(session, MunicipalLink) == 1  # the group's


def test_the_municipalitys_manager_reads_the_plan_and_its_status(
    client: Any, session: Session, swot_world: SwotWorld, plan: MunicipalPlan
) -> None:
    goal = plans.add_goal(session, plan, title="Nya målgrupper", description="")
    plans.add_action(
        session,
        goal,
        plans.ActionInput(
            title="Språkcafé",
            description="",
            responsible_id=swot_world.colleague.id,
            starts_on=None,
            due_on=date(2027, 5, 1),
            status=ActionStatus.DONE,
        ),
    )
    session.commit()
    sign_in(client, swot_world.manager)
    assert "Kompetensutvecklingsplan Falun" in client.get("/municipal-plans/").get_data(
        as_text=True
    )
    page = text_of(client.get(f"/municipal-plans/{plan.id}").get_data(as_text=True))
    assert "Status Adopted" in page
    assert "Actions done 1 / 1" in page
    assert "Edit plan" not in page
    assert client.get(f"/municipal-plans/{plan.id}/edit").status_code == 403
    assert client.post(f"/municipal-plans/{plan.id}/delete").status_code == 403
    # Staff see the plan only where they are responsible for an action.
    sign_in(client, swot_world.staff)
    assert client.get(f"/municipal-plans/{plan.id}").status_code == 404
    assert "Kompetensutvecklingsplan Falun" not in client.get("/municipal-plans/").get_data(
        as_text=True
    )
    sign_in(client, swot_world.colleague)
    assert client.get(f"/municipal-plans/{plan.id}").status_code == 200
    # Someone of another region: the plan does not exist.
    sign_in(client, swot_world.other_coordinator)
    assert client.get(f"/municipal-plans/{plan.id}").status_code == 404


def test_deleting_a_goal_takes_its_actions_and_links(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    plan: MunicipalPlan,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    item = add_item(workshop, swot_world.staff)
    goal = plans.add_goal(session, plan, title="Mål", description="")
    plans.set_links(session, goal, plan, {LinkKind.SWOT_ITEM: [item.id]})
    plans.add_action(
        session,
        goal,
        plans.ActionInput("Åtgärd", None, None, None, None, ActionStatus.PLANNED),
    )
    session.commit()
    sign_in(client, swot_world.coordinator)
    assert client.post(f"/municipal-plans/{plan.id}/goals/{goal.id}/delete").status_code == 302
    assert _count(session, MunicipalGoal) == 0
    assert _count(session, MunicipalAction) == 0
    assert _count(session, MunicipalLink) == 0
    assert _count(session, SwotItem) == 1


# JSON API


def test_api_gives_the_board_and_the_plan(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    plan: MunicipalPlan,
    add_item: Callable[..., SwotItem],
) -> None:
    item = add_item(workshop, swot_world.staff, text="Läsfrämjande")
    group = swot.add_group(session, workshop, quadrant=Quadrant.STRENGTH, name="Läsning")
    swot.organise(session, workshop, {item.id: swot.Placement(group.id, 1)})
    goal = plans.add_goal(session, plan, title="Läslust", description="")
    plans.set_links(session, goal, plan, {LinkKind.SWOT_GROUP: [group.id]})
    session.commit()
    assert client.get(f"/api/v1/swot/workshops/{workshop.id}").status_code == 401
    sign_in(client, swot_world.staff)
    body = client.get(f"/api/v1/swot/workshops/{workshop.id}").get_json()
    assert body["municipality"] == "Falun"
    assert body["groups"] == [
        {
            "id": group.id,
            "name": "Läsning",
            "quadrant": "strength",
            "priority": None,
            "votes": 0,
            "item_ids": [item.id],
        }
    ]
    assert body["items"][0]["priority"] == 1
    assert [w["id"] for w in client.get("/api/v1/swot/workshops").get_json()["items"]] == [
        workshop.id
    ]
    assert client.get(f"/api/v1/municipal-plans/{plan.id}").status_code == 404
    assert client.get("/api/v1/municipal-plans").get_json() == {"items": []}
    sign_in(client, swot_world.manager)
    listed = client.get("/api/v1/municipal-plans").get_json()["items"]
    assert [(p["id"], p["status"]) for p in listed] == [(plan.id, "adopted")]
    body = client.get(f"/api/v1/municipal-plans/{plan.id}").get_json()
    assert body["status"] == "adopted"
    assert body["goals"][0]["links"] == [{"kind": "swot_group", "id": group.id, "label": "Läsning"}]
    sign_in(client, swot_world.other_coordinator)
    resp = client.get(f"/api/v1/swot/workshops/{workshop.id}")
    assert resp.status_code == 404
    assert "errors" in resp.get_json()


def test_openapi_describes_the_swot_and_plan_endpoints(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/swot/workshops/{workshop_id}" in doc["paths"]
    assert "/api/v1/municipal-plans/{plan_id}" in doc["paths"]
    assert "WorkshopOut" in doc["components"]["schemas"]
    assert "PlanOut" in doc["components"]["schemas"]


def test_home_page_points_to_open_boards_and_plans(
    client: Any, session: Session, swot_world: SwotWorld, plan: MunicipalPlan
) -> None:
    sign_in(client, swot_world.manager)
    text = text_of(client.get("/").get_data(as_text=True))
    assert "SWOT boards open for your items: SWOT-dag i Falun" in text
    assert "Kompetensutvecklingsplan Falun Adopted" in text
    sign_in(client, swot_world.outsider)
    text = text_of(client.get("/").get_data(as_text=True))
    assert "Development work" not in text
