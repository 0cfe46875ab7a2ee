"""The LRS is an app of its own mounted at /xapi (lms.xapi.app): the web app's page work does
not run for it, its errors are JSON, its URLs keep the mount point, and it shares the web
app's settings, sign-in and proxy handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.auth.models import User
from lms.xapi import forwarding
from lms.xapi.app import lrs_app
from lms.xapi.statements import user_agent
from tests.lms.xapi.conftest import make_statement, new_id


def test_lrs_answers_without_the_web_apps_page_headers(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    lrs = client.post("/xapi/statements", json=make_statement(), headers=headers)
    assert lrs.status_code == 200
    assert lrs.headers["X-Experience-API-Version"] == "1.0.3"
    assert lrs.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in lrs.headers  # a page header, set by the web app
    page = client.get("/login")
    assert "Content-Security-Policy" in page.headers


def test_lrs_shares_the_web_apps_settings(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    lrs = lrs_app(app)
    assert lrs is not app
    assert lrs.config is app.config
    # so a limit changed on the web app holds in the LRS at once
    app.config["XAPI_MAX_BATCH"] = 1
    try:
        resp = client.post(
            "/xapi/statements", json=[make_statement(), make_statement()], headers=headers
        )
    finally:
        del app.config["XAPI_MAX_BATCH"]
    assert resp.status_code == 413
    assert "at most 1 statements" in resp.get_json()["errors"]["statement"][0]


def test_an_unexpected_error_is_json_and_stores_nothing(
    client: FlaskClient, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_session: Any) -> Callable[..., None]:
        def hook(_stored: Any) -> None:
            raise RuntimeError("the queue table is gone")

        return hook

    # Fails after the statement's rows are written: they must be rolled back.
    monkeypatch.setattr(forwarding, "enqueue_for", broken)
    statement = make_statement(id=new_id())
    resp = client.post("/xapi/statements", json=statement, headers=headers)
    assert resp.status_code == 500
    assert resp.get_json()["errors"]["_"] == ["an unexpected error occurred; nothing was stored"]
    monkeypatch.undo()
    found = client.get(f"/xapi/statements?statementId={statement['id']}", headers=headers)
    assert found.status_code == 404


def test_more_links_keep_where_the_app_is_mounted(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    verb = f"http://example.org/verbs/{new_id()}"
    for _ in range(2):
        client.post("/xapi/statements", json=make_statement(verb={"id": verb}), headers=headers)
    query = urlencode({"verb": verb, "limit": 1})
    plain = client.get(f"/xapi/statements?{query}", headers=headers).get_json()
    assert plain["more"].startswith("/xapi/statements?more=")
    # behind a proxy that serves the site under /lib
    under = client.get(
        f"/xapi/statements?{query}", headers=headers, environ_overrides={"SCRIPT_NAME": "/lib"}
    ).get_json()
    assert under["more"].startswith("/lib/xapi/statements?more=")
    rest = client.get(plain["more"], headers=headers).get_json()
    assert len(rest["statements"]) == 1
    assert rest["more"] == ""


def test_signed_in_learner_reads_own_statements_through_the_cookie(
    app: Flask,
    client: FlaskClient,
    headers: dict[str, str],
    create_user: Callable[..., User],
    login: Callable[[User], None],
) -> None:
    learner = create_user("learner")
    with app.app_context():  # the account's home page is the app's base URL
        mine = make_statement(id=new_id(), actor=user_agent(learner))
    theirs = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=[mine, theirs], headers=headers).status_code == 200
    login(learner)
    # no Authorization header: the web app's session cookie says who this is
    version = {"X-Experience-API-Version": "1.0.3"}
    resp = client.get("/xapi/statements", headers=version)
    assert resp.status_code == 200
    assert [s["id"] for s in resp.get_json()["statements"]] == [mine["id"]]
    # and the cookie grants reading only
    assert (
        client.post("/xapi/statements", json=make_statement(), headers=version).status_code == 403
    )


def test_admin_page_names_the_lrs_endpoint(
    client: FlaskClient, create_user: Callable[..., User], login: Callable[[User], None]
) -> None:
    login(create_user("admin", everywhere=True))
    # shown with a new client's credentials: all a program needs to connect
    resp = client.post("/admin/lrs/clients/new", data={"name": "Player", "scopes": ["all"]})
    assert "<code>http://localhost/xapi/</code>" in resp.get_data(as_text=True)
