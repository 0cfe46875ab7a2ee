"""Administration of accounts: whom an administrator reaches, and the changes they make.

Account primitives (passwords, tokens, roles, activation) live in :mod:`lms.auth.services`;
this module combines them into what an administrator does, and adds the rules about *whose*
account they may touch. Services flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from lms.auth import services as auth
from lms.auth.models import Role, RoleAssignment, TokenPurpose, User, UserToken
from lms.auth.permissions import Scope
from lms.config import COUNTRY_LOCALE, LOCALES
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.i18n import user_country
from lms.mail import queue_mail
from lms.orgs import services as orgs
from lms.orgs.models import JobTitle, Membership, OrgUnit, UnitKind


def within(reach: Scope) -> ColumnElement[bool]:
    """Users with a membership or a role in a unit inside ``reach`` (a filter on ``User``)."""
    if reach.everywhere:
        return true()
    member = (
        select(Membership.id)
        .join(OrgUnit, Membership.library_id == OrgUnit.id)
        .where(Membership.user_id == User.id, reach.where(OrgUnit.path))
        .exists()
    )
    holds_role = (
        select(RoleAssignment.id)
        .join(OrgUnit, RoleAssignment.unit_id == OrgUnit.id)
        .where(RoleAssignment.user_id == User.id, reach.where(OrgUnit.path))
        .exists()
    )
    return or_(member, holds_role)


def search(
    reach: Scope,
    *,
    q: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
) -> Select[User]:
    """The users in ``reach`` matching a name or e-mail fragment, a role and a state, by name."""
    stmt = (
        select(User)
        .where(within(reach))
        # Roles and their units are shown for every row: load them in two queries, not 2 × N.
        .options(selectinload(User.roles).selectinload(RoleAssignment.unit))
        .order_by(func.lower(User.name), User.id)
    )
    if q:
        stmt = stmt.where(
            or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
        )
    if role is not None:
        stmt = stmt.where(User.roles.any(RoleAssignment.role == role))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    return stmt


def get_user(session: Session, user_id: int, *, reach: Scope) -> User:
    """The user, if ``reach`` covers them; otherwise NotFound, so ids outside it tell nothing."""
    user = session.scalar(select(User).where(User.id == user_id, within(reach)))
    if user is None:
        raise NotFound()
    return user


def units_in(session: Session, reach: Scope, *, kind: UnitKind | None = None) -> list[OrgUnit]:
    stmt = select(OrgUnit).where(reach.where(OrgUnit.path))
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    return list(session.scalars(stmt))


def unit_trails(session: Session, units: Iterable[OrgUnit | None]) -> dict[int, str]:
    """ "Region › Municipality › Library" for each unit; ancestors are loaded in one query.

    Two libraries may share a name in different municipalities, so a unit's own name alone
    does not tell an administrator which one they pick.
    """
    known = {u.id: u for u in units if u is not None}
    missing = {a for u in known.values() for a in u.ancestor_ids} - known.keys()
    if missing:
        known.update(
            {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(missing)))}
        )
    trails: dict[int, str] = {}
    for unit in list(known.values()):
        names = [known[a].name for a in unit.ancestor_ids if a in known]
        trails[unit.id] = " › ".join(names or [unit.name])
    return trails


def can_manage(user: User, *, granter_scope: Scope) -> bool:
    """Whether every role and library of ``user`` lies within ``granter_scope``.

    Whoever can change an address can reset the password sent to it; an administrator of one
    region must not take over (or lock out) someone who holds power elsewhere.
    """
    if granter_scope.everywhere:
        return True
    # Every place the person is attached to must be within reach: a role elsewhere, or a
    # library elsewhere (whose manager relies on the address), makes the account read-only.
    units = [a.unit for a in user.roles] + [m.library for m in user.memberships]
    return bool(units) and all(granter_scope.contains(unit) for unit in units)


def check_can_manage(user: User, *, granter_scope: Scope) -> None:
    """Refuse changes to an account that holds a role beyond the administrator's reach."""
    if not can_manage(user, granter_scope=granter_scope):
        raise Forbidden(
            _(
                "This person holds a role outside your organisation. Only an administrator"
                " who covers all of their roles can change the account."
            )
        )


def _check_email_free(session: Session, email: str, *, exclude: User | None = None) -> None:
    other = auth.find_by_email(session, email)
    if other is not None and other is not exclude:
        raise Conflict(errors={"email": [_("An account with this e-mail address already exists.")]})


def create_account(
    session: Session,
    *,
    name: str,
    email: str,
    locale: str,
    role: Role,
    unit: OrgUnit | None,
    library: OrgUnit | None = None,
    job_title: JobTitle | None = None,
    password: str | None = None,
    by: User,
    granter_scope: Scope,
) -> User:
    """Create an account with its first role and, optionally, a place on a library's staff.

    Without ``password`` the account cannot sign in until the person accepts an invitation.
    """
    if library is not None and not granter_scope.contains(library):
        raise Forbidden(_("You can only add people to libraries within your own organisation."))
    user = auth.create_user(session, email=email, name=name, password=password, locale=locale)
    auth.grant_role(session, user, role, unit, by=by, granter_scope=granter_scope)
    if library is not None and job_title is not None:
        orgs.add_member(session, user, library, job_title)
    return user


def update_account(
    session: Session, user: User, *, name: str, email: str, locale: str, granter_scope: Scope
) -> User:
    check_can_manage(user, granter_scope=granter_scope)
    email = auth.normalise_email(email)
    _check_email_free(session, email, exclude=user)
    user.name = name
    user.email = email
    user.locale = locale
    session.flush()
    return user


def _mail_locale(user: User, fallback: str) -> str:
    """The person's chosen language, else their organisation's, else ``fallback``.

    Never the administrator's: the mail is read by the person it is sent to.
    """
    if user.locale in LOCALES:
        return str(user.locale)
    return COUNTRY_LOCALE.get(user_country(user) or "", fallback)


def send_invitation(
    session: Session,
    user: User,
    *,
    by: User,
    valid_for: timedelta,
    link_for: Callable[[str], str],
    fallback_locale: str,
    granter_scope: Scope,
) -> None:
    """Queue an invitation e-mail with a fresh link, in the person's own language.

    ``link_for`` turns a token into the absolute URL of the acceptance page (the caller knows
    the site's address). Earlier invitation links stop working: only the newest one is valid,
    so an old, forwarded mail cannot be used to claim the account.
    """
    check_can_manage(user, granter_scope=granter_scope)
    if user.password_hash is not None:
        raise Conflict(_("This person has already chosen a password and needs no invitation."))
    if not user.is_active:
        raise Conflict(_("This account is deactivated. Reactivate it before inviting the person."))
    now = utcnow()
    for old in session.scalars(
        select(UserToken).where(
            UserToken.user_id == user.id,
            UserToken.purpose == TokenPurpose.INVITATION,
            UserToken.used_at.is_(None),
        )
    ):
        old.used_at = now
    token = auth.issue_token(session, user, TokenPurpose.INVITATION, valid_for)
    queue_mail(
        session,
        to=user.email,
        template="invitation",
        locale=_mail_locale(user, fallback_locale),
        user=user,
        inviter=by,
        days=valid_for.days,
        link=link_for(token),
    )


def change_active(
    session: Session, user: User, active: bool, *, by: User, granter_scope: Scope
) -> None:
    """Deactivate (the person is signed out everywhere) or reactivate an account."""
    check_can_manage(user, granter_scope=granter_scope)
    auth.set_active(session, user, active, by=by)


def remove_role(
    session: Session, assignment: RoleAssignment, *, by: User, granter_scope: Scope
) -> None:
    # An administrator removing their own administrator role would lock themselves out, and
    # perhaps leave a region with nobody to undo it; another administrator must do it.
    if assignment.user_id == by.id and assignment.role == Role.ADMIN:
        raise ValidationFailed(_("You cannot remove your own administrator role."))
    auth.revoke_role(session, assignment, granter_scope=granter_scope)
