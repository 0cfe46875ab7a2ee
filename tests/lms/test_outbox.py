from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.db import utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import MAX_ATTEMPTS, backoff, deliver_due, enqueue, register, retry


def test_outbox_failing_peer_loses_nothing_and_retries_later(app, session):
    calls: list[dict] = []

    def flaky(_app, payload):
        calls.append(payload)
        if len(calls) == 1:
            raise ConnectionError("peer down")

    register(app, "test-flaky", flaky)
    message = enqueue(session, "test-flaky", {"n": 1})
    session.commit()
    now = utcnow()
    assert deliver_due(app, session, now=now) == 1
    session.refresh(message)
    assert message.status is OutboxStatus.PENDING
    assert message.attempts == 1
    assert "peer down" in message.last_error
    # Not due again until the back-off has passed.
    assert deliver_due(app, session, now=now + timedelta(seconds=1)) == 0
    assert deliver_due(app, session, now=now + backoff(1) + timedelta(seconds=1)) == 1
    session.refresh(message)
    assert message.status is OutboxStatus.SENT
    assert calls == [{"n": 1}, {"n": 1}]


def test_outbox_gives_up_after_max_attempts_but_keeps_message(app, session):
    def broken(_app, _payload):
        raise RuntimeError("always")

    register(app, "test-broken", broken)
    message = enqueue(session, "test-broken", {})
    session.commit()
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        later += timedelta(days=1)
        deliver_due(app, session, now=later)
    session.refresh(message)
    assert message.status is OutboxStatus.DEAD
    assert session.scalars(select(OutboxMessage)).all() == [message]
    retry(session, message)
    assert message.status is OutboxStatus.PENDING


class WorkerStopped(BaseException):
    """What the worker's process dying looks like to the code in it: nothing after runs."""


def test_outbox_worker_stopped_mid_round_runs_again_only_the_message_it_was_on(app, session):
    runs: list[int] = []

    def sender(_app, payload):
        runs.append(payload["n"])
        if payload["n"] == 2 and runs.count(2) == 1:
            raise WorkerStopped

    register(app, "test-stopped", sender)
    messages = [enqueue(session, "test-stopped", {"n": n}) for n in range(4)]
    session.commit()
    with pytest.raises(WorkerStopped):
        deliver_due(app, session)
    session.rollback()  # the dead worker's transaction goes with its connection
    session.expire_all()
    assert [m.status for m in messages] == [OutboxStatus.SENT] * 2 + [OutboxStatus.PENDING] * 2
    assert deliver_due(app, session) == 2  # the next worker: the one it was on, and the rest
    assert runs == [0, 1, 2, 2, 3]
    assert {m.status for m in messages} == {OutboxStatus.SENT}


def test_outbox_message_queued_by_a_handler_waits_for_the_next_round(app, session):
    runs: list[int] = []

    def chained(_app, payload):
        runs.append(payload["n"])
        enqueue(session, "test-chained", {"n": payload["n"] + 1})  # due at once

    register(app, "test-chained", chained)
    enqueue(session, "test-chained", {"n": 0})
    session.commit()
    later = utcnow() + timedelta(minutes=1)
    assert deliver_due(app, session, now=later) == 1
    assert deliver_due(app, session, now=later) == 1
    assert runs == [0, 1]


def test_outbox_unknown_channel_is_recorded_not_raised(app, session):
    message = enqueue(session, "no-such-channel", {})
    session.commit()
    deliver_due(app, session)
    session.refresh(message)
    assert "no handler" in message.last_error


def test_outbox_backoff_grows_and_is_capped():
    assert backoff(1) < backoff(2) < backoff(5)
    assert backoff(50) == timedelta(hours=6)


def test_mail_is_sent_by_smtp_when_configured(app, monkeypatch):
    from lms import mail

    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, msg):
            sent.append(("send", msg["To"], msg["Subject"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    mail.send(app, {"to": "a@example.org", "subject": "Hej", "body": "text", "attachments": []})
    assert sent == [("connect", "localhost", 25), ("send", "a@example.org", "Hej")]


def test_the_worker_keeps_going_after_a_failed_round(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from lms import cli
    from lms.outbox import services

    handlers = {}  # the worker's signal handlers, kept off this test process
    monkeypatch.setattr(cli.signal, "signal", lambda sig, handler: handlers.update({sig: handler}))
    monkeypatch.setattr(cli.time, "sleep", lambda _seconds: None)
    rounds = []

    def deliver_due(_app, _session):
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        handlers[signal.SIGTERM]()  # then the service manager stops it
        return 0

    monkeypatch.setattr(services, "deliver_due", deliver_due)
    result = app.test_cli_runner().invoke(args=["worker", "--interval", "0"])
    assert result.exit_code == 0, result.output
    assert rounds == [0, 1]
    # with --once the failure is the command's: a cron job must see it
    rounds.clear()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code != 0
    assert isinstance(result.exception, OperationalError)
