"""The HTTP side of the LRS: one request shape for the normal and the alternate syntax, the
version header, multipart/mixed bodies, and query parameters.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#10-http-requests
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from flask import Request
from werkzeug.datastructures import Headers

from lms.xapi.errors import Invalid
from lms.xapi.statements import Part
from lms.xapi.validation.actor import check_actor, ifi_key
from lms.xapi.validation.common import Ctx, check_iri, check_uuid, parse_timestamp

#: The form fields of the alternate syntax that are really headers.
#: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#13-alternate-request-syntax
HEADER_FIELDS = (
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
)
METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")
_V1 = re.compile(r"^1\.0(\.\d+)?$")
_V2 = re.compile(r"^2\.0(\.\d+)?$")


@dataclass
class XapiRequest:
    """A request as the LRS sees it, whichever syntax it came in."""

    method: str
    params: dict[str, str]
    headers: Headers
    body: bytes
    alternate: bool = False
    version: str = "1.0.3"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ctx(self) -> Ctx:
        return Ctx(version=self.version)

    @property
    def mimetype(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type") or "application/octet-stream"


def _params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise Invalid(f"parameter {key} is given twice", field=key)
        params[key] = value
    return params


def from_flask(request: Request) -> XapiRequest:
    """Read the request; the alternate syntax (POST with ?method=) becomes the request it
    stands for.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#13-alternate-request-syntax
    """
    query = _params(list(request.args.items(multi=True)))
    if "method" not in query:
        return XapiRequest(
            method=request.method,
            params=query,
            headers=request.headers,  # read-only here: no copy
            body=request.get_data(cache=True),
        )
    if request.method != "POST":
        raise Invalid("the alternate request syntax must be sent as POST", field="method")
    method = query.pop("method").upper()
    if method not in METHODS:
        raise Invalid(f"method {method} is not an xAPI method", field="method")
    if query:
        raise Invalid(
            "the alternate request syntax takes only 'method' in the query string",
            field=next(iter(query)),
        )
    if request.mimetype != "application/x-www-form-urlencoded":
        raise Invalid(
            "the alternate request syntax needs an application/x-www-form-urlencoded body",
            field="Content-Type",
        )
    try:
        form = _params(
            parse_qsl(
                request.get_data(cache=True).decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=False,
            )
        )
    except UnicodeDecodeError:
        raise Invalid("the form is not UTF-8", field="content") from None
    # Real headers count too (Authorization, the version); form fields override them.
    headers = Headers(
        [(k, v) for k, v in request.headers.items() if k not in ("Content-Type", "Content-Length")]
    )
    lowered = {name.lower(): name for name in HEADER_FIELDS}
    params: dict[str, str] = {}
    body = b""
    for key, value in form.items():
        if key.lower() in lowered:
            headers[lowered[key.lower()]] = value
        elif key == "content":
            body = value.encode("utf-8")
        else:
            params[key] = value
    if method in ("PUT", "POST") and "content" not in form:
        raise Invalid("the alternate request syntax sends the body as 'content'", field="content")
    return XapiRequest(method=method, params=params, headers=headers, body=body, alternate=True)


def check_version(xreq: XapiRequest) -> str:
    # Every request names the xAPI version it speaks; we speak 1.0.x and 2.0.x.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#versioning-requirements
    value = (xreq.headers.get("X-Experience-API-Version") or "").strip()
    if not value:
        raise Invalid("the X-Experience-API-Version header is required", field="version")
    if _V1.match(value):
        return "1.0.3"
    if _V2.match(value):
        return "2.0.0"
    raise Invalid(f"xAPI version {value} is not supported", field="version")


def only_params(xreq: XapiRequest, allowed: tuple[str, ...]) -> None:
    # Parameters the resource does not define are refused.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#20-resources
    for key in xreq.params:
        if key not in allowed:
            raise Invalid(f"parameter {key} is not allowed here", field=key)


def need_param(xreq: XapiRequest, name: str) -> str:
    value = xreq.params.get(name)
    if value is None or value == "":
        raise Invalid(f"parameter {name} is required", field=name)
    return value


def agent_param(xreq: XapiRequest, name: str = "agent", *, required: bool = True) -> str | None:
    """The IFI key of the Agent (or identified Group) given as JSON in ``name``."""
    raw = xreq.params.get(name)
    if raw is None:
        if required:
            raise Invalid(f"parameter {name} is required", field=name)
        return None
    try:
        agent = json.loads(raw)
    except ValueError:
        raise Invalid(f"parameter {name} is not JSON", field=name) from None
    check_actor(agent, name, xreq.ctx)
    key = ifi_key(agent)
    if key is None:
        raise Invalid(f"parameter {name} must identify an Agent or Group", field=name)
    return key


def iri_param(xreq: XapiRequest, name: str, *, required: bool = True) -> str | None:
    value = xreq.params.get(name)
    if value is None:
        if required:
            raise Invalid(f"parameter {name} is required", field=name)
        return None
    return check_iri(value, name)


def uuid_param(xreq: XapiRequest, name: str) -> str | None:
    value = xreq.params.get(name)
    return None if value is None else check_uuid(value, name)


def time_param(xreq: XapiRequest, name: str) -> datetime | None:
    value = xreq.params.get(name)
    return None if value is None else parse_timestamp(value, name)


def bool_param(xreq: XapiRequest, name: str) -> bool:
    value = xreq.params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise Invalid(f"parameter {name} must be true or false", field=name)
    return value == "true"


def json_body(xreq: XapiRequest) -> Any:
    try:
        return json.loads(xreq.body.decode("utf-8"), object_pairs_hook=_no_duplicates)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not valid JSON: {exc}", field="body") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)  # in C; a key given twice leaves the dict shorter than the list
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise ValueError(f"property {key} appears twice")
            seen.add(key)
    return result


def parse_multipart(xreq: XapiRequest) -> tuple[bytes, list[Part]]:
    """Split a multipart/mixed body: the statements first, then one part per attachment.

    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#1511-multipartmixed
    """
    match = re.search(r'boundary="?([^";]+)"?', xreq.content_type)
    if not match:
        raise Invalid("multipart/mixed needs a boundary", field="Content-Type")
    delimiter = b"--" + match.group(1).encode()
    chunks = xreq.body.split(delimiter)
    if len(chunks) < 3:
        raise Invalid("the multipart body has no parts", field="body")
    parts: list[tuple[Headers, bytes]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, content = chunk.partition(b"\r\n\r\n")
        if not sep:
            if chunk.startswith(b"\r\n"):
                head, content = b"", chunk[2:]
            else:
                raise Invalid("a multipart part has no header block", field="body")
        headers = Headers()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
        parts.append((headers, content.removesuffix(b"\r\n")))
    if not parts:
        raise Invalid("the multipart body has no parts", field="body")
    first_headers, statements = parts[0]
    if (first_headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
        raise Invalid("the first part must be application/json", field="Content-Type")
    attachments: list[Part] = []
    for i, (headers, content) in enumerate(parts[1:], start=1):
        sha2 = headers.get("X-Experience-API-Hash")
        if not sha2:
            raise Invalid(f"part {i} has no X-Experience-API-Hash", field="X-Experience-API-Hash")
        if (headers.get("Content-Transfer-Encoding") or "").lower() != "binary":
            raise Invalid(
                f"part {i} must have Content-Transfer-Encoding: binary",
                field="Content-Transfer-Encoding",
            )
        algorithm = {64: "sha256", 96: "sha384", 128: "sha512"}.get(len(sha2))
        if algorithm is None or hashlib.new(algorithm, content).hexdigest() != sha2.lower():
            raise Invalid(f"part {i} does not match its hash {sha2}", field="X-Experience-API-Hash")
        attachments.append(
            Part(
                content_type=headers.get("Content-Type") or "application/octet-stream",
                sha2=sha2,
                content=content,
            )
        )
    return statements, attachments
