"""Forwarding to a real second LRS (another Librarena on 127.0.0.1): delivered once, retried
after a failure, filtered by verb."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import db, utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due
from lms.xapi.forwarding import CHANNEL
from lms.xapi.models import ForwardTarget
from tests.lms.xapi.conftest import make_statement, new_id


def _remote_get(live_lrs: tuple[str, str, str], statement_id: str) -> tuple[int, Any]:
    endpoint, key, secret = live_lrs
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        endpoint + "statements?" + urlencode({"statementId": statement_id}),
        headers={"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def _target(session: Session, live_lrs: tuple[str, str, str], **extra: Any) -> ForwardTarget:
    endpoint, key, secret = live_lrs
    target = ForwardTarget(name="region", endpoint=endpoint, username=key, secret=secret, **extra)
    session.add(target)
    session.commit()
    return target


def _messages(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == CHANNEL)))


def _deliver(app: Flask, session: Session) -> None:
    for message in _messages(session):  # due now, whatever the back-off said
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with app.app_context():
        deliver_due(app, db.session)


def test_forwarding_delivers_each_statement_once(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    _target(session, live_lrs)
    statement = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=statement, headers=headers).status_code == 200
    [message] = _messages(session)
    assert message.status is OutboxStatus.PENDING  # nothing is sent inside the request
    _deliver(app, session)
    [message] = _messages(session)
    assert message.status is OutboxStatus.SENT, message.last_error
    status, remote = _remote_get(live_lrs, statement["id"])
    assert status == 200
    assert remote["verb"] == statement["verb"]
    assert remote["authority"]["account"]["name"] == live_lrs[1]  # the other LRS's own authority
    # the worker died before marking it sent: sending again is harmless
    message.status = OutboxStatus.PENDING
    session.commit()
    _deliver(app, session)
    assert _messages(session)[0].status is OutboxStatus.SENT
    # a repeat POST of the same statement is not stored again, so not forwarded again
    client.post("/xapi/statements", json=statement, headers=headers)
    assert len(_messages(session)) == 1


def test_forwarding_retries_after_a_failure(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    target = _target(session, live_lrs)
    target.secret = "wrong"  # the other LRS refuses us
    session.commit()
    statement = make_statement(id=new_id())
    client.post("/xapi/statements", json=statement, headers=headers)
    _deliver(app, session)
    [message] = _messages(session)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "HTTP 401" in (message.last_error or "")
    assert _remote_get(live_lrs, statement["id"])[0] == 404
    target.secret = live_lrs[2]
    session.commit()
    _deliver(app, session)
    assert _messages(session)[0].status is OutboxStatus.SENT
    assert _remote_get(live_lrs, statement["id"])[0] == 200


@pytest.mark.parametrize(("prefix", "queued"), [("http://adlnet.gov/", 1), ("http://other/", 0)])
def test_forwarding_filters_by_verb_prefix(
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    live_lrs: Any,
    prefix: str,
    queued: int,
) -> None:
    _target(session, live_lrs, verb_prefix=prefix)
    client.post("/xapi/statements", json=make_statement(), headers=headers)
    assert len(_messages(session)) == queued


def test_forwarding_cli_adds_and_lists_targets(session: Session, cli: Any) -> None:
    runner = cli
    added = runner.invoke(
        args=[
            "lrs",
            "add-forward",
            "National",
            "https://lrs.example/xapi/",
            "--username",
            "k",
            "--secret",
            "s",
            "--verb-prefix",
            "http://adlnet.gov/",
        ]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["lrs", "list-forwards"])
    assert "National https://lrs.example/xapi/ [active] nothing yet" in listed.output
    bad = runner.invoke(
        args=["lrs", "add-forward", "x", "ftp://x", "--username", "k", "--secret", "s"]
    )
    assert bad.exit_code != 0
    for target in session.scalars(select(ForwardTarget)):
        session.delete(target)
    session.commit()
