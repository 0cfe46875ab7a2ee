"""SWOT workshops: a municipality's board of strengths, weaknesses, opportunities and threats.

The KUB SWOT day (see the seeds) looks at three levels — *omvärld* (laws, policy, technology
shifts), *närvärld* (the municipality: population, labour market, library plan) and *invärld*
(the library itself) — from three perspectives: new challenges, new and old target groups, and
new opportunities. Every item sits in one quadrant, at one level, from one perspective.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.orgs.models import OrgUnit


class Quadrant(enum.StrEnum):
    STRENGTH = "strength"
    WEAKNESS = "weakness"
    OPPORTUNITY = "opportunity"
    THREAT = "threat"


class Level(enum.StrEnum):
    OUTER = "outer"  # omvärld
    NEAR = "near"  # närvärld
    INNER = "inner"  # invärld


class Perspective(enum.StrEnum):
    CHALLENGES = "challenges"
    TARGET_GROUPS = "target_groups"
    OPPORTUNITIES = "opportunities"


class BoardStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


#: Priorities a facilitator gives: 1 is the most important.
PRIORITIES = (1, 2, 3)


class SwotWorkshop(Base):
    """A SWOT day for one municipality.

    Everyone on the staff of the municipality's libraries takes part, and so do the people
    invited by name (``participants``). Facilitators group and prioritise the items, and open
    and close the board; so may the coordinators whose reach covers the municipality.
    """

    __tablename__ = "swot_workshops"
    __table_args__ = (CheckConstraint("votes_per_person >= 0", name="votes_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    #: Sanitised on write (``content.sanitize``); safe to render as is.
    preparation_html: Mapped[str] = mapped_column(Text, default="")
    #: What the coordinator typed, kept so the form shows it again.
    preparation_source: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BoardStatus] = mapped_column(
        enum_column(BoardStatus, "swot_board_status"), default=BoardStatus.OPEN
    )
    votes_per_person: Mapped[int] = mapped_column(default=3)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    #: When the facilitators last sent participants the invitation with the preparation text.
    invited_at: Mapped[datetime | None]

    municipality: Mapped[OrgUnit] = relationship()
    facilitators: Mapped[list[User]] = relationship(
        secondary="swot_facilitators", order_by="User.name"
    )
    participants: Mapped[list[User]] = relationship(
        secondary="swot_participants", order_by="User.name"
    )
    items: Mapped[list[SwotItem]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="SwotItem.id"
    )
    groups: Mapped[list[SwotGroup]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="SwotGroup.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status is BoardStatus.OPEN


class SwotFacilitator(Base):
    __tablename__ = "swot_facilitators"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("swot_workshops.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SwotParticipant(Base):
    """Someone invited by name (the municipality's own staff take part without this)."""

    __tablename__ = "swot_participants"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("swot_workshops.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SwotGroup(Base):
    """A facilitator's cluster of items within one quadrant, with a priority."""

    __tablename__ = "swot_groups"
    __table_args__ = (
        UniqueConstraint("workshop_id", "quadrant", "name", name="uq_swot_groups_name"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("swot_workshops.id", ondelete="CASCADE"), index=True
    )
    quadrant: Mapped[Quadrant] = mapped_column(enum_column(Quadrant, "swot_quadrant"))
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int | None]

    workshop: Mapped[SwotWorkshop] = relationship(back_populates="groups")
    items: Mapped[list[SwotItem]] = relationship(back_populates="group", order_by="SwotItem.id")


class SwotItem(Base):
    """One note on the board. Its author may change it while the board is open."""

    __tablename__ = "swot_items"
    __table_args__ = (CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("swot_workshops.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(String(500))
    quadrant: Mapped[Quadrant] = mapped_column(enum_column(Quadrant, "swot_quadrant"))
    level: Mapped[Level] = mapped_column(enum_column(Level, "swot_level"))
    perspective: Mapped[Perspective] = mapped_column(enum_column(Perspective, "swot_perspective"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("swot_groups.id", ondelete="SET NULL"), index=True
    )
    priority: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    workshop: Mapped[SwotWorkshop] = relationship(back_populates="items")
    group: Mapped[SwotGroup | None] = relationship(back_populates="items")
    votes: Mapped[list[SwotVote]] = relationship(cascade="all, delete-orphan")


class SwotVote(Base):
    """A participant's dot on an item (dot-voting): one per item and person."""

    __tablename__ = "swot_votes"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("swot_items.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
