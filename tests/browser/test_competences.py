"""Competence frameworks in a real browser, axe-checked on every page they pass through.

Coordinator: builds a framework (areas, a competence, the scale, a target level, a content
tag), imports a CSV with errors and sees every message, then a good one. Learner: reads the
demo framework, a competence with its levels, targets and content, and filters the catalogue.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.competences.demo import SLUG
from lms.competences.models import Framework, Node
from lms.db import db
from tests.browser.conftest import LiveServer, assert_accessible, visit

pytestmark = pytest.mark.browser


def _demo(live_server: LiveServer) -> tuple[int, dict[str, int]]:
    with live_server.app.app_context():
        fw = db.session.scalars(select(Framework).where(Framework.slug == SLUG)).one()
        codes = {
            n.code: n.id for n in db.session.scalars(select(Node).where(Node.framework_id == fw.id))
        }
        return fw.id, codes


def test_coordinator_builds_a_framework_and_imports_a_csv(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = signed_in_page("coordinator")
    visit(page, "/competences/")
    assert_accessible(page)
    page.locator("a[href='/competences/new']").click()
    assert_accessible(page)
    slug = f"browser-{uuid.uuid4().hex[:8]}"
    # A bad short name is refused and what was typed stays.
    page.locator("#slug").fill("Not a slug")
    page.locator("#name_sv").fill("Webbläsarens ramverk")
    page.locator("#fallback_locale").select_option("sv")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#name_sv")).to_have_value("Webbläsarens ramverk")
    assert_accessible(page)
    page.locator("#slug").fill(slug)
    page.locator("#name_en").fill("Browser framework")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    # The demo coordinator reads Swedish: the Swedish name is shown.
    expect(page.locator("main h1")).to_have_text("Webbläsarens ramverk")
    framework_url = page.url
    assert_accessible(page)

    # An area, then a competence in it.
    page.locator("main a[href$='/nodes/new?kind=area']").click()
    page.locator("#code").fill("1")
    page.locator("#name_en").fill("Reading the room")
    page.locator("#name_sv").fill("Läsa av rummet")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert_accessible(page)
    page.locator("main a.button[href*='kind=competence']").click()
    assert_accessible(page)
    page.locator("#code").fill("1.1")
    page.locator("#name_en").fill("Listening to patrons")
    page.locator("#description_en").fill("Hears what the patron asks for.")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("1.1 Listening to patrons")  # no Swedish name
    # A target level for librarians, and a course that builds the competence.
    page.locator("#job_title").select_option("librarian")
    page.locator("#min_level").select_option("2")
    page.locator("#max_level").select_option("3")
    page.locator("form[action$='/targets'] button[type=submit]").click()
    expect(page.locator("#targets tbody tr")).to_have_count(1)
    expect(page.locator("#targets tbody")).to_contain_text("2")
    page.locator("#target").select_option(index=0)
    page.locator("form[action$='/links'] button[type=submit]").click()
    expect(page.locator("#content li")).to_have_count(1)
    assert_accessible(page)

    # The scale: a descriptor in Danish, and a refused edit (two defaults are impossible with
    # radio buttons, so: no proficient level) shown again.
    page.goto(framework_url)
    page.locator("main a[href$='/scale']").click()
    assert_accessible(page)
    page.locator("#descriptor_da-0").fill("Kan det mest grundlæggende.")
    for n in range(4):
        page.locator(f"#proficient-{n}").uncheck()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary li")).to_have_count(1)
    expect(page.locator("#descriptor_da-0")).to_have_value("Kan det mest grundlæggende.")
    assert_accessible(page)
    page.locator("#proficient-3").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()

    # A CSV with a missing parent and a cycle: every problem named, nothing changed.
    page.locator("main a[href$='/import']").click()
    assert_accessible(page)
    bad = (
        "id,parent_id,kind,name_en\n"
        "a,,area,Area\n"
        "b,nowhere,competence,Orphan\n"
        "c,d,competence,Loop one\n"
        "d,c,competence,Loop two\n"
    )
    page.set_input_files(
        "#file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.locator("main form button[type=submit]").click()
    summary = page.locator("#import-errors")
    # One message for the missing parent, one for each row of the cycle, each naming its row.
    expect(summary.locator("li")).to_have_count(3)
    expect(summary).to_contain_text("nowhere")
    for row in ("3", "4", "5"):
        expect(summary).to_contain_text(f" {row}:")
    assert_accessible(page)
    page.goto(framework_url)
    expect(page.locator(".tree")).to_contain_text("Listening to patrons")
    good = (
        "id,parent_id,kind,name_en,name_sv\n"
        "x,,area,Imported area,Importerat område\n"
        "y,x,competence,Imported competence,Importerad kompetens\n"
    )
    page.locator("main a[href$='/import']").click()
    page.set_input_files(
        "#file", files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_contain_text("2")
    expect(page.locator(".tree")).to_contain_text("Importerad kompetens")
    expect(page.locator(".tree")).not_to_contain_text("Listening to patrons")
    assert_accessible(page)
    visit(page, "/competences/import")
    assert_accessible(page)


def test_learner_reads_the_demo_framework(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    fw_id, codes = _demo(live_server)
    page = signed_in_page("learner")
    visit(page, "/competences/")
    expect(page.locator("main")).to_contain_text("DigComp 2.2, JRC, CC BY 4.0")
    assert_accessible(page)
    page.locator(f"a[href='/competences/{fw_id}']").first.click()
    expect(page.locator(".tree > li")).to_have_count(7)
    expect(page.locator("a[href$='/edit']")).to_have_count(0)
    assert_accessible(page)
    page.locator(f"a[href='/competences/{fw_id}/nodes/{codes['6.1']}']").click()
    expect(page.locator("#targets table")).to_be_visible()
    expect(page.locator("#content a")).not_to_have_count(0)
    expect(page.locator("form[action$='/targets']")).to_have_count(0)
    assert_accessible(page)
    # The catalogue filters by a competence that courses build.
    visit(page, f"/courses?competence={codes['7.1']}")
    expect(page.locator("#competence")).to_have_value(str(codes["7.1"]))
    expect(page.locator("a[href='/courses/digital-leadership']")).to_have_count(1)
    expect(page.locator("a[href='/courses/digital-mediation']")).to_have_count(0)
    assert_accessible(page)


def test_coordinator_pages_of_the_demo_framework_are_accessible(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    fw_id, codes = _demo(live_server)
    page = signed_in_page("coordinator")
    for path in (
        f"/competences/{fw_id}",
        f"/competences/{fw_id}/edit",
        f"/competences/{fw_id}/nodes/{codes['6']}",
        f"/competences/{fw_id}/nodes/{codes['6.1']}",
        f"/competences/{fw_id}/nodes/{codes['6.1']}/edit",
        f"/competences/{fw_id}/scale",
        f"/competences/{fw_id}/targets?job_title=manager",
    ):
        visit(page, path)
        assert_accessible(page)
    # The general targets and Dalarna's own override can be removed by Dalarna's coordinator.
    visit(page, f"/competences/{fw_id}/nodes/{codes['6.1']}")
    expect(page.locator("#targets form[action$='/delete']")).not_to_have_count(0)


def test_coordinator_sets_a_municipality_override_in_the_bulk_editor(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    fw_id, codes = _demo(live_server)
    page = signed_in_page("coordinator")
    visit(page, f"/competences/{fw_id}/targets")
    page.locator("#job_title").select_option("library_assistant")
    page.locator("#unit_id").select_option(index=1)
    page.locator("main form[method=get] button[type=submit]").click()
    assert_accessible(page)
    # An upside-down range is refused on its row, the other rows keep what was chosen.
    page.locator(f"#min-{codes['2.2']}").select_option("3")
    page.locator(f"#max-{codes['2.2']}").select_option("2")
    page.locator(f"#min-{codes['2.1']}").select_option("4")
    page.locator("main form[method=post] button.primary").click()
    expect(page.locator(f"#max-{codes['2.2']}-error")).to_be_visible()
    expect(page.locator(f"#min-{codes['2.1']}")).to_have_value("4")
    assert_accessible(page)
    page.locator(f"#max-{codes['2.2']}").select_option("3")
    page.locator("main form[method=post] button.primary").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f"#min-{codes['2.2']}")).to_have_value("3")
