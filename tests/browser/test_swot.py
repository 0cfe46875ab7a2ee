"""SWOT workshops and municipality plans in a real browser, axe-checked on every page.

Coordinator: creates a workshop for Falun (a refused form first). Learner and manager, on the
staff of Falun's library: add items and place dots. Coordinator as facilitator: groups and
prioritises, closes the board, prints it and downloads the PDF. Manager: reads Falun's plan and
its status. Coordinator: the plan, goal and action forms. Demo accounts speak Swedish, so the
tests find things by ids and addresses, not by their texts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.db import db
from lms.orgs.models import OrgUnit, UnitKind
from lms.plans.municipal import MunicipalPlan
from lms.swot.models import SwotItem, SwotWorkshop
from tests.browser.conftest import LiveServer, assert_accessible, visit

pytestmark = pytest.mark.browser

TITLE = "SWOT-dag för webbläsartest"


def _falun(live_server: LiveServer) -> int:
    with live_server.app.app_context():
        found = db.session.scalar(
            select(OrgUnit.id).where(OrgUnit.kind == UnitKind.MUNICIPALITY, OrgUnit.name == "Falun")
        )
        assert found is not None
        return found


def _workshop_id(live_server: LiveServer, title: str) -> int:
    with live_server.app.app_context():
        found = db.session.scalar(select(SwotWorkshop.id).where(SwotWorkshop.title == title))
        assert found is not None, title
        return found


def _add_item(page: Page, text: str, quadrant: str, level: str, perspective: str) -> None:
    page.locator("#text").fill(text)
    page.locator("#quadrant").select_option(quadrant)
    page.locator("#level").select_option(level)
    page.locator("#perspective").select_option(perspective)
    page.locator("#add form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main")).to_contain_text(text)


def test_a_swot_day_from_creation_to_the_printed_board(
    signed_in_page: Callable[..., Page], live_server: LiveServer, tmp_path: Path
) -> None:
    falun = _falun(live_server)
    coordinator = signed_in_page("coordinator")
    visit(coordinator, "/swot/")
    assert_accessible(coordinator)
    coordinator.locator("a[href='/swot/new']").click()
    expect(coordinator.locator("#title")).to_have_count(1)
    assert_accessible(coordinator)
    # Refused first: no date. What was typed stays.
    coordinator.locator("#title").fill(TITLE)
    coordinator.locator("#municipality").select_option(str(falun))
    coordinator.locator("#preparation").fill("Fundera över **omvärld**, närvärld och invärld.")
    coordinator.locator("main form button[type=submit]").click()
    expect(coordinator.locator(".error-summary")).to_be_visible()
    expect(coordinator.locator("#held_on[aria-invalid=true]")).to_have_count(1)
    expect(coordinator.locator("#title")).to_have_value(TITLE)
    assert_accessible(coordinator)
    coordinator.locator("#held_on").fill("2030-04-16")
    coordinator.locator("main form button[type=submit]").click()
    expect(coordinator.locator("main h1")).to_have_text(TITLE)
    expect(coordinator.locator(".prose strong")).to_have_text("omvärld")
    assert_accessible(coordinator)
    workshop = _workshop_id(live_server, TITLE)

    learner = signed_in_page("learner")
    visit(learner, "/swot/")
    learner.locator(f"a[href='/swot/{workshop}']").click()
    expect(learner.locator("main h1")).to_have_text(TITLE)
    assert_accessible(learner)
    _add_item(learner, "Ojämn digital kompetens i gruppen", "weakness", "inner", "challenges")
    _add_item(
        learner, "Nyanlända som vill lära sig e-tjänster", "opportunity", "near", "target_groups"
    )
    assert_accessible(learner)
    with live_server.app.app_context():
        item = db.session.scalar(
            select(SwotItem).where(
                SwotItem.workshop_id == workshop,
                SwotItem.text == "Ojämn digital kompetens i gruppen",
            )
        )
        assert item is not None
        item_id = item.id
    learner.locator(f"#item-{item_id} form[action$='/vote'] button").click()
    expect(learner.locator(f"#item-{item_id} input[name=take_back]")).to_have_count(1)
    assert_accessible(learner)

    manager = signed_in_page("manager")
    visit(manager, f"/swot/{workshop}")
    _add_item(manager, "Budgeten minskar", "threat", "near", "challenges")

    # The facilitator groups and prioritises.
    visit(coordinator, f"/swot/{workshop}/organise")
    assert_accessible(coordinator)
    coordinator.locator("#new-group-weakness").fill("Digital kompetens")
    coordinator.locator("#q-weakness form[action$='/groups'] button").click()
    expect(coordinator.locator(".flash-success")).to_be_visible()
    quadrant = coordinator.locator("#q-weakness")
    quadrant.locator(f"#group-{item_id}").select_option(label="Digital kompetens")
    quadrant.locator(f"#priority-{item_id}").select_option("1")
    quadrant.locator(f"form[action='/swot/{workshop}/organise'] button").click()
    expect(coordinator.locator(".flash-success")).to_be_visible()
    expect(coordinator.locator(f"#priority-{item_id}")).to_have_value("1")
    assert_accessible(coordinator)
    visit(coordinator, f"/swot/{workshop}")
    coordinator.locator(f"form[action='/swot/{workshop}/status'] button").click()
    expect(coordinator.locator("form[action$='/items']")).to_have_count(0)
    expect(coordinator.locator("main")).to_contain_text("Digital kompetens")
    assert_accessible(coordinator)

    # A closed board takes no more items from the learner.
    visit(learner, f"/swot/{workshop}")
    expect(learner.locator("form[action$='/items']")).to_have_count(0)
    expect(learner.locator("form[action$='/vote']")).to_have_count(0)

    learner.locator(f"a[href='/swot/{workshop}/print']").click()
    expect(learner.locator("main")).to_contain_text("Ojämn digital kompetens i gruppen")
    assert_accessible(learner)
    learner.emulate_media(media="print")
    expect(learner.locator(".site-header")).to_be_hidden()
    learner.emulate_media(media="screen")
    with learner.expect_download() as download:
        learner.locator(f"a[href='/swot/{workshop}/board.pdf']").click()
    assert download.value.suggested_filename == f"swot-{workshop}.pdf"
    saved = tmp_path / "board.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")


def test_the_demo_board_reads_well(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    workshop = _workshop_id(live_server, "SWOT-dag i Falun")
    page = signed_in_page("learner")
    visit(page, f"/swot/{workshop}")
    expect(page.locator(".swot-quadrant")).to_have_count(4)
    assert_accessible(page)
    visit(page, f"/swot/{workshop}/print")
    assert_accessible(page)


def test_the_manager_reads_the_plan_and_the_coordinator_edits_it(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        plan = db.session.scalars(select(MunicipalPlan)).first()
        assert plan is not None
        plan_id = plan.id
        goal_id = plan.goals[0].id
        action_id = plan.goals[0].actions[0].id
    manager = signed_in_page("manager")
    visit(manager, "/municipal-plans/")
    assert_accessible(manager)
    manager.locator(f"a[href='/municipal-plans/{plan_id}']").click()
    expect(manager.locator("main h1")).to_have_count(1)
    expect(manager.locator(".figures")).to_contain_text("Pågår")  # in progress, in Swedish
    expect(manager.locator(f"a[href='/municipal-plans/{plan_id}/edit']")).to_have_count(0)
    assert_accessible(manager)

    coordinator = signed_in_page("coordinator")
    visit(coordinator, f"/municipal-plans/{plan_id}")
    assert_accessible(coordinator)
    visit(coordinator, f"/municipal-plans/{plan_id}/edit")
    assert_accessible(coordinator)
    visit(coordinator, f"/municipal-plans/{plan_id}/goals/{goal_id}/edit")
    assert_accessible(coordinator)
    visit(coordinator, f"/municipal-plans/{plan_id}/actions/{action_id}/edit")
    assert_accessible(coordinator)
    # A new action for the first goal, due before it starts: refused, then saved.
    visit(coordinator, f"/municipal-plans/{plan_id}/goals/{goal_id}/actions/new")
    assert_accessible(coordinator)
    coordinator.locator("#title").fill("Studiebesök på Dokk1")
    coordinator.locator("#starts_on").fill("2013-05-01")
    coordinator.locator("#due_on").fill("2013-04-01")
    coordinator.locator("#responsible").select_option(index=1)
    coordinator.locator("main form button[type=submit]").click()
    expect(coordinator.locator("#due_on[aria-invalid=true]")).to_have_count(1)
    assert_accessible(coordinator)
    coordinator.locator("#due_on").fill("2013-05-31")
    coordinator.locator("main form button[type=submit]").click()
    expect(coordinator.locator(".flash-success")).to_be_visible()
    expect(coordinator.locator("main")).to_contain_text("Studiebesök på Dokk1")
    visit(coordinator, "/municipal-plans/new")
    assert_accessible(coordinator)


def test_the_board_works_without_javascript(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    workshop = _workshop_id(live_server, "SWOT-dag i Falun")
    page = signed_in_page("learner", java_script_enabled=False)  # the demo left them 3 dots
    visit(page, f"/swot/{workshop}")
    _add_item(
        page, "Utan skript: lånecykel för surfplattor", "opportunity", "inner", "opportunities"
    )
    with live_server.app.app_context():
        item = db.session.scalar(
            select(SwotItem).where(SwotItem.text == "Utan skript: lånecykel för surfplattor")
        )
        assert item is not None
        item_id = item.id
    page.locator(f"#item-{item_id} form[action$='/vote'] button").click()
    expect(page.locator(f"#item-{item_id} input[name=take_back]")).to_have_count(1)
    page.locator(f"#item-{item_id} a[href$='/edit']").click()
    page.locator("#text").fill("Utan skript: surfplattor att låna hem")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(f"#item-{item_id}")).to_contain_text("surfplattor att låna hem")
    page.locator(f"#item-{item_id} form[action$='/delete'] button").click()
    expect(page.locator(f"#item-{item_id}")).to_have_count(0)
    # (axe needs JavaScript: this page is checked with it on in the tests above.)
