"""Scheduling, registration, waiting lists, attendance and calendar feeds.

Services take the session, flush and never commit; the views commit once. People are told
about every change that concerns them by e-mail, in their own language, through the outbox.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from flask import Flask, current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, object_session

from content import sanitize
from content.webinars import bbb, ical
from content.webinars.models import (
    HOLDS_PLACE,
    AttendanceRecord,
    AttendanceSource,
    CalendarFeed,
    EventSeries,
    EventSession,
    Presenter,
    Recording,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from lms.assignments.models import Assignment, AssignmentStatus, Track
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.config import COUNTRY_LOCALE, LOCALES
from lms.db import outside_transaction, utcnow
from lms.errors import Conflict, Forbidden, ValidationFailed
from lms.i18n import timezone_for, user_country
from lms.mail import queue_mail
from lms.orgs.models import Membership, OrgUnit
from lms.outbox.services import enqueue
from lms.xapi import events

#: How a session's start reads ("onsdag 2 december 2026, 13:00"): the zone is named beside it,
#: so Babel's "full" form (seconds and "centraleuropeisk normaltid") only adds noise.
WHEN_FORMAT = "EEEE d MMMM y, HH:mm"

# Time zones


def local_to_utc(
    day: date, clock: time, zone_name: str, *, fold: int | None, field: str
) -> datetime:
    """The UTC instant of a wall-clock time in ``zone_name``, or a clear refusal.

    A time in the spring-forward gap does not exist: converting it to UTC and back gives a
    different wall-clock time. A time in the autumn overlap happens twice (the two folds have
    different offsets): the organiser has to say which, or we would guess.
    """
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(errors={"timezone": [_("Choose a time zone.")]}) from exc
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    back = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != naive:
        raise ValidationFailed(
            errors={
                field: [
                    _(
                        "%(time)s does not exist on %(date)s in %(zone)s: the clocks are put "
                        "forward that night. Choose another time.",
                        time=clock.strftime("%H:%M"),
                        date=day.isoformat(),
                        zone=zone_name,
                    )
                ]
            }
        )
    if first.utcoffset() != second.utcoffset():
        if fold is None:
            raise ValidationFailed(
                errors={
                    f"{field}_fold": [
                        _(
                            "%(time)s happens twice on %(date)s in %(zone)s, because the clocks "
                            "are put back that night. Say whether you mean the first time "
                            "(summer time, UTC%(first)s) or the second (standard time, "
                            "UTC%(second)s).",
                            time=clock.strftime("%H:%M"),
                            date=day.isoformat(),
                            zone=zone_name,
                            first=_offset(first),
                            second=_offset(second),
                        )
                    ]
                }
            )
        return (second if fold else first).astimezone(UTC)
    return first.astimezone(UTC)


def _offset(value: datetime) -> str:
    offset = value.utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Who is who


def locale_of(user: User) -> str:
    """The language to write to someone in: their choice, else their country's, else ours."""
    if user.locale in LOCALES:
        return str(user.locale)
    country = user_country(user)
    if country in COUNTRY_LOCALE:
        return COUNTRY_LOCALE[country]
    return str(current_app.config["DEFAULT_LOCALE"])


def units_of(user: User) -> list[OrgUnit]:
    """The libraries someone works at and the units they hold roles in."""
    units = [m.library for m in user.memberships]
    units += [a.unit for a in user.roles if a.unit is not None]
    return units


def assigned_tracks(session: Session, user: User) -> set[int]:
    """The tracks ``user`` has an active assignment of."""
    if not user.is_authenticated:
        return set()
    return set(
        session.scalars(
            select(Assignment.track_id).where(
                Assignment.user_id == user.id, Assignment.status == AssignmentStatus.ACTIVE
            )
        )
    )


def in_audience(series: EventSeries, user: User, *, tracks: set[int] | None = None) -> bool:
    """Open series admit everyone; otherwise people of an audience unit or below it, and people
    with an active assignment of an audience track (``tracks``: theirs, when already known)."""
    if not series.audience and not series.audience_tracks:
        return True
    if any(
        unit.path.startswith(target.path) for unit in units_of(user) for target in series.audience
    ):
        return True
    if not series.audience_tracks:
        return False
    if tracks is None:
        session = object_session(series)
        tracks = assigned_tracks(session, user) if session is not None else set()
    return any(track.id in tracks for track in series.audience_tracks)


def may_manage(reach: Scope, series: EventSeries) -> bool:
    """Administrators everywhere manage every series; others those of units in their scope."""
    if reach.everywhere:
        return True
    return series.owner_unit is not None and reach.contains(series.owner_unit)


# Series


def _clean(text: str | None) -> str:
    return sanitize.markdown_to_html(text or "")


def create_series(
    session: Session,
    *,
    title: str,
    description: str | None,
    owner_unit: OrgUnit | None,
    organiser: User | None,
    audience: Sequence[OrgUnit] = (),
    tracks: Sequence[Track] = (),
) -> EventSeries:
    """A new series (or single event) owned by ``owner_unit``."""
    series = EventSeries(
        title=title,
        description_html=_clean(description),
        owner_unit=owner_unit,
        organiser=organiser,
        audience=list(audience),
        audience_tracks=list(tracks),
    )
    session.add(series)
    session.flush()
    return series


def update_series(
    session: Session,
    series: EventSeries,
    *,
    title: str,
    description: str | None,
    audience: Sequence[OrgUnit],
    tracks: Sequence[Track] = (),
) -> None:
    series.title = title
    series.description_html = _clean(description)
    series.audience = list(audience)
    series.audience_tracks = list(tracks)
    session.flush()


# Sessions


@dataclass
class SessionInput:
    """What a session form gives, already in UTC."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    language: str
    capacity: int
    kind: SessionKind
    meeting_url: str | None = None
    address: str | None = None
    room: str | None = None
    description: str | None = None
    presenters: Sequence[User] = ()


def _check(data: SessionInput, *, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if data.ends_at <= data.starts_at:
        errors["ends"] = [_("The session has to end after it starts.")]
    if data.starts_at <= now:
        errors["starts"] = [_("This time has already passed. Choose a time in the future.")]
    if data.capacity < 1:
        errors["capacity"] = [_("There has to be room for at least one person.")]
    if data.kind is SessionKind.ONLINE_LINK and not data.meeting_url:
        errors["meeting_url"] = [_("Give the link to the meeting.")]
    if data.kind is SessionKind.ON_SITE and not data.address:
        errors["address"] = [_("Give the address where the session takes place.")]
    if errors:
        raise ValidationFailed(errors=errors)


def _apply(ev: EventSession, data: SessionInput) -> None:
    ev.title = data.title
    ev.starts_at = data.starts_at
    ev.ends_at = data.ends_at
    ev.timezone = data.timezone
    ev.language = data.language
    ev.capacity = data.capacity
    ev.kind = data.kind
    ev.meeting_url = data.meeting_url if data.kind is SessionKind.ONLINE_LINK else None
    ev.address = data.address if data.kind is SessionKind.ON_SITE else None
    ev.room = data.room if data.kind is SessionKind.ON_SITE else None
    ev.description_html = _clean(data.description)
    wanted = {u.id for u in data.presenters}
    ev.presenters = [p for p in ev.presenters if p.user_id in wanted]
    have = {p.user_id for p in ev.presenters}
    ev.presenters += [Presenter(user=u) for u in data.presenters if u.id not in have]


def add_session(
    session: Session, series: EventSeries, data: SessionInput, *, now: datetime | None = None
) -> EventSession:
    """A new session of ``series``; refused if it is in the past or ends before it starts."""
    _check(data, now=now or utcnow())
    ev = EventSession(series=series, sequence=0, is_cancelled=False)
    _apply(ev, data)
    session.add(ev)
    session.flush()
    return ev


def places_taken(session: Session, ev: EventSession) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(Registration.session_id == ev.id, Registration.status.in_(HOLDS_PLACE))
        )
        or 0
    )


def lock(session: Session, session_id: int) -> None:
    """Hold the session row until commit, so places are counted and taken by one at a time.

    PostgreSQL: SELECT … FOR UPDATE. SQLite has no row locks; a write takes the database's
    one write lock instead, which serialises the transactions the same way (a view that races
    calls this first in a fresh transaction, so its snapshot is not older than the lock).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(EventSession.id).where(EventSession.id == session_id).with_for_update()
        )
    else:
        session.execute(
            update(EventSession)
            .where(EventSession.id == session_id)
            .values(sequence=EventSession.sequence, updated_at=EventSession.updated_at)
            .execution_options(synchronize_session=False)
        )


def update_session(
    session: Session, ev: EventSession, data: SessionInput, *, now: datetime | None = None
) -> None:
    """Change a session and tell everyone registered or waiting (SEQUENCE goes up)."""
    if ev.is_cancelled:
        raise Conflict(_("This session is cancelled and cannot be changed."))
    _check(data, now=now or utcnow())
    lock(session, ev.id)
    taken = places_taken(session, ev)
    if data.capacity < taken:
        raise ValidationFailed(
            errors={
                "capacity": [
                    ngettext(
                        "%(num)d person is already registered; the capacity cannot be lower.",
                        "%(num)d people are already registered; the capacity cannot be lower.",
                        taken,
                    )
                ]
            }
        )
    moved = data.starts_at != ev.starts_at
    _apply(ev, data)
    ev.sequence += 1
    session.flush()
    for reg in ev.registrations:
        if reg.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED):
            _tell(session, reg, "webinar_changed", method="REQUEST")
        if moved and reg.status is RegistrationStatus.REGISTERED:
            schedule_reminder(session, reg)
    _promote(session, ev)


def cancel_session(session: Session, ev: EventSession) -> None:
    """Cancel a session: everyone registered or waiting gets a METHOD:CANCEL invitation."""
    if ev.is_cancelled:
        raise Conflict(_("This session is already cancelled."))
    ev.is_cancelled = True
    ev.sequence += 1
    session.flush()
    for reg in ev.registrations:
        if reg.status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED):
            _tell(session, reg, "webinar_cancelled", method="CANCEL")


# Registration


def register(
    session: Session,
    ev: EventSession,
    user: User,
    *,
    by: User | None = None,
    now: datetime | None = None,
) -> Registration:
    """Give ``user`` a place, or a place in the queue when the session is full."""
    now = now or utcnow()
    if ev.is_cancelled:
        raise Conflict(_("This session is cancelled."))
    if ev.starts_at <= now:
        raise Conflict(_("This session has already started; registration is closed."))
    if not in_audience(ev.series, user):
        raise Forbidden(_("This session is for the staff of other organisations."))
    lock(session, ev.id)
    reg = session.scalar(
        select(Registration).where(
            Registration.session_id == ev.id, Registration.user_id == user.id
        )
    )
    if reg is not None and reg.status is not RegistrationStatus.CANCELLED:
        raise Conflict(
            _("%(name)s is already on the waiting list.", name=user.name)
            if reg.status is RegistrationStatus.WAITLISTED
            else _("%(name)s is already registered.", name=user.name)
        )
    full = places_taken(session, ev) >= ev.capacity
    if reg is None:
        reg = Registration(session=ev, user=user)
        session.add(reg)
    reg.registered_by = by if by is not None and by.id != user.id else None
    reg.status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
    reg.waitlisted_at = now if full else None
    session.flush()
    if full:
        _tell(session, reg, "webinar_waitlisted", method=None)
    else:
        _tell(session, reg, "webinar_registered", method="REQUEST")
        _event(session, reg, "registered")
        schedule_reminder(session, reg)
    return reg


def cancel_registration(
    session: Session, reg: Registration, *, now: datetime | None = None
) -> None:
    """Give up a place (or a place in the queue); the first in the queue moves up."""
    if reg.status not in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED):
        raise Conflict(_("There is no registration to cancel."))
    ev = reg.session
    if ev.starts_at <= (now or utcnow()):
        raise Conflict(_("This session has already started."))
    lock(session, ev.id)
    held = reg.status is RegistrationStatus.REGISTERED
    reg.status = RegistrationStatus.CANCELLED
    reg.waitlisted_at = None
    session.flush()
    if held:
        _tell(session, reg, "webinar_unregistered", method="CANCEL")
        _event(session, reg, "unregistered")
    _promote(session, ev)


def _promote(session: Session, ev: EventSession) -> None:
    """Move people up from the waiting list, first come first served, while places are free."""
    free = ev.capacity - places_taken(session, ev)
    if free <= 0 or ev.is_cancelled:
        return
    queue = session.scalars(
        select(Registration)
        .where(
            Registration.session_id == ev.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
        .limit(free)
    )
    for reg in list(queue):
        reg.status = RegistrationStatus.REGISTERED
        reg.waitlisted_at = None
        session.flush()
        _tell(session, reg, "webinar_promoted", method="REQUEST")
        _event(session, reg, "registered")
        schedule_reminder(session, reg)


def mark_attendance(
    session: Session, reg: Registration, *, attended: bool, minutes: int | None = None
) -> None:
    """Mark by hand whether someone came (on-site days, or a meeting without data)."""
    if reg.status not in (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.ATTENDED,
        RegistrationStatus.NO_SHOW,
    ):
        raise Conflict(_("Only people with a place can be marked present or absent."))
    ev = reg.session
    was = reg.status
    if not attended:
        reg.status = RegistrationStatus.NO_SHOW
        reg.attendance = [r for r in reg.attendance if r.source is not AttendanceSource.MANUAL]
        session.flush()
        return
    length = int((ev.ends_at - ev.starts_at).total_seconds() // 60)
    minutes = length if minutes is None else max(0, min(minutes, length))
    reg.status = RegistrationStatus.ATTENDED
    reg.attendance = [r for r in reg.attendance if r.source is not AttendanceSource.MANUAL]
    reg.attendance.append(
        AttendanceRecord(
            joined_at=ev.starts_at,
            left_at=ev.starts_at + timedelta(minutes=minutes),
            minutes=minutes,
            source=AttendanceSource.MANUAL,
        )
    )
    session.flush()
    if was is not RegistrationStatus.ATTENDED:
        _event(session, reg, "attended", duration=minutes)


# Joining the meeting


def may_join(
    session: Session,
    ev: EventSession,
    user: User,
    *,
    organiser: bool,
    minutes_before: int,
    now: datetime | None = None,
) -> tuple[bool, Registration | None]:
    """Whether ``user`` may enter the meeting now, and as moderator; else a clear refusal.

    Presenters and organisers enter as moderators; people with a place as viewers. The room
    opens ``minutes_before`` the start and closes at the end.
    """
    now = now or utcnow()
    if ev.kind is not SessionKind.ONLINE_BBB:
        raise Conflict(_("This session has no meeting room here."))
    if ev.is_cancelled:
        raise Conflict(_("This session is cancelled."))
    presenter = any(p.user_id == user.id for p in ev.presenters)
    reg = registration_of(session, ev, user)
    has_place = reg is not None and reg.status in (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.ATTENDED,
    )
    if not (presenter or organiser or has_place):
        raise Forbidden(_("You are not registered for this session."))
    if now < ev.starts_at - timedelta(minutes=minutes_before):
        raise Conflict(
            ngettext(
                "The meeting room opens %(num)d minute before the start.",
                "The meeting room opens %(num)d minutes before the start.",
                minutes_before,
            )
        )
    if now > ev.ends_at:
        raise Conflict(_("This session is over."))
    return presenter or organiser, reg if has_place else None


def note_join(session: Session, reg: Registration, *, now: datetime | None = None) -> None:
    """Keep when someone entered the meeting (the leave time comes from the meeting service).

    Joining again while a stretch is still open (a second tab, a reload) adds nothing.
    """
    if any(r.source is AttendanceSource.MEETING and r.left_at is None for r in reg.attendance):
        return
    reg.attendance.append(
        AttendanceRecord(joined_at=now or utcnow(), source=AttendanceSource.MEETING, minutes=0)
    )
    session.flush()


# Checking in on site

#: How long before the start a participant may check in on site.
CHECK_IN_EARLY = timedelta(minutes=30)


def check_in_open(ev: EventSession, reg: Registration | None, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        ev.kind is SessionKind.ON_SITE
        and not ev.is_cancelled
        and reg is not None
        and reg.status in (RegistrationStatus.REGISTERED, RegistrationStatus.NO_SHOW)
        and ev.starts_at - CHECK_IN_EARLY <= now <= ev.ends_at
    )


def check_in(
    session: Session, ev: EventSession, user: User, code: str, *, now: datetime | None = None
) -> Registration:
    """Present from now to the end, when the code matches the one the organiser shows."""
    now = now or utcnow()
    reg = registration_of(session, ev, user)
    if reg is not None and reg.status is RegistrationStatus.ATTENDED:
        raise Conflict(_("You are already checked in."))
    if not check_in_open(ev, reg, now):
        raise Conflict(_("Checking in is open from half an hour before the start to the end."))
    assert reg is not None
    if code.strip().upper() != ev.checkin_code:
        raise ValidationFailed(errors={"code": [_("That is not the code for this session.")]})
    start = max(now, ev.starts_at)
    minutes = max(0, int((ev.ends_at - start).total_seconds() // 60))
    reg.status = RegistrationStatus.ATTENDED
    reg.attendance.append(
        AttendanceRecord(
            joined_at=start, left_at=ev.ends_at, minutes=minutes, source=AttendanceSource.CHECK_IN
        )
    )
    session.flush()
    _event(session, reg, "attended", duration=minutes)
    return reg


# Recordings


def add_recording(session: Session, ev: EventSession, *, url: str, published: bool) -> Recording:
    if any(r.url == url for r in ev.recordings):
        raise Conflict(_("This recording is already there."))
    rec = Recording(session=ev, url=url, is_published=published)
    session.add(rec)
    session.flush()
    return rec


def import_recordings(session: Session, ev: EventSession, urls: Iterable[str]) -> int:
    """Add the recordings not yet known, unpublished: an organiser looks before people do."""
    known = {r.url for r in ev.recordings}
    added = 0
    for url in urls:
        if url not in known:
            session.add(Recording(session=ev, url=url, is_published=False))
            known.add(url)
            added += 1
    session.flush()
    return added


def watched(session: Session, rec: Recording, user: User) -> None:
    """Opening a recording is a learning event: "experienced" the session's recording."""
    ev = rec.session
    events.record(
        session,
        actor=user,
        verb="experienced",
        object_type="webinar_recording",
        object_id=str(rec.id),
        object_name={ev.language: ev.title},
        context={
            "series": ev.series_id,
            "parent": {"type": "webinar_session", "id": ev.id},
            "language": ev.language,
        },
    )


# Attendance from the meeting service


def _moment(value: Any) -> datetime | None:
    """A BigBlueButton timestamp ("2026-11-22 10:00:00 +0000", ISO 8601, or epoch ms)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        return None
    for parse in (
        lambda v: datetime.strptime(v, "%Y-%m-%d %H:%M:%S %z"),
        lambda v: datetime.fromisoformat(v.replace("Z", "+00:00")),
    ):
        try:
            moment = parse(value.strip())
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def apply_meeting_attendance(
    session: Session, ev: EventSession, attendees: Sequence[dict[str, Any]]
) -> int:
    """Attendance from BigBlueButton's analytics callback: join/leave times and minutes.

    An attendee is matched by ``ext_user_id`` (the ``userID`` the join URL gave: our user id).
    The meeting's own records replace earlier meeting records; people with a place who never
    came become no-shows. Returns how many registrations were updated.
    """
    ev.attendance_reported_at = utcnow()
    ev.meeting_polling = False  # the meeting's own report wins; a pending poll stops
    present: dict[int, dict[str, Any]] = {}
    for attendee in attendees:
        ident = str(attendee.get("ext_user_id") or "")
        if ident.isdigit():
            present[int(ident)] = attendee
    updated = 0
    for reg in ev.registrations:
        if reg.status not in HOLDS_PLACE:
            continue
        reg.attendance = [r for r in reg.attendance if r.source is not AttendanceSource.MEETING]
        found = present.get(reg.user_id)
        if found is None:
            if reg.status is RegistrationStatus.REGISTERED:
                reg.status = RegistrationStatus.NO_SHOW
            updated += 1
            continue
        joins = [m for m in map(_moment, found.get("joins") or []) if m]
        leaves = [m for m in map(_moment, found.get("leaves") or []) if m]
        for n, joined in enumerate(joins):
            left = leaves[n] if n < len(leaves) else None
            minutes = int((left - joined).total_seconds() // 60) if left else 0
            reg.attendance.append(
                AttendanceRecord(
                    joined_at=joined,
                    left_at=left,
                    minutes=max(0, minutes),
                    source=AttendanceSource.MEETING,
                )
            )
        total = reg.minutes_present
        if not joins:
            total = int(found.get("duration") or 0) // 60
        was = reg.status
        reg.status = RegistrationStatus.ATTENDED
        session.flush()
        if was is not RegistrationStatus.ATTENDED:
            _event(session, reg, "attended", duration=total)
        updated += 1
    session.flush()
    return updated


# Attendance by polling the meeting service (when the analytics callback does not come)

POLL_CHANNEL = "webinar.meeting_poll"
#: How often a running meeting is asked who is in it; join and leave times are this exact.
POLL_EVERY = timedelta(minutes=1)
#: Polling stops this long after the planned end even if the meeting still runs.
POLL_UNTIL = timedelta(hours=2)


def start_polling(session: Session, ev: EventSession, *, now: datetime | None = None) -> None:
    """Schedule the first poll of a meeting just created (once: a running poll reschedules)."""
    if ev.meeting_polling or ev.attendance_reported_at is not None:
        return
    ev.meeting_polling = True
    message = enqueue(session, POLL_CHANNEL, {"session_id": ev.id})
    message.next_attempt_at = (now or utcnow()) + POLL_EVERY
    session.flush()


def _closed(record: AttendanceRecord, left: datetime) -> None:
    record.left_at = max(left, record.joined_at)
    record.minutes = int((record.left_at - record.joined_at).total_seconds() // 60)


def poll_meeting(
    session: Session, ev: EventSession, present: Sequence[str] | None, *, now: datetime
) -> bool:
    """Attendance from one look at the meeting (``getMeetingInfo``): who is in it now.

    ``present`` holds the ``userID`` of each attendee, or is None when the meeting does not run
    (ended, or never created). Someone newly seen gets a stretch starting now; someone no
    longer seen has their open stretch closed now. When the meeting is over everything open is
    closed and statuses settle: those who were there attended (an xAPI "attended" with the
    minutes), those with a place who never came are no-shows. A report from the analytics
    callback wins: once one came, polls change nothing. Returns whether to poll again.
    """
    if ev.attendance_reported_at is not None:
        ev.meeting_polling = False
        session.flush()
        return False
    seen = {int(ident) for ident in present or () if ident.isdigit()}
    over = present is None or now > ev.ends_at + POLL_UNTIL
    for reg in ev.registrations:
        if reg.status not in HOLDS_PLACE:
            continue
        meeting = [r for r in reg.attendance if r.source is AttendanceSource.MEETING]
        still_open = [r for r in meeting if r.left_at is None]
        if reg.user_id in seen and not over:
            if not still_open:
                reg.attendance.append(
                    AttendanceRecord(joined_at=now, source=AttendanceSource.MEETING, minutes=0)
                )
        else:
            for record in still_open:
                _closed(record, now)
        if not over:
            continue
        was = reg.status
        if meeting and was is not RegistrationStatus.ATTENDED:
            reg.status = RegistrationStatus.ATTENDED
            session.flush()
            _event(session, reg, "attended", duration=reg.minutes_present)
        elif not meeting and was is RegistrationStatus.REGISTERED:
            reg.status = RegistrationStatus.NO_SHOW
    ev.meeting_polling = not over
    session.flush()
    return not over


def deliver_poll(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler: look at the meeting once and schedule the next look while it runs.

    A meeting service that does not answer raises, so the outbox tries again later.
    """
    from lms.db import db

    ev = db.session.get(EventSession, payload.get("session_id"))
    if ev is None or ev.kind is not SessionKind.ONLINE_BBB:
        return
    client = bbb.client_for(app)
    if client is None:
        ev.meeting_polling = False
        return
    uid = ev.uid
    # The app goes on writing while the meeting service answers (up to BBB_TIMEOUT).
    with outside_transaction(db.session):
        present = present_in(client, uid)
    db.session.refresh(ev)  # an end callback may have come meanwhile
    if poll_meeting(db.session, ev, present, now=utcnow()):
        message = enqueue(db.session, POLL_CHANNEL, {"session_id": ev.id})
        message.next_attempt_at = utcnow() + POLL_EVERY
        db.session.flush()


def present_in(client: bbb.Client, uid: str) -> list[str] | None:
    """The ``userID`` of everyone in meeting ``uid`` now, or None when it does not run."""
    try:
        return [a.user_id for a in client.meeting_info(uid)]
    except bbb.MeetingServiceError as exc:
        if exc.key != "notFound":
            raise
        return None


def poll_now(session: Session, client: bbb.Client, ev: EventSession) -> bool:
    """Ask the meeting service who is in ``ev``'s meeting and apply it (see poll_meeting)."""
    return poll_meeting(session, ev, present_in(client, ev.uid), now=utcnow())


# The reminder the day before

REMINDER_CHANNEL = "webinar.reminder"
REMINDER_BEFORE = timedelta(days=1)


def schedule_reminder(session: Session, reg: Registration) -> None:
    """Put a reminder in the outbox, due a day before the start (or now, if that is sooner).

    It names the start it was made for: after a change of time a new one is scheduled and the
    old one, no longer matching, sends nothing (see :func:`deliver_reminder`).
    """
    ev = reg.session
    message = enqueue(
        session,
        REMINDER_CHANNEL,
        {"registration_id": reg.id, "starts_at": ev.starts_at.isoformat()},
    )
    message.next_attempt_at = max(utcnow(), ev.starts_at - REMINDER_BEFORE)
    session.flush()


def deliver_reminder(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler: mail the reminder if the person still has a place at that start."""
    from lms.db import db

    session = db.session
    reg = session.get(Registration, payload.get("registration_id"))
    if reg is None or reg.status is not RegistrationStatus.REGISTERED:
        return
    ev = reg.session
    if ev.is_cancelled or ev.starts_at <= utcnow():
        return
    if ev.starts_at.isoformat() != payload.get("starts_at"):
        return  # the time changed; the reminder scheduled with the change will go instead
    _tell(session, reg, "webinar_reminder", method=None)


# Telling people


def when_text(ev: EventSession, user: User, locale: str) -> str:
    """The session's start and end in ``user``'s own time zone and language."""
    zone = ZoneInfo(timezone_for(user))
    start = format_datetime(ev.starts_at, WHEN_FORMAT, tzinfo=zone, locale=locale)
    end = format_datetime(ev.ends_at, "HH:mm", tzinfo=zone, locale=locale)
    return f"{start} – {end}"


def page_url(ev: EventSession) -> str:
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return f"{base}/events/{ev.id}"


def _tell(session: Session, reg: Registration, template: str, *, method: str | None) -> None:
    user, ev = reg.user, reg.session
    locale = locale_of(user)
    attachments = []
    if method is not None:
        attachments.append(
            {
                "filename": "invite.ics" if method != "CANCEL" else "cancel.ics",
                "mimetype": f"{ical.MIMETYPE}; method={method}",
                "content": ical.calendar(
                    [(ev, page_url(ev))],
                    method=method,
                    organiser=_organiser_address(ev),
                    attendee=(user.email, user.name),
                ),
            }
        )
    queue_mail(
        session,
        to=user.email,
        template=template,
        locale=locale,
        attachments=attachments,
        user=user,
        title=ev.title,
        when=when_text(ev, user, locale),
        link=page_url(ev),
    )


def _organiser_address(ev: EventSession) -> str:
    organiser = ev.series.organiser
    if organiser is not None:
        return organiser.email
    sender = str(current_app.config["MAIL_SENDER"])
    return sender.rpartition("<")[2].rstrip(">").strip()


def _event(session: Session, reg: Registration, verb: str, *, duration: int | None = None) -> None:
    """Hand a learning event to ``lms.xapi.events``, in the caller's transaction."""
    ev = reg.session
    result = {"duration": f"PT{duration}M"} if duration is not None else None
    events.record(
        session,
        actor=reg.user,
        verb=verb,
        object_type="webinar_session",
        object_id=str(ev.id),
        object_name={ev.language: ev.title},
        result=result,
        context={"series": ev.series_id, "kind": ev.kind.value, "language": ev.language},
    )


# Reading


def upcoming(now: datetime | None = None) -> Select[EventSession]:
    return (
        select(EventSession)
        .where(EventSession.ends_at > (now or utcnow()))
        .order_by(EventSession.starts_at, EventSession.id)
    )


def visible_to(sessions: Iterable[EventSession], user: User) -> list[EventSession]:
    sessions = list(sessions)
    tracks: set[int] | None = None
    if any(ev.series.audience_tracks for ev in sessions):
        session = object_session(sessions[0])
        tracks = assigned_tracks(session, user) if session is not None else set()
    return [ev for ev in sessions if in_audience(ev.series, user, tracks=tracks)]


def in_month(year: int, month: int, zone: ZoneInfo) -> Select[EventSession]:
    first = datetime(year, month, 1, tzinfo=zone)
    nxt = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return (
        select(EventSession)
        .where(EventSession.starts_at >= first.astimezone(UTC))
        .where(EventSession.starts_at < nxt.astimezone(UTC))
        .order_by(EventSession.starts_at, EventSession.id)
    )


def registration_of(session: Session, ev: EventSession, user: User) -> Registration | None:
    return session.scalar(
        select(Registration).where(
            Registration.session_id == ev.id, Registration.user_id == user.id
        )
    )


def staff_in(reach: Scope) -> Select[User]:
    """People on the staff of the libraries in ``reach``."""
    return (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .where(reach.where(OrgUnit.path), User.is_active.is_(True))
        .order_by(User.name, User.id)
        .distinct()
    )


def attendance_csv(ev: EventSession) -> str:
    """Registrations with their status, join and leave times (UTC, ISO 8601) and minutes."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "status", "joined_at", "left_at", "minutes"])
    for reg in ev.registrations:
        records: list[AttendanceRecord | None] = list(reg.attendance) or [None]
        for record in records:
            writer.writerow(
                [
                    _csv_safe(reg.user.name),
                    reg.user.email,
                    reg.status.value,
                    record.joined_at.isoformat() if record else "",
                    record.left_at.isoformat() if record and record.left_at else "",
                    record.minutes if record else 0,
                ]
            )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# The private calendar feed


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def renew_feed(session: Session, user: User) -> str:
    """A new secret feed token for ``user`` (the old one stops working). Only its hash is kept."""
    token = secrets.token_urlsafe(32)
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user=user, token_hash=_hash(token))
        session.add(feed)
    else:
        feed.token_hash = _hash(token)
        feed.created_at = utcnow()
    session.flush()
    return token


def revoke_feed(session: Session, user: User) -> None:
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is not None:
        session.delete(feed)
        session.flush()


def feed_of(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_for_feed(session: Session, token: str) -> User | None:
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_calendar(session: Session, user: User) -> str:
    """Every session ``user`` holds a place at, from a month back on; cancelled ones marked."""
    since = utcnow() - timedelta(days=31)
    rows = session.scalars(
        select(EventSession)
        .join(Registration, Registration.session_id == EventSession.id)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(HOLDS_PLACE),
            EventSession.ends_at > since,
        )
        .order_by(EventSession.starts_at)
    )
    return ical.calendar([(ev, page_url(ev)) for ev in rows], method="PUBLISH")


def registered_ids(session: Session, user: User, ids: Iterable[int]) -> dict[int, Registration]:
    ids = list(ids)
    if not ids:
        return {}
    regs = session.scalars(
        select(Registration).where(
            Registration.user_id == user.id, Registration.session_id.in_(ids)
        )
    )
    return {reg.session_id: reg for reg in regs}
