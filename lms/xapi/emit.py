"""Learning events (``lms.xapi.events``) become statements in the embedded LRS.

``events.record`` puts an event on the outbox's ``xapi.event`` channel in the transaction that
caused it; the worker hands each one to :func:`deliver_event`, which builds the statement and
stores it. The statement id is derived from the event, so a retried delivery stores nothing
twice. The vocabulary is documented in ``docs/xapi-profile.md``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Flask

from lms.db import db
from lms.xapi import forwarding
from lms.xapi.auth import Principal
from lms.xapi.statements import store_statements
from lms.xapi.storage import SqlStatementStore
from lms.xapi.validation.common import Ctx

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
#: Verbs ADL's vocabulary lacks, from the xAPI registry (http://id.tincanapi.com/verb/…) and
#: the Activity Streams 1.0 verbs it lists (http://activitystrea.ms/schema/1.0/…, described at
#: https://registry.tincanapi.com/#home/verbs): a manager *assigned* a track, a learner
#: *started* one, a manager *approved* a development plan.
REGISTRY_VERBS = {
    "earned": "http://id.tincanapi.com/verb/earned",
    "unregistered": "http://id.tincanapi.com/verb/unregistered",
    "assigned": "http://activitystrea.ms/schema/1.0/assign",
    "started": "http://activitystrea.ms/schema/1.0/start",
    "approved": "http://activitystrea.ms/schema/1.0/approve",
    "rated": "http://id.tincanapi.com/verb/rated",
}


def verb_iri(verb: str) -> str:
    return REGISTRY_VERBS.get(verb, ADL_VERBS + verb)


#: Librarena's own vocabulary (activity types and extensions not found in ADL's).
VOCABULARY = "https://librarena.org/xapi/"
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "webinar_session": "http://id.tincanapi.com/activitytype/webinar",
}
#: Statement ids and registrations are UUIDv5 in this namespace (stable across retries).
NAMESPACE = uuid.UUID("5c1f3a52-6f0e-4d8e-9a49-3b6f7f0a8e21")


def activity_iri(base_url: str, kind: str, ident: Any) -> str:
    return f"{base_url.rstrip('/')}/activities/{kind}/{ident}"


def activity_type(kind: str) -> str:
    return ACTIVITY_TYPES.get(kind, f"{VOCABULARY}activity-types/{kind}")


def extension(key: str) -> str:
    return f"{VOCABULARY}extensions/{key}"


def _activity(
    base_url: str, kind: str, ident: Any, name: dict[str, str] | None = None
) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": activity_type(kind)}
    if name:
        definition["name"] = {lang: text for lang, text in name.items() if lang and text}
        if not definition["name"]:
            del definition["name"]
    return {
        "objectType": "Activity",
        "id": activity_iri(base_url, kind, ident),
        "definition": definition,
    }


def statement_from_event(payload: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The statement for one recorded event.

    The actor is an account on this Librarena (``name`` = the user id, never an e-mail address
    or a display name); the course (or webinar series) is the grouping, a quiz the parent of
    its questions, and each enrolment gets a stable registration.
    """
    user_id = payload["actor"]["user_id"]
    obj = payload["object"]
    context_in: dict[str, Any] = dict(payload.get("context") or {})
    grouping: list[dict[str, Any]] = []
    parent: list[dict[str, Any]] = []
    context: dict[str, Any] = {"platform": "Librarena"}
    course_id = context_in.pop("course_id", None)
    if course_id is not None:
        course = _activity(base_url, "course", course_id)
        if not (obj["type"] == "course" and str(obj["id"]) == str(course_id)):
            grouping.append(course)
        context["registration"] = str(
            uuid.uuid5(NAMESPACE, f"{base_url}|enrolment|{user_id}|{course_id}")
        )
    series = context_in.pop("series", None)
    if series is not None:
        grouping.append(_activity(base_url, "webinar_series", series))
    up = context_in.pop("parent", None)
    if isinstance(up, dict) and "type" in up and "id" in up:
        parent.append(_activity(base_url, up["type"], up["id"]))
    activities: dict[str, Any] = {}
    if parent:
        activities["parent"] = parent
    if grouping:
        activities["grouping"] = grouping
    if activities:
        context["contextActivities"] = activities
    if context_in:
        context["extensions"] = {extension(key): value for key, value in context_in.items()}
    statement: dict[str, Any] = {
        "actor": {"objectType": "Agent", "account": {"homePage": base_url, "name": str(user_id)}},
        "verb": {"id": verb_iri(payload["verb"]), "display": {"en-US": payload["verb"]}},
        "object": _activity(base_url, obj["type"], obj["id"], obj.get("name")),
        "context": context,
        "timestamp": payload["timestamp"],
    }
    if payload.get("result"):
        statement["result"] = payload["result"]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    statement["id"] = str(uuid.uuid5(NAMESPACE, f"{base_url}|event|{canonical}"))
    return statement


#: The LRS itself is the authority of the statements it makes from events.
SYSTEM = Principal(client=None, user=None, scopes=frozenset({"all"}))


def deliver_event(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler: store the event's statement (flushes; the worker commits)."""
    statement = statement_from_event(payload, app.config["BASE_URL"])
    store_statements(
        SqlStatementStore(db.session),
        [statement],
        SYSTEM,
        Ctx(),
        after_store=forwarding.enqueue_for(db.session),
    )


def init_app(app: Flask) -> None:
    from lms.outbox.services import register
    from lms.xapi.events import CHANNEL

    register(app, CHANNEL, deliver_event)
