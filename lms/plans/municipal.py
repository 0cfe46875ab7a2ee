"""A municipality's development plan: goals, actions and what they build on.

Written by the coordinators whose reach covers the municipality, read by the managers of its
libraries (and by the people an action names as responsible). Goals and actions point at the
SWOT items they answer, the competences whose gaps they close, and the courses, webinar series
and tracks that serve them (:class:`MunicipalLink`, loosely by kind and id, so a plan outlives a
removed course instead of blocking its removal).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.orgs.models import OrgUnit
    from lms.swot.models import SwotWorkshop


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ADOPTED = "adopted"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class ActionStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class LinkKind(enum.StrEnum):
    SWOT_ITEM = "swot_item"
    SWOT_GROUP = "swot_group"
    COMPETENCE = "competence"
    COURSE = "course"
    WEBINAR_SERIES = "webinar_series"
    TRACK = "track"


class MunicipalPlan(Base):
    __tablename__ = "municipal_plans"
    __table_args__ = (
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "municipal_plan_status"), default=PlanStatus.DRAFT
    )
    #: Sanitised on write (``content.sanitize``); safe to render as is.
    summary_html: Mapped[str] = mapped_column(Text, default="")
    summary_source: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("swot_workshops.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    municipality: Mapped[OrgUnit] = relationship()
    workshop: Mapped[SwotWorkshop | None] = relationship()
    goals: Mapped[list[MunicipalGoal]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(MunicipalGoal.position, MunicipalGoal.id)",
    )


class MunicipalGoal(Base):
    __tablename__ = "municipal_plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("municipal_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[MunicipalPlan] = relationship(back_populates="goals")
    actions: Mapped[list[MunicipalAction]] = relationship(
        back_populates="goal",
        cascade="all, delete-orphan",
        order_by="(MunicipalAction.due_on, MunicipalAction.id)",
    )
    links: Mapped[list[MunicipalLink]] = relationship(
        cascade="all, delete-orphan",
        primaryjoin="MunicipalLink.goal_id == MunicipalGoal.id",
        order_by="(MunicipalLink.kind, MunicipalLink.target_id)",
    )


class MunicipalAction(Base):
    """Something to do for a goal: who is responsible, when, and how far it has come."""

    __tablename__ = "municipal_plan_actions"
    __table_args__ = (
        CheckConstraint(
            "starts_on IS NULL OR due_on IS NULL OR due_on >= starts_on", name="dates_in_order"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        ForeignKey("municipal_plan_goals.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    starts_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, "municipal_action_status"), default=ActionStatus.PLANNED
    )

    goal: Mapped[MunicipalGoal] = relationship(back_populates="actions")
    responsible: Mapped[User | None] = relationship()
    links: Mapped[list[MunicipalLink]] = relationship(
        cascade="all, delete-orphan",
        primaryjoin="MunicipalLink.action_id == MunicipalAction.id",
        order_by="(MunicipalLink.kind, MunicipalLink.target_id)",
    )


class MunicipalLink(Base):
    """A goal's or an action's link to what it builds on, by kind and id."""

    __tablename__ = "municipal_plan_links"
    __table_args__ = (
        CheckConstraint("(goal_id IS NULL) <> (action_id IS NULL)", name="goal_or_action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipal_plan_goals.id", ondelete="CASCADE"), index=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipal_plan_actions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[LinkKind] = mapped_column(enum_column(LinkKind, "municipal_plan_link_kind"))
    target_id: Mapped[int]
