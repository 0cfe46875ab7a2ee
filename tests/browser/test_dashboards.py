"""The dashboards in a real browser, one role each, axe-checked: the page renders with the
demo data, a filter works, and a table downloads with the right content type."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit

pytestmark = pytest.mark.browser

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _downloads(page: Page, table: str, fmt: str, content_type: str) -> str:
    """Clicking the table's download link gets a file; the server names its type correctly."""
    link = page.locator(f"section[aria-labelledby=h-{table}] p.exports a[href*='.{fmt}']")
    expect(link).to_have_count(1)
    href = link.get_attribute("href") or ""
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(href.rsplit(".", 1)[1].split("?")[0])
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"] == content_type
    body = response.body()
    if content_type == CSV:
        assert body.startswith(b"\xef\xbb\xbf")
    else:
        assert body.startswith(b"PK")  # a zip: what an XLSX file is
    return href


def test_learner_sees_their_next_step_and_downloads_assignments(
    signed_in_page: Callable[..., Page],
) -> None:
    page = signed_in_page("learner")
    page.locator("main a[href='/reports/me']").first.click()
    expect(page.locator("#h-next")).to_have_count(1)
    assert_accessible(page)
    expect(page.locator("section.next-step a").first).to_be_visible()
    expect(
        page.locator("#h-assignments + p.exports, #h-assignments ~ .table-wrap")
    ).not_to_have_count(0)
    _downloads(page, "assignments", "csv", CSV)


def test_manager_filters_by_track_and_downloads_the_team(
    signed_in_page: Callable[..., Page],
) -> None:
    page = signed_in_page("manager")
    page.locator("main a[href='/reports/team']").first.click()
    expect(page.locator("main h1")).to_have_count(1)
    expect(page.locator("figure.chart svg[role=img]")).to_have_count(1)
    expect(page.locator("#h-people")).to_have_count(1)
    assert_accessible(page)
    rows_before = page.locator("section[aria-labelledby=h-tracks] tbody tr").count()
    assert rows_before >= 2
    track = page.locator("#track option").nth(1).get_attribute("value")
    page.locator("#track").select_option(track)
    page.locator("main form.filters button[type=submit]").click()
    expect(page).to_have_url(f"/reports/team?unit=&track={track}")
    expect(page.locator("section[aria-labelledby=h-tracks] tbody tr")).to_have_count(1)
    assert_accessible(page)
    _downloads(page, "people", "xlsx", XLSX)
    assert (
        page.locator("section[aria-labelledby=h-people] a[href*='.xlsx']").get_attribute("href")
        == f"/reports/team/people.xlsx?track={track}"
    )


def test_coordinator_drills_down_filters_and_downloads(
    signed_in_page: Callable[..., Page],
) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/reports/programme")
    expect(page.locator("section[aria-labelledby=h-units] tbody tr")).not_to_have_count(0)
    expect(page.locator("figure.chart svg[role=img]")).not_to_have_count(0)
    assert_accessible(page)
    # Down one level: a municipality's libraries.
    page.locator("section[aria-labelledby=h-units] tbody th a").first.click()
    expect(page.locator(".breadcrumb [aria-current=page]")).to_have_count(1)
    assert_accessible(page)
    # A date range the wrong way round: the form again with its message, input kept.
    visit(page, "/reports/programme")
    page.locator("#start").fill("2026-05-01")
    page.locator("#end").fill("2026-04-01")
    page.locator("main form.filters button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#end[aria-invalid=true]")).to_have_count(1)
    expect(page.locator("#start")).to_have_value("2026-05-01")
    assert_accessible(page)
    # A phase: the programme's first phase is long past, so nobody took part then.
    visit(page, "/reports/programme")
    phase = page.locator("#phase option").nth(1).get_attribute("value")
    page.locator("#phase").select_option(phase)
    page.locator("main form.filters button[type=submit]").click()
    expect(page.locator(".breadcrumb")).to_have_count(1)
    assert f"phase={phase}" in page.url
    assert f"phase={phase}" in _downloads(page, "units", "csv", CSV)


def test_evaluator_sees_anonymised_figures_and_downloads_them(
    signed_in_page: Callable[..., Page],
) -> None:
    page = signed_in_page("evaluator")
    page.locator("main a[href='/reports/evaluation']").first.click()
    expect(page.locator("section[aria-labelledby=h-units] tbody tr")).to_have_count(6)
    expect(page.locator("section[aria-labelledby=h-units] .hidden-cell")).not_to_have_count(0)
    assert "Lisa Lärande" not in page.content()
    assert_accessible(page)
    page.locator("#start").fill("2026-01-01")
    page.locator("main form.filters button[type=submit]").click()
    expect(page.locator("#start")).to_have_value("2026-01-01")
    expect(page.locator("section[aria-labelledby=h-units] tbody tr")).to_have_count(6)
    assert_accessible(page)
    assert "start=2026-01-01" in _downloads(page, "units", "xlsx", XLSX)
