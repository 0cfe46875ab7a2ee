"""A learner's enrolment in a course version, their progress through its items, reflections."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from content.courses.models import Course, CourseVersion
    from lms.auth.models import User
    from lms.orgs.models import OrgUnit


class Enrolment(Base):
    """A person in a course. They keep ``version`` (what they started) unless moved."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrolments_user_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="RESTRICT"), index=True
    )
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Where to resume: the item last opened (an item id of the version's snapshot).
    last_item_id: Mapped[int | None]
    completed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
    progress: Mapped[list[ItemProgress]] = relationship(
        back_populates="enrolment", cascade="all, delete-orphan"
    )


class ItemProgress(Base):
    """An item done: a lesson seen, a quiz passed, a reflection written."""

    __tablename__ = "item_progress"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_id", name="uq_item_progress_enrolment_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    #: An item id of the enrolment's snapshot; no foreign key, as the draft item may be gone.
    item_id: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="progress")


class Visibility(enum.StrEnum):
    PRIVATE = "private"
    #: Readable by the staff of the writer's library: their local reflection workshop.
    LIBRARY = "library"


class Reflection(Base):
    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_id", name="uq_reflections_enrolment_item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(index=True)
    body: Mapped[str] = mapped_column(Text)  # plain text, escaped when shown
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "reflection_visibility"), default=Visibility.PRIVATE
    )
    #: The library whose staff may read a shared reflection.
    shared_with_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    shared_with: Mapped[OrgUnit | None] = relationship()
