"""Forwarding to a real second LRS (another Librarena on 127.0.0.1): delivered once in batches,
retried with back-off after a failure, filtered by verb; and a worker killed in the middle of a
batch loses nothing and doubles nothing."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import db, utcnow
from lms.xapi import forwarding
from lms.xapi.models import ForwardQueue, ForwardTarget
from tests.lms.xapi.conftest import deliver_now, make_statement, new_id, queued


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


def test_forwarding_delivers_each_statement_once(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    target = _target(session, live_lrs)
    statement = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=statement, headers=headers).status_code == 200
    [waiting] = queued(session)  # nothing is sent inside the request
    seq = waiting.statement_seq
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.delivered_count, target.failures, target.last_error) == (1, 0, None)
    status, remote = _remote_get(live_lrs, statement["id"])
    assert status == 200
    assert remote["verb"] == statement["verb"]
    assert remote["authority"]["account"]["name"] == live_lrs[1]  # the other LRS's own authority
    # the worker died before deleting the row: sending again is harmless
    session.add(ForwardQueue(target_id=target.id, statement_seq=seq))
    session.commit()
    deliver_now(app, session)
    assert queued(session) == []
    assert _remote_get(live_lrs, statement["id"])[0] == 200
    # a repeat POST of the same statement is not stored again, so not forwarded again
    client.post("/xapi/statements", json=statement, headers=headers)
    assert queued(session) == []


def test_forwarding_sends_batches(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    target = _target(session, live_lrs)
    batch = [make_statement(id=new_id()) for _ in range(forwarding.BATCH + 20)]
    assert client.post("/xapi/statements", json=batch, headers=headers).status_code == 200
    assert len(queued(session)) == len(batch)
    deliver_now(app, session)  # one round: one batch per target
    assert len(queued(session)) == 20
    assert target.delivered_count == forwarding.BATCH
    deliver_now(app, session)
    assert queued(session) == []
    assert target.delivered_count == len(batch)
    assert all(_remote_get(live_lrs, s["id"])[0] == 200 for s in batch[:: len(batch) // 5])


def test_a_batch_the_other_lrs_partly_has_is_sent_one_by_one(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    endpoint, key, secret = live_lrs
    clash = new_id()
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        endpoint + "statements?" + urlencode({"statementId": clash}),
        data=json.dumps(make_statement(id=clash, verb={"id": "http://example.org/other"})).encode(),
        method="PUT",
        headers={
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as resp:  # noqa: S310
        assert resp.status == 204
    target = _target(session, live_lrs)
    batch = [make_statement(id=new_id()), make_statement(id=clash), make_statement(id=new_id())]
    client.post("/xapi/statements", json=batch, headers=headers)
    deliver_now(app, session)  # the POST is refused (409): each is PUT, and 409 means "there"
    assert queued(session) == []
    assert target.delivered_count == 3
    assert _remote_get(live_lrs, batch[0]["id"])[0] == 200
    assert _remote_get(live_lrs, batch[2]["id"])[0] == 200


def test_forwarding_backs_off_with_jitter_and_retries(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], live_lrs: Any
) -> None:
    target = _target(session, live_lrs)
    target.secret = "wrong"  # the other LRS refuses us
    session.commit()
    statement = make_statement(id=new_id())
    client.post("/xapi/statements", json=statement, headers=headers)
    before = utcnow()
    deliver_now(app, session)
    assert len(queued(session)) == 1
    assert target.failures == 1
    assert "HTTP 401" in (target.last_error or "")
    assert target.next_attempt_at is not None
    wait = (target.next_attempt_at - before).total_seconds()
    assert forwarding.BACKOFF_BASE * 0.5 - 1 <= wait <= forwarding.BACKOFF_BASE + 5
    # not due yet: the next round leaves it alone
    with app.app_context():
        assert forwarding.deliver_batches(app, db.session) == 0
    assert _remote_get(live_lrs, statement["id"])[0] == 404
    target.secret = live_lrs[2]
    session.commit()
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.failures, target.last_error, target.delivered_count) == (0, None, 1)
    assert _remote_get(live_lrs, statement["id"])[0] == 200


def test_backoff_grows_is_capped_and_jittered() -> None:
    import random

    rng = random.Random(7)
    draws = [forwarding.backoff(n, rng=rng).total_seconds() for n in (1, 2, 3, 30)]
    assert 15 <= draws[0] <= 30
    assert 30 <= draws[1] <= 60
    assert 60 <= draws[2] <= 120
    assert forwarding.BACKOFF_CAP / 2 <= draws[3] <= forwarding.BACKOFF_CAP
    assert len({forwarding.backoff(1).total_seconds() for _ in range(20)}) > 1


@pytest.mark.parametrize(("prefix", "expected"), [("http://adlnet.gov/", 1), ("http://other/", 0)])
def test_forwarding_filters_by_verb_prefix(
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    live_lrs: Any,
    prefix: str,
    expected: int,
) -> None:
    _target(session, live_lrs, verb_prefix=prefix)
    client.post("/xapi/statements", json=make_statement(), headers=headers)
    assert len(queued(session)) == expected


def test_no_target_no_queue(session: Session, client: FlaskClient, headers: dict[str, str]) -> None:
    client.post("/xapi/statements", json=make_statement(), headers=headers)
    assert queued(session) == []


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
    assert "National https://lrs.example/xapi/ [active] delivered: 0, pending: 0" in listed.output
    bad = runner.invoke(
        args=["lrs", "add-forward", "x", "ftp://x", "--username", "k", "--secret", "s"]
    )
    assert bad.exit_code != 0
    for target in session.scalars(select(ForwardTarget)):
        session.delete(target)
    session.commit()
