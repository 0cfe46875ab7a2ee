"""Demo data: individual development plans at the demo library.

The demo learner has proposed a plan that waits for the demo manager; a colleague's plan was
approved. (Municipality plans come with the SWOT demo, ``lms.swot.demo``.)
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.courses.models import Course
from content.webinars.models import EventSeries
from lms.assignments.models import Track
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import Membership, OrgUnit
from lms.plans import services
from lms.plans.models import GoalStatus


def _id(session: Session, model: type, **where: str) -> int | None:
    column, value = next(iter(where.items()))
    return session.scalar(select(model.id).where(getattr(model, column) == value))  # type: ignore[attr-defined]


def load_demo_plans(session: Session, *, today: date | None = None) -> None:
    """Add individual and municipality development plans to the demo

    Called once, from ``lms.demo.load_demo``.
    """
    today = today or utcnow().date()
    learner = session.scalar(select(User).where(User.email.startswith("learner@")))
    manager = session.scalar(select(User).where(User.email.startswith("manager@")))
    if learner is None or manager is None:
        return
    basics = _id(session, Track, slug="digital-mediation-basics")
    mediation = _id(session, Course, slug="digital-mediation")
    webinars = _id(session, EventSeries, title="Webbinarieserie: Digital förmedling")
    plan = services.ensure_plan(session, learner)
    services.add_goal(
        session,
        plan,
        by=learner,
        text="Bli trygg i att visa e-böcker och e-ljudböcker för seniorer",
        target_on=today + timedelta(days=60),
        track_id=basics,
        series_id=webinars,
    )
    services.add_goal(
        session,
        plan,
        by=learner,
        text="Hålla i en digital drop-in i höst tillsammans med en kollega",
        target_on=today + timedelta(days=150),
        course_id=mediation,
    )
    services.add_goal(
        session,
        plan,
        by=learner,
        text="Hospitera en dag på Gävle stadsbibliotek och se hur de arbetar med digital "
        "delaktighet",
        target_on=today + timedelta(days=120),
    )
    services.propose(session, plan, by=learner)
    services.comment(
        session,
        plan,
        by=learner,
        message="Jag vill gärna börja med seniorerna, där märker vi störst behov.",
    )

    library = session.scalar(select(OrgUnit).where(OrgUnit.name == "Falu stadsbibliotek"))
    if library is None:
        return
    colleague = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.library_id == library.id,
            User.id.not_in([learner.id, manager.id]),
        )
        .order_by(User.id)
    )
    if colleague is None:
        return
    theirs = services.ensure_plan(session, colleague)
    goal = services.add_goal(
        session,
        theirs,
        by=colleague,
        text="Leda bibliotekets arbete med e-tjänster för barn och unga",
        target_on=today + timedelta(days=90),
        track_id=_id(session, Track, slug="digital-leadership"),
    )
    services.propose(session, theirs, by=colleague)
    services.approve(session, theirs, by=manager, message="Bra, vi följer upp i juni.")
    services.update_goal(
        session,
        goal,
        by=colleague,
        text=goal.text,
        status=GoalStatus.IN_PROGRESS,
        target_on=goal.target_on,
        track_id=goal.track_id,
        course_id=None,
        series_id=None,
    )
