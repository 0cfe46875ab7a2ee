"""BigBlueButton: the client against a fake server, and the Join path in the browser views."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from content.webinars import bbb, services
from content.webinars.models import AttendanceSource, EventSession, SessionKind
from lms.auth.models import User
from lms.db import utcnow
from tests.conftest import text_of
from tests.content.webinars.fake_bbb import SECRET, FakeBBB, running

Login = Callable[[User], None]


@pytest.fixture
def fake() -> Iterator[FakeBBB]:
    with running(FakeBBB()) as server:
        yield server


@pytest.fixture
def configured(app: Flask, fake: FakeBBB, monkeypatch: pytest.MonkeyPatch) -> FakeBBB:
    monkeypatch.setitem(app.config, "BBB_URL", f"{fake.url}/bigbluebutton/")
    monkeypatch.setitem(app.config, "BBB_SECRET", SECRET)
    monkeypatch.setitem(app.config, "BBB_CHECKSUM", "sha256")
    monkeypatch.setitem(app.config, "WEBINAR_JOIN_MINUTES_BEFORE", 15)
    return fake


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_checksum_is_sha_of_call_query_and_secret() -> None:
    client = bbb.Client(base="https://bbb.example.org/bigbluebutton/", secret="s3cret")
    url = client.url("create", {"name": "Test", "meetingID": "m1", "record": True})
    parts = urlsplit(url)
    assert parts.path == "/bigbluebutton/api/create"
    query, _, checksum = parts.query.rpartition("&checksum=")
    assert query == "name=Test&meetingID=m1&record=true"
    assert checksum == hashlib.sha256(b"createname=Test&meetingID=m1&record=trues3cret").hexdigest()
    old = bbb.Client(base=client.base, secret="s3cret", algorithm="sha1")
    assert old.url("end", {"meetingID": "m1"}).endswith(
        hashlib.sha1(b"endmeetingID=m1s3cret").hexdigest()  # noqa: S324 - what old servers use
    )
    assert "s3cret" not in url


@pytest.mark.parametrize("algorithm", ["sha256", "sha1"])
def test_client_against_the_fake_server(fake: FakeBBB, algorithm: str) -> None:
    client = bbb.Client(base=f"{fake.url}/bigbluebutton", secret=SECRET, algorithm=algorithm)
    client.create("m1", "Webinar", record=True)
    client.create("m1", "Webinar", record=True)  # idempotent
    assert list(fake.meetings) == ["m1"]
    assert fake.calls[0][1]["record"] == "true"
    url = client.join_url("m1", full_name="Lisa Lärande", user_id="7", moderator=False)
    params = dict(parse_qsl(urlsplit(url).query))
    assert (params["fullName"], params["role"], params["userID"]) == ("Lisa Lärande", "VIEWER", "7")
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(url, timeout=5)
    assert exc.value.code == 302  # the fake accepted our checksum and sends the browser in
    exc.value.close()
    assert [a.name for a in client.meeting_info("m1")] == ["Lisa Lärande"]
    fake.recordings["m1"] = [{"id": "r1", "url": "https://bbb.example.org/playback/r1"}]
    assert client.recordings("m1") == [
        bbb.Recording(record_id="r1", url="https://bbb.example.org/playback/r1", published=True)
    ]
    client.end("m1")
    with pytest.raises(bbb.MeetingServiceError) as err:
        client.meeting_info("m1")
    assert err.value.key == "notFound"


def test_wrong_secret_is_refused_by_the_server(fake: FakeBBB) -> None:
    client = bbb.Client(base=f"{fake.url}/bigbluebutton", secret="not-the-secret")
    with pytest.raises(bbb.MeetingServiceError) as err:
        client.create("m1", "Webinar")
    assert err.value.key == "checksumError"
    assert fake.meetings == {}


def test_server_down_is_meeting_service_down() -> None:
    client = bbb.Client(base=f"http://127.0.0.1:{_free_port()}/bigbluebutton", secret=SECRET)
    with pytest.raises(bbb.MeetingServiceDown):
        client.create("m1", "Webinar")


def _bbb_session(
    create_session: Callable[..., EventSession], *, minutes_ahead: int = 10
) -> EventSession:
    start = (utcnow() + timedelta(minutes=minutes_ahead)).replace(microsecond=0)
    return create_session(kind=SessionKind.ONLINE_BBB, starts_at=start)


def test_join_as_registered_viewer(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = _bbb_session(create_session)
    learner = create_user(name="Lisa Lärande")
    reg = services.register(session, ev, learner)
    session.commit()
    login(learner)
    page = client.get(f"/events/{ev.id}")
    assert f'href="/events/{ev.id}/join"' in page.get_data(as_text=True)
    resp = client.get(f"/events/{ev.id}/join")
    assert resp.status_code == 302
    params = dict(parse_qsl(urlsplit(resp.location).query))
    assert resp.location.startswith(configured.url)
    assert (params["meetingID"], params["fullName"], params["role"]) == (
        ev.uid,
        "Lisa Lärande",
        "VIEWER",
    )
    assert SECRET not in resp.location
    assert ev.uid in configured.meetings
    session.refresh(reg)
    assert [a.source for a in reg.attendance] == [AttendanceSource.MEETING]


def test_join_as_organiser_is_moderator(
    client: FlaskClient,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = _bbb_session(create_session)
    login(create_user("admin", everywhere=True))
    resp = client.get(f"/events/{ev.id}/join")
    assert dict(parse_qsl(urlsplit(resp.location).query))["role"] == "MODERATOR"


def test_join_refused_when_not_registered_or_too_early(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    now_open = _bbb_session(create_session)
    later = _bbb_session(create_session, minutes_ahead=120)
    learner = create_user()
    services.register(session, later, learner)
    session.commit()
    login(learner)
    refused = client.get(f"/events/{now_open.id}/join")
    assert refused.status_code == 403
    assert "not registered" in text_of(refused.get_data(as_text=True))
    early = client.get(f"/events/{later.id}/join")
    assert early.status_code == 409
    assert "opens 15 minutes before" in text_of(early.get_data(as_text=True))
    assert f"/events/{later.id}/join" not in client.get(f"/events/{later.id}").get_data(
        as_text=True
    )
    assert configured.meetings == {}


def test_join_when_the_meeting_service_is_down(
    app: Flask,
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "BBB_URL", f"http://127.0.0.1:{_free_port()}/bigbluebutton/")
    monkeypatch.setitem(app.config, "BBB_SECRET", SECRET)
    monkeypatch.setitem(app.config, "BBB_TIMEOUT", 2)
    ev = _bbb_session(create_session)
    learner = create_user()
    reg = services.register(session, ev, learner)
    session.commit()
    login(learner)
    resp = client.get(f"/events/{ev.id}/join")
    assert resp.status_code == 503
    assert "The meeting service is not answering" in text_of(resp.get_data(as_text=True))
    session.refresh(reg)
    assert reg.attendance == []


def test_join_a_link_session_is_refused(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session()
    learner = create_user()
    services.register(session, ev, learner)
    session.commit()
    login(learner)
    assert client.get(f"/events/{ev.id}/join").status_code == 409


def test_fetch_recordings_from_the_meeting_service(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = _bbb_session(create_session)
    configured.recordings[ev.uid] = [{"id": "r1", "url": "https://bbb.example.org/playback/r1"}]
    login(create_user("admin", everywhere=True))
    for _ in range(2):  # asking again adds nothing twice
        resp = client.post(f"/events/manage/sessions/{ev.id}/recordings/fetch")
        assert resp.status_code == 302
    session.refresh(ev)
    assert [(r.url, r.is_published) for r in ev.recordings] == [
        ("https://bbb.example.org/playback/r1", False)
    ]


def test_verify_jwt_accepts_only_our_signature() -> None:
    good = bbb.sign_jwt({"meeting_id": "m1"}, SECRET)
    assert bbb.verify_jwt(good, SECRET) == {"meeting_id": "m1"}
    assert bbb.verify_jwt(bbb.sign_jwt({"a": 1}, SECRET, "HS512"), SECRET) == {"a": 1}
    head, body, _mac = good.split(".")
    unsigned = bbb._b64encode(b'{"alg":"none","typ":"JWT"}') + f".{body}."
    expired = bbb.sign_jwt({"exp": 1}, SECRET)
    for token in (
        bbb.sign_jwt({"meeting_id": "m1"}, "not-the-secret"),
        unsigned,
        expired,
        "not.a.jwt",
        "",
        f"{head}.{bbb._b64encode(b'{}')}.{_mac}",  # claims changed after signing
    ):
        with pytest.raises(bbb.BadSignature):
            bbb.verify_jwt(token, SECRET)


def test_join_asks_for_callbacks(
    client: FlaskClient,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = _bbb_session(create_session)
    login(create_user("admin", everywhere=True))
    client.get(f"/events/{ev.id}/join")
    params = configured.meetings[ev.uid]["params"]
    assert params["meta_analytics-callback-url"].endswith(f"/events/bbb/{ev.id}/analytics")
    assert params["meta_bbb-recording-ready-url"].endswith(f"/events/bbb/{ev.id}/recording-ready")
    assert params["meetingKeepEvents"] == "true"


def test_recording_ready_callback(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_session: Callable[..., EventSession],
) -> None:
    ev = _bbb_session(create_session)
    configured.recordings[ev.uid] = [{"id": "r1", "url": "https://bbb.example.org/playback/r1"}]
    url = f"/events/bbb/{ev.id}/recording-ready"
    forged = bbb.sign_jwt({"meeting_id": ev.uid, "record_id": "r1"}, "guessed-secret")
    assert client.post(url, data={"signed_parameters": forged}).status_code == 403
    other = bbb.sign_jwt({"meeting_id": "another-meeting"}, SECRET)
    assert client.post(url, data={"signed_parameters": other}).status_code == 403
    assert client.post(url, data={}).status_code == 403
    session.refresh(ev)
    assert ev.recordings == []
    signed = bbb.sign_jwt({"meeting_id": ev.uid, "record_id": "r1"}, SECRET)
    assert client.post(url, data={"signed_parameters": signed}).status_code == 200
    session.refresh(ev)
    assert [r.url for r in ev.recordings] == ["https://bbb.example.org/playback/r1"]


def test_analytics_callback_sets_attendance(
    client: FlaskClient,
    session: Session,
    configured: FakeBBB,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ev = _bbb_session(create_session)
    came, absent = create_user(), create_user()
    a = services.register(session, ev, came)
    b = services.register(session, ev, absent)
    session.commit()
    body = {
        "version": "1.0",
        "meeting_id": ev.uid,
        "data": {
            "attendees": [
                {
                    "ext_user_id": str(came.id),
                    "name": came.name,
                    "moderator": False,
                    "joins": ["2026-12-01 10:00:00 +0000", "2026-12-01 10:40:00 +0000"],
                    "leaves": ["2026-12-01 10:30:00 +0000", "2026-12-01 10:55:00 +0000"],
                    "duration": 2700,
                }
            ]
        },
    }
    url = f"/events/bbb/{ev.id}/analytics"
    forged = {"Authorization": f"Bearer {bbb.sign_jwt({}, 'guessed', 'HS512')}"}
    assert client.post(url, json=body, headers=forged).status_code == 403
    assert client.post(url, json=body).status_code == 403
    session.refresh(a)
    assert a.status.value == "registered"
    good = {"Authorization": f"Bearer {bbb.sign_jwt({}, SECRET, 'HS512')}"}
    assert client.post(url, json=body | {"meeting_id": "x"}, headers=good).status_code == 403
    assert client.post(url, json=body, headers=good).status_code == 200
    session.refresh(a)
    session.refresh(b)
    assert a.status.value == "attended"
    assert [(r.minutes, r.source) for r in a.attendance] == [
        (30, AttendanceSource.MEETING),
        (15, AttendanceSource.MEETING),
    ]
    assert a.minutes_present == 45
    assert b.status.value == "no_show"
    from tests.content.conftest import events_of

    (event,) = events_of(session, "attended")
    assert event["result"] == {"duration": "PT45M"}
