"""Authoring in the browser: a coordinator builds, orders, previews and publishes a course."""

from __future__ import annotations

from sqlalchemy import select

from content.courses.models import Course, CourseVersion, Item, ItemKind, Module
from content.quizzes.models import Question
from tests.conftest import text_of
from tests.content.conftest import count, items_of


def _course_form(**overrides):
    data = {
        "slug": "digital-mediation",
        "fallback_locale": "en",
        "topic": "mediation",
        "estimated_minutes": "90",
        "title_en": "Digital mediation",
        "summary_en": "Share the digital library",
        "description_en": "Hello <script>alert(1)</script>**world**",
        "format_en": "markdown",
        "title_sv": "Digital förmedling",
        "description_sv": "<p onclick='x()'>Hej</p>",
        "format_sv": "html",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_course_modules_items_and_publishes(
    client, login, create_user, session
):
    login(create_user("coordinator", everywhere=True))
    resp = client.post("/author/courses/new", data=_course_form())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    course = session.scalar(select(Course).where(Course.slug == "digital-mediation"))
    by_locale = {t.locale: t for t in course.translations}
    assert by_locale["en"].description_html == "<p>Hello <strong>world</strong></p>"
    assert by_locale["sv"].description_html == "<p>Hej</p>"
    assert by_locale["en"].description_source.startswith("Hello <script>")  # kept for editing

    resp = client.post(
        f"/author/courses/{course.id}/modules/new",
        data={"title_en": "Resources", "title_sv": "Resurser", "intro_en": "Start *here*"},
    )
    assert resp.status_code == 302
    module = session.scalar(select(Module).where(Module.course_id == course.id))
    for title in ("First", "Second"):
        resp = client.post(
            f"/author/modules/{module.id}/items/new?kind=lesson",
            data={"title_en": title, "body_en": f"{title} <img src=x onerror=alert(1)>"},
        )
        assert resp.status_code == 302
    resp = client.post(
        f"/author/modules/{module.id}/items/new?kind=quiz",
        data={"title_en": "Check", "pass_mark": "50", "max_attempts": "3"},
    )
    assert resp.status_code == 302
    quiz = session.scalar(select(Item).where(Item.kind == ItemKind.QUIZ))
    resp = client.post(
        f"/author/items/{quiz.id}/questions/new",
        data={
            "kind": "single",
            "prompt_en": "Which?",
            "choices_en": "*Right | Yes\nWrong | No",
            "choices_sv": "Rätt | Ja\nFel | Nej",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    question = session.scalar(select(Question).where(Question.item_id == quiz.id))
    assert [c.is_correct for c in question.choices] == [True, False]
    assert question.choices[1].text == {"en": "Wrong", "sv": "Fel"}
    assert question.choices[0].feedback == {"en": "Yes", "sv": "Ja"}

    session.refresh(module)
    first, second = (i for i in module.items if i.kind is ItemKind.LESSON)
    assert first.translation("en").body_html == '<p>First <img src="x" alt=""></p>'
    resp = client.post(f"/author/items/{second.id}/move", data={"direction": "up"})
    assert resp.status_code == 302
    session.expire_all()
    assert [i.translation("en").title for i in module.items][:2] == ["Second", "First"]

    page = client.get(f"/author/courses/{course.id}/preview")
    assert page.status_code == 200
    assert "<p>Start <em>here</em></p>" in page.get_data(as_text=True)
    page = client.get(f"/author/courses/{course.id}/preview?item={quiz.id}")
    assert "Which?" in page.get_data(as_text=True)
    assert count(session, CourseVersion) == 0  # a preview publishes nothing

    resp = client.post(f"/author/courses/{course.id}/publish")
    assert resp.status_code == 302
    version = session.scalar(select(CourseVersion).where(CourseVersion.course_id == course.id))
    assert version.number == 1
    session.refresh(course)
    assert course.is_published
    overview = text_of(client.get(f"/author/courses/{course.id}").get_data(as_text=True))
    assert "Version 1 was published" in overview

    resp = client.post(f"/author/courses/{course.id}/unpublish")
    assert resp.status_code == 302
    session.refresh(course)
    assert not course.is_published


def test_course_form_with_errors_keeps_input(client, login, create_user, session):
    login(create_user("coordinator", everywhere=True))
    resp = client.post(
        "/author/courses/new", data=_course_form(slug="Not A Slug", title_en="", summary_sv="Kvar")
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "lower-case letters" in page
    assert 'value="Kvar"' in page
    assert count(session, Course) == 0


def test_publish_refuses_an_empty_course(client, login, create_user, session):
    login(create_user("coordinator", everywhere=True))
    client.post("/author/courses/new", data=_course_form())
    course = session.scalar(select(Course))
    resp = client.post(f"/author/courses/{course.id}/publish")
    assert resp.status_code == 422
    assert "at least one item" in resp.get_data(as_text=True)
    session.refresh(course)
    assert not course.is_published
    assert count(session, CourseVersion) == 0


def test_editing_a_published_course_keeps_learners_on_their_version(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    learner = create_user("learner")
    enrolment = enrol(course, learner)
    lesson = items_of(course)[ItemKind.LESSON]
    login(create_user("coordinator", everywhere=True))
    resp = client.post(
        f"/author/items/{lesson.id}/edit", data={"title_en": "Rewritten", "body_en": "New text"}
    )
    assert resp.status_code == 302
    assert client.post(f"/author/courses/{course.id}/publish").status_code == 302
    client.post("/logout")
    login(learner)
    page = client.get(f"/courses/{course.slug}/items/{lesson.id}").get_data(as_text=True)
    assert "Lesson one" in page
    assert "Rewritten" not in page
    session.refresh(enrolment)
    assert enrolment.version.number == 1


def test_delete_course_with_learners_is_refused(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    enrol(course, create_user("learner"))
    login(create_user("coordinator", everywhere=True))
    resp = client.post(f"/author/courses/{course.id}/delete")
    assert resp.status_code == 409
    assert count(session, Course) == 1


def test_coordinator_moves_learners_to_the_latest_version(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    login(create_user("coordinator", everywhere=True))
    assert client.post(f"/author/courses/{course.id}/publish").status_code == 302
    page = text_of(client.get(f"/author/courses/{course.id}").get_data(as_text=True))
    assert "1 learner is still working on an older version." in page
    resp = client.post(f"/author/courses/{course.id}/move-learners")
    assert resp.status_code == 302
    session.refresh(enrolment)
    assert enrolment.version.number == 2
    page = text_of(client.get(f"/author/courses/{course.id}").get_data(as_text=True))
    assert "1 learner is now on the latest version." in page
    assert "older version" not in page
