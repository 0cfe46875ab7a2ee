"""The LRS's HTTP resources under ``/xapi/``.

Every resource goes through :func:`_dispatch`: CORS preflight, the alternate syntax, the version
header, credentials, then the resource's handler; one commit per request.
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from lms.db import BEFORE_WRITE, SESSION_ONLY_READS, db, utcnow
from lms.errors import DomainError, rollback_quietly
from lms.xapi import documents as docs
from lms.xapi import forwarding
from lms.xapi.auth import Principal, principal_from_basic, principal_from_user, require
from lms.xapi.errors import Invalid, NotFound, XapiError
from lms.xapi.http import (
    XapiRequest,
    agent_param,
    bool_param,
    check_version,
    from_flask,
    iri_param,
    json_body,
    need_param,
    only_params,
    parse_multipart,
    time_param,
    uuid_param,
)
from lms.xapi.statements import (
    Part,
    formatted,
    store_statements,
    user_agent,
)
from lms.xapi.storage import Driver, SqlStatementStore, StatementQuery, StatementWriter
from lms.xapi.validation.actor import IFIS, ifi_key
from lms.xapi.validation.common import check_uuid, fail, format_timestamp
from lms.xapi.writelock import WriteLock

#: Served by the LRS's own app, mounted at /xapi (lms.xapi.app): no web-app rate limits or
#: CSRF. Clients hold a key and a long random secret (no sign-in to guess), and a learning
#: package posts a statement per interaction: throughput is the LRS's job, not something to
#: throttle. A signed-in person (the session cookie) may only read their own statements.
bp = Blueprint("xapi", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _on_register(state: Any) -> None:
    # Learning events become statements through the outbox (lms.xapi.emit).
    from lms.xapi import emit, forwarding

    emit.init_app(state.app)
    forwarding.init_app(state.app)


SUPPORTED = ["1.0.3", "1.0.2", "1.0.1", "1.0.0", "2.0.0"]
#: Limits (app config XAPI_MAX_BATCH, XAPI_MAX_STATEMENT_BYTES): beyond them the answer is 413.
DEFAULT_MAX_BATCH = 5_000
DEFAULT_MAX_STATEMENT_BYTES = 1024 * 1024
MAX_LIMIT = 500
#: CORS: what every response carries, and what only the answer to a preflight needs (sending
#: those on every response made the headers twice as long, a fifth of a small POST's cost).
#: https://fetch.spec.whatwg.org/#http-cors-protocol
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, WWW-Authenticate, "
        "X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
}
CORS_PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Origin, Content-Type, Content-Length, Authorization, Accept, Accept-Language, "
        "If-Match, If-None-Match, X-Experience-API-Version, X-Experience-API-Consistent-Through, "
        "X-Requested-With"
    ),
    "Access-Control-Max-Age": "86400",
}
ALL_METHODS = ["GET", "PUT", "POST", "DELETE", "OPTIONS"]

Handler = Callable[[XapiRequest, Principal], Response]
#: The answer to a request that lost a race on a unique key (the other request's data stands).
RACE = "the same data was stored by another request just now; send it again"


def _http_date(value: datetime) -> str:
    return format_datetime(value, usegmt=True)


def _json(value: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(value, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _principal(xreq: XapiRequest) -> Principal:
    """Basic credentials; without any, a signed-in person reading their own statements."""
    header = xreq.headers.get("Authorization")
    if not header and current_user.is_authenticated:
        return principal_from_user(current_user._get_current_object())
    # The session only if the credentials cache cannot answer: most requests need none.
    return principal_from_basic(lambda: db.session, header)


#: The version each client last spoke, per process: a request without a usable version header
#: is answered in that client's dialect (1.0.3 and 2.0 each want their own version named).
_SPOKEN: dict[str, str] = {}


def _version_of(xreq: XapiRequest, principal: Principal) -> str:
    """The version the request speaks; 400 (in the client's usual version) if none."""
    who = (
        principal.client.key if principal.client else f"user:{principal.user and principal.user.id}"
    )
    try:
        version = check_version(xreq)
    except Invalid:
        g.xapi_version = _SPOKEN.get(who, "1.0.3")
        raise
    if _SPOKEN.get(who) != version:
        if len(_SPOKEN) > 10_000:
            _SPOKEN.clear()
        _SPOKEN[who] = version
    return version


def _write_lock() -> WriteLock | None:
    """The SQLite writers' lock of this app (see lms.xapi.writelock), None elsewhere."""
    lock: WriteLock | None = current_app.extensions.get("xapi.write_lock")
    if lock is None and "xapi.write_lock" not in current_app.extensions:
        engine = db.engine
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
            lock = WriteLock(Path(str(database)).with_suffix(".xapi-write.lock"))
        current_app.extensions["xapi.write_lock"] = lock
    return lock


def _hold(lock: WriteLock) -> None:
    lock.acquire()
    g.xapi_write_lock = lock


@contextmanager
def _writer() -> Iterator[StatementWriter]:
    """Where a request stores statements: a connection of its own (lms.db's
    ``driver_transaction``), begun at its first query, after the writers' lock on SQLite.

    Not the ORM session: its begin, commit and close cost more than SQLite takes to store a
    statement, and a learning package stores one per interaction. (Statements that come with
    other changes of the app are written in the session's transaction: lms.xapi.emit.)
    """
    lock = _write_lock()
    dialect = db.engine.dialect
    try:
        with db.driver_transaction((lambda: _hold(lock)) if lock else None) as connection:
            yield StatementWriter(lambda: Driver(connection(), dialect))
    except IntegrityError as exc:
        # A statement's id is its one unique key: another request stored the same new id
        # between our check and our insert (PostgreSQL's writers do not queue).
        raise XapiError(RACE, field="id", status=409) from exc
    finally:
        _release_write_lock(None)


@bp.teardown_request
def _release_write_lock(_exc: BaseException | None) -> None:
    # By now the request's transaction has ended: committed by _dispatch, or rolled back by an
    # error handler. (Were it still open, SQLite's own lock would still keep writes apart.)
    lock = g.pop("xapi_write_lock", None)
    if lock is not None:
        lock.release()


def _dispatch(
    handlers: dict[str, Handler], *, public: bool = False, own_writes: bool = False
) -> Response:
    """``own_writes``: the handlers write on a connection of their own (:func:`_writer`), and
    the session only reads."""
    if request.method == "OPTIONS" and "method" not in request.args:
        # CORS preflight: browsers send no credentials or version here.
        return Response(status=200)
    xreq = from_flask(request)
    g.xapi_request = xreq
    if own_writes:
        g.setdefault(SESSION_ONLY_READS, True)
    elif request.method not in ("GET", "HEAD"):
        lock = _write_lock()
        if lock is not None:
            # Taken just before the request's transaction begins (lms.db), and only then:
            # parsing, validating and preparing documents happen outside it, in parallel.
            g.setdefault(BEFORE_WRITE, lambda: _hold(lock))
    # Credentials first (401), then the version header (400).
    principal = None if public else _principal(xreq)
    if principal is None:
        xreq.version = "1.0.3"
    else:
        xreq.version = _version_of(xreq, principal)
    g.xapi_version = xreq.version
    if xreq.alternate and xreq.ctx.is_v2:
        # xAPI 2.0 (IEEE 9274.1.1) dropped the alternate request syntax.
        raise Invalid("xAPI 2.0 has no alternate request syntax", field="method")
    method = "GET" if xreq.method == "HEAD" else xreq.method
    handler = handlers.get(method)
    if handler is None:
        raise XapiError(f"{xreq.method} is not allowed here", status=405)
    response = handler(xreq, principal)  # type: ignore[arg-type]
    if db.has_session():
        db.session.commit()
    _release_write_lock(None)  # the next writer need not wait for this response to be sent
    if xreq.method == "HEAD":
        response.set_data(b"")
    return response


@bp.after_request
def _xapi_headers(response: Response) -> Response:
    # Every response names the version; browser content may call from anywhere (CORS).
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#versioning-requirements
    response.headers["X-Experience-API-Version"] = g.get("xapi_version", "1.0.3")
    response.headers.update(CORS_HEADERS)
    if request.method == "OPTIONS":
        response.headers.update(CORS_PREFLIGHT_HEADERS)
    if request.path.rstrip("/").endswith("/statements"):
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
        response.headers["X-Experience-API-Consistent-Through"] = format_timestamp(utcnow())
    return response


def _error(status: int, message: str, field: str = "_") -> Response:
    rollback_quietly()
    response = _json({"errors": {field: [message]}, "message": message}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Librarena LRS"'
    return response


@bp.errorhandler(XapiError)
def _xapi_error(exc: XapiError) -> Response:
    return _error(exc.status, exc.message, exc.field)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    # The spec wants 400 for any bad request, never 422.
    status = 400 if exc.status == 422 else exc.status
    return _error(status, exc.message or "bad request")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    return _error(status, exc.description or exc.name)


@bp.errorhandler(IntegrityError)
def _integrity_error(exc: IntegrityError) -> Response:
    # Two requests stored the same new statement id (or document) at the same moment: the
    # constraint kept one; the other may send again and get the stored one's answer.
    log.info("integrity error on %s %s: %s", request.method, request.path, exc.orig)
    return _error(409, RACE)


@bp.errorhandler(Exception)
def _unexpected_error(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _error(500, "an unexpected error occurred; nothing was stored")


# --- About ------------------------------------------------------------------------------


def _about(xreq: XapiRequest, principal: Principal) -> Response:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#28-about-resource
    return _json({"version": SUPPORTED, "extensions": {}})


@bp.route("/about", methods=ALL_METHODS, provide_automatic_options=False)
def about() -> Response:
    return _dispatch({"GET": _about}, public=True)


# --- Statements -------------------------------------------------------------------------

STATEMENT_PARAMS = (
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "more",
)


def _statements_in(xreq: XapiRequest) -> tuple[Any, list[Part] | None]:
    # Statements come as application/json, or multipart/mixed with attachments.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#15-content-types
    if xreq.mimetype == "multipart/mixed":
        raw, parts = parse_multipart(xreq)
        body = json_body(XapiRequest("POST", {}, xreq.headers, raw))
    elif xreq.mimetype != "application/json" and not (xreq.alternate and not xreq.mimetype):
        raise Invalid("statements must be sent as application/json", field="Content-Type")
    else:
        raw, parts, body = xreq.body, None, json_body(xreq)
    _check_size(raw, body)
    return body, parts


def _check_size(raw: bytes, body: Any) -> None:
    # An LRS may refuse what is larger than it accepts, with 413.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#33-error-codes
    config = current_app.config
    max_batch = int(config.get("XAPI_MAX_BATCH", DEFAULT_MAX_BATCH))
    max_statement = int(config.get("XAPI_MAX_STATEMENT_BYTES", DEFAULT_MAX_STATEMENT_BYTES))
    statements = body if isinstance(body, list) else [body]
    if len(statements) > max_batch:
        raise XapiError(
            f"a batch holds at most {max_batch} statements; send {len(statements)} in parts",
            field="statement",
            status=413,
        )
    if len(raw) > max_statement:
        for i, statement in enumerate(statements):
            if len(json.dumps(statement).encode()) > max_statement:
                raise XapiError(
                    f"statement {i} is larger than {max_statement} bytes",
                    field=f"statement[{i}]",
                    status=413,
                )


def _put_statement(xreq: XapiRequest, principal: Principal) -> Response:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#211-put-statements
    require(principal, "statements/write")
    only_params(xreq, ("statementId",))
    sid = check_uuid(need_param(xreq, "statementId"), "statementId")
    statement, parts = _statements_in(xreq)
    if not isinstance(statement, dict):
        raise Invalid("PUT takes one statement (a JSON object)", field="statement")
    if "id" in statement and str(statement["id"]).lower() != sid:
        raise Invalid("the statement's id differs from statementId", field="statement.id")
    statement = {**statement, "id": statement.get("id", xreq.params["statementId"])}
    with _writer() as store:
        store_statements(
            store,
            [statement],
            principal,
            xreq.ctx,
            parts=parts,
            after_store=forwarding.enqueue_for(store.driver),
        )
    return Response(status=204)


def _post_statements(xreq: XapiRequest, principal: Principal) -> Response:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#212-post-statements
    require(principal, "statements/write")
    only_params(xreq, ())
    body, parts = _statements_in(xreq)
    statements = body if isinstance(body, list) else [body]
    if not statements:
        raise Invalid("no statements given", field="statement")
    with _writer() as store:
        ids = store_statements(
            store,
            statements,
            principal,
            xreq.ctx,
            parts=parts,
            after_store=forwarding.enqueue_for(store.driver),
        )
    return _json(ids)


def _languages() -> list[str]:
    return [lang for lang, _q in request.accept_languages] if request.accept_languages else []


def _statement_response(statements: list[dict[str, Any]], body: Any, attachments: bool) -> Response:
    """JSON, or multipart/mixed with the attachments' content after it."""
    if not attachments:
        return _json(body)
    store = SqlStatementStore(db.session)
    hashes = [att["sha2"] for statement in statements for att in statement.get("attachments") or []]
    found = store.attachments(hashes)
    boundary = secrets.token_hex(16)
    chunks = [
        f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
        json.dumps(body, ensure_ascii=False).encode(),
        b"\r\n",
    ]
    for sha2 in dict.fromkeys(hashes):
        att = found.get(sha2)
        if att is None:
            continue
        chunks += [
            f"--{boundary}\r\nContent-Type: {att.content_type}\r\n"
            f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n".encode(),
            att.content,
            b"\r\n",
        ]
    chunks.append(f"--{boundary}--".encode())
    return Response(b"".join(chunks), mimetype=f'multipart/mixed; boundary="{boundary}"')


def _restrict(query: StatementQuery, principal: Principal) -> None:
    # statements/read/mine: only statements this client stored, or about this person.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#42-oauth-10-authorization-scope
    if principal.can_read_all_statements():
        return
    require(principal, "statements/read/mine", "statements/read")
    if principal.client is not None:
        query.only_client_id = principal.client.id
    elif principal.user is not None:
        query.only_actor_ifi = ifi_key(user_agent(principal.user))
        query.only_user_id = principal.user.id


def _encode_more(params: dict[str, str], after: int) -> str:
    state = {**params, "_after": after}
    state.pop("more", None)
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _decode_more(token: str) -> tuple[dict[str, str], int]:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        after = int(state.pop("_after"))
    except (ValueError, KeyError, TypeError):
        raise Invalid("the more token is not one this LRS gave", field="more") from None
    return {str(k): str(v) for k, v in state.items()}, after


def _get_statements(xreq: XapiRequest, principal: Principal) -> Response:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
    only_params(xreq, STATEMENT_PARAMS)
    if not principal.can("statements/read", "statements/read/mine", "all/read"):
        require(principal, "statements/read")
    fmt = xreq.params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise Invalid("format must be exact, ids or canonical", field="format")
    attachments = bool_param(xreq, "attachments")
    languages = _languages()
    store = SqlStatementStore(db.session)
    single = [k for k in ("statementId", "voidedStatementId") if k in xreq.params]
    if single:
        # With statementId or voidedStatementId only format and attachments may be given.
        extra = set(xreq.params) - {"statementId", "voidedStatementId", "format", "attachments"}
        if len(single) > 1 or extra:
            raise Invalid(
                "statementId/voidedStatementId take only format and attachments",
                field=sorted(extra)[0] if extra else single[1],
            )
        sid = check_uuid(xreq.params[single[0]], single[0])
        found = store.get(sid, voided=single[0] == "voidedStatementId")
        query = StatementQuery()
        _restrict(query, principal)
        if found is None or not _visible(found, query, principal):
            raise NotFound(f"no statement {sid}", field=single[0])
        response = _statement_response([found], formatted(found, fmt, languages), attachments)
        response.headers["Last-Modified"] = _http_date(_parse_stored(found))
        return response
    params = dict(xreq.params)
    after = None
    if "more" in params:
        params, after = _decode_more(params["more"])
    query = _query_from(XapiRequest("GET", params, xreq.headers, b"", version=xreq.version))
    query.after = after
    _restrict(query, principal)
    page, more = store.query_json(query)
    more_url = (
        url_for("xapi.statements", more=_encode_more(params, more)) if more is not None else ""
    )
    if fmt == "exact" and not attachments:
        # Exactly as stored: the stored JSON texts go out as they are, unparsed.
        text = '{"statements":[' + ",".join(data for data, _ in page) + "],"
        response = Response(text + f'"more":{json.dumps(more_url)}}}', mimetype="application/json")
    else:
        statements = [json.loads(data) for data, _ in page]
        body = {
            "statements": [formatted(s, fmt, languages) for s in statements],
            "more": more_url,
        }
        response = _statement_response(statements, body, attachments)
    latest = max((stored for _, stored in page), default=utcnow())
    response.headers["Last-Modified"] = _http_date(latest)
    return response


def _parse_stored(statement: dict[str, Any]) -> datetime:
    from lms.xapi.validation.common import parse_timestamp

    return parse_timestamp(statement["stored"], "stored")


def _visible(statement: dict[str, Any], query: StatementQuery, principal: Principal) -> bool:
    if query.only_client_id is None and query.only_user_id is None:
        return True
    if query.only_client_id is not None and principal.client is not None:
        authority = statement.get("authority") or {}
        members = authority.get("member") or [authority]
        return any((m.get("account") or {}).get("name") == principal.client.key for m in members)
    return ifi_key(statement["actor"]) == query.only_actor_ifi


def _query_from(xreq: XapiRequest) -> StatementQuery:
    limit_raw = xreq.params.get("limit", "0")
    if not limit_raw.isdigit():
        raise Invalid("limit must be a non-negative integer", field="limit")
    limit = int(limit_raw)
    return StatementQuery(
        agent=agent_param(xreq, required=False),
        verb=iri_param(xreq, "verb", required=False),
        activity=iri_param(xreq, "activity", required=False),
        registration=uuid_param(xreq, "registration"),
        related_activities=bool_param(xreq, "related_activities"),
        related_agents=bool_param(xreq, "related_agents"),
        since=time_param(xreq, "since"),
        until=time_param(xreq, "until"),
        limit=MAX_LIMIT if limit == 0 else min(limit, MAX_LIMIT),
        ascending=bool_param(xreq, "ascending"),
    )


@bp.route("/statements", methods=ALL_METHODS, provide_automatic_options=False)
def statements() -> Response:
    return _dispatch(
        {"GET": _get_statements, "PUT": _put_statement, "POST": _post_statements},
        own_writes=True,
    )


# --- Documents --------------------------------------------------------------------------


def _document_response(doc: docs.Document) -> Response:
    response = Response(doc.content, content_type=doc.content_type)
    response.headers["ETag"] = f'"{doc.etag}"'
    response.headers["Last-Modified"] = _http_date(doc.updated_at)
    return response


def _ids_response(ids: list[str]) -> Response:
    return _json(ids)


def _document_handlers(
    key_of: Callable[[XapiRequest, bool], docs.DocKey],
    allowed: tuple[str, ...],
    id_name: str,
    *,
    scope: str,
    need_precondition: bool,
    delete_many: bool,
) -> dict[str, Handler]:
    """GET/PUT/POST/DELETE for one document resource.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#22-document-resources
    """

    def get(xreq: XapiRequest, principal: Principal) -> Response:
        require(principal, scope, "all/read")
        only_params(xreq, (*allowed, id_name, "since"))
        key = key_of(xreq, False)
        if key.doc_id is None:
            return _ids_response(docs.list_ids(db.session, key, time_param(xreq, "since")))
        if "since" in xreq.params:
            raise Invalid("since is for lists of ids only", field="since")
        doc = docs.get_document(db.session, key)
        if doc is None:
            raise NotFound("no such document", field=id_name)
        return _document_response(doc)

    def save(merge: bool) -> Handler:
        def handler(xreq: XapiRequest, principal: Principal) -> Response:
            require(principal, scope)
            only_params(xreq, (*allowed, id_name))
            key = key_of(xreq, True)
            doc = docs.save_document(
                db.session,
                key,
                xreq.body,
                xreq.content_type,
                merge=merge,
                if_match=xreq.headers.get("If-Match"),
                if_none_match=xreq.headers.get("If-None-Match"),
                # xAPI 2.0 extends the 409 for a blind overwrite to State documents.
                need_precondition=need_precondition or xreq.ctx.is_v2,
                need_precondition_to_create=need_precondition,
            )
            response = Response(status=204)
            response.headers["ETag"] = f'"{doc.etag}"'
            return response

        return handler

    def delete(xreq: XapiRequest, principal: Principal) -> Response:
        require(principal, scope)
        only_params(xreq, (*allowed, id_name))
        key = key_of(xreq, not delete_many)
        docs.delete_documents(
            db.session,
            key,
            if_match=xreq.headers.get("If-Match"),
            if_none_match=xreq.headers.get("If-None-Match"),
        )
        return Response(status=204)

    return {"GET": get, "PUT": save(False), "POST": save(True), "DELETE": delete}


def _state_key(xreq: XapiRequest, need_id: bool) -> docs.DocKey:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#23-state-resource
    activity = iri_param(xreq, "activityId")
    agent = agent_param(xreq)
    registration = uuid_param(xreq, "registration") or ""
    state_id = need_param(xreq, "stateId") if need_id else xreq.params.get("stateId")
    return docs.DocKey(docs.STATE, activity or "", agent or "", registration, state_id)


def _activity_profile_key(xreq: XapiRequest, need_id: bool) -> docs.DocKey:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#27-activity-profile-resource
    activity = iri_param(xreq, "activityId")
    profile = need_param(xreq, "profileId") if need_id else xreq.params.get("profileId")
    return docs.DocKey(docs.ACTIVITY_PROFILE, activity or "", "", "", profile)


def _agent_profile_key(xreq: XapiRequest, need_id: bool) -> docs.DocKey:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#26-agent-profile-resource
    agent = agent_param(xreq)
    profile = need_param(xreq, "profileId") if need_id else xreq.params.get("profileId")
    return docs.DocKey(docs.AGENT_PROFILE, "", agent or "", "", profile)


_STATE = _document_handlers(
    _state_key,
    ("activityId", "agent", "registration"),
    "stateId",
    scope="state",
    need_precondition=False,
    delete_many=True,
)
_ACTIVITY_PROFILE = _document_handlers(
    _activity_profile_key,
    ("activityId",),
    "profileId",
    scope="profile",
    need_precondition=True,
    delete_many=False,
)
_AGENT_PROFILE = _document_handlers(
    _agent_profile_key,
    ("agent",),
    "profileId",
    scope="profile",
    need_precondition=True,
    delete_many=False,
)


@bp.route("/activities/state", methods=ALL_METHODS, provide_automatic_options=False)
def state() -> Response:
    return _dispatch(_STATE)


@bp.route("/activities/profile", methods=ALL_METHODS, provide_automatic_options=False)
def activity_profile() -> Response:
    return _dispatch(_ACTIVITY_PROFILE)


@bp.route("/agents/profile", methods=ALL_METHODS, provide_automatic_options=False)
def agent_profile() -> Response:
    return _dispatch(_AGENT_PROFILE)


# --- Activities and Agents --------------------------------------------------------------


def _get_activity(xreq: XapiRequest, principal: Principal) -> Response:
    # The LRS's canonical definition of an activity.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#25-activities-resource
    require(principal, "define", "all/read", "statements/read", "profile", "state")
    only_params(xreq, ("activityId",))
    activity_id = iri_param(xreq, "activityId")
    assert activity_id is not None
    found = SqlStatementStore(db.session).activity(activity_id)
    return _json(found or {"objectType": "Activity", "id": activity_id})


def _get_agent(xreq: XapiRequest, principal: Principal) -> Response:
    # A Person object with every identifier the LRS knows for the agent.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#24-agents-resource
    require(principal, "profile", "all/read", "statements/read", "define", "state")
    only_params(xreq, ("agent",))
    agent_param(xreq)
    agent = json.loads(xreq.params["agent"])
    person: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        person["name"] = [agent["name"]]
    for key in IFIS:
        if key in agent:
            person[key] = [agent[key]]
    return _json(person)


@bp.route("/activities", methods=ALL_METHODS, provide_automatic_options=False)
def activities() -> Response:
    return _dispatch({"GET": _get_activity})


@bp.route("/agents", methods=ALL_METHODS, provide_automatic_options=False)
def agents() -> Response:
    return _dispatch({"GET": _get_agent})


__all__ = ["bp", "fail"]
