"""What people do in the browser: switch language, sign in and out, use a phone, go without JS."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from lms.demo import DEMO_PASSWORD
from tests.browser.conftest import ROLES, demo_email, sign_in, sign_out, visit

pytestmark = pytest.mark.browser

LANGUAGES = ("sv", "nb", "da", "en")
PHONE = {"width": 375, "height": 740}


def switch_language(page: Page, code: str) -> None:
    """Choose ``code`` in the header's language form and send it, as a person would."""
    page.locator("form.lang select").select_option(code)
    page.locator("form.lang button[type=submit]").click()


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def assert_fits_the_phone(page: Page) -> None:
    """Nothing scrolls sideways on a page opened at the width of a small phone."""
    # A phone browser widens the layout viewport (and zooms out) when content does not fit.
    inner = page.evaluate("window.innerWidth")
    assert inner == PHONE["width"], f"the page is {inner} px wide on a {PHONE['width']} px phone"
    widths = page.evaluate(
        "({scroll: document.scrollingElement.scrollWidth,"
        " client: document.scrollingElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["client"], f"scrolls sideways on a phone: {widths}"


def test_language_switch_sets_html_lang_and_stays_on_the_page(page: Page) -> None:
    visit(page, "/password/forgot")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")  # what the browser asks for
    for code in LANGUAGES:
        switch_language(page, code)
        expect(html).to_have_attribute("lang", code)
        expect(page.locator("form.lang select")).to_have_value(code)
        assert path_of(page) == "/password/forgot"


@pytest.mark.usefixtures("restore_locales")
def test_language_choice_persists_across_pages_and_after_sign_out(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    html = page.locator("html")
    sign_in(page, "evaluator")
    expect(html).to_have_attribute("lang", "sv")  # the language saved on the account
    switch_language(page, "nb")
    expect(html).to_have_attribute("lang", "nb")
    for path in ("/profile", "/", "/profile/password"):
        visit(page, path)
        expect(html).to_have_attribute("lang", "nb")
    sign_out(page)
    assert path_of(page) == "/login"
    expect(html).to_have_attribute("lang", "nb")
    visit(page, "/password/forgot")
    expect(html).to_have_attribute("lang", "nb")
    # Saved on the account too: a new browser speaks it as soon as the person signs in.
    other = new_context().new_page()
    other.goto("/login")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    sign_in(other, "evaluator")
    expect(other.locator("html")).to_have_attribute("lang", "nb")


def test_a_form_without_its_csrf_token_is_refused(page: Page) -> None:
    # The browser suite runs with the production settings: CSRF protection is on.
    page.goto("/login")
    page.locator("main form input[name=csrf_token]").evaluate("el => el.remove()")
    page.locator("#email").fill(demo_email("learner"))
    page.locator("#password").fill(DEMO_PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()
    assert posted.value.status == 400
    expect(page.locator("form[action$='/logout']")).to_have_count(0)


def test_sign_out_ends_the_session(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("learner")
    sign_out(page)
    assert path_of(page) == "/login"
    expect(page.locator(".flash-success")).to_be_visible()
    for path in ("/", "/profile"):
        page.goto(path)
        assert path_of(page) == "/login", f"{path} was open after signing out"
        expect(page.locator("form[action$='/logout']")).to_have_count(0)


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(page: Page) -> None:
    page.goto("/login")
    page.locator("#email").fill(demo_email("learner"))
    page.locator("#password").fill("not the password")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()
    assert posted.value.status == 422
    summary = page.locator(".error-summary[role=alert]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("password is wrong")
    expect(page.locator("#email")).to_have_value(demo_email("learner"))
    expect(page.locator("#password")).to_have_value("")
    expect(page.locator("form[action$='/logout']")).to_have_count(0)
    assert path_of(page) == "/login"


@pytest.mark.parametrize("role", ROLES)
def test_phone_width_has_no_horizontal_scrolling(
    signed_in_page: Callable[..., Page], role: str
) -> None:
    page = signed_in_page(role, viewport=PHONE, is_mobile=True)
    assert path_of(page) == "/"
    assert_fits_the_phone(page)


def test_phone_width_sign_in_page_has_no_horizontal_scrolling(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True).new_page()
    visit(page, "/login")
    assert_fits_the_phone(page)


@pytest.mark.usefixtures("restore_locales")
def test_works_without_javascript(new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "coordinator")
    expect(page.locator("h1")).to_contain_text("Cecilia Lindgren")
    switch_language(page, "da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    switch_language(page, "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    sign_out(page)
    assert path_of(page) == "/login"
