"""Competence mapping in a real browser, axe-checked on every page the paths pass through.

Learner: "My competence mapping", the open autumn self-assessment (saved half done, then
submitted), their change over time and their own gaps. Manager: their staff in the round and a
validated rating. Coordinator: the rounds, the response rate per unit, reminders, the heatmap
and the form for a new round. Evaluator: the region's heatmap with its small cells hidden.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.db import db
from lms.mapping.models import MappingRound
from lms.orgs.models import OrgUnit, Programme, UnitKind
from tests.browser.conftest import LiveServer, assert_accessible, visit

pytestmark = pytest.mark.browser


def _ids(live_server: LiveServer) -> dict[str, int]:
    with live_server.app.app_context():
        autumn = db.session.scalar(
            select(MappingRound.id).where(MappingRound.name == "Autumn 2026 mapping")
        )
        dalarna = db.session.scalar(
            select(OrgUnit.id).where(OrgUnit.kind == UnitKind.REGION, OrgUnit.name == "Dalarna")
        )
        programme = db.session.scalar(select(Programme.id).order_by(Programme.id))
    assert autumn is not None
    assert dalarna is not None
    assert programme is not None
    return {"autumn": autumn, "dalarna": dalarna, "programme": programme}


def test_learner_saves_then_submits_a_self_assessment(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("learner")
    visit(page, "/mapping/")
    assert_accessible(page)
    page.locator(f"a[href='/mapping/rounds/{ids['autumn']}/answer']").first.click()
    expect(page.locator("fieldset.levels").first).to_be_visible()
    assert_accessible(page)
    groups = page.locator("fieldset.levels")
    count = groups.count()
    assert count >= 10
    # Half done: save and come back.
    groups.nth(0).locator("input[type=radio]").nth(1).check()
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(groups.nth(0).locator("input[type=radio]").nth(1)).to_be_checked()
    # Submitting with the rest unanswered: refused, the summary links to the first gap.
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    for i in range(count):
        radios = groups.nth(i).locator("input[type=radio]")
        # The last competence: "don't know"; the others a level.
        (radios.last if i == count - 1 else radios.nth(2)).check()
    page.locator("button[name=action][value=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert page.url.endswith("/mapping/")
    visit(page, "/mapping/history")
    expect(page.locator("main table").first).to_be_visible()
    assert_accessible(page)
    page.goto("/mapping/")
    page.locator("a[href^='/mapping/gaps/people/']").click()
    expect(page.locator("#ranked")).to_be_visible()
    assert_accessible(page)


def test_manager_rates_a_member_of_staff(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("manager")
    visit(page, f"/mapping/rounds/{ids['autumn']}/team")
    assert_accessible(page)
    page.locator(f"main table a[href^='/mapping/rounds/{ids['autumn']}/people/']").first.click()
    expect(page.locator("fieldset.levels").first).to_be_visible()
    assert_accessible(page)
    page.locator("fieldset.levels").first.locator("input[type=radio]").nth(2).check()
    page.locator("main form button.primary").click()
    expect(page.locator(".flash-success")).to_be_visible()
    visit(page, "/mapping/gaps")
    assert_accessible(page)


def test_coordinator_watches_the_response_rate_and_opens_the_heatmap(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("coordinator")
    visit(page, "/mapping/rounds")
    assert_accessible(page)
    page.locator(f"a[href='/mapping/rounds/{ids['autumn']}']").click()
    expect(page.locator("main table")).to_contain_text("Falu stadsbibliotek")
    assert_accessible(page)
    page.locator(f"form[action='/mapping/rounds/{ids['autumn']}/remind'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    visit(page, f"/mapping/gaps/units/{ids['dalarna']}")
    expect(page.locator("table.heatmap")).to_be_visible()
    expect(page.locator("figure.gap-chart svg")).to_have_count(2)  # per competence, per unit
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("a[href*='export.xlsx'][href*='table=heatmap']").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    visit(page, f"/mapping/gaps/programmes/{ids['programme']}")
    assert_accessible(page)
    visit(page, "/mapping/rounds/new")
    assert_accessible(page)
    page.locator("#name").fill("Winter mapping")
    page.locator("main form button.primary").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Winter mapping")
    assert_accessible(page)


def test_evaluator_sees_small_cells_hidden(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    ids = _ids(live_server)
    page = signed_in_page("evaluator")
    visit(page, f"/mapping/gaps/units/{ids['dalarna']}")
    expect(page.locator("table.heatmap td.heat-suppressed").first).to_be_visible()
    expect(page.locator("#aggregates-only")).to_be_visible()
    assert_accessible(page)
    visit(page, f"/mapping/gaps/programmes/{ids['programme']}")
    assert_accessible(page)
