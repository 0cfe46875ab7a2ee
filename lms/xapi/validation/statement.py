"""A whole statement: its parts, and the rules that span them.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#24-statement-properties
"""

from __future__ import annotations

import re
from typing import Any

from lms.xapi.validation.actor import check_actor, check_agent, check_group
from lms.xapi.validation.attachments import check_attachments
from lms.xapi.validation.common import (
    Ctx,
    check_uuid,
    fail,
    need_object,
    only_keys,
    parse_timestamp,
    required,
)
from lms.xapi.validation.context import check_context
from lms.xapi.validation.object import check_object
from lms.xapi.validation.result import check_result
from lms.xapi.validation.verb import VOIDED, check_verb

STATEMENT_KEYS = (
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
)
_V1 = re.compile(r"^1\.0(\.\d+)?$")
_V2 = re.compile(r"^2\.0(\.\d+)?$")


def check_statement_parts(obj: dict[str, Any], path: str, ctx: Ctx, *, sub: bool) -> None:
    """The parts a Statement and a SubStatement share."""
    # actor, verb and object are required.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#24-statement-properties
    required(obj, ("actor", "verb", "object"), path)
    check_actor(obj["actor"], f"{path}.actor", ctx)
    check_verb(obj["verb"], f"{path}.verb", ctx)
    target = check_object(obj["object"], f"{path}.object", ctx)
    if "result" in obj:
        check_result(obj["result"], f"{path}.result", ctx)
    if "context" in obj:
        check_context(
            obj["context"],
            f"{path}.context",
            ctx,
            object_type=target.get("objectType", "Activity"),
        )
    if "timestamp" in obj:
        parse_timestamp(obj["timestamp"], f"{path}.timestamp", need_zone=ctx.is_v2)
    if "attachments" in obj:
        check_attachments(obj["attachments"], f"{path}.attachments", ctx)
    check_voiding(obj, path)


def check_voiding(obj: dict[str, Any], path: str) -> None:
    # A voiding statement's object is a StatementRef to the statement it voids.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#231-voided
    verb = obj.get("verb")
    is_voiding = isinstance(verb, dict) and verb.get("id") == VOIDED
    if is_voiding and obj["object"].get("objectType") != "StatementRef":
        raise fail(f"{path}.object", "a voiding statement's object must be a StatementRef")


def check_version(value: Any, path: str, ctx: Ctx) -> None:
    # The version is 1.0.x (2.0.x where the request speaks 2.0).
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2410-version
    if not isinstance(value, str) or not (_V1.match(value) or (ctx.is_v2 and _V2.match(value))):
        raise fail(path, "is not a supported xAPI version")


def check_authority(value: Any, path: str, ctx: Ctx) -> None:
    # The authority is an Agent, or a two-member Group for OAuth 3-legged authority.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#249-authority
    obj = need_object(value, path)
    if obj.get("objectType") == "Group":
        check_group(obj, path, ctx)
        if any(key in obj for key in ("mbox", "mbox_sha1sum", "openid", "account")):
            raise fail(path, "an authority Group is anonymous (the OAuth consumer and user)")
        if len(obj.get("member") or []) != 2:
            raise fail(f"{path}.member", "an authority Group has exactly two members")
    else:
        check_agent(obj, path, ctx)


def validate_statement(value: Any, ctx: Ctx | None = None, path: str = "statement") -> None:
    """Raise :class:`lms.xapi.errors.Invalid` unless ``value`` is a valid xAPI Statement."""
    ctx = ctx or Ctx()
    obj = need_object(value, path)
    only_keys(obj, STATEMENT_KEYS, path)
    if "id" in obj:
        check_uuid(obj["id"], f"{path}.id")
    check_statement_parts(obj, path, ctx, sub=False)
    if "stored" in obj:
        parse_timestamp(obj["stored"], f"{path}.stored")
    if "authority" in obj:
        check_authority(obj["authority"], f"{path}.authority", ctx)
    if "version" in obj:
        check_version(obj["version"], f"{path}.version", ctx)
