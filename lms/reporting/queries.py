"""Every figure the dashboards show and export, counted in SQL.

One module serves the pages and the exports alike. Aggregates are GROUP BY queries over the
organisation tree: a library belongs to a row unit when the row's ``path`` is a prefix of the
library's (``/region/municipality/library/``), so a region, a municipality or a library is
counted with one indexed join, and the number of queries per page is fixed whatever the number
of people (see ``bench/dashboard.py``).

What is counted (all in distinct people):

- *staff*: active accounts on the staff of a library in the row;
- *participants*: staff who started or completed a course, or registered for or attended an
  event, in the period;
- *started a course* / *completed a course*: enrolled / completed in the period;
- *registered* / *attended*: for an event held in the period;
- *assigned a track*: an active assignment made in the period; *completed a track* / *overdue*:
  where those assignments stand today, read from ``track_completions``. :func:`done_tracks`
  states the rule in SQL, set-based, from the same records as
  ``lms.assignments.services.progress_for`` (tests hold the two together);
  ``lms.reporting.completions`` keeps the table equal to it as those records change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased, selectinload

from content.courses.models import Course, Item, ItemKind
from content.progress.models import Enrolment, ItemProgress
from content.webinars.models import (
    HOLDS_PLACE,
    EventSeries,
    EventSession,
    Registration,
    RegistrationStatus,
)
from lms.assignments.models import (
    Assignment,
    AssignmentStatus,
    StepKind,
    StepReflection,
    Track,
    TrackStep,
)
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.orgs.models import Membership, OrgUnit, UnitKind
from lms.reporting.models import TrackCompletion

#: The figures of a unit row, in the order the tables show them.
FIGURES = (
    "staff",
    "participants",
    "course_started",
    "course_completed",
    "event_registered",
    "event_attended",
    "track_assigned",
    "track_done",
    "track_overdue",
)
#: The activities that make someone a participant.
PARTICIPATION = ("course_started", "course_completed", "event_registered", "event_attended")
#: At most this many sessions in the attendance table (newest first).
SESSION_LIMIT = 100


@dataclass(frozen=True)
class Period:
    """Inclusive dates; either end may be open."""

    start: date | None = None
    end: date | None = None

    def within(self, column: Any) -> ColumnElement[bool]:
        """``column`` (a UTC timestamp) falls on one of the period's days."""
        conditions: list[ColumnElement[bool]] = []
        if self.start is not None:
            conditions.append(column >= datetime.combine(self.start, time.min, tzinfo=UTC))
        if self.end is not None and self.end < date.max:  # the last day there is: no bound
            after = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)
            conditions.append(column < after)
        return and_(true(), *conditions)

    def intersect(self, other: Period) -> Period:
        starts = [d for d in (self.start, other.start) if d is not None]
        ends = [d for d in (self.end, other.end) if d is not None]
        return Period(max(starts) if starts else None, min(ends) if ends else None)


@dataclass(frozen=True)
class Reach:
    """Which libraries count: those in ``scope``, in one of ``regions`` when a programme is
    chosen (``None``: no programme filter), and under ``under`` when drilled down."""

    scope: Scope
    regions: tuple[str, ...] | None = None
    under: str | None = None

    def where(self, path: Any) -> ColumnElement[bool]:
        """A filter on a library's ``path`` column."""
        conditions = [self.scope.where(path)]
        if self.regions is not None:
            conditions.append(
                or_(false(), *(path.startswith(p, autoescape=True) for p in self.regions))
            )
        if self.under is not None:
            conditions.append(path.startswith(self.under, autoescape=True))
        return and_(*conditions)


# The organisation tree


def top_units(session: Session, reach: Reach) -> list[OrgUnit]:
    """The rows of the first level: the regions (of the programme, if one is chosen) that
    ``reach`` touches, or the units the scope is rooted at when it is narrower."""
    if reach.scope.everywhere:
        stmt = select(OrgUnit).where(OrgUnit.kind == UnitKind.REGION)
        if reach.regions is not None:
            stmt = stmt.where(OrgUnit.path.in_(reach.regions))
        return list(session.scalars(stmt.order_by(OrgUnit.name, OrgUnit.id)))
    stmt = select(OrgUnit).where(OrgUnit.path.in_(reach.scope.paths))
    units = list(session.scalars(stmt.order_by(OrgUnit.name, OrgUnit.id)))
    if reach.regions is not None:
        units = [u for u in units if any(u.path.startswith(r) for r in reach.regions)]
    return units


def children(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit).where(OrgUnit.parent_id == unit.id).order_by(OrgUnit.name, OrgUnit.id)
        )
    )


def ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """The units above ``unit``, the region first (one query)."""
    ids = unit.ancestor_ids[:-1]
    if not ids:
        return []
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


# Per person: what they did in the period (one row per person, a 0/1 column per figure)


def _flag(condition: ColumnElement[bool]) -> Any:
    return func.max(case((condition, 1), else_=0))


def _only(column: Any, who: Any) -> ColumnElement[bool]:
    """``column`` (a user id) is one of ``who`` (a select of user ids); no limit for None."""
    return true() if who is None else column.in_(who)


def _course_flags(period: Period, who: Any = None) -> Any:
    started = period.within(Enrolment.enrolled_at)
    completed = and_(Enrolment.completed_at.is_not(None), period.within(Enrolment.completed_at))
    return (
        select(
            Enrolment.user_id,
            _flag(started).label("course_started"),
            _flag(completed).label("course_completed"),
        )
        .where(or_(started, completed), _only(Enrolment.user_id, who))
        .group_by(Enrolment.user_id)
        .cte("course_flags")
        .prefix_with("MATERIALIZED")
    )


def _event_flags(period: Period, who: Any = None) -> Any:
    held = and_(Registration.status.in_(HOLDS_PLACE), EventSession.is_cancelled.is_(False))
    return (
        select(
            Registration.user_id,
            _flag(held).label("event_registered"),
            _flag(Registration.status == RegistrationStatus.ATTENDED).label("event_attended"),
        )
        .join(EventSession, EventSession.id == Registration.session_id)
        .where(period.within(EventSession.starts_at), _only(Registration.user_id, who))
        .group_by(Registration.user_id)
        .cte("event_flags")
        .prefix_with("MATERIALIZED")
    )


#: The assignment's track is done (``_assigned`` joins the completions).
_DONE = TrackCompletion.user_id.is_not(None)


def _assigned(period: Period, who: Any, *columns: Any) -> Any:
    """``columns`` over the active assignments made in the period (of ``who``, a select of
    user ids, if given), each with its track completion, if any (``_DONE``)."""
    return (
        select(*columns)
        .select_from(Assignment)
        .outerjoin(
            TrackCompletion,
            and_(
                TrackCompletion.user_id == Assignment.user_id,
                TrackCompletion.track_id == Assignment.track_id,
            ),
        )
        .where(
            Assignment.status == AssignmentStatus.ACTIVE,
            period.within(Assignment.assigned_at),
            _only(Assignment.user_id, who),
        )
    )


def _track_flags(period: Period, who: Any, today: date) -> Any:
    # Grouped straight from the assignments: no row per assignment is materialised.
    overdue = and_(Assignment.due_on < today, ~_DONE)
    return (
        _assigned(
            period,
            who,
            Assignment.user_id,
            literal(1).label("track_assigned"),
            _flag(_DONE).label("track_done"),
            _flag(overdue).label("track_overdue"),
        )
        .group_by(Assignment.user_id)
        .cte("track_flags")
        .prefix_with("MATERIALIZED")
    )


@dataclass
class Figures:
    """What :func:`programme_figures` counts: per row unit, in total, and per track."""

    by_row: dict[int, dict[str, int]]
    total: dict[str, int]
    by_track: dict[int, dict[str, int]]


def programme_figures(
    session: Session,
    reach: Reach,
    rows: Sequence[OrgUnit],
    period: Period,
    *,
    today: date,
) -> Figures:
    """The figures of each row unit, of all of ``reach`` together, and of each track: one
    statement whatever the number of people.

    Totals are counted again rather than summed: a person on the staff of two libraries is
    one person in the total. What each person did is worked out once (materialised CTEs, then
    one row of flags per person) and shared by the three groupings.
    """
    lib = aliased(OrgUnit, name="lib")
    row = aliased(OrgUnit, name="row_unit")

    # Who counts, worked out first: everything below is limited to them, so a drill-down
    # into one municipality counts the records of its staff only.
    staff = (
        select(Membership.user_id, Membership.library_id)
        .select_from(lib)
        .join(Membership, Membership.library_id == lib.id)
        .join(User, User.id == Membership.user_id)
        .where(User.is_active.is_(True), reach.where(lib.path))
        .cte("staff")
        .prefix_with("MATERIALIZED")
    )
    in_reach = select(staff.c.user_id).distinct().cte("in_reach").prefix_with("MATERIALIZED")
    who = select(in_reach.c.user_id)
    # Over the whole tree, counting everyone's courses and events is cheaper than checking
    # each record against a list of everyone; the assignments are still limited to active staff.
    whole = reach.scope.everywhere and reach.regions is None and reach.under is None
    narrow = None if whole else who
    courses, events = _course_flags(period, narrow), _event_flags(period, narrow)
    tracks = _track_flags(period, who, today)

    # One row of 0/1 flags per person in reach: the joins are made once, for everyone, and
    # each grouping below only sums.
    flag_of = {
        "course_started": courses.c.course_started == 1,
        "course_completed": courses.c.course_completed == 1,
        "event_registered": events.c.event_registered == 1,
        "event_attended": events.c.event_attended == 1,
        "track_assigned": tracks.c.track_assigned == 1,
        "track_done": tracks.c.track_done == 1,
        "track_overdue": tracks.c.track_overdue == 1,
    }
    flag_of["participants"] = or_(*(flag_of[n] for n in PARTICIPATION))
    person = (
        select(
            in_reach.c.user_id,
            *(case((flag_of[n], 1), else_=0).label(n) for n in FIGURES[1:]),
        )
        .select_from(in_reach)
        .outerjoin(courses, courses.c.user_id == in_reach.c.user_id)
        .outerjoin(events, events.c.user_id == in_reach.c.user_id)
        .outerjoin(tracks, tracks.c.user_id == in_reach.c.user_id)
        .cte("person")
        .prefix_with("MATERIALIZED")
    )

    def figures() -> list[Any]:
        return [
            func.count().label("staff"),
            *(func.coalesce(func.sum(person.c[n]), 0).label(n) for n in FIGURES[1:]),
        ]

    # The libraries under each row unit first (a few hundred prefix matches), then their staff,
    # each person once per row (someone on the staff of two libraries of one municipality is
    # one person there).
    row_libraries = (
        select(row.id.label("key"), lib.id.label("library_id"))
        .select_from(row)
        .join(lib, lib.path.startswith(row.path))
        .where(row.id.in_([u.id for u in rows] or [-1]))
        .cte("row_libraries")
        .prefix_with("MATERIALIZED")
    )
    in_rows = (
        select(row_libraries.c.key, staff.c.user_id)
        .distinct()
        .join(row_libraries, row_libraries.c.library_id == staff.c.library_id)
        .cte("in_rows")
        .prefix_with("MATERIALIZED")
    )
    per_row = (
        select(literal("row").label("grp"), in_rows.c.key, *figures())
        .select_from(in_rows)
        .join(person, person.c.user_id == in_rows.c.user_id)
        .group_by(in_rows.c.key)
    )
    everything = select(
        literal("total").label("grp"), literal(0).label("key"), *figures()
    ).select_from(person)
    # One active assignment per person and track: each row is one person (of the people in
    # reach only, active staff).
    per_track = _assigned(
        period,
        who,
        literal("track").label("grp"),
        Assignment.track_id.label("key"),
        *(literal(0).label(n) for n in FIGURES[:6]),
        func.count().label("track_assigned"),
        func.count(case((_DONE, 1))).label("track_done"),
        func.count(case((and_(Assignment.due_on < today, ~_DONE), 1))).label("track_overdue"),
    ).group_by(Assignment.track_id)
    out = Figures(
        by_row={u.id: dict.fromkeys(FIGURES, 0) for u in rows},
        total=dict.fromkeys(FIGURES, 0),
        by_track={},
    )
    for result in session.execute(union_all(per_row, everything, per_track)):
        counted = {name: int(getattr(result, name) or 0) for name in FIGURES}
        if result.grp == "row":
            out.by_row[result.key] = counted
        elif result.grp == "total":
            out.total = counted
        else:
            out.by_track[result.key] = counted
    return out


def session_attendance(
    session: Session, reach: Reach, period: Period, *, limit: int = SESSION_LIMIT
) -> list[dict[str, Any]]:
    """Per event held in the period: how many of the reach's staff registered and attended."""
    lib = aliased(OrgUnit, name="lib")
    staff = (
        select(Membership.user_id)
        .join(lib, lib.id == Membership.library_id)
        .where(reach.where(lib.path))
        .scalar_subquery()
    )
    held = Registration.status.in_(HOLDS_PLACE)
    attended = Registration.status == RegistrationStatus.ATTENDED
    # One registration per person and session (a unique constraint): plain counts are counts
    # of people.
    stmt = (
        select(
            EventSession.id,
            EventSession.title,
            EventSession.starts_at,
            EventSeries.title.label("series"),
            func.count(case((held, 1))).label("registered"),
            func.count(case((attended, 1))).label("attended"),
        )
        .join(EventSeries, EventSeries.id == EventSession.series_id)
        .join(Registration, Registration.session_id == EventSession.id)
        .where(
            EventSession.is_cancelled.is_(False),
            period.within(EventSession.starts_at),
            # "+ 0": from the (few) sessions to their registrations, not from every person in
            # reach to theirs.
            (Registration.user_id + 0).in_(staff),
        )
        .group_by(EventSession.id, EventSession.title, EventSession.starts_at, EventSeries.title)
        .order_by(EventSession.starts_at.desc(), EventSession.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def tracks_by_id(session: Session, ids: Sequence[int]) -> dict[int, Track]:
    if not ids:
        return {}
    stmt = select(Track).where(Track.id.in_(ids)).options(selectinload(Track.translations))
    return {t.id: t for t in session.scalars(stmt)}


# Whether an assignment is done, in SQL, set-based
#
# The rules are those of ``lms.assignments.services.progress_for`` / ``step_states``; a test
# holds the two together. Worked out for everyone at once: the steps each track requires, the
# (person, step) pairs done among them, and the (person, track) pairs with all of them done.

_GRADED = (ItemKind.LESSON, ItemKind.QUIZ)


def _required_steps(tracks: Any = None) -> Any:
    """The steps a track requires: those marked required, or every step of a track that marks
    none (of ``tracks`` only, if given)."""
    other = aliased(TrackStep, name="marked_step")
    marks_some = (
        select(other.id)
        .where(other.track_id == TrackStep.track_id, other.is_required.is_(True))
        .correlate_except(other)
        .exists()
    )
    return (
        select(
            TrackStep.id.label("step_id"),
            TrackStep.track_id,
            TrackStep.kind,
            TrackStep.course_id,
            TrackStep.module_id,
            TrackStep.series_id,
        )
        .where(
            or_(TrackStep.is_required.is_(True), ~marks_some),
            true() if tracks is None else TrackStep.track_id.in_(tracks),
        )
        .cte("required_steps")
        .prefix_with("MATERIALIZED")
    )


def _module_needs(req: Any) -> Any:
    """``(step_id, track_id, course_id, item_id, need)``: the items a module step needs, its
    lessons and quizzes (every item, when it has neither), each row with how many there are.
    Read from the course as it is now, not from the version the person is enrolled in (a JSON
    snapshot that SQL cannot read portably)."""
    graded = aliased(Item, name="graded_item")
    has_graded = (
        select(graded.id)
        .where(graded.module_id == req.c.module_id, graded.kind.in_(_GRADED))
        .correlate_except(graded)
        .exists()
    )
    return (
        select(
            req.c.step_id,
            req.c.track_id,
            req.c.course_id,
            Item.id.label("item_id"),
            func.count().over(partition_by=req.c.step_id).label("need"),
        )
        .select_from(req)
        .join(Item, Item.module_id == req.c.module_id)
        .where(req.c.kind == StepKind.MODULE, or_(Item.kind.in_(_GRADED), ~has_graded))
        .cte("module_needs")
        .prefix_with("MATERIALIZED")
    )


def done_steps(req: Any, who: Any = None) -> Any:
    """``(user_id, step_id, track_id)`` once for every required step someone has done,
    whenever (before the assignment counts): a completed enrolment in the course; for a
    module, a completed enrolment or all its items done; an attended session of the series; a
    written reflection."""
    needs = _module_needs(req)
    completed = (
        select(Enrolment.user_id, req.c.step_id, req.c.track_id)
        .select_from(req)
        .join(Enrolment, Enrolment.course_id == req.c.course_id)
        .where(
            req.c.kind.in_((StepKind.COURSE, StepKind.MODULE)),
            Enrolment.completed_at.is_not(None),
            _only(Enrolment.user_id, who),
        )
    )
    # From the (few) item-progress rows of unfinished enrolments to the needs, not the other
    # way: a needed item would otherwise visit every enrolment of its course.
    module_items = (
        select(Enrolment.user_id, needs.c.step_id, needs.c.track_id)
        .select_from(Enrolment)
        .join(ItemProgress, ItemProgress.enrolment_id == Enrolment.id)
        .join(
            needs,
            # "+ 0": an expression, so no index on it tempts the planner into the other way.
            and_(
                needs.c.item_id == ItemProgress.item_id,
                needs.c.course_id == Enrolment.course_id + 0,
            ),
        )
        .where(Enrolment.completed_at.is_(None), _only(Enrolment.user_id, who))
        .group_by(Enrolment.id, Enrolment.user_id, needs.c.step_id, needs.c.track_id)
        .having(func.count() >= func.max(needs.c.need))
    )
    attended = (
        select(Registration.user_id, req.c.step_id, req.c.track_id)
        .distinct()
        .select_from(req)
        .join(EventSession, EventSession.series_id == req.c.series_id)
        .join(Registration, Registration.session_id == EventSession.id)
        .where(
            req.c.kind == StepKind.EVENT_SERIES,
            Registration.status == RegistrationStatus.ATTENDED,
            _only(Registration.user_id, who),
        )
    )
    reflected = (
        select(StepReflection.user_id, req.c.step_id, req.c.track_id)
        .select_from(req)
        .join(StepReflection, StepReflection.step_id == req.c.step_id)
        .where(req.c.kind == StepKind.REFLECTION, _only(StepReflection.user_id, who))
    )
    return union_all(completed, module_items, attended, reflected).cte("done_steps")


def done_tracks(who: Any = None, tracks: Any = None) -> Any:
    """``(user_id, track_id)`` where the person has done every step the track requires (a
    track without steps is never done), of ``who`` and ``tracks`` (ids, a select of them or an
    expanding bind parameter) if given. Grouped
    first, then compared with each track's count of required steps: a join on a handful of
    rows, not a subquery per group.

    The pages do not run this: they read ``track_completions``, which
    ``lms.reporting.completions`` keeps equal to it."""
    req = _required_steps(tracks)
    done = done_steps(req, who)
    need = (
        select(req.c.track_id, func.count().label("steps"))
        .group_by(req.c.track_id)
        .cte("need")
        .prefix_with("MATERIALIZED")
    )
    have = (
        select(done.c.user_id, done.c.track_id, func.count().label("steps"))
        .group_by(done.c.user_id, done.c.track_id)
        .subquery("have")
    )
    return (
        select(have.c.user_id, have.c.track_id)
        .join(need, and_(need.c.track_id == have.c.track_id, need.c.steps == have.c.steps))
        .cte("done_tracks")
        .prefix_with("MATERIALIZED")
    )


# Helpers the views share


def course_titles(session: Session, ids: Sequence[int], locale: str) -> dict[int, tuple[str, str]]:
    """``{course id: (title in locale, slug)}`` in two queries."""
    if not ids:
        return {}
    stmt = select(Course).where(Course.id.in_(ids)).options(selectinload(Course.translations))
    out = {}
    for course in session.scalars(stmt):
        try:
            out[course.id] = (course.translation(locale).title, course.slug)
        except LookupError:
            out[course.id] = (course.slug, course.slug)
    return out
