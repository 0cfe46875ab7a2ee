"""axe-core on every page Librarena serves: no serious or critical violation anywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ROLES, LiveServer, assert_accessible, demo_email, visit

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class AppPage:
    """A page of the orgs or users packages, and the demo role that looks at it."""

    path: str  # may name {region_id}, {programme_id} or {user_id} of the demo
    role: str


#: One line per page of the orgs and users packages.
ORG_AND_USER_PAGES = (
    AppPage("/orgs/", "admin"),
    AppPage("/orgs/{region_id}", "coordinator"),
    AppPage("/orgs/new", "admin"),
    AppPage("/team", "manager"),
    AppPage("/programmes", "learner"),
    AppPage("/programmes/{programme_id}", "coordinator"),
    AppPage("/programmes/new", "admin"),
    AppPage("/admin/users/", "admin"),
    AppPage("/admin/users/new", "admin"),
    AppPage("/admin/users/{user_id}", "admin"),
    # webinars and course days (pages about one session: tests/browser/test_webinars.py)
    AppPage("/events", "learner"),
    AppPage("/events/month", "learner"),
    AppPage("/events/calendar", "learner"),
    AppPage("/events/manage/", "coordinator"),
    AppPage("/events/manage/new", "coordinator"),
)

#: Pages that must be routed: a missing one fails its test instead of going untested.
REQUIRED_ENDPOINTS = frozenset(
    {
        "/orgs/",
        "/orgs/{region_id}",
        "/orgs/new",
        "/team",
        "/programmes",
        "/programmes/{programme_id}",
        "/programmes/new",
        "/admin/users/",
        "/admin/users/new",
        "/admin/users/{user_id}",
    }
)


def test_required_endpoints_are_all_in_the_page_list() -> None:
    listed = {p.path for p in ORG_AND_USER_PAGES}
    assert not REQUIRED_ENDPOINTS - listed, (
        f"required but not listed: {REQUIRED_ENDPOINTS - listed}"
    )


def test_sign_in_page(page: Page) -> None:
    visit(page, "/login")
    assert_accessible(page)


def test_sign_in_page_showing_errors(page: Page) -> None:
    page.goto("/login")
    page.locator("#email").fill(demo_email("coordinator"))
    page.locator("#password").fill("not the password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)


def test_sign_in_page_with_field_errors(page: Page) -> None:
    page.goto("/login")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#email[aria-invalid=true]")).to_have_count(1)
    assert_accessible(page)


def test_forgot_password_page(page: Page) -> None:
    visit(page, "/password/forgot")
    assert_accessible(page)


@pytest.mark.parametrize("role", ROLES)
def test_home_page(signed_in_page: Callable[..., Page], role: str) -> None:
    page = signed_in_page(role)
    assert page.url.endswith("/")
    assert_accessible(page)


def test_profile_page(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("learner")
    visit(page, "/profile")
    assert_accessible(page)


def test_change_password_page(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("learner")
    visit(page, "/profile/password")
    assert_accessible(page)


def test_not_found_page(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("admin")
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert_accessible(page)


def test_not_found_page_signed_out(page: Page) -> None:
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert_accessible(page)


@pytest.mark.parametrize("target", ORG_AND_USER_PAGES, ids=lambda p: f"{p.path}-as-{p.role}")
def test_org_and_user_page(
    signed_in_page: Callable[..., Page], live_server: LiveServer, target: AppPage
) -> None:
    path = target.path.format(**live_server.ids)
    assert live_server.routes(path), f"{path} ({target.path}) is listed but no view is routed there"
    page = signed_in_page(target.role)
    visit(page, path)
    assert_accessible(page)
