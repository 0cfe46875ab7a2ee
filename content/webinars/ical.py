"""Calendar files for sessions (RFC 5545, https://www.rfc-editor.org/rfc/rfc5545).

One VEVENT per session with a stable UID (§3.8.4.7) and the session's SEQUENCE (§3.8.7.4), so a
calendar updates the event it already has instead of adding another. Times carry the
organiser's TZID with a VTIMEZONE (§3.6.5), so a calendar shows the right wall-clock time across
daylight-saving changes. METHOD (RFC 5546 §1.4): PUBLISH for downloads and feeds, REQUEST for
invitations and updates sent by e-mail, CANCEL (with STATUS:CANCELLED) when a session is
cancelled or a person's place is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import icalendar

from content.webinars.models import EventSession, SessionKind

PRODID = "-//Librarena//Webinars//EN"
MIMETYPE = "text/calendar"


def _location(ev: EventSession) -> str | None:
    if ev.kind is SessionKind.ON_SITE:
        return ", ".join(part for part in (ev.room, ev.address) if part) or None
    return ev.meeting_url


def _event(
    ev: EventSession,
    *,
    url: str | None,
    cancelled: bool,
    organiser: str | None,
    attendee: tuple[str, str] | None,
    now: datetime,
) -> icalendar.Event:
    zone = ZoneInfo(ev.timezone)
    event = icalendar.Event()
    event.add("uid", ev.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", ev.starts_at.astimezone(zone))
    event.add("dtend", ev.ends_at.astimezone(zone))
    event.add("sequence", ev.sequence)
    event.add("summary", ev.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    location = _location(ev)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
        event.add("description", url)
    if organiser:
        event.add("organizer", f"mailto:{organiser}")
    if attendee:
        email, name = attendee
        event.add(
            "attendee",
            f"mailto:{email}",
            parameters={"CN": name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED"},
        )
    return event


def calendar(
    sessions: Iterable[tuple[EventSession, str | None]],
    *,
    method: str = "PUBLISH",
    organiser: str | None = None,
    attendee: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> str:
    """A VCALENDAR of ``(session, page_url)`` pairs, as text with CRLF line ends."""
    now = now or datetime.now(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cancel_all = method == "CANCEL"
    for ev, url in sessions:
        cal.add_component(
            _event(
                ev,
                url=url,
                cancelled=cancel_all or ev.is_cancelled,
                organiser=organiser,
                attendee=attendee,
                now=now,
            )
        )
    cal.add_missing_timezones()
    text: str = cal.to_ical().decode()
    return text
