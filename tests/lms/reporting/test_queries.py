"""The figures in SQL: counts per unit and per track, done-ness that agrees with the tracks'
own progress, and a number of queries that does not grow with the number of people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from content.courses.models import Course, ItemKind
from content.progress import services as progress
from content.webinars.models import EventSession, Registration, RegistrationStatus
from lms.assignments import services as assignments
from lms.assignments.models import Assignment, StepKind, StepReflection, Track
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.orgs.models import OrgUnit
from lms.reporting import queries
from lms.reporting.models import TrackCompletion
from lms.reporting.queries import Period, Reach
from tests.content.conftest import request_context  # noqa: F401
from tests.content.webinars.conftest import create_session  # noqa: F401
from tests.lms.assignments.conftest import create_track  # noqa: F401
from tests.lms.reporting.conftest import TODAY, Programme_, assign, complete

EVERYWHERE = Reach(Scope(everywhere=True))


def test_programme_figures_per_unit_and_in_total(session: Session, world: Programme_) -> None:
    u = world.units
    rows = [u["lib_a1"], u["lib_a2"], u["lib_b"]]
    figures = queries.programme_figures(session, EVERYWHERE, rows, Period(), today=TODAY)
    a1, a2, b = (figures.by_row[r.id] for r in rows)
    assert a1 == {
        "staff": 7,
        "participants": 7,  # the manager only registered for the event (and missed it)
        "course_started": 6,
        "course_completed": 6,
        "event_registered": 5,
        "event_attended": 4,
        "track_assigned": 7,
        "track_done": 3,
        "track_overdue": 1,
    }
    assert a2["staff"] == 2
    assert a2["course_started"] == 1
    assert a2["course_completed"] == 0
    assert a2["track_assigned"] == 0
    assert b["staff"] == 1
    assert b["course_completed"] == 1
    assert b["track_assigned"] == 1
    assert figures.total["staff"] == 10
    assert figures.total["course_completed"] == 7
    [track] = figures.by_track.values()
    assert (track["track_assigned"], track["track_done"], track["track_overdue"]) == (8, 3, 1)


def test_region_rows_group_their_whole_subtree(session: Session, world: Programme_) -> None:
    u = world.units
    figures = queries.programme_figures(
        session, EVERYWHERE, [u["region_a"], u["region_b"]], Period(), today=TODAY
    )
    assert figures.by_row[u["region_a"].id]["staff"] == 9
    assert figures.by_row[u["region_b"].id]["staff"] == 1


def test_reach_limits_every_figure(session: Session, world: Programme_) -> None:
    u = world.units
    reach = Reach(Scope(paths=(u["region_a"].path,)))
    figures = queries.programme_figures(session, reach, [u["region_a"]], Period(), today=TODAY)
    assert figures.total["staff"] == 9
    [track] = figures.by_track.values()
    assert track["track_assigned"] == 7  # the person in region B is not counted


def test_period_filters_activity(session: Session, world: Programme_) -> None:
    long_ago = Period(date(2012, 1, 1), date(2012, 12, 31))
    figures = queries.programme_figures(
        session, EVERYWHERE, [world.units["lib_a1"]], long_ago, today=TODAY
    )
    row = figures.by_row[world.units["lib_a1"].id]
    assert row["staff"] == 7
    assert row["participants"] == row["course_started"] == row["track_assigned"] == 0


def test_inactive_people_are_not_counted(session: Session, world: Programme_) -> None:
    world.staff["lib_a1"][-1].is_active = False
    session.flush()
    figures = queries.programme_figures(
        session, EVERYWHERE, [world.units["lib_a1"]], Period(), today=TODAY
    )
    assert figures.by_row[world.units["lib_a1"].id]["staff"] == 6


def test_session_attendance_counts_people_in_reach(session: Session, world: Programme_) -> None:
    rows = queries.session_attendance(session, EVERYWHERE, Period())
    past = next(r for r in rows if r["id"] == world.event.id)  # type: ignore[union-attr]
    assert (past["registered"], past["attended"]) == (5, 4)
    outside = Reach(Scope(paths=(world.units["region_b"].path,)))
    assert queries.session_attendance(session, outside, Period()) == []


def test_sql_done_agrees_with_the_tracks_own_progress(
    session: Session,
    create_unit: Callable[..., OrgUnit],
    create_user: Callable[..., User],
    create_course: Callable[..., Course],
    create_session: Callable[..., EventSession],  # noqa: F811
    create_track: Callable[..., Track],  # noqa: F811
    request_context: Any,  # noqa: F811
) -> None:
    """Every kind of step, required or not, in many combinations: the set-based SQL and
    ``progress_for`` name the same assignments done."""
    library = create_unit("library")
    course, other = create_course(), create_course()
    module = other.modules[0]
    graded = [i for i in module.items if i.kind in (ItemKind.LESSON, ItemKind.QUIZ)]
    ev = create_session()
    full = create_track(
        steps=[
            (StepKind.COURSE, {"course_id": course.id}),
            (StepKind.MODULE, {"course_id": other.id, "module_id": module.id}),
            (StepKind.EVENT_SERIES, {"series_id": ev.series_id}),
            (StepKind.REFLECTION, {"is_required": False}),
        ]
    )
    optional = create_track(
        steps=[
            (StepKind.COURSE, {"course_id": course.id, "is_required": False}),
            (StepKind.REFLECTION, {"is_required": False}),
        ],
        publish=False,  # publishing wants a required step; progress still has a rule for none
    )
    empty = create_track(steps=[], publish=False)
    people = [create_user(unit=library) for _ in range(16)]
    for n, user in enumerate(people):
        bits = [bool(n & 1), bool(n & 2), bool(n & 4), bool(n & 8)]
        if bits[0]:
            complete(session, course, user)
        if bits[1]:
            enrolment = progress.enrol(session, other, user, locale="en")
            items = graded if n % 3 else graded[:1]  # some do only part of the module
            for item in items:
                progress.mark_done(session, enrolment, item.id, locale="en")
        if bits[2]:
            session.add(
                Registration(session=ev, user_id=user.id, status=RegistrationStatus.ATTENDED)
            )
        if bits[3]:
            for step in (full.steps[3], optional.steps[1]):
                session.add(StepReflection(step=step, user_id=user.id, body="…"))
        for track in (full, optional, empty):
            assign(session, track, user, due_on=TODAY + timedelta(days=10))
    session.flush()
    active = list(session.scalars(select(Assignment)))
    expected = {
        (a.user_id, a.track_id)
        for a, p in ((a, assignments.progress_for(session, [a], today=TODAY)[a.id]) for a in active)
        if p.state.value == "done"
    }
    done = queries.done_tracks()
    found = {
        (r.user_id, r.track_id) for r in session.execute(select(done.c.user_id, done.c.track_id))
    }
    found = {pair for pair in found if pair[0] in {u.id for u in people}}
    assert found == expected
    kept = {(r.user_id, r.track_id) for r in session.scalars(select(TrackCompletion))}
    assert {pair for pair in kept if pair[0] in {u.id for u in people}} == expected
    assert any(t == full.id for _u, t in expected)  # the scenario reaches "done" at all
    assert any(t == optional.id for _u, t in expected)
    assert not any(t == empty.id for _u, t in found)


def _count_queries(session: Session, run: Callable[[], Any]) -> int:
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("q")

    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    event.listen(engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_dashboard_query_count_does_not_grow_with_people(
    client: Any,
    session: Session,
    world: Programme_,
    create_user: Callable[..., User],
) -> None:
    from tests.lms.reporting.conftest import sign_in

    sign_in(client, world.users["coordinator"])
    url = f"/reports/programme?programme={world.ids['programme']}&phase={world.ids['phase']}"
    assert client.get(url).status_code == 200  # warm up
    before = _count_queries(session, lambda: client.get(url))
    for _n in range(25):
        person = create_user(unit=world.units["lib_a2"])
        complete(session, world.course, person)  # type: ignore[arg-type]
        assign(session, world.track, person, due_on=TODAY + timedelta(days=5))  # type: ignore[arg-type]
    session.commit()
    after = _count_queries(session, lambda: client.get(url))
    assert before > 5  # the listener saw the page's queries at all
    assert before == after
