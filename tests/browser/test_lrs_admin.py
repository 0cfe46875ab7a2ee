"""The LRS admin pages in a real browser, axe-checked: an administrator adds a client (its
secret shown once), revokes it, and adds a forwarding target."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, visit

pytestmark = pytest.mark.browser


def test_admin_manages_lrs_clients_and_forwarding(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("admin")
    visit(page, "/admin/lrs/")
    assert_accessible(page)
    page.locator("a[href='/admin/lrs/clients/new']").click()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()  # no name, no permission
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#name").fill("Kursspelaren")
    page.locator("input[name=scopes][value='statements/write']").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#client-secret")).to_have_count(1)
    key = page.locator("#client-key").inner_text()
    assert_accessible(page)
    row = page.locator("tr", has_text=key)
    row.locator("form button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("tr", has_text=key).locator("form")).to_have_count(0)
    page.locator("a[href='/admin/lrs/forwards/new']").click()
    assert_accessible(page)
    page.locator("#name").fill("Nationell LRS")
    page.locator("#endpoint").fill("https://lrs.example/xapi/")
    page.locator("#username").fill("librarena")
    page.locator("#password").fill("hemligt")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("tr", has_text="Nationell LRS")).to_have_count(1)
    assert_accessible(page)
