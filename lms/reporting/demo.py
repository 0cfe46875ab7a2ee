"""Demo data for the dashboards: some programme history beyond the first demo library.

The other demo loaders set up what lies ahead (coming webinars, fresh assignments) and one
library's progress. A programme dashboard also needs a past: here a webinar held three weeks
ago with its attendance, and course progress at the other libraries of Dalarna and Gävleborg,
so the coordinator's and the evaluator's figures are not all zero (and the evaluator sees
counts of five and more next to hidden small ones). The demo accounts are left as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
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
from lms.auth.models import User
from lms.orgs.models import Membership, OrgUnit, UnitKind

#: The demo library whose staff the content demo already moved along.
FIRST_LIBRARY = "Falu stadsbibliotek"
REGIONS = ("Dalarna", "Gävleborg")
ZONE = "Europe/Stockholm"


def load_demo_activity(session: Session, *, today: datetime | None = None) -> None:
    """A past webinar with attendance and course progress in two regions. Called once, from
    ``lms.demo.load_demo``, after the other loaders."""
    now = today or datetime.now(UTC)
    regions = list(
        session.scalars(
            select(OrgUnit).where(OrgUnit.kind == UnitKind.REGION, OrgUnit.name.in_(REGIONS))
        )
    )
    if not regions:
        return
    dalarna = next((r for r in regions if r.name == "Dalarna"), regions[0])
    libraries = [
        lib
        for lib in session.scalars(select(OrgUnit).where(OrgUnit.kind == UnitKind.LIBRARY))
        if lib.name != FIRST_LIBRARY and any(lib.path.startswith(r.path) for r in regions)
    ]
    staff = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.library_id.in_([lib.id for lib in libraries]))
            .order_by(User.id)
        ).unique()
    )
    staff = [u for u in staff if u.email.split("@")[0] not in _DEMO_ACCOUNTS]
    coordinator = session.scalar(select(User).where(User.email.like("coordinator@%")))

    # A webinar three weeks ago, straight into the tables: the demo sends no mail.
    start = datetime.combine((now - timedelta(days=21)).date(), time(13, 0), ZoneInfo(ZONE))
    series = EventSeries(
        title="Webbinarium: Digitala resurser för äldre låntagare",
        description_html="<p>Hur biblioteket förmedlar e-böcker och databaser till seniorer.</p>",
        owner_unit=dalarna,
        organiser=coordinator,
    )
    held = EventSession(
        series=series,
        title="Digitala resurser för äldre låntagare",
        starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(minutes=90)).astimezone(UTC),
        timezone=ZONE,
        language="sv",
        capacity=60,
        kind=SessionKind.ONLINE_LINK,
        meeting_url="https://meet.librarena.example/digitala-resurser",
    )
    session.add_all([series, held])
    for n, user in enumerate(staff):
        if n % 5 == 4:
            continue  # not everyone came along
        status = RegistrationStatus.NO_SHOW if n % 4 == 3 else RegistrationStatus.ATTENDED
        session.add(Registration(session=held, user=user, status=status))

    # Course progress: most started a pilot course, about half finished it.
    courses = list(
        session.scalars(select(Course).where(Course.is_published.is_(True)).order_by(Course.id))
    )
    for n, user in enumerate(staff):
        if not courses or n % 6 == 5:
            continue
        course = courses[n % len(courses)]
        enrolment = progress.enrol(session, course, user, locale=user.locale or "sv")
        enrolment.enrolled_at = now - timedelta(days=40 - n)
        if n % 2 == 0:
            enrolment.completed_at = now - timedelta(days=10 - n % 7)
    session.flush()


#: The accounts people sign in with to try each role: they start fresh.
_DEMO_ACCOUNTS = frozenset({"admin", "coordinator", "manager", "evaluator", "learner"})
