"""The dashboards' demo history: a past webinar with attendance, course progress elsewhere."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.courses.models import Course
from content.progress.models import Enrolment
from content.webinars.models import EventSession, Registration, RegistrationStatus
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit
from lms.reporting.demo import load_demo_activity
from tests.content.conftest import create_course  # noqa: F401


def test_demo_activity_gives_the_dashboards_a_past(
    session: Session,
    create_unit: Callable[..., OrgUnit],
    create_user: Callable[..., User],
    create_course: Callable[..., Course],  # noqa: F811
) -> None:
    dalarna = create_unit("region", name="Dalarna")
    falun = create_unit("library", parent=create_unit("municipality", parent=dalarna))
    falun.name = "Falu stadsbibliotek"
    mora = create_unit("library", parent=create_unit("municipality", parent=dalarna))
    elsewhere = create_unit("library")
    staff = [create_user(unit=mora) for _ in range(10)]
    first = create_user(unit=falun)
    outside = create_user(unit=elsewhere)
    demo = create_user(unit=mora, email="learner@demo.librarena.example")
    create_course()

    load_demo_activity(session)

    held = session.scalars(select(EventSession)).one()
    assert held.starts_at < utcnow()
    came = session.scalars(
        select(Registration.user_id).where(Registration.status == RegistrationStatus.ATTENDED)
    ).all()
    assert len(came) >= 5
    assert set(came) <= {u.id for u in staff}
    enrolled = set(session.scalars(select(Enrolment.user_id)))
    assert enrolled <= {u.id for u in staff}
    assert not {first.id, outside.id, demo.id} & (enrolled | set(came))
    completed = session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.completed_at.is_not(None))
    )
    assert completed >= 3
