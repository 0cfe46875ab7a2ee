"""Forwarding to Ralph, an LRS that is not ours (filesystem backend, own process on 127.0.0.1):
each statement arrives once, a repeat is taken as delivered, and an outage leaves the queue
pending until Ralph is back.

Ralph runs from ``.venv-ralph``; ``make test`` installs it first. Run by hand without it, the
module is skipped with the command that installs it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.xapi.models import ForwardQueue, ForwardTarget, Statement
from tests.lms.xapi import ralph_lrs
from tests.lms.xapi.conftest import deliver_now, make_statement, new_id, queued

pytestmark = pytest.mark.skipif(
    not ralph_lrs.installed(),
    reason=f"Ralph is not installed in .venv-ralph (run `{ralph_lrs.INSTALL_HINT}`)",
)


@pytest.fixture(scope="module")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ralph_lrs.RalphServer]:
    server = ralph_lrs.RalphServer(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def target(session: Session, ralph: ralph_lrs.RalphServer) -> ForwardTarget:
    target = ForwardTarget(
        name="ralph", endpoint=ralph.endpoint, username=ralph.key, secret=ralph.secret
    )
    session.add(target)
    session.commit()
    return target


def _store(client: FlaskClient, headers: dict[str, str], count: int) -> list[dict[str, Any]]:
    statements = [make_statement(id=new_id()) for _ in range(count)]
    assert client.post("/xapi/statements", json=statements, headers=headers).status_code == 200
    return statements


def _copies(ralph: ralph_lrs.RalphServer, statements: list[dict[str, Any]]) -> list[int]:
    """How many lines of Ralph's file hold each statement."""
    lines = Counter(line["id"] for line in ralph.stored_lines())
    return [lines[s["id"]] for s in statements]


def test_ralph_stores_each_forwarded_statement_once(
    app: Flask,
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    ralph: ralph_lrs.RalphServer,
    target: ForwardTarget,
) -> None:
    statements = _store(client, headers, 3)
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.delivered_count, target.failures, target.last_error) == (3, 0, None)
    assert _copies(ralph, statements) == [1, 1, 1]
    for sent in statements:
        [remote] = ralph.get(sent["id"])
        ours = json.loads(
            session.scalars(select(Statement.data).where(Statement.id == sent["id"])).one()
        )
        for part in ("actor", "verb", "object", "timestamp", "version"):
            assert remote[part] == ours[part]
        assert remote["authority"] == ralph.authority  # Ralph's own, not ours


def test_ralph_takes_a_repeat_as_delivered_and_stores_it_once(
    app: Flask,
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    ralph: ralph_lrs.RalphServer,
    target: ForwardTarget,
) -> None:
    statements = _store(client, headers, 2)
    deliver_now(app, session)
    seqs = list(
        session.scalars(
            select(Statement.seq).where(Statement.id.in_([s["id"] for s in statements]))
        )
    )
    # What a repeat gets from Ralph: the same statements (it compares actor, verb, object,
    # result, context, timestamp and version) are dropped, and with nothing left it answers 204.
    sent = [
        {k: v for k, v in json.loads(data).items() if k not in ("stored", "authority")}
        for data in session.scalars(select(Statement.data).where(Statement.seq.in_(seqs)))
    ]
    assert ralph.request("POST", "statements", sent) == (204, None)
    # The worker died after Ralph stored the batch, before our rows were deleted: it is sent
    # again, and the 204 counts as delivered.
    session.add_all(ForwardQueue(target_id=target.id, statement_seq=seq) for seq in seqs)
    session.commit()
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.delivered_count, target.failures, target.last_error) == (4, 0, None)
    assert _copies(ralph, statements) == [1, 1]
    # A batch of one it has and one new: a 200 naming only the new one; each stored once.
    [new] = _store(client, headers, 1)
    new_seq = session.scalar(select(Statement.seq).where(Statement.id == new["id"]))
    session.add(ForwardQueue(target_id=target.id, statement_seq=seqs[0]))
    session.commit()
    assert [q.statement_seq for q in queued(session)] == [new_seq, seqs[0]]
    deliver_now(app, session)
    assert queued(session) == []
    assert target.delivered_count == 6
    assert _copies(ralph, [*statements, new]) == [1, 1, 1]


def test_ralph_conflict_counts_as_delivered_and_keeps_its_own(
    app: Flask,
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    ralph: ralph_lrs.RalphServer,
    target: ForwardTarget,
) -> None:
    clash = new_id()
    other = make_statement(id=clash, verb={"id": "http://example.org/other"})
    assert ralph.request("PUT", f"statements?statementId={clash}", other)[0] == 204
    batch = [make_statement(id=new_id()), make_statement(id=clash), make_statement(id=new_id())]
    assert client.post("/xapi/statements", json=batch, headers=headers).status_code == 200
    # Ralph refuses the whole POST (409, "Differing statements already exist"): each is then
    # PUT on its own, 204 for the new ones and 409 for the clash, which means "there".
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.delivered_count, target.failures) == (3, 0)
    assert _copies(ralph, batch) == [1, 1, 1]
    assert ralph.get(clash)[0]["verb"]["id"] == "http://example.org/other"


def test_ralph_outage_leaves_statements_pending_until_it_is_back(
    app: Flask,
    session: Session,
    client: FlaskClient,
    headers: dict[str, str],
    ralph: ralph_lrs.RalphServer,
    target: ForwardTarget,
) -> None:
    ralph.stop()
    try:
        statements = _store(client, headers, 2)
        deliver_now(app, session)
        assert len(queued(session)) == 2
        assert target.failures == 1
        assert target.delivered_count == 0
        assert "Connection refused" in (target.last_error or "")
        assert target.next_attempt_at is not None
    finally:
        ralph.start()
    deliver_now(app, session)
    assert queued(session) == []
    assert (target.delivered_count, target.failures, target.last_error) == (2, 0, None)
    assert _copies(ralph, statements) == [1, 1]
