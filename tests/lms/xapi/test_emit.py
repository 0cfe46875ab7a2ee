"""Learning events become valid statements in the LRS, in the transaction that caused them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.db import db
from lms.outbox.models import OutboxMessage
from lms.outbox.services import deliver_due, enqueue
from lms.xapi import events
from lms.xapi.emit import (
    ACTIVITY_TYPES,
    EXTENSIONS,
    REGISTRY_VERBS,
    Placement,
    deliver_event,
    extension,
    statement_from_event,
    verb_iri,
)
from lms.xapi.models import ForwardQueue, ForwardTarget, Statement
from lms.xapi.validation import validate_statement
from lti.models import LtiUser
from tests.conftest import statements_of
from tests.lms.xapi.conftest import make_statement, new_id

PROFILE = Path(__file__).parents[3] / "docs" / "xapi-profile.md"


def _quiz_passed(session: Session, user: User) -> dict[str, Any]:
    return events.record(
        session,
        actor=user,
        verb="passed",
        object_type="quiz",
        object_id="7",
        object_name={"sv": "Prov", "en": "Quiz"},
        result={"score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}, "success": True},
        context={"course_id": 3, "module_id": 5, "version_id": 4, "attempt": 1},
    )


def _forward_target(session: Session) -> None:
    session.add(
        ForwardTarget(name="region", endpoint="https://lrs.example/xapi/", username="u", secret="s")
    )


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_emit_statement_is_stored_by_the_causing_commit_without_the_worker(
    app: Flask, session: Session, client: FlaskClient, headers: dict[str, str], create_user
) -> None:
    _forward_target(session)
    user = create_user()
    recorded = _quiz_passed(session, user)
    session.commit()
    # nothing waits for the worker: no outbox message, the statement is in the LRS
    assert _count(session, OutboxMessage) == 0
    me = json.dumps({"account": {"homePage": app.config["BASE_URL"], "name": str(user.id)}})
    found = client.get("/xapi/statements?" + urlencode({"agent": me}), headers=headers).get_json()
    [statement] = found["statements"]
    assert statement["id"] == recorded["id"]
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert statement["object"]["id"] == "http://librarena.localhost/activities/quiz/7"
    assert statement["result"]["score"]["scaled"] == 0.8
    context = statement["context"]
    assert context["contextActivities"]["parent"][0]["id"].endswith("/activities/module/5")
    assert context["contextActivities"]["grouping"][0]["id"].endswith("/activities/course/3")
    assert context["registration"]
    assert "@" not in json.dumps(statement)  # no e-mail addresses leave
    assert statement["authority"]["account"]["name"] == "librarena"
    # and it is queued for the external LRS in the same transaction
    [queued] = session.scalars(select(ForwardQueue)).all()
    assert session.get(Statement, queued.statement_seq).id == statement["id"]


def test_emit_rolled_back_transaction_leaves_no_statement(session: Session, create_user) -> None:
    _forward_target(session)
    user = create_user()
    _quiz_passed(session, user)
    assert len(statements_of(session, "passed")) == 1  # visible inside the transaction
    session.rollback()
    assert statements_of(session) == []
    assert _count(session, ForwardQueue) == 0


def test_emit_events_queued_by_older_versions_are_still_delivered_once(
    app: Flask, session: Session, create_user
) -> None:
    user = create_user()
    payload = {
        "actor": {"user_id": user.id, "name": user.name},
        "verb": "completed",
        "object": {"type": "course", "id": "3", "name": {"en": "Course"}},
        "timestamp": "2026-11-22T03:00:00+00:00",
        "context": {"course_id": 3, "version_id": 4},
        "result": {"completion": True},
    }
    message = enqueue(session, events.CHANNEL, payload)
    session.commit()
    with app.app_context():
        assert deliver_due(app, db.session) == 1
    session.refresh(message)
    assert message.last_error is None
    [statement] = statements_of(session)
    assert statement["id"] == statement_from_event(payload, app.config["BASE_URL"])["id"]
    # a repeated delivery (the worker died before marking it sent) stores nothing new
    with app.app_context():
        deliver_event(app, payload)
        db.session.commit()
    assert _count(session, Statement) == 1


def test_emit_app_transactions_and_lrs_posts_interleave_without_deadlock(
    session: Session, client: FlaskClient, headers: dict[str, str], create_user
) -> None:
    """On SQLite an LRS POST takes the file write lock (lms.xapi.writelock); statements of
    app events go through the app's own transaction: neither waits for the other."""
    user = create_user()
    first = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=first, headers=headers).status_code == 200
    recorded = _quiz_passed(session, user)
    session.commit()
    second = make_statement(id=new_id())
    assert client.post("/xapi/statements", json=second, headers=headers).status_code == 200
    ids = {s["id"] for s in statements_of(session)}
    assert ids == {first["id"], recorded["id"], second["id"]}


def test_emit_lti_identity_that_looks_like_an_email_is_left_out(
    session: Session, create_user
) -> None:
    user = create_user(email="ada@bibliotek.example")
    session.add(LtiUser(issuer="https://lms.example", sub="ada@bibliotek.example", user=user))
    session.flush()
    statement = _quiz_passed(session, user)
    identities = statement["context"]["extensions"][extension("lti_users")]
    assert identities == [{"issuer": "https://lms.example"}]
    assert "@" not in json.dumps(statements_of(session))


def test_emit_refuses_an_undocumented_context_key(session: Session, create_user) -> None:
    with pytest.raises(ValueError, match="undocumented"):
        events.record(
            session,
            actor=create_user(),
            verb="launched",
            object_type="lesson",
            object_id="1",
            context={"email": "x"},
        )
    assert statements_of(session) == []


def test_emit_every_event_shape_is_valid_xapi() -> None:
    base = "http://lib.example"
    placed = Placement(
        language="nb",
        organisation={"region": [{"id": 1, "code": "03"}], "library": [{"id": 3}]},
        extensions={"lti_users": [{"issuer": "https://canvas.example", "sub": "42"}]},
        tracks=[8],
    )
    shapes = [
        ("registered", "course", {"course_id": 1, "version_id": 2, "language": "sv"}, None),
        ("launched", "lesson", {"course_id": 1, "module_id": 4, "version_id": 2}, None),
        (
            "answered",
            "question",
            {"course_id": 1, "module_id": 4, "parent": {"type": "quiz", "id": "5"}},
            {"success": False, "response": "a,b"},
        ),
        ("shared", "reflection", {"course_id": 1, "visibility": "library"}, None),
        ("earned", "certificate", {"course_id": 1, "version_id": 2}, None),
        ("unregistered", "webinar_session", {"series": 1}, None),
        ("attended", "webinar_session", {"series": 4, "kind": "webinar"}, {"duration": "PT45M"}),
        (
            "answered",
            "competence",
            {"mapping_round": 2, "programme_id": 1, "rating": "self"},
            {"score": {"raw": 3, "min": 1, "max": 5}},
        ),
        ("completed", "track", {}, {"completion": True}),
    ]
    for verb, kind, context, result in shapes:
        payload = {
            "actor": {"user_id": 9, "name": "Ada"},
            "verb": verb,
            "object": {"type": kind, "id": "1", "name": {"sv": "Namn"}},
            "timestamp": "2026-11-22T03:00:00+00:00",
            "context": context,
            "result": result,
        }
        for placement in (None, placed):
            statement = statement_from_event(payload, base, placement)
            validate_statement(statement)
            assert "Ada" not in json.dumps(statement)  # the display name stays in Librarena
            # the id is the event's: the same however the statement is placed
            assert statement_from_event(payload, base)["id"] == statement["id"]
    track_done = statement_from_event(
        {**payload, "verb": "completed", "object": {"type": "track", "id": "8"}}, base, placed
    )
    # a track is not its own grouping
    assert "contextActivities" not in track_done["context"]
    assert track_done["context"]["language"] == "nb"


def test_emit_verbs_missing_from_adl_use_the_registry_iri() -> None:
    assert verb_iri("passed") == "http://adlnet.gov/expapi/verbs/passed"
    assert verb_iri("attended") == "http://adlnet.gov/expapi/verbs/attended"
    assert verb_iri("earned") == "http://id.tincanapi.com/verb/earned"
    assert verb_iri("unregistered") == "http://id.tincanapi.com/verb/unregistered"


def test_emit_profile_documents_every_verb_activity_type_and_extension() -> None:
    doc = PROFILE.read_text(encoding="utf-8")
    in_code = set(re.findall(r"`([^`\s]+)`", doc))
    assert in_code >= events.VERBS, sorted(events.VERBS - in_code)
    assert set(REGISTRY_VERBS.values()) <= in_code
    assert set(ACTIVITY_TYPES) <= in_code
    assert in_code >= EXTENSIONS, sorted(EXTENSIONS - in_code)
    # every extension has an example statement that carries it
    blocks = re.findall(r"```json\n(.*?)```", doc, flags=re.DOTALL)
    for block in blocks:
        validate_statement(json.loads(block))
    examples = "".join(blocks)
    shown = set(re.findall(r"https://librarena\.org/xapi/extensions/(\w+)", examples))
    assert shown >= EXTENSIONS, sorted(EXTENSIONS - shown)
    assert set(re.findall(r'"(?:display)": \{"en-US": "(\w+)"\}', examples)) >= events.VERBS
