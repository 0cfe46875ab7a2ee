"""The learner's path through the browser views: catalogue, enrol, items, quiz, completion."""

from __future__ import annotations

from sqlalchemy import select

from content.certificates.models import Certificate
from content.courses.models import ItemKind
from content.progress.models import Enrolment, ItemProgress, Reflection
from content.quizzes.models import QuizAttempt
from tests.conftest import text_of
from tests.content.conftest import count, items_of, right_answers, wrong_answers


def _form(answers):
    return {f"q{qid}": values for qid, values in answers.items()}


def test_learner_path_enrol_read_quiz_reflect_complete(
    client, login, create_user, create_course, session
):
    course = create_course()
    items = items_of(course)
    learner = create_user("learner")
    login(learner)

    page = client.get("/courses")
    assert page.status_code == 200
    assert "Course 1" in page.get_data(as_text=True)

    page = client.get(f"/courses/{course.slug}")
    assert "Enrol in this course" in page.get_data(as_text=True)
    resp = client.post(f"/courses/{course.slug}/enrol")
    assert resp.status_code == 302
    lesson = items[ItemKind.LESSON]
    assert resp.location.endswith(f"/courses/{course.slug}/resume")
    resp = client.get(resp.location)
    assert resp.location.endswith(f"/items/{lesson.id}")

    page = client.get(f"/courses/{course.slug}/items/{lesson.id}").get_data(as_text=True)
    assert "<strong>this</strong>" in page
    assert '<progress id="course-progress" max="3" value="0">' in page
    assert "0 of 3 items done" in text_of(page)

    resp = client.post(f"/courses/{course.slug}/items/{lesson.id}/seen")
    quiz = items[ItemKind.QUIZ]
    assert resp.location.endswith(f"/items/{quiz.id}")

    # A wrong try, with feedback for what was picked; then the right one.
    resp = client.post(
        f"/courses/{course.slug}/items/{quiz.id}/answers", data=_form(wrong_answers(quiz))
    )
    assert resp.status_code == 302
    page = text_of(client.get(f"/courses/{course.slug}/items/{quiz.id}").get_data(as_text=True))
    assert "Your result: 0% – not passed" in page
    assert "Not that one" in page
    assert "Attempts used: 1 of 2." in page
    resp = client.post(
        f"/courses/{course.slug}/items/{quiz.id}/answers", data=_form(right_answers(quiz))
    )
    assert resp.status_code == 302
    page = text_of(client.get(f"/courses/{course.slug}/items/{quiz.id}").get_data(as_text=True))
    assert "Your result: 100% – passed" in page
    assert "Well done" in page

    # Not complete yet? Lessons and quizzes are the rule; the reflection is not required.
    enrolment = session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    session.refresh(enrolment)
    assert enrolment.completed_at is not None
    certificate = session.scalar(
        select(Certificate).where(Certificate.enrolment_id == enrolment.id)
    )
    assert certificate is not None

    reflection = items[ItemKind.REFLECTION]
    resp = client.post(
        f"/courses/{course.slug}/items/{reflection.id}/reflection",
        data={"body": "I learned a lot.", "visibility": "library"},
    )
    assert resp.status_code == 302
    assert count(session, Reflection) == 1

    page = text_of(client.get(f"/courses/{course.slug}").get_data(as_text=True))
    assert "You completed this course" in page
    assert "3 of 3 items done" in page

    # The certificate is public: signed out, it still verifies.
    client.post("/logout")
    page = client.get(f"/certificates/{certificate.code}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert learner.name in text
    assert "Course 1" in text
    assert client.get("/certificates/not-a-code").status_code == 404


def test_item_of_unpublished_course_is_refused_and_nothing_stored(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    learner = create_user("learner")
    enrol(course, learner)
    course.is_published = False
    session.commit()
    login(learner)
    lesson = items_of(course)[ItemKind.LESSON]
    resp = client.get(f"/courses/{course.slug}/items/{lesson.id}")
    assert resp.status_code == 409
    assert "not published" in resp.get_data(as_text=True)
    resp = client.post(f"/courses/{course.slug}/items/{lesson.id}/seen")
    assert resp.status_code == 409
    assert count(session, ItemProgress) == 0


def test_progress_without_enrolment_is_refused(client, login, create_user, create_course, session):
    course = create_course()
    login(create_user("learner"))
    lesson = items_of(course)[ItemKind.LESSON]
    resp = client.post(f"/courses/{course.slug}/items/{lesson.id}/seen")
    assert resp.status_code == 403
    assert "not enrolled" in resp.get_data(as_text=True)
    quiz = items_of(course)[ItemKind.QUIZ]
    resp = client.post(
        f"/courses/{course.slug}/items/{quiz.id}/answers", data=_form(right_answers(quiz))
    )
    assert resp.status_code == 403
    assert count(session, ItemProgress) == 0
    assert count(session, QuizAttempt) == 0


def test_answer_for_another_courses_question_is_refused(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    other = create_course()
    learner = create_user("learner")
    enrol(course, learner)
    login(learner)
    quiz = items_of(course)[ItemKind.QUIZ]
    foreign = items_of(other)[ItemKind.QUIZ]
    data = _form({**right_answers(quiz), **right_answers(foreign)})
    resp = client.post(f"/courses/{course.slug}/items/{quiz.id}/answers", data=data)
    assert resp.status_code == 422
    assert "not in this quiz" in resp.get_data(as_text=True)
    assert count(session, QuizAttempt) == 0
    assert count(session, ItemProgress) == 0


def test_answer_past_the_attempt_limit_is_refused(
    client, login, create_user, create_course, enrol, session
):
    course = create_course(max_attempts=1)
    learner = create_user("learner")
    enrol(course, learner)
    login(learner)
    quiz = items_of(course)[ItemKind.QUIZ]
    url = f"/courses/{course.slug}/items/{quiz.id}/answers"
    assert client.post(url, data=_form(wrong_answers(quiz))).status_code == 302
    resp = client.post(url, data=_form(right_answers(quiz)))
    assert resp.status_code == 409
    assert "no attempts left at this quiz: the limit is 1" in resp.get_data(as_text=True)
    assert count(session, QuizAttempt) == 1
    assert count(session, ItemProgress) == 0


def test_unanswered_question_shows_the_quiz_again_with_input_kept(
    client, login, create_user, create_course, enrol, session
):
    course = create_course()
    learner = create_user("learner")
    enrol(course, learner)
    login(learner)
    quiz = items_of(course)[ItemKind.QUIZ]
    single = quiz.questions[0]
    picked = str(single.choices[1].id)
    resp = client.post(
        f"/courses/{course.slug}/items/{quiz.id}/answers", data={f"q{single.id}": picked}
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Answer this question." in page
    assert f'value="{picked}" checked' in page
    assert count(session, QuizAttempt) == 0


def test_catalogue_filters_by_language_topic_and_length(client, login, create_user, create_course):
    create_course(slug="short-one", topic="leadership", minutes=20)
    create_course(slug="long-one", topic="mediation", minutes=200)
    create_course(slug="draft-one", publish=False)
    login(create_user("learner"))

    def slugs(query: str) -> set[str]:
        page = client.get(f"/courses?{query}").get_data(as_text=True)
        return {s for s in ("short-one", "long-one", "draft-one") if f"/courses/{s}" in page}

    assert slugs("") == {"short-one", "long-one"}
    assert slugs("topic=leadership") == {"short-one"}
    assert slugs("length=30") == {"short-one"}
    assert slugs("language=sv") == {"short-one", "long-one"}
    assert slugs("language=da") == set()


def test_manager_sees_staff_progress(client, login, create_user, create_unit, create_course, enrol):
    library = create_unit("library")
    other_library = create_unit("library")
    course = create_course()
    mine = create_user("learner", unit=library, name="Mine Colleague")
    theirs = create_user("learner", unit=other_library, name="Someone Else")
    enrol(course, mine)
    enrol(course, theirs)
    login(create_user("manager", unit=library))
    page = text_of(client.get("/team/courses").get_data(as_text=True))
    assert "Mine Colleague" in page
    assert "0 of 3 items done" in page
    assert "Someone Else" not in page


def test_lesson_page_embeds_allowed_video_with_a_policy_that_allows_it(
    client, login, create_user, create_course, enrol, session
):
    from content.courses import services

    course = create_course(publish=False)
    lesson = items_of(course)[ItemKind.LESSON]
    services.update_item(
        session,
        lesson,
        translations={
            "en": {
                "title": "Video",
                "body": '<iframe src="https://www.youtube-nocookie.com/embed/x1" title="Talk">'
                '</iframe><iframe src="https://evil.example/embed/x"></iframe>',
                "format": "html",
            }
        },
    )
    services.publish(session, course, by=None)
    session.commit()
    learner = create_user("learner")
    enrol(course, learner)
    login(learner)
    resp = client.get(f"/courses/{course.slug}/items/{lesson.id}")
    page = resp.get_data(as_text=True)
    assert 'src="https://www.youtube-nocookie.com/embed/x1"' in page
    assert "evil.example" not in page
    policy = resp.headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in policy
    assert "object-src 'none'" in policy
    assert "script-src" not in policy  # scripts stay at default-src 'self'


def test_catalogue_shows_the_published_title_not_the_draft_being_edited(
    client, login, create_user, create_course, session
):
    from content.courses import services as courses

    course = create_course(slug="published-title")
    published_title = course.translation("en").title
    courses.update_course(
        session,
        course,
        slug=course.slug,
        translations={"en": {"title": "Half-written new title", "summary": "Draft summary"}},
        fallback_locale="en",
        estimated_minutes=999,
    )
    session.commit()
    login(create_user())
    page = text_of(client.get("/courses").get_data(as_text=True))
    assert published_title in page
    assert "Half-written new title" not in page
    assert "Draft summary" not in page
    assert "About 45 minutes" in page
    assert "Languages: en, sv" in page


def test_catalogue_filters_on_the_published_version_not_the_draft(
    client, login, create_user, create_course, session
):
    from content.courses import services as courses

    course = create_course(slug="filtered", topic="mediation", minutes=20)
    courses.update_course(
        session,
        course,
        slug=course.slug,
        translations={"en": {"title": "Draft"}, "da": {"title": "Kladde"}},
        fallback_locale="en",
        topic="leadership",
        estimated_minutes=500,
    )
    session.commit()
    login(create_user())

    def found(query: str) -> bool:
        return "/courses/filtered" in client.get(f"/courses?{query}").get_data(as_text=True)

    assert found("topic=mediation")
    assert not found("topic=leadership")
    assert found("length=30")
    assert found("language=sv")
    assert not found("language=da")
    page = client.get("/courses").get_data(as_text=True)
    assert 'value="mediation"' in page
    assert 'value="leadership"' not in page
    courses.publish(session, course, by=None)
    session.commit()
    assert found("topic=leadership")
    assert not found("length=30")
    assert found("language=da")
    assert not found("language=sv")
