"""The mapping tables: rounds, the people in them, and their ratings.

A *round* maps the competences of one framework for the staff of some units of a programme.
When it opens (and whenever its units change while it is open) everyone on the staff of a
library inside those units becomes a *participant*: the library and job title are kept as they
were then, so a later move does not rewrite history and gap figures stay reproducible.

A participant's answers are :class:`Rating` rows of two kinds kept apart: ``self`` (their own
self-assessment) and ``validated`` (their manager's). ``level`` is the answer on the round's
scale (``None`` means "don't know"); ``score`` is the same answer on the framework's scale, so
rounds on the 1–7 self-efficacy scale and rounds on the framework's own scale compare in one
gap analysis (see :mod:`lms.mapping.gaps`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow
from lms.orgs.models import JobTitle

if TYPE_CHECKING:
    from lms.auth.models import User
    from lms.competences.models import Framework
    from lms.orgs.models import OrgUnit, Programme


class RoundScale(enum.StrEnum):
    FRAMEWORK = "framework"  # the framework's own proficiency scale
    SELF_EFFICACY = "self_efficacy"  # 1 (very uncertain) … 7 (very confident)


class RatingKind(enum.StrEnum):
    SELF = "self"
    VALIDATED = "validated"


class MappingRound(Base):
    """A competence-mapping round (e.g. "Spring 2026 mapping") over some units of a programme."""

    __tablename__ = "mapping_rounds"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competence_frameworks.id", ondelete="RESTRICT"), index=True
    )
    scale: Mapped[RoundScale] = mapped_column(enum_column(RoundScale, "mapping_round_scale"))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship()
    framework: Mapped[Framework] = relationship()
    units: Mapped[list[OrgUnit]] = relationship(
        secondary="mapping_round_units", order_by="OrgUnit.path"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="round", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<MappingRound {self.id} {self.name!r}>"

    def is_open(self, today: date) -> bool:
        """Answers are taken from the opening day to the closing day, until it is closed."""
        return self.closed_at is None and self.opens_on <= today <= self.closes_on


class MappingRoundUnit(Base):
    __tablename__ = "mapping_round_units"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("mapping_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), primary_key=True
    )


class Participant(Base):
    """A staff member in a round's scope, with their library and job title at the time."""

    __tablename__ = "mapping_participants"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id", name="uq_mapping_participants_round_user"),
        Index("ix_mapping_participants_user_submitted", "user_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("mapping_rounds.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    library_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    # The library's path, kept here so "everyone under this unit" needs no join.
    unit_path: Mapped[str] = mapped_column(String(255), index=True)
    job_title: Mapped[JobTitle] = mapped_column(enum_column(JobTitle, "job_title"))
    started_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    # True for the person's most recent submitted participation in rounds of this framework:
    # the gap analysis reads only these, without a "latest per person" subquery over all rounds.
    is_latest: Mapped[bool] = mapped_column(default=False)

    round: Mapped[MappingRound] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()
    library: Mapped[OrgUnit] = relationship()
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", passive_deletes=True
    )


class Rating(Base):
    """One answer for one competence: the person's own, or their manager's validated one."""

    __tablename__ = "mapping_ratings"
    __table_args__ = (
        UniqueConstraint(
            "participant_id", "competence_id", "kind", name="uq_mapping_ratings_participant"
        ),
        # Covers the gap analysis's join: no table lookups for 400,000 ratings.
        Index("ix_mapping_ratings_lookup", "participant_id", "kind", "competence_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("mapping_participants.id", ondelete="CASCADE")
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RatingKind] = mapped_column(enum_column(RatingKind, "mapping_rating_kind"))
    level: Mapped[int | None]  # on the round's scale; None = "don't know"
    score: Mapped[float | None] = mapped_column(Float)  # on the framework's scale
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="ratings")
    rated_by: Mapped[User | None] = relationship()


class MappingLevel(Base):
    """A person's current mapped level in a competence: derived, kept for the gap analysis.

    One row per person and competence, rebuilt from their latest submitted self-assessment of
    the framework whenever it is submitted or their manager rates it: the validated rating when
    there is one, else their own; "don't know" gives no row. The ratings themselves stay as
    given; this table only saves the gap analysis a join and a "latest per person" search over
    every round. Its index is in the order the analysis groups by (library path, competence, job
    title), so SQLite reads a subtree's rows as one range and adds them up without sorting.
    """

    __tablename__ = "mapping_levels"
    __table_args__ = (
        Index(
            "ix_mapping_levels_report",
            "framework_id",
            "unit_path",
            "competence_id",
            "job_title",
            "score",
        ),
        Index("ix_mapping_levels_library_id", "library_id"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), primary_key=True
    )
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competence_frameworks.id", ondelete="CASCADE")
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("mapping_participants.id", ondelete="CASCADE"), index=True
    )
    library_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"))
    unit_path: Mapped[str] = mapped_column(String(255))
    job_title: Mapped[JobTitle] = mapped_column(enum_column(JobTitle, "job_title"))
    score: Mapped[float] = mapped_column(Float)
    is_validated: Mapped[bool] = mapped_column(default=False)


class MappingTally(Base):
    """How many people in one unit (a library, and also every municipality and region above
    it) with one job title are mapped in one competence, and the sum of their levels:
    :class:`MappingLevel` added up, kept in step with it on every write.

    A gap page reads its child units' rows (children × job titles × competences), not one row
    per person or per library, so its cost follows the shape of the organisation, not the
    number of people mapped in it.
    """

    __tablename__ = "mapping_tallies"

    framework_id: Mapped[int] = mapped_column(
        ForeignKey("competence_frameworks.id", ondelete="CASCADE"), primary_key=True
    )
    unit_path: Mapped[str] = mapped_column(String(255), primary_key=True)
    competence_id: Mapped[int] = mapped_column(
        ForeignKey("competence_nodes.id", ondelete="CASCADE"), primary_key=True
    )
    job_title: Mapped[JobTitle] = mapped_column(
        enum_column(JobTitle, "job_title"), primary_key=True
    )
    people: Mapped[int] = mapped_column(default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
