"""Taking quizzes: checking answers against the enrolment's version, scoring, attempts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.courses.models import ItemKind
from content.courses.snapshot import ItemView, QuestionView, Snapshot
from content.progress.models import Enrolment
from content.progress.services import event_context, mark_done, open_item_of
from content.quizzes.models import QuestionKind, QuizAttempt
from lms.errors import Conflict, ValidationFailed
from lms.xapi import events

#: What a learner sent, as the form has it: question id → the values given (choice ids, or the
#: text of a short answer).
Answers = dict[int, list[str]]


@dataclass
class QuestionResult:
    question: QuestionView
    correct: bool
    chosen: list[int]
    text: str
    #: Feedback for each choice picked, then the question's own.
    feedback: list[str]


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def grade(quiz: ItemView, answers: dict[str, Any]) -> list[QuestionResult]:
    """Each question of ``quiz`` scored against stored ``answers`` (keys are question ids)."""
    results = []
    for question in quiz.questions:
        given = answers.get(str(question.id))
        chosen: list[int] = []
        text = ""
        if question.kind == QuestionKind.SHORT:
            text = given if isinstance(given, str) else ""
            correct = _normal(text) in {_normal(a) for a in question.answers}
            feedback = []
        else:
            chosen = [int(c) for c in given] if isinstance(given, list) else []
            right = {c.id for c in question.choices if c.correct}
            correct = set(chosen) == right
            feedback = [c.feedback for c in question.choices if c.id in chosen and c.feedback]
        if question.feedback:
            feedback.append(question.feedback)
        results.append(QuestionResult(question, correct, chosen, text, feedback))
    return results


def score_of(results: list[QuestionResult]) -> int:
    if not results:
        return 0
    return round(100 * sum(r.correct for r in results) / len(results))


def attempts_used(session: Session, enrolment: Enrolment, item_id: int) -> int:
    return (
        session.scalar(
            select(func.count(QuizAttempt.id)).where(
                QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.item_id == item_id
            )
        )
        or 0
    )


def last_attempt(session: Session, enrolment: Enrolment, item_id: int) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.item_id == item_id)
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    )


def _check_answers(quiz: ItemView, answers: Answers) -> dict[str, Any]:
    """Refuse answers that do not fit this quiz; return them in the stored form."""
    questions = {q.id: q for q in quiz.questions}
    foreign = [qid for qid in answers if qid not in questions]
    if foreign:
        raise ValidationFailed(_("An answer was sent for a question that is not in this quiz."))
    errors: dict[str, list[str]] = {}
    stored: dict[str, Any] = {}
    for question in quiz.questions:
        given = [v for v in answers.get(question.id, []) if v.strip()]
        key = f"q{question.id}"
        if question.kind == QuestionKind.SHORT:
            if not given:
                errors[key] = [_("Answer this question.")]
                continue
            stored[str(question.id)] = given[0].strip()[:500]
            continue
        if not all(v.strip().isdigit() for v in given):
            raise ValidationFailed(_("An answer was sent for a question that is not in this quiz."))
        picked = [int(v) for v in given]
        if not picked:
            errors[key] = [_("Answer this question.")]
            continue
        valid = {c.id for c in question.choices}
        if any(c not in valid for c in picked):
            raise ValidationFailed(_("An answer was sent for a question that is not in this quiz."))
        if question.kind != QuestionKind.MULTIPLE and len(picked) > 1:
            errors[key] = [_("Choose one answer.")]
            continue
        stored[str(question.id)] = sorted(set(picked))
    if errors:
        raise ValidationFailed(errors=errors)
    return stored


def submit(
    session: Session, enrolment: Enrolment, item_id: int, answers: Answers, *, locale: str
) -> QuizAttempt:
    """Score one attempt at a quiz. Refused (nothing stored) past the attempt limit, for a
    course that is not open, or with answers that do not belong to this quiz."""
    course = Snapshot(enrolment.version.snapshot, locale)
    quiz = open_item_of(enrolment, course, item_id)
    if quiz.kind is not ItemKind.QUIZ:
        raise ValidationFailed(_("This item is not a quiz."))
    used = attempts_used(session, enrolment, item_id)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise Conflict(
            _(
                "You have no attempts left at this quiz: the limit is %(count)d.",
                count=quiz.max_attempts,
            )
        )
    stored = _check_answers(quiz, answers)
    results = grade(quiz, stored)
    score = score_of(results)
    passed = score >= (quiz.pass_mark if quiz.pass_mark is not None else 100)
    attempt = QuizAttempt(
        enrolment=enrolment,
        item_id=item_id,
        number=used + 1,
        score=score,
        is_passed=passed,
        answers=stored,
    )
    session.add(attempt)
    session.flush()
    context = event_context(enrolment, course, quiz)
    for result in results:
        events.record(
            session,
            actor=enrolment.user,
            verb="answered",
            object_type="question",
            object_id=str(result.question.id),
            object_name={locale: result.question.prompt},
            result={
                "success": result.correct,
                "response": result.text or ",".join(str(c) for c in result.chosen),
            },
            context={**context, "parent": {"type": "quiz", "id": str(item_id)}},
        )
    events.record(
        session,
        actor=enrolment.user,
        verb="passed" if passed else "failed",
        object_type="quiz",
        object_id=str(item_id),
        object_name={locale: quiz.title},
        result={
            "score": {"scaled": score / 100, "raw": score, "min": 0, "max": 100},
            "success": passed,
            "completion": True,
        },
        context={**context, "attempt": attempt.number},
    )
    if passed:
        mark_done(session, enrolment, item_id, locale=locale)
    return attempt
