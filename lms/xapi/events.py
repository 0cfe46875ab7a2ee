"""Learning events, recorded where they happen and turned into xAPI statements later.

Every part of Librarena that sees learning happen (enrolling, opening an item, answering,
passing or failing a quiz, completing a course, earning a certificate, sharing a reflection)
calls :func:`record` in its own transaction. The event goes to the durable outbox on the
``xapi.event`` channel, so it is kept exactly when the change behind it is; the xAPI package
builds and stores the statement from it.

The payload names the actor by account id and display name only: an e-mail address never
leaves through here (statements use an account IFI, xAPI 1.0.3 §2.4.2.3:
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2423-inverse-functional-identifier).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import utcnow
from lms.outbox.services import enqueue

CHANNEL = "xapi.event"

#: The verbs this module accepts, by their last path segment: ADL's vocabulary
#: (http://adlnet.gov/expapi/verbs/<verb>), and from the xAPI registry where ADL has none
#: (``earned``, ``unregistered``, ``assigned``, ``started``, ``approved``; see
#: ``lms.xapi.emit.REGISTRY_VERBS``).
VERBS = frozenset(
    {
        "registered",
        "unregistered",
        "attended",
        "launched",
        "experienced",
        "answered",
        "attempted",
        "passed",
        "failed",
        "completed",
        "earned",
        "shared",
        "commented",
        "assigned",
        "started",
        "approved",
        "mastered",  # a competence's target level reached (lms.mapping)
        "rated",  # a manager's validated rating of someone's competence (lms.mapping)
    }
)


def record(
    session: Session,
    *,
    actor: User,
    verb: str,
    object_type: str,
    object_id: str,
    object_name: dict[str, str] | None = None,
    result: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    """Record that ``actor`` did ``verb`` to an object, in the caller's transaction.

    ``object_type`` names what the object is (``course``, ``lesson``, ``quiz``, ``question``,
    ``reflection``, ``certificate``); ``object_id`` is its id within that type; ``object_name``
    maps locales to its name. ``result`` holds xAPI result fields (``score``, ``success``,
    ``completion``, ``response``); ``context`` anything that places the event (the course, the
    version, the parent item).
    """
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}")
    payload: dict[str, Any] = {
        "actor": {"user_id": actor.id, "name": actor.name},
        "verb": verb,
        "object": {"type": object_type, "id": object_id, "name": dict(object_name or {})},
        "timestamp": utcnow().isoformat(),
    }
    if result is not None:
        payload["result"] = result
    if context is not None:
        payload["context"] = context
    enqueue(session, CHANNEL, payload)
