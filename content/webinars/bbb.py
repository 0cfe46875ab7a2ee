"""A small BigBlueButton API client: https://docs.bigbluebutton.org/development/api/

Every call is ``<server>/api/<call>?<query>&checksum=<hex>`` with
``checksum = SHA(call + query + shared secret)`` (SHA-256 by default; SHA-1 for servers older
than 2.5 — the API accepts SHA-1, SHA-256, SHA-384 and SHA-512). The secret never leaves the
server: a learner's browser only ever gets a finished ``join`` URL.

Settings (in the app config): ``BBB_URL`` (the API base, ending in ``/bigbluebutton/``),
``BBB_SECRET``, ``BBB_CHECKSUM`` (``sha256`` or ``sha1``), ``BBB_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET  # only our own configured server's answers are parsed
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask

ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


class MeetingServiceDown(Exception):
    """The meeting server did not answer (refused, timed out, or answered nonsense)."""


class MeetingServiceError(Exception):
    """The meeting server answered FAILED; ``key`` is its ``messageKey``."""

    def __init__(self, key: str, message: str = "") -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class Recording:
    record_id: str
    url: str
    published: bool


@dataclass(frozen=True)
class Attendee:
    user_id: str
    name: str
    role: str


@dataclass(frozen=True)
class Client:
    base: str
    secret: str
    algorithm: str = "sha256"
    timeout: float = 5.0

    def checksum(self, call: str, query: str) -> str:
        """SHA(callName + queryString + sharedSecret), hex (API docs, "API Security Model")."""
        return hashlib.new(self.algorithm, (call + query + self.secret).encode()).hexdigest()

    def callback_token(self, purpose: str, meeting_id: str) -> str:
        """A token for a callback URL we hand to the server (HMAC-SHA256 with the secret)."""
        message = f"{purpose}:{meeting_id}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()

    def valid_callback_token(self, purpose: str, meeting_id: str, token: str) -> bool:
        return hmac.compare_digest(self.callback_token(purpose, meeting_id), token)

    def url(self, call: str, params: dict[str, Any]) -> str:
        query = urlencode({k: _text(v) for k, v in params.items() if v is not None})
        return f"{self.base.rstrip('/')}/api/{call}?{query}&checksum={self.checksum(call, query)}"

    def _call(self, call: str, params: dict[str, Any]) -> ET.Element:
        try:
            with urllib.request.urlopen(  # noqa: S310 - BBB_URL is checked to be http(s)
                self.url(call, params), timeout=self.timeout
            ) as resp:
                body = resp.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise MeetingServiceDown(str(exc)) from exc
        try:
            root = ET.fromstring(body)  # noqa: S314 - our configured server, not user input
        except ET.ParseError as exc:
            raise MeetingServiceDown("the answer is not XML") from exc
        if root.findtext("returncode") != "SUCCESS":
            raise MeetingServiceError(
                root.findtext("messageKey") or "unknown", root.findtext("message") or ""
            )
        return root

    def create(
        self,
        meeting_id: str,
        name: str,
        *,
        record: bool = True,
        end_callback_url: str | None = None,
        recording_ready_url: str | None = None,
        analytics_url: str | None = None,
    ) -> None:
        """Create the meeting; BBB answers SUCCESS again for one that already runs."""
        self._call(
            "create",
            {
                "meetingID": meeting_id,
                "name": name,
                "record": record,
                "meta_endCallbackUrl": end_callback_url,
                "meta_bbb-recording-ready-url": recording_ready_url,
                # The analytics callback needs the meeting's events kept (BBB 2.6 docs).
                "meta_analytics-callback-url": analytics_url,
                "meetingKeepEvents": True if analytics_url else None,
            },
        )

    def join_url(self, meeting_id: str, *, full_name: str, user_id: str, moderator: bool) -> str:
        """The URL a browser follows into the meeting (made here: it carries a checksum)."""
        return self.url(
            "join",
            {
                "meetingID": meeting_id,
                "fullName": full_name,
                "userID": user_id,
                "role": "MODERATOR" if moderator else "VIEWER",
                "redirect": True,
            },
        )

    def end(self, meeting_id: str) -> None:
        self._call("end", {"meetingID": meeting_id})

    def meeting_info(self, meeting_id: str) -> list[Attendee]:
        root = self._call("getMeetingInfo", {"meetingID": meeting_id})
        return [
            Attendee(
                user_id=a.findtext("userID") or "",
                name=a.findtext("fullName") or "",
                role=a.findtext("role") or "",
            )
            for a in root.iter("attendee")
        ]

    def recordings(self, meeting_id: str) -> list[Recording]:
        root = self._call("getRecordings", {"meetingID": meeting_id})
        found = []
        for rec in root.iter("recording"):
            url = next((u.text for u in rec.iter("url") if u.text), None)
            if url:
                found.append(
                    Recording(
                        record_id=rec.findtext("recordID") or "",
                        url=url,
                        published=rec.findtext("published") == "true",
                    )
                )
        return found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def client_for(app: Flask) -> Client | None:
    """The configured client, or None when no meeting server is set up."""
    base = app.config.get("BBB_URL")
    secret = app.config.get("BBB_SECRET")
    if not base or not secret:
        return None
    if urlsplit(str(base)).scheme not in ("http", "https"):
        raise ValueError("BBB_URL must be an http(s) URL")
    algorithm = str(app.config.get("BBB_CHECKSUM") or "sha256").lower()
    if algorithm not in ALGORITHMS:
        raise ValueError(f"BBB_CHECKSUM must be one of {', '.join(ALGORITHMS)}")
    return Client(
        base=str(base),
        secret=str(secret),
        algorithm=algorithm,
        timeout=float(app.config.get("BBB_TIMEOUT") or 5),
    )


# Callbacks: BigBlueButton signs what it sends with the shared secret, as a JWT (RFC 7519) in
# JWS compact form (RFC 7515 §7.1): recording-ready with HS256 in ``signed_parameters``, the
# analytics callback with HS512 in ``Authorization: Bearer``. Nothing is stored before the
# signature is checked.

_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class BadSignature(Exception):
    """A callback whose token is missing, malformed, expired, or not signed with our secret."""


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign_jwt(payload: dict[str, Any], secret: str, algorithm: str = "HS256") -> str:
    """A compact HMAC-signed JWT (what BigBlueButton sends; used by the tests' fake server)."""
    head = _b64encode(json.dumps({"alg": algorithm, "typ": "JWT"}).encode())
    body = _b64encode(json.dumps(payload).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), _HASHES[algorithm]).digest()
    return f"{head}.{body}.{_b64encode(mac)}"


def verify_jwt(token: str, secret: str, *, now: float | None = None) -> dict[str, Any]:
    """The claims of an HMAC-signed JWT, or :class:`BadSignature`.

    Only the HS algorithms are accepted (never ``none``); the MAC is compared in constant time;
    an ``exp`` claim in the past is refused (RFC 7519 §4.1.4).
    """
    try:
        head, body, mac = token.split(".")
        header = json.loads(_b64decode(head))
        algorithm = header.get("alg") if isinstance(header, dict) else None
        digest = _HASHES.get(str(algorithm))
        if digest is None:
            raise BadSignature("algorithm not accepted")
        expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), digest).digest()
        if not hmac.compare_digest(expected, _b64decode(mac)):
            raise BadSignature("signature does not match")
        claims = json.loads(_b64decode(body))
    except (ValueError, binascii.Error) as exc:
        raise BadSignature("malformed token") from exc
    if not isinstance(claims, dict):
        raise BadSignature("claims are not an object")
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp < (now if now is not None else time.time()):
        raise BadSignature("token expired")
    return claims
