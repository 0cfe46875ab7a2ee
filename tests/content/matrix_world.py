"""The content server's part of the access matrix's world (``tests/test_access_matrix.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from content.certificates.models import Certificate
from content.courses import services
from content.courses.models import ItemKind
from content.progress.models import Enrolment
from content.quizzes.models import QuestionKind
from lms.auth.models import User

COURSE_SLUG = "matrix-course"
CERTIFICATE_CODE = "matrix-certificate-code"


def add_content(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """A published course the learner is enrolled in, a draft, and a certificate of staff_a's."""
    course = services.create_course(
        session, slug=COURSE_SLUG, translations={"en": {"title": "Matrix"}}, fallback_locale="en"
    )
    module = services.add_module(session, course, translations={"en": {"title": "M"}})
    lesson = services.add_item(
        session, module, kind=ItemKind.LESSON, translations={"en": {"title": "L"}}
    )
    second = services.add_item(
        session, module, kind=ItemKind.REFLECTION, translations={"en": {"title": "R"}}
    )
    quiz = services.add_item(
        session, module, kind=ItemKind.QUIZ, translations={"en": {"title": "Q"}}
    )
    question = services.add_question(
        session, quiz, kind=QuestionKind.SHORT, prompt={"en": "?"}, answers={"en": ["a"]}
    )
    version = services.publish(session, course, by=None)
    draft = services.create_course(
        session, slug="matrix-draft", translations={"en": {"title": "Draft"}}, fallback_locale="en"
    )
    session.add(Enrolment(user=users["learner"], course=course, version=version))
    staff = Enrolment(user=users["staff_a"], course=course, version=version)
    session.add(staff)
    session.add(
        Certificate(
            enrolment=staff,
            code=CERTIFICATE_CODE,
            holder_name="Staff A",
            course_title="Matrix",
            locale="en",
        )
    )
    session.flush()
    ids.update(
        course=course.id,
        draft=draft.id,
        module=module.id,
        lesson=lesson.id,
        reflection=second.id,
        quiz=quiz.id,
        question=question.id,
    )
