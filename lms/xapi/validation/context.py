"""The context: registration, instructor, team, contextActivities and the rest.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#246-context
"""

from __future__ import annotations

from typing import Any

from lms.xapi.validation.actor import check_actor, check_group
from lms.xapi.validation.common import (
    Ctx,
    check_extensions,
    check_iri,
    check_uuid,
    fail,
    is_language_tag,
    need_list,
    need_object,
    need_string,
    only_keys,
    required,
)
from lms.xapi.validation.object import check_activity, check_statement_ref

CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
CONTEXT_KEYS = (
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
)
V2_KEYS = ("contextAgents", "contextGroups")


def check_context_activities(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # Keys are parent, grouping, category, other; each an Activity or an array of them.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2462-contextactivities-property
    obj = need_object(value, path)
    only_keys(obj, CONTEXT_ACTIVITY_KINDS, path)
    for kind, item in obj.items():
        if isinstance(item, list):
            for i, activity in enumerate(item):
                check_activity(activity, f"{path}.{kind}[{i}]", ctx)
        else:
            check_activity(item, f"{path}.{kind}", ctx)
    return obj


def check_relevant_types(obj: dict[str, Any], path: str) -> None:
    if "relevantTypes" in obj:
        types = need_list(obj["relevantTypes"], f"{path}.relevantTypes")
        if not types:
            raise fail(f"{path}.relevantTypes", "must not be empty")
        for i, item in enumerate(types):
            check_iri(item, f"{path}.relevantTypes[{i}]")


def check_context_agents(value: Any, path: str, ctx: Ctx) -> None:
    # xAPI 2.0: contextAgents lists {objectType: "contextAgent", agent, relevantTypes}.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2463-contextagents-property
    for i, item in enumerate(need_list(value, path)):
        ipath = f"{path}[{i}]"
        obj = need_object(item, ipath)
        only_keys(obj, ("objectType", "agent", "relevantTypes"), ipath)
        required(obj, ("objectType", "agent"), ipath)
        if obj["objectType"] != "contextAgent":
            raise fail(f"{ipath}.objectType", 'must be "contextAgent"')
        from lms.xapi.validation.actor import check_agent

        check_agent(obj["agent"], f"{ipath}.agent", ctx)
        check_relevant_types(obj, ipath)


def check_context_groups(value: Any, path: str, ctx: Ctx) -> None:
    # xAPI 2.0: contextGroups lists {objectType: "contextGroup", group, relevantTypes}.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2464-contextgroups-property
    for i, item in enumerate(need_list(value, path)):
        ipath = f"{path}[{i}]"
        obj = need_object(item, ipath)
        only_keys(obj, ("objectType", "group", "relevantTypes"), ipath)
        required(obj, ("objectType", "group"), ipath)
        if obj["objectType"] != "contextGroup":
            raise fail(f"{ipath}.objectType", 'must be "contextGroup"')
        check_group(obj["group"], f"{ipath}.group", ctx)
        check_relevant_types(obj, ipath)


def check_context(value: Any, path: str, ctx: Ctx, *, object_type: str) -> dict[str, Any]:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#246-context
    obj = need_object(value, path)
    only_keys(obj, CONTEXT_KEYS + V2_KEYS if ctx.is_v2 else CONTEXT_KEYS, path)
    if "registration" in obj:
        check_uuid(obj["registration"], f"{path}.registration")
    if "instructor" in obj:
        check_actor(obj["instructor"], f"{path}.instructor", ctx)
    if "team" in obj:
        # The team is a Group.
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#246-context
        check_group(obj["team"], f"{path}.team", ctx)
    if "contextActivities" in obj:
        check_context_activities(obj["contextActivities"], f"{path}.contextActivities", ctx)
    for key in ("revision", "platform"):
        if key in obj:
            need_string(obj[key], f"{path}.{key}")
            # revision and platform only make sense about an Activity.
            # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#246-context
            if object_type != "Activity":
                raise fail(f"{path}.{key}", "may only be used when the object is an Activity")
    if "language" in obj and not is_language_tag(obj["language"]):
        raise fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in obj:
        check_statement_ref(obj["statement"], f"{path}.statement", ctx)
    if "extensions" in obj:
        check_extensions(obj["extensions"], f"{path}.extensions")
    if "contextAgents" in obj:
        check_context_agents(obj["contextAgents"], f"{path}.contextAgents", ctx)
    if "contextGroups" in obj:
        check_context_groups(obj["contextGroups"], f"{path}.contextGroups", ctx)
    return obj
