"""Registration, the waiting list, cancellations and the mail and calendar files they send."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import (
    AttendanceSource,
    EventSession,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from lms.auth.models import User
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, ValidationFailed
from lms.orgs.models import OrgUnit
from tests.conftest import object_of, verb_of
from tests.content.conftest import events_of
from tests.content.webinars.conftest import mails


def _ics(payload: dict[str, Any]) -> icalendar.Calendar:
    (attachment,) = payload["attachments"]
    return icalendar.Calendar.from_ical(attachment["content"])


def _input(ev: EventSession, **changes: Any) -> services.SessionInput:
    data = services.SessionInput(
        title=ev.title,
        starts_at=ev.starts_at,
        ends_at=ev.ends_at,
        timezone=ev.timezone,
        language=ev.language,
        capacity=ev.capacity,
        kind=ev.kind,
        meeting_url=ev.meeting_url,
        address=ev.address,
        room=ev.room,
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_register_gives_a_place_and_an_invitation(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session()
    learner = create_user(locale="en")
    reg = services.register(session, ev, learner)
    assert reg.status is RegistrationStatus.REGISTERED
    (mail,) = mails(session)
    assert mail["to"] == learner.email
    assert mail["subject"].startswith("You are registered")
    assert mail["attachments"][0]["mimetype"] == "text/calendar; method=REQUEST"
    cal = _ics(mail)
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == ev.uid
    assert event["ATTENDEE"] == f"mailto:{learner.email}"
    assert [verb_of(e) for e in events_of(session)] == ["registered"]


def test_register_twice_is_refused_and_changes_nothing(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session()
    learner = create_user(locale="en")
    services.register(session, ev, learner)
    session.commit()
    before = len(mails(session))
    with pytest.raises(Conflict):
        services.register(session, ev, learner)
    session.rollback()
    assert len(mails(session)) == before
    assert len(ev.registrations) == 1


def test_register_outside_the_audience_is_refused(
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
) -> None:
    region = create_unit("region", name="Dalarna")
    inside = create_user(
        unit=create_unit("library", parent=create_unit("municipality", parent=region))
    )
    outside = create_user(locale="en")
    ev = create_session(audience=[region])
    assert services.register(session, ev, inside).status is RegistrationStatus.REGISTERED
    with pytest.raises(Forbidden):
        services.register(session, ev, outside)


def test_full_session_waitlists_and_moves_up_when_a_place_frees(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session(capacity=1)
    first, second, third = (
        create_user(locale="en"),
        create_user(locale="en"),
        create_user(locale="en"),
    )
    a = services.register(session, ev, first)
    b = services.register(session, ev, second)
    c = services.register(session, ev, third)
    assert (a.status, b.status, c.status) == (
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
    )
    assert mails(session)[1]["subject"].startswith("You are on the waiting list")
    assert mails(session)[1]["attachments"] == []
    services.cancel_registration(session, a)
    assert a.status is RegistrationStatus.CANCELLED
    assert b.status is RegistrationStatus.REGISTERED  # first come, first served
    assert c.status is RegistrationStatus.WAITLISTED
    sent = mails(session)[-2:]
    assert sent[0]["to"] == first.email
    assert _ics(sent[0])["METHOD"] == "CANCEL"
    assert sent[1]["to"] == second.email
    assert sent[1]["subject"].startswith("A place is yours")
    assert _ics(sent[1])["METHOD"] == "REQUEST"


def test_cancelled_registration_may_register_again(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session()
    learner = create_user(locale="en")
    reg = services.register(session, ev, learner)
    services.cancel_registration(session, reg)
    again = services.register(session, ev, learner)
    assert again.id == reg.id
    assert again.status is RegistrationStatus.REGISTERED


def test_update_raises_sequence_and_tells_the_registered(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session(capacity=1)
    first, second = create_user(locale="en"), create_user(locale="en")
    services.register(session, ev, first)
    services.register(session, ev, second)
    later = ev.starts_at + timedelta(hours=2)
    services.update_session(
        session, ev, _input(ev, starts_at=later, ends_at=later + timedelta(hours=1), capacity=2)
    )
    assert ev.sequence == 1
    changed = [m for m in mails(session) if m["subject"].startswith("Changed")]
    assert {m["to"] for m in changed} == {first.email, second.email}
    (event,) = _ics(changed[0]).walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == later
    # The capacity went up: the waiting person has moved up.
    assert {r.status for r in ev.registrations} == {RegistrationStatus.REGISTERED}


def test_update_refuses_capacity_below_registrations_and_changes_nothing(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session(capacity=3)
    for _ in range(2):
        services.register(session, ev, create_user(locale="en"))
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        services.update_session(session, ev, _input(ev, capacity=1, title="Other"))
    assert "2 people are already registered" in exc.value.errors["capacity"][0]
    session.rollback()
    assert (ev.capacity, ev.title, ev.sequence) == (
        3,
        "Mediating e-audiobooks to seniors, part 1",
        0,
    )


def test_add_session_refuses_the_past_and_end_before_start(
    session: Session, create_session: Callable[..., EventSession]
) -> None:
    ev = create_session()
    past = utcnow() - timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.add_session(
            session, ev.series, _input(ev, starts_at=past, ends_at=past + timedelta(hours=1))
        )
    assert list(exc.value.errors) == ["starts"]
    with pytest.raises(ValidationFailed) as exc:
        services.add_session(
            session, ev.series, _input(ev, ends_at=ev.starts_at - timedelta(minutes=5))
        )
    assert list(exc.value.errors) == ["ends"]
    with pytest.raises(ValidationFailed) as exc:
        services.add_session(session, ev.series, _input(ev, kind=SessionKind.ON_SITE))
    assert list(exc.value.errors) == ["address"]


def test_cancel_session_sends_method_cancel(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session(capacity=1)
    first, second = create_user(locale="en"), create_user(locale="en")
    services.register(session, ev, first)
    services.register(session, ev, second)
    services.cancel_session(session, ev)
    cancelled = [m for m in mails(session) if m["subject"].startswith("Cancelled")]
    assert {m["to"] for m in cancelled} == {first.email, second.email}
    cal = _ics(cancelled[0])
    assert cal["METHOD"] == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    with pytest.raises(Conflict):
        services.register(session, ev, create_user(locale="en"))
    with pytest.raises(Conflict):
        services.cancel_session(session, ev)


def test_mail_speaks_the_recipients_language_and_time_zone(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session()
    swede = create_user(locale="sv")
    swede.timezone = "Europe/Stockholm"
    services.register(session, ev, swede)
    (mail,) = mails(session)
    assert mail["subject"].startswith("Du är anmäld")
    local = ev.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
    assert local.strftime("%H:%M") in mail["body"]


def test_mark_attendance_by_hand(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session(kind=SessionKind.ON_SITE)
    came, stayed_home = create_user(locale="en"), create_user(locale="en")
    a = services.register(session, ev, came)
    b = services.register(session, ev, stayed_home)
    services.mark_attendance(session, a, attended=True)
    services.mark_attendance(session, b, attended=False)
    assert a.status is RegistrationStatus.ATTENDED
    assert a.minutes_present == 60
    assert a.attendance[0].source is AttendanceSource.MANUAL
    assert b.status is RegistrationStatus.NO_SHOW
    services.mark_attendance(session, a, attended=True)  # marking again adds no second record
    assert len(a.attendance) == 1
    rows = services.attendance_csv(ev).splitlines()
    assert rows[0] == "name,email,status,joined_at,left_at,minutes"
    assert any(came.email in row and row.endswith(",60") for row in rows)
    assert any(stayed_home.email in row and "no_show" in row for row in rows)


def test_csv_defuses_formulas(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    ev = create_session()
    services.register(session, ev, create_user(name="=HYPERLINK(1)"))
    assert "'=HYPERLINK(1)" in services.attendance_csv(ev)


def test_registration_unique_per_person_and_session(
    session: Session, create_session: Callable[..., EventSession], create_user: Callable[..., User]
) -> None:
    from sqlalchemy.exc import IntegrityError

    ev = create_session()
    learner = create_user(locale="en")
    services.register(session, ev, learner)
    session.add(Registration(session=ev, user=learner, status=RegistrationStatus.REGISTERED))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_learning_events_for_registering_leaving_and_attending(
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = create_session(kind=SessionKind.ON_SITE)
    learner = create_user(locale="en")
    reg = services.register(session, ev, learner)
    services.cancel_registration(session, reg)
    reg = services.register(session, ev, learner)
    services.mark_attendance(session, reg, attended=True, minutes=45)
    got = [(verb_of(e), object_of(e)[1], e.get("result")) for e in events_of(session)]
    assert got == [
        ("registered", str(ev.id), None),
        ("unregistered", str(ev.id), None),
        ("registered", str(ev.id), None),
        ("attended", str(ev.id), {"duration": "PT45M"}),
    ]
