"""Individual development plans: a person's goals, reviewed by their manager.

A person has one plan (:class:`DevelopmentPlan`). Its goals (:class:`PlanGoal`) are free text
with an optional track, course and webinar series, a status and a target date. The person
proposes the plan; a manager whose scope holds one of the person's libraries comments on it,
approves it or sends it back. Every step is kept in :class:`PlanEvent`, an append-only log both
sides read as the plan's history. (Municipality plans live in ``municipal*.py`` beside this.)
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from content.courses.models import Course
    from content.webinars.models import EventSeries
    from lms.assignments.models import Track
    from lms.auth.models import User


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    RETURNED = "returned"


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class PlanEventKind(enum.StrEnum):
    CREATED = "created"
    PROPOSED = "proposed"
    COMMENTED = "commented"
    APPROVED = "approved"
    RETURNED = "returned"
    CHANGED = "changed"


class DevelopmentPlan(Base):
    __tablename__ = "development_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "development_plan_status"), default=PlanStatus.DRAFT
    )
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.position"
    )
    events: Mapped[list[PlanEvent]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanEvent.id"
    )


class PlanGoal(Base):
    __tablename__ = "development_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: Plain text, escaped when shown.
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[GoalStatus] = mapped_column(
        enum_column(GoalStatus, "plan_goal_status"), default=GoalStatus.NOT_STARTED
    )
    target_on: Mapped[date | None] = mapped_column(Date)
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("webinar_series.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="goals")
    track: Mapped[Track | None] = relationship()
    course: Mapped[Course | None] = relationship()
    series: Mapped[EventSeries | None] = relationship()


class PlanEvent(Base):
    """One entry of a plan's history; rows are only ever added."""

    __tablename__ = "development_plan_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("development_plans.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[PlanEventKind] = mapped_column(
        enum_column(PlanEventKind, "development_plan_event_kind")
    )
    #: A comment, or the text of the goal that was added, changed or removed (kept in the
    #: writer's words, never translated at write time).
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
