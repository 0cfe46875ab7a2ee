"""content.courses.services: the draft tree, ordering, sanitising on write, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from content.courses import services
from content.courses.models import Course, CourseVersion, ItemKind
from content.courses.snapshot import Snapshot
from content.quizzes.models import QuestionKind
from lms.errors import Conflict, ValidationFailed
from tests.content.conftest import count, items_of


def test_create_course_needs_a_title_in_the_fallback_language(session):
    with pytest.raises(ValidationFailed) as caught:
        services.create_course(
            session, slug="x", translations={"sv": {"title": "Bara svenska"}}, fallback_locale="en"
        )
    assert "title_en" in caught.value.errors
    session.rollback()
    assert count(session, Course) == 0


def test_create_course_refuses_a_slug_in_use(session, create_course):
    create_course(slug="taken")
    with pytest.raises(Conflict) as caught:
        services.create_course(session, slug="TAKEN", translations={"en": {"title": "T"}})
    assert "slug" in caught.value.errors


def test_course_translations_are_sanitised_and_blank_titles_removed(session):
    course = services.create_course(
        session,
        slug="c",
        translations={
            "en": {"title": "T", "description": "<b onclick=x>Hi</b>", "format": "html"},
            "sv": {"title": "S", "description": "[a](javascript:alert(1)) *b*"},
        },
    )
    by = {t.locale: t for t in course.translations}
    assert by["en"].description_html == "<b>Hi</b>"
    assert by["sv"].description_html == "<p>[a](javascript:alert(1)) <em>b</em></p>"
    services.update_course(
        session,
        course,
        slug="c",
        translations={"en": {"title": "T"}, "sv": {"title": ""}},
        fallback_locale="en",
    )
    assert course.locales == ["en"]


def test_move_and_delete_keep_positions_dense(session, create_course):
    course = create_course(publish=False)
    module = course.modules[0]
    lesson, quiz, reflection = module.items
    services.move_item(session, lesson, -1)  # already first: nothing moves
    assert [i.id for i in module.items] == [lesson.id, quiz.id, reflection.id]
    services.move_item(session, reflection, -1)
    session.expire_all()
    assert [i.kind for i in module.items] == [ItemKind.LESSON, ItemKind.REFLECTION, ItemKind.QUIZ]
    services.delete_item(session, module.items[0])
    session.expire_all()
    assert [i.position for i in module.items] == [0, 1]


def test_quiz_settings_are_checked(session, create_course):
    course = create_course(publish=False)
    with pytest.raises(ValidationFailed) as caught:
        services.add_item(
            session,
            course.modules[0],
            kind=ItemKind.QUIZ,
            translations={"en": {"title": "Q"}},
            pass_mark=120,
            max_attempts=0,
        )
    assert set(caught.value.errors) == {"pass_mark", "max_attempts"}


@pytest.mark.parametrize(
    ("kind", "choices", "field"),
    [
        (QuestionKind.SINGLE, [{"correct": True, "text": {"en": "A"}}], "choices_en"),
        (
            QuestionKind.SINGLE,
            [{"correct": True, "text": {"en": "A"}}, {"correct": True, "text": {"en": "B"}}],
            "correct",
        ),
        (
            QuestionKind.MULTIPLE,
            [{"correct": False, "text": {"en": "A"}}, {"correct": False, "text": {"en": "B"}}],
            "correct",
        ),
        (QuestionKind.SHORT, [], "choices_en"),
    ],
)
def test_add_question_refuses_broken_questions(session, create_course, kind, choices, field):
    course = create_course(publish=False)
    quiz = items_of(course)[ItemKind.QUIZ]
    with pytest.raises(ValidationFailed) as caught:
        services.add_question(session, quiz, kind=kind, prompt={"en": "?"}, choices=choices)
    assert field in caught.value.errors


def test_publish_twice_makes_two_frozen_versions(session, create_course):
    course = create_course()
    lesson = items_of(course)[ItemKind.LESSON]
    services.update_item(session, lesson, translations={"en": {"title": "Changed"}})
    second = services.publish(session, course, by=None)
    first = session.scalar(select(CourseVersion).where(CourseVersion.number == 1))
    assert second.number == 2
    assert Snapshot(first.snapshot, "en").item(lesson.id).title == "Lesson one"
    assert Snapshot(second.snapshot, "en").item(lesson.id).title == "Changed"


def test_publish_refuses_a_quiz_without_questions(session, create_course):
    course = create_course(publish=False)
    services.add_item(
        session, course.modules[0], kind=ItemKind.QUIZ, translations={"en": {"title": "Empty"}}
    )
    with pytest.raises(ValidationFailed) as caught:
        services.publish(session, course, by=None)
    assert "Empty" in caught.value.errors["_"][0]


def test_snapshot_falls_back_to_the_fallback_language(session, create_course):
    course = create_course()
    version = services.latest_version(session, course.id)
    view = Snapshot(version.snapshot, "da")  # no Danish: English, the fallback
    assert view.title == "Course 1"
    assert Snapshot(version.snapshot, "sv").title == "Course 1 (sv)"
    assert view.required_ids() == {
        i.id for i in view.items if i.kind in (ItemKind.LESSON, ItemKind.QUIZ)
    }
