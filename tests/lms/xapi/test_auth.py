"""Credentials and scopes: who may do what at /xapi/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.xapi.auth import hash_secret
from lms.xapi.models import LrsClient
from tests.lms.xapi.conftest import VERSION, basic, make_statement

Headers = Callable[..., dict[str, str]]
STATE = "/xapi/activities/state?" + urlencode(
    {
        "activityId": "http://x.org/a",
        "agent": json.dumps({"mbox": "mailto:a@b.org"}),
        "stateId": "s",
    }
)
PROFILE = "/xapi/activities/profile?" + urlencode(
    {"activityId": "http://x.org/a", "profileId": "p"}
)


def test_secret_is_stored_as_keyed_hmac(app: Flask, session: Session, lrs_headers: Headers) -> None:
    lrs_headers("all")
    client = session.scalars(select(LrsClient)).first()
    assert client is not None
    assert len(client.secret_hash) == 64
    with app.app_context():
        assert hash_secret("x") != hash_secret("x", key="another app key")


def test_no_or_wrong_credentials_are_401(client: FlaskClient, lrs_headers: Headers) -> None:
    assert client.get("/xapi/statements", headers=VERSION).status_code == 401
    good = lrs_headers("all")
    key = good["Authorization"]
    wrong = basic("nokey", "nosecret")
    resp = client.get("/xapi/statements", headers=wrong)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Basic")
    assert (
        client.get("/xapi/statements", headers={**VERSION, "Authorization": key}).status_code == 200
    )


def test_disabled_client_is_401(
    client: FlaskClient, session: Session, lrs_headers: Headers
) -> None:
    headers = lrs_headers("all")
    for row in session.scalars(select(LrsClient)):
        row.is_active = False
    session.commit()
    assert client.get("/xapi/statements", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("scope", "method", "url", "allowed"),
    [
        ("statements/write", "post", "/xapi/statements", True),
        ("statements/write", "get", "/xapi/statements", False),
        ("statements/read", "post", "/xapi/statements", False),
        ("statements/read", "get", "/xapi/statements", True),
        ("all/read", "get", "/xapi/statements", True),
        ("all/read", "post", "/xapi/statements", False),
        ("state", "put", STATE, True),
        ("state", "put", PROFILE, False),
        ("profile", "put", PROFILE, True),
        ("profile", "get", "/xapi/statements", False),
    ],
)
def test_scope_matrix(
    client: FlaskClient, lrs_headers: Headers, scope: str, method: str, url: str, allowed: bool
) -> None:
    headers = {**lrs_headers(scope), "If-None-Match": "*"}
    body = make_statement() if url == "/xapi/statements" else {"x": 1}
    resp = getattr(client, method)(url, json=body if method != "get" else None, headers=headers)
    assert (resp.status_code != 403) is allowed, resp.get_json()


def test_read_mine_sees_only_its_own_statements(client: FlaskClient, lrs_headers: Headers) -> None:
    mine = lrs_headers("statements/write", "statements/read/mine")
    other = lrs_headers("statements/write")
    [own] = client.post("/xapi/statements", json=make_statement(), headers=mine).get_json()
    [theirs] = client.post("/xapi/statements", json=make_statement(), headers=other).get_json()
    listed = [
        s["id"] for s in client.get("/xapi/statements", headers=mine).get_json()["statements"]
    ]
    assert own in listed
    assert theirs not in listed
    assert client.get(f"/xapi/statements?statementId={theirs}", headers=mine).status_code == 404


def test_signed_in_user_reads_only_statements_about_them(
    app: Flask, client: FlaskClient, lrs_headers: Headers, create_user, login
) -> None:
    user = create_user()
    writer = lrs_headers("statements/write")
    me = {"account": {"homePage": app.config["BASE_URL"], "name": str(user.id)}}
    [about_me] = client.post(
        "/xapi/statements", json=make_statement(actor=me), headers=writer
    ).get_json()
    [not_me] = client.post("/xapi/statements", json=make_statement(), headers=writer).get_json()
    login(user)
    listed = client.get("/xapi/statements", headers=VERSION)
    assert listed.status_code == 200
    ids = [s["id"] for s in listed.get_json()["statements"]]
    assert ids == [about_me]
    assert not_me not in ids
    # a session may read, not write
    assert (
        client.post("/xapi/statements", json=make_statement(), headers=VERSION).status_code == 403
    )


def test_cli_add_client_prints_key_and_secret_once(app: Flask, session: Session, cli: Any) -> None:
    runner = cli
    result = runner.invoke(args=["lrs", "add-client", "Regional LRS", "--scope", "all"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    client = session.scalars(select(LrsClient).where(LrsClient.key == lines["key"])).one()
    assert client.scopes == "all"
    with app.app_context():
        assert client.secret_hash == hash_secret(lines["secret"])
    session.delete(client)
    session.commit()
    bad = runner.invoke(args=["lrs", "add-client", "x", "--scope", "everything"])
    assert bad.exit_code != 0
