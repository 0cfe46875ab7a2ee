"""content.progress.services: enrolment, completion rule, certificates, reflections, events."""

from __future__ import annotations

import pytest

from content.certificates.models import Certificate
from content.courses.models import ItemKind
from content.progress import services as progress
from content.progress.models import ItemProgress, Visibility
from content.quizzes import services as quizzes
from lms.errors import Conflict, ValidationFailed
from tests.conftest import object_of, verb_of
from tests.content.conftest import count, events_of, items_of, right_answers


def test_enrol_twice_is_one_enrolment_with_one_event(create_course, create_user, session, enrol):
    course = create_course()
    learner = create_user("learner")
    first = enrol(course, learner)
    second = enrol(course, learner)
    assert first.id == second.id
    registered = events_of(session, "registered")
    assert len(registered) == 1
    assert registered[0]["actor"]["account"]["name"] == str(learner.id)


def test_enrol_in_unpublished_course_is_refused(create_course, create_user, session):
    course = create_course(publish=False)
    with pytest.raises(Conflict):
        progress.enrol(session, course, create_user("learner"), locale="en")


def test_completion_needs_every_lesson_and_every_quiz(create_course, create_user, enrol, session):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    items = items_of(course)
    quiz = items[ItemKind.QUIZ]
    quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    assert enrolment.completed_at is None  # the lesson is not seen yet
    assert count(session, Certificate) == 0
    assert progress.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    assert enrolment.completed_at is not None
    assert count(session, Certificate) == 1
    assert [verb_of(e) for e in events_of(session)][-3:] == ["experienced", "completed", "earned"]
    # Seeing it again changes nothing: one progress row, one certificate.
    assert not progress.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    assert count(session, ItemProgress) == 2
    assert count(session, Certificate) == 1


def test_mark_seen_refuses_a_quiz(create_course, create_user, enrol, session):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    with pytest.raises(ValidationFailed):
        progress.mark_seen(session, enrolment, items_of(course)[ItemKind.QUIZ].id, locale="en")


def test_shared_reflection_is_read_by_colleagues_only(
    create_course, create_user, create_unit, enrol, session
):
    course = create_course()
    library, elsewhere = create_unit("library"), create_unit("library")
    writer = create_user("learner", unit=library)
    colleague = create_user("learner", unit=library)
    stranger = create_user("learner", unit=elsewhere)
    reflection_item = items_of(course)[ItemKind.REFLECTION]
    enrolment = enrol(course, writer)
    progress.write_reflection(
        session,
        enrolment,
        reflection_item.id,
        body="We should show e-press to newcomers.",
        visibility=Visibility.LIBRARY,
        locale="en",
    )
    assert events_of(session, "shared")
    seen = progress.shared_reflections(session, colleague, course.id, reflection_item.id)
    assert [r.body for r in seen] == ["We should show e-press to newcomers."]
    assert progress.shared_reflections(session, stranger, course.id, reflection_item.id) == []
    assert progress.shared_reflections(session, writer, course.id, reflection_item.id) == []
    progress.write_reflection(
        session,
        enrolment,
        reflection_item.id,
        body="Private now.",
        visibility=Visibility.PRIVATE,
        locale="en",
    )
    assert progress.shared_reflections(session, colleague, course.id, reflection_item.id) == []


def test_no_event_carries_an_email_address(create_course, create_user, enrol, session):
    course = create_course()
    learner = create_user("learner", email="lisa@bibliotek.example")
    enrolment = enrol(course, learner)
    items = items_of(course)
    progress.open_item(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    progress.mark_seen(session, enrolment, items[ItemKind.LESSON].id, locale="en")
    quiz = items[ItemKind.QUIZ]
    quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    events = events_of(session)
    assert {verb_of(e) for e in events} >= {
        "registered",
        "launched",
        "experienced",
        "answered",
        "passed",
        "completed",
        "earned",
    }
    assert "lisa@bibliotek.example" not in repr(events)
    assert "@" not in repr(events)


def test_open_item_records_a_launch_once_per_move(create_course, create_user, enrol, session):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    items = items_of(course)
    for item_id in (items[ItemKind.LESSON].id, items[ItemKind.LESSON].id, items[ItemKind.QUIZ].id):
        progress.open_item(session, enrolment, item_id, locale="en")
    launched = [object_of(e) for e in events_of(session, "launched")]
    assert launched == [
        ("lesson", str(items[ItemKind.LESSON].id)),
        ("quiz", str(items[ItemKind.QUIZ].id)),
    ]
    assert enrolment.last_item_id == items[ItemKind.QUIZ].id


def test_move_to_latest_keeps_done_items_and_completes_when_the_rest_is_gone(
    create_course, create_user, enrol, session
):
    from content.courses import services as courses

    course = create_course()
    items = items_of(course)
    working = enrol(course, create_user("learner"))
    finished = enrol(course, create_user("learner"))
    progress.mark_seen(session, working, items[ItemKind.LESSON].id, locale="en")
    progress.open_item(session, working, items[ItemKind.QUIZ].id, locale="en")
    quiz = items[ItemKind.QUIZ]
    progress.mark_seen(session, finished, items[ItemKind.LESSON].id, locale="en")
    quizzes.submit(session, finished, quiz.id, right_answers(quiz), locale="en")
    assert finished.completed_at is not None
    old_version = finished.version_id
    # The quiz is dropped from the course: all that is left for the working learner is done.
    courses.delete_item(session, quiz)
    latest = courses.publish(session, course, by=None)
    assert progress.count_behind(session, course) == 1  # the one who finished does not count
    assert progress.move_to_latest(session, course, locale="en") == 1
    assert working.version_id == latest.id
    assert working.last_item_id is None  # the quiz they were on is gone
    assert working.completed_at is not None
    assert finished.version_id == old_version  # their certificate is for what they did
    assert progress.count_behind(session, course) == 0
