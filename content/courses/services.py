"""Authoring courses: the draft tree, ordering, publishing. Services flush; views commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from content import sanitize
from content.courses import snapshot
from content.courses.models import (
    Course,
    CourseTranslation,
    CourseVersion,
    Item,
    ItemKind,
    ItemTranslation,
    Module,
    ModuleTranslation,
    TextFormat,
)
from content.quizzes.models import Choice, Question, QuestionKind
from lms.auth.models import User
from lms.config import LOCALES
from lms.db import utcnow
from lms.errors import Conflict, NotFound, ValidationFailed

#: Translations as forms give them: locale → field → value. A locale with no title is absent.
Translations = Mapping[str, Mapping[str, Any]]


# Loading


def course_tree_options() -> list[Any]:
    """Eager loads for a whole course, a fixed number of queries however big it is."""
    modules = selectinload(Course.modules)
    items = modules.selectinload(Module.items)
    questions = items.selectinload(Item.questions)
    return [
        selectinload(Course.translations),
        modules.selectinload(Module.translations),
        items.selectinload(Item.translations),
        questions.selectinload(Question.choices),
    ]


def load_course(session: Session, course_id: int) -> Course:
    """A course with its whole draft tree loaded, or NotFound."""
    course = session.scalar(
        select(Course).where(Course.id == course_id).options(*course_tree_options())
    )
    if course is None:
        raise NotFound()
    return course


def courses_list() -> Select[Course]:
    """Every course for authors, newest change first, with translations."""
    return (
        select(Course)
        .options(selectinload(Course.translations))
        .order_by(Course.updated_at.desc(), Course.id.desc())
    )


def latest_version(session: Session, course_id: int) -> CourseVersion | None:
    return session.scalar(
        select(CourseVersion)
        .where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.number.desc())
        .limit(1)
    )


def latest_versions(session: Session, course_ids: list[int]) -> dict[int, CourseVersion]:
    """The latest version of each of ``course_ids`` (one query)."""
    if not course_ids:
        return {}
    newest = (
        select(CourseVersion.course_id, func.max(CourseVersion.number).label("number"))
        .where(CourseVersion.course_id.in_(course_ids))
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    stmt = select(CourseVersion).join(
        newest,
        (CourseVersion.course_id == newest.c.course_id) & (CourseVersion.number == newest.c.number),
    )
    return {version.course_id: version for version in session.scalars(stmt)}


def published_headers(
    session: Session, course_ids: list[int], locale: str
) -> dict[int, snapshot.Snapshot]:
    """The course-level part (title, summary, topic, length, languages) of each course's latest
    published version, from small columns: a catalogue page never loads whole versions."""
    if not course_ids:
        return {}
    stmt = select(Course.id, Course.published_header).where(Course.id.in_(course_ids))
    return {
        course_id: snapshot.Snapshot(header, locale)
        for course_id, header in session.execute(stmt)
        if header
    }


def catalogue(
    *, locale: str | None = None, topic: str | None = None, max_minutes: int | None = None
) -> Select[Course]:
    """Published courses, optionally only those in ``locale``, on ``topic``, or short enough.

    Filters read the published version (``Course.published_*``), not the draft: an author
    changing a course's topic or length moves it only when they publish.
    """
    stmt = select(Course).where(Course.is_published.is_(True))
    if locale:
        stmt = stmt.where(Course.published_locales.contains(f",{locale},", autoescape=True))
    if topic:
        stmt = stmt.where(Course.published_topic == topic)
    if max_minutes is not None:
        stmt = stmt.where(Course.published_minutes <= max_minutes)
    # No translations loaded: pages show the published header (``published_headers``).
    return stmt.order_by(Course.slug)


def topics(session: Session) -> list[str]:
    """The topics of published courses (as published), for the catalogue's filter."""
    stmt = (
        select(Course.published_topic)
        .where(Course.is_published.is_(True), Course.published_topic != "")
        .distinct()
        .order_by(Course.published_topic)
    )
    return list(session.scalars(stmt))


# Courses


def _check_slug(session: Session, slug: str, exclude_id: int | None = None) -> None:
    stmt = select(Course.id).where(func.lower(Course.slug) == slug.lower())
    if exclude_id is not None:
        stmt = stmt.where(Course.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict(errors={"slug": [_("Another course already has this address.")]})


def _check_fallback(translations: Translations, fallback_locale: str) -> None:
    if fallback_locale not in LOCALES:
        raise ValidationFailed(errors={"fallback_locale": [_("Choose one of the options.")]})
    if not (translations.get(fallback_locale) or {}).get("title"):
        raise ValidationFailed(
            errors={
                f"title_{fallback_locale}": [
                    _("The fallback language needs a title: it is shown when others are missing.")
                ]
            }
        )


def _body(text: str, fmt: TextFormat, policy: sanitize.Policy) -> str:
    return sanitize.render(text, fmt=fmt.value, policy=policy)


def _set_course_translations(course: Course, translations: Translations) -> None:
    existing = {t.locale: t for t in course.translations}
    for locale in LOCALES:
        given = translations.get(locale) or {}
        current = existing.get(locale)
        if not given.get("title"):
            if current is not None:
                course.translations.remove(current)
            continue
        if current is None:
            current = CourseTranslation(locale=locale)
            course.translations.append(current)
        fmt = TextFormat(given.get("format") or TextFormat.MARKDOWN)
        source = given.get("description") or ""
        current.title = given["title"]
        current.summary = given.get("summary") or ""
        current.description_source = source
        current.description_format = fmt
        current.description_html = _body(source, fmt, sanitize.RICH_TEXT)


def create_course(
    session: Session,
    *,
    slug: str,
    translations: Translations,
    fallback_locale: str = "en",
    topic: str = "",
    estimated_minutes: int = 0,
) -> Course:
    """Create a draft course with its translations (the fallback locale's is required)."""
    _check_fallback(translations, fallback_locale)
    _check_slug(session, slug)
    course = Course(
        slug=slug,
        fallback_locale=fallback_locale,
        topic=topic or "",
        estimated_minutes=estimated_minutes or 0,
    )
    _set_course_translations(course, translations)
    session.add(course)
    session.flush()
    return course


def update_course(
    session: Session,
    course: Course,
    *,
    slug: str,
    translations: Translations,
    fallback_locale: str,
    topic: str = "",
    estimated_minutes: int = 0,
) -> Course:
    """Change a course's draft; learners see it once it is published again."""
    _check_fallback(translations, fallback_locale)
    _check_slug(session, slug, exclude_id=course.id)
    course.slug = slug
    course.fallback_locale = fallback_locale
    course.topic = topic or ""
    course.estimated_minutes = estimated_minutes or 0
    _set_course_translations(course, translations)
    course.updated_at = utcnow()
    session.flush()
    return course


def delete_course(session: Session, course: Course) -> None:
    """Delete a course nobody has enrolled in; one with learners is unpublished instead."""
    from content.progress.models import Enrolment

    if session.scalar(select(exists().where(Enrolment.course_id == course.id))):
        raise Conflict(_("People are enrolled in this course. Unpublish it instead."))
    session.delete(course)
    session.flush()


# Modules and items


def _titles_required(translations: Translations, fallback: str) -> None:
    if not (translations.get(fallback) or {}).get("title"):
        raise ValidationFailed(
            errors={
                f"title_{fallback}": [_("A title in the course's fallback language is needed.")]
            }
        )


def _set_module_translations(module: Module, translations: Translations) -> None:
    existing = {t.locale: t for t in module.translations}
    for locale in LOCALES:
        given = translations.get(locale) or {}
        current = existing.get(locale)
        if not given.get("title"):
            if current is not None:
                module.translations.remove(current)
            continue
        if current is None:
            current = ModuleTranslation(locale=locale)
            module.translations.append(current)
        source = given.get("intro") or ""
        current.title = given["title"]
        current.summary = given.get("summary") or ""
        current.intro_source = source
        current.intro_html = sanitize.markdown_to_html(source, sanitize.RICH_TEXT)


def _touch(course: Course) -> None:
    course.updated_at = utcnow()


def add_module(session: Session, course: Course, *, translations: Translations) -> Module:
    """Add a module at the end of the course."""
    _titles_required(translations, course.fallback_locale)
    module = Module(course=course, position=len(course.modules))
    _set_module_translations(module, translations)
    session.add(module)
    _touch(course)
    session.flush()
    return module


def update_module(session: Session, module: Module, *, translations: Translations) -> Module:
    _titles_required(translations, module.course.fallback_locale)
    _set_module_translations(module, translations)
    _touch(module.course)
    session.flush()
    return module


def _move(siblings: list[Any], target: Any, delta: int) -> None:
    ordered = sorted(siblings, key=lambda s: (s.position, s.id))
    at = ordered.index(target)
    to = at + delta
    if 0 <= to < len(ordered):
        ordered[at], ordered[to] = ordered[to], ordered[at]
    for position, sibling in enumerate(ordered):
        sibling.position = position


def move_module(session: Session, module: Module, delta: int) -> None:
    """Move a module up (``-1``) or down (``1``); at either end nothing changes."""
    _move(module.course.modules, module, delta)
    _touch(module.course)
    session.flush()


def delete_module(session: Session, module: Module) -> None:
    """Delete a module and its items from the draft; published versions keep theirs."""
    course = module.course
    course.modules.remove(module)
    for position, sibling in enumerate(course.modules):
        sibling.position = position
    _touch(course)
    session.flush()


def _set_item_translations(item: Item, translations: Translations) -> None:
    existing = {t.locale: t for t in item.translations}
    for locale in LOCALES:
        given = translations.get(locale) or {}
        current = existing.get(locale)
        if not given.get("title"):
            if current is not None:
                item.translations.remove(current)
            continue
        if current is None:
            current = ItemTranslation(locale=locale)
            item.translations.append(current)
        fmt = TextFormat(given.get("format") or TextFormat.MARKDOWN)
        source = given.get("body") or ""
        current.title = given["title"]
        current.body_source = source
        current.body_format = fmt
        current.body_html = _body(source, fmt, sanitize.LESSON)


def _check_quiz_settings(kind: ItemKind, pass_mark: int | None, max_attempts: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        errors["pass_mark"] = [_("Enter a number from 0 to 100.")]
    if max_attempts is not None and max_attempts < 1:
        errors["max_attempts"] = [_("Enter a number from 1 up, or leave it empty.")]
    if errors:
        raise ValidationFailed(errors=errors)


def add_item(
    session: Session,
    module: Module,
    *,
    kind: ItemKind,
    translations: Translations,
    pass_mark: int | None = None,
    max_attempts: int | None = None,
) -> Item:
    """Add a lesson, quiz or reflection task at the end of a module; bodies are sanitised."""
    _titles_required(translations, module.course.fallback_locale)
    _check_quiz_settings(kind, pass_mark, max_attempts)
    item = Item(module=module, kind=kind, position=len(module.items))
    if kind is ItemKind.QUIZ:
        item.pass_mark = 100 if pass_mark is None else pass_mark
        item.max_attempts = max_attempts
    _set_item_translations(item, translations)
    session.add(item)
    _touch(module.course)
    session.flush()
    return item


def update_item(
    session: Session,
    item: Item,
    *,
    translations: Translations,
    pass_mark: int | None = None,
    max_attempts: int | None = None,
) -> Item:
    _titles_required(translations, item.module.course.fallback_locale)
    _check_quiz_settings(item.kind, pass_mark, max_attempts)
    if item.kind is ItemKind.QUIZ:
        item.pass_mark = 100 if pass_mark is None else pass_mark
        item.max_attempts = max_attempts
    _set_item_translations(item, translations)
    _touch(item.module.course)
    session.flush()
    return item


def move_item(session: Session, item: Item, delta: int) -> None:
    """Move an item up (``-1``) or down (``1``) within its module."""
    _move(item.module.items, item, delta)
    _touch(item.module.course)
    session.flush()


def delete_item(session: Session, item: Item) -> None:
    module = item.module
    module.items.remove(item)
    for position, sibling in enumerate(module.items):
        sibling.position = position
    _touch(module.course)
    session.flush()


# Questions


def _check_question(
    item: Item,
    kind: QuestionKind,
    prompt: Mapping[str, str],
    choices: list[dict[str, Any]],
    answers: Mapping[str, list[str]] | None,
) -> list[dict[str, Any]]:
    """Refuse a question a learner could not answer right; return the choices to keep."""
    if item.kind is not ItemKind.QUIZ:
        raise ValidationFailed(_("Only a quiz has questions."))
    fallback = item.module.course.fallback_locale
    errors: dict[str, list[str]] = {}
    if not prompt.get(fallback):
        errors[f"prompt_{fallback}"] = [
            _("A question in the course's fallback language is needed.")
        ]
    if kind is QuestionKind.SHORT:
        if not (answers or {}).get(fallback):
            errors[f"choices_{fallback}"] = [_("Give at least one accepted answer.")]
        choices = []
    else:
        if len(choices) < 2:
            errors[f"choices_{fallback}"] = [_("Give at least two choices.")]
        correct = sum(1 for c in choices if c.get("correct"))
        if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            errors["correct"] = [_("Mark exactly one choice as correct.")]
        elif kind is QuestionKind.MULTIPLE and correct < 1:
            errors["correct"] = [_("Mark at least one choice as correct.")]
        if kind is QuestionKind.TRUE_FALSE and len(choices) != 2:
            errors[f"choices_{fallback}"] = [_("A true/false question has exactly two choices.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return choices


def _fill_question(
    question: Question,
    kind: QuestionKind,
    prompt: Mapping[str, str],
    choices: list[dict[str, Any]],
    answers: Mapping[str, list[str]] | None,
    feedback: Mapping[str, str] | None,
) -> None:
    question.kind = kind
    question.prompt = {k: v for k, v in prompt.items() if v}
    question.feedback = {k: v for k, v in (feedback or {}).items() if v}
    question.answers = {k: list(v) for k, v in (answers or {}).items() if v}
    # New rows, not edited ones: published versions keep the choices (and ids) they froze.
    question.choices = [
        Choice(
            position=n,
            is_correct=bool(c.get("correct")),
            text={k: v for k, v in c.get("text", {}).items() if v},
            feedback={k: v for k, v in c.get("feedback", {}).items() if v},
        )
        for n, c in enumerate(choices)
    ]


def add_question(
    session: Session,
    item: Item,
    *,
    kind: QuestionKind,
    prompt: Mapping[str, str],
    choices: list[dict[str, Any]] | None = None,
    answers: Mapping[str, list[str]] | None = None,
    feedback: Mapping[str, str] | None = None,
) -> Question:
    """Add a question to a quiz.

    ``choices`` are ``{"correct": bool, "text": {locale: …}, "feedback": {locale: …}}``;
    a short-answer question has ``answers`` (locale → accepted answers) instead.
    """
    kept = _check_question(item, kind, prompt, choices or [], answers)
    question = Question(item=item, position=len(item.questions))
    _fill_question(question, kind, prompt, kept, answers, feedback)
    session.add(question)
    _touch(item.module.course)
    session.flush()
    return question


def update_question(
    session: Session,
    question: Question,
    *,
    kind: QuestionKind,
    prompt: Mapping[str, str],
    choices: list[dict[str, Any]] | None = None,
    answers: Mapping[str, list[str]] | None = None,
    feedback: Mapping[str, str] | None = None,
) -> Question:
    """Change a question of the draft; people already in the course keep the old one."""
    kept = _check_question(question.item, kind, prompt, choices or [], answers)
    _fill_question(question, kind, prompt, kept, answers, feedback)
    _touch(question.item.module.course)
    session.flush()
    return question


def move_question(session: Session, question: Question, delta: int) -> None:
    """Move a question up (``-1``) or down (``1``) within its quiz."""
    _move(question.item.questions, question, delta)
    _touch(question.item.module.course)
    session.flush()


def delete_question(session: Session, question: Question) -> None:
    item = question.item
    item.questions.remove(question)
    for position, sibling in enumerate(item.questions):
        sibling.position = position
    _touch(item.module.course)
    session.flush()


# Publishing


def publish(session: Session, course: Course, *, by: User | None) -> CourseVersion:
    """Freeze the draft as a new version and open the course to learners.

    People already enrolled keep the version they started; new enrolments get this one.
    """
    problems: list[str] = []
    items = [item for module in course.modules for item in module.items]
    if not items:
        problems.append(_("A course needs at least one item before it can be published."))
    for item in items:
        if item.kind is ItemKind.QUIZ and not item.questions:
            title = item.translation(course.fallback_locale).title
            problems.append(_("The quiz “%(title)s” has no questions.", title=title))
    if problems:
        raise ValidationFailed(errors={"_": problems})
    previous = latest_version(session, course.id)
    data = snapshot.build(course)
    version = CourseVersion(
        course=course,
        number=(previous.number + 1) if previous else 1,
        snapshot=data,
        published_by_id=by.id if by else None,
    )
    session.add(version)
    course.is_published = True
    for column, value in snapshot.catalogue_fields(data).items():
        setattr(course, column, value)
    session.flush()
    return version


def unpublish(session: Session, course: Course) -> None:
    """Take a course out of the catalogue; enrolled learners can no longer open its items."""
    course.is_published = False
    session.flush()
