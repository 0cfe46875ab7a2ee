"""Who may do what where. A role is held in an organisation unit and covers its subtree.

Views call these before every read or change; services trust their caller. Every rule is
exercised by the role × URL matrix in ``tests/test_access_matrix.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, false, or_, true
from sqlalchemy.orm import InstrumentedAttribute

from lms.auth.models import Role, User
from lms.errors import Forbidden
from lms.orgs.models import OrgUnit

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Scope:
    """The part of the organisation tree where someone holds a role."""

    everywhere: bool = False
    paths: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.everywhere and not self.paths

    def contains(self, unit: OrgUnit | None) -> bool:
        if self.everywhere:
            return True
        if unit is None:
            return False
        return any(unit.path.startswith(p) for p in self.paths)

    def where(self, path_column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        """A filter on ``OrgUnit.path`` matching the units in this scope."""
        if self.everywhere:
            return true()
        if not self.paths:
            return false()
        return or_(*(path_column.startswith(p, autoescape=True) for p in self.paths))


def scope(user: User | Any, *roles: Role) -> Scope:
    """Where ``user`` holds any of ``roles`` (an inactive or anonymous user holds none)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    paths: list[str] = []
    for assignment in user.roles:
        if assignment.role not in roles:
            continue
        if assignment.unit is None:
            return Scope(everywhere=True)
        paths.append(assignment.unit.path)
    # A path inside another adds nothing; keep the outermost ones.
    outer = tuple(
        sorted(p for p in set(paths) if not any(p != q and p.startswith(q) for q in paths))
    )
    return Scope(paths=outer)


def has_role(user: User | Any, *roles: Role) -> bool:
    return not scope(user, *roles).is_empty


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden()


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Sign-in required, and at least one of ``roles`` held somewhere; else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require(has_role(current_user, *roles))
            return view(*args, **kwargs)

        return cast(F, login_required(wrapper))

    return decorator


#: Roles that administer organisation units and their staff.
ORG_ADMIN_ROLES = (Role.ADMIN, Role.COORDINATOR)
