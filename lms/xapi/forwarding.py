"""Forwarding: every statement stored here also goes to the external LRSs that want it.

Stored statements are put on the outbox (channel ``xapi.forward``, one message per statement
and target) in the transaction that stores them, so nothing is forwarded that was not stored
and nothing stored is lost if the process dies. ``librarena worker`` delivers them with
retries and back-off (``lms.outbox``). Delivery is a PUT with the statement's id, so it is
idempotent: 204, and 409 (the other LRS has that id already) both count as delivered.
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#211-put-statements
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.db import db
from lms.outbox.services import enqueue, register
from lms.xapi.models import ForwardTarget

CHANNEL = "xapi.forward"
TIMEOUT = 10.0  # seconds per request: a slow LRS must not hold the worker
#: What the LRS sets on its own and the receiving one will set again.
_LOCAL = ("stored", "authority")


def wants(target: ForwardTarget, statement: dict[str, Any]) -> bool:
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


def enqueue_for(session: Session) -> Callable[[list[dict[str, Any]]], None]:
    """An ``after_store`` hook that queues the statements for every active target."""

    def hook(statements: list[dict[str, Any]]) -> None:
        targets = list(session.scalars(select(ForwardTarget).where(ForwardTarget.is_active)))
        for target in targets:
            for statement in statements:
                if wants(target, statement):
                    enqueue(session, CHANNEL, {"target": target.id, "statement": statement})

    return hook


def send(target: ForwardTarget, statement: dict[str, Any]) -> int:
    """PUT one statement to ``target``; returns the status, raises on anything else."""
    body = {k: v for k, v in statement.items() if k not in _LOCAL}
    url = target.endpoint.rstrip("/") + "/statements?" + urlencode({"statementId": body["id"]})
    token = base64.b64encode(f"{target.username}:{target.secret}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 - an admin-configured http(s) endpoint
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": target.version,
        },
    )
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) endpoint: {target.endpoint}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        if exc.code == 409:  # already there (an earlier try got through): delivered
            return 409
        detail = exc.read(500).decode("utf-8", "replace")
        raise RuntimeError(f"{target.name}: HTTP {exc.code} {detail}") from None


def deliver(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler: send one statement to its target (a disabled target drops it)."""
    target = db.session.get(ForwardTarget, payload["target"])
    if target is None or not target.is_active:
        return
    send(target, payload["statement"])


def init_app(app: Flask) -> None:
    register(app, CHANNEL, deliver)
