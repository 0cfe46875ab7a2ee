"""The OpenAPI 3 document of ``/api/v1/``, built from the routes the app really has.

Every rule under ``/api/v1/`` is listed with its path parameters and the first line of its view's
docstring. A view that says more with :func:`documented` (its query schema and its response
schema, both marshmallow) gets those as parameters and as a component schema. The document
follows OpenAPI 3.0.3: https://spec.openapis.org/oas/v3.0.3
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, jsonify
from marshmallow import Schema, fields
from werkzeug.wrappers import Response

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

F = TypeVar("F", bound=Callable[..., Any])
PREFIX = "/api/v1/"
_RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@dataclass(frozen=True)
class Doc:
    response: type[Schema] | None = None
    query: type[Schema] | None = None
    many: bool = False
    paged: bool = False


def documented(
    *,
    response: type[Schema] | None = None,
    query: type[Schema] | None = None,
    many: bool = False,
    paged: bool = False,
) -> Callable[[F], F]:
    """Describe a JSON view: ``paged`` answers ``{items, page, per_page, total}``, ``many`` a
    list under ``items``; otherwise one ``response`` object."""

    def mark(view: F) -> F:
        view.openapi = Doc(response, query, many, paged)  # type: ignore[attr-defined]
        return view

    return mark


# marshmallow → JSON Schema (the subset OpenAPI 3.0 uses), by field class, most specific first.
_TYPES: list[tuple[type[fields.Field], dict[str, Any]]] = [
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.String, {"type": "string"}),
]


def field_schema(field: fields.Field, components: dict[str, Any]) -> dict[str, Any]:
    if isinstance(field, fields.Nested):
        nested = field.nested
        name = component(nested if isinstance(nested, type) else type(nested), components)
        return {"$ref": f"#/components/schemas/{name}"}
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner, components)}
    for cls, schema in _TYPES:
        if isinstance(field, cls):
            out = dict(schema)
            break
    else:
        out = {"type": "string"}  # Function and Method fields of this code base give text
    if field.allow_none:
        out["nullable"] = True
    return out


def component(schema_cls: type[Schema], components: dict[str, Any]) -> str:
    """Add ``schema_cls`` (and what it nests) to ``components``; return its name."""
    name = schema_cls.__name__
    if name not in components:
        components[name] = {}  # first, so a schema nesting itself ends
        schema = schema_cls()
        components[name] = {
            "type": "object",
            "properties": {
                key: field_schema(field, components) for key, field in schema.dump_fields.items()
            },
        }
    return name


def _parameters(rule_text: str, query: type[Schema] | None) -> list[dict[str, Any]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer"} if converter == "int" else {"type": "string"},
        }
        for converter, name in _RULE_ARGUMENT.findall(rule_text)
    ]
    if query is not None:
        for key, field in query().load_fields.items():
            params.append(
                {
                    "name": field.data_key or key,
                    "in": "query",
                    "required": bool(field.required),
                    "schema": field_schema(field, {}),
                }
            )
    return params


def _response(doc: Doc | None, components: dict[str, Any]) -> dict[str, Any]:
    if doc is None or doc.response is None:
        return {"description": "OK", "content": {"application/json": {}}}
    ref = {"$ref": f"#/components/schemas/{component(doc.response, components)}"}
    body: dict[str, Any] = ref
    if doc.paged:
        body = {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": ref},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
            },
        }
    elif doc.many:
        body = {"type": "object", "properties": {"items": {"type": "array", "items": ref}}}
    return {"description": "OK", "content": {"application/json": {"schema": body}}}


_ERRORS = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of every ``/api/v1/`` route of ``app``."""
    components: dict[str, Any] = {"Errors": _ERRORS}
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX) or rule.endpoint == "openapi.document":
            continue
        view = app.view_functions[rule.endpoint]
        doc: Doc | None = getattr(view, "openapi", None)
        path = _RULE_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            error = {"$ref": "#/components/responses/Error"}
            paths.setdefault(path, {})[method.lower()] = {
                "operationId": f"{rule.endpoint}.{method.lower()}",
                "summary": summary,
                "parameters": _parameters(rule.rule, doc.query if doc else None),
                "responses": {
                    "200": _response(doc, components),
                    "401": error,
                    "403": error,
                    "404": error,
                    "422": error,
                },
            }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Librarena API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {
                "Error": {
                    "description": "The request was refused; the messages say why.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}
                    },
                }
            },
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                # Machine clients (content.courses.tokens): their scopes are named per view.
                "token": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"session": []}, {"token": []}],
    }


@bp.get("/openapi.json")
def document() -> Response:
    """This document: public, as it holds no data."""
    return jsonify(build(current_app))
