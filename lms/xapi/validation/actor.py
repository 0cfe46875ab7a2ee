"""Actors: Agents, Groups and their Inverse Functional Identifiers.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#242-actor
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from lms.xapi.validation.common import (
    Ctx,
    check_irl,
    fail,
    need_list,
    need_object,
    need_string,
    only_keys,
    required,
)

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
AGENT_KEYS = ("objectType", "name", *IFIS)
GROUP_KEYS = ("objectType", "name", "member", *IFIS)

_EMAIL = re.compile(r"^mailto:[^@\s]+@[^@\s]+$", re.IGNORECASE)
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")


def check_mbox(value: Any, path: str) -> str:
    # mbox is a "mailto:" IRI with one address.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2424-inverse-functional-identifier
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise fail(path, 'must be a "mailto:" IRI with an e-mail address')
    return value


def check_mbox_sha1sum(value: Any, path: str) -> str:
    # The hex SHA-1 of a mailto IRI.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2424-inverse-functional-identifier
    if not isinstance(value, str) or not _SHA1.match(value):
        raise fail(path, "must be a hex-encoded SHA-1")
    return value


def check_account(value: Any, path: str) -> dict[str, Any]:
    # An account has exactly a homePage (IRL) and a name.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2425-account-object
    obj = need_object(value, path)
    only_keys(obj, ("homePage", "name"), path)
    required(obj, ("homePage", "name"), path)
    check_irl(obj["homePage"], f"{path}.homePage")
    need_string(obj["name"], f"{path}.name")
    return obj


def check_ifis(obj: dict[str, Any], path: str, *, needed: bool) -> None:
    # An Agent has exactly one IFI; an identified Group too; an anonymous Group none.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2424-inverse-functional-identifier
    present = [key for key in IFIS if key in obj]
    if len(present) > 1:
        raise fail(path, f"has more than one identifier ({', '.join(present)})")
    if needed and not present:
        raise fail(path, "needs exactly one of mbox, mbox_sha1sum, openid or account")
    for key in present:
        value = obj[key]
        if key == "mbox":
            check_mbox(value, f"{path}.mbox")
        elif key == "mbox_sha1sum":
            check_mbox_sha1sum(value, f"{path}.mbox_sha1sum")
        elif key == "openid":
            check_irl(value, f"{path}.openid")
        else:
            check_account(value, f"{path}.account")


def check_agent(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2422-when-the-actor-objecttype-is-agent
    obj = need_object(value, path)
    only_keys(obj, AGENT_KEYS, path)
    if "objectType" in obj and obj["objectType"] != "Agent":
        raise fail(f"{path}.objectType", 'must be "Agent"')
    if "name" in obj:
        need_string(obj["name"], f"{path}.name")
    check_ifis(obj, path, needed=True)
    return obj


def check_group(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # A Group says objectType "Group"; its members are Agents; anonymous Groups list them.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2423-when-the-actor-objecttype-is-group
    obj = need_object(value, path)
    only_keys(obj, GROUP_KEYS, path)
    if obj.get("objectType") != "Group":
        raise fail(f"{path}.objectType", 'must be "Group"')
    if "name" in obj:
        need_string(obj["name"], f"{path}.name")
    check_ifis(obj, path, needed=False)
    identified = any(key in obj for key in IFIS)
    if "member" in obj:
        members = need_list(obj["member"], f"{path}.member")
        for i, member in enumerate(members):
            mpath = f"{path}.member[{i}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                raise fail(f"{mpath}.objectType", "a Group's members must be Agents")
            check_agent(member, mpath, ctx)
    elif not identified:
        raise fail(f"{path}.member", "an anonymous Group must list its members")
    return obj


def check_actor(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # The actor is an Agent (objectType optional) or a Group.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#242-actor
    obj = need_object(value, path)
    if obj.get("objectType") == "Group":
        return check_group(obj, path, ctx)
    return check_agent(obj, path, ctx)


def ifi_key(agent: dict[str, Any]) -> str | None:
    """One string per identity, for indexes and lookups: ``mbox::mailto:a@b`` and so on.

    mbox addresses compare case-insensitively in their domain; the whole address is lowered,
    as most LRSs do. ``mbox`` and its ``mbox_sha1sum`` are kept apart (a filter names one).
    """
    if "mbox" in agent and isinstance(agent["mbox"], str):
        return "mbox::" + agent["mbox"].lower()
    if "mbox_sha1sum" in agent and isinstance(agent["mbox_sha1sum"], str):
        return "mbox_sha1sum::" + agent["mbox_sha1sum"].lower()
    if "openid" in agent and isinstance(agent["openid"], str):
        return "openid::" + agent["openid"]
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account::{account.get('homePage')}::{account.get('name')}"
    return None


def mbox_sha1(mbox: str) -> str:
    return hashlib.sha1(mbox.encode()).hexdigest()  # noqa: S324 - the spec's identifier
