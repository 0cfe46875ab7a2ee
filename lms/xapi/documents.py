"""State, Activity Profile and Agent Profile documents, with optimistic concurrency.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#22-document-resources
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lms.xapi.errors import Conflict, Invalid, PreconditionFailed
from lms.xapi.models import Document

STATE = "state"
ACTIVITY_PROFILE = "activity_profile"
AGENT_PROFILE = "agent_profile"


@dataclass(frozen=True)
class DocKey:
    """Which document (or, with ``doc_id`` None, which set of documents)."""

    kind: str
    activity_id: str = ""
    agent_ifi: str = ""
    registration: str = ""
    doc_id: str | None = None


def etag_of(content: bytes) -> str:
    # The ETag is the SHA-1 of the document, quoted when sent.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#32-concurrency
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - the spec's suggested ETag


def _where(key: DocKey) -> list[Any]:
    conds = [
        Document.kind == key.kind,
        Document.activity_id == key.activity_id,
        Document.agent_ifi == key.agent_ifi,
    ]
    if key.kind == STATE:
        conds.append(Document.registration == key.registration)
    if key.doc_id is not None:
        conds.append(Document.doc_id == key.doc_id)
    return conds


def get_document(session: Session, key: DocKey) -> Document | None:
    return session.scalars(select(Document).where(*_where(key))).first()


def list_ids(session: Session, key: DocKey, since: datetime | None) -> list[str]:
    # Without an id, GET returns the ids of the documents, those changed after `since` only.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#23-state-resource
    stmt = select(Document.doc_id).where(*_where(key))
    if since is not None:
        stmt = stmt.where(Document.updated_at > since)
    return list(session.scalars(stmt.order_by(Document.doc_id)))


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}


def check_preconditions(
    doc: Document | None,
    if_match: str | None,
    if_none_match: str | None,
    *,
    need_one: bool,
    need_one_to_create: bool | None = None,
) -> None:
    # If-Match / If-None-Match decide; a PUT over an existing profile with neither is 409, and
    # creating one with neither is 400 (xAPI 2.0 applies the 409 to State documents too).
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#32-concurrency
    if need_one_to_create is None:
        need_one_to_create = need_one
    if if_match is not None:
        tags = _tags(if_match)
        if doc is None or ("*" not in tags and doc.etag not in tags):
            raise PreconditionFailed("If-Match does not match the current document")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if doc is not None and ("*" in tags or doc.etag in tags):
            raise PreconditionFailed("If-None-Match: the document already exists")
    if need_one_to_create and doc is None and if_match is None and if_none_match is None:
        raise Invalid(
            "send If-None-Match: * to create this document (or If-Match to replace it)",
            field="If-None-Match",
        )
    if need_one and doc is not None and if_match is None and if_none_match is None:
        raise Conflict(
            "the document exists: send If-Match with its ETag (or If-None-Match: *)",
            field="If-Match",
        )


def _json_object(content: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise Invalid(f"{what} is not a JSON object, so it cannot be merged", field="content")
    return value


def is_json_type(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def save_document(
    session: Session,
    key: DocKey,
    content: bytes,
    content_type: str,
    *,
    merge: bool,
    if_match: str | None = None,
    if_none_match: str | None = None,
    need_precondition: bool = False,
    need_precondition_to_create: bool | None = None,
) -> Document:
    """PUT (replace) or POST (merge JSON objects) a document; flushes.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#json-procedure-with-requirements
    """
    assert key.doc_id is not None
    doc = get_document(session, key)
    check_preconditions(
        doc,
        if_match,
        if_none_match,
        need_one=need_precondition and not merge,
        need_one_to_create=(
            need_precondition
            if need_precondition_to_create is None
            else need_precondition_to_create
        )
        and not merge,
    )
    if merge and doc is not None:
        # POST merges the top-level properties of two JSON objects, else 400.
        if not (is_json_type(doc.content_type) and is_json_type(content_type)):
            raise Invalid("only JSON documents can be merged (POST)", field="Content-Type")
        current = _json_object(doc.content, "the stored document")
        current.update(_json_object(content, "the request body"))
        content = json.dumps(current).encode()
        content_type = "application/json"
    elif merge and is_json_type(content_type):
        _json_object(content, "the request body")
    now = utcnow()
    if doc is None:
        doc = Document(
            kind=key.kind,
            activity_id=key.activity_id,
            agent_ifi=key.agent_ifi,
            registration=key.registration if key.kind == STATE else "",
            doc_id=key.doc_id,
            content=content,
            content_type=content_type,
            etag=etag_of(content),
            updated_at=now,
        )
        session.add(doc)
    else:
        doc.content = content
        doc.content_type = content_type
        doc.etag = etag_of(content)
        doc.updated_at = now
    session.flush()
    return doc


def delete_documents(
    session: Session, key: DocKey, *, if_match: str | None = None, if_none_match: str | None = None
) -> None:
    """Delete one document (``doc_id`` set) or all that match the key (State only)."""
    if key.doc_id is not None and (if_match is not None or if_none_match is not None):
        check_preconditions(get_document(session, key), if_match, if_none_match, need_one=False)
    session.execute(delete(Document).where(*_where(key)))
    session.flush()
