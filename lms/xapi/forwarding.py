"""Forwarding: every statement stored here also goes to the external LRSs that want it.

When statements are stored, one row per statement and interested target goes into
``xapi_forward_queue`` in the same transaction, so nothing is forwarded that was not stored
and nothing stored is lost if the process dies. The worker (``librarena worker``, see
:func:`deliver_batches`) sends each target's queue in batches (a POST of up to ``BATCH``
statements, with a timeout) and deletes the rows in the transaction that records the
delivery. A worker killed in the middle sends the same batch again after its restart; the
statements keep their ids, so the other LRS stores each once: a repeat is accepted as the
same statement, or answered 409, which counts as delivered (each statement of a refused
batch is then PUT on its own). A target that fails waits with exponential back-off and
jitter; it is retried at once from the admin page. On PostgreSQL several workers may run:
each takes a different target (``FOR UPDATE SKIP LOCKED``).
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#212-post-statements
"""

from __future__ import annotations

import base64
import json
import logging
import random
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from lms.db import claim, outside_transaction, utcnow
from lms.xapi.models import ForwardQueue, ForwardTarget, Statement
from lms.xapi.storage import Driver

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds per request: a slow LRS must not hold the worker
BATCH = 100  # statements per POST
#: What the LRS sets on its own and the receiving one will set again.
_LOCAL = ("stored", "authority")
BACKOFF_BASE = 30.0  # seconds after the first failure; doubling, capped at BACKOFF_CAP
BACKOFF_CAP = 6 * 3600.0


def wants(target: Any, statement: dict[str, Any]) -> bool:
    """Whether ``target`` takes this statement (no prefixes: every statement)."""
    if not target.verb_prefix and not target.activity_prefix:
        return True
    verb = statement["verb"]["id"]
    obj = statement["object"]
    activity = obj["id"] if obj.get("objectType", "Activity") == "Activity" else ""
    return bool(
        (target.verb_prefix and verb.startswith(target.verb_prefix))
        or (target.activity_prefix and activity.startswith(target.activity_prefix))
    )


_TARGETS = ForwardTarget.__tablename__
_QUEUE = ForwardQueue.__tablename__


class _Target(NamedTuple):
    id: int
    verb_prefix: str | None
    activity_prefix: str | None


def enqueue_for(
    driver_of: Callable[[], Driver],
) -> Callable[[Sequence[tuple[int, dict[str, Any]]]], None]:
    """An ``after_store`` hook: queue the stored statements (seq, data) for every active target
    that wants them, with one insert, in the statements' own transaction (``driver_of``: the
    writer's, ``StatementWriter.driver``)."""

    def hook(stored: Sequence[tuple[int, dict[str, Any]]]) -> None:
        # Straight to the driver: this runs for every statement stored, inside the writers'
        # lock on SQLite (lms.xapi.storage.Driver).
        driver = driver_of()
        targets = [
            _Target(*row)
            for row in driver.fetch(
                f"SELECT id, verb_prefix, activity_prefix FROM {_TARGETS} WHERE is_active",  # noqa: S608
                (),
            )
        ]
        rows = [
            (target.id, seq)
            for target in targets
            for seq, statement in stored
            if wants(target, statement)
        ]
        if rows:
            driver.many(
                f"INSERT INTO {_QUEUE} (target_id, statement_seq) VALUES ({driver.marks(2)})",  # noqa: S608
                rows,
            )

    return hook


def backoff(failures: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: 30 s, 1 min, 2 min … (capped at 6 h), each drawn
    between half and all of it, so targets that failed together do not retry in lockstep."""
    ceiling = min(BACKOFF_BASE * 2 ** max(failures - 1, 0), BACKOFF_CAP)
    return timedelta(seconds=ceiling * (0.5 + 0.5 * (rng or random).random()))


class DeliveryError(Exception):
    pass


def _request(target: ForwardTarget, method: str, url: str, body: Any) -> int:
    token = base64.b64encode(f"{target.username}:{target.secret}".encode()).decode()
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryError(f"not an http(s) endpoint: {target.endpoint}")
    request = urllib.request.Request(  # noqa: S310 - an admin-configured http(s) endpoint
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": target.version,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            return 409
        detail = exc.read(500).decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {exc.code} {detail}".strip()) from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None


def _outgoing(statement: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in statement.items() if k not in _LOCAL}


def send(target: ForwardTarget, statements: list[dict[str, Any]]) -> None:
    """Deliver ``statements`` to ``target`` or raise :class:`DeliveryError`.

    One POST for the batch; a 409 (the other LRS has one of the ids already, perhaps from an
    earlier try cut short) falls back to a PUT per statement, where 204 and 409 both mean the
    statement is there.
    """
    base = target.endpoint.rstrip("/") + "/statements"
    body = [_outgoing(s) for s in statements]
    if _request(target, "POST", base, body) != 409:
        return
    for statement in body:
        _request(target, "PUT", f"{base}?{urlencode({'statementId': statement['id']})}", statement)


def _claim_due_target(session: Session, now: datetime, skip: list[int]) -> ForwardTarget | None:
    """The next target with work that is due, other than ``skip``, claimed (``lms.db.claim``:
    on PostgreSQL the app may still queue statements for it while its batch is out)."""
    return claim(
        session,
        select(ForwardTarget)
        .where(
            ForwardTarget.is_active,
            ForwardTarget.id.not_in(skip),
            or_(ForwardTarget.next_attempt_at.is_(None), ForwardTarget.next_attempt_at <= now),
            select(ForwardQueue.id).where(ForwardQueue.target_id == ForwardTarget.id).exists(),
        )
        .order_by(ForwardTarget.id),
    )


def deliver_target(
    session: Session, target: ForwardTarget, *, now: datetime | None = None, batch: int = BATCH
) -> int:
    """Send one batch of ``target``'s queue; returns how many were delivered (0 on failure).

    The caller commits: the queue rows go in the same transaction as the counts. On SQLite
    no transaction is held while the other LRS answers (``lms.db.outside_transaction``).
    """
    rows = session.execute(
        select(ForwardQueue.id, Statement.data)
        .join(Statement, Statement.seq == ForwardQueue.statement_seq)
        .where(ForwardQueue.target_id == target.id)
        .order_by(ForwardQueue.id)
        .limit(batch)
    ).all()
    if not rows:
        return 0
    now = now or utcnow()
    failure: DeliveryError | None = None
    # The app goes on storing statements while the other LRS answers (up to TIMEOUT).
    with outside_transaction(session):
        try:
            send(target, [json.loads(row.data) for row in rows])
        except DeliveryError as exc:
            failure = exc
    session.refresh(target)  # its counts as they are now, under the lock
    if failure is not None:
        target.failures += 1
        target.last_error = f"{failure}"[:2000]
        target.next_attempt_at = now + backoff(target.failures)
        log.warning("forwarding to %s failed (%s times): %s", target.name, target.failures, failure)
        return 0
    done = delete(ForwardQueue).where(ForwardQueue.id.in_([row.id for row in rows]))
    sent: int = session.execute(done).rowcount  # type: ignore[attr-defined]
    target.delivered_count += sent
    target.last_delivered_at = now
    target.failures = 0
    target.last_error = None
    target.next_attempt_at = None
    return sent


def deliver_batches(app: Flask, session: Session, *, now: datetime | None = None) -> int:
    """One round of the worker: a batch for every target that has work and is due.

    Targets are claimed one at a time and each is held until its batch is committed, so
    several workers on PostgreSQL share the targets and never send the same batch.
    """
    now = now or utcnow()
    delivered = 0
    seen: list[int] = []
    while (target := _claim_due_target(session, now, seen)) is not None:
        seen.append(target.id)
        delivered += deliver_target(session, target, now=now)
        session.commit()
    session.commit()
    return delivered


def retry_now(session: Session, target: ForwardTarget) -> None:
    """The admin's "retry": forget the back-off, try at the worker's next round."""
    target.next_attempt_at = None
    session.flush()


def pending_counts(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(ForwardQueue.target_id, func.count()).group_by(ForwardQueue.target_id)
    )
    return {int(target_id): int(count) for target_id, count in rows}


def init_app(app: Flask) -> None:
    from lms.outbox.services import register_poller

    register_poller(app, deliver_batches)
