"""content.courses.api: the catalogue, a course and the learner's own progress as JSON."""

from __future__ import annotations

from content.courses.models import ItemKind
from content.progress import services as progress
from tests.content.conftest import items_of, right_answers


def test_api_catalogue_lists_published_courses_in_the_readers_language(
    client, login, create_user, create_course
):
    create_course(slug="one", topic="leadership", minutes=20)
    create_course(slug="two", minutes=200)
    create_course(slug="draft", publish=False)
    login(create_user("learner"))
    client.post("/language", data={"locale": "sv"})
    body = client.get("/api/v1/courses").get_json()
    assert body["total"] == 2
    one = next(c for c in body["items"] if c["slug"] == "one")
    assert one["title"] == "Course 1 (sv)"
    assert one["url"].endswith("/courses/one")
    assert sorted(one["locales"]) == ["en", "sv"]
    short = client.get("/api/v1/courses?max_minutes=30").get_json()
    assert [c["slug"] for c in short["items"]] == ["one"]
    assert client.get("/api/v1/courses?topic=leadership").get_json()["total"] == 1
    bad = client.get("/api/v1/courses?per_page=500")
    assert bad.status_code == 422
    assert "per_page" in bad.get_json()["errors"]


def test_api_course_shows_modules_and_items_but_no_answers(
    client, login, create_user, create_course
):
    course = create_course()
    login(create_user("learner"))
    body = client.get(f"/api/v1/courses/{course.slug}").get_json()
    assert body["description_html"] == "<p>Hello</p>"
    (module,) = body["modules"]
    assert [i["kind"] for i in module["items"]] == ["lesson", "quiz", "reflection"]
    assert "correct" not in repr(body)
    assert client.get("/api/v1/courses/no-such-course").status_code == 404


def test_api_progress_is_the_signed_in_learners_own(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    learner, other = create_user("learner"), create_user("learner")
    enrolment = enrol(course, learner)
    enrol(course, other)
    items = items_of(course)
    progress.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    from content.quizzes import services as quizzes

    quiz = items[ItemKind.QUIZ]
    quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    session.commit()
    login(learner)
    body = client.get(f"/api/v1/courses/{course.slug}/progress").get_json()
    assert (body["done"], body["total"], body["version"]) == (2, 3, 1)
    assert body["completed_at"] is not None
    assert "/certificates/" in body["certificate_url"]
    assert [i["done"] for i in body["items"]] == [True, True, False]
    listed = client.get("/api/v1/enrolments").get_json()["items"]
    assert [(e["course"]["slug"], e["done"]) for e in listed] == [(course.slug, 2)]
    assert "items" not in listed[0]


def test_api_progress_without_enrolment_is_refused(client, login, create_user, create_course):
    course = create_course()
    login(create_user("learner"))
    resp = client.get(f"/api/v1/courses/{course.slug}/progress")
    assert resp.status_code == 403
    assert "not enrolled" in resp.get_json()["errors"]["_"][0]
    assert client.get("/api/v1/enrolments").get_json() == {"items": []}


def test_api_needs_sign_in(client, create_course):
    create_course()
    resp = client.get("/api/v1/courses")
    assert resp.status_code == 401
    assert resp.get_json()["errors"]
