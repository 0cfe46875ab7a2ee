"""What each dashboard shows: its tables and charts, built from :mod:`lms.reporting.queries`.

A builder reads the filters, checks that every id in them is within the viewer's reach (a
forged one is refused: 404 when it does not exist, 403 when it is someone else's), runs a fixed
number of queries and returns a :class:`Dashboard`. The page renders it; an export writes one
of its tables. Builders never touch ``request``: the views hand them the query string.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from content.certificates.models import Certificate
from content.progress.models import Enrolment
from content.webinars.models import (
    HOLDS_PLACE,
    EventSeries,
    EventSession,
    Registration,
    RegistrationStatus,
)
from lms.assignments import services as assignments
from lms.assignments.models import Assignment, AssignmentStatus, ProgressState, Track, TrackStep
from lms.auth.models import User
from lms.auth.permissions import Scope, require
from lms.core.labels import JOB_TITLE_LABELS
from lms.db import utcnow
from lms.errors import NotFound, ValidationFailed
from lms.orgs.models import Membership, OrgUnit, Phase, Programme
from lms.reporting import cache, queries
from lms.reporting.charts import Chart, Series, bar_chart
from lms.reporting.queries import Period, Reach
from lms.reporting.schemas import ProgrammeFilterSchema, TeamFilterSchema
from lms.reporting.tables import Column, Table, anonymise
from lms.schema import load
from lms.web import Page


@dataclass
class Dashboard:
    slug: str
    tables: dict[str, Table]
    charts: dict[str, Chart] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


STATE_LABELS = {
    ProgressState.NOT_STARTED: _l("Not started"),
    ProgressState.ON_TIME: _l("In progress, on time"),
    ProgressState.OVERDUE: _l("Overdue"),
    ProgressState.DONE: _l("Done"),
}


# The programme: coordinators (names of places) and evaluators (the same, anonymised)


UNIT_COLUMNS = [
    Column("staff", _l("Staff"), "people"),
    Column("participants", _l("Participants"), "people"),
    Column("participation", _l("Participation"), "percent", of=("participants", "staff")),
    Column("course_started", _l("Started a course"), "people"),
    Column("course_completed", _l("Completed a course"), "people"),
    Column("event_registered", _l("Registered for an event"), "people"),
    Column("event_attended", _l("Attended an event"), "people"),
    Column("track_assigned", _l("Assigned a track"), "people"),
    Column("track_done", _l("Completed a track"), "people"),
    Column("track_overdue", _l("Overdue on a track"), "people"),
]


def _get(session: Session, model: Any, ident: int | None) -> Any:
    if ident is None:
        return None
    found = session.get(model, ident)
    if found is None:
        raise NotFound()
    return found


def _touches(reach: Scope, region: OrgUnit) -> bool:
    """``reach`` covers some of ``region`` (all of it, or a unit inside it)."""
    return reach.everywhere or any(
        region.path.startswith(p) or p.startswith(region.path) for p in reach.paths
    )


def visible_programmes(session: Session, reach: Scope) -> list[Programme]:
    stmt = select(Programme).options(
        selectinload(Programme.regions), selectinload(Programme.phases)
    )
    found = session.scalars(stmt.order_by(Programme.name, Programme.id))
    return [p for p in found if reach.everywhere or any(_touches(reach, r) for r in p.regions)]


def programme(
    session: Session,
    reach_scope: Scope,
    args: Mapping[str, Any],
    *,
    locale: str,
    today: date,
    anonymous: bool,
) -> Dashboard:
    """The programme dashboard: figures per unit at one level of the tree, events, tracks."""
    require(not reach_scope.is_empty)
    data = load(ProgrammeFilterSchema(), args)
    chosen: Programme | None = _get(session, Programme, data.get("programme"))
    phase: Phase | None = _get(session, Phase, data.get("phase"))
    if phase is not None:
        if chosen is not None and phase.programme_id != chosen.id:
            message = str(_l("This phase belongs to another programme."))
            raise ValidationFailed(message, errors={"phase": [message]})
        chosen = phase.programme
    regions: tuple[str, ...] | None = None
    if chosen is not None:
        require(reach_scope.everywhere or any(_touches(reach_scope, r) for r in chosen.regions))
        regions = tuple(r.path for r in chosen.regions)
    period = Period(data.get("start"), data.get("end"))
    if phase is not None:
        period = period.intersect(Period(phase.starts_on, phase.ends_on))
    reach = Reach(reach_scope, regions)

    unit: OrgUnit | None = _get(session, OrgUnit, data.get("unit"))
    if unit is None:
        top = queries.top_units(session, reach)
        if len(top) == 1 and top[0].kind != "library":
            unit = top[0]  # one region (a county coordinator): start inside it
    if unit is not None:
        inside = regions is None or any(unit.path.startswith(r) for r in regions)
        require(reach_scope.contains(unit) and inside)
        reach = Reach(reach_scope, regions, under=unit.path)
        rows = queries.children(session, unit) or [unit]
        trail = [a for a in queries.ancestors(session, unit) if reach_scope.contains(a)]
    else:
        rows = queries.top_units(session, reach)
        trail = []

    endpoint = "reporting.evaluation" if anonymous else "reporting.programme"
    filters = {k: v for k, v in args.items() if k in ("programme", "phase", "start", "end") and v}

    def drill(target: OrgUnit) -> str:
        return url_for(endpoint, **filters, unit=target.id)

    key = (
        reach_scope.everywhere,
        reach_scope.paths,
        regions,
        reach.under,
        tuple(r.id for r in rows),
        period,
        today,
    )
    figures, sessions = cache.remembered(
        session,
        key,
        today,
        lambda: (
            queries.programme_figures(session, reach, rows, period, today=today),
            queries.session_attendance(session, reach, period),
        ),
    )
    by_row, total = figures.by_row, figures.total
    units = Table(
        name="units",
        caption=_l("Participation and completion by unit"),
        columns=[Column("name", _l("Unit")), *UNIT_COLUMNS],
        links={"name": "href"},
    )
    for row in rows:
        values: dict[str, Any] = {"name": row.name, **by_row[row.id]}
        if row.kind != "library" and row.id != (unit.id if unit else None):
            values["href"] = drill(row)
        units.rows.append(values)
    units.total = {"name": str(_l("Total")), **total}

    events = Table(
        name="events",
        caption=_l("Event attendance"),
        columns=[
            Column("title", _l("Event")),
            Column("series", _l("Series")),
            Column("starts_at", _l("Date"), "date"),
            Column("registered", _l("Registered"), "people"),
            Column("attended", _l("Attended"), "people"),
            Column("rate", _l("Attendance"), "percent", of=("attended", "registered")),
        ],
        rows=[
            {
                "title": s["title"],
                "series": s["series"],
                "starts_at": s["starts_at"].date(),
                "registered": s["registered"],
                "attended": s["attended"],
            }
            for s in sessions
        ],
    )

    track_rows = [{"track_id": k, **v} for k, v in figures.by_track.items()]
    titles = queries.tracks_by_id(session, [r["track_id"] for r in track_rows])
    tracks = Table(
        name="tracks",
        caption=_l("Tracks"),
        columns=[
            Column("title", _l("Track")),
            Column("track_assigned", _l("Assigned"), "people"),
            Column("track_done", _l("Completed"), "people"),
            Column("completion", _l("Completion"), "percent", of=("track_done", "track_assigned")),
            Column("track_overdue", _l("Overdue"), "people"),
        ],
        rows=sorted(
            (
                {**r, "title": titles[r["track_id"]].title(locale)}
                for r in track_rows
                if r["track_id"] in titles
            ),
            key=lambda r: str(r["title"]).lower(),
        ),
    )

    tables = {"units": units, "events": events, "tracks": tracks}
    if anonymous:
        tables = {name: anonymise(t) for name, t in tables.items()}
    charts = {
        "units": _unit_chart(tables["units"]),
        "events": bar_chart(
            tables["events"],
            id="chart-events",
            title=_l("Event attendance"),
            description=_l("Registered and attended, per event (the latest 10)."),
            label_key="title",
            series=[
                Series("registered", _l("Registered"), "c1"),
                Series("attended", _l("Attended"), "c2"),
            ],
            limit=10,
        ),
    }
    programmes = visible_programmes(session, reach_scope)
    return Dashboard(
        slug="evaluation" if anonymous else "programme",
        tables=tables,
        charts=charts,
        context={
            "programmes": programmes,
            "chosen": chosen,
            "phase": phase,
            "period": period,
            "unit": unit,
            "trail": [(a, drill(a)) for a in trail],
            "top_url": url_for(endpoint, **filters),
            "filters": filters,
            "args": {**filters, **({"unit": unit.id} if unit is not None else {})},
            "anonymous": anonymous,
            "endpoint": endpoint,
        },
    )


def _unit_chart(table: Table) -> Chart:
    """Participation and track completion as shares of the staff, per unit."""
    shares = Table(
        name=table.name,
        caption=table.caption,
        columns=[
            table.column("name"),
            table.column("participation"),
            Column("done_share", _l("Completed a track"), "percent", of=("track_done", "staff")),
        ],
        rows=table.rows,
    )
    return bar_chart(
        shares,
        id="chart-units",
        title=_l("Participation by unit"),
        description=_l("Share of the staff who took part, and share who completed a track."),
        label_key="name",
        series=[
            Series("participation", _l("Participation"), "c1"),
            Series("done_share", _l("Completed a track"), "c2"),
        ],
        percent=True,
    )


# The manager's team


def team(
    session: Session,
    reach: Scope,
    args: Mapping[str, Any],
    *,
    locale: str,
    today: date,
    page: int,
    per_page: int = 50,
) -> Dashboard:
    """Staff of the libraries a manager leads: each person, each track, overdue, events."""
    data = load(TeamFilterSchema(), args)
    unit: OrgUnit | None = _get(session, OrgUnit, data.get("unit"))
    if unit is not None:
        require(reach.contains(unit))
    track: Track | None = _get(session, Track, data.get("track"))
    where = Reach(reach, under=unit.path if unit is not None else None)

    libraries = list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.kind == "library", reach.where(OrgUnit.path))
            .order_by(OrgUnit.name, OrgUnit.id)
        )
    )
    members = list(
        session.scalars(
            select(Membership)
            .join(Membership.user)
            .join(Membership.library)
            .where(where.where(OrgUnit.path), User.is_active.is_(True))
            .options(contains_eager(Membership.user), contains_eager(Membership.library))
            .order_by(User.name, User.id, OrgUnit.name)
        ).unique()
    )
    user_ids = sorted({m.user_id for m in members})
    stmt = (
        select(Assignment)
        .where(Assignment.status == AssignmentStatus.ACTIVE, Assignment.user_id.in_(user_ids))
        .options(selectinload(Assignment.track).selectinload(Track.translations))
        .order_by(Assignment.due_on, Assignment.id)
    )
    if track is not None:
        stmt = stmt.where(Assignment.track_id == track.id)
    active = list(session.scalars(stmt)) if user_ids else []
    progress = assignments.progress_for(session, active, today=today)

    # Courses and events per person: two grouped queries.
    courses: dict[int, tuple[int, int]] = {}
    events_attended: dict[int, int] = {}
    if user_ids:
        for uid, started, completed in session.execute(
            select(
                Enrolment.user_id,
                func.count(Enrolment.id),
                func.count(Enrolment.completed_at),
            )
            .where(Enrolment.user_id.in_(user_ids))
            .group_by(Enrolment.user_id)
        ):
            courses[uid] = (started, completed)
        for uid, attended in session.execute(
            select(Registration.user_id, func.count(distinct(Registration.session_id)))
            .where(
                Registration.user_id.in_(user_ids),
                Registration.status == RegistrationStatus.ATTENDED,
            )
            .group_by(Registration.user_id)
        ):
            events_attended[uid] = attended

    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in active:
        by_person[a.user_id].append(a)

    people = Table(
        name="people",
        caption=_l("Progress per person"),
        columns=[
            Column("name", _l("Name")),
            Column("library", _l("Library")),
            Column("job_title", _l("Job title")),
            Column("assigned", _l("Tracks assigned"), "number"),
            Column("done", _l("Tracks done"), "number"),
            Column("overdue", _l("Tracks overdue"), "number"),
            Column("next_due", _l("Next due date"), "date"),
            Column("course_started", _l("Courses started"), "number"),
            Column("course_completed", _l("Courses completed"), "number"),
            Column("event_attended", _l("Events attended"), "number"),
        ],
    )
    for m in members:
        mine = by_person.get(m.user_id, [])
        states = [progress[a.id].state for a in mine]
        pending = [a.due_on for a in mine if progress[a.id].state is not ProgressState.DONE]
        started, completed = courses.get(m.user_id, (0, 0))
        people.rows.append(
            {
                "name": m.user.name,
                "library": m.library.name,
                "job_title": str(JOB_TITLE_LABELS[m.job_title]),
                "assigned": len(mine),
                "done": states.count(ProgressState.DONE),
                "overdue": states.count(ProgressState.OVERDUE),
                "next_due": min(pending) if pending else None,
                "course_started": started,
                "course_completed": completed,
                "event_attended": events_attended.get(m.user_id, 0),
            }
        )

    per_track: dict[int, dict[str, Any]] = {}
    for a in active:
        row = per_track.setdefault(
            a.track_id,
            {"title": a.track.title(locale), **{s.value: 0 for s in ProgressState}},
        )
        row[progress[a.id].state.value] += 1
    tracks = Table(
        name="tracks",
        caption=_l("Progress per track"),
        columns=[
            Column("title", _l("Track")),
            Column("not_started", STATE_LABELS[ProgressState.NOT_STARTED], "number"),
            Column("on_time", STATE_LABELS[ProgressState.ON_TIME], "number"),
            Column("overdue", STATE_LABELS[ProgressState.OVERDUE], "number"),
            Column("done", STATE_LABELS[ProgressState.DONE], "number"),
        ],
        rows=sorted(per_track.values(), key=lambda r: str(r["title"]).lower()),
    )

    names = {m.user_id: m.user.name for m in members}
    overdue = Table(
        name="overdue",
        caption=_l("Overdue assignments"),
        columns=[
            Column("name", _l("Name")),
            Column("track", _l("Track")),
            Column("due_on", _l("Due date"), "date"),
            Column("days_late", _l("Days late"), "number"),
            Column("percent", _l("Required steps done (%)"), "number"),
        ],
        rows=[
            {
                "name": names.get(a.user_id, ""),
                "track": a.track.title(locale),
                "due_on": a.due_on,
                "days_late": (today - a.due_on).days,
                "percent": progress[a.id].percent,
            }
            for a in active
            if progress[a.id].state is ProgressState.OVERDUE
        ],
        empty=_l("Nobody is overdue."),
    )

    upcoming = _team_events(session, user_ids, names)
    chart = bar_chart(
        tracks,
        id="chart-tracks",
        title=_l("Where your team stands, per track"),
        description=_l("Assignments per track: done, on time, not started and overdue."),
        label_key="title",
        series=[
            Series("done", STATE_LABELS[ProgressState.DONE], "c2"),
            Series("on_time", STATE_LABELS[ProgressState.ON_TIME], "c1"),
            Series("not_started", STATE_LABELS[ProgressState.NOT_STARTED], "c3"),
            Series("overdue", STATE_LABELS[ProgressState.OVERDUE], "c4"),
        ],
        stacked=True,
    )
    start = (page - 1) * per_page
    shown = Page(
        items=people.rows[start : start + per_page],
        page=page,
        per_page=per_page,
        total=len(people.rows),
    )
    track_choices = list(
        session.scalars(
            select(Track)
            .where(Track.is_published.is_(True))
            .options(selectinload(Track.translations))
            .order_by(Track.id)
        )
    )
    return Dashboard(
        slug="team",
        tables={"people": people, "tracks": tracks, "overdue": overdue, "events": upcoming},
        charts={"tracks": chart},
        context={
            "page": shown,
            "libraries": libraries,
            "unit": unit,
            "track": track,
            "args": {k: v.id for k, v in (("unit", unit), ("track", track)) if v is not None},
            "track_choices": [(t.id, t.title(locale)) for t in track_choices],
            "counts": {
                "people": len(user_ids),
                "assigned": len(active),
                "overdue": len(overdue.rows),
                "done": sum(1 for p in progress.values() if p.state is ProgressState.DONE),
            },
        },
    )


def _team_events(session: Session, user_ids: list[int], names: dict[int, str]) -> Table:
    """Coming sessions someone of the team has a place (or a waiting place) at."""
    table = Table(
        name="events",
        caption=_l("Upcoming events of your team"),
        columns=[
            Column("title", _l("Event")),
            Column("series", _l("Series")),
            Column("starts_at", _l("Starts"), "date"),
            Column("registered", _l("Registered"), "number"),
            Column("waitlisted", _l("On the waiting list"), "number"),
            Column("who", _l("Who")),
        ],
        empty=_l("Nobody in your team is registered for a coming event."),
    )
    if not user_ids:
        return table
    rows: dict[int, dict[str, Any]] = {}
    stmt = (
        select(Registration, EventSession, EventSeries.title)
        .join(EventSession, EventSession.id == Registration.session_id)
        .join(EventSeries, EventSeries.id == EventSession.series_id)
        .where(
            Registration.user_id.in_(user_ids),
            Registration.status.in_((*HOLDS_PLACE, RegistrationStatus.WAITLISTED)),
            EventSession.starts_at >= utcnow(),
            EventSession.is_cancelled.is_(False),
        )
        .order_by(EventSession.starts_at, EventSession.id)
    )
    for reg, ev, series in session.execute(stmt):
        row = rows.setdefault(
            ev.id,
            {
                "title": ev.title,
                "series": series,
                "starts_at": ev.starts_at,
                "registered": 0,
                "waitlisted": 0,
                "people": [],
                "href": url_for("webinars.session_page", session_id=ev.id),
            },
        )
        if reg.status is RegistrationStatus.WAITLISTED:
            row["waitlisted"] += 1
        else:
            row["registered"] += 1
        row["people"].append(names.get(reg.user_id, ""))
    for row in rows.values():
        row["who"] = ", ".join(sorted(row.pop("people")))
    table.rows = list(rows.values())[:50]
    table.links = {"title": "href"}
    return table


# The learner


def learner(session: Session, user: User, *, locale: str, today: date) -> Dashboard:
    """My next step, my assignments, my coming events and my certificates."""
    mine = assignments.mine(session, user)
    progress = assignments.progress_for(session, mine, today=today)
    step_ids = [p.next_step_id for p in progress.values() if p.next_step_id]
    steps = (
        {
            s.id: s
            for s in session.scalars(
                select(TrackStep)
                .where(TrackStep.id.in_(step_ids))
                .options(
                    selectinload(TrackStep.course),
                    selectinload(TrackStep.module),
                    selectinload(TrackStep.series),
                )
            )
        }
        if step_ids
        else {}
    )

    def step_href(step: TrackStep) -> str:
        link = assignments.step_link(step)
        if link is not None:
            return url_for(link[0], **link[1])
        return url_for("assignments.track", track_id=step.track_id) + f"#step-{step.id}"

    rows = []
    next_step = None
    for a in mine:
        p = progress[a.id]
        step = steps.get(p.next_step_id or 0)
        row = {
            "track": a.track.title(locale),
            "href": url_for("assignments.track", track_id=a.track_id),
            "due_on": a.due_on,
            "state": str(STATE_LABELS[p.state]),
            "state_key": p.state.value,
            "percent": p.percent,
            "next": assignments.step_title(step, locale) if step else "",
            "next_href": step_href(step) if step else None,
        }
        rows.append(row)
        if next_step is None and step is not None:
            next_step = row
    my_assignments = Table(
        name="assignments",
        caption=_l("My assignments"),
        columns=[
            Column("track", _l("Track")),
            Column("due_on", _l("Due date"), "date"),
            Column("state", _l("Status")),
            Column("percent", _l("Required steps done (%)"), "number"),
            Column("next", _l("Next step")),
        ],
        rows=rows,
        links={"track": "href", "next": "next_href"},
        empty=_l("You have no assignments."),
    )

    now = utcnow()
    events = Table(
        name="events",
        caption=_l("My upcoming events"),
        columns=[
            Column("title", _l("Event")),
            Column("series", _l("Series")),
            Column("starts_at", _l("Starts"), "date"),
            Column("status", _l("Status")),
        ],
        links={"title": "href"},
        empty=_l("You are not registered for any coming event."),
    )
    for reg, ev, series in session.execute(
        select(Registration, EventSession, EventSeries.title)
        .join(EventSession, EventSession.id == Registration.session_id)
        .join(EventSeries, EventSeries.id == EventSession.series_id)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_((RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)),
            EventSession.ends_at >= now,
            EventSession.is_cancelled.is_(False),
        )
        .order_by(EventSession.starts_at)
    ):
        events.rows.append(
            {
                "title": ev.title,
                "series": series,
                "starts_at": ev.starts_at,
                "status": str(
                    _l("On the waiting list")
                    if reg.status is RegistrationStatus.WAITLISTED
                    else _l("Registered")
                ),
                "href": url_for("webinars.session_page", session_id=ev.id),
            }
        )

    certificates = Table(
        name="certificates",
        caption=_l("My certificates"),
        columns=[
            Column("course", _l("Course")),
            Column("issued", _l("Issued"), "date"),
            Column("code", _l("Verification code")),
        ],
        links={"course": "href"},
        empty=_l("No certificates yet: finish a course to get one."),
    )
    for cert in session.scalars(
        select(Certificate)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Certificate.issued_at.desc())
    ):
        certificates.rows.append(
            {
                "course": cert.course_title,
                "issued": cert.issued_at.date(),
                "code": cert.code,
                "href": url_for("certificates.certificate", code=cert.code),
            }
        )

    courses = _my_courses(session, user, locale)
    return Dashboard(
        slug="my",
        tables={
            "assignments": my_assignments,
            "events": events,
            "certificates": certificates,
            "courses": courses,
        },
        context={"next_step": next_step, "today": today},
    )


def _my_courses(session: Session, user: User, locale: str) -> Table:
    table = Table(
        name="courses",
        caption=_l("My courses in progress"),
        columns=[Column("course", _l("Course")), Column("enrolled", _l("Started"), "date")],
        links={"course": "href"},
        empty=_l("No course in progress."),
    )
    enrolments = list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.completed_at.is_(None))
            .order_by(Enrolment.enrolled_at.desc())
        )
    )
    titles = queries.course_titles(session, [e.course_id for e in enrolments], locale)
    for e in enrolments:
        title, slug = titles.get(e.course_id, ("", ""))
        table.rows.append(
            {
                "course": title,
                "enrolled": e.enrolled_at.date(),
                "href": url_for("learn.resume", slug=slug) if slug else None,
            }
        )
    return table
