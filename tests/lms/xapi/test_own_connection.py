"""Statements POSTed and PUT are stored on a connection of the request's own, outside the ORM
session (lms.xapi.api._writer): everything a batch writes commits together or not at all, on
SQLite and PostgreSQL. The other LRS tests run in a transaction they roll back, which the
statements join; these run an app on a database of its own, as it runs in production."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from lms.db import db
from lms.xapi import forwarding
from lms.xapi.models import Activity, ForwardQueue, Statement
from lms.xapi.storage import StatementWriter
from tests.lms.xapi.conftest import make_statement, new_id, own_lrs

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


@pytest.fixture
def lrs(own_app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    return own_app.test_client(), own_lrs(own_app, "region")


def _count(app: Flask, model: Any) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_statements_are_written_outside_the_session(
    own_app: Flask, lrs: tuple[FlaskClient, dict[str, str]]
) -> None:
    client, headers = lrs
    # the first request reads the client's row (through the session) into the cache
    assert (
        client.post("/xapi/statements", json=make_statement(), headers=headers).status_code == 200
    )
    begun: list[Any] = []

    def count(conn: Any) -> None:
        begun.append(conn)

    with own_app.app_context():
        engine = db.engine
    event.listen(engine, "begin", count)  # SQLAlchemy connections, the session's too
    try:
        resp = client.post("/xapi/statements", json=make_statement(), headers=headers)
    finally:
        event.remove(engine, "begin", count)
    assert resp.status_code == 200
    assert begun == []
    assert _count(own_app, Statement) == 2


def test_a_batch_with_voiding_references_attachments_and_definitions_commits_together(
    own_app: Flask, lrs: tuple[FlaskClient, dict[str, str]]
) -> None:
    client, headers = lrs
    activity = f"http://example.org/activities/{new_id()}"
    target = make_statement(id=new_id(), object={"id": activity})
    ref = make_statement(id=new_id(), object={"objectType": "StatementRef", "id": target["id"]})
    described = make_statement(
        id=new_id(),
        object={"id": activity, "definition": {"name": {"en-US": "Module one"}}},
    )
    assert (
        client.post("/xapi/statements", json=[target, ref, described], headers=headers).status_code
        == 200
    )
    voiding = make_statement(
        id=new_id(),
        verb={"id": VOIDED, "display": {"en-US": "voided"}},
        object={"objectType": "StatementRef", "id": target["id"]},
    )
    content = b"certificate"
    sha2 = hashlib.sha256(content).hexdigest()
    with_file = make_statement(
        id=new_id(),
        attachments=[
            {
                "usageType": "http://example.org/usage/certificate",
                "display": {"en-US": "certificate"},
                "contentType": "text/plain",
                "length": len(content),
                "sha2": sha2,
            }
        ],
    )
    body = (
        b"--b\r\nContent-Type: application/json\r\n\r\n"
        + json.dumps([voiding, with_file]).encode()
        + b"\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
        + f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode()
        + content
        + b"\r\n--b--"
    )
    resp = client.post(
        "/xapi/statements",
        data=body,
        headers={**headers, "Content-Type": 'multipart/mixed; boundary="b"'},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    # voided: gone from the filters, still there by voidedStatementId
    got = client.get(f"/xapi/statements?statementId={target['id']}", headers=headers)
    assert got.status_code == 404
    voided = client.get(f"/xapi/statements?voidedStatementId={target['id']}", headers=headers)
    assert voided.status_code == 200
    # the StatementRef is found by its target's activity
    by_activity = client.get(
        "/xapi/statements", query_string={"activity": activity}, headers=headers
    ).get_json()
    assert {s["id"] for s in by_activity["statements"]} >= {ref["id"], described["id"]}
    # the definition merged into the canonical activity
    with own_app.app_context():
        row = db.session.get(Activity, activity)
        assert row is not None
        assert json.loads(row.definition)["name"] == {"en-US": "Module one"}
    # the attachment comes back with its statement
    attached = client.get(
        f"/xapi/statements?statementId={with_file['id']}&attachments=true", headers=headers
    )
    assert content in attached.get_data()
    # each new statement queued once for the forwarding target, in the same transaction
    assert _count(own_app, ForwardQueue) == 5


def test_a_refused_batch_writes_nothing(
    own_app: Flask, lrs: tuple[FlaskClient, dict[str, str]]
) -> None:
    client, headers = lrs
    stored = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=stored, headers=headers).status_code == 200
    before = _count(own_app, Statement), _count(own_app, ForwardQueue)
    other = {**stored, "result": {"completion": False}}
    resp = client.post(
        "/xapi/statements", json=[make_statement(id=new_id()), other], headers=headers
    )
    assert resp.status_code == 409
    assert (_count(own_app, Statement), _count(own_app, ForwardQueue)) == before


def test_a_failure_after_the_rows_are_written_rolls_them_back(
    own_app: Flask, lrs: tuple[FlaskClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers = lrs

    def broken(_driver: Any) -> Any:
        def hook(_stored: Any) -> None:
            raise RuntimeError("the queue is gone")

        return hook

    monkeypatch.setattr(forwarding, "enqueue_for", broken)
    statement = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=statement, headers=headers).status_code == 500
    monkeypatch.undo()
    assert _count(own_app, Statement) == 0
    # and the writers' lock was let go: the next request stores
    assert client.post("/xapi/statements", json=statement, headers=headers).status_code == 200
    assert _count(own_app, Statement) == 1


def test_a_race_on_the_same_new_id_is_a_conflict(
    own_app: Flask, lrs: tuple[FlaskClient, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two requests check that an id is new, then both insert it (PostgreSQL writers do not
    # queue): the database's unique key refuses the second, which is told to send again.
    client, headers = lrs
    statement = make_statement(id=new_id())
    assert (
        client.put(
            f"/xapi/statements?statementId={statement['id']}", json=statement, headers=headers
        ).status_code
        == 204
    )
    monkeypatch.setattr(StatementWriter, "find_with_voiders", lambda self, ids: ({}, set()))
    again = client.post("/xapi/statements", json=statement, headers=headers)
    assert again.status_code == 409
    assert "send it again" in again.get_json()["errors"]["id"][0]
    assert _count(own_app, Statement) == 1
