"""Demo content: courses written as files, loaded into published courses.

The layout, one folder per course::

    <course-slug>/course.<lang>.md                 front matter: title, summary, topic, minutes
    <course-slug>/<NN-module>/module.<lang>.md     front matter: title, summary; body: intro
    <course-slug>/<NN-module>/<NN-item>.<lang>.md  type = "lesson" | "reflection", title; body
    <course-slug>/<NN-module>/<NN-item>.<lang>.toml  type = "quiz", title, pass_mark,
                                                   max_attempts, [[questions]] …

Front matter is TOML between ``+++`` lines; bodies are Markdown, sanitised like anything an
author types. A quiz's languages are matched question by question and choice by choice, in
file order; which choice is correct comes from the course's fallback language.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.courses import services
from content.courses.models import Course, ItemKind, Module, TextFormat
from content.courses.snapshot import Snapshot
from content.quizzes.models import QuestionKind
from lms.config import LOCALES

#: The pilot courses shipped with Librarena.
DEMO_ROOT = Path(__file__).parent / "demo"


class DemoContentError(ValueError):
    """A demo file that does not follow the layout; the message names the file."""


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """``+++``-fenced TOML front matter and the Markdown body after it."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "+++":
        raise DemoContentError(f"{path}: no +++ front matter")
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == "+++":
            try:
                meta = tomllib.loads("".join(lines[1:end]))
            except tomllib.TOMLDecodeError as exc:
                raise DemoContentError(f"{path}: {exc}") from exc
            return meta, "".join(lines[end + 1 :]).strip()
    raise DemoContentError(f"{path}: the front matter is not closed with +++")


def _by_locale(folder: Path, stem: str, suffix: str) -> dict[str, Path]:
    """``{locale: path}`` for ``<stem>.<locale><suffix>`` files in ``folder``."""
    found = {}
    for loc in LOCALES:
        path = folder / f"{stem}.{loc}{suffix}"
        if path.is_file():
            found[loc] = path
    return found


def _read(path: Path) -> tuple[dict[str, Any], str]:
    return split_front_matter(path.read_text(encoding="utf-8"), path)


def _fallback(locales: dict[str, Path]) -> str:
    return "en" if "en" in locales else sorted(locales)[0]


def _item_stems(folder: Path) -> list[tuple[str, str]]:
    """``(stem, suffix)`` of each item in a module folder, in file-name order."""
    stems: dict[str, str] = {}
    for path in folder.iterdir():
        if path.name.startswith("module."):
            continue
        if path.suffix not in (".md", ".toml"):
            continue
        stem, _dot, loc = path.stem.rpartition(".")
        if loc in LOCALES and stem:
            stems[stem] = path.suffix
    return sorted(stems.items())


def _quiz(session: Session, module: Module, files: dict[str, Path], fallback: str) -> None:
    quizzes: dict[str, dict[str, Any]] = {}
    for loc, path in files.items():
        try:
            quizzes[loc] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DemoContentError(f"{path}: {exc}") from exc
    base = quizzes[fallback]
    item = services.add_item(
        session,
        module,
        kind=ItemKind.QUIZ,
        translations={
            loc: {
                "title": q.get("title"),
                "body": q.get("intro", ""),
                "format": TextFormat.MARKDOWN,
            }
            for loc, q in quizzes.items()
        },
        pass_mark=base.get("pass_mark"),
        max_attempts=base.get("max_attempts"),
    )
    for n, question in enumerate(base.get("questions", [])):
        kind = QuestionKind(question["kind"])

        def each(key: str, n: int = n) -> dict[str, Any]:
            out = {}
            for loc, quiz in quizzes.items():
                questions = quiz.get("questions", [])
                if n < len(questions) and key in questions[n]:
                    out[loc] = questions[n][key]
            return out

        choices = []
        for m, choice in enumerate(question.get("choices", [])):
            text: dict[str, str] = {}
            feedback: dict[str, str] = {}
            for loc, quiz in quizzes.items():
                other = quiz.get("questions", [])
                if n < len(other) and m < len(other[n].get("choices", [])):
                    text[loc] = other[n]["choices"][m].get("text", "")
                    feedback[loc] = other[n]["choices"][m].get("feedback", "")
            choices.append(
                {"correct": bool(choice.get("correct")), "text": text, "feedback": feedback}
            )
        services.add_question(
            session,
            item,
            kind=kind,
            prompt=each("prompt"),
            feedback=each("feedback"),
            answers=each("answers") if kind is QuestionKind.SHORT else None,
            choices=choices,
        )


def load_course(session: Session, folder: Path) -> Course:
    """Create and publish the course in ``folder``."""
    files = _by_locale(folder, "course", ".md")
    if not files:
        raise DemoContentError(f"{folder}: no course.<lang>.md")
    fallback = _fallback(files)
    translations: dict[str, dict[str, Any]] = {}
    meta: dict[str, Any] = {}
    for loc, path in files.items():
        front, body = _read(path)
        if loc == fallback:
            meta = front
        translations[loc] = {
            "title": front.get("title"),
            "summary": front.get("summary", ""),
            "description": body,
            "format": TextFormat.MARKDOWN,
        }
    course = services.create_course(
        session,
        slug=folder.name,
        translations=translations,
        fallback_locale=fallback,
        topic=meta.get("topic", ""),
        estimated_minutes=int(meta.get("minutes", 0)),
    )
    for module_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        module_files = _by_locale(module_dir, "module", ".md")
        items = _item_stems(module_dir)
        if not module_files or not items:
            continue  # a module still being written
        module_translations = {}
        for loc, path in module_files.items():
            front, body = _read(path)
            module_translations[loc] = {
                "title": front.get("title"),
                "summary": front.get("summary", ""),
                "intro": body,
            }
        module = services.add_module(session, course, translations=module_translations)
        for stem, suffix in items:
            item_files = _by_locale(module_dir, stem, suffix)
            if fallback not in item_files:
                raise DemoContentError(f"{module_dir}/{stem}: no {fallback} version")
            if suffix == ".toml":
                _quiz(session, module, item_files, fallback)
                continue
            item_translations: dict[str, dict[str, Any]] = {}
            kind = ItemKind.LESSON
            for loc, path in item_files.items():
                front, body = _read(path)
                if loc == fallback:
                    kind = ItemKind(front.get("type", "lesson"))
                item_translations[loc] = {
                    "title": front.get("title"),
                    "body": body,
                    "format": TextFormat.MARKDOWN,
                }
            services.add_item(session, module, kind=kind, translations=item_translations)
    from content.demo_media import attach_planning_template

    attach_planning_template(session, course)
    services.publish(session, course, by=None)
    return course


def load_demo_courses(session: Session, root: Path = DEMO_ROOT) -> list[Course]:
    """Load every course under ``root`` that is not in the database yet, published; then put
    some of the first demo library's staff some way into them."""
    loaded: list[Course] = []
    if not root.is_dir():
        return loaded
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if session.scalar(select(Course.id).where(Course.slug == folder.name)) is not None:
            continue
        loaded.append(load_course(session, folder))
    enrol_demo_staff(session, loaded)
    return loaded


#: The demo accounts people sign in with; they start the courses themselves.
DEMO_ROLES = ("admin", "coordinator", "manager", "evaluator", "learner")
#: The demo library whose staff are enrolled, so its manager's pages have something to show.
DEMO_LIBRARY = "Falu stadsbibliotek"


def enrol_demo_staff(session: Session, courses: list[Course]) -> None:
    """Enrol the demo library's staff (not the demo accounts, which start fresh) in the
    courses, each a little further on than the one before."""
    from content.progress import services as progress
    from lms.auth.models import User
    from lms.demo import DEMO_DOMAIN
    from lms.orgs.models import Membership, OrgUnit

    library = session.scalar(select(OrgUnit).where(OrgUnit.name == DEMO_LIBRARY))
    if library is None or not courses:
        return
    staff = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.library_id == library.id,
            User.email.not_in([f"{role}@{DEMO_DOMAIN}" for role in DEMO_ROLES]),
        )
        .order_by(User.id)
    )
    for n, user in enumerate(staff):
        course = courses[n % len(courses)]
        locale = user.locale or course.fallback_locale
        enrolment = progress.enrol(session, course, user, locale=locale)
        view = Snapshot(enrolment.version.snapshot, locale)
        lessons = [item for item in view.items if item.kind is ItemKind.LESSON]
        for lesson in lessons[: 2 + 3 * n]:
            progress.mark_seen(session, enrolment, lesson.id, locale=locale)
