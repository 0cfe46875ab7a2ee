"""content.demo: course files load into published courses; the pilot courses load too."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from content.courses.models import Course, ItemKind
from content.courses.services import latest_version
from content.courses.snapshot import Snapshot
from content.demo import DEMO_ROOT, DemoContentError, load_demo_courses, split_front_matter
from tests.content.conftest import count

FIXTURES = Path(__file__).parent / "fixtures" / "demo"


def test_demo_loads_a_tree_into_a_published_course(session):
    (course,) = load_demo_courses(session, FIXTURES)
    assert course.slug == "tiny-course"
    assert course.is_published
    assert (course.fallback_locale, course.topic, course.estimated_minutes) == ("en", "testing", 15)
    assert sorted(course.locales) == ["en", "sv"]
    en = course.translation("en")
    assert en.description_html == "<p>A description with <strong>bold</strong> text.</p>"

    view = Snapshot(latest_version(session, course.id).snapshot, "sv")
    assert view.title == "Liten kurs"
    (module,) = view.modules
    assert module.title == "Kom igång"
    assert module.intro_html == "<p>Läs det här först.</p>"
    assert [i.kind for i in module.items] == [ItemKind.LESSON, ItemKind.QUIZ, ItemKind.REFLECTION]
    lesson, quiz, reflection = module.items
    assert lesson.title == "Hej"
    assert reflection.title == "Think"  # no Swedish file: the fallback
    assert (quiz.title, quiz.pass_mark, quiz.max_attempts) == ("Kontroll", 50, 2)
    single, short = quiz.questions
    assert single.prompt == "Vilken?"
    # Which choice is right comes from the fallback language's file.
    assert [(c.text, c.correct) for c in single.choices] == [("Den här", True), ("Den där", False)]
    assert short.answers == ["ord"]
    assert short.feedback == "A word."  # missing in Swedish: English

    english = Snapshot(latest_version(session, course.id).snapshot, "en")
    assert english.items[0].body_html == (
        '<h2>A heading</h2>\n<p>A <a href="https://bibliotek.example/" '
        'rel="noopener noreferrer">link</a> and <img src="https://bibliotek.example/a.png" '
        'alt="">.</p>'
    )


def test_demo_loading_twice_adds_nothing(session):
    assert len(load_demo_courses(session, FIXTURES)) == 1
    assert load_demo_courses(session, FIXTURES) == []
    assert count(session, Course) == 1


def test_demo_bad_front_matter_names_the_file(tmp_path):
    path = tmp_path / "x.en.md"
    with pytest.raises(DemoContentError, match=r"x\.en\.md"):
        split_front_matter("+++\ntitle = \n+++\nbody", path)
    with pytest.raises(DemoContentError, match="not closed"):
        split_front_matter("+++\ntitle = 'a'\nbody", path)
    with pytest.raises(DemoContentError, match="no \\+\\+\\+"):
        split_front_matter("title = 'a'", path)


def test_demo_pilot_courses_load_in_every_language(session):
    courses = {c.slug: c for c in load_demo_courses(session, DEMO_ROOT)}
    assert {"digital-mediation", "digital-leadership"} <= set(courses)
    for course in courses.values():
        assert course.is_published
        assert "en" in course.locales
        for module in course.modules:
            kinds = [item.kind for item in module.items]
            assert kinds.count(ItemKind.QUIZ) >= 1, module.translation("en").title
            assert kinds.count(ItemKind.LESSON) >= 2, module.translation("en").title
    assert sorted(courses["digital-mediation"].locales) == ["da", "en", "nb", "sv"]


def test_demo_puts_the_first_librarys_staff_into_the_courses(session, app_context):
    from sqlalchemy import select

    from content.progress.models import Enrolment, ItemProgress
    from lms.auth.models import User
    from lms.demo import DEMO_DOMAIN, load_demo

    assert load_demo(session)
    from content.demo import DEMO_LIBRARY
    from lms.orgs.models import Membership, OrgUnit

    enrolled = set(session.scalars(select(Enrolment.user_id)))
    staff = set(
        session.scalars(
            select(Membership.user_id)
            .join(OrgUnit, OrgUnit.id == Membership.library_id)
            .where(OrgUnit.name == DEMO_LIBRARY)
        )
    )
    # The demo library's staff (other demos, such as assigned tracks, enrol more people).
    assert len(enrolled & staff) >= 3
    emails = set(session.scalars(select(User.email).where(User.id.in_(enrolled))))
    assert f"learner@{DEMO_DOMAIN}" not in emails  # the demo learner starts fresh
    assert count(session, ItemProgress) > 0


@pytest.mark.parametrize("locale", ["sv", "nb", "da", "en"])
def test_demo_every_pilot_page_renders_in_every_language(
    client, login, create_user, session, locale
):
    from content.courses.snapshot import Snapshot
    from content.progress import services as progress

    learner = create_user("learner", locale=locale)
    courses = load_demo_courses(session, DEMO_ROOT)
    for course in courses:
        progress.enrol(session, course, learner, locale=locale)
    session.commit()
    login(learner)
    for course in courses:
        assert client.get(f"/courses/{course.slug}").status_code == 200
        view = Snapshot(latest_version(session, course.id).snapshot, locale)
        for item in view.items:
            resp = client.get(f"/courses/{course.slug}/items/{item.id}")
            assert resp.status_code == 200, (course.slug, item.title)
            assert f'<html lang="{locale}">' in resp.get_data(as_text=True)


def test_catalogue_names_topics_in_the_readers_language(client, session, create_user, login):
    load_demo_courses(session)
    session.commit()
    login(create_user(locale="sv"))
    page = client.get("/courses").get_data(as_text=True)
    assert "Ämne: Digital förmedling" in page
    assert "digital-mediation</" not in page


def test_demo_mediation_course_offers_the_planning_template_in_each_language(
    session, request_context, media_root
):
    from pypdf import PdfReader

    from content.courses import media
    from content.demo_media import TEMPLATE

    courses = {c.slug: c for c in load_demo_courses(session, DEMO_ROOT)}
    course = courses["digital-mediation"]
    files = {m.filename: m for m in media.course_media(session, course.id)}
    lesson = course.modules[3].items[0]
    for translation in lesson.translations:
        found = files[TEMPLATE[translation.locale]["file"]]
        assert f'href="{media.url_of(found)}"' in translation.body_html
        data = media.path_of(media_root, found).read_bytes()
        assert media.detect(data).content_type == "application/pdf"
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert TEMPLATE[translation.locale]["title"] in text
    # Learners get it: the published version links it too.
    assert media.url_of(files["planeringsmall.pdf"]) in str(
        latest_version(session, course.id).snapshot
    )
