"""Learning events (``lms.xapi.events``) become statements in the embedded LRS.

``events.record`` calls :func:`store_event` in the transaction that caused the event: the
statement is stored (and queued for forwarding) exactly when the change behind it is committed,
and is gone with it on a rollback. The statement id is derived from the event, so storing it
again stores nothing twice. Events that older versions put on the outbox's ``xapi.event``
channel are still delivered by :func:`deliver_event`. The vocabulary is documented in
``docs/xapi-profile.md``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lms.assignments.models import Assignment, AssignmentStatus, TrackStep
from lms.auth.models import User
from lms.db import db
from lms.orgs.models import Membership, OrgUnit, UnitKind
from lms.xapi import forwarding
from lms.xapi.auth import Principal
from lms.xapi.errors import Conflict
from lms.xapi.statements import store_statements
from lms.xapi.storage import SqlStatementStore
from lms.xapi.validation.common import Ctx, is_language_tag

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
PLATFORM = "Librarena"
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


@dataclass
class Placement:
    """What places an event beyond its payload, looked up from the database when it is recorded:
    the actor's language, organisation units and platform identities, and the tracks the
    object belongs to for them."""

    language: str | None = None
    #: ``region`` / ``municipality`` / ``library`` → the actor's units of that kind.
    organisation: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Extension key → value, from the packages that describe actors (LTI: ``lti_users``).
    extensions: dict[str, Any] = field(default_factory=dict)
    #: Ids of the tracks assigned to the actor that the event's course or series is a step of.
    tracks: list[int] = field(default_factory=list)


#: Context keys of an event that become context activities or fields, not extensions.
PLACING_KEYS = ("course_id", "module_id", "series", "parent", "programme_id", "language")
#: Every context extension a statement made here may carry, by key
#: (``https://librarena.org/xapi/extensions/<key>``): from the events' context, from
#: :class:`Placement` and from the describers. ``docs/xapi-profile.md`` describes each (a test
#: checks), and an event or describer with any other key is refused: the vocabulary stays
#: documented.
EXTENSIONS = frozenset(
    {
        # where a learning event happened
        "version_id",
        "attempt",
        "visibility",
        "kind",
        # who it concerns besides the actor, and how
        "assignee",
        "due_on",
        "owner",
        "goals",
        "mapping_round",
        "rating",
        "rated_user",
        "target",
        # the actor's organisation (Placement)
        "region",
        "municipality",
        "library",
        # LTI: the launch, and the actor's platform identities (lti.launch)
        "lti_platform",
        "lti_context",
        "lti_users",
    }
)


def check_context(keys: Iterable[str]) -> None:
    """Refuse context keys that are neither placing keys nor documented extensions."""
    unknown = sorted(set(keys) - EXTENSIONS - set(PLACING_KEYS))
    if unknown:
        raise ValueError(f"undocumented xAPI context keys {unknown} (see docs/xapi-profile.md)")


def _language(value: Any) -> str | None:
    """A usable ``context.language`` (an RFC 5646 tag), or None.
    https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#246-context"""
    return value if isinstance(value, str) and is_language_tag(value) else None


def statement_from_event(
    payload: dict[str, Any], base_url: str, placement: Placement | None = None
) -> dict[str, Any]:
    """The statement for one recorded event.

    The actor is an account on this Librarena (``name`` = the user id, never an e-mail address
    or a display name); the module or quiz an item sits in is its parent; the course, the
    webinar series, the programme and the actor's assigned tracks are the grouping; each
    enrolment gets a stable registration. ``placement`` adds the actor's language,
    organisation and platform identities. The id depends on the payload only, so building the
    statement again (a retried delivery) gives the same one.
    """
    placement = placement or Placement()
    user_id = payload["actor"]["user_id"]
    obj = payload["object"]
    context_in: dict[str, Any] = dict(payload.get("context") or {})
    placing = {key: context_in.pop(key) for key in PLACING_KEYS if key in context_in}
    grouping: list[dict[str, Any]] = []
    parent: list[dict[str, Any]] = []
    context: dict[str, Any] = {"platform": PLATFORM}
    course_id = placing.get("course_id")
    if course_id is not None:
        context["registration"] = registration(base_url, user_id, course_id)
    up = placing.get("parent")
    if isinstance(up, dict) and "type" in up and "id" in up:
        parent.append(_activity(base_url, up["type"], up["id"]))
    module_id = placing.get("module_id")
    if module_id is not None:
        # The module is the parent of an item, and the grouping of what is inside one.
        (grouping if parent else parent).append(_activity(base_url, "module", module_id))
    if course_id is not None and not (obj["type"] == "course" and str(obj["id"]) == str(course_id)):
        grouping.append(_activity(base_url, "course", course_id))
    if placing.get("series") is not None:
        grouping.append(_activity(base_url, "webinar_series", placing["series"]))
    for track_id in placement.tracks:
        if not (obj["type"] == "track" and str(obj["id"]) == str(track_id)):
            grouping.append(_activity(base_url, "track", track_id))
    if placing.get("programme_id") is not None:
        grouping.append(_activity(base_url, "programme", placing["programme_id"]))
    activities: dict[str, Any] = {}
    if parent:
        activities["parent"] = parent
    if grouping:
        activities["grouping"] = grouping
    if activities:
        context["contextActivities"] = activities
    language = _language(placing.get("language")) or _language(placement.language)
    if language:
        context["language"] = language
    extensions = {
        **{kind: units for kind, units in placement.organisation.items() if units},
        **placement.extensions,
        **context_in,
    }
    if extensions:
        context["extensions"] = {extension(key): value for key, value in extensions.items()}
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


def registration(base_url: str, user_id: Any, course_id: Any) -> str:
    """The registration of one person's enrolment in one course: the same on every statement
    about it, from every process (UUIDv5, so nothing has to be stored)."""
    return str(uuid.uuid5(NAMESPACE, f"{base_url}|enrolment|{user_id}|{course_id}"))


def _unit_ref(unit_id: int, code: str | None) -> dict[str, Any]:
    # Ids and official codes (kommun-/kommunenummer) only: names change, and are not needed
    # to join statements with Librarena's own data or with public statistics.
    return {"id": unit_id, "code": code} if code else {"id": unit_id}


def organisation_of(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """The libraries ``user_id`` is a member of, with their municipalities and regions (two
    queries: each library's ``path`` names the units above it)."""
    paths = session.scalars(
        select(OrgUnit.path)
        .join(Membership, Membership.library_id == OrgUnit.id)
        .where(Membership.user_id == user_id)
    ).all()
    ids = {int(part) for path in paths for part in path.strip("/").split("/") if part}
    out: dict[str, list[dict[str, Any]]] = {}
    if not ids:
        return out
    units = session.execute(
        select(OrgUnit.id, OrgUnit.kind, OrgUnit.code)
        .where(OrgUnit.id.in_(ids))
        .order_by(OrgUnit.id)
    )
    for unit_id, kind, code in units:
        out.setdefault(UnitKind(kind).value, []).append(_unit_ref(unit_id, code))
    return out


def tracks_of(session: Session, user_id: int, context: dict[str, Any]) -> list[int]:
    """Ids of the tracks actively assigned to ``user_id`` that have the event's course or
    webinar series as a step."""
    steps = []
    if context.get("course_id") is not None:
        steps.append(TrackStep.course_id == int(context["course_id"]))
    if context.get("series") is not None:
        steps.append(TrackStep.series_id == int(context["series"]))
    if not steps:
        return []
    return list(
        session.scalars(
            select(Assignment.track_id)
            .join(TrackStep, TrackStep.track_id == Assignment.track_id)
            .where(
                Assignment.user_id == user_id,
                Assignment.status == AssignmentStatus.ACTIVE,
                or_(*steps),
            )
            .distinct()
            .order_by(Assignment.track_id)
        )
    )


#: A package that knows more about actors than the LRS does adds extensions about them (LTI:
#: the platform identities of a person who came by LTI): ``(session, user_id) -> {key: value}``.
Describer = Callable[[Session, int], dict[str, Any]]


def hooks(app: Flask, name: str) -> list[Any]:
    """The callables other packages registered with the app under ``name`` (see
    :func:`add_hook`), in the order they came."""
    registry: list[Any] = app.extensions.setdefault(f"librarena.xapi.{name}", [])
    return registry


def add_hook(app: Flask, name: str, hook: Callable[..., Any]) -> None:
    """Register ``hook`` under ``name`` once (registering again changes nothing)."""
    if hook not in hooks(app, name):
        hooks(app, name).append(hook)


def describers(app: Flask) -> list[Describer]:
    return hooks(app, "describers")


def describe_actors(app: Flask, describer: Describer) -> None:
    """Have ``describer`` add context extensions about the actor of every statement made."""
    add_hook(app, "describers", describer)


def place(app: Flask, session: Session, payload: dict[str, Any], actor: User | None) -> Placement:
    """Look up what places ``payload`` (see :class:`Placement`), in ``session``."""
    if actor is None:
        return Placement()
    extensions: dict[str, Any] = {}
    for describer in describers(app):
        described = describer(session, actor.id)
        check_context(described)
        extensions.update(described)
    return Placement(
        language=actor.locale,
        organisation=organisation_of(session, actor.id),
        extensions=extensions,
        tracks=tracks_of(session, actor.id, payload.get("context") or {}),
    )


#: The LRS itself is the authority of the statements it makes from events.
SYSTEM = Principal(client=None, user=None, scopes=frozenset({"all"}))


def store_event(
    app: Flask, session: Session, payload: dict[str, Any], actor: User | None
) -> dict[str, Any]:
    """Build the statement of an event and store it in ``session``'s transaction, queued for
    the external LRSs that want it (flushes, never commits). Storing the same event again
    stores nothing: the statement keeps its id."""
    statement = statement_from_event(
        payload, app.config["BASE_URL"], place(app, session, payload, actor)
    )
    store = SqlStatementStore(session)
    store_statements(
        store, [statement], SYSTEM, Ctx(), after_store=forwarding.enqueue_for(store.driver)
    )
    return statement


def deliver_event(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler for events queued on ``xapi.event`` before statements were stored where
    they happen: a database upgraded with such messages pending still gets their statements
    (flushes; the worker commits)."""
    session = db.session
    # A Conflict: stored by an earlier delivery whose message was not marked sent, and placed
    # differently now (the person changed library since). The first statement stands.
    with suppress(Conflict):
        store_event(app, session, payload, session.get(User, payload["actor"]["user_id"]))


def init_app(app: Flask) -> None:
    from lms.outbox.services import register
    from lms.xapi.events import CHANNEL

    register(app, CHANNEL, deliver_event)
