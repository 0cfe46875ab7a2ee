"""Learning events, recorded where they happen as xAPI statements.

Every part of Librarena that sees learning happen (enrolling, opening an item, answering,
passing or failing a quiz, completing a course, earning a certificate, sharing a reflection)
calls :func:`record` in its own transaction. The statement is stored in the embedded LRS in
that transaction (``lms.xapi.emit.store_event``), so the LRS and the app never disagree: it is
committed with the change behind it, or rolled back with it. Packages that act on learning
events (LTI sends grades back) subscribe with :func:`subscribe` and see each one there too.

Older versions put events on the outbox's ``xapi.event`` channel for the worker to turn into
statements; :data:`CHANNEL` keeps its handler (``lms.xapi.emit.deliver_event``) so messages
still pending in an upgraded database are delivered.

The payload names the actor by account id and display name only: an e-mail address never
leaves through here (statements use an account IFI, xAPI 1.0.3 §2.4.2.3:
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2423-inverse-functional-identifier).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import utcnow
from lms.xapi.emit import add_hook, check_context, hooks, store_event

#: The outbox channel of events recorded by older versions (delivered, no longer written).
CHANNEL = "xapi.event"

#: Something that acts on every learning event, in the transaction that records it (what it
#: returns is ignored).
Subscriber = Callable[[Session, dict[str, Any]], object]

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


@contextmanager
def app_of(session: Session) -> Iterator[Flask]:
    """The app whose LRS keeps the statements of events recorded in ``session``, in an
    application context (storing a statement reads the app's config).

    The current app: requests, ``flask`` commands (``librarena demo``) and the worker all run
    in an application context. A session used outside one (a test's own session) names its
    app in ``session.info["app"]``, and gets a context of that app for the while.
    """
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    app: Flask | None = session.info.get("app")
    if app is None:
        raise RuntimeError("recording a learning event needs the app: push an app context")
    with app.app_context():
        yield app


def subscribers(app: Flask) -> list[Subscriber]:
    return hooks(app, "subscribers")


def subscribe(app: Flask, subscriber: Subscriber) -> None:
    """Have ``subscriber(session, event)`` called for every event recorded from now on."""
    add_hook(app, "subscribers", subscriber)


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
) -> dict[str, Any]:
    """Record that ``actor`` did ``verb`` to an object: store its statement in the caller's
    transaction (flushes, never commits) and return it.

    ``object_type`` names what the object is (``course``, ``lesson``, ``quiz``, ``question``,
    ``reflection``, ``certificate``); ``object_id`` is its id within that type; ``object_name``
    maps locales to its name. ``result`` holds xAPI result fields (``score``, ``success``,
    ``completion``, ``response``, ``duration``); ``context`` anything that places the event:
    ``course_id``, ``module_id``, ``parent``, ``series``, ``programme_id`` and ``language``
    become context activities and fields, every other key an extension (see
    ``docs/xapi-profile.md``).

    Needs the app (for ``BASE_URL``, subscribers and describers): see :func:`app_of`.
    """
    if verb not in VERBS:
        raise ValueError(f"unknown verb {verb!r}")
    check_context(context or {})
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
    with app_of(session) as app:
        statement = store_event(app, session, payload, actor)
        for subscriber in subscribers(app):
            subscriber(session, payload)
    return statement
