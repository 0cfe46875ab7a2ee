"""The demo: two tracks in four languages, the demo manager's assignments in every state, and
the demo learner's proposed development plan."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.assignments import services
from lms.assignments.models import Assignment, ProgressState, Track
from lms.demo import load_demo
from lms.orgs.models import JobTitle
from lms.plans.models import DevelopmentPlan, PlanStatus


def test_demo_tracks_assignments_and_plan(app: Flask, session: Session) -> None:
    with app.app_context():
        assert load_demo(session)
    tracks = {t.slug: t for t in session.scalars(select(Track))}
    leadership, basics = tracks["digital-leadership"], tracks["digital-mediation-basics"]
    for track in (leadership, basics):
        assert sorted(t.locale for t in track.translations) == ["da", "en", "nb", "sv"]
        assert track.is_published
    assert leadership.job_titles == [JobTitle.MANAGER]
    assert leadership.is_ordered
    assert basics.job_titles == []
    assert leadership.translation("en").title == "Digital leadership"
    assert basics.translation("nb").title == "Grunnleggende digital formidling"
    rows = list(session.scalars(select(Assignment)))
    states = {p.state for p in services.progress_for(session, rows).values()}
    assert {ProgressState.DONE, ProgressState.OVERDUE, ProgressState.ON_TIME} <= states
    learner_plan = session.scalar(
        select(DevelopmentPlan)
        .join(DevelopmentPlan.user)
        .where(DevelopmentPlan.user.has(email="learner@demo.librarena.example"))
    )
    assert learner_plan is not None
    assert learner_plan.status is PlanStatus.PROPOSED
    assert len(learner_plan.goals) == 3
