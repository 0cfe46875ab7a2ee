"""What the authoring forms accept. Per-locale fields are named ``<field>_<locale>``."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validates

from content.courses.models import ItemKind, TextFormat
from content.quizzes.models import QuestionKind
from lms.config import LOCALES
from lms.schema import Choice, FormSchema, Integer, Text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: The most text one rich-text field may hold (the form guard caps the whole body too).
MAX_BODY = 100_000


def _per_locale(**spec: Any) -> dict[str, fields.Field]:
    """``title=lambda: Text(…)`` → ``{"title_sv": Text(…), "title_nb": …}``."""
    return {f"{name}_{loc}": make() for loc in LOCALES for name, make in spec.items()}


def translations(data: dict[str, Any], *names: str) -> dict[str, dict[str, Any]]:
    """Loaded ``<name>_<locale>`` fields regrouped by locale."""
    return {loc: {name: data.get(f"{name}_{loc}") for name in names} for loc in LOCALES}


class _CourseFields(FormSchema):
    slug = Text(required=True, max_length=80)
    fallback_locale = Text(required=True, max_length=8)
    topic = Text(max_length=80)
    estimated_minutes = Integer(load_default=0)

    @validates("slug")
    def _slug(self, value: str, **_kw: Any) -> None:
        if not SLUG.match(value):
            raise ValidationError(
                _("Use lower-case letters a–z, digits and single hyphens, e.g. digital-mediation.")
            )

    @validates("fallback_locale")
    def _locale(self, value: str, **_kw: Any) -> None:
        if value not in LOCALES:
            raise ValidationError(_("Choose one of the options."))

    @validates("estimated_minutes")
    def _minutes(self, value: int | None, **_kw: Any) -> None:
        if value is not None and not 0 <= value <= 10_000:
            raise ValidationError(_("Enter a number from 0 to 10000."))


CourseSchema = type(
    "CourseSchema",
    (_CourseFields,),
    _per_locale(
        title=lambda: Text(max_length=200),
        summary=lambda: Text(max_length=500),
        description=lambda: Text(max_length=MAX_BODY),
        format=lambda: Choice(TextFormat, load_default=TextFormat.MARKDOWN),
    ),
)

ModuleSchema = type(
    "ModuleSchema",
    (FormSchema,),
    _per_locale(
        title=lambda: Text(max_length=200),
        summary=lambda: Text(max_length=500),
        intro=lambda: Text(max_length=MAX_BODY),
    ),
)


class _ItemFields(FormSchema):
    pass_mark = Integer()
    max_attempts = Integer()


ItemSchema = type(
    "ItemSchema",
    (_ItemFields,),
    _per_locale(
        title=lambda: Text(max_length=200),
        body=lambda: Text(max_length=MAX_BODY),
        format=lambda: Choice(TextFormat, load_default=TextFormat.MARKDOWN),
    ),
)


class ItemKindQuerySchema(FormSchema):
    kind = Choice(ItemKind, required=True)


class MoveSchema(FormSchema):
    direction = Text(required=True, max_length=8)

    @validates("direction")
    def _direction(self, value: str, **_kw: Any) -> None:
        if value not in ("up", "down"):
            raise ValidationError(_("Choose one of the options."))


class _QuestionFields(FormSchema):
    kind = Choice(QuestionKind, required=True)


QuestionSchema = type(
    "QuestionSchema",
    (_QuestionFields,),
    _per_locale(
        prompt=lambda: Text(max_length=2000),
        choices=lambda: Text(max_length=10_000),
        feedback=lambda: Text(max_length=2000),
    ),
)


def parse_choices(
    data: dict[str, Any], kind: QuestionKind, fallback: str
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The per-locale choice boxes as choices (or, for short answers, accepted answers).

    One line per choice; a line starting with ``*`` is a correct one; ``text | feedback``
    gives feedback for picking it. Lines match across languages by their order, and which
    choice is correct is read from the fallback language.
    """
    lines = {
        loc: [line.strip() for line in (data.get(f"choices_{loc}") or "").splitlines()]
        for loc in LOCALES
    }
    lines = {loc: [line for line in found if line] for loc, found in lines.items()}
    if kind is QuestionKind.SHORT:
        return [], {loc: [ln.lstrip("*").strip() for ln in found] for loc, found in lines.items()}
    base = lines.get(fallback) or []
    choices: list[dict[str, Any]] = []
    for n, line in enumerate(base):
        choice: dict[str, Any] = {"correct": line.startswith("*"), "text": {}, "feedback": {}}
        for loc, found in lines.items():
            if n >= len(found):
                continue
            text, _sep, feedback = found[n].lstrip("*").partition("|")
            choice["text"][loc] = text.strip()
            choice["feedback"][loc] = feedback.strip()
        choices.append(choice)
    return choices, {}


class CatalogueQuerySchema(FormSchema):
    language = Text(max_length=8)
    topic = Text(max_length=80)
    length = Text(max_length=8)


class MediaSchema(FormSchema):
    """An upload's text fields; the files themselves are checked by ``content.courses.media``."""

    alt = Text(max_length=300)
    language = Text(max_length=8)


class ApiClientSchema(FormSchema):
    name = Text(required=True, max_length=120)
    scopes = fields.List(Text(max_length=40), load_default=list)
