"""The track and assignment pages: coordinators build tracks, managers assign, learners follow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.assignments import services
from lms.assignments.models import Assignment, AssignmentStatus, StepKind, Track
from lms.auth.models import Role
from lms.auth.permissions import scope
from lms.db import utcnow
from tests.conftest import text_of

TODAY = utcnow().date()


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def _assign_alice(session, world, track, *, note=""):
    """Alice's manager gives her ``track``, due in five days."""
    return services.assign_person(
        session,
        track,
        world["alice"].id,
        due_on=TODAY + timedelta(days=5),
        note=note,
        by=world["manager"],
        reach=scope(world["manager"], Role.MANAGER),
        today=TODAY,
    )


@pytest.fixture
def world(create_user, create_unit):
    library = create_unit("library")
    return {
        "library": library,
        "coordinator": create_user("coordinator", unit=library.parent.parent),
        "manager": create_user("manager", unit=library),
        "alice": create_user("learner", unit=library, name="Alice"),
        "stranger": create_user("learner", name="Stranger"),
    }


def test_coordinator_builds_publishes_and_reorders_a_track(client, login, world, session):
    login(world["coordinator"])
    form = {
        "title_en": "Digital basics",
        "title_sv": "Digitala grunder",
        "description_en": "Start here",
        "fallback_locale": "en",
        "effort_hours": "4",
        "is_ordered": "true",
        "job_titles": ["librarian"],
        "owner_unit": str(world["library"].parent.parent.id),
    }
    resp = client.post("/tracks/new", data=form)
    assert resp.status_code == 302
    track = session.scalar(select(Track))
    assert track.translation("sv").title == "Digitala grunder"
    assert [j.value for j in track.job_titles] == ["librarian"]
    # No steps yet: publishing is refused with a message and nothing changes.
    resp = client.post(
        f"/tracks/{track.id}/publish", data={"published": "true"}, follow_redirects=True
    )
    assert "has no steps yet" in text_of(resp.get_data(as_text=True))
    session.expire_all()
    assert session.get(Track, track.id).is_published is False
    for title in ("One", "Two"):
        resp = client.post(
            f"/tracks/{track.id}/steps",
            data={
                "kind": "reflection",
                "prompt_title_en": title,
                "prompt_en": "Why?",
                "is_required": "true",
            },
        )
        assert resp.status_code == 302
    # A bad step: a course that does not exist; the form comes back with the message.
    resp = client.post(f"/tracks/{track.id}/steps", data={"kind": "course", "course_id": "999999"})
    assert resp.status_code == 422
    assert "Choose a course." in resp.get_data(as_text=True)
    session.expire_all()
    track = session.get(Track, track.id)
    assert len(track.steps) == 2
    second = track.steps[1]
    assert (
        client.post(
            f"/tracks/{track.id}/steps/{second.id}/move", data={"direction": "up"}
        ).status_code
        == 302
    )
    session.expire_all()
    track = session.get(Track, track.id)
    assert [s.prompt["en"]["title"] for s in track.steps] == ["Two", "One"]
    resp = client.post(f"/tracks/{track.id}/publish", data={"published": "true"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Track, track.id).is_published is True
    page = client.get(f"/tracks/{track.id}/edit")
    assert page.status_code == 200
    assert "Move step 2 up" in page.get_data(as_text=True)


def test_manager_assigns_and_manages(client, login, world, session, create_track):
    track = create_track()
    login(world["manager"])
    page = client.get(f"/tracks/{track.id}/assign")
    assert page.status_code == 200
    assert "Alice" in page.get_data(as_text=True)
    assert "Stranger" not in page.get_data(as_text=True)
    # A due date in the past: the form again, input kept, nothing assigned.
    past = (TODAY - timedelta(days=1)).isoformat()
    resp = client.post(
        f"/tracks/{track.id}/assign",
        data={"target": "person", "user_id": world["alice"].id, "due_on": past, "note": "Kept"},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "must not be in the past" in html
    assert "Kept" in html
    assert _count(session, Assignment) == 0
    # A forged id of someone elsewhere: refused.
    due = (TODAY + timedelta(days=14)).isoformat()
    resp = client.post(
        f"/tracks/{track.id}/assign",
        data={"target": "person", "user_id": world["stranger"].id, "due_on": due},
    )
    assert resp.status_code == 403
    assert _count(session, Assignment) == 0
    # To the whole library.
    resp = client.post(
        f"/tracks/{track.id}/assign",
        data={"target": "unit", "unit_id": world["library"].id, "due_on": due},
    )
    assert resp.status_code == 302
    assert _count(session, Assignment) == 2  # the manager and Alice
    # Twice to Alice alone: a clear message.
    resp = client.post(
        f"/tracks/{track.id}/assign",
        data={"target": "person", "user_id": world["alice"].id, "due_on": due},
    )
    assert resp.status_code == 422
    assert "already has this track" in resp.get_data(as_text=True)
    team = client.get("/team/assignments")
    assert team.status_code == 200
    text = text_of(team.get_data(as_text=True))
    assert "Alice" in text
    assert "Not started: 2" in text
    alice_a = services.active_of(session, world["alice"].id, track.id)
    assert client.post(f"/assignments/{alice_a.id}/remind").status_code == 302
    new_due = (TODAY + timedelta(days=40)).isoformat()
    assert (
        client.post(f"/assignments/{alice_a.id}/extend", data={"due_on": new_due}).status_code
        == 302
    )
    resp = client.post(
        f"/assignments/{alice_a.id}/extend", data={"due_on": past}, follow_redirects=True
    )
    assert "must not be in the past" in resp.get_data(as_text=True)
    assert (
        client.post(f"/assignments/{alice_a.id}/reminders", data={"enabled": "false"}).status_code
        == 302
    )
    session.expire_all()
    alice_a = session.get(Assignment, alice_a.id)
    assert alice_a.due_on.isoformat() == new_due
    assert alice_a.reminders_enabled is False
    assert alice_a.last_reminded_at is not None
    assert client.post(f"/assignments/{alice_a.id}/withdraw").status_code == 302
    session.expire_all()
    assert session.get(Assignment, alice_a.id).status is AssignmentStatus.WITHDRAWN


def test_team_actions_keep_the_filters_and_nothing_else_of_the_query(
    client, login, world, session, create_track
):
    track = create_track()
    _assign_alice(session, world, track)
    session.commit()
    login(world["manager"])
    # url_for takes these names for itself: from the query string they once broke the page
    odd = "endpoint=x&_external=1&_scheme=javascript&_anchor=y&assignment_id=9"
    page = client.get(f"/team/assignments?track_id={track.id}&state=not_started&{odd}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assignment = services.active_of(session, world["alice"].id, track.id)
    action = f"/assignments/{assignment.id}/remind?track_id={track.id}&amp;state=not_started"
    assert f'action="{action}"' in html
    actions = re.findall(r'action="(/assignments/[^"]*)"', html)
    assert len(actions) == 4  # remind, extend, withdraw, reminders
    assert all(a.endswith(f"?track_id={track.id}&amp;state=not_started") for a in actions)
    resp = client.post(f"/assignments/{assignment.id}/remind?track_id={track.id}&{odd}")
    assert resp.status_code == 302
    assert resp.location == f"/team/assignments?track_id={track.id}"


def test_manager_cannot_touch_assignments_elsewhere(
    client, login, world, session, create_track, create_user
):
    track = create_track()
    other_manager = create_user("manager", unit=world["stranger"].memberships[0].library)
    theirs = services.assign_person(
        session,
        track,
        world["stranger"].id,
        due_on=TODAY + timedelta(days=5),
        note="",
        by=other_manager,
        reach=scope(other_manager, Role.MANAGER),
        today=TODAY,
    )
    session.commit()
    login(world["manager"])
    for action in ("remind", "withdraw", "extend", "reminders"):
        resp = client.post(
            f"/assignments/{theirs.id}/{action}", data={"due_on": "2099-01-01", "enabled": "false"}
        )
        assert resp.status_code == 404
    session.expire_all()
    assert session.get(Assignment, theirs.id).status is AssignmentStatus.ACTIVE


def test_withdrawing_a_completed_assignment_is_refused(client, login, world, session, create_track):
    track = create_track()
    a = _assign_alice(session, world, track)
    services.answer_reflection(session, track.steps[0], world["alice"], "Done")
    session.commit()
    login(world["manager"])
    resp = client.post(f"/assignments/{a.id}/withdraw", follow_redirects=True)
    assert "completed assignment cannot be withdrawn" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Assignment, a.id).status is AssignmentStatus.ACTIVE


def test_learner_sees_assignments_next_step_and_answers_reflection(
    client, login, world, session, create_track, create_course
):
    course = create_course()
    track = create_track(
        steps=[(StepKind.COURSE, {"course_id": course.id}), (StepKind.REFLECTION, {})]
    )
    _assign_alice(session, world, track, note="Do it")
    session.commit()
    login(world["alice"])
    page = client.get("/my/assignments")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert track.title("en") in html
    assert f'href="/courses/{course.slug}"' in html  # the next step, linked
    assert "Do it" in html
    page = client.get(f"/tracks/{track.id}")
    assert page.status_code == 200
    step = track.steps[1]
    resp = client.post(
        f"/tracks/{track.id}/steps/{step.id}/reflection", data={"body": ""}, follow_redirects=True
    )
    assert "This field is required." in resp.get_data(as_text=True)
    resp = client.post(f"/tracks/{track.id}/steps/{step.id}/reflection", data={"body": "I learned"})
    assert resp.status_code == 302
    assert "I learned" in client.get(f"/tracks/{track.id}").get_data(as_text=True)


def test_draft_track_is_hidden_from_learners(client, login, world, create_track):
    track = create_track(publish=False)
    login(world["alice"])
    assert client.get(f"/tracks/{track.id}").status_code == 404
    assert client.get("/tracks").status_code == 403


def test_manager_stops_giving_a_group_assignment_to_newcomers(
    client, login, world, session, create_track, create_user
):
    track = create_track()
    login(world["manager"])
    due = (TODAY + timedelta(days=14)).isoformat()
    assert (
        client.post(
            f"/tracks/{track.id}/assign",
            data={"target": "unit", "unit_id": world["library"].id, "due_on": due},
        ).status_code
        == 302
    )
    rule = services.rules_in(scope(world["manager"], Role.MANAGER))
    rule = session.scalars(rule).one()
    page = client.get("/team/assignments").get_data(as_text=True)
    assert f'id="rule-{rule.id}"' in page
    assert client.post(f"/assignment-rules/{rule.id}/stop").status_code == 302
    newcomer = create_user("learner", unit=world["library"])
    assert services.apply_rules(session, newcomer.memberships[0]) == []  # what joining runs
    assert services.active_of(session, newcomer.id, track.id) is None
    # Those who had it keep it.
    assert services.active_of(session, world["alice"].id, track.id) is not None
    # Stopping it twice: a clear message (last: the failed request rolls the shared
    # connection back to where its session began).
    resp = client.post(f"/assignment-rules/{rule.id}/stop", follow_redirects=True)
    assert "Newcomers no longer get this track." in resp.get_data(as_text=True)


def test_rules_of_other_units_do_not_exist_for_a_manager(
    client, login, world, session, create_track, create_user
):
    track = create_track()
    other_library = world["stranger"].memberships[0].library
    other_manager = create_user("manager", unit=other_library)
    result = services.assign_group(
        session,
        track,
        other_library.id,
        job_title=None,
        due_on=TODAY + timedelta(days=5),
        note="",
        by=other_manager,
        reach=scope(other_manager, Role.MANAGER),
        today=TODAY,
    )
    session.commit()
    login(world["manager"])
    assert client.post(f"/assignment-rules/{result.rule.id}/stop").status_code == 404
    assert client.post(f"/api/v1/assignment-rules/{result.rule.id}/stop").status_code == 404
    assert client.get("/api/v1/assignment-rules").get_json()["items"] == []
    session.expire_all()
    assert session.get(type(result.rule), result.rule.id).is_active is True


def test_in_an_ordered_track_later_steps_wait(
    client, login, world, session, create_track, create_course
):
    course = create_course()
    track = create_track(
        steps=[(StepKind.COURSE, {"course_id": course.id}), (StepKind.REFLECTION, {})],
        is_ordered=True,
    )
    _assign_alice(session, world, track)
    session.commit()
    login(world["alice"])
    html = client.get(f"/tracks/{track.id}").get_data(as_text=True)
    assert "Opens when the steps before it are done" in html
    assert f"/steps/{track.steps[1].id}/reflection" not in html  # no form for a waiting step
    resp = client.post(
        f"/tracks/{track.id}/steps/{track.steps[1].id}/reflection", data={"body": "x"}
    )
    assert resp.status_code == 409


def test_learner_pages_read_even_when_the_database_is_busy(
    client, login, world, session, create_track, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    track = create_track()
    _assign_alice(session, world, track)
    services.answer_reflection(session, track.steps[0], world["alice"], "Done")
    session.commit()

    def busy(*_args, **_kwargs):
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(services, "settle", busy)
    login(world["alice"])
    assert client.get("/my/assignments").status_code == 200
    assert client.get(f"/tracks/{track.id}").status_code == 200
