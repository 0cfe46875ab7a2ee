"""The object: an Activity, Agent, Group, StatementRef or SubStatement.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#244-object
"""

from __future__ import annotations

from typing import Any

from lms.xapi.validation.actor import check_agent, check_group
from lms.xapi.validation.common import (
    Ctx,
    check_extensions,
    check_iri,
    check_irl,
    check_language_map,
    check_uuid,
    fail,
    need_list,
    need_object,
    need_string,
    only_keys,
    required,
)

INTERACTION_TYPES = (
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
)
#: Which component lists each interaction type may carry.
# https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#interaction-components
COMPONENTS: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}
ALL_COMPONENTS = ("choices", "scale", "source", "target", "steps")
DEFINITION_KEYS = (
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    *ALL_COMPONENTS,
)


def check_interaction_components(value: Any, path: str) -> None:
    # Each component has an id (string, unique in its list) and an optional description.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#interaction-components
    seen: set[str] = set()
    for i, item in enumerate(need_list(value, path)):
        ipath = f"{path}[{i}]"
        comp = need_object(item, ipath)
        only_keys(comp, ("id", "description"), ipath)
        required(comp, ("id",), ipath)
        ident = need_string(comp["id"], f"{ipath}.id")
        if ident in seen:
            raise fail(f"{ipath}.id", "must be unique within the list")
        seen.add(ident)
        if "description" in comp:
            check_language_map(comp["description"], f"{ipath}.description")


def check_interaction(defn: dict[str, Any], path: str) -> None:
    # Interaction activities name their type; component lists must fit that type.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#interaction-activities
    kind = defn.get("interactionType")
    if kind is not None and kind not in INTERACTION_TYPES:
        raise fail(f"{path}.interactionType", "is not an xAPI interaction type")
    if "correctResponsesPattern" in defn:
        if kind is None:
            raise fail(f"{path}.interactionType", "is required with correctResponsesPattern")
        for i, item in enumerate(
            need_list(defn["correctResponsesPattern"], f"{path}.correctResponsesPattern")
        ):
            need_string(item, f"{path}.correctResponsesPattern[{i}]")
    allowed = COMPONENTS.get(kind or "", ())
    for key in ALL_COMPONENTS:
        if key in defn:
            if key not in allowed:
                raise fail(f"{path}.{key}", f"is not allowed for interactionType {kind!r}")
            check_interaction_components(defn[key], f"{path}.{key}")


def check_definition(value: Any, path: str) -> dict[str, Any]:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#activity-definition
    defn = need_object(value, path)
    only_keys(defn, DEFINITION_KEYS, path)
    for key in ("name", "description"):
        if key in defn:
            check_language_map(defn[key], f"{path}.{key}")
    if "type" in defn:
        check_iri(defn["type"], f"{path}.type")
    if "moreInfo" in defn:
        check_irl(defn["moreInfo"], f"{path}.moreInfo")
    if "extensions" in defn:
        check_extensions(defn["extensions"], f"{path}.extensions")
    check_interaction(defn, path)
    return defn


def check_activity(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # An Activity has an id (IRI) and an optional definition.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2441-when-the-objecttype-is-activity
    obj = need_object(value, path)
    only_keys(obj, ("objectType", "id", "definition"), path)
    if "objectType" in obj and obj["objectType"] != "Activity":
        raise fail(f"{path}.objectType", 'must be "Activity"')
    required(obj, ("id",), path)
    check_iri(obj["id"], f"{path}.id")
    if "definition" in obj:
        check_definition(obj["definition"], f"{path}.definition")
    return obj


def check_statement_ref(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # A StatementRef is objectType "StatementRef" and the id of another Statement.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2443-when-the-objecttype-is-statementref
    obj = need_object(value, path)
    only_keys(obj, ("objectType", "id"), path)
    required(obj, ("objectType", "id"), path)
    if obj["objectType"] != "StatementRef":
        raise fail(f"{path}.objectType", 'must be "StatementRef"')
    check_uuid(obj["id"], f"{path}.id")
    return obj


SUBSTATEMENT_KEYS = (
    "objectType",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "attachments",
)


def check_substatement(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # A SubStatement is a Statement without id, stored, version or authority, and it may not
    # contain another SubStatement.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2444-when-the-object-is-a-statement
    from lms.xapi.validation.statement import check_statement_parts

    obj = need_object(value, path)
    for key in ("id", "stored", "version", "authority"):
        if key in obj:
            raise fail(f"{path}.{key}", "is not allowed in a SubStatement")
    only_keys(obj, SUBSTATEMENT_KEYS, path)
    if obj.get("objectType") != "SubStatement":
        raise fail(f"{path}.objectType", 'must be "SubStatement"')
    inner = obj.get("object")
    if isinstance(inner, dict) and inner.get("objectType") == "SubStatement":
        raise fail(f"{path}.object.objectType", "a SubStatement cannot contain a SubStatement")
    check_statement_parts(obj, path, ctx, sub=True)
    return obj


def check_object(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # objectType picks the kind; without it the object is an Activity.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#244-object
    obj = need_object(value, path)
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return check_activity(obj, path, ctx)
    if kind == "Agent":
        return check_agent(obj, path, ctx)
    if kind == "Group":
        return check_group(obj, path, ctx)
    if kind == "StatementRef":
        return check_statement_ref(obj, path, ctx)
    if kind == "SubStatement":
        return check_substatement(obj, path, ctx)
    raise fail(f"{path}.objectType", "is not an xAPI object type")
