"""Our RSA signing keys: generated on first use, published at ``/lti/jwks``, rotated by command.

Private keys are stored encrypted (Fernet, with a key derived by HKDF from the instance's
``SECRET_KEY``): a database dump alone does not give them away, and nothing is written into
the repository or the logs. Changing ``SECRET_KEY`` therefore needs ``librarena lti
rotate-keys`` afterwards (the old private keys can no longer be read).

Rotation keeps the key it replaces in the JWKS, so a platform that cached our key set, or
checks a token we signed a moment before the rotation, still finds its ``kid``
(Security Framework 1.0 §6.3, https://www.imsglobal.org/spec/security/v1p0/#key-set-url).
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import jwt
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import utcnow
from lti.models import LtiToolKey

KEY_BITS = 2048


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"librarena-lti", info=b"lti-secrets"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(text: str) -> str:
    """Encrypt a secret for storage (tool private keys, LTI 1.1 consumer secrets)."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError(
            "an LTI secret cannot be decrypted: SECRET_KEY changed? run `librarena lti "
            "rotate-keys` and re-enter LTI 1.1 secrets"
        ) from exc


def generate(session: Session, *, activate: bool = True) -> LtiToolKey:
    """A new RSA key pair, stored (private half encrypted); active at once unless told not."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    key = LtiToolKey(
        kid=uuid.uuid4().hex,
        public_pem=public_pem,
        private_encrypted=encrypt(private_pem),
        activated_at=utcnow() if activate else None,
    )
    session.add(key)
    session.flush()
    return key


def active_key(session: Session) -> LtiToolKey:
    """The key we sign with; made on first use."""
    key = session.scalars(
        select(LtiToolKey)
        .where(LtiToolKey.activated_at.is_not(None), LtiToolKey.retired_at.is_(None))
        .order_by(LtiToolKey.activated_at.desc(), LtiToolKey.id.desc())
    ).first()
    return key or generate(session)


def published_keys(session: Session) -> list[LtiToolKey]:
    """Every key not retired, and the one retired last (still in platforms' caches)."""
    current = list(
        session.scalars(
            select(LtiToolKey).where(LtiToolKey.retired_at.is_(None)).order_by(LtiToolKey.id)
        )
    )
    previous = session.scalars(
        select(LtiToolKey)
        .where(LtiToolKey.retired_at.is_not(None))
        .order_by(LtiToolKey.retired_at.desc(), LtiToolKey.id.desc())
    ).first()
    return ([previous] if previous else []) + current


def jwk_of(key: LtiToolKey) -> dict[str, Any]:
    public = serialization.load_pem_public_key(key.public_pem.encode())
    assert isinstance(public, rsa.RSAPublicKey)
    jwk: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    jwk.update(kid=key.kid, alg="RS256", use="sig")
    return jwk


def jwks(session: Session) -> dict[str, Any]:
    """Our public key set (RFC 7517), as ``/lti/jwks`` serves it."""
    if not session.scalars(select(LtiToolKey.id).limit(1)).first():
        active_key(session)
    return {"keys": [jwk_of(k) for k in published_keys(session)]}


def rotate(session: Session) -> LtiToolKey:
    """Make a new key the active one; the one it replaces stays published until the next
    rotation."""
    now = utcnow()
    for key in session.scalars(select(LtiToolKey).where(LtiToolKey.retired_at.is_(None))):
        key.retired_at = now
    return generate(session)


def sign(session: Session, payload: dict[str, Any]) -> str:
    """An RS256 JWT signed with the active key, its ``kid`` in the header."""
    key = active_key(session)
    private = decrypt(key.private_encrypted)
    return jwt.encode(payload, private, algorithm="RS256", headers={"kid": key.kid})
