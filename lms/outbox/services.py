"""Enqueue outgoing work and deliver it. Delivery never happens inside a web request."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.db import begin_writing, claim, outside_transaction, utcnow
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


@dataclass(frozen=True)
class Channel:
    handler: Handler
    #: False for a handler that only talks to another service (mail): on SQLite it runs
    #: outside the worker's transaction, so the app goes on writing while that service answers
    #: (``lms.db.outside_transaction``).
    uses_database: bool = True


def channels(app: Flask) -> dict[str, Channel]:
    registry: dict[str, Channel] = app.extensions.setdefault("librarena.outbox", {})
    return registry


def register(app: Flask, channel: str, handler: Handler, *, uses_database: bool = True) -> None:
    """Deliver ``channel``'s messages with ``handler`` (see :class:`Channel`)."""
    channels(app)[channel] = Channel(handler, uses_database)


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
    registry = channels(app)
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
        channel = registry.get(message.channel)
        failure: Exception | None = None
        try:
            if channel is None:
                raise LookupError(f"no handler for channel {message.channel!r}")
            if channel.uses_database:
                channel.handler(app, message.payload)
            else:
                with outside_transaction(session):
                    channel.handler(app, message.payload)
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
    """The next due message up to id ``newest``, claimed (``lms.db.claim``)."""
    return claim(
        session,
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.id <= newest,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id),
    )


def retry(session: Session, message: OutboxMessage) -> None:
    """Put a dead (or failing) message back in line, now."""
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    session.flush()
