"""lms.xapi.events.record, as the content server uses it: one statement per event, stored in
the caller's transaction."""

from __future__ import annotations

import json
from datetime import date

import pytest

from content.courses.models import ItemKind
from content.quizzes import services as quizzes
from lms.assignments.models import Assignment, StepKind, Track, TrackStep
from lms.orgs import services as orgs
from lms.orgs.models import Country
from lms.xapi import events
from lms.xapi.emit import extension, registration
from lms.xapi.validation import validate_statement
from lti.models import LtiUser
from tests.conftest import object_of, verb_of
from tests.content.conftest import events_of, items_of, right_answers


def test_record_stores_the_statement_in_the_callers_transaction(session, create_user):
    learner = create_user("learner", email="secret@bibliotek.example")
    returned = events.record(
        session,
        actor=learner,
        verb="completed",
        object_type="course",
        object_id="7",
        object_name={"sv": "Digital förmedling"},
        result={"completion": True},
        context={"course_id": 7, "version_id": 2},
    )
    (statement,) = events_of(session)
    assert statement["id"] == returned["id"]
    assert statement["actor"]["account"]["name"] == str(learner.id)
    assert verb_of(statement) == "completed"
    assert object_of(statement) == ("course", "7")
    assert statement["object"]["definition"]["name"] == {"sv": "Digital förmedling"}
    assert statement["result"] == {"completion": True}
    assert statement["timestamp"].endswith("+00:00")
    assert "secret@" not in repr(statement)
    session.rollback()  # the caller's transaction fails: the statement goes with it
    assert events_of(session) == []


def test_record_refuses_an_unknown_verb(session, create_user):
    with pytest.raises(ValueError, match="unknown verb"):
        events.record(
            session, actor=create_user("learner"), verb="liked", object_type="course", object_id="1"
        )
    assert events_of(session) == []


def test_record_quiz_pass_places_a_library_member_who_came_by_lti(
    session, create_course, create_user, enrol
):
    """The statement of a quiz passed carries the enrolment, the module, course and assigned
    track, the learner's language, library, municipality and region, and their LTI identity;
    no e-mail address, though the account has one."""
    region = orgs.create_unit(session, name="Region Skåne", country=Country.SE, code="12")
    town = orgs.create_unit(session, name="Lund", parent=region, code="1281")
    library = orgs.create_unit(session, name="Stadsbiblioteket", parent=town)
    learner = create_user("learner", unit=library, email="ada@bibliotek.example", locale="sv")
    session.add(LtiUser(issuer="https://moodle.example", sub="u-4711", user=learner))
    course = create_course()
    track = Track(slug="start", is_published=True)
    session.add_all(
        [
            TrackStep(track=track, kind=StepKind.COURSE, course_id=course.id),
            Assignment(track=track, user=learner, due_on=date(2026, 12, 31)),
        ]
    )
    session.commit()
    enrolment = enrol(course, learner)
    quiz = items_of(course)[ItemKind.QUIZ]
    quizzes.submit(session, enrolment, quiz.id, right_answers(quiz), locale="en")
    session.commit()
    [passed] = events_of(session, "passed")
    validate_statement(passed)
    assert passed["result"] == {
        "score": {"scaled": 1.0, "raw": 100, "min": 0, "max": 100},
        "success": True,
        "completion": True,
    }
    context = passed["context"]
    assert context["platform"] == "Librarena"
    assert context["language"] == "en"  # the language the course was shown in
    assert context["registration"] == registration(
        "http://librarena.localhost", learner.id, course.id
    )
    [enrolled] = events_of(session, "registered")
    assert enrolled["context"]["registration"] == context["registration"]
    ids = {
        kind: [a["id"].rpartition("/activities/")[2] for a in activities]
        for kind, activities in context["contextActivities"].items()
    }
    assert ids == {
        "parent": [f"module/{quiz.module_id}"],
        "grouping": [f"course/{course.id}", f"track/{track.id}"],
    }
    extensions = context["extensions"]
    assert extensions[extension("region")] == [{"id": region.id, "code": "12"}]
    assert extensions[extension("municipality")] == [{"id": town.id, "code": "1281"}]
    assert extensions[extension("library")] == [{"id": library.id}]
    assert extensions[extension("lti_users")] == [
        {"issuer": "https://moodle.example", "sub": "u-4711"}
    ]
    assert extensions[extension("attempt")] == 1
    statements = events_of(session)
    assert {verb_of(s) for s in statements} >= {"registered", "answered", "passed"}
    assert "@" not in json.dumps(statements)
