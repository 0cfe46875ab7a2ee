"""Factories for the content server's tests: a small published course, enrolments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.courses import services
from content.courses.models import Course, Item, ItemKind
from content.progress import services as progress
from content.progress.models import Enrolment
from content.quizzes.models import QuestionKind
from lms.auth.models import User
from tests.conftest import statements_of


@pytest.fixture
def request_context(app: Flask) -> Any:
    """A request (English) for code that needs one, such as services reading the config.

    The content server's own factories and tests do without: the test client reuses an
    application context that is already pushed, so its requests would share one ``g`` (and
    the language chosen first) and one database session.
    """
    with app.test_request_context(headers={"Accept-Language": "en"}) as ctx:
        yield ctx


def _tr(title: str, **extra: Any) -> dict[str, dict[str, Any]]:
    return {"en": {"title": title, **extra}, "sv": {"title": f"{title} (sv)", **extra}}


@pytest.fixture
def create_course(session: Session) -> Callable[..., Course]:
    """``create_course(publish=True)``: one module with a lesson, a quiz and a reflection.

    The quiz has a single-choice question (choices "Right", "Wrong") and a short-answer
    question (accepts "phone"); it passes at 100% with at most ``max_attempts`` tries.
    """
    counter = {"n": 0}

    def make(
        *,
        publish: bool = True,
        max_attempts: int | None = 2,
        slug: str | None = None,
        topic: str = "digital-mediation",
        minutes: int = 45,
    ) -> Course:
        counter["n"] += 1
        course = services.create_course(
            session,
            slug=slug or f"course-{counter['n']}",
            translations=_tr(f"Course {counter['n']}", summary="A summary", description="Hello"),
            fallback_locale="en",
            topic=topic,
            estimated_minutes=minutes,
        )
        module = services.add_module(session, course, translations=_tr("Module one"))
        services.add_item(
            session,
            module,
            kind=ItemKind.LESSON,
            translations=_tr("Lesson one", body="Read **this**."),
        )
        quiz = services.add_item(
            session,
            module,
            kind=ItemKind.QUIZ,
            translations=_tr("Quiz one"),
            pass_mark=100,
            max_attempts=max_attempts,
        )
        services.add_question(
            session,
            quiz,
            kind=QuestionKind.SINGLE,
            prompt={"en": "Pick right"},
            choices=[
                {"correct": True, "text": {"en": "Right"}, "feedback": {"en": "Well done"}},
                {"correct": False, "text": {"en": "Wrong"}, "feedback": {"en": "Not that one"}},
            ],
        )
        services.add_question(
            session,
            quiz,
            kind=QuestionKind.SHORT,
            prompt={"en": "Best device?"},
            answers={"en": ["phone"]},
            feedback={"en": "Test on a phone."},
        )
        services.add_item(
            session,
            module,
            kind=ItemKind.REFLECTION,
            translations=_tr("Reflect", body="What did you learn?"),
        )
        if publish:
            services.publish(session, course, by=None)
        session.commit()
        return course

    return make


def items_of(course: Course) -> dict[ItemKind, Item]:
    return {item.kind: item for module in course.modules for item in module.items}


def right_answers(item: Item) -> dict[int, list[str]]:
    """The answers that score 100% on a quiz built by ``create_course``."""
    out: dict[int, list[str]] = {}
    for q in item.questions:
        if q.kind is QuestionKind.SHORT:
            out[q.id] = ["Phone "]
        else:
            out[q.id] = [str(c.id) for c in q.choices if c.is_correct]
    return out


def wrong_answers(item: Item) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for q in item.questions:
        if q.kind is QuestionKind.SHORT:
            out[q.id] = ["tablet"]
        else:
            out[q.id] = [str(c.id) for c in q.choices if not c.is_correct][:1]
    return out


@pytest.fixture
def enrol(session: Session) -> Callable[[Course, User], Enrolment]:
    def make(course: Course, user: User) -> Enrolment:
        enrolment = progress.enrol(session, course, user, locale="en")
        session.commit()
        return enrolment

    return make


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def events_of(session: Session, verb: str | None = None) -> list[dict[str, Any]]:
    """The statements learning events stored (``lms.xapi.events.record``), oldest first."""
    return statements_of(session, verb)


#: The smallest files whose bytes say what they are (the upload check reads bytes, not names).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
VTT = b"WEBVTT\n\n00:00.000 --> 00:02.000\nHej och v\xc3\xa4lkommen!\n"


@pytest.fixture
def media_root(app: Flask, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Uploads go to a temporary folder for the test."""
    root = tmp_path / "media"
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(root))
    return root
