"""Storing and reading statements: what the LRS adds, compares and returns.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#21-statement-resource
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import current_app

from lms.db import utcnow
from lms.xapi.auth import HasId, Principal
from lms.xapi.errors import Conflict, Invalid
from lms.xapi.storage import StatementWriter, StoredStatement
from lms.xapi.validation import validate_statement
from lms.xapi.validation.actor import ifi_key
from lms.xapi.validation.attachments import SIGNATURE_USAGE
from lms.xapi.validation.common import Ctx, fail, format_timestamp, parse_timestamp
from lms.xapi.validation.verb import VOIDED

CLIENT_HOME = "/xapi/clients"


def user_agent(user: HasId) -> dict[str, Any]:
    """The xAPI Agent of a Librarena user: an account, never an e-mail address (GDPR)."""
    return {
        "objectType": "Agent",
        "account": {"homePage": current_app.config["BASE_URL"], "name": str(user.id)},
    }


def authority_of(principal: Principal) -> dict[str, Any]:
    """The authority the LRS writes: the client, with its user as a two-member Group.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#249-authority
    """
    base = current_app.config["BASE_URL"].rstrip("/")
    if principal.client is None:
        if principal.user is None:  # the LRS's own statements (learning events)
            return {
                "objectType": "Agent",
                "name": "Librarena",
                "account": {"homePage": base, "name": "librarena"},
            }
        return user_agent(principal.user)
    client = {
        "objectType": "Agent",
        "name": principal.client.name,
        "account": {"homePage": base + CLIENT_HOME, "name": principal.client.key},
    }
    if principal.user is None:
        return client
    return {"objectType": "Group", "member": [client, user_agent(principal.user)]}


@dataclass
class Part:
    """One attachment part of a multipart/mixed request."""

    content_type: str
    sha2: str
    content: bytes


def normalize_context_activities(statement: dict[str, Any]) -> None:
    # A single contextActivities object is stored as an array of one.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2462-contextactivities-property
    for holder in (statement, statement.get("object") or {}):
        context = holder.get("context") if isinstance(holder, dict) else None
        if isinstance(context, dict) and isinstance(context.get("contextActivities"), dict):
            for kind, value in context["contextActivities"].items():
                if isinstance(value, dict):
                    context["contextActivities"][kind] = [value]


def _comparable(statement: dict[str, Any], *, ignore: tuple[str, ...] = ()) -> Any:
    # Statement comparison ignores what the LRS sets (authority, stored, version) and the
    # order of unordered lists; timestamps compare as instants.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#statement-comparison-requirements
    data = copy.deepcopy(statement)
    for key in ("authority", "stored", "version", *ignore):
        data.pop(key, None)
    normalize_context_activities(data)
    if "id" in data and isinstance(data["id"], str):
        data["id"] = data["id"].lower()
    for holder in (data, data.get("object") or {}):
        result = holder.get("result") if isinstance(holder, dict) else None
        if isinstance(result, dict) and isinstance(result.get("duration"), str):
            # Durations compare to 0.01 s: seconds beyond two decimals are cut off.
            # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#durations
            result["duration"] = re.sub(r"(\.\d{2})\d+S$", r"\1S", result["duration"])
        if isinstance(holder, dict) and isinstance(holder.get("timestamp"), str):
            with contextlib.suppress(Invalid):
                holder["timestamp"] = parse_timestamp(holder["timestamp"], "t").isoformat()
    return _sorted(data)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    return value


def same_statement(incoming: dict[str, Any], stored: dict[str, Any]) -> bool:
    """True when ``incoming`` repeats ``stored`` (so a resend is not a conflict)."""
    ignore: tuple[str, ...] = () if "timestamp" in incoming else ("timestamp",)
    return _comparable(incoming, ignore=ignore) == _comparable(stored, ignore=ignore)


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_signature(statement: dict[str, Any], jws: bytes, path: str) -> None:
    # A signed statement carries a JWS (compact form) whose payload is the statement without
    # its signature, signed with RS256, RS384 or RS512.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#26-signed-statements
    try:
        header_b64, payload_b64, signature_b64 = jws.decode("ascii").strip().split(".")
        header = json.loads(_b64url(header_b64))
        payload = json.loads(_b64url(payload_b64))
        _b64url(signature_b64)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise fail(path, "the signature is not a JWS in compact serialization") from None
    if not isinstance(header, dict) or header.get("alg") not in ("RS256", "RS384", "RS512"):
        raise fail(path, "the JWS algorithm must be RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        raise fail(path, "the JWS payload is not a statement")
    ignore = ("attachments",) if "id" in payload else ("attachments", "id")
    if _comparable(payload, ignore=ignore) != _comparable(statement, ignore=ignore):
        raise fail(path, "the JWS payload does not match the statement")
    if "x5c" in header:
        _verify_x5c(header, f"{header_b64}.{payload_b64}".encode(), signature_b64, path)


_JWS_HASHES: dict[str, hashes.HashAlgorithm] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


def _verify_x5c(header: dict[str, Any], signed: bytes, signature_b64: str, path: str) -> None:
    """A JWS that names its certificate (``x5c``, RFC 7515 §4.1.6) must verify with that
    certificate's public key: the signer's first, the chain after it.
    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#26-signed-statements
    """
    chain = header["x5c"]
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise fail(path, "the JWS x5c header must be a list of certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
        key = certificate.public_key()
    except (ValueError, binascii.Error):
        raise fail(path, "the JWS x5c certificate cannot be read") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise fail(path, "the JWS x5c certificate does not hold an RSA key")
    try:
        key.verify(_b64url(signature_b64), signed, padding.PKCS1v15(), _JWS_HASHES[header["alg"]])
    except InvalidSignature:
        raise fail(path, "the signature does not verify with its x5c certificate") from None


def check_parts(statements: list[dict[str, Any]], parts: list[Part] | None) -> None:
    # Every attachment without a fileUrl has a part with its sha2, and every part belongs to
    # an attachment; a signature attachment must verify.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#1511-multipartmixed
    by_hash = {part.sha2: part for part in parts or []}
    declared: set[str] = set()
    for i, statement in enumerate(statements):
        for j, att in enumerate(statement.get("attachments") or []):
            sha2 = att["sha2"]
            declared.add(sha2)
            path = f"statement[{i}].attachments[{j}]"
            if sha2 not in by_hash:
                if att["usageType"] == SIGNATURE_USAGE:
                    raise fail(path, "the signature must be sent as a part")
                if "fileUrl" not in att:
                    raise fail(path, "has no fileUrl and no part with its sha2")
                continue
            if att["usageType"] == SIGNATURE_USAGE:
                check_signature(statement, by_hash[sha2].content, path)
    for sha2 in by_hash:
        if sha2 not in declared:
            raise Invalid(f"a part with hash {sha2} matches no attachment", field="attachments")


def _agents_of(actor: Any) -> set[str]:
    """The IFIs of an Agent or Group and its members."""
    found: set[str] = set()
    if not isinstance(actor, dict):
        return found
    key = ifi_key(actor)
    if key:
        found.add(key)
    for member in actor.get("member") or []:
        if isinstance(member, dict) and (mkey := ifi_key(member)):
            found.add(mkey)
    return found


def _links(statement: dict[str, Any], agents: set[str], activities: set[str], *, top: bool) -> None:
    # related_agents / related_activities look into every position, SubStatements included.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
    agents |= _agents_of(statement.get("actor"))
    obj = statement.get("object") or {}
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        activities.add(obj["id"])
    elif kind in ("Agent", "Group"):
        agents |= _agents_of(obj)
    elif kind == "SubStatement":
        _links(obj, agents, activities, top=False)
    context = statement.get("context") or {}
    for key in ("instructor", "team"):
        agents |= _agents_of(context.get(key))
    for item in context.get("contextAgents") or []:
        agents |= _agents_of(item.get("agent"))
    for item in context.get("contextGroups") or []:
        agents |= _agents_of(item.get("group"))
    for values in (context.get("contextActivities") or {}).values():
        for activity in values if isinstance(values, list) else [values]:
            activities.add(activity["id"])
    if top:
        agents |= _agents_of(statement.get("authority"))


def _copy_for_storage(statement: dict[str, Any]) -> dict[str, Any]:
    """A copy of the containers :func:`prepare` changes; the rest is shared, not deep-copied
    (a deep copy of every statement cost more than storing it)."""
    data = dict(statement)
    for holder, key in ((data, "context"), (data, "object")):
        if isinstance(holder.get(key), dict):
            holder[key] = dict(holder[key])
    obj = data["object"]
    for holder in (data, obj):
        context = holder.get("context")
        if isinstance(context, dict):
            holder["context"] = context = dict(context)
            if isinstance(context.get("contextActivities"), dict):
                context["contextActivities"] = dict(context["contextActivities"])
    return data


def prepare(statement: dict[str, Any], principal: Principal, ctx: Ctx) -> StoredStatement:
    """Add what the LRS sets (id, authority, version) and index it; :func:`stamp` adds the
    time it is stored.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#23-statement-lifecycle
    """
    data = _copy_for_storage(statement)
    data.setdefault("id", str(uuid.uuid4()))
    normalize_context_activities(data)
    data["authority"] = authority_of(principal)
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2410-version
    data.setdefault("version", "2.0.0" if ctx.is_v2 else "1.0.0")
    obj = data["object"]
    kind = obj.get("objectType", "Activity")
    agents: set[str] = set()
    activities: set[str] = set()
    _links(data, agents, activities, top=True)
    direct = _agents_of(data["actor"]) | (_agents_of(obj) if kind in ("Agent", "Group") else set())
    registration = (data.get("context") or {}).get("registration")
    links = {("verb", data["verb"]["id"])}
    links |= {("agent", a) for a in agents} | {("agent-direct", a) for a in direct}
    links |= {("activity", a) for a in activities}
    if kind == "Activity":
        links.add(("activity-direct", obj["id"]))
    if registration:
        links.add(("registration", registration.lower()))
    return StoredStatement(
        id=data["id"].lower(),
        data=data,
        stored=None,
        actor_ifi=ifi_key(data["actor"]),
        verb_id=data["verb"]["id"],
        activity_id=obj["id"] if kind == "Activity" else None,
        ref_id=obj["id"].lower() if kind == "StatementRef" else None,
        registration=registration.lower() if registration else None,
        is_voiding=data["verb"]["id"] == VOIDED,
        client_id=principal.client.id if principal.client else None,
        user_id=principal.user.id if principal.user else None,
        links=links,
        # Written now, before the write lock is taken; stamp() adds the time stored.
        text=json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        text_has_timestamp="timestamp" in data,
    )


def stamp(item: StoredStatement, stored: datetime) -> None:
    """Set ``stored`` (and ``timestamp``, when the statement has none) to the time of storing.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#247-timestamp
    """
    item.stored = stored
    item.data["stored"] = format_timestamp(stored)
    item.data.setdefault("timestamp", item.data["stored"])


def _activity_definitions(statement: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    obj = statement.get("object") or {}
    if obj.get("objectType", "Activity") == "Activity" and "definition" in obj:
        found.append((obj["id"], obj["definition"]))
    context = statement.get("context") or {}
    for values in (context.get("contextActivities") or {}).values():
        for activity in values if isinstance(values, list) else [values]:
            if "definition" in activity:
                found.append((activity["id"], activity["definition"]))
    return found


def store_statements(
    store: StatementWriter,
    statements: list[Any],
    principal: Principal,
    ctx: Ctx,
    *,
    parts: list[Part] | None = None,
    after_store: Callable[[Sequence[tuple[int, dict[str, Any]]]], None] | None = None,
) -> list[str]:
    """Validate and store a batch, all or nothing; returns the ids in order.

    ``after_store`` gets the statements actually stored (not the repeats) as (seq, statement),
    e.g. to forward them.

    A statement whose id is already stored with the same content is not stored again; with
    other content it is a 409 Conflict. Two statements of one batch with the same id are 400.
    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#212-post-statements
    """
    for i, statement in enumerate(statements):
        validate_statement(
            statement, ctx, path=f"statement[{i}]" if len(statements) > 1 else "statement"
        )
    check_parts(statements, parts)
    seen: set[str] = set()
    for statement in statements:
        sid = statement.get("id")
        if sid:
            if sid.lower() in seen:
                raise Invalid(f"statement id {sid} appears twice in the batch", field="id")
            seen.add(sid.lower())
    # Everything that needs no database is done before the first query: on SQLite, that
    # query takes the write lock, and writers should hold it as briefly as they can.
    prepared = [prepare(statement, principal, ctx) for statement in statements]
    existing, voided = store.find_with_voiders(seen)
    # A voiding statement cannot be voided.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#231-voided
    targets = {
        s["object"]["id"].lower(): i for i, s in enumerate(statements) if s["verb"]["id"] == VOIDED
    }
    batch_voiding = {
        s["id"].lower() for s in statements if s.get("id") and s["verb"]["id"] == VOIDED
    }
    already_voiding = store.voiding_ids(targets) if targets else set()
    for target in set(targets) & (already_voiding | batch_voiding):
        raise fail(f"statement[{targets[target]}].object.id", "cannot void a voiding statement")
    now = utcnow()
    stored = now.replace(microsecond=now.microsecond // 1000 * 1000)
    ids: list[str] = []
    new: list[StoredStatement] = []
    for statement, item in zip(statements, prepared, strict=True):
        sid = statement.get("id")
        if sid and sid.lower() in existing:
            if not same_statement(statement, existing[sid.lower()]):
                raise Conflict(f"statement {sid} is already stored with other content", field="id")
            ids.append(existing[sid.lower()]["id"])
            continue
        stamp(item, stored)
        ids.append(item.data["id"])
        new.append(item)
    # A statement that refers to another is found by the filters its target matches.
    targets_links = store.links_of(item.ref_id for item in new if item.ref_id)
    in_batch = {item.id: item for item in new}
    for item in new:
        if item.ref_id:
            target = in_batch.get(item.ref_id)
            item.links |= target.links if target else targets_links.get(item.ref_id, set())
    # A statement voided by one in the same batch: marked when the voiding one is inserted.
    store.add(new, voided=voided)
    for part in parts or []:
        store.save_attachment(part.sha2, part.content_type, part.content)
    if principal.can("define"):
        # Definitions from a trusted source update the LRS's canonical ones.
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#25-activities-resource
        for item in new:
            for activity_id, definition in _activity_definitions(item.data):
                store.merge_activity(activity_id, definition)
    if after_store is not None and new:
        after_store([(item.seq or 0, item.data) for item in new])
    return ids


def _pick_language(value: dict[str, str], languages: list[str]) -> dict[str, str]:
    for lang in languages:
        for key in value:
            if key.lower() == lang.lower() or key.lower().split("-")[0] == lang.lower():
                return {key: value[key]}
    for key in value:
        return {key: value[key]}
    return {}


def _canonical(value: Any, languages: list[str], key: str = "") -> Any:
    # format=canonical keeps one language of each language map, the one the client prefers.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
    if isinstance(value, dict):
        if key in ("display", "name", "description") and all(
            isinstance(v, str) for v in value.values()
        ):
            return _pick_language(value, languages)
        if key == "extensions":
            return value
        return {k: _canonical(v, languages, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v, languages, key) for v in value]
    return value


def _ids_actor(actor: Any) -> Any:
    if not isinstance(actor, dict):
        return actor
    out = {
        k: v
        for k, v in actor.items()
        if k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account")
    }
    if "member" in actor and not ifi_key(actor):
        out["member"] = [_ids_actor(m) for m in actor["member"]]
    return out


def _ids(statement: dict[str, Any]) -> dict[str, Any]:
    # format=ids keeps only identifiers of agents, activities and verbs.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
    data = dict(statement)
    data["actor"] = _ids_actor(data["actor"])
    data["verb"] = {"id": data["verb"]["id"]}
    obj = data["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        data["object"] = {"id": obj["id"]}
    elif kind in ("Agent", "Group"):
        data["object"] = _ids_actor(obj)
    elif kind == "SubStatement":
        data["object"] = _ids({**obj, "id": None, "authority": None}) | {
            "objectType": "SubStatement"
        }
        data["object"].pop("id", None)
        data["object"].pop("authority", None)
    if "authority" in data:
        data["authority"] = _ids_actor(data["authority"])
    context = data.get("context")
    if isinstance(context, dict):
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = _ids_actor(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                k: [
                    {"id": a["id"], **({"objectType": "Activity"} if "objectType" in a else {})}
                    for a in v
                ]
                for k, v in context["contextActivities"].items()
            }
        data["context"] = context
    return data


def formatted(statement: dict[str, Any], fmt: str, languages: list[str]) -> dict[str, Any]:
    if fmt == "ids":
        return _ids(statement)
    if fmt == "canonical":
        result: dict[str, Any] = _canonical(statement, languages)
        return result
    return statement


def now_utc() -> datetime:
    return datetime.now(UTC)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
