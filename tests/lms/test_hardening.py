"""Inputs that once reached the database unchecked, and secrets that once reached the logs."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from lms.app import RedactTokens
from lms.auth.models import User
from lms.orgs.models import OrgUnit, Programme

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/orgs/{HUGE}",
        f"/orgs/{HUGE}/edit",
        f"/programmes/{HUGE}",
        f"/admin/users/{HUGE}",
        f"/api/v1/units/{HUGE}",
        f"/api/v1/programmes/{HUGE}",
    ],
)
def test_huge_ids_in_urls_are_not_found(client, create_user, login, path):
    login(create_user("admin", everywhere=True))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/programmes", "/admin/users/", "/orgs/"])
def test_huge_page_numbers_show_an_empty_page(client, create_user, login, path):
    login(create_user("admin", everywhere=True))
    assert client.get(f"{path}?page={HUGE}").status_code == 200


def test_api_page_beyond_range_is_422(client, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.get(f"/api/v1/units?page={HUGE}")
    assert resp.status_code == 422
    assert "page" in resp.get_json()["errors"]


@pytest.mark.parametrize(
    ("parent_id", "status"), [(int(HUGE), 422), (1.5, 422), (True, 422), ("7", None)]
)
def test_api_parent_id_must_be_a_whole_number_in_range(
    client, session, create_unit, create_user, login, parent_id, status
):
    municipality = create_unit("municipality")
    login(create_user("admin", everywhere=True))
    value = str(municipality.id) if parent_id == "7" else parent_id
    resp = client.post("/api/v1/units", json={"name": "Nytt bibliotek", "parent_id": value})
    if status is None:  # a numeric string is what an HTML form sends: accepted
        assert resp.status_code == 201
        return
    assert resp.status_code == status
    assert "parent_id" in resp.get_json()["errors"]
    assert session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Nytt bibliotek")) is None


def test_api_lone_surrogate_is_refused_not_stored(client, session, create_unit, create_user, login):
    municipality = create_unit("municipality")
    login(create_user("admin", everywhere=True))
    body = f'{{"name": "Bad \\ud800 name", "parent_id": {municipality.id}}}'
    resp = client.post("/api/v1/units", data=body, content_type="application/json")
    assert resp.status_code == 422
    assert "not valid text" in resp.get_json()["errors"]["name"][0]


def test_api_optional_field_may_be_null(client, create_unit, create_user, login):
    municipality = create_unit("municipality")
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/api/v1/units", json={"name": "Filial", "parent_id": municipality.id, "code": None}
    )
    assert resp.status_code == 201


def test_unit_names_compare_case_insensitively_beyond_ascii(
    client, session, create_unit, create_user, login
):
    municipality = create_unit("municipality")
    login(create_user("admin", everywhere=True))
    first = client.post(
        f"/orgs/new?parent_id={municipality.id}", data={"name": "Älvdalens bibliotek"}
    )
    assert first.status_code == 302
    again = client.post(
        f"/orgs/new?parent_id={municipality.id}", data={"name": "ÄLVDALENS BIBLIOTEK"}
    )
    assert again.status_code == 422
    assert "already a unit with this name" in again.get_data(as_text=True)
    count = session.scalar(
        select(func.count(OrgUnit.id)).where(OrgUnit.parent_id == municipality.id)
    )
    assert count == 1


def test_region_names_are_unique_too(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    for _ in range(2):
        client.post("/orgs/new", data={"name": "Örebro län", "country": "SE"})
    assert session.scalar(select(func.count(OrgUnit.id)).where(OrgUnit.name == "Örebro län")) == 1


def test_programme_names_with_nordic_letters_conflict_cleanly(
    client, session, create_unit, create_user, login
):
    region = create_unit("region")
    login(create_user("coordinator", unit=region))
    data = {"name": "Övning", "regions": str(region.id)}
    assert client.post("/programmes/new", data=data).status_code == 302
    again = client.post("/programmes/new", data={**data, "name": "ÖVNING"})
    assert again.status_code == 422
    assert session.scalar(select(func.count(Programme.id))) == 1


def test_bad_list_item_error_sits_on_its_field(client, create_unit, create_user, login):
    region = create_unit("region")
    login(create_user("coordinator", unit=region))
    resp = client.post("/programmes/new", data={"name": "P", "regions": "abc"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'href="#regions"' in page
    assert "regions.0" not in page


def test_unique_race_is_a_409_not_a_500(client, session, create_user, login, monkeypatch):
    from lms.auth import services

    taken = create_user(email="taken@example.org")
    login(create_user("admin", everywhere=True))
    # As if a parallel request had created the same address after our check ran.
    monkeypatch.setattr(services, "find_by_email", lambda _s, _e: None)
    resp = client.post(
        "/admin/users/new",
        data={
            "name": "Twin",
            "email": taken.email,
            "locale": "sv",
            "role": "learner",
            "unit_id": str(taken.roles[0].unit_id),
            "send": "password",
            "password": "long enough secret",
        },
    )
    assert resp.status_code == 409
    assert "at the same time" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count(User.id)).where(User.email == taken.email)) == 1


def test_one_client_cannot_try_passwords_across_many_accounts(
    app, client, create_user, monkeypatch
):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_CLIENT", "3 per hour")
    users = [create_user() for _ in range(4)]
    codes = [
        client.post("/login", data={"email": u.email, "password": "guess one"}).status_code
        for u in users
    ]
    assert codes == [422, 422, 422, 429]


def test_regional_admin_cannot_edit_someone_working_elsewhere(
    client, session, create_unit, create_user, login
):
    from lms.orgs import services as orgs
    from lms.orgs.models import JobTitle

    region_a = create_unit("region")
    admin_a = create_user("admin", unit=region_a)
    victim = create_user("learner")  # works in a library of another region
    # Give them a tie to region A as well, and take away their role: still not A's to edit.
    library_a = create_unit("library", parent=create_unit("municipality", parent=region_a))
    orgs.add_member(session, victim, library_a, JobTitle.LIBRARIAN)
    for assignment in list(victim.roles):
        session.delete(assignment)
    session.commit()
    login(admin_a)
    resp = client.post(
        f"/admin/users/{victim.id}",
        data={"name": victim.name, "email": "attacker@evil.example", "locale": "en"},
    )
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(User, victim.id).email != "attacker@evil.example"


@pytest.mark.parametrize(
    ("fmt", "args"),
    [
        ('%s - - "%s" %s', ("127.0.0.1", "GET /password/reset/SECRETTOKEN HTTP/1.1", 200)),
        ('"%s" %s %s', ("POST /invitation/SECRETTOKEN HTTP/1.1", "302", "-")),
        ('"%s" %s %s', ("GET /events/feed/SECRETTOKEN/librarena.ics HTTP/1.1", "200", "-")),
    ],
)
def test_tokens_are_redacted_from_log_lines(fmt, args):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, fmt, args, None)
    assert RedactTokens().filter(record)
    assert "SECRETTOKEN" not in record.getMessage()
    assert "…" in record.getMessage()


def test_token_pages_send_no_referrer(client):
    resp = client.get("/password/reset/some-token")
    assert resp.headers["Referrer-Policy"] == "no-referrer"
