"""Translated names for the content server's enum values, for templates and forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from content.courses.models import ItemKind, MediaKind
from content.progress.models import Visibility
from content.quizzes.models import QuestionKind

ITEM_KIND_LABELS = {
    ItemKind.LESSON: _l("Lesson"),
    ItemKind.QUIZ: _l("Quiz"),
    ItemKind.REFLECTION: _l("Reflection task"),
}
QUESTION_KIND_LABELS = {
    QuestionKind.SINGLE: _l("Single choice"),
    QuestionKind.MULTIPLE: _l("Multiple choice"),
    QuestionKind.TRUE_FALSE: _l("True or false"),
    QuestionKind.SHORT: _l("Short answer"),
}
#: Names of the programme's topics; a topic without one is shown as written.
TOPIC_LABELS = {
    "digital-mediation": _l("Digital mediation"),
    "digital-leadership": _l("Digital leadership"),
}
MEDIA_KIND_LABELS = {
    MediaKind.IMAGE: _l("Image"),
    MediaKind.VIDEO: _l("Video"),
    MediaKind.CAPTIONS: _l("Captions"),
    MediaKind.FILE: _l("File to download"),
}
VISIBILITY_LABELS = {
    Visibility.PRIVATE: _l("Private: only you"),
    Visibility.LIBRARY: _l("Shared with your colleagues at your library"),
}


def register(bp: Blueprint) -> None:
    """Make the labels available to every template (called once, by the authoring blueprint)."""

    @bp.app_context_processor
    def _labels() -> dict[str, Any]:
        return {
            "item_kind_label": lambda k: str(ITEM_KIND_LABELS[ItemKind(k)]),
            "question_kind_label": lambda k: str(QUESTION_KIND_LABELS[QuestionKind(k)]),
            "topic_label": lambda t: str(TOPIC_LABELS.get(t, t)),
            "media_kind_label": lambda k: str(MEDIA_KIND_LABELS[MediaKind(k)]),
        }
