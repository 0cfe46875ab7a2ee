"""Several ``librarena worker`` processes on one PostgreSQL database share the outbox and the
xAPI forwarding queues: each claims a row (FOR UPDATE SKIP LOCKED) and holds it until the
outcome is committed, so no message runs twice and no batch goes out twice.

Each test plays two workers on connections of their own, on a database of its own: worker B
runs a whole round while worker A is in the middle of a delivery. These need PostgreSQL; on
SQLite there are no row locks (a writer takes the whole database), and the embedded default is
one worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import db
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due, enqueue, register
from lms.xapi import forwarding
from lms.xapi.models import ForwardQueue, ForwardTarget
from tests.lms.xapi.conftest import make_statement, new_id, own_lrs

pytestmark = pytest.mark.skipif(
    not os.environ.get("LIBRARENA_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="row claims (FOR UPDATE SKIP LOCKED) exist only on PostgreSQL; "
    "CI's second pass runs these",
)


def _meanwhile(app: Flask, work: Callable[[Flask, Session], Any]) -> None:
    """Worker B: one round on a connection of its own, committed, while A waits."""
    with app.app_context(), Session(db.engine, expire_on_commit=False) as other:
        work(app, other)


def test_two_workers_never_run_the_same_message_and_share_the_work(own_app: Flask) -> None:
    runs: list[tuple[str, int]] = []
    worker = {"name": "A"}

    def handler(app: Flask, payload: dict[str, Any]) -> None:
        runs.append((worker["name"], payload["n"]))
        if worker["name"] == "A":  # A is busy with its message: B takes a round
            worker["name"] = "B"
            try:
                _meanwhile(app, deliver_due)
            finally:
                worker["name"] = "A"

    register(own_app, "test-shared", handler)
    with own_app.app_context():
        for n in range(4):
            enqueue(db.session, "test-shared", {"n": n})
        db.session.commit()
        deliver_due(own_app, db.session)
        statuses = db.session.scalars(select(OutboxMessage.status)).all()

    assert sorted(n for _, n in runs) == [0, 1, 2, 3]  # each message once
    assert {name for name, _ in runs} == {"A", "B"}  # B did not wait for A's round to end
    assert statuses == [OutboxStatus.SENT] * 4


def test_two_workers_never_send_the_same_forwarding_batch(
    own_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = own_lrs(own_app, "region", "nation")
    ids = [new_id() for _ in range(3)]
    resp = own_app.test_client().post(
        "/xapi/statements", json=[make_statement(id=i) for i in ids], headers=headers
    )
    assert resp.status_code == 200
    sent: list[tuple[str, list[str]]] = []
    worker = {"name": "A"}

    def fake_send(target: ForwardTarget, statements: list[dict[str, Any]]) -> None:
        sent.append((target.name, [s["id"] for s in statements]))
        if worker["name"] == "A":  # A waits on the other LRS: B takes a round
            worker["name"] = "B"
            try:
                _meanwhile(own_app, forwarding.deliver_batches)
            finally:
                worker["name"] = "A"

    monkeypatch.setattr(forwarding, "send", fake_send)
    with own_app.app_context():
        forwarding.deliver_batches(own_app, db.session)
        db.session.expire_all()
        counts = {t.name: t.delivered_count for t in db.session.scalars(select(ForwardTarget))}
        left = db.session.scalars(select(ForwardQueue)).all()

    assert sorted(sent) == [("nation", ids), ("region", ids)]  # each batch went out once
    assert counts == {"nation": 3, "region": 3}
    assert left == []
