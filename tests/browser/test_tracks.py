"""Tracks, assignments and development plans in a real browser, axe-checked on every page.

Manager: assigns a track to the whole library, extends a due date, sends a reminder, withdraws
an assignment, and approves the learner's development plan. Learner: sees their assignments
with the next step, opens the track, and proposes their plan. Coordinator: builds a track.
The demo accounts read Swedish, so the tests find things by ids and addresses, not by text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.assignments.models import Assignment, AssignmentStatus, Track
from lms.auth.models import User
from lms.db import db, utcnow
from lms.orgs.models import OrgUnit
from lms.plans.models import DevelopmentPlan, PlanStatus
from tests.browser.conftest import LiveServer, assert_accessible, demo_email, visit

pytestmark = pytest.mark.browser


def _ids(live_server: LiveServer) -> dict[str, int]:
    with live_server.app.app_context():
        session = db.session
        tracks = {t.slug: t.id for t in session.scalars(select(Track))}
        learner = session.scalars(select(User).where(User.email == demo_email("learner"))).one()
        library = session.scalars(
            select(OrgUnit).where(OrgUnit.name == "Falu stadsbibliotek")
        ).one()
        basics = session.scalars(
            select(Assignment).where(
                Assignment.user_id == learner.id,
                Assignment.track_id == tracks["digital-mediation-basics"],
            )
        ).one()
        return {
            "leadership": tracks["digital-leadership"],
            "basics": tracks["digital-mediation-basics"],
            "learner": learner.id,
            "library": library.id,
            "learner_basics": basics.id,
        }


def _assignment(live_server: LiveServer, ident: int) -> Assignment:
    with live_server.app.app_context():
        found = db.session.get(Assignment, ident)
        assert found is not None
        db.session.expunge(found)
        return found


def test_manager_assigns_to_the_library_extends_reminds_and_withdraws(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("manager")
    visit(page, "/team/assignments")
    expect(page.locator(f"#assignment-{ids['learner_basics']}")).to_have_count(1)
    assert_accessible(page)
    # The leadership track (for managers) to everyone at the library: the others get it now.
    visit(page, f"/tracks/{ids['leadership']}/assign")
    assert_accessible(page)
    page.locator("#target-unit").check()
    page.locator("#unit_id").select_option(str(ids["library"]))
    page.locator("#due_on").fill((utcnow().date() - timedelta(days=1)).isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()  # a date in the past
    expect(page.locator("#due_on[aria-invalid=true]")).to_have_count(1)
    assert_accessible(page)
    page.locator("#target-unit").check()
    page.locator("#due_on").fill((utcnow().date() + timedelta(days=60)).isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    with live_server.app.app_context():
        given = db.session.scalars(
            select(Assignment).where(
                Assignment.user_id == ids["learner"],
                Assignment.track_id == ids["leadership"],
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        ).one()
        assert given.rule_id is not None
        given_id = given.id
    # Extend the learner's basics by a month.
    visit(page, "/team/assignments")
    before = _assignment(live_server, ids["learner_basics"]).due_on
    later = before + timedelta(days=30)
    row = page.locator(f"#assignment-{ids['learner_basics']}")
    row.locator(f"#due-{ids['learner_basics']}").fill(later.isoformat())
    row.locator("form[action*='/extend'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert _assignment(live_server, ids["learner_basics"]).due_on == later
    # Remind.
    page.locator(f"#assignment-{ids['learner_basics']} form[action$='/remind'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert _assignment(live_server, ids["learner_basics"]).last_reminded_at is not None
    # Withdraw the leadership track from the learner again.
    page.locator(f"#assignment-{given_id} form[action*='/withdraw'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"#assignment-{given_id}")).to_have_count(0)
    assert _assignment(live_server, given_id).status is AssignmentStatus.WITHDRAWN
    assert_accessible(page)


def test_learner_sees_assignments_next_step_and_proposes_a_plan(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("learner")
    visit(page, "/my/assignments")
    card = page.locator(f"#assignment-{ids['learner_basics']}")
    expect(card).to_have_count(1)
    expect(card.locator("a[href='/courses/digital-mediation']")).to_have_count(1)  # next step
    assert_accessible(page)
    card.locator(f"a[href='/tracks/{ids['basics']}']").click()
    expect(page.locator("main h1")).to_have_text("Grunderna i digital förmedling")
    expect(page.locator("ol.steps > li")).to_have_count(5)
    assert_accessible(page)
    visit(page, "/plans/mine")
    assert_accessible(page)
    page.locator("#text").fill("Lära mig mer om e-ljudböcker")
    page.locator("#target_on").fill((utcnow().date() + timedelta(days=90)).isoformat())
    page.locator("#add-goal button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    # A goal suggested from her competence gaps, in one click.
    page.locator("ul.suggestions form button").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.locator("form[action='/plans/mine/propose'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    with live_server.app.app_context():
        plan = db.session.scalars(
            select(DevelopmentPlan).where(DevelopmentPlan.user_id == ids["learner"])
        ).one()
        assert plan.status is PlanStatus.PROPOSED
        texts = [g.text for g in plan.goals]
        assert "Lära mig mer om e-ljudböcker" in texts
        assert any(text.startswith("Stärka min kompetens") for text in texts)


def test_manager_approves_the_learners_plan(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    with live_server.app.app_context():
        plan = db.session.scalars(
            select(DevelopmentPlan).where(DevelopmentPlan.user_id == ids["learner"])
        ).one()
        plan_id, status = plan.id, plan.status
    if status is not PlanStatus.PROPOSED:  # the learner's test ran first and left it proposed
        pytest.fail(f"the demo learner's plan should be proposed, not {status}")
    page = signed_in_page("manager")
    visit(page, "/plans/team")
    assert_accessible(page)
    page.locator(f"a[href='/plans/{plan_id}']").click()
    expect(page.locator("main h1")).to_have_count(1)
    assert_accessible(page)
    page.locator("#message").fill("Bra plan, vi börjar i vår.")
    page.locator(f"form[action='/plans/{plan_id}/approve'] button.primary").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#history")).to_have_count(1)
    assert_accessible(page)
    with live_server.app.app_context():
        assert db.session.get(DevelopmentPlan, plan_id).status is PlanStatus.APPROVED


def test_coordinator_builds_and_publishes_a_track(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/tracks")
    assert_accessible(page)
    visit(page, "/tracks/new")
    assert_accessible(page)
    page.locator("#title_sv").fill("Läsfrämjande online")
    page.locator("#title_en").fill("Reading promotion online")
    page.locator("#fallback_locale").select_option("sv")
    page.locator("#effort_hours").fill("5")
    page.locator("#owner_unit").select_option(index=1)
    page.locator("main form.form button[type=submit]").first.click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    # Publishing without steps is refused with a message.
    page.locator("form[action$='/publish'] button").click()
    expect(page.locator(".flash-error")).to_be_visible()
    for title in ("Vad gör vi i dag?", "Vad vill vi pröva?"):
        form = page.locator("form[action$='/steps']")
        form.locator("#kind").select_option("reflection")
        form.locator("#prompt_title_sv").fill(title)
        form.locator("#prompt_sv").fill("Skriv några rader.")
        form.locator("button[type=submit]").click()
        expect(page.locator(".flash-success")).to_be_visible()
    page.locator("ol.steps form[action$='/move'] button").first.click()
    expect(page.locator("ol.steps > li").first).to_contain_text("Vad vill vi pröva?")
    page.locator("form[action$='/publish'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    page.locator("main .actions a[href^='/tracks/']").first.click()
    expect(page.locator("ol.steps > li")).to_have_count(2)
    assert_accessible(page)
