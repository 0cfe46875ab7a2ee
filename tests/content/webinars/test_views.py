"""The pages: planning by coordinators, the learner's calendar, managers' staff, the feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import CalendarFeed, EventSeries, EventSession, RegistrationStatus
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit
from tests.conftest import object_of, text_of
from tests.content.webinars.conftest import mails, series_count

Login = Callable[[User], None]


def _session_form(**changes: str) -> dict[str, str]:
    day = (utcnow() + timedelta(days=30)).date().isoformat()
    form = {
        "title": "Part 1",
        "date": day,
        "starts": "10:00",
        "ends": "11:30",
        "timezone": "Europe/Stockholm",
        "language": "sv",
        "capacity": "20",
        "kind": "online_link",
        "meeting_url": "https://meet.example.org/x",
    }
    form.update(changes)
    return form


def test_coordinator_plans_a_series_and_a_session(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    login: Login,
) -> None:
    region = create_unit("region")
    coordinator = create_user("coordinator", unit=region)
    login(coordinator)
    resp = client.post(
        "/events/manage/new",
        data={
            "title": "E-audiobooks",
            "description": "<script>x</script>Hi",
            "owner_unit": region.id,
        },
    )
    assert resp.status_code == 302
    series = session.scalars(select(EventSeries)).one()
    assert "<script>" not in series.description_html
    resp = client.post(f"/events/manage/{series.id}/sessions/new", data=_session_form())
    assert resp.status_code == 302
    ev = session.scalars(select(EventSession)).one()
    local = ev.starts_at.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (local.hour, local.minute) == (10, 0)
    assert ev.ends_at - ev.starts_at == timedelta(minutes=90)
    assert client.get(f"/events/manage/{series.id}").status_code == 200
    assert client.get(f"/events/manage/sessions/{ev.id}").status_code == 200


def test_session_form_bad_input_is_shown_again_and_nothing_saved(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    login(create_user("admin", everywhere=True))
    url = f"/events/manage/{ev.series_id}/sessions/new"
    cases = {
        "ends": _session_form(ends="09:00"),
        "starts": _session_form(date=(utcnow() - timedelta(days=2)).date().isoformat()),
        "meeting_url": _session_form(meeting_url="javascript:alert(1)"),
    }
    for field, form in cases.items():
        resp = client.post(url, data=form)
        assert resp.status_code == 422, field
        html = resp.get_data(as_text=True)
        assert f'id="{field}"' in html
        assert 'aria-invalid="true"' in html
        assert 'value="Part 1"' in html  # input kept
    gap = client.post(url, data=_session_form(date="2027-03-28", starts="02:30", ends="04:00"))
    assert gap.status_code == 422
    assert "does not exist" in text_of(gap.get_data(as_text=True))
    twice = client.post(url, data=_session_form(date="2026-10-25", starts="02:30", ends="04:00"))
    assert twice.status_code in (422,)
    assert "happens twice" in text_of(twice.get_data(as_text=True))
    assert len(session.scalars(select(EventSession)).all()) == 1


def test_edit_with_capacity_below_registrations_changes_nothing(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session(capacity=5)
    for _ in range(3):
        services.register(session, ev, create_user())
    session.commit()
    sent = len(mails(session))
    login(create_user("admin", everywhere=True))
    zone = ZoneInfo("Europe/Stockholm")
    start = ev.starts_at.astimezone(zone)
    form = _session_form(
        date=start.date().isoformat(),
        starts=start.strftime("%H:%M"),
        ends=ev.ends_at.astimezone(zone).strftime("%H:%M"),
        capacity="2",
        title="Changed title",
    )
    resp = client.post(f"/events/manage/sessions/{ev.id}/edit", data=form)
    assert resp.status_code == 422
    assert "3 people are already registered" in text_of(resp.get_data(as_text=True))
    session.refresh(ev)
    assert (ev.capacity, ev.sequence) == (5, 0)
    assert len(mails(session)) == sent
    ok = client.post(f"/events/manage/sessions/{ev.id}/edit", data=form | {"capacity": "3"})
    assert ok.status_code == 302
    session.refresh(ev)
    assert (ev.title, ev.sequence) == ("Changed title", 1)
    assert len(mails(session)) == sent + 3


def test_coordinator_of_another_region_may_not_manage(
    client: FlaskClient,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    mine, other = create_unit("region"), create_unit("region")
    ev = create_session(owner_unit=other)
    login(create_user("coordinator", unit=mine))
    assert client.get(f"/events/manage/{ev.series_id}").status_code == 403
    assert client.post(f"/events/manage/sessions/{ev.id}/cancel").status_code == 403
    resp = client.post("/events/manage/new", data={"title": "X", "owner_unit": other.id})
    assert resp.status_code == 422


def test_learner_registers_downloads_and_cancels(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session(capacity=1)
    learner = create_user()
    login(learner)
    page = client.get("/events")
    assert ev.title in text_of(page.get_data(as_text=True))
    month = ev.starts_at.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m")
    assert ev.title in text_of(client.get(f"/events/month?month={month}").get_data(as_text=True))
    assert client.post(f"/events/{ev.id}/register").status_code == 302
    again = client.post(f"/events/{ev.id}/register")
    assert again.status_code == 409
    assert "already registered" in text_of(again.get_data(as_text=True))
    reg = services.registration_of(session, ev, learner)
    assert reg is not None
    assert reg.status is RegistrationStatus.REGISTERED
    ics = client.get(f"/events/{ev.id}/calendar.ics")
    assert ics.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(ics.data)
    assert cal["METHOD"] == "PUBLISH"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == ev.uid
    assert event["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("DTSTART") == ev.starts_at
    assert "DTSTAMP" in event
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    assert client.post(f"/events/{ev.id}/unregister").status_code == 302
    session.refresh(reg)
    assert reg.status is RegistrationStatus.CANCELLED
    assert client.post(f"/events/{ev.id}/unregister").status_code == 409


def test_session_outside_the_audience_is_hidden(
    client: FlaskClient,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session(audience=[create_unit("region")])
    login(create_user())
    assert ev.title not in client.get("/events").get_data(as_text=True)
    assert client.get(f"/events/{ev.id}").status_code == 404
    assert client.post(f"/events/{ev.id}/register").status_code == 404


def test_manager_registers_staff_and_sees_them(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    library = create_unit("library")
    manager = create_user("manager", unit=library)
    staff = create_user(unit=library, name="Astrid Staff")
    stranger = create_user(name="Not Mine")
    ev = create_session()
    login(manager)
    page = text_of(client.get(f"/events/{ev.id}").get_data(as_text=True))
    assert "Astrid Staff" in page
    assert "Not Mine" not in page
    refused = client.post(f"/events/{ev.id}/staff", data={"users": [stranger.id]})
    assert refused.status_code == 422
    assert services.registration_of(session, ev, stranger) is None
    assert client.post(f"/events/{ev.id}/staff", data={"users": [staff.id]}).status_code == 302
    reg = services.registration_of(session, ev, staff)
    assert reg is not None
    assert reg.registered_by_id == manager.id
    page = text_of(client.get(f"/events/{ev.id}").get_data(as_text=True))
    assert "Your staff at this session" in page


def test_feed_is_private_hashed_renewable_and_revocable(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    learner = create_user()
    services.register(session, ev, learner)
    session.commit()
    login(learner)
    assert client.get("/events/calendar").status_code == 200
    html = client.post("/events/calendar/renew").get_data(as_text=True)
    url = html.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    token = url.split("/feed/")[1].split("/")[0]
    stored = session.scalars(select(CalendarFeed)).one()
    assert token not in stored.token_hash
    client.post("/logout")
    feed = client.get(f"/events/feed/{token}/librarena.ics")
    assert feed.status_code == 200
    (event,) = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")
    assert str(event["UID"]) == ev.uid
    login(learner)
    html = client.post("/events/calendar/renew").get_data(as_text=True)
    assert (
        client.get(f"/events/feed/{token}/librarena.ics").status_code == 404
    )  # the old one is gone
    new = html.split('readonly value="')[1].split('"')[0].split("/feed/")[1].split("/")[0]
    assert client.get(f"/events/feed/{new}/librarena.ics").status_code == 200
    client.post("/events/calendar/revoke")
    assert client.get(f"/events/feed/{new}/librarena.ics").status_code == 404
    assert client.get("/events/feed/nonsense/librarena.ics").status_code == 404


def test_attendance_marked_by_hand_and_exported(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    came, absent = create_user(), create_user()
    a = services.register(session, ev, came)
    services.register(session, ev, absent)
    session.commit()
    ev.starts_at = utcnow() - timedelta(hours=2)
    ev.ends_at = utcnow() - timedelta(hours=1)
    session.commit()
    admin = create_user("admin", everywhere=True)
    login(admin)
    resp = client.post(f"/events/manage/sessions/{ev.id}/attendance", data={"attended": [a.id]})
    assert resp.status_code == 302
    csv = client.get(f"/events/manage/sessions/{ev.id}/attendance.csv")
    assert csv.mimetype == "text/csv"
    body = csv.get_data(as_text=True)
    assert f"{came.email},attended" in body
    assert f"{absent.email},no_show" in body


def test_series_count_unchanged_after_bad_series_form(
    client: FlaskClient, session: Session, create_user: Callable[..., User], login: Login
) -> None:
    login(create_user("admin", everywhere=True))
    resp = client.post("/events/manage/new", data={"title": "  ", "description": "x"})
    assert resp.status_code == 422
    assert 'value="  "' in resp.get_data(as_text=True) or "x</textarea>" in resp.get_data(
        as_text=True
    )
    assert series_count(session) == 0


def test_attendance_not_before_the_session_starts(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    reg_id = services.register(session, ev, create_user()).id
    session.commit()
    login(create_user("admin", everywhere=True))
    early = client.post(f"/events/manage/sessions/{ev.id}/attendance", data={"attended": [reg_id]})
    assert early.status_code == 409


def test_check_in_with_the_code(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    from content.webinars.models import AttendanceSource, SessionKind

    ev = create_session(kind=SessionKind.ON_SITE)
    learner = create_user(locale="en")
    reg = services.register(session, ev, learner)
    ev.starts_at = utcnow() - timedelta(minutes=10)
    ev.ends_at = utcnow() + timedelta(minutes=50)
    session.commit()
    login(learner)
    page = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert 'id="code"' in page
    wrong = client.post(f"/events/{ev.id}/check-in", data={"code": "NOPE"})
    assert wrong.status_code == 422
    assert "not the code" in text_of(wrong.get_data(as_text=True))
    session.refresh(reg)
    assert reg.status is RegistrationStatus.REGISTERED
    ok = client.post(f"/events/{ev.id}/check-in", data={"code": ev.checkin_code.lower()})
    assert ok.status_code == 302
    session.refresh(reg)
    assert reg.status is RegistrationStatus.ATTENDED
    assert [a.source for a in reg.attendance] == [AttendanceSource.CHECK_IN]
    assert 49 <= reg.minutes_present <= 50
    assert (
        client.post(f"/events/{ev.id}/check-in", data={"code": ev.checkin_code}).status_code == 409
    )


def test_recordings_added_published_and_watched(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    from content.webinars.models import Recording
    from tests.content.conftest import events_of

    ev = create_session()
    learner = create_user()
    admin = create_user("admin", everywhere=True)
    login(admin)
    bad = client.post(f"/events/manage/sessions/{ev.id}/recordings", data={"url": "ftp://x"})
    assert bad.status_code == 422
    assert 'value="ftp://x"' in bad.get_data(as_text=True)
    url = "https://video.example.org/rec1"
    resp = client.post(f"/events/manage/sessions/{ev.id}/recordings", data={"url": url})
    assert resp.status_code == 302
    rec = session.scalars(select(Recording)).one()
    assert not rec.is_published
    login(learner)
    assert client.get(f"/events/{ev.id}/recordings/{rec.id}").status_code == 404  # hidden
    login(admin)
    client.post(f"/events/manage/recordings/{rec.id}/publish")
    session.refresh(rec)
    assert rec.is_published
    login(learner)
    assert f"/events/{ev.id}/recordings/{rec.id}" in client.get(f"/events/{ev.id}").get_data(
        as_text=True
    )
    watched = client.get(f"/events/{ev.id}/recordings/{rec.id}")
    assert watched.status_code == 302
    assert watched.location == url
    (event,) = events_of(session, "experienced")
    assert object_of(event) == ("webinar_recording", str(rec.id))
    assert event["object"]["definition"]["name"] == {"sv": ev.title}
    [parent] = event["context"]["contextActivities"]["parent"]
    assert parent["id"].endswith(f"/activities/webinar_session/{ev.id}")
    assert event["context"]["language"] == "sv"


def test_presenters_by_e_mail(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    presenter = create_user(email="presenter@example.org", name="Pia Presenter")
    login(create_user("admin", everywhere=True))
    url = f"/events/manage/{ev.series_id}/sessions/new"
    unknown = client.post(url, data=_session_form(presenters="nobody@example.org"))
    assert unknown.status_code == 422
    assert "No account has the address nobody@example.org" in text_of(
        unknown.get_data(as_text=True)
    )
    ok = client.post(url, data=_session_form(presenters=" Presenter@example.org, "))
    assert ok.status_code == 302
    created = session.scalars(select(EventSession).where(EventSession.id != ev.id)).one()
    assert [p.user_id for p in created.presenters] == [presenter.id]
    edit = client.get(f"/events/manage/sessions/{created.id}/edit").get_data(as_text=True)
    assert 'value="presenter@example.org"' in edit
