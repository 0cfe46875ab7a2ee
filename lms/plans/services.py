"""Individual development plans: goals, proposing, the manager's review, and the history.

Services take the session, flush and never commit. Every change is logged in
:class:`~lms.plans.models.PlanEvent` (append-only), which both the person and their manager
read as the plan's history. Changing what a proposed or approved plan says (a goal added,
edited or removed) takes it back to a draft to be proposed again; moving a goal's status along
does not need a new approval.
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from content.courses.models import Course
from content.webinars.models import EventSeries
from lms.assignments.models import Track
from lms.assignments.services import in_reach, staff_in
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.plans.models import (
    DevelopmentPlan,
    GoalStatus,
    PlanEvent,
    PlanEventKind,
    PlanGoal,
    PlanStatus,
)
from lms.xapi import events

#: The most goals a plan may hold: a plan is a short list, not a backlog.
MAX_GOALS = 30


def plan_of(session: Session, user: User) -> DevelopmentPlan | None:
    return session.scalar(
        select(DevelopmentPlan).where(DevelopmentPlan.user_id == user.id).options(*_loads())
    )


def _loads() -> list[Any]:
    return [
        selectinload(DevelopmentPlan.goals)
        .selectinload(PlanGoal.track)
        .selectinload(Track.translations),
        selectinload(DevelopmentPlan.goals)
        .selectinload(PlanGoal.course)
        .selectinload(Course.translations),
        selectinload(DevelopmentPlan.goals).selectinload(PlanGoal.series),
        selectinload(DevelopmentPlan.events).selectinload(PlanEvent.actor),
        selectinload(DevelopmentPlan.user),
    ]


def load_plan(session: Session, plan_id: int) -> DevelopmentPlan:
    plan = session.scalar(
        select(DevelopmentPlan).where(DevelopmentPlan.id == plan_id).options(*_loads())
    )
    if plan is None:
        raise NotFound()
    return plan


def ensure_plan(session: Session, user: User) -> DevelopmentPlan:
    """The person's plan, started (as a draft) if they have none."""
    plan = plan_of(session, user)
    if plan is not None:
        return plan
    plan = DevelopmentPlan(user=user, status=PlanStatus.DRAFT)
    session.add(plan)
    session.flush()
    _log(session, plan, user, PlanEventKind.CREATED)
    return plan


def _log(
    session: Session, plan: DevelopmentPlan, actor: User, kind: PlanEventKind, message: str = ""
) -> PlanEvent:
    entry = PlanEvent(plan=plan, actor=actor, kind=kind, message=message)
    session.add(entry)
    session.flush()
    return entry


def _check_links(
    session: Session, track_id: int | None, course_id: int | None, series_id: int | None
) -> None:
    if track_id is not None:
        track = session.get(Track, track_id)
        if track is None or not track.is_published:
            raise ValidationFailed(errors={"track_id": [_("Choose one of the options.")]})
    if course_id is not None:
        course = session.get(Course, course_id)
        if course is None or not course.is_published:
            raise ValidationFailed(errors={"course_id": [_("Choose one of the options.")]})
    if series_id is not None and session.get(EventSeries, series_id) is None:
        raise ValidationFailed(errors={"series_id": [_("Choose one of the options.")]})


def _reopen(plan: DevelopmentPlan) -> None:
    """What the plan says changed: a proposed or approved plan is a draft again."""
    if plan.status in (PlanStatus.PROPOSED, PlanStatus.APPROVED):
        plan.status = PlanStatus.DRAFT
        plan.approved_at = None
        plan.approved_by_id = None


def add_goal(
    session: Session,
    plan: DevelopmentPlan,
    *,
    by: User,
    text: str,
    status: GoalStatus = GoalStatus.NOT_STARTED,
    target_on: date | None = None,
    track_id: int | None = None,
    course_id: int | None = None,
    series_id: int | None = None,
) -> PlanGoal:
    """Add a goal at the end of the plan (by the plan's person)."""
    if len(plan.goals) >= MAX_GOALS:
        raise ValidationFailed(
            errors={"text": [_("A plan holds at most %(num)d goals.", num=MAX_GOALS)]}
        )
    _check_links(session, track_id, course_id, series_id)
    goal = PlanGoal(
        text=text,
        status=status,
        target_on=target_on,
        track_id=track_id,
        course_id=course_id,
        series_id=series_id,
        position=max((g.position for g in plan.goals), default=-1) + 1,
    )
    plan.goals.append(goal)
    _reopen(plan)
    session.flush()
    _log(session, plan, by, PlanEventKind.CHANGED, text)
    return goal


def update_goal(
    session: Session,
    goal: PlanGoal,
    *,
    by: User,
    text: str,
    status: GoalStatus,
    target_on: date | None,
    track_id: int | None,
    course_id: int | None,
    series_id: int | None,
) -> PlanGoal:
    """Change a goal. A new status alone keeps the plan's approval; anything else reopens it."""
    _check_links(session, track_id, course_id, series_id)
    plan = goal.plan
    content_changed = (text, target_on, track_id, course_id, series_id) != (
        goal.text,
        goal.target_on,
        goal.track_id,
        goal.course_id,
        goal.series_id,
    )
    status_changed = status is not goal.status
    if not content_changed and not status_changed:
        return goal
    goal.text = text
    goal.status = status
    goal.target_on = target_on
    goal.track_id = track_id
    goal.course_id = course_id
    goal.series_id = series_id
    if content_changed:
        _reopen(plan)
    session.flush()
    _log(session, plan, by, PlanEventKind.CHANGED, text)
    return goal


def delete_goal(session: Session, goal: PlanGoal, *, by: User) -> None:
    plan = goal.plan
    text = goal.text
    plan.goals.remove(goal)
    _reopen(plan)
    session.flush()
    _log(session, plan, by, PlanEventKind.CHANGED, text)


def goal_of(plan: DevelopmentPlan, goal_id: int) -> PlanGoal:
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFound()
    return goal


def propose(session: Session, plan: DevelopmentPlan, *, by: User) -> None:
    """The person proposes their plan to their manager."""
    if not plan.goals:
        raise ValidationFailed(
            _("Add at least one goal before proposing the plan."),
            errors={"text": [_("Add at least one goal before proposing the plan.")]},
        )
    if plan.status is PlanStatus.PROPOSED:
        raise Conflict(_("The plan is already proposed; your manager has it."))
    if plan.status is PlanStatus.APPROVED:
        raise Conflict(_("The plan is approved; change a goal to propose it again."))
    plan.status = PlanStatus.PROPOSED
    plan.proposed_at = utcnow()
    session.flush()
    _log(session, plan, by, PlanEventKind.PROPOSED)


def comment(session: Session, plan: DevelopmentPlan, *, by: User, message: str) -> PlanEvent:
    """A comment by the person or their manager, kept in the history."""
    return _log(session, plan, by, PlanEventKind.COMMENTED, message)


def approve(session: Session, plan: DevelopmentPlan, *, by: User, message: str = "") -> None:
    """The manager approves a proposed plan."""
    if plan.user_id == by.id:
        raise Forbidden(_("You cannot approve your own plan."))
    if plan.status is not PlanStatus.PROPOSED:
        raise Conflict(_("Only a proposed plan can be approved."))
    plan.status = PlanStatus.APPROVED
    plan.approved_at = utcnow()
    plan.approved_by_id = by.id
    session.flush()
    _log(session, plan, by, PlanEventKind.APPROVED, message)
    events.record(
        session,
        actor=by,
        verb="approved",
        object_type="development_plan",
        object_id=str(plan.id),
        context={"owner": plan.user_id, "goals": len(plan.goals)},
    )


def send_back(session: Session, plan: DevelopmentPlan, *, by: User, message: str) -> None:
    """The manager returns a proposed plan to its person, saying why."""
    if plan.user_id == by.id:
        raise Forbidden(_("You cannot review your own plan."))
    if plan.status is not PlanStatus.PROPOSED:
        raise Conflict(_("Only a proposed plan can be sent back."))
    if not message.strip():
        raise ValidationFailed(errors={"message": [_("Say what should change.")]})
    plan.status = PlanStatus.RETURNED
    session.flush()
    _log(session, plan, by, PlanEventKind.RETURNED, message)


def may_review(session: Session, reach: Scope, plan: DevelopmentPlan) -> bool:
    """Managers review the plans of the staff of the libraries in their scope."""
    return in_reach(session, reach, plan.user_id)


def plans_in(reach: Scope) -> Select[DevelopmentPlan]:
    """The plans of the staff in ``reach``: proposed ones first, then by name."""
    return (
        select(DevelopmentPlan)
        .join(DevelopmentPlan.user)
        .where(DevelopmentPlan.user_id.in_(staff_in(reach)))
        .options(selectinload(DevelopmentPlan.user), selectinload(DevelopmentPlan.goals))
        .order_by((DevelopmentPlan.status != PlanStatus.PROPOSED), User.name, User.id)
    )


#: At most this many goals are suggested from the gap analysis.
MAX_SUGGESTIONS = 5


def suggestions(session: Session, user: User, *, locale: str = "en") -> list[dict[str, Any]]:
    """Goals to suggest from the person's own competence gaps, for the plan page.

    Each is ``{"competence_id", "competence", "gap", "track_id", "course_id", "series_id"}``:
    the competences with the largest gaps in the person's latest mapping
    (``lms.mapping.gaps.person_report``, newest frameworks first), each with the first track,
    course and webinar series tagged as building it (``lms.competences`` links). The page offers
    each as a ready-made goal. Without a submitted self-assessment there are none.
    """
    try:
        gaps = importlib.import_module("lms.mapping.gaps")
    except ImportError:  # the gap analysis is not part of this installation
        return []
    out: list[dict[str, Any]] = []
    for framework in gaps.frameworks_mapped(session)[:3]:
        report = gaps.person_report(session, framework, user.id)
        if not report.people:
            continue
        report = gaps.with_links(session, report, locale)
        for row in report.largest:
            refs = report.links.get(row.id, [])
            first = {ref.kind.value: ref.id for ref in reversed(refs)}
            title = row.title(locale)
            out.append(
                {
                    "competence_id": row.id,
                    "competence": title,
                    "gap": report.total(row.id).gap,
                    "track_id": _published(session, Track, first.get("track")),
                    "course_id": _published(session, Course, first.get("course")),
                    "series_id": first.get("webinar_series"),
                }
            )
            if len(out) >= MAX_SUGGESTIONS:
                return out
    return out


def _published(session: Session, model: Any, ident: int | None) -> int | None:
    """``ident`` if that track or course is published (a goal may only name those)."""
    if ident is None:
        return None
    found = session.get(model, ident)
    return ident if found is not None and found.is_published else None
