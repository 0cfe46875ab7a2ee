"""The LRS admin pages: a client made with scopes, its secret shown once and working, revoked
at once; a forwarding target added with its pending and failing statements shown, and retried.
Bad input is refused with the field named and nothing stored; regional admins are refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit
from lms.xapi.models import ForwardQueue, ForwardTarget, LrsClient
from tests.conftest import text_of
from tests.lms.xapi.conftest import basic, make_statement

Login = Callable[[User], None]


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_admin_adds_a_client_whose_secret_works_once_shown(
    client: FlaskClient, session: Session, create_user: Callable[..., User], login: Login
) -> None:
    login(create_user("admin", everywhere=True))
    form = client.get("/admin/lrs/clients/new").get_data(as_text=True)
    assert 'value="statements/write"' in form
    resp = client.post(
        "/admin/lrs/clients/new",
        data={"name": "Course player", "scopes": ["statements/write", "statements/read/mine"]},
    )
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    key = re.search(r'id="client-key">([^<]+)<', page)
    secret = re.search(r'id="client-secret">([^<]+)<', page)
    assert key
    assert secret
    stored = session.scalars(select(LrsClient).where(LrsClient.key == key.group(1))).one()
    assert stored.scope_set == {"statements/write", "statements/read/mine"}
    assert secret.group(1) not in stored.secret_hash
    headers = basic(key.group(1), secret.group(1))
    assert (
        client.post("/xapi/statements", json=make_statement(), headers=headers).status_code == 200
    )
    assert client.get("/xapi/activities/state", headers=headers).status_code in (400, 403)
    # the list shows the key, never the secret again
    listing = client.get("/admin/lrs/").get_data(as_text=True)
    assert key.group(1) in listing
    assert secret.group(1) not in listing
    # revoked: refused at once
    revoke = client.post(f"/admin/lrs/clients/{stored.id}/revoke", follow_redirects=True)
    assert "Course player can no longer use the LRS." in text_of(revoke.get_data(as_text=True))
    assert (
        client.post("/xapi/statements", json=make_statement(), headers=headers).status_code == 401
    )


def test_client_form_refuses_bad_input_and_stores_nothing(
    client: FlaskClient, session: Session, create_user: Callable[..., User], login: Login
) -> None:
    login(create_user("admin", everywhere=True))
    before = _count(session, LrsClient)
    none = client.post("/admin/lrs/clients/new", data={"name": "Player"})
    assert none.status_code == 422
    assert "Choose at least one permission." in text_of(none.get_data(as_text=True))
    assert 'value="Player"' in none.get_data(as_text=True)
    forged = client.post("/admin/lrs/clients/new", data={"name": "P", "scopes": ["root"]})
    assert forged.status_code == 422
    nameless = client.post("/admin/lrs/clients/new", data={"scopes": ["all"]})
    assert nameless.status_code == 422
    assert 'value="all" checked' in nameless.get_data(as_text=True)
    assert _count(session, LrsClient) == before


def test_admin_adds_a_forwarding_target_sees_its_queue_and_retries(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    login: Login,
    lrs_headers: Callable[..., dict[str, str]],
) -> None:
    login(create_user("admin", everywhere=True))
    bad = client.post(
        "/admin/lrs/forwards/new",
        data={
            "name": "National",
            "endpoint": "ftp://lrs.example/xapi/",
            "username": "k",
            "password": "top-secret",
            "version": "1.0.3",
        },
    )
    assert bad.status_code == 422
    assert "starting with https://" in text_of(bad.get_data(as_text=True))
    assert "top-secret" not in bad.get_data(as_text=True)  # a secret is never shown back
    assert _count(session, ForwardTarget) == 0
    resp = client.post(
        "/admin/lrs/forwards/new",
        data={
            "name": "National",
            "endpoint": "https://lrs.example/xapi/",
            "username": "k",
            "password": "top-secret",
            "version": "2.0.0",
        },
    )
    assert resp.status_code == 302
    target = session.scalars(select(ForwardTarget)).one()
    assert (target.secret, target.version, target.verb_prefix) == ("top-secret", "2.0.0", None)
    headers = lrs_headers("all")
    client.post("/xapi/statements", json=[make_statement(), make_statement()], headers=headers)
    target.failures = 3
    target.last_error = "HTTP 503 down for maintenance"
    target.next_attempt_at = utcnow() + timedelta(hours=1)
    session.commit()
    page = text_of(client.get("/admin/lrs/").get_data(as_text=True))
    assert "National" in page
    assert "3 failed attempts: HTTP 503 down for maintenance" in page
    assert _count(session, ForwardQueue) == 2
    assert "top-secret" not in page
    retried = client.post(f"/admin/lrs/forwards/{target.id}/retry", follow_redirects=True)
    assert "National is tried again in a moment." in text_of(retried.get_data(as_text=True))
    session.refresh(target)
    assert target.next_attempt_at is None


def test_regional_admins_and_others_may_not(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    login: Login,
) -> None:
    regional = create_user("admin", unit=create_unit("region"))
    session.commit()
    login(regional)
    assert client.get("/admin/lrs/").status_code == 403
    assert (
        client.post("/admin/lrs/clients/new", data={"name": "x", "scopes": ["all"]}).status_code
        == 403
    )
    assert _count(session, LrsClient) == 0
