"""Librarena with the keyboard alone: skip link, visible focus, and signing in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from lms.demo import DEMO_PASSWORD
from tests.browser.conftest import demo_email

pytestmark = pytest.mark.browser

_FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.textContent || "").trim().slice(0, 40),
    outlineStyle: style.outlineStyle,
    outlineWidth: style.outlineWidth,
  };
}"""


def _focused(page: Page) -> dict[str, Any]:
    info: dict[str, Any] = page.evaluate(_FOCUSED)
    return info


@pytest.mark.parametrize("who", ["signed-out", "admin"])
def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(
    page: Page, signed_in_page: Callable[..., Page], who: str
) -> None:
    if who == "signed-out":
        page.goto("/login")
    else:
        page = signed_in_page(who)
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()  # hidden until it has focus
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_focus_is_visible_on_every_link_and_button(signed_in_page: Callable[..., Page]) -> None:
    page = signed_in_page("admin")  # the most links: every nav item, and sign-out
    seen: list[dict[str, Any]] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        info = _focused(page)
        if info["tag"] == "body" or (seen and info == seen[0]):
            break  # left the page, or went round
        seen.append(info)
    controls = [i for i in seen if i["tag"] in ("a", "button")]
    assert sum(i["tag"] == "a" for i in controls) >= 3, seen
    assert sum(i["tag"] == "button" for i in controls) >= 2, seen  # language and sign-out
    invisible = [
        i for i in controls if i["outlineStyle"] == "none" or i["outlineWidth"] in ("0px", "")
    ]
    assert not invisible, f"no visible focus outline on: {invisible}"


def test_sign_in_with_the_keyboard_only(page: Page) -> None:
    page.goto("/login")
    for _ in range(15):
        page.keyboard.press("Tab")
        if _focused(page)["id"] == "email":
            break
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type(demo_email("manager"))
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Magnus Ek")  # the welcome on home
    expect(page.locator("form[action$='/logout']")).to_have_count(1)
