"""What the learner's forms accept."""

from __future__ import annotations

from content.progress.models import Visibility
from lms.schema import Choice, FormSchema, Text


class ReflectionSchema(FormSchema):
    body = Text(required=True, max_length=20_000)
    visibility = Choice(Visibility, load_default=Visibility.PRIVATE)
