"""The worker waits on other services (an LRS, a mail server) while the app goes on writing.

On SQLite a transaction that read before another connection wrote cannot write afterwards
("database is locked" at once): a worker holding its read across a send once failed to record
every delivery made while a statement was stored, so forwarding sent the same batch round after
round, and a mail sent while someone saved a form stopped the worker. These run an app on a
database of its own, as in production (SQLite here, PostgreSQL in CI's second pass), and make
the app write while the worker waits.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from content.webinars import bbb
from content.webinars import services as webinars
from content.webinars.models import SessionKind
from lms import mail
from lms.db import db, outside_transaction, utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due, enqueue
from lms.xapi import forwarding
from lms.xapi.models import ForwardQueue, ForwardTarget, Statement
from tests.content.webinars.conftest import new_session
from tests.lms.xapi.conftest import make_statement, new_id, own_lrs


@pytest.fixture
def lrs_headers(own_app: Flask) -> dict[str, str]:
    with own_app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The app and the worker share this thread here: where one would wait for the
            # other's lock, fail instead of hanging.
            event.listen(db.engine, "connect", _fail_on_lock_waits)
            db.engine.dispose()
    return own_lrs(own_app)


def _fail_on_lock_waits(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    dbapi_connection.commit()


def _store_a_statement(app: Flask, headers: dict[str, str]) -> None:
    """What a learner's browser does meanwhile: the LRS stores a statement."""
    resp = app.test_client().post("/xapi/statements", json=make_statement(), headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_forwarding_records_a_delivery_made_while_the_lrs_stored_more(
    own_app: Flask, lrs_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with own_app.app_context():
        db.session.add(
            ForwardTarget(
                name="region", endpoint="https://r.example/xapi/", username="k", secret="s"
            )
        )
        db.session.commit()
    first = [make_statement(id=new_id()) for _ in range(3)]
    assert (
        own_app.test_client().post("/xapi/statements", json=first, headers=lrs_headers).status_code
        == 200
    )
    sent: list[list[str]] = []

    def send(_target: ForwardTarget, statements: list[dict[str, Any]]) -> None:
        sent.append([s["id"] for s in statements])
        _store_a_statement(own_app, lrs_headers)

    monkeypatch.setattr(forwarding, "send", send)
    with own_app.app_context():
        assert forwarding.deliver_batches(own_app, db.session) == 3
        target = db.session.scalars(select(ForwardTarget)).one()
        waiting = db.session.scalar(select(func.count()).select_from(ForwardQueue))
        stored = db.session.scalar(select(func.count()).select_from(Statement))
    assert sent == [[s["id"] for s in first]]
    assert (target.delivered_count, target.failures, waiting, stored) == (3, 0, 1, 4)


def test_mail_sent_while_the_app_writes_is_marked_sent(
    own_app: Flask, lrs_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = mail.build_message

    def build_while_the_app_writes(app: Flask, payload: dict[str, Any]) -> Any:
        _store_a_statement(own_app, lrs_headers)
        return build(app, payload)

    monkeypatch.setattr(mail, "build_message", build_while_the_app_writes)
    with own_app.app_context():
        for n in range(2):
            enqueue(
                db.session, mail.CHANNEL, {"to": "a@example.org", "subject": f"{n}", "body": ""}
            )
        db.session.commit()
        assert deliver_due(own_app, db.session) == 2
        statuses = db.session.scalars(select(OutboxMessage.status)).all()
        stored = db.session.scalar(select(func.count()).select_from(Statement))
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert stored == 2
    assert len(list(Path(own_app.config["MAIL_DIR"]).glob("*.eml"))) == 2


def test_a_meeting_poll_lets_the_app_write_while_the_meeting_service_answers(
    own_app: Flask, lrs_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(own_app.config, "BBB_URL", "https://bbb.example/bigbluebutton/")
    monkeypatch.setitem(own_app.config, "BBB_SECRET", "s3cret")
    with own_app.test_request_context():
        start = (utcnow() - timedelta(minutes=30)).replace(microsecond=0)
        ev = new_session(db.session, starts_at=start, kind=SessionKind.ONLINE_BBB)
        webinars.start_polling(db.session, ev, now=start - timedelta(minutes=2))
        db.session.commit()

    def meeting_info(_client: bbb.Client, _meeting_id: str) -> list[bbb.Attendee]:
        _store_a_statement(own_app, lrs_headers)  # on SQLite: waits out a held write lock
        raise bbb.MeetingServiceError("notFound", "the meeting has ended")

    monkeypatch.setattr(bbb.Client, "meeting_info", meeting_info)
    with own_app.app_context():
        assert deliver_due(own_app, db.session) == 1
        (poll,) = db.session.scalars(select(OutboxMessage)).all()
        stored = db.session.scalar(select(func.count()).select_from(Statement))
    assert (poll.status, poll.last_error) == (OutboxStatus.SENT, None)
    assert stored == 1


def test_outside_transaction_lets_go_of_the_database_and_comes_back_writing(
    own_app: Flask,
) -> None:
    with own_app.app_context():
        session = db.session
        session.scalar(select(func.count()).select_from(Statement))  # the unit of work reads
        sqlite = db.engine.dialect.name == "sqlite"
        with outside_transaction(session):
            assert session.in_transaction() is not sqlite  # PostgreSQL keeps its claim
            session.scalar(select(func.count()).select_from(Statement))  # so does the block
        assert session.in_transaction()
        if sqlite:  # after the block it holds the write lock: another writer must wait
            other = sqlite3.connect(db.engine.url.database, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            session.rollback()
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            other.close()
            # a write pending before the call is refused, before anything is committed
            session.add(OutboxMessage(channel="x", payload={}))
            refused = pytest.raises(RuntimeError, match="write after the call")
            with refused, outside_transaction(session):
                pass
