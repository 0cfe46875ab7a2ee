"""Quiz questions and their choices, and learners' attempts.

A question's texts are kept per locale in JSON maps (``{"sv": "…", "en": "…"}``): a question
and its choices are translated together, and whether a choice is correct is the same in every
language.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from content.courses.models import Item
    from content.progress.models import Enrolment


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT = "short"


class Question(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("course_items.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Shown after answering, whatever the answer (a short answer has no choices to hang it on).
    feedback: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Short answers: the accepted answers per locale, compared without case or outer spaces.
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)

    # Module-qualified: the SWOT package has an ``Item`` model too.
    item: Mapped[Item] = relationship("content.courses.models.Item", back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="Choice.position"
    )


class Choice(Base):
    __tablename__ = "quiz_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    is_correct: Mapped[bool] = mapped_column(default=False)
    text: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    feedback: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)

    question: Mapped[Question] = relationship(back_populates="choices")


class QuizAttempt(Base):
    """One submitted try at a quiz, scored against the enrolment's course version."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_id", "number", name="uq_quiz_attempts_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    #: An item id of the enrolment's snapshot; no foreign key, as the draft item may be gone.
    item_id: Mapped[int]
    number: Mapped[int]
    score: Mapped[int]  # percent
    is_passed: Mapped[bool]
    #: question id → the choice ids picked, or the text typed.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
