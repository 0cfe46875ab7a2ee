"""A series for the people assigned a track: they may register, wherever they work."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import EventSeries, EventSession, RegistrationStatus
from lms.assignments.models import Assignment, AssignmentStatus, Track, TrackTranslation
from lms.auth.models import User
from lms.errors import Forbidden
from lms.orgs.models import OrgUnit
from tests.conftest import text_of

Login = Callable[[User], None]


def _track(session: Session, title: str = "Digitalt ledarskap") -> Track:
    track = Track(
        fallback_locale="en",
        is_published=True,
        translations=[TrackTranslation(locale="en", title=title)],
    )
    session.add(track)
    session.flush()
    return track


def _assign(session: Session, track: Track, user: User, *, active: bool = True) -> Assignment:
    assignment = Assignment(
        track=track,
        user=user,
        due_on=date.today() + timedelta(days=60),
        status=AssignmentStatus.ACTIVE if active else AssignmentStatus.WITHDRAWN,
    )
    session.add(assignment)
    session.flush()
    return assignment


def _for_track(session: Session, ev: EventSession, *tracks: Track) -> EventSession:
    ev.series.audience_tracks = list(tracks)
    session.commit()
    return ev


def test_assigned_people_may_register_others_may_not(
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
) -> None:
    track, other_track = _track(session), _track(session, "Läsfrämjande")
    region = create_unit("region")
    ev = _for_track(session, create_session(audience=[region]), track)
    assigned, withdrawn, elsewhere = create_user(), create_user(), create_user()
    staff = create_user(
        unit=create_unit("library", parent=create_unit("municipality", parent=region))
    )
    _assign(session, track, assigned)
    _assign(session, track, withdrawn, active=False)
    _assign(session, other_track, elsewhere)
    assert services.in_audience(ev.series, assigned)
    assert services.in_audience(ev.series, staff)  # the unit audience still counts
    assert not services.in_audience(ev.series, withdrawn)
    assert not services.in_audience(ev.series, elsewhere)
    assert services.register(session, ev, assigned).status is RegistrationStatus.REGISTERED
    with pytest.raises(Forbidden):
        services.register(session, ev, withdrawn)
    assert services.registration_of(session, ev, withdrawn) is None
    upcoming = list(session.scalars(services.upcoming()))
    assert ev in services.visible_to(upcoming, assigned)
    assert ev not in services.visible_to(upcoming, elsewhere)


def test_track_only_series_is_not_open_to_all(
    client: FlaskClient,
    session: Session,
    create_session: Callable[..., EventSession],
    create_user: Callable[..., User],
    login: Login,
) -> None:
    track = _track(session)
    ev = _for_track(session, create_session(), track)
    outsider, assigned = create_user(), create_user()
    _assign(session, track, assigned)
    session.commit()
    login(outsider)
    assert client.get(f"/events/{ev.id}").status_code == 404
    assert client.post(f"/events/{ev.id}/register").status_code == 404
    assert client.get("/api/v1/events").get_json()["items"] == []
    client.post("/logout")
    login(assigned)
    assert client.get(f"/events/{ev.id}").status_code == 200
    assert [i["id"] for i in client.get("/api/v1/events").get_json()["items"]] == [ev.id]
    assert client.post(f"/events/{ev.id}/register").status_code == 302
    reg = services.registration_of(session, ev, assigned)
    assert reg is not None


def test_coordinator_opens_a_series_to_a_track(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    login: Login,
) -> None:
    track = _track(session)
    region = create_unit("region")
    coordinator = create_user("coordinator", unit=region)
    session.commit()
    login(coordinator)
    form = client.get("/events/manage/new").get_data(as_text=True)
    assert f'name="tracks" value="{track.id}"' in form
    data = {"title": "Ledarskapsträffar", "owner_unit": str(region.id), "tracks": str(track.id)}
    bad = client.post("/events/manage/new", data=data | {"tracks": "999999"})
    assert bad.status_code == 422
    assert "Choose one of the options." in text_of(bad.get_data(as_text=True))
    assert 'value="Ledarskapsträffar"' in bad.get_data(as_text=True)
    assert (
        session.scalar(select(EventSeries).where(EventSeries.title == "Ledarskapsträffar")) is None
    )
    resp = client.post("/events/manage/new", data=data)
    assert resp.status_code == 302
    series = session.scalars(
        select(EventSeries).where(EventSeries.title == "Ledarskapsträffar")
    ).one()
    assert [t.id for t in series.audience_tracks] == [track.id]
    page = text_of(client.get(f"/events/manage/{series.id}").get_data(as_text=True))
    assert "Open to the people assigned: Digitalt ledarskap" in page
    assert "Open to everyone." not in page
    edit = client.get(f"/events/manage/{series.id}/edit").get_data(as_text=True)
    assert f'value="{track.id}" checked' in edit
    assert (
        client.post(
            f"/events/manage/{series.id}/edit", data={"title": "Ledarskapsträffar"}
        ).status_code
        == 302
    )
    session.refresh(series)
    assert series.audience_tracks == []
