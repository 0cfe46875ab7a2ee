"""The manifest of a course package (``manifest.json``), as marshmallow schemas.

A package is a zip: this manifest plus the course's media under ``media/``. Texts are the
authors' sources (Markdown or HTML); an import sanitises them again, as any edit does. Unknown
keys are refused, so a typo in a hand-made package is reported instead of silently dropped.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validates

from content.courses.models import ItemKind, MediaKind, TextFormat
from content.courses.schemas import MAX_BODY, SLUG
from content.quizzes.models import QuestionKind
from lms.config import LOCALES
from lms.schema import Boolean, Choice, FormSchema, Integer, Text

FORMAT = "librarena-course"
VERSION = 1

_NESTED = {
    "type": _l("Expected an object."),
    "required": _l("This field is required."),
    "null": _l("This field is required."),
}
_LIST = {
    "invalid": _l("Expected a list."),
    "required": _l("This field is required."),
    "null": _l("This field is required."),
}


class _Strict(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": _l("Unknown field: not part of the package format."),
        "type": _l("Expected an object."),
    }


def _nested(schema: type[Schema] | Schema, **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, error_messages=_NESTED, **kwargs)


def _list(inner: fields.Field, **kwargs: Any) -> fields.List:
    return fields.List(inner, error_messages=_LIST, load_default=list, **kwargs)


def _per_locale(name: str, make: Any) -> type[Schema]:
    """A schema with one optional field per locale: ``{"sv": …, "en": …}``."""
    return type(name, (_Strict,), {loc: make() for loc in LOCALES})


class CourseTranslationSchema(_Strict):
    title = Text(required=True, max_length=200)
    summary = Text(max_length=500, load_default="")
    description = Text(max_length=MAX_BODY, load_default="")
    format = Choice(TextFormat, load_default=TextFormat.MARKDOWN)


class ModuleTranslationSchema(_Strict):
    title = Text(required=True, max_length=200)
    summary = Text(max_length=500, load_default="")
    intro = Text(max_length=MAX_BODY, load_default="")


class ItemTranslationSchema(_Strict):
    title = Text(required=True, max_length=200)
    body = Text(max_length=MAX_BODY, load_default="")
    format = Choice(TextFormat, load_default=TextFormat.MARKDOWN)


CourseTranslations = _per_locale(
    "CourseTranslations", lambda: _nested(CourseTranslationSchema, allow_none=True)
)
ModuleTranslations = _per_locale(
    "ModuleTranslations", lambda: _nested(ModuleTranslationSchema, allow_none=True)
)
ItemTranslations = _per_locale(
    "ItemTranslations", lambda: _nested(ItemTranslationSchema, allow_none=True)
)
LocaleTexts = _per_locale("LocaleTexts", lambda: Text(max_length=2000))
LocaleAnswers = _per_locale("LocaleAnswers", lambda: _list(Text(max_length=500, required=True)))


class CourseSchema(_Strict):
    slug = Text(required=True, max_length=80)
    fallback_locale = Text(required=True, max_length=8)
    topic = Text(max_length=80, load_default="")
    estimated_minutes = Integer(load_default=0)
    translations = _nested(CourseTranslations, required=True)


class ChoiceSchema(_Strict):
    correct = Boolean(load_default=False)
    text = _nested(LocaleTexts, required=True)
    feedback = _nested(LocaleTexts, load_default=dict)


class QuestionSchema(_Strict):
    kind = Choice(QuestionKind, required=True)
    prompt = _nested(LocaleTexts, required=True)
    feedback = _nested(LocaleTexts, load_default=dict)
    answers = _nested(LocaleAnswers, load_default=dict)
    choices = _list(_nested(ChoiceSchema))


class ItemSchema(_Strict):
    kind = Choice(ItemKind, required=True)
    pass_mark = Integer(allow_none=True, load_default=None)
    max_attempts = Integer(allow_none=True, load_default=None)
    translations = _nested(ItemTranslations, required=True)
    questions = _list(_nested(QuestionSchema))


class ModuleSchema(_Strict):
    translations = _nested(ModuleTranslations, required=True)
    items = _list(_nested(ItemSchema))


class MediaSchema(_Strict):
    #: The number lesson texts use in ``/media/<id>/<filename>``; renumbered on import.
    id = Integer(required=True)
    kind = Choice(MediaKind, required=True)
    path = Text(required=True, max_length=300)
    filename = Text(required=True, max_length=200)
    alt = Text(max_length=300, load_default="")
    language = Text(max_length=8, load_default="")
    #: A video's captions: the ``id`` of a captions entry.
    captions = Integer(allow_none=True, load_default=None)
    sha256 = Text(required=True, max_length=64)


class ManifestSchema(_Strict):
    format = Text(required=True, max_length=40)
    version = Integer(required=True)
    course = _nested(CourseSchema, required=True)
    modules = _list(_nested(ModuleSchema))
    media = _list(_nested(MediaSchema))


class ImportSchema(FormSchema):
    """The import form's text field: an address for the course, instead of the package's."""

    slug = Text(max_length=80)

    @validates("slug")
    def _slug(self, value: str | None, **_kw: Any) -> None:
        if value and not SLUG.match(value):
            raise ValidationError(
                _("Use lower-case letters a–z, digits and single hyphens, e.g. digital-mediation.")
            )
