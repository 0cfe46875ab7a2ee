"""LRS credentials: clients with a key and a secret (HTTP Basic), and their scopes.

https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#40-authentication
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

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


class HasId(Protocol):
    @property
    def id(self) -> int: ...


@dataclass(frozen=True)
class ClientRef:
    """What a request needs of its client: kept between requests, never an ORM object."""

    id: int
    key: str
    name: str


@dataclass(frozen=True)
class UserRef:
    id: int


@dataclass(frozen=True)
class Principal:
    """Who is asking: a client (Basic auth) or a signed-in Librarena user (session)."""

    client: ClientRef | None
    user: HasId | None
    scopes: frozenset[str]

    def can(self, *wanted: str) -> bool:
        return bool(self.scopes & set(wanted)) or "all" in self.scopes

    def can_read_all_statements(self) -> bool:
        return self.can("statements/read", "all/read")


#: How long a client's row is trusted without reading it again (seconds). Disabling a client
#: takes effect at once in the process that did it and within this time everywhere else.
CREDENTIALS_TTL = 5.0


@dataclass(frozen=True)
class _Known:
    secret_hash: str
    is_active: bool
    principal: Principal
    read_at: float


def _known(session_of: Callable[[], Session], key: str) -> _Known | None:
    """The client row behind ``key``, from this process's short-lived cache or the database.

    Credentials are checked on every request; reading the row (and its user) each time was
    most of the cost of a one-statement POST. Only the row's facts are cached, never a secret:
    the request's secret is still HMAC-ed and compared in constant time every time.
    """
    cache: dict[str, _Known] = current_app.extensions.setdefault("xapi.credentials", {})
    now = time.monotonic()
    found = cache.get(key)
    if found is not None and now - found.read_at < CREDENTIALS_TTL:
        return found
    session = session_of()
    row = session.execute(
        select(
            LrsClient.id,
            LrsClient.key,
            LrsClient.name,
            LrsClient.secret_hash,
            LrsClient.scopes,
            LrsClient.is_active,
            LrsClient.user_id,
        ).where(LrsClient.key == key)
    ).first()
    if row is None:
        cache.pop(key, None)
        return None
    principal = Principal(
        client=ClientRef(id=row.id, key=row.key, name=row.name),
        user=UserRef(row.user_id) if row.user_id is not None else None,
        scopes=frozenset(row.scopes.split()),
    )
    if len(cache) > 10_000:
        cache.clear()
    found = cache[key] = _Known(row.secret_hash, row.is_active, principal, now)
    return found


def forget_credentials(key: str | None = None) -> None:
    """Drop cached client rows (one, or all) after a change: disabled, scopes changed."""
    cache: dict[str, _Known] = current_app.extensions.setdefault("xapi.credentials", {})
    if key is None:
        cache.clear()
    else:
        cache.pop(key, None)


def principal_from_basic(session_of: Callable[[], Session], header: str | None) -> Principal:
    """Check ``Authorization: Basic …`` against the clients table (constant-time compare).
    ``session_of`` gives the session to read the table with, if the cache cannot answer."""
    if not header or not header.lower().startswith("basic "):
        raise Unauthorized("credentials are required (HTTP Basic)")
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("malformed Basic credentials") from None
    key, sep, secret = decoded.partition(":")
    known = _known(session_of, key) if sep else None
    expected = known.secret_hash if known else hash_secret("x" * 43)
    if not hmac.compare_digest(expected, hash_secret(secret)) or known is None:
        raise Unauthorized("unknown key or wrong secret")
    if not known.is_active:
        raise Unauthorized("this client is disabled")
    return known.principal


def principal_from_user(user: Any) -> Principal:
    """A signed-in person may read their own statements (statements/read/mine)."""
    return Principal(client=None, user=user, scopes=frozenset({"statements/read/mine"}))


def require(principal: Principal, *scopes: str) -> None:
    """Refuse with 403 unless the principal holds one of ``scopes`` (or ``all``)."""
    if not principal.can(*scopes):
        raise Forbidden(f"this needs the scope {' or '.join(scopes)}")
