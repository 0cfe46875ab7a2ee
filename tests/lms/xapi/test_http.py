"""Reading requests: multipart/mixed bodies and the version header."""

from __future__ import annotations

import hashlib

import pytest
from werkzeug.datastructures import Headers

from lms.xapi.errors import Invalid
from lms.xapi.http import XapiRequest, check_version, parse_multipart


def _request(body: bytes, boundary: str = "b") -> XapiRequest:
    headers = Headers({"Content-Type": f'multipart/mixed; boundary="{boundary}"'})
    return XapiRequest("POST", {}, headers, body)


def _part(content: bytes, *, sha2: str | None = None, encoding: str = "binary") -> bytes:
    digest = sha2 or hashlib.sha256(content).hexdigest()
    return (
        b"--b\r\nContent-Type: text/plain\r\n"
        + f"Content-Transfer-Encoding: {encoding}\r\n".encode()
        + f"X-Experience-API-Hash: {digest}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )


FIRST = b'--b\r\nContent-Type: application/json\r\n\r\n{"a": 1}\r\n'


def test_parse_multipart_splits_statements_and_parts() -> None:
    statements, parts = parse_multipart(_request(FIRST + _part(b"hello\r\nworld") + b"--b--"))
    assert statements == b'{"a": 1}'
    assert [p.content for p in parts] == [b"hello\r\nworld"]
    assert parts[0].sha2 == hashlib.sha256(b"hello\r\nworld").hexdigest()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (FIRST + _part(b"x", sha2="a" * 64) + b"--b--", "X-Experience-API-Hash"),
        (FIRST + _part(b"x", encoding="base64") + b"--b--", "Content-Transfer-Encoding"),
        (_part(b"x") + b"--b--", "Content-Type"),  # the statements must come first
        (b"no parts at all", "body"),
    ],
)
def test_parse_multipart_refuses(body: bytes, field: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_multipart(_request(body))
    assert info.value.field == field


@pytest.mark.parametrize(
    ("value", "expected"), [("1.0", "1.0.3"), ("1.0.1", "1.0.3"), ("2.0.0", "2.0.0")]
)
def test_check_version_accepts(value: str, expected: str) -> None:
    assert (
        check_version(XapiRequest("GET", {}, Headers({"X-Experience-API-Version": value}), b""))
        == expected
    )


@pytest.mark.parametrize("value", ["", "0.95", "1.1.0", "3.0.0", "1.0.x"])
def test_check_version_refuses(value: str) -> None:
    with pytest.raises(Invalid):
        check_version(XapiRequest("GET", {}, Headers({"X-Experience-API-Version": value}), b""))
