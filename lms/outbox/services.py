"""Enqueue outgoing work and deliver it. Delivery never happens inside a web request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.db import begin_writing, outside_transaction, utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: A handler delivers one payload or raises; it must be safe to call again after a failure.
Handler = Callable[[Flask, dict[str, Any]], None]

MAX_ATTEMPTS = 12


def enqueue(session: Session, channel: str, payload: dict[str, Any]) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction."""
    message = OutboxMessage(channel=channel, payload=payload)
    session.add(message)
    session.flush()
    return message


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 h: a peer that is down for a day still gets everything."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def handlers(app: Flask) -> dict[str, Handler]:
    registry: dict[str, Handler] = app.extensions.setdefault("librarena.outbox", {})
    return registry


def register(app: Flask, channel: str, handler: Handler, *, uses_database: bool = True) -> None:
    """Deliver ``channel``'s messages with ``handler``. One that only talks to another service
    (``uses_database=False``: mail) runs outside the worker's transaction on SQLite, so the app
    goes on writing while the other service answers (``lms.db.outside_transaction``)."""
    handlers(app)[channel] = handler
    offline: set[str] = app.extensions.setdefault("librarena.outbox.offline", set())
    if uses_database:
        offline.discard(channel)
    else:
        offline.add(channel)


#: Other work the worker looks for on each round, beside the messages: a poller delivers what
#: is due in its own tables, commits, and returns how much it did (e.g. xAPI forwarding queues,
#: sent in batches).
Poller = Callable[[Flask, Session], int]


def register_poller(app: Flask, poller: Poller) -> None:
    pollers: list[Poller] = app.extensions.setdefault("librarena.outbox.pollers", [])
    if poller not in pollers:
        pollers.append(poller)


def deliver_due(
    app: Flask, session: Session, *, now: datetime | None = None, limit: int = 50
) -> int:
    """Deliver up to ``limit`` due messages, committing after each one. Returns how many ran.

    Each message is claimed on its own and its outcome committed before the next is claimed,
    so a worker stopped mid-round sends again only the message it was on. On PostgreSQL the
    claim is a row lock that other workers skip, held until that commit: several workers share
    the outbox and never run the same message. Messages queued during the round (a handler may
    queue the next step of its work) wait for the next round.
    """
    now = now or utcnow()
    registry = handlers(app)
    offline = app.extensions.get("librarena.outbox.offline", set())
    newest = session.scalar(select(func.max(OutboxMessage.id))) or 0
    session.commit()  # each message is a transaction of its own, begun as a writer
    done = 0
    while done < limit:
        begin_writing(session)  # on SQLite; a handler's writes cannot fail on a stale read
        message = _claim_due(session, now, newest)
        if message is None:
            session.commit()
            break
        done += 1
        handler = registry.get(message.channel)
        failure: Exception | None = None
        try:
            if handler is None:
                raise LookupError(f"no handler for channel {message.channel!r}")
            if message.channel in offline:
                with outside_transaction(session):
                    handler(app, message.payload)
            else:
                handler(app, message.payload)
        except Exception as exc:  # every failure is recorded and retried
            failure = exc
        message.attempts += 1
        if failure is None:
            message.status = OutboxStatus.SENT
            message.processed_at = utcnow()
            message.last_error = None
        else:
            log.warning("outbox %s #%s failed: %s", message.channel, message.id, failure)
            message.last_error = f"{type(failure).__name__}: {failure}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxStatus.DEAD
            else:
                message.next_attempt_at = now + backoff(message.attempts)
        session.commit()
    for poller in app.extensions.get("librarena.outbox.pollers", []):
        try:
            done += poller(app, session)
        except Exception:  # one failing poller must not stop the mail
            log.exception("outbox poller %s failed", getattr(poller, "__name__", poller))
            session.rollback()
    return done


def _claim_due(session: Session, now: datetime, newest: int) -> OutboxMessage | None:
    """The next due message up to id ``newest``, locked for this worker's transaction on
    PostgreSQL (rows another worker holds are skipped), with its columns as stored now, not as
    this session last saw them."""
    stmt = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.id <= newest,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).first()


def retry(session: Session, message: OutboxMessage) -> None:
    """Put a dead (or failing) message back in line, now."""
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    session.flush()
