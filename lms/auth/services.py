"""Accounts: passwords, sign-in, one-time tokens, roles."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth.models import Role, RoleAssignment, TokenPurpose, User, UserToken, new_session_token
from lms.auth.permissions import Scope
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.orgs.models import OrgUnit

MIN_PASSWORD_LENGTH = 10
# werkzeug's scrypt: memory-hard, the KDF OWASP recommends after Argon2id.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a KDF name
# Checked against when the address is unknown, so a wrong address takes as long as a wrong
# password and does not tell which addresses exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            errors={
                "password": [_("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)]
            }
        )


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password and sign the person out of every other session."""
    check_password_rules(password)
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.session_token = new_session_token()
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this address and password, or None (one answer for every failure)."""
    user = find_by_email(session, email)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    email = normalise_email(email)
    if find_by_email(session, email) is not None:
        raise Conflict(errors={"email": [_("An account with this e-mail address already exists.")]})
    user = User(email=email, name=name.strip(), locale=locale)
    session.add(user)
    session.flush()
    if password is not None:
        set_password(session, user, password)
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User, purpose: TokenPurpose, valid_for: timedelta) -> str:
    """Create a one-time token; only its hash is stored, the token itself goes in an e-mail."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash_token(token),
            expires_at=utcnow() + valid_for,
        )
    )
    session.flush()
    return token


def find_valid_token(session: Session, token: str, purpose: TokenPurpose) -> UserToken:
    """The unused, unexpired token, else :class:`NotFound` with a message saying why."""
    row = session.scalar(
        select(UserToken).where(
            UserToken.token_hash == _hash_token(token), UserToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise NotFound(_("This link has expired or has already been used. Ask for a new one."))
    return row


def use_token(session: Session, token: str, purpose: TokenPurpose, new_password: str) -> User:
    """Set the password through a token and spend it (and every other open token of its kind)."""
    row = find_valid_token(session, token, purpose)
    user = row.user
    if not user.is_active:
        raise NotFound(_("This link has expired or has already been used. Ask for a new one."))
    set_password(session, user, new_password)
    now = utcnow()
    for other in session.scalars(
        select(UserToken).where(UserToken.user_id == user.id, UserToken.used_at.is_(None))
    ):
        other.used_at = now
    session.flush()
    return user


def grant_role(
    session: Session,
    user: User,
    role: Role,
    unit: OrgUnit | None,
    *,
    by: User,
    granter_scope: Scope,
) -> RoleAssignment:
    """Give ``user`` a role in ``unit`` (None = everywhere), within the granter's own scope."""
    if unit is None and not granter_scope.everywhere:
        raise Forbidden(
            _("Only an administrator for the whole service can grant a role everywhere.")
        )
    if unit is not None and not granter_scope.contains(unit):
        raise Forbidden(_("You can only grant roles within your own organisation."))
    for existing in user.roles:
        if existing.role == role and existing.unit_id == (unit.id if unit else None):
            raise Conflict(_("This person already has that role there."))
    assignment = RoleAssignment(user=user, role=role, unit=unit, granted_by_id=by.id)
    session.add(assignment)
    session.flush()
    return assignment


def revoke_role(session: Session, assignment: RoleAssignment, *, granter_scope: Scope) -> None:
    if not (granter_scope.everywhere or granter_scope.contains(assignment.unit)):
        raise Forbidden(_("You can only change roles within your own organisation."))
    session.delete(assignment)
    session.flush()


def set_active(session: Session, user: User, active: bool, *, by: User) -> None:
    if user.id == by.id and not active:
        raise ValidationFailed(_("You cannot deactivate your own account."))
    user.is_active = active
    if not active:
        user.session_token = new_session_token()
    session.flush()
