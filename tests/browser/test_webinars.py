"""The webinar paths in a real browser, axe-checked on every page they pass through.

Learner: the list, a session page, registering, the calendar download, giving the place up.
Coordinator: a series page, the session form (a refused time shown again), registrations.
Manager: a session page with their staff.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from content.webinars.models import EventSeries, EventSession
from lms.db import db
from tests.browser.conftest import LiveServer, assert_accessible, visit

pytestmark = pytest.mark.browser


def _sessions(live_server: LiveServer, title: str) -> list[int]:
    with live_server.app.app_context():
        series = db.session.scalars(select(EventSeries).where(EventSeries.title == title)).one()
        ids = [ev.id for ev in series.sessions]
        return ids


def test_learner_registers_downloads_and_gives_up_the_place(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("learner")
    visit(page, "/events")
    assert_accessible(page)
    second = _sessions(live_server, "Webbinarieserie: Digitalt ledarskap")[1]
    page.locator(f"a[href='/events/{second}']").click()
    expect(page.locator("main h1")).to_have_count(1)
    assert_accessible(page)
    page.locator(f"form[action='/events/{second}/register'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"form[action='/events/{second}/unregister']")).to_have_count(1)
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator(f"a[href='/events/{second}/calendar.ics']").click()
    assert download.value.suggested_filename == f"session-{second}.ics"
    page.locator(f"form[action='/events/{second}/unregister'] button").click()
    expect(page.locator(f"form[action='/events/{second}/register']")).to_have_count(1)
    visit(page, "/events/month")
    assert_accessible(page)
    visit(page, "/events/calendar")
    page.locator("form[action='/events/calendar/renew'] button").click()
    expect(page.locator("#feed-url")).to_have_count(1)
    assert_accessible(page)


def test_coordinator_plans_and_sees_registrations(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("coordinator")
    with live_server.app.app_context():
        series = db.session.scalars(select(EventSeries).order_by(EventSeries.id)).first()
        assert series is not None
        series_id, session_id = series.id, series.sessions[0].id
    visit(page, f"/events/manage/{series_id}")
    assert_accessible(page)
    visit(page, f"/events/manage/{series_id}/sessions/new")
    assert_accessible(page)
    page.locator("#title").fill("Extra")
    page.locator("#date").fill("2027-03-28")
    page.locator("#starts").fill("02:30")
    page.locator("#ends").fill("04:00")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#starts[aria-invalid=true]")).to_have_count(1)
    expect(page.locator("#title")).to_have_value("Extra")
    assert_accessible(page)
    visit(page, f"/events/manage/sessions/{session_id}")
    assert_accessible(page)
    visit(page, f"/events/manage/sessions/{session_id}/edit")
    assert_accessible(page)
    visit(page, f"/events/manage/{series_id}/edit")
    assert_accessible(page)


def test_manager_sees_the_staff_form(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("manager")
    with live_server.app.app_context():
        ev = db.session.scalars(select(EventSession).order_by(EventSession.id)).first()
        assert ev is not None
        session_id = ev.id
    visit(page, f"/events/{session_id}")
    expect(page.locator("#staff")).to_have_count(1)
    assert_accessible(page)


def test_coordinator_creates_plans_cancels_and_exports(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/events/manage/new")
    page.locator("#title").fill("Kursdag: Läsfrämjande i praktiken")
    page.locator("#description").fill("En dag med **övningar**.")
    page.locator("#owner_unit").select_option(index=1)  # the coordinator's own region
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("Kursdag: Läsfrämjande i praktiken")
    assert_accessible(page)
    page.locator("a[href$='/sessions/new']").click()
    page.locator("#title").fill("Kursdag i Falun")
    page.locator("#date").fill("2030-03-13")
    page.locator("#starts").fill("09:00")
    page.locator("#ends").fill("16:00")
    page.locator("#capacity").fill("20")
    page.locator("#kind").select_option("on_site")
    page.locator("#address").fill("Kristinegatan 15, Falun")
    page.locator("main form button[type=submit]").click()
    row = page.locator("tr", has_text="Kursdag i Falun")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("09:00")
    assert_accessible(page)
    row.locator("a").click()
    assert_accessible(page)
    with page.expect_download() as download:
        page.locator("a[href$='/attendance.csv']").click()
    assert download.value.suggested_filename.endswith(".csv")
    page.locator("form[action$='/cancel'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)


def test_manager_registers_staff(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("manager")
    third = _sessions(live_server, "Webbinarieserie: Digital förmedling")[2]
    visit(page, f"/events/{third}")
    form = page.locator(f"form[action='/events/{third}/staff']")
    first_box = form.locator("input[type=checkbox]").first
    name = form.locator(f"label[for='{first_box.get_attribute('id')}']").inner_text()
    first_box.check()
    form.locator("button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main table").first).to_contain_text(name)
    assert_accessible(page)
