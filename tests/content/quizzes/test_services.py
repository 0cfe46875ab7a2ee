"""content.quizzes.services: scoring, attempt limits, answers that do not belong."""

from __future__ import annotations

import pytest

from content.courses.models import ItemKind
from content.progress.models import ItemProgress
from content.quizzes import services as quizzes
from content.quizzes.models import QuizAttempt
from lms.errors import Conflict, ValidationFailed
from tests.conftest import object_of
from tests.content.conftest import count, events_of, items_of, right_answers, wrong_answers


def test_submit_scores_and_passes_with_feedback_events(create_course, create_user, enrol, session):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    quiz = items_of(course)[ItemKind.QUIZ]
    attempt = quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    assert (attempt.number, attempt.score, attempt.is_passed) == (1, 100, True)
    answered = events_of(session, "answered")
    assert len(answered) == 2
    assert all(e["result"]["success"] for e in answered)
    passed = events_of(session, "passed")
    assert passed[0]["result"]["score"] == {"scaled": 1.0, "raw": 100, "min": 0, "max": 100}
    assert object_of(passed[0]) == ("quiz", str(quiz.id))
    assert passed[0]["object"]["definition"]["name"] == {"en": "Quiz one"}
    module = f"/activities/module/{quiz.module_id}"
    course_iri = f"/activities/course/{course.id}"
    # A quiz sits in its module; a question in its quiz, inside the module and the course.
    [parent] = passed[0]["context"]["contextActivities"]["parent"]
    assert parent["id"].endswith(module)
    activities = answered[0]["context"]["contextActivities"]
    assert [a["id"].rpartition("/activities")[2] for a in activities["parent"]] == [
        f"/quiz/{quiz.id}"
    ]
    assert [a["id"].rpartition("/activities")[2] for a in activities["grouping"]] == [
        module.removeprefix("/activities"),
        course_iri.removeprefix("/activities"),
    ]
    assert answered[0]["context"]["language"] == "en"


def test_submit_half_right_is_fifty_percent_and_fails(create_course, create_user, enrol, session):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    quiz = items_of(course)[ItemKind.QUIZ]
    answers = right_answers(quiz)
    answers[quiz.questions[1].id] = ["tablet"]
    attempt = quizzes.submit(session, enrolment, quiz.id, answers, locale="en")
    assert (attempt.score, attempt.is_passed) == (50, False)
    assert events_of(session, "failed")
    assert count(session, ItemProgress) == 0


def test_submit_multiple_choice_needs_exactly_the_right_set(
    create_course, create_user, enrol, session
):
    from content.courses import services
    from content.quizzes.models import QuestionKind

    course = create_course(publish=False, max_attempts=None)
    quiz = items_of(course)[ItemKind.QUIZ]
    question = services.add_question(
        session,
        quiz,
        kind=QuestionKind.MULTIPLE,
        prompt={"en": "Pick both"},
        choices=[
            {"correct": True, "text": {"en": "A"}},
            {"correct": True, "text": {"en": "B"}},
            {"correct": False, "text": {"en": "C"}},
        ],
    )
    services.publish(session, course, by=None)
    enrolment = enrol(course, create_user("learner"))
    a, b, c = (str(choice.id) for choice in question.choices)
    for picked, score in (([a], 67), ([a, b, c], 67), ([b, a], 100)):
        answers = {**right_answers(quiz), question.id: picked}
        attempt = quizzes.submit(session, enrolment, quiz.id, answers, locale="en")
        assert attempt.score == score, picked


def test_submit_past_limit_is_refused_and_stores_nothing(
    create_course, create_user, enrol, session
):
    course = create_course(max_attempts=2)
    enrolment = enrol(course, create_user("learner"))
    quiz = items_of(course)[ItemKind.QUIZ]
    for _ in range(2):
        quizzes.submit(session, enrolment, quiz.id, wrong_answers(quiz), locale="en")
    session.commit()
    before = len(events_of(session))
    with pytest.raises(Conflict):
        quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    session.rollback()
    assert count(session, QuizAttempt) == 2
    assert len(events_of(session)) == before


def test_submit_refuses_question_and_choice_of_another_course(
    create_course, create_user, enrol, session
):
    course, other = create_course(), create_course()
    enrolment = enrol(course, create_user("learner"))
    quiz, foreign = items_of(course)[ItemKind.QUIZ], items_of(other)[ItemKind.QUIZ]
    with pytest.raises(ValidationFailed, match="not in this quiz"):
        quizzes.submit(session, enrolment, quiz.id, right_answers(foreign), locale="en")
    # A choice id of another course's question, sent as the answer to one of ours.
    answers = right_answers(quiz)
    answers[quiz.questions[0].id] = [str(foreign.questions[0].choices[0].id)]
    with pytest.raises(ValidationFailed, match="not in this quiz"):
        quizzes.submit(session, enrolment, quiz.id, answers, locale="en")
    answers[quiz.questions[0].id] = ["not-a-number"]
    with pytest.raises(ValidationFailed, match="not in this quiz"):
        quizzes.submit(session, enrolment, quiz.id, answers, locale="en")
    session.rollback()
    assert count(session, QuizAttempt) == 0


def test_submit_refuses_an_item_that_is_not_in_the_enrolled_version(
    create_course, create_user, enrol, session
):
    course, other = create_course(), create_course()
    enrolment = enrol(course, create_user("learner"))
    foreign = items_of(other)[ItemKind.QUIZ]
    with pytest.raises(ValidationFailed, match="not part of your version"):
        quizzes.submit(session, enrolment, foreign.id, right_answers(foreign), locale="en")
    session.rollback()
    assert count(session, QuizAttempt) == 0


def test_submit_single_choice_with_two_picks_is_an_error(
    create_course, create_user, enrol, session
):
    course = create_course()
    enrolment = enrol(course, create_user("learner"))
    quiz = items_of(course)[ItemKind.QUIZ]
    answers = right_answers(quiz)
    answers[quiz.questions[0].id] = [str(c.id) for c in quiz.questions[0].choices]
    with pytest.raises(ValidationFailed) as caught:
        quizzes.submit(session, enrolment, quiz.id, answers, locale="en")
    assert caught.value.errors == {f"q{quiz.questions[0].id}": ["Choose one answer."]}
