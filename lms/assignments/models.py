"""Tracks (ordered learning paths), their steps, and the assignments managers make of them.

Public API for other packages (reporting, competences, swot, plans)
---------------------------------------------------------------------

Tables (link to a track by ``Track.id``; it never changes):

- :class:`Track` — ``translations`` (title, description per locale; ``track.translation(loc)``
  falls back to ``fallback_locale``), ordered ``steps``, ``is_ordered`` (steps in order or any
  order), ``effort_hours``, ``audience`` (job titles, :class:`TrackAudience`), ``is_published``,
  ``owner_unit_id`` (where it was made: coordinators whose scope contains it may edit it).
- :class:`TrackStep` — ``kind`` (:class:`StepKind`: course / module / event_series /
  reflection), ``is_required``, and the one target its kind names: ``course_id``,
  ``module_id`` (+ ``course_id`` of its course), ``series_id``; a reflection has ``prompt``
  ``{locale: text}``.
- :class:`AssignmentRule` — a group assignment: a unit (library or municipality, and every
  library under it) and an optional job title. People who join later get it too.
- :class:`Assignment` — one person, one track: ``user_id``, ``track_id``, ``due_on``,
  ``status`` (:class:`AssignmentStatus`: active / withdrawn), ``rule_id`` when it came from a
  rule, ``reminders_enabled``, ``assigned_at``. ``started_at``/``completed_at`` only record when
  the start and completion were *noticed* (for the xAPI statements); they are NOT the source
  of progress — use the services below.
- :class:`StepReflection` — a learner's answer to a reflection step (per step and person).

Services (``lms.assignments.services``):

- ``progress_for(session, assignments, *, today=None) -> dict[int, AssignmentProgress]`` —
  progress of many assignments in bulk, keyed by assignment id, with a fixed number of queries
  whatever their number (about 6). ``AssignmentProgress`` has ``state``
  (:class:`ProgressState`: ``not_started`` / ``on_time`` / ``overdue`` / ``done``),
  ``steps`` (a :class:`StepProgress` per step: ``step_id``, ``done``, ``started``),
  ``required_done``, ``required_total``, ``percent``, ``next_step_id`` and ``is_started``.
  Progress is derived from enrolments / item progress (content.progress), webinar attendance
  (content.webinars) and reflections; what was done before the assignment counts.
- ``active_in(reach) -> Select[Assignment]`` — active assignments of the staff of the
  libraries in a :class:`lms.auth.permissions.Scope`.
- ``state_counts(session, assignments)`` — ``{ProgressState: n}`` over a list.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.courses.models import pick
from lms.db import Base, enum_column, utcnow
from lms.orgs.models import JobTitle

if TYPE_CHECKING:
    from content.courses.models import Course, Module
    from content.webinars.models import EventSeries
    from lms.auth.models import User
    from lms.orgs.models import OrgUnit


class StepKind(enum.StrEnum):
    COURSE = "course"
    MODULE = "module"
    EVENT_SERIES = "event_series"
    REFLECTION = "reflection"


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class ProgressState(enum.StrEnum):
    """Where an assignment stands; derived, never stored."""

    NOT_STARTED = "not_started"
    ON_TIME = "on_time"
    OVERDUE = "overdue"
    DONE = "done"


class Track(Base):
    __tablename__ = "tracks"
    __table_args__ = (CheckConstraint("effort_hours >= 0", name="effort_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A stable name for demo data and imports; optional.
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    fallback_locale: Mapped[str] = mapped_column(String(8), default="en")
    is_ordered: Mapped[bool] = mapped_column(default=False)
    effort_hours: Mapped[int] = mapped_column(default=0)
    is_published: Mapped[bool] = mapped_column(default=False)
    owner_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner_unit: Mapped[OrgUnit | None] = relationship()
    translations: Mapped[list[TrackTranslation]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="TrackTranslation.locale"
    )
    steps: Mapped[list[TrackStep]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="TrackStep.position"
    )
    audience: Mapped[list[TrackAudience]] = relationship(
        back_populates="track", cascade="all, delete-orphan", order_by="TrackAudience.job_title"
    )

    def __repr__(self) -> str:
        return f"<Track {self.id}>"

    def translation(self, locale: str) -> TrackTranslation:
        return pick(self.translations, locale, self.fallback_locale)

    def title(self, locale: str) -> str:
        try:
            return self.translation(locale).title
        except LookupError:
            return f"#{self.id}"

    @property
    def job_titles(self) -> list[JobTitle]:
        return [a.job_title for a in self.audience]


class TrackTranslation(Base):
    __tablename__ = "track_translations"
    __table_args__ = (UniqueConstraint("track_id", "locale", name="uq_track_translations_locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    #: Plain text, escaped when shown.
    description: Mapped[str] = mapped_column(Text, default="")

    track: Mapped[Track] = relationship(back_populates="translations")


class TrackAudience(Base):
    """A job title the track is meant for; none at all: everyone."""

    __tablename__ = "track_audience"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    job_title: Mapped[JobTitle] = mapped_column(
        enum_column(JobTitle, "job_title"), primary_key=True
    )

    track: Mapped[Track] = relationship(back_populates="audience")


class TrackStep(Base):
    """One step of a track; ``kind`` says which of the target columns it uses."""

    __tablename__ = "track_steps"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'course' AND course_id IS NOT NULL)"
            " OR (kind = 'module' AND module_id IS NOT NULL AND course_id IS NOT NULL)"
            " OR (kind = 'event_series' AND series_id IS NOT NULL)"
            " OR kind = 'reflection'",
            name="target_by_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "track_step_kind"))
    is_required: Mapped[bool] = mapped_column(default=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="RESTRICT"), index=True
    )
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("webinar_series.id", ondelete="RESTRICT"), index=True
    )
    #: A reflection step's title and prompt: ``{locale: {"title": …, "prompt": …}}``.
    prompt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    track: Mapped[Track] = relationship(back_populates="steps")
    course: Mapped[Course | None] = relationship()
    module: Mapped[Module | None] = relationship()
    series: Mapped[EventSeries | None] = relationship()

    def prompt_text(self, locale: str, key: str) -> str:
        """The reflection's ``key`` ("title"/"prompt") in ``locale``, else a fallback."""
        texts = self.prompt or {}
        for loc in (locale, self.track.fallback_locale, *texts):
            value = (texts.get(loc) or {}).get(key)
            if value:
                return str(value)
        return ""


class AssignmentRule(Base):
    """A group assignment: everyone (with ``job_title``, if set) on the staff under ``unit``."""

    __tablename__ = "assignment_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    job_title: Mapped[JobTitle | None] = mapped_column(enum_column(JobTitle, "job_title"))
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    track: Mapped[Track] = relationship()
    unit: Mapped[OrgUnit] = relationship()
    created_by: Mapped[User | None] = relationship()


class Assignment(Base):
    """A track assigned to one person. At most one active assignment per person and track."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_active_user_track",
            "user_id",
            "track_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment_rules.id", ondelete="SET NULL"), index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ACTIVE
    )
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    #: When a start / the completion was first noticed (for xAPI); progress is derived.
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    last_reminded_at: Mapped[datetime | None]

    track: Mapped[Track] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    rule: Mapped[AssignmentRule | None] = relationship()


class StepReflection(Base):
    """A learner's answer to a reflection step (plain text, escaped when shown)."""

    __tablename__ = "track_step_reflections"
    __table_args__ = (
        UniqueConstraint("step_id", "user_id", name="uq_track_step_reflections_step_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("track_steps.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    step: Mapped[TrackStep] = relationship()
