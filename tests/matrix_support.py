"""What the access matrix (``tests/test_access_matrix.py``) and its parts share.

A package adds its rows in a part module of its own: ``add_world(session, users, ids)`` puts what
its URLs need into the matrix's world (regions A and B, their libraries and people are there
already, by key in ``users`` and ``ids``), and ``CASES`` lists its URLs. Name the module in
``PARTS`` of ``tests/test_access_matrix.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("anonymous", "learner", "manager", "coordinator", "evaluator", "admin", "admin_a")
SIGNED_IN = ROLES[1:]
ORG_ADMINS = ("coordinator", "admin", "admin_a")  # admin or coordinator with reach over A
ADMINS = ("admin", "admin_a")


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    url: str  # formatted with the world's ids
    expect: dict[str, int]
    data: dict[str, str] | None = None
    json: Any = None
    headers: dict[str, str] | None = None


def rule(
    ok: int,
    allowed: tuple[str, ...],
    *,
    denied: int = 403,
    anonymous: int = 302,
    overrides: dict[str, int] | None = None,
) -> dict[str, int]:
    """Expected status per role: ``ok`` for ``allowed``, ``denied`` for the other signed-in
    roles, ``anonymous`` (sign-in redirect, or 401 for the API) for nobody signed in."""
    expect = {"anonymous": anonymous}
    for role in SIGNED_IN:
        expect[role] = ok if role in allowed else denied
    expect.update(overrides or {})
    return expect


EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN_PAGE = rule(200, SIGNED_IN)
ORG_PAGE = rule(200, ORG_ADMINS)
ORG_PAGE_B = rule(200, ("admin",))  # about region B: only the global admin reaches it
API_ORG = rule(200, ORG_ADMINS, anonymous=401)
API_SIGNED_IN = rule(200, SIGNED_IN, anonymous=401)
XAPI = {"X-Experience-API-Version": "1.0.3"}
LRS_READ_MINE = rule(200, SIGNED_IN, anonymous=401)
LRS_CLIENTS_ONLY = rule(200, (), anonymous=401)
