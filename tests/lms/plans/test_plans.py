"""Individual development plans: goals, proposing, the manager's review, the history, access."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.errors import Conflict, Forbidden, ValidationFailed
from lms.plans import services
from lms.plans.models import DevelopmentPlan, GoalStatus, PlanEvent, PlanEventKind, PlanStatus
from lms.xapi.emit import extension
from tests.conftest import statements_of, text_of


@pytest.fixture
def world(create_user, create_unit):
    library = create_unit("library")
    return {
        "library": library,
        "manager": create_user("manager", unit=library),
        "alice": create_user("learner", unit=library, name="Alice"),
        "stranger": create_user("learner", name="Stranger"),
        "other_manager": create_user("manager"),
    }


def _kinds(plan):
    return [e.kind for e in plan.events]


def test_plan_lifecycle_and_history(session, world, create_track, create_course):
    alice, manager = world["alice"], world["manager"]
    track = create_track()
    course = create_course()
    plan = services.ensure_plan(session, alice)
    with pytest.raises(ValidationFailed):
        services.propose(session, plan, by=alice)  # no goals
    goal = services.add_goal(
        session,
        plan,
        by=alice,
        text="Guide seniors to e-books",
        track_id=track.id,
        course_id=course.id,
    )
    services.propose(session, plan, by=alice)
    with pytest.raises(Conflict):
        services.propose(session, plan, by=alice)
    with pytest.raises(Forbidden):
        services.approve(session, plan, by=alice)
    with pytest.raises(ValidationFailed):
        services.send_back(session, plan, by=manager, message=" ")
    services.send_back(session, plan, by=manager, message="Add a date")
    assert plan.status is PlanStatus.RETURNED
    with pytest.raises(Conflict):
        services.approve(session, plan, by=manager)
    services.update_goal(
        session,
        goal,
        by=alice,
        text=goal.text,
        status=GoalStatus.NOT_STARTED,
        target_on=__import__("datetime").date(2027, 6, 1),
        track_id=track.id,
        course_id=course.id,
        series_id=None,
    )
    services.propose(session, plan, by=alice)
    services.comment(session, plan, by=manager, message="Looks good")
    services.approve(session, plan, by=manager)
    assert plan.status is PlanStatus.APPROVED
    assert plan.approved_by_id == manager.id
    # Moving a goal along keeps the approval; changing its words reopens the plan.
    services.update_goal(
        session,
        goal,
        by=alice,
        text=goal.text,
        status=GoalStatus.IN_PROGRESS,
        target_on=goal.target_on,
        track_id=track.id,
        course_id=course.id,
        series_id=None,
    )
    assert plan.status is PlanStatus.APPROVED
    services.update_goal(
        session,
        goal,
        by=alice,
        text="Guide everyone",
        status=GoalStatus.IN_PROGRESS,
        target_on=goal.target_on,
        track_id=track.id,
        course_id=course.id,
        series_id=None,
    )
    assert plan.status is PlanStatus.DRAFT
    assert _kinds(plan) == [
        PlanEventKind.CREATED,
        PlanEventKind.CHANGED,
        PlanEventKind.PROPOSED,
        PlanEventKind.RETURNED,
        PlanEventKind.CHANGED,
        PlanEventKind.PROPOSED,
        PlanEventKind.COMMENTED,
        PlanEventKind.APPROVED,
        PlanEventKind.CHANGED,
        PlanEventKind.CHANGED,
    ]
    approved = statements_of(session, "approved")
    assert len(approved) == 1
    assert approved[0]["actor"]["account"]["name"] == str(manager.id)
    assert approved[0]["context"]["extensions"][extension("owner")] == alice.id


def test_goal_links_must_exist_and_be_published(session, world, create_track):
    plan = services.ensure_plan(session, world["alice"])
    draft = create_track(publish=False)
    with pytest.raises(ValidationFailed) as exc:
        services.add_goal(session, plan, by=world["alice"], text="x", track_id=draft.id)
    assert "track_id" in exc.value.errors
    with pytest.raises(ValidationFailed):
        services.add_goal(session, plan, by=world["alice"], text="x", series_id=999_999)


def test_no_suggestions_without_a_mapping(session, world):
    assert services.suggestions(session, world["alice"]) == []


def test_suggestions_come_from_the_persons_gaps_and_become_goals(app, client, login, session):
    from lms.demo import DEMO_PASSWORD, load_demo

    with app.app_context():
        assert load_demo(session)
    learner = session.scalar(select(User).where(User.email.startswith("learner@")))
    found = services.suggestions(session, learner, locale="sv")
    assert found
    assert all(s["gap"] > 0 for s in found)
    gaps = [s["gap"] for s in found]
    assert gaps == sorted(gaps, reverse=True)  # the largest gap first
    linked = next(s for s in found if s["series_id"] or s["course_id"])
    login(learner, password=DEMO_PASSWORD)
    page = client.get("/plans/mine").get_data(as_text=True)
    assert linked["competence"] in page
    data = {"text": f"Strengthen my competence: {linked['competence']}"}
    data.update({k: str(linked[k]) for k in ("course_id", "series_id") if linked[k]})
    assert client.post("/plans/mine/goals", data=data).status_code == 302
    plan = services.plan_of(session, learner)
    session.refresh(plan)
    added = plan.goals[-1]
    assert added.text == data["text"]
    assert (added.course_id, added.series_id) == (linked["course_id"], linked["series_id"])


def test_learner_proposes_and_manager_approves_in_the_browser(client, login, session, world):
    login(world["alice"])
    assert client.get("/plans/mine").status_code == 200
    resp = client.post("/plans/mine/goals", data={"text": "", "target_on": "2027-01-01"})
    assert resp.status_code == 422
    assert "This field is required." in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DevelopmentPlan)) == 0
    resp = client.post(
        "/plans/mine/goals", data={"text": "Learn podcasting", "target_on": "2027-01-01"}
    )
    assert resp.status_code == 302
    plan = session.scalar(select(DevelopmentPlan))
    goal_id = plan.goals[0].id
    resp = client.post(
        f"/plans/mine/goals/{goal_id}",
        data={
            f"goal-{goal_id}-text": "Learn podcasting well",
            f"goal-{goal_id}-status": "in_progress",
        },
    )
    assert resp.status_code == 302
    assert client.post("/plans/mine/propose").status_code == 302
    session.expire_all()
    assert session.get(DevelopmentPlan, plan.id).status is PlanStatus.PROPOSED
    client.post("/logout")
    login(world["manager"])
    team = client.get("/plans/team")
    assert "Alice" in team.get_data(as_text=True)
    page = client.get(f"/plans/{plan.id}")
    assert "Learn podcasting well" in page.get_data(as_text=True)
    resp = client.post(f"/plans/{plan.id}/return", data={"message": ""})
    assert resp.status_code == 422
    assert "Say what should change." in resp.get_data(as_text=True)
    assert client.post(f"/plans/{plan.id}/comment", data={"message": "Nice"}).status_code == 302
    assert client.post(f"/plans/{plan.id}/approve", data={"message": "Go"}).status_code == 302
    session.expire_all()
    assert session.get(DevelopmentPlan, plan.id).status is PlanStatus.APPROVED
    history = text_of(client.get(f"/plans/{plan.id}").get_data(as_text=True))
    assert "approved the plan: Go" in history
    assert "commented: Nice" in history


def test_managers_elsewhere_and_learners_cannot_review(client, login, session, world):
    plan = services.ensure_plan(session, world["alice"])
    services.add_goal(session, plan, by=world["alice"], text="Goal")
    services.propose(session, plan, by=world["alice"])
    session.commit()
    login(world["other_manager"])
    assert client.get(f"/plans/{plan.id}").status_code == 404
    assert client.post(f"/plans/{plan.id}/approve").status_code == 404
    assert client.get(f"/api/v1/plans/{plan.id}").status_code == 404
    client.post("/logout")
    login(world["stranger"])
    assert client.get(f"/plans/{plan.id}").status_code == 403
    assert client.post(f"/api/v1/plans/{plan.id}/approve", json={}).status_code == 404
    session.expire_all()
    assert session.get(DevelopmentPlan, plan.id).status is PlanStatus.PROPOSED
    assert session.scalar(select(func.count()).select_from(PlanEvent)) == 3


def test_plan_api(client, login, session, world):
    login(world["alice"])
    assert client.get("/api/v1/plans/mine").get_json()["goals"] == []
    resp = client.post("/api/v1/plans/mine/goals", json={"text": ""})
    assert resp.status_code == 422
    assert "text" in resp.get_json()["errors"]
    resp = client.post("/api/v1/plans/mine/goals", json={"text": "Read more", "status": "bogus"})
    assert resp.status_code == 422
    resp = client.post("/api/v1/plans/mine/goals", json={"text": "Read more"})
    assert resp.status_code == 201
    goal_id = resp.get_json()["id"]
    resp = client.put(
        f"/api/v1/plans/mine/goals/{goal_id}", json={"text": "Read a lot", "status": "done"}
    )
    assert resp.get_json()["status"] == "done"
    plan = client.post("/api/v1/plans/mine/propose").get_json()
    assert plan["status"] == "proposed"
    assert [h["kind"] for h in plan["history"]] == ["created", "changed", "changed", "proposed"]
    client.post("/logout")
    login(world["manager"])
    assert [p["user_name"] for p in client.get("/api/v1/team/plans").get_json()["items"]] == [
        "Alice"
    ]
    resp = client.post(f"/api/v1/plans/{plan['id']}/approve", json={"message": "Yes"})
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "approved"
    assert client.post(f"/api/v1/plans/{plan['id']}/approve", json={}).status_code == 409
