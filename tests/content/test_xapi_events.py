"""lms.xapi.events.record, as the content server uses it: one outbox row per event."""

from __future__ import annotations

import pytest

from lms.xapi import events
from tests.content.conftest import events_of


def test_record_writes_one_outbox_message_in_the_callers_transaction(session, create_user):
    learner = create_user("learner", email="secret@bibliotek.example")
    events.record(
        session,
        actor=learner,
        verb="completed",
        object_type="course",
        object_id="7",
        object_name={"sv": "Digital förmedling"},
        result={"completion": True},
        context={"course_id": 7, "version_id": 2},
    )
    (payload,) = events_of(session)
    assert payload["actor"] == {"user_id": learner.id, "name": learner.name}
    assert payload["verb"] == "completed"
    assert payload["object"] == {"type": "course", "id": "7", "name": {"sv": "Digital förmedling"}}
    assert payload["result"] == {"completion": True}
    assert payload["context"] == {"course_id": 7, "version_id": 2}
    assert payload["timestamp"].endswith("+00:00")
    assert "secret@" not in repr(payload)
    session.rollback()  # the caller's transaction fails: the event goes with it
    assert events_of(session) == []


def test_record_refuses_an_unknown_verb(session, create_user):
    with pytest.raises(ValueError, match="unknown verb"):
        events.record(
            session, actor=create_user("learner"), verb="liked", object_type="course", object_id="1"
        )
    assert events_of(session) == []
