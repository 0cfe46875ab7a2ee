"""The content server in a real browser: authoring, the learner's path, certificates; axe on each.

The demo loads the pilot courses, so the catalogue and the authoring pages have real content.
The learner's path runs on a small course made for the test, so it can be finished quickly.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from content.certificates.models import Certificate
from content.courses import services
from content.courses.models import Course, ItemKind
from content.quizzes.models import QuestionKind
from lms.db import db
from tests.browser.conftest import LiveServer, assert_accessible, visit

pytestmark = pytest.mark.browser

_SERIAL = itertools.count(1)


@dataclass(frozen=True)
class ContentPage:
    path: str  # may name {course_id}, {module_id}, {quiz_id} or {certificate} of the demo
    role: str


#: One line per page of the content server.
CONTENT_PAGES = (
    ContentPage("/courses", "learner"),
    ContentPage("/courses?language=sv&length=240", "learner"),
    ContentPage("/courses/digital-mediation", "learner"),
    ContentPage("/team/courses", "manager"),
    ContentPage("/author/courses/", "coordinator"),
    ContentPage("/author/courses/new", "coordinator"),
    ContentPage("/author/courses/{course_id}", "coordinator"),
    ContentPage("/author/courses/{course_id}/edit", "coordinator"),
    ContentPage("/author/courses/{course_id}/preview", "coordinator"),
    ContentPage("/author/courses/{course_id}/preview?item={quiz_id}", "coordinator"),
    ContentPage("/author/courses/{course_id}/modules/new", "coordinator"),
    ContentPage("/author/modules/{module_id}/edit", "coordinator"),
    ContentPage("/author/modules/{module_id}/items/new?kind=lesson", "coordinator"),
    ContentPage("/author/items/{quiz_id}/edit", "coordinator"),
    ContentPage("/author/items/{quiz_id}/questions/new", "coordinator"),
    ContentPage("/author/items/{lesson_id}/edit", "coordinator"),
    ContentPage("/author/questions/{question_id}/edit", "coordinator"),
    ContentPage("/author/packages/import", "coordinator"),
    ContentPage("/author/api-clients", "admin"),
)


def _content_ids(live_server: LiveServer) -> dict[str, Any]:
    with live_server.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "digital-mediation"))
        assert course is not None, "the demo has no digital-mediation course"
        module = course.modules[0]
        quiz = next(i for i in module.items if i.kind is ItemKind.QUIZ)
        lesson = next(i for i in module.items if i.kind is ItemKind.LESSON)
        return {
            "course_id": course.id,
            "module_id": module.id,
            "quiz_id": quiz.id,
            "lesson_id": lesson.id,
            "question_id": quiz.questions[0].id,
        }


@pytest.mark.parametrize("target", CONTENT_PAGES, ids=lambda p: f"{p.path}-as-{p.role}")
def test_content_page_is_accessible(
    signed_in_page: Callable[..., Page], live_server: LiveServer, target: ContentPage
) -> None:
    page = signed_in_page(target.role)
    visit(page, target.path.format(**_content_ids(live_server)))
    assert_accessible(page)


def _small_course(live_server: LiveServer) -> tuple[str, dict[str, int]]:
    """A published course of one lesson and one two-question quiz, made for one test."""
    slug = f"browser-course-{next(_SERIAL)}"
    app = live_server.app
    with app.app_context(), app.test_request_context():
        session = db.session
        course = services.create_course(
            session,
            slug=slug,
            translations={"en": {"title": f"Browser course {slug}", "summary": "Short"}},
            estimated_minutes=10,
        )
        module = services.add_module(session, course, translations={"en": {"title": "Basics"}})
        lesson = services.add_item(
            session,
            module,
            kind=ItemKind.LESSON,
            translations={"en": {"title": "E-press", "body": "E-press has **newspapers**."}},
        )
        quiz = services.add_item(
            session,
            module,
            kind=ItemKind.QUIZ,
            translations={"en": {"title": "Check"}},
            pass_mark=100,
            max_attempts=3,
        )
        services.add_question(
            session,
            quiz,
            kind=QuestionKind.SINGLE,
            prompt={"en": "What does e-press offer?"},
            choices=[
                {"correct": True, "text": {"en": "Newspapers"}, "feedback": {"en": "Right."}},
                {"correct": False, "text": {"en": "Films"}, "feedback": {"en": "Not films."}},
            ],
        )
        services.add_question(
            session,
            quiz,
            kind=QuestionKind.SHORT,
            prompt={"en": "Test on which device?"},
            answers={"en": ["phone"]},
        )
        services.publish(session, course, by=None)
        session.commit()
        return slug, {"lesson": lesson.id, "quiz": quiz.id}


def _in_english(page: Page) -> None:
    """Demo accounts speak Swedish; these tests read English (restore_locales puts it back)."""
    page.locator("form.lang select").select_option("en")
    page.locator("form.lang button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.usefixtures("restore_locales")
def test_learner_enrols_reads_takes_the_quiz_completes_and_sees_the_certificate(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    slug, _ids = _small_course(live_server)
    page = signed_in_page("learner")
    _in_english(page)
    visit(page, "/courses")
    page.get_by_role("link", name=f"Browser course {slug}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.locator("main h1")).to_have_text("E-press")
    expect(page.locator("progress")).to_have_attribute("value", "0")
    expect(page.get_by_text("0 of 2 items done")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="I have read this – continue").click()

    expect(page.locator("main h1")).to_have_text("Check")
    assert_accessible(page)
    page.get_by_label("Films").check()
    page.get_by_label("Test on which device?").fill("tablet")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Not passed this time: 0%.")).to_be_visible()
    expect(page.get_by_text("Not films.")).to_be_visible()
    expect(page.get_by_text("Attempts used: 1 of 3.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Newspapers").check()
    page.get_by_label("Test on which device?").fill("Phone")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    expect(
        page.get_by_text("You have completed the course. Your certificate is ready.")
    ).to_be_visible()

    visit(page, f"/courses/{slug}")
    expect(page.get_by_text("2 of 2 items done")).to_be_visible()
    page.get_by_role("link", name="Your certificate").click()
    expect(page.locator("main h1")).to_have_text("Certificate")
    expect(page.get_by_text(f"Browser course {slug}")).to_be_visible()
    assert_accessible(page)


@pytest.mark.usefixtures("restore_locales")
def test_certificate_verifies_for_anyone_signed_out(
    signed_in_page: Callable[..., Page], page: Page, live_server: LiveServer
) -> None:
    slug, _ids = _small_course(live_server)
    learner = signed_in_page("learner")
    _in_english(learner)
    visit(learner, f"/courses/{slug}")
    learner.get_by_role("button", name="Enrol in this course").click()
    learner.get_by_role("button", name="I have read this – continue").click()
    learner.get_by_label("Newspapers").check()
    learner.get_by_label("Test on which device?").fill("phone")
    learner.get_by_role("button", name="Send my answers").click()
    with live_server.app.app_context():
        code = db.session.scalars(
            select(Certificate.code).order_by(Certificate.id.desc()).limit(1)
        ).one()
    visit(page, f"/certificates/{code}")  # a fresh browser, nobody signed in
    expect(page.get_by_text("Yes: Librarena issued it.")).to_be_visible()
    assert_accessible(page)
    link = page.get_by_role("link", name="Download the certificate (PDF)")
    pdf = page.request.get(link.get_attribute("href") or "")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")


@pytest.mark.usefixtures("restore_locales")
def test_coordinator_authors_and_publishes_a_course(
    signed_in_page: Callable[..., Page],
) -> None:
    slug = f"authored-{next(_SERIAL)}"
    page = signed_in_page("coordinator")
    _in_english(page)
    visit(page, "/author/courses/new")
    page.locator("#slug").fill(slug)
    page.locator("#fallback_locale").select_option("en")
    page.locator("#estimated_minutes").fill("30")
    page.locator("#title_en").fill("Mediating e-books")
    page.locator("#title_sv").fill("Att förmedla e-böcker")
    page.locator("#description_en").fill("How to **show** e-books. <script>alert(1)</script>")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("Mediating e-books")

    page.get_by_role("link", name="Add a module").click()
    page.locator("#title_en").fill("E-books at the desk")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name=re.compile(r"^Add a lesson\W+E-books at the desk$")).click()
    page.locator("#title_en").fill("Showing the app")
    page.locator("#body_en").fill("Open the app *together* with the user.")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name=re.compile(r"^Add a quiz\W+E-books at the desk$")).click()
    page.locator("#title_en").fill("Check yourself")
    page.locator("main form button[type=submit]").click()
    page.get_by_role("link", name="Add a question").click()
    assert_accessible(page)
    page.locator("#kind").select_option("single")
    page.locator("#prompt_en").fill("Where do most users read e-books?")
    page.locator("#choices_en").fill("*On their phone | Yes.\nOn a desktop | Rarely.")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_text("The question is added.")).to_be_visible()

    page.get_by_role("link", name="Back without saving").click()
    expect(page.locator("main h1")).to_have_text("Mediating e-books")
    page.get_by_role("link", name="Preview as a learner").click()
    expect(page.get_by_role("link", name="Showing the app")).to_be_visible()
    page.get_by_role("link", name="Back to editing").click()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Version 1 is published.")).to_be_visible()
    assert_accessible(page)

    visit(page, f"/courses/{slug}")
    expect(page.locator("main h1")).to_have_text("Mediating e-books")
    expect(page.locator("main script")).to_have_count(0)


@pytest.mark.usefixtures("restore_locales")
def test_quiz_works_without_javascript(
    new_context: Callable[..., BrowserContext], live_server: LiveServer
) -> None:
    from tests.browser.conftest import sign_in

    slug, ids = _small_course(live_server)
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "manager")  # the manager is a learner too
    _in_english(page)
    visit(page, f"/courses/{slug}")
    page.get_by_role("button", name="Enrol in this course").click()
    visit(page, f"/courses/{slug}/items/{ids['quiz']}")
    page.get_by_label("Newspapers").check()
    page.get_by_label("Test on which device?").fill("phone")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Your result: 100% – passed")).to_be_visible()


def _png() -> bytes:
    """A real 2×2 PNG (red), so the browser can show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.mark.usefixtures("restore_locales")
def test_coordinator_uploads_an_image_and_shows_it_in_a_lesson(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    slug, ids = _small_course(live_server)
    page = signed_in_page("coordinator")
    _in_english(page)
    visit(page, f"/author/items/{ids['lesson']}/edit")
    # A script dressed as an image is refused by its bytes, with the reason.
    page.locator("#file").set_input_files(
        files=[{"name": "map.png", "mimeType": "image/png", "buffer": b"<svg onload=alert(1)>"}]
    )
    page.locator("#alt").fill("A map")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("This kind of file cannot be uploaded.").first).to_be_visible()
    assert_accessible(page)
    page.locator("#file").set_input_files(
        files=[{"name": "map of the library.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.locator("#alt").fill("Map of the library's digital corner")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("The file is uploaded.")).to_be_visible()
    assert_accessible(page)
    snippet = page.locator("textarea[id^=snippet-]").first.input_value()
    assert snippet.startswith('<img src="/media/')
    page.locator("#body_en").fill(f"Here is the corner:\n\n{snippet}")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("The item is saved.")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Publish")).click()
    # The learner sees the image (it loads: its natural width is the PNG's).
    learner = signed_in_page("manager")
    _in_english(learner)
    visit(learner, f"/courses/{slug}")
    learner.get_by_role("button", name="Enrol in this course").click()
    image = learner.get_by_role("img", name="Map of the library's digital corner")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 2
    assert_accessible(learner)


@pytest.mark.usefixtures("restore_locales")
def test_coordinator_exports_and_imports_a_package_and_sees_every_problem(
    signed_in_page: Callable[..., Page], live_server: LiveServer, tmp_path: Any
) -> None:
    slug, _ids = _small_course(live_server)
    with live_server.app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    page = signed_in_page("coordinator")
    _in_english(page)
    visit(page, f"/author/courses/{course_id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export as a package (.zip)").click()
    package = download.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["modules"][0]["items"][0]["translations"]["en"]["title"] = ""
    manifest["modules"][0]["items"][1]["questions"][0]["kind"] = "essay"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("../escape.txt", "x")
    visit(page, "/author/courses/")
    page.get_by_role("link", name="Import a package").click()
    page.locator("#package").set_input_files(str(broken))
    page.locator("#slug").fill(f"{slug}-copy")
    page.get_by_role("button", name="Import").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("../escape.txt: The path leads out of the package (..).")
    expect(page.locator("#slug")).to_have_value(f"{slug}-copy")
    assert_accessible(page)
    broken.write_bytes(b"")
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
    page.locator("#package").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    expect(alert).to_contain_text(
        "modules[0].items[0].translations.en.title: This field is required."
    )
    expect(alert).to_contain_text("modules[0].items[1].questions[0].kind:")
    assert_accessible(page)
    good = tmp_path / "good.zip"
    good.write_bytes(package)
    page.locator("#package").set_input_files(str(good))
    page.locator("#slug").fill(f"{slug}-copy")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("The course is imported as a draft.")).to_be_visible()
    expect(page.locator("main h1")).to_have_text(f"Browser course {slug}")


@pytest.mark.usefixtures("restore_locales")
def test_demo_lesson_offers_the_planning_template_as_a_download(
    signed_in_page: Callable[..., Page], live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "digital-mediation"))
        assert course is not None
        course_id, lesson_id = course.id, course.modules[3].items[0].id
    page = signed_in_page("coordinator")
    _in_english(page)
    visit(page, f"/author/courses/{course_id}/preview?item={lesson_id}")
    link = page.get_by_role("link", name=re.compile(r"^Planning template for a mediation activity"))
    expect(link).to_be_visible()
    assert_accessible(page)
    download = page.request.get(link.get_attribute("href") or "")
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.body().startswith(b"%PDF-")
    # The editor lists it with the code to paste, and refuses to delete it while it is used.
    visit(page, f"/author/items/{lesson_id}/edit")
    expect(page.get_by_role("link", name="planning-template.pdf")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Delete\W+planning-template\.pdf$")).click()
    expect(
        page.get_by_text("A lesson uses this file. Remove it from the lesson first.")
    ).to_be_visible()
