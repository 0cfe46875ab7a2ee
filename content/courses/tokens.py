"""Machine clients of the content API: bearer tokens created by administrators.

A token is shown once, when its client is created; only its SHA-256 is stored, so a leaked
database does not leak tokens. Each client holds scopes, and each API view names the scope
it needs (:data:`SCOPES`). Tokens go in ``Authorization: Bearer …`` (RFC 6750 §2.1,
https://www.rfc-editor.org/rfc/rfc6750#section-2.1); a request that carries one is the
machine's, whatever cookies it also sends.
"""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.courses.models import ApiClient
from lms.auth.models import User
from lms.db import utcnow
from lms.errors import Conflict, ValidationFailed

CATALOGUE_READ = "catalogue:read"
PROGRESS_READ = "progress:read"

#: What a client may be allowed, and what that means to the administrator choosing it.
SCOPES = {
    CATALOGUE_READ: _l("Read the catalogue and published courses"),
    PROGRESS_READ: _l("Read every learner's enrolments and progress"),
}

#: Tokens start with this, so a scanner (or a person) recognises a leaked one.
PREFIX = "lrn_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(
    session: Session, *, name: str, scopes: list[str], by: User | None
) -> tuple[ApiClient, str]:
    """A new client and its token; the token is not stored and cannot be shown again."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    if not scopes or any(s not in SCOPES for s in scopes):
        errors["scopes"] = [_("Choose at least one of the options.")]
    if errors:
        raise ValidationFailed(errors=errors)
    token = PREFIX + secrets.token_urlsafe(32)
    client = ApiClient(
        name=name.strip(),
        token_hash=_hash(token),
        scopes=sorted(set(scopes)),
        created_by_id=by.id if by is not None else None,
    )
    session.add(client)
    session.flush()
    return client, token


def authenticate(session: Session, token: str) -> ApiClient | None:
    """The client holding ``token``, unless it is unknown or revoked."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    client = session.scalar(select(ApiClient).where(ApiClient.token_hash == _hash(token)))
    if client is None or client.revoked_at is not None:
        return None
    return client


def revoke(session: Session, client: ApiClient) -> None:
    """Stop a client's token from working, for good."""
    if client.revoked_at is not None:
        raise Conflict(_("This client's token is already revoked."))
    client.revoked_at = utcnow()
    session.flush()


def clients(session: Session) -> list[ApiClient]:
    return list(session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc())))
