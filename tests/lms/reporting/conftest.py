"""A small programme for the dashboard tests: two regions, three libraries, staff who took
courses, went to an event and have tracks assigned, some done, some overdue."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from content.courses.models import Course
from content.progress import services as progress
from content.webinars.models import (
    EventSeries,
    EventSession,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from lms.assignments.models import (
    Assignment,
    StepKind,
    StepReflection,
    Track,
    TrackStep,
    TrackTranslation,
)
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs import services as orgs
from lms.orgs.models import OrgUnit, Programme
from lms.reporting import cache
from tests.content.conftest import create_course  # noqa: F401

TODAY = utcnow().date()


@pytest.fixture(autouse=True)
def _no_figure_memo(app: Flask) -> Iterator[None]:
    """Each test computes its figures afresh: ids repeat between rolled-back tests. The memo
    itself is tested on purpose (``test_cache.py``)."""
    saved = app.config.get("REPORTING_CACHE_SECONDS")
    app.config["REPORTING_CACHE_SECONDS"] = 0
    cache.clear()
    yield
    cache.clear()
    if saved is None:
        app.config.pop("REPORTING_CACHE_SECONDS", None)
    else:
        app.config["REPORTING_CACHE_SECONDS"] = saved


@dataclass
class Programme_:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    staff: dict[str, list[User]] = field(default_factory=dict)
    course: Course | None = None
    event: EventSession | None = None
    track: Track | None = None
    programme: Programme | None = None
    ids: dict[str, int] = field(default_factory=dict)


def assign(session: Session, track: Track, user: User, *, due_on: date) -> Assignment:
    found = Assignment(track=track, user_id=user.id, due_on=due_on, note="")
    session.add(found)
    session.flush()
    return found


def make_event(session: Session, title: str, *, days: int) -> EventSession:
    """A session ``days`` from now (negative: past), straight into the tables: the webinar
    services want a request context, which would make the test client share its session."""
    series = EventSeries(title=title)
    start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
    ev = EventSession(
        series=series,
        title=f"{title}, part 1",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Stockholm",
        language="sv",
        capacity=40,
        kind=SessionKind.ONLINE_LINK,
        meeting_url="https://meet.example.org/abc",
    )
    session.add_all([series, ev])
    session.flush()
    return ev


def make_track(session: Session, title: str, steps: list[dict[str, Any]]) -> Track:
    track = Track(fallback_locale="en", is_published=True, effort_hours=4)
    track.translations = [TrackTranslation(locale="en", title=title)]
    track.steps = [TrackStep(position=n, **step) for n, step in enumerate(steps)]
    session.add(track)
    session.flush()
    return track


def complete(session: Session, course: Course, user: User) -> None:
    enrolment = progress.enrol(session, course, user, locale="en")
    enrolment.completed_at = utcnow()
    session.flush()


@pytest.fixture
def world(
    session: Session,
    create_unit: Callable[..., OrgUnit],
    create_user: Callable[..., User],
    create_course: Callable[..., Course],  # noqa: F811
) -> Programme_:
    """Region A: Kommun A with Bibliotek A1 (7 staff: the manager, the learner and five more)
    and A2 (2 staff). Region B: Bibliotek B (1 person). A coordinator of A, an evaluator."""
    w = Programme_()
    region_a = create_unit("region", name="Region A")
    region_b = create_unit("region", name="Region B")
    muni_a = create_unit("municipality", parent=region_a, name="Kommun A")
    muni_b = create_unit("municipality", parent=region_b, name="Kommun B")
    lib_a1 = create_unit("library", parent=muni_a, name="Bibliotek A1")
    lib_a2 = create_unit("library", parent=muni_a, name="Bibliotek A2")
    lib_b = create_unit("library", parent=muni_b, name="Bibliotek B")
    w.units = {
        "region_a": region_a,
        "region_b": region_b,
        "muni_a": muni_a,
        "lib_a1": lib_a1,
        "lib_a2": lib_a2,
        "lib_b": lib_b,
    }
    w.users["manager"] = create_user("manager", unit=lib_a1, name="Maja Manager")
    w.users["learner"] = create_user("learner", unit=lib_a1, name="Lars Learner")
    w.users["coordinator"] = create_user("coordinator", unit=region_a, name="Cora Coordinator")
    w.users["evaluator"] = create_user("evaluator", everywhere=True, name="Eve Evaluator")
    w.users["admin"] = create_user("admin", everywhere=True, name="Ada Admin")
    w.staff["lib_a1"] = [w.users["manager"], w.users["learner"]] + [
        create_user("learner", unit=lib_a1, name=f"Anna A1-{n}") for n in range(5)
    ]
    w.staff["lib_a2"] = [create_user("learner", unit=lib_a2, name=f"Bo A2-{n}") for n in range(2)]
    w.staff["lib_b"] = [create_user("learner", unit=lib_b, name="Britt B")]

    course = create_course()
    # Six of A1 completed the course, one of A2 started it, the person in B completed it.
    for user in w.staff["lib_a1"][1:]:
        complete(session, course, user)
    progress.enrol(session, course, w.staff["lib_a2"][0], locale="en")
    complete(session, course, w.staff["lib_b"][0])

    event = make_event(session, "Mediating e-audiobooks", days=-3)
    for user in w.staff["lib_a1"][:5]:
        status = (
            RegistrationStatus.ATTENDED
            if user is not w.users["manager"]
            else (RegistrationStatus.NO_SHOW)
        )
        session.add(Registration(session=event, user_id=user.id, status=status))
    coming = make_event(session, "Coming webinar", days=7)
    session.add(
        Registration(
            session=coming, user_id=w.users["learner"].id, status=RegistrationStatus.REGISTERED
        )
    )

    track = make_track(
        session,
        "Digital basics",
        [
            {"kind": StepKind.COURSE, "course_id": course.id},
            {"kind": StepKind.REFLECTION, "prompt": {"en": {"title": "Think", "prompt": "Why?"}}},
        ],
    )
    reflection = track.steps[1]
    # Everyone in A1 has the track. Three wrote the reflection (and completed the course):
    # done. The learner has not reflected: the next step is the reflection. The manager has
    # not started and is overdue.
    for n, user in enumerate(w.staff["lib_a1"]):
        due = TODAY - timedelta(days=2) if user is w.users["manager"] else TODAY + timedelta(30)
        assign(session, track, user, due_on=due)
        if 2 <= n <= 4:
            session.add(StepReflection(step=reflection, user_id=user.id, body="Learnt a lot"))
    assign(session, track, w.staff["lib_b"][0], due_on=TODAY + timedelta(days=30))

    w.programme = Programme(name="Programme A", regions=[region_a])
    other = Programme(name="Programme B", regions=[region_b])
    session.add_all([w.programme, other])
    session.flush()
    phase = orgs.add_phase(
        session,
        w.programme,
        name="Now",
        starts_on=TODAY - timedelta(days=30),
        ends_on=TODAY + timedelta(days=30),
    )
    old = orgs.add_phase(
        session,
        w.programme,
        name="Long ago",
        starts_on=date(2012, 1, 1),
        ends_on=date(2012, 12, 31),
    )
    session.commit()
    w.course, w.event, w.track = course, event, track
    w.ids = {
        "programme": w.programme.id,
        "programme_b": other.id,
        "phase": phase.id,
        "old_phase": old.id,
        **{k: u.id for k, u in w.units.items()},
    }
    return w


def sign_in(client: Any, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
