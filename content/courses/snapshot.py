"""A course frozen as JSON, and a reader that shows it in one language.

A :class:`~content.courses.models.CourseVersion` stores :func:`build`'s output; learners'
pages read it through :class:`Snapshot`, so a course page or a lesson costs the same few
queries however many modules, items and questions the course has.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from content.courses.models import Course, ItemKind

FORMAT = 1


def build(course: Course) -> dict[str, Any]:
    """The draft of ``course`` (modules, items, questions loaded) as a JSON-ready dict."""
    return {
        "format": FORMAT,
        "course": {
            "id": course.id,
            "slug": course.slug,
            "fallback_locale": course.fallback_locale,
            "topic": course.topic,
            "estimated_minutes": course.estimated_minutes,
            "translations": {
                t.locale: {
                    "title": t.title,
                    "summary": t.summary,
                    "description_html": t.description_html,
                }
                for t in course.translations
            },
        },
        "modules": [
            {
                "id": module.id,
                "translations": {
                    t.locale: {"title": t.title, "summary": t.summary, "intro_html": t.intro_html}
                    for t in module.translations
                },
                "items": [
                    {
                        "id": item.id,
                        "kind": item.kind.value,
                        "pass_mark": item.pass_mark,
                        "max_attempts": item.max_attempts,
                        "translations": {
                            t.locale: {"title": t.title, "body_html": t.body_html}
                            for t in item.translations
                        },
                        "questions": [
                            {
                                "id": q.id,
                                "kind": q.kind.value,
                                "prompt": dict(q.prompt),
                                "feedback": dict(q.feedback),
                                "answers": {k: list(v) for k, v in q.answers.items()},
                                "choices": [
                                    {
                                        "id": c.id,
                                        "correct": c.is_correct,
                                        "text": dict(c.text),
                                        "feedback": dict(c.feedback),
                                    }
                                    for c in q.choices
                                ],
                            }
                            for q in item.questions
                        ],
                    }
                    for item in module.items
                ],
            }
            for module in course.modules
        ],
    }


def catalogue_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The ``published_*`` columns of a :class:`~content.courses.models.Course` that the
    catalogue reads, from a snapshot built by :func:`build`."""
    course = data["course"]
    return {
        "published_topic": course["topic"],
        "published_minutes": course["estimated_minutes"],
        "published_locales": "," + ",".join(sorted(course["translations"])) + ",",
        "published_header": {
            "course": {
                **{k: v for k, v in course.items() if k != "translations"},
                "translations": {
                    loc: {"title": t["title"], "summary": t["summary"], "description_html": ""}
                    for loc, t in course["translations"].items()
                },
            },
            "modules": [],
        },
    }


class _Localised:
    def __init__(self, locale: str, fallback: str) -> None:
        self.locale = locale
        self.fallback = fallback

    def text(self, values: dict[str, Any], key: str | None = None) -> Any:
        """``values[locale]`` (or ``[key]`` of it), else the fallback locale's, else any."""
        for loc in (self.locale, self.fallback, *values):
            entry = values.get(loc)
            if entry is None:
                continue
            value = entry.get(key) if key is not None else entry
            if value:
                return value
        return "" if key is not None else None


@dataclass
class ChoiceView:
    id: int
    text: str
    feedback: str
    correct: bool


@dataclass
class QuestionView:
    id: int
    kind: str
    prompt: str
    feedback: str
    answers: list[str]
    choices: list[ChoiceView]


@dataclass
class ItemView:
    id: int
    kind: ItemKind
    title: str
    body_html: str
    pass_mark: int | None
    max_attempts: int | None
    module_id: int
    number: int  # 1-based, across the course
    questions: list[QuestionView]


@dataclass
class ModuleView:
    id: int
    title: str
    summary: str
    intro_html: str
    items: list[ItemView]


class Snapshot(_Localised):
    """A course version read in ``locale`` (falling back as the course says)."""

    def __init__(self, data: dict[str, Any], locale: str) -> None:
        self.data = data
        course = data["course"]
        super().__init__(locale, course["fallback_locale"])
        self.slug: str = course["slug"]
        self.course_id: int = course["id"]
        self.topic: str = course["topic"]
        self.estimated_minutes: int = course["estimated_minutes"]
        self.locales: list[str] = sorted(course["translations"])
        self.title: str = self.text(course["translations"], "title")
        self.summary: str = self.text(course["translations"], "summary")
        self.description_html: str = self.text(course["translations"], "description_html")
        #: The language the course's texts are shown in (for ``lang`` attributes).
        self.text_locale: str = next(
            (loc for loc in (locale, self.fallback) if loc in course["translations"]),
            self.locales[0] if self.locales else self.fallback,
        )

    @cached_property
    def modules(self) -> list[ModuleView]:
        out: list[ModuleView] = []
        number = 0
        for module in self.data["modules"]:
            items = []
            for item in module["items"]:
                number += 1
                items.append(self._item(item, module["id"], number))
            out.append(
                ModuleView(
                    id=module["id"],
                    title=self.text(module["translations"], "title"),
                    summary=self.text(module["translations"], "summary"),
                    intro_html=self.text(module["translations"], "intro_html"),
                    items=items,
                )
            )
        return out

    def _item(self, item: dict[str, Any], module_id: int, number: int) -> ItemView:
        return ItemView(
            id=item["id"],
            kind=ItemKind(item["kind"]),
            title=self.text(item["translations"], "title"),
            body_html=self.text(item["translations"], "body_html"),
            pass_mark=item["pass_mark"],
            max_attempts=item["max_attempts"],
            module_id=module_id,
            number=number,
            questions=[
                QuestionView(
                    id=q["id"],
                    kind=q["kind"],
                    prompt=self.text(q["prompt"]) or "",
                    feedback=self.text(q["feedback"]) or "",
                    answers=self.text(q["answers"]) or [],
                    choices=[
                        ChoiceView(
                            id=c["id"],
                            text=self.text(c["text"]) or "",
                            feedback=self.text(c["feedback"]) or "",
                            correct=bool(c["correct"]),
                        )
                        for c in q["choices"]
                    ],
                )
                for q in item["questions"]
            ],
        )

    @cached_property
    def items(self) -> list[ItemView]:
        return [item for module in self.modules for item in module.items]

    def item(self, item_id: int) -> ItemView | None:
        return next((i for i in self.items if i.id == item_id), None)

    def neighbours(self, item_id: int) -> tuple[ItemView | None, ItemView | None]:
        ids = [i.id for i in self.items]
        at = ids.index(item_id)
        return (
            self.items[at - 1] if at > 0 else None,
            self.items[at + 1] if at + 1 < len(ids) else None,
        )

    def required_ids(self) -> set[int]:
        """The completion rule: every lesson seen and every quiz passed."""
        return {i.id for i in self.items if i.kind in (ItemKind.LESSON, ItemKind.QUIZ)}
