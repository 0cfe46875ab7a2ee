"""Input and output schemas for competence frameworks (forms and the JSON API)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from lms.competences.models import TEXT_LOCALES, LinkKind, NodeKind
from lms.orgs.models import JobTitle
from lms.schema import Boolean, Choice, FormSchema, Integer, Text


def _texts(prefix: str, max_length: int) -> dict[str, Any]:
    return {f"{prefix}_{loc}": Text(max_length=max_length, load_default="") for loc in TEXT_LOCALES}


def texts_from(data: dict[str, Any], prefix: str) -> dict[str, str]:
    """``{locale: text}`` from the ``<prefix>_<locale>`` fields of a loaded form."""
    return {loc: data.get(f"{prefix}_{loc}") or "" for loc in TEXT_LOCALES}


def texts_to(values: dict[str, Any], prefix: str, texts: dict[str, str]) -> None:
    """Fill a form's ``<prefix>_<locale>`` values from ``{locale: text}``."""
    for loc in TEXT_LOCALES:
        values[f"{prefix}_{loc}"] = texts.get(loc, "")


FrameworkSchema = FormSchema.from_dict(
    {
        "slug": Text(required=True, max_length=80),
        "fallback_locale": Text(required=True, max_length=8),
        "source_note": Text(max_length=500, load_default=""),
        **_texts("name", 200),
        **_texts("description", 4000),
    },
    name="FrameworkSchema",
)

NodeSchema = FormSchema.from_dict(
    {
        "kind": Choice(NodeKind, required=True),
        "code": Text(max_length=32, load_default=""),
        "parent_id": Integer(load_default=None, allow_none=True),
        **_texts("name", 300),
        **_texts("description", 4000),
    },
    name="NodeSchema",
)

MoveSchema = FormSchema.from_dict({"delta": Integer(required=True)}, name="MoveSchema")

TargetSchema = FormSchema.from_dict(
    {
        "job_title": Choice(JobTitle, required=True),
        "unit_id": Integer(load_default=None, allow_none=True),
        "min_level": Integer(required=True),
        "max_level": Integer(load_default=None, allow_none=True),
    },
    name="TargetSchema",
)

LinkSchema = FormSchema.from_dict({"target": Text(required=True, max_length=40)}, name="LinkSchema")

ImportQuerySchema = FormSchema.from_dict(
    {"format": Text(load_default="case", max_length=8)}, name="ImportQuerySchema"
)


def parse_target(value: str) -> tuple[LinkKind, int] | None:
    """``"course:3"`` → (LinkKind.COURSE, 3); None when it is not of that form."""
    kind, _sep, ident = value.partition(":")
    try:
        return LinkKind(kind), int(ident)
    except ValueError:
        return None


# Output (the JSON API)


class LevelOut(Schema):
    value = fields.Integer()
    label = fields.Dict(keys=fields.String(), values=fields.String())
    descriptor = fields.Dict(keys=fields.String(), values=fields.String())
    is_default = fields.Boolean()
    is_proficient = fields.Boolean()


class ScaleOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    kind = fields.Function(lambda s: s.kind.value)
    name = fields.Dict(keys=fields.String(), values=fields.String())
    levels = fields.List(fields.Nested(LevelOut))


class FrameworkOut(Schema):
    id = fields.Integer()
    slug = fields.String()
    uuid = fields.String()
    fallback_locale = fields.String()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())
    source_note = fields.String()
    scale_id = fields.Integer()


class NodeOut(Schema):
    id = fields.Integer()
    uuid = fields.String()
    parent_id = fields.Integer(allow_none=True)
    kind = fields.Function(lambda n: n.kind.value)
    code = fields.String()
    position = fields.Integer()
    depth = fields.Integer()
    name = fields.Dict(keys=fields.String(), values=fields.String())
    description = fields.Dict(keys=fields.String(), values=fields.String())


__all__ = [
    "Boolean",
    "FrameworkOut",
    "FrameworkSchema",
    "ImportQuerySchema",
    "LevelOut",
    "LinkSchema",
    "MoveSchema",
    "NodeOut",
    "NodeSchema",
    "ScaleOut",
    "TargetSchema",
]
