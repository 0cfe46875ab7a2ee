"""The access matrix's part for the LRS admin pages: administrators holding their role
everywhere only (a regional administrator gets 403); see ``tests/matrix_support.py``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.xapi.models import ForwardTarget, LrsClient
from tests.matrix_support import Case, rule


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    # No request here (no app context to key a secret with): a row no secret matches.
    client = LrsClient(
        name="Matrix client", key="matrix-client", secret_hash="0" * 64, scopes="statements/read"
    )
    session.add(client)
    target = ForwardTarget(
        name="Matrix LRS", endpoint="https://lrs.example/xapi/", username="k", secret="s"
    )
    session.add(target)
    session.flush()
    ids["lrs_client"] = client.id
    ids["lrs_target"] = target.id


GLOBAL_ADMIN_PAGE = rule(200, ("admin",))

CASES: list[Case] = [
    Case("lrs_admin.index", "GET", "/admin/lrs/", GLOBAL_ADMIN_PAGE),
    Case("lrs_admin.new_client", "GET", "/admin/lrs/clients/new", GLOBAL_ADMIN_PAGE),
    Case(
        "lrs_admin.new_client",
        "POST",
        "/admin/lrs/clients/new",
        rule(422, ("admin",)),  # nothing given: past the access check, refused
        data={},
    ),
    Case(
        "lrs_admin.revoke_client",
        "POST",
        "/admin/lrs/clients/{lrs_client}/revoke",
        rule(302, ("admin",)),
    ),
    Case(
        "lrs_admin.revoke_client",
        "POST",
        "/admin/lrs/clients/999999/revoke",
        rule(404, ("admin",)),
    ),
    Case("lrs_admin.new_forward", "GET", "/admin/lrs/forwards/new", GLOBAL_ADMIN_PAGE),
    Case(
        "lrs_admin.new_forward",
        "POST",
        "/admin/lrs/forwards/new",
        rule(422, ("admin",)),
        data={},
    ),
    Case(
        "lrs_admin.retry_forward",
        "POST",
        "/admin/lrs/forwards/{lrs_target}/retry",
        rule(302, ("admin",)),
    ),
    Case(
        "lrs_admin.retry_forward",
        "POST",
        "/admin/lrs/forwards/999999/retry",
        rule(404, ("admin",)),
    ),
]
