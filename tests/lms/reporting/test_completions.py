"""The stored track completions stay equal to the rule (``queries.done_tracks``) through every
kind of change, in the transaction of the change, and can be rebuilt whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from content.courses import services as courses
from content.courses.models import Course, Item, ItemKind
from content.progress import services as progress
from content.progress.models import Enrolment, ItemProgress
from content.webinars.models import EventSession, Registration, RegistrationStatus
from lms.assignments import services as assignments
from lms.assignments.models import StepKind, Track
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.db import utcnow
from lms.reporting import completions, queries
from lms.reporting.models import TrackCompletion
from lms.reporting.queries import Period, Reach
from tests.content.conftest import request_context  # noqa: F401
from tests.content.webinars.conftest import create_session  # noqa: F401
from tests.lms.assignments.conftest import create_track  # noqa: F401
from tests.lms.reporting.conftest import TODAY, assign, complete

Pair = tuple[int, int]


def stored(session: Session) -> set[Pair]:
    """The table as it is, after checking it says what the rule says now."""
    session.flush()
    found = {
        (u, t)
        for u, t in session.execute(select(TrackCompletion.user_id, TrackCompletion.track_id))
    }
    live = queries.done_tracks()
    derived = {(u, t) for u, t in session.execute(select(live.c.user_id, live.c.track_id))}
    assert found == derived
    return found


@pytest.fixture
def person(create_user: Callable[..., User]) -> User:
    return create_user()


@pytest.fixture
def course(create_course: Callable[..., Course]) -> Course:
    return create_course()


def graded_items(course: Course) -> list[Item]:
    return [i for i in course.modules[0].items if i.kind in (ItemKind.LESSON, ItemKind.QUIZ)]


def test_completions_follow_a_completed_course(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    enrolment = progress.enrol(session, course, person, locale="en")
    assert (person.id, track.id) not in stored(session)
    enrolment.completed_at = utcnow()
    session.commit()
    assert (person.id, track.id) in stored(session)


def test_completions_follow_module_items_done_one_by_one(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    module = course.modules[0]
    track = create_track(
        steps=[(StepKind.MODULE, {"course_id": course.id, "module_id": module.id})]
    )
    enrolment = progress.enrol(session, course, person, locale="en")
    items = graded_items(course)
    assert len(items) >= 2
    done: list[ItemProgress] = []
    for item in items:
        assert (person.id, track.id) not in stored(session)
        done.append(ItemProgress(enrolment=enrolment, item_id=item.id))
        session.add(done[-1])
        session.flush()
    assert enrolment.completed_at is None  # done by the module's items, not the course
    assert (person.id, track.id) in stored(session)
    session.delete(done[0])
    assert (person.id, track.id) not in stored(session)


def test_completions_follow_attendance_and_a_no_show(
    session: Session,
    person: User,
    create_session: Callable[..., EventSession],  # noqa: F811
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    ev = create_session()
    track = create_track(steps=[(StepKind.EVENT_SERIES, {"series_id": ev.series_id})])
    reg = Registration(session=ev, user_id=person.id, status=RegistrationStatus.REGISTERED)
    session.add(reg)
    assert (person.id, track.id) not in stored(session)
    reg.status = RegistrationStatus.ATTENDED
    session.commit()
    assert (person.id, track.id) in stored(session)
    reg.status = RegistrationStatus.NO_SHOW
    session.commit()
    assert (person.id, track.id) not in stored(session)


def test_completions_follow_a_reflection_written_and_deleted(
    session: Session,
    person: User,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track()  # one required reflection
    assign(session, track, person, due_on=TODAY + timedelta(days=3))
    answer = assignments.answer_reflection(session, track.steps[0], person, "I learnt a lot.")
    session.commit()
    assert (person.id, track.id) in stored(session)
    session.delete(answer)
    session.commit()
    assert (person.id, track.id) not in stored(session)


def test_a_new_step_undoes_and_an_optional_one_does(
    session: Session,
    person: User,
    course: Course,
    create_session: Callable[..., EventSession],  # noqa: F811
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    complete(session, course, person)
    assert (person.id, track.id) in stored(session)

    ev = create_session()
    step = assignments.add_step(session, track, kind=StepKind.EVENT_SERIES, series_id=ev.series_id)
    session.commit()
    assert (person.id, track.id) not in stored(session)

    step.is_required = False
    session.commit()
    assert (person.id, track.id) in stored(session)


def test_an_item_added_to_a_module_undoes_its_step(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    module = course.modules[0]
    track = create_track(
        steps=[(StepKind.MODULE, {"course_id": course.id, "module_id": module.id})]
    )
    enrolment = progress.enrol(session, course, person, locale="en")
    session.add_all(ItemProgress(enrolment=enrolment, item_id=i.id) for i in graded_items(course))
    session.commit()
    assert (person.id, track.id) in stored(session)
    courses.add_item(
        session, module, kind=ItemKind.LESSON, translations={"en": {"title": "One more"}}
    )
    session.commit()
    assert (person.id, track.id) not in stored(session)


def test_a_deleted_track_takes_its_completions(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})], publish=False)
    complete(session, course, person)
    assert (person.id, track.id) in stored(session)
    track_id = track.id
    assignments.delete_track(session, track)
    session.commit()
    assert not any(t == track_id for _u, t in stored(session))


def test_a_step_done_before_the_assignment_counts(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    complete(session, course, person)
    session.commit()
    assert (person.id, track.id) in stored(session)  # independent of any assignment
    assign(session, track, person, due_on=TODAY - timedelta(days=1))
    session.commit()
    reach = Reach(Scope(everywhere=True))
    figures = queries.programme_figures(session, reach, [], Period(), today=TODAY)
    counted = figures.by_track[track.id]
    assert (counted["track_assigned"], counted["track_done"], counted["track_overdue"]) == (1, 1, 0)


def test_a_rolled_back_change_leaves_the_completions_as_they_were(
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    enrolment = progress.enrol(session, course, person, locale="en")
    session.commit()
    enrolment.completed_at = utcnow()
    session.flush()
    assert (person.id, track.id) in stored(session)
    session.rollback()
    assert (person.id, track.id) not in stored(session)


def test_rebuild_corrects_data_loaded_behind_the_apps_back(
    session: Session,
    person: User,
    course: Course,
    create_user: Callable[..., User],
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    complete(session, course, person)
    session.commit()
    [before] = session.scalars(select(TrackCompletion)).all()
    other = create_user()
    version = session.scalar(select(Enrolment.version_id).where(Enrolment.user_id == person.id))
    # Bulk, with Core: no flush, so nothing is noticed.
    session.execute(
        insert(Enrolment),
        [
            {
                "user_id": other.id,
                "course_id": course.id,
                "version_id": version,
                "enrolled_at": utcnow(),
                "completed_at": utcnow(),
            }
        ],
    )
    found = {(r.user_id, r.track_id) for r in session.scalars(select(TrackCompletion))}
    assert found == {(person.id, track.id)}

    changes = completions.rebuild(session)
    assert (changes.added, changes.removed) == (1, 0)
    assert stored(session) == {(person.id, track.id), (other.id, track.id)}
    session.expire_all()
    assert session.get(TrackCompletion, (person.id, track.id)).noticed_at == before.noticed_at  # type: ignore[union-attr]
    assert completions.rebuild(session).added == 0


def test_the_refresh_command_rebuilds_the_table(
    app: Flask,
    session: Session,
    person: User,
    course: Course,
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    complete(session, course, person)
    session.commit()
    session.execute(TrackCompletion.__table__.delete())
    session.commit()
    result: Any = app.test_cli_runner().invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    assert (person.id, track.id) in stored(session)


def test_steps_and_items_removed_through_their_collections_count(
    session: Session,
    person: User,
    course: Course,
    create_session: Callable[..., EventSession],  # noqa: F811
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    """Removal from a collection deletes in the flush (delete-orphan), not by ``delete()``."""
    ev = create_session()
    module = course.modules[0]
    track = create_track(
        steps=[
            (StepKind.MODULE, {"course_id": course.id, "module_id": module.id}),
            (StepKind.EVENT_SERIES, {"series_id": ev.series_id}),
        ]
    )
    enrolment = progress.enrol(session, course, person, locale="en")
    lesson, quiz = graded_items(course)
    session.add(ItemProgress(enrolment=enrolment, item_id=lesson.id))
    session.commit()
    assert (person.id, track.id) not in stored(session)

    courses.delete_item(session, quiz)  # the module needs the lesson only now
    session.commit()
    assert (person.id, track.id) not in stored(session)  # the series step is still to do
    assignments.delete_step(session, track.steps[1])
    session.commit()
    assert (person.id, track.id) in stored(session)


def test_a_flush_of_many_people_compares_everyone(
    monkeypatch: pytest.MonkeyPatch,
    session: Session,
    course: Course,
    create_user: Callable[..., User],
    create_track: Callable[..., Track],  # noqa: F811
) -> None:
    track = create_track(steps=[(StepKind.COURSE, {"course_id": course.id})])
    people = [create_user() for _ in range(3)]
    enrolments = [progress.enrol(session, course, p, locale="en") for p in people]
    session.commit()
    monkeypatch.setattr(completions, "MANY", 2)
    for enrolment in enrolments:
        enrolment.completed_at = utcnow()
    session.commit()
    assert {(p.id, track.id) for p in people} <= stored(session)
