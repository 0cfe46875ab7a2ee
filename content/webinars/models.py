"""Event series and their sessions, presenters, registrations, attendance and recordings."""

from __future__ import annotations

import enum
import secrets
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Base, enum_column, utcnow

if TYPE_CHECKING:
    from lms.assignments.models import Track
    from lms.auth.models import User
    from lms.orgs.models import OrgUnit


class SessionKind(enum.StrEnum):
    ONLINE_BBB = "online_bbb"
    ONLINE_LINK = "online_link"
    ON_SITE = "on_site"


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"


#: Statuses that hold a place: they count against the capacity.
HOLDS_PLACE = (
    RegistrationStatus.REGISTERED,
    RegistrationStatus.ATTENDED,
    RegistrationStatus.NO_SHOW,
)


def new_uid() -> str:
    return f"{uuid.uuid4()}@librarena"


def new_checkin_code() -> str:
    # Short enough to read aloud from a slide; no 0/O or 1/I to confuse.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class EventSeries(Base):
    """A webinar series or a single event; its sessions share audience and owner.

    ``owner_unit`` is where the series was created: coordinators whose scope contains it may
    change it (none: only administrators holding their role everywhere). With no ``audience``
    units and no ``audience_tracks`` it is open to everyone; otherwise it is for the people of
    those units (and everything below) and the people with an active assignment of those tracks.
    """

    __tablename__ = "webinar_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description_html: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner_unit: Mapped[OrgUnit | None] = relationship()
    organiser: Mapped[User | None] = relationship()
    audience: Mapped[list[OrgUnit]] = relationship(
        secondary="webinar_series_audience", order_by="OrgUnit.name"
    )
    audience_tracks: Mapped[list[Track]] = relationship(
        secondary="webinar_series_tracks", order_by="Track.id"
    )
    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="series", order_by="EventSession.starts_at", cascade="all, delete-orphan"
    )


class SeriesTrack(Base):
    """A track whose assigned learners (active assignments) may register for the series."""

    __tablename__ = "webinar_series_tracks"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_series.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SeriesAudience(Base):
    __tablename__ = "webinar_series_audience"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_series.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("org_units.id", ondelete="RESTRICT"), primary_key=True
    )


class EventSession(Base):
    """One meeting of a series: a webinar or a course day on site.

    Times are stored in UTC; ``timezone`` is the organiser's zone the times were entered in,
    which the calendar files name (TZID) so a calendar keeps the wall-clock time across DST.
    ``sequence`` is RFC 5545's SEQUENCE: raised on every change people were told about.
    """

    __tablename__ = "webinar_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_in_order"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_series.id", ondelete="CASCADE"), index=True
    )
    uid: Mapped[str] = mapped_column(String(100), unique=True, default=new_uid)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    capacity: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "webinar_session_kind"))
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(String(300))
    room: Mapped[str | None] = mapped_column(String(100))
    description_html: Mapped[str] = mapped_column(Text, default="")
    is_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    checkin_code: Mapped[str] = mapped_column(String(16), default=new_checkin_code)
    #: A poll of the meeting service for attendance is scheduled (see services.poll_meeting).
    meeting_polling: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the meeting service's analytics callback reported attendance: it wins over polls.
    attendance_reported_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    series: Mapped[EventSeries] = relationship(back_populates="sessions")
    presenters: Mapped[list[Presenter]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Registration.id"
    )
    recordings: Mapped[list[Recording]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Recording.id"
    )


class Presenter(Base):
    __tablename__ = "webinar_presenters"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )

    session: Mapped[EventSession] = relationship(back_populates="presenters")
    user: Mapped[User] = relationship()


class Registration(Base):
    """A person's place (or place in the queue) at a session; one row per person and session.

    The waiting list is ordered by ``waitlisted_at``: the earliest moves up first.
    """

    __tablename__ = "webinar_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", name="uq_webinar_registrations_session_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "webinar_registration_status")
    )
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    waitlisted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[EventSession] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    attendance: Mapped[list[AttendanceRecord]] = relationship(
        back_populates="registration",
        cascade="all, delete-orphan",
        order_by="AttendanceRecord.joined_at",
    )

    @property
    def minutes_present(self) -> int:
        return sum(record.minutes for record in self.attendance)


class AttendanceSource(enum.StrEnum):
    MANUAL = "manual"
    CHECK_IN = "check_in"
    MEETING = "meeting"


class AttendanceRecord(Base):
    """A stretch of presence: from joining to leaving, in whole minutes."""

    __tablename__ = "webinar_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_registrations.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[AttendanceSource] = mapped_column(
        enum_column(AttendanceSource, "webinar_attendance_source")
    )

    registration: Mapped[Registration] = relationship(back_populates="attendance")


class Recording(Base):
    __tablename__ = "webinar_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("webinar_sessions.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(500))
    is_published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session: Mapped[EventSession] = relationship(back_populates="recordings")


class CalendarFeed(Base):
    """A person's private iCalendar feed: only the SHA-256 of its token is kept."""

    __tablename__ = "webinar_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
