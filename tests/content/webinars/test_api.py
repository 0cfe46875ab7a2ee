"""The JSON API: sessions, one's own registration, and the organisers' list."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import EventSession
from lms.auth.models import User
from lms.orgs.models import OrgUnit

Login = Callable[[User], None]


def test_api_needs_sign_in(client: FlaskClient) -> None:
    resp = client.get("/api/v1/events")
    assert resp.status_code == 401
    assert "errors" in resp.get_json()


def test_api_lists_registers_and_cancels(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_unit: Callable[..., OrgUnit],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session(capacity=1)
    hidden = create_session(audience=[create_unit("region")])
    learner = create_user()
    login(learner)
    listed = client.get("/api/v1/events").get_json()
    assert [item["id"] for item in listed["items"]] == [ev.id]
    assert listed["items"][0]["starts_at"].startswith(ev.starts_at.strftime("%Y-%m-%dT%H:%M"))
    assert "meeting_url" not in listed["items"][0]
    assert client.get(f"/api/v1/events/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/events/{ev.id}/registration").status_code == 404
    created = client.post(f"/api/v1/events/{ev.id}/registration")
    assert created.status_code == 201
    assert created.get_json()["status"] == "registered"
    again = client.post(f"/api/v1/events/{ev.id}/registration")
    assert again.status_code == 409
    assert "already registered" in again.get_json()["errors"]["_"][0]
    one = client.get(f"/api/v1/events/{ev.id}").get_json()
    assert (one["places_taken"], one["my_status"]) == (1, "registered")
    assert one["meeting_url"] == ev.meeting_url
    assert client.get(f"/api/v1/events/{ev.id}/registrations").status_code == 403
    assert client.delete(f"/api/v1/events/{ev.id}/registration").status_code == 204
    assert client.delete(f"/api/v1/events/{ev.id}/registration").status_code == 409
    reg = services.registration_of(session, ev, learner)
    assert reg is not None
    session.refresh(reg)
    assert reg.status.value == "cancelled"


def test_api_registrations_for_organisers(
    client: FlaskClient,
    session: Session,
    create_user: Callable[..., User],
    create_session: Callable[..., EventSession],
    login: Login,
) -> None:
    ev = create_session(capacity=1)
    first, second = create_user(), create_user()
    services.register(session, ev, first)
    services.register(session, ev, second)
    session.commit()
    login(create_user("admin", everywhere=True))
    items = client.get(f"/api/v1/events/{ev.id}/registrations").get_json()["items"]
    assert [(i["user_id"], i["status"]) for i in items] == [
        (first.id, "registered"),
        (second.id, "waitlisted"),
    ]


def test_openapi_describes_the_events_api(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = doc["paths"]["/api/v1/events"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"page", "per_page"}
    body = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["properties"]["items"]["items"] == {"$ref": "#/components/schemas/EventOut"}
    event = doc["components"]["schemas"]["EventOut"]["properties"]
    assert event["starts_at"] == {"type": "string", "format": "date-time"}
    assert event["my_status"] == {"type": "string", "nullable": True}
    assert event["series"] == {"$ref": "#/components/schemas/SeriesOut"}
    mine = doc["paths"]["/api/v1/events/{session_id}/registration"]
    assert set(mine) == {"get", "post", "delete"}
    assert mine["post"]["summary"].startswith("Register the caller")
    reg = mine["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert reg == {"$ref": "#/components/schemas/RegistrationOut"}
    every = doc["paths"]["/api/v1/events/{session_id}/registrations"]["get"]
    many = every["responses"]["200"]["content"]["application/json"]["schema"]
    assert many["properties"]["items"]["items"] == {"$ref": "#/components/schemas/RegistrationOut"}
