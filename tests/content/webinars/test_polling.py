"""Attendance when BigBlueButton's analytics callback does not come: polling getMeetingInfo,
the end callback, and the organiser's "End the meeting" button."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import bbb, services
from content.webinars.models import AttendanceSource, EventSession, SessionKind
from lms.auth.models import User
from lms.db import db, utcnow
from lms.outbox.models import OutboxMessage, OutboxStatus
from lms.outbox.services import deliver_due
from tests.conftest import text_of
from tests.content.conftest import events_of
from tests.content.webinars.fake_bbb import SECRET, FakeBBB, running

Login = Callable[[User], None]


@pytest.fixture
def fake(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBBB]:
    with running(FakeBBB()) as server:
        monkeypatch.setitem(app.config, "BBB_URL", f"{server.url}/bigbluebutton/")
        monkeypatch.setitem(app.config, "BBB_SECRET", SECRET)
        monkeypatch.setitem(app.config, "BBB_CHECKSUM", "sha256")
        monkeypatch.setitem(app.config, "WEBINAR_JOIN_MINUTES_BEFORE", 15)
        yield server


@pytest.fixture
def ev(create_session: Callable[..., EventSession]) -> EventSession:
    start = (utcnow() + timedelta(minutes=10)).replace(microsecond=0)
    return create_session(kind=SessionKind.ONLINE_BBB, starts_at=start)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _enter(url: str) -> None:
    """The browser follows the join URL into the (fake) meeting."""
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=5)
    assert exc.value.code == 302
    exc.value.close()


def _polls(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == services.POLL_CHANNEL)
            .order_by(OutboxMessage.id)
        )
    )


def test_poll_records_join_and_leave_times_and_settles(
    session: Session, ev: EventSession, create_user: Callable[..., User]
) -> None:
    came, never = create_user(), create_user()
    a = services.register(session, ev, came)
    b = services.register(session, ev, never)
    t0 = ev.starts_at
    me = str(came.id)
    assert services.poll_meeting(session, ev, [me, "not-a-user"], now=t0)
    assert services.poll_meeting(session, ev, [me], now=t0 + timedelta(minutes=10))
    assert services.poll_meeting(session, ev, [], now=t0 + timedelta(minutes=20))
    assert services.poll_meeting(session, ev, [me], now=t0 + timedelta(minutes=30))
    assert a.status.value == "registered"  # nothing settles while the meeting runs
    assert not services.poll_meeting(session, ev, None, now=t0 + timedelta(minutes=45))
    assert [(r.joined_at - t0, r.minutes, r.source) for r in a.attendance] == [
        (timedelta(0), 20, AttendanceSource.MEETING),
        (timedelta(minutes=30), 15, AttendanceSource.MEETING),
    ]
    assert (a.status.value, a.minutes_present) == ("attended", 35)
    assert b.status.value == "no_show"
    assert ev.meeting_polling is False
    (event,) = events_of(session, "attended")
    assert event["result"] == {"duration": "PT35M"}
    # Settling again (a late poll, the end callback) changes nothing and says nothing again.
    assert not services.poll_meeting(session, ev, None, now=t0 + timedelta(minutes=50))
    assert a.minutes_present == 35
    assert len(events_of(session, "attended")) == 1


def test_polling_stops_long_after_the_end_even_if_the_meeting_runs(
    session: Session, ev: EventSession, create_user: Callable[..., User]
) -> None:
    learner = create_user()
    reg = services.register(session, ev, learner)
    assert services.poll_meeting(session, ev, [str(learner.id)], now=ev.starts_at)
    late = ev.ends_at + services.POLL_UNTIL + timedelta(minutes=1)
    assert not services.poll_meeting(session, ev, [str(learner.id)], now=late)
    assert reg.status.value == "attended"
    assert reg.attendance[0].left_at == late


def test_the_analytics_report_wins_over_polls(
    client: FlaskClient,
    session: Session,
    fake: FakeBBB,
    ev: EventSession,
    create_user: Callable[..., User],
) -> None:
    learner = create_user()
    reg = services.register(session, ev, learner)
    services.start_polling(session, ev)
    session.commit()
    body = {
        "meeting_id": ev.uid,
        "data": {
            "attendees": [
                {
                    "ext_user_id": str(learner.id),
                    "joins": ["2026-12-01 10:00:00 +0000"],
                    "leaves": ["2026-12-01 10:50:00 +0000"],
                }
            ]
        },
    }
    good = {"Authorization": f"Bearer {bbb.sign_jwt({}, SECRET, 'HS512')}"}
    assert client.post(f"/events/bbb/{ev.id}/analytics", json=body, headers=good).status_code == 200
    session.refresh(ev)
    assert ev.attendance_reported_at is not None
    assert ev.meeting_polling is False
    assert not services.poll_meeting(session, ev, None, now=ev.ends_at)
    session.refresh(reg)
    assert (reg.status.value, reg.minutes_present) == ("attended", 50)


def test_the_worker_polls_a_running_meeting_until_it_ends(
    app: Flask,
    client: FlaskClient,
    session: Session,
    fake: FakeBBB,
    ev: EventSession,
    create_user: Callable[..., User],
    login: Login,
) -> None:
    came, never = create_user(), create_user()
    a = services.register(session, ev, came)
    b = services.register(session, ev, never)
    session.commit()
    login(came)
    resp = client.get(f"/events/{ev.id}/join")
    assert resp.status_code == 302
    _enter(resp.location)
    (first,) = _polls(session)
    assert first.next_attempt_at > utcnow()  # the first look comes a minute later
    session.refresh(ev)
    assert ev.meeting_polling is True
    # A second join does not start a second chain of polls.
    assert client.get(f"/events/{ev.id}/join").status_code == 302
    assert len(_polls(session)) == 1

    with app.app_context():
        deliver_due(app, db.session, now=utcnow() + timedelta(minutes=2))
    polls = _polls(session)
    assert [p.status for p in polls] == [OutboxStatus.SENT, OutboxStatus.PENDING]
    assert ("getMeetingInfo", ev.uid) in [(c, p.get("meetingID")) for c, p in fake.calls]
    session.refresh(a)
    assert [r.left_at for r in a.attendance] == [None]  # still in the meeting

    fake.leave(ev.uid, str(came.id))
    fake.meetings.pop(ev.uid)  # the last one left: the meeting ends
    with app.app_context():
        deliver_due(app, db.session, now=utcnow() + timedelta(minutes=4))
    polls = _polls(session)
    assert [p.status for p in polls] == [OutboxStatus.SENT, OutboxStatus.SENT]
    session.refresh(a)
    session.refresh(b)
    session.refresh(ev)
    assert a.status.value == "attended"
    assert a.attendance[0].left_at is not None
    assert b.status.value == "no_show"
    assert ev.meeting_polling is False


def test_a_poll_while_the_service_is_down_is_tried_again(
    app: Flask, session: Session, ev: EventSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "BBB_URL", "http://127.0.0.1:9/bigbluebutton/")
    monkeypatch.setitem(app.config, "BBB_SECRET", SECRET)
    monkeypatch.setitem(app.config, "BBB_TIMEOUT", 2)
    services.start_polling(session, ev)
    session.commit()
    with app.app_context():
        deliver_due(app, db.session, now=utcnow() + timedelta(minutes=2))
    (poll,) = _polls(session)
    assert poll.status is OutboxStatus.PENDING
    assert poll.attempts == 1
    assert "MeetingServiceDown" in (poll.last_error or "")
    session.refresh(ev)
    assert ev.meeting_polling is True


def test_end_callback_needs_our_token_and_settles_attendance(
    client: FlaskClient,
    session: Session,
    fake: FakeBBB,
    ev: EventSession,
    create_user: Callable[..., User],
    login: Login,
) -> None:
    learner = create_user()
    reg = services.register(session, ev, learner)
    session.commit()
    login(learner)
    _enter(client.get(f"/events/{ev.id}/join").location)
    params = fake.meetings[ev.uid]["params"]
    callback = params["meta_endCallbackUrl"]
    parts = urlsplit(callback)
    assert parts.path == f"/events/bbb/{ev.id}/ended"
    assert parts.query.startswith("token=")
    assert SECRET not in callback
    path = f"{parts.path}?{parts.query}"
    assert client.get(f"/events/bbb/{ev.id}/ended?token=forged").status_code == 403
    assert client.get(f"/events/bbb/{ev.id}/ended").status_code == 403
    # A token for another meeting does not fit this one.
    wrong = bbb.Client(base=fake.url, secret=SECRET).callback_token("ended", "other-meeting")
    assert client.get(f"/events/bbb/{ev.id}/ended?token={wrong}").status_code == 403
    session.refresh(reg)
    assert reg.status.value == "registered"
    # Still running: the callback only makes us look, and what we see is the truth.
    assert client.get(path).status_code == 200
    session.refresh(reg)
    assert reg.status.value == "registered"
    fake.meetings.pop(ev.uid)
    assert client.get(path).status_code == 200
    session.refresh(reg)
    assert reg.status.value == "attended"


def test_organiser_ends_the_meeting(
    client: FlaskClient,
    session: Session,
    fake: FakeBBB,
    ev: EventSession,
    create_user: Callable[..., User],
    login: Login,
) -> None:
    learner = create_user()
    coordinator = create_user("coordinator", everywhere=True)
    reg = services.register(session, ev, learner)
    session.commit()
    login(learner)
    assert "End the meeting" not in client.get(f"/events/{ev.id}").get_data(as_text=True)
    _enter(client.get(f"/events/{ev.id}/join").location)
    url = f"/events/manage/sessions/{ev.id}/end-meeting"
    assert client.post(url).status_code == 403
    assert ev.uid in fake.meetings

    client.post("/logout")
    login(coordinator)
    page = client.get(f"/events/{ev.id}").get_data(as_text=True)
    assert f'action="{url}"' in page
    resp = client.post(url, follow_redirects=True)
    assert "The meeting has ended for everyone in it." in text_of(resp.get_data(as_text=True))
    assert ev.uid not in fake.meetings
    assert ("end", ev.uid) in [(c, p.get("meetingID")) for c, p in fake.calls]
    session.refresh(reg)
    assert reg.status.value == "attended"
    again = client.post(url, follow_redirects=True)
    assert "The meeting is not running." in text_of(again.get_data(as_text=True))


def test_ending_when_the_service_is_down(
    app: Flask,
    client: FlaskClient,
    session: Session,
    ev: EventSession,
    create_user: Callable[..., User],
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "BBB_URL", "http://127.0.0.1:9/bigbluebutton/")
    monkeypatch.setitem(app.config, "BBB_SECRET", SECRET)
    monkeypatch.setitem(app.config, "BBB_TIMEOUT", 2)
    learner = create_user()
    reg = services.register(session, ev, learner)
    session.commit()
    login(create_user("coordinator", everywhere=True))
    resp = client.post(f"/events/manage/sessions/{ev.id}/end-meeting")
    assert resp.status_code == 503
    assert "The meeting service is not answering" in text_of(resp.get_data(as_text=True))
    session.refresh(reg)
    assert reg.status.value == "registered"


def test_ending_a_link_session_is_refused(
    client: FlaskClient,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
    fake: FakeBBB,
    login: Login,
) -> None:
    ev = create_session()
    login(create_user("coordinator", everywhere=True))
    assert client.post(f"/events/manage/sessions/{ev.id}/end-meeting").status_code == 409
