"""The JSON API of tracks and assignments, and its place in the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.assignments import services
from lms.assignments.models import Assignment, AssignmentStatus, StepKind
from lms.auth.models import Role
from lms.auth.permissions import scope
from lms.db import utcnow

TODAY = utcnow().date()
SOON = (TODAY + timedelta(days=10)).isoformat()


@pytest.fixture
def world(create_user, create_unit):
    library = create_unit("library")
    return {
        "library": library,
        "manager": create_user("manager", unit=library),
        "alice": create_user("learner", unit=library, name="Alice"),
        "stranger": create_user("learner", name="Stranger"),
    }


def _count(session):
    return session.scalar(select(func.count()).select_from(Assignment))


def test_tracks_in_the_callers_language(client, login, world, session, create_track, create_course):
    world["alice"].locale = "sv"  # her own choice of language wins
    session.commit()
    course = create_course()
    track = create_track(
        steps=[(StepKind.COURSE, {"course_id": course.id}), (StepKind.REFLECTION, {})]
    )
    create_track(publish=False)  # a draft: not listed for a learner
    login(world["alice"])
    listed = client.get("/api/v1/tracks").get_json()
    assert [t["id"] for t in listed["items"]] == [track.id]
    one = client.get(f"/api/v1/tracks/{track.id}").get_json()
    assert one["title"] == track.translation("sv").title
    assert [s["kind"] for s in one["steps"]] == ["course", "reflection"]
    assert one["steps"][1]["prompt"] == "What now?"  # no Swedish prompt: the fallback
    assert client.get("/api/v1/tracks?per_page=0").status_code == 422


def test_manager_assigns_and_manages_through_the_api(client, login, world, session, create_track):
    track = create_track()
    login(world["manager"])
    body = {"track_id": track.id, "target": "person", "user_id": world["alice"].id, "due_on": SOON}
    bad = client.post("/api/v1/assignments", json={**body, "due_on": "2001-01-01"})
    assert bad.status_code == 422
    assert "due_on" in bad.get_json()["errors"]
    assert client.post("/api/v1/assignments", json={**body, "due_on": "soon"}).status_code == 422
    assert (
        client.post(
            "/api/v1/assignments", json={**body, "user_id": world["stranger"].id}
        ).status_code
        == 403
    )
    assert client.post("/api/v1/assignments", json={**body, "track_id": 999_999}).status_code == 404
    assert _count(session) == 0
    made = client.post("/api/v1/assignments", json=body)
    assert made.status_code == 201
    a = made.get_json()["assigned"][0]
    assert (a["user_name"], a["state"], a["required_total"]) == ("Alice", "not_started", 1)
    assert client.post("/api/v1/assignments", json=body).status_code == 409
    group = client.post(
        "/api/v1/assignments",
        json={
            "track_id": track.id,
            "target": "unit",
            "unit_id": world["library"].id,
            "due_on": SOON,
        },
    ).get_json()
    assert group["skipped"] == 1
    assert [x["user_id"] for x in group["assigned"]] == [world["manager"].id]
    team = client.get("/api/v1/team/assignments").get_json()
    assert team["total"] == 2
    later = (TODAY + timedelta(days=30)).isoformat()
    ext = client.post(f"/api/v1/assignments/{a['id']}/extend", json={"due_on": later})
    assert ext.get_json()["due_on"] == later
    off = client.post(f"/api/v1/assignments/{a['id']}/reminders", json={"enabled": False})
    assert off.get_json()["reminders_enabled"] is False
    assert client.post(f"/api/v1/assignments/{a['id']}/remind").status_code == 204
    gone = client.post(f"/api/v1/assignments/{a['id']}/withdraw")
    assert gone.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/assignments/{a['id']}/withdraw").status_code == 409


def test_learner_reads_own_assignments_only(client, login, world, session, create_track):
    track = create_track()
    mine = services.assign_person(
        session,
        track,
        world["alice"].id,
        due_on=TODAY + timedelta(days=3),
        note="",
        by=world["manager"],
        reach=scope(world["manager"], Role.MANAGER),
        today=TODAY,
    )
    session.commit()
    login(world["alice"])
    items = client.get("/api/v1/assignments").get_json()["items"]
    assert [i["id"] for i in items] == [mine.id]
    assert items[0]["next_step_id"] == track.steps[0].id
    assert client.get(f"/api/v1/assignments/{mine.id}").status_code == 200
    assert client.post(f"/api/v1/assignments/{mine.id}/withdraw").status_code == 403
    assert client.get("/api/v1/team/assignments").status_code == 403
    session.expire_all()
    assert session.get(Assignment, mine.id).status is AssignmentStatus.ACTIVE


def test_openapi_documents_tracks_assignments_and_plans(client, login, world):
    login(world["alice"])
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/tracks",
        "/api/v1/tracks/{track_id}",
        "/api/v1/assignments",
        "/api/v1/assignments/{assignment_id}/extend",
        "/api/v1/team/assignments",
        "/api/v1/plans/mine",
        "/api/v1/plans/{plan_id}/approve",
        "/api/v1/tracks/{track_id}/steps",
        "/api/v1/tracks/{track_id}/publish",
        "/api/v1/assignment-rules",
        "/api/v1/assignment-rules/{rule_id}/stop",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/assignments"]
    assert {"post", "put"} <= set(paths["/api/v1/tracks/{track_id}/steps"])


def test_coordinator_builds_a_track_through_the_api(
    client, login, session, create_user, create_unit, create_course
):
    region = create_unit("region")
    coordinator = create_user("coordinator", unit=region)
    course = create_course()
    login(coordinator)
    bad = client.post(
        "/api/v1/tracks", json={"title_sv": "Bara svenska", "owner_unit_id": region.id}
    )
    assert bad.status_code == 422
    assert "title_en" in bad.get_json()["errors"]
    made = client.post(
        "/api/v1/tracks",
        json={"title_en": "API track", "owner_unit_id": region.id, "job_titles": ["manager"]},
    )
    assert made.status_code == 201
    track_id = made.get_json()["id"]
    assert made.get_json()["job_titles"] == ["manager"]
    refused = client.post(f"/api/v1/tracks/{track_id}/publish", json={"published": True})
    assert refused.status_code == 422
    assert "steps" in refused.get_json()["errors"]
    first = client.post(
        f"/api/v1/tracks/{track_id}/steps", json={"kind": "course", "course_id": course.id}
    )
    assert first.status_code == 201
    assert (
        client.post(f"/api/v1/tracks/{track_id}/steps", json={"kind": "module"}).status_code == 422
    )
    second = client.post(
        f"/api/v1/tracks/{track_id}/steps",
        json={"kind": "reflection", "prompt_en": "Why?", "is_required": True},
    ).get_json()
    ids = [s["id"] for s in second["steps"]]
    assert (
        client.put(f"/api/v1/tracks/{track_id}/steps", json={"order": ids[:1]}).status_code == 422
    )
    reordered = client.put(f"/api/v1/tracks/{track_id}/steps", json={"order": ids[::-1]})
    assert [s["kind"] for s in reordered.get_json()["steps"]] == ["reflection", "course"]
    published = client.post(f"/api/v1/tracks/{track_id}/publish", json={"published": True})
    assert published.get_json()["is_published"] is True
    assert client.delete(f"/api/v1/tracks/{track_id}/steps/{ids[0]}").status_code == 204
    # The last required step of a published track stays.
    assert client.delete(f"/api/v1/tracks/{track_id}/steps/{ids[1]}").status_code == 422
