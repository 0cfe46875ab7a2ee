"""LRS credentials: clients with a key and a secret (HTTP Basic), and their scopes.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#40-authentication
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.xapi.errors import Forbidden, Invalid, Unauthorized
from lms.xapi.models import SCOPES, LrsClient


def hash_secret(secret: str, key: str | None = None) -> str:
    """HMAC-SHA256 of a client secret under the app's SECRET_KEY (hex)."""
    app_key = key if key is not None else current_app.config["SECRET_KEY"]
    return hmac.new(app_key.encode(), secret.encode(), hashlib.sha256).hexdigest()


def create_client(
    session: Session, name: str, scopes: list[str], *, user: User | None = None
) -> tuple[LrsClient, str]:
    """Add a client; returns it and its secret, which is shown once and never stored."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise Invalid(f"unknown scope: {', '.join(unknown) or '(none)'}", field="scope")
    secret = secrets.token_urlsafe(32)
    client = LrsClient(
        name=name,
        key=secrets.token_hex(16),
        secret_hash=hash_secret(secret),
        scopes=" ".join(dict.fromkeys(scopes)),
        user=user,
    )
    session.add(client)
    session.flush()
    return client, secret


@dataclass(frozen=True)
class Principal:
    """Who is asking: a client (Basic auth) or a signed-in Librarena user (session)."""

    client: LrsClient | None
    user: User | None
    scopes: frozenset[str]

    def can(self, *wanted: str) -> bool:
        return bool(self.scopes & set(wanted)) or "all" in self.scopes

    def can_read_all_statements(self) -> bool:
        return self.can("statements/read", "all/read")


def principal_from_basic(session: Session, header: str | None) -> Principal:
    """Check ``Authorization: Basic …`` against the clients table (constant-time compare)."""
    if not header or not header.lower().startswith("basic "):
        raise Unauthorized("credentials are required (HTTP Basic)")
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    key, sep, secret = decoded.partition(":")
    client = session.scalars(select(LrsClient).where(LrsClient.key == key)).first() if sep else None
    expected = client.secret_hash if client else hash_secret("x" * 43)
    if not hmac.compare_digest(expected, hash_secret(secret)) or client is None:
        raise Unauthorized("unknown key or wrong secret")
    if not client.is_active:
        raise Unauthorized("this client is disabled")
    return Principal(client=client, user=client.user, scopes=client.scope_set)


def principal_from_user(user: Any) -> Principal:
    """A signed-in person may read their own statements (statements/read/mine)."""
    return Principal(client=None, user=user, scopes=frozenset({"statements/read/mine"}))


def require(principal: Principal, *scopes: str) -> None:
    """Refuse with 403 unless the principal holds one of ``scopes`` (or ``all``)."""
    if not principal.can(*scopes):
        raise Forbidden(f"this needs the scope {' or '.join(scopes)}")
