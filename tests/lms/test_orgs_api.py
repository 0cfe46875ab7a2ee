"""The JSON API for units and programmes under /api/v1."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.orgs import services as orgs
from lms.orgs.models import Country, GroupKind, GroupMember, OrgUnit, Programme, ProgrammeGroup


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(OrgUnit))


@pytest.fixture
def dalarna(create_unit):
    region = create_unit("region", name="Dalarna")
    falun = create_unit("municipality", parent=region, name="Falun")
    create_unit("library", parent=falun, name="Falu stadsbibliotek")
    create_unit("library", parent=falun, name="Svärdsjö bibliotek")
    return region


# Signing in


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/units"),
        ("get", "/api/v1/units/1"),
        ("post", "/api/v1/units"),
        ("get", "/api/v1/programmes"),
        ("get", "/api/v1/programmes/1"),
    ],
)
def test_api_unauthenticated_is_401_json_not_a_redirect(client, method, url):
    resp = getattr(client, method)(url, json={"name": "X", "country": "SE"})
    assert resp.status_code == 401
    assert resp.is_json
    assert resp.get_json()["errors"]["_"] == ["Sign in to use this service."]


def test_api_unauthenticated_post_creates_nothing(client, session):
    before = _count(session)
    client.post("/api/v1/units", json={"name": "Sneaky", "country": "SE"})
    assert _count(session) == before


# Listing and reading units


def test_api_units_scoped_to_the_coordinator(client, dalarna, create_unit, create_user, login):
    create_unit("region", name="Värmland")
    login(create_user("coordinator", unit=dalarna))
    resp = client.get("/api/v1/units")
    assert resp.status_code == 200
    body = resp.get_json()
    names = sorted(item["name"] for item in body["items"])
    assert names == ["Dalarna", "Falu stadsbibliotek", "Falun", "Svärdsjö bibliotek"]
    assert (body["page"], body["per_page"], body["total"]) == (1, 25, 4)
    region = next(item for item in body["items"] if item["name"] == "Dalarna")
    assert region == {
        "id": dalarna.id,
        "kind": "region",
        "name": "Dalarna",
        "code": None,
        "country": "SE",
        "address": None,
        "parent_id": None,
        "path": f"/{dalarna.id}/",
    }


def test_api_units_kind_filter_and_paging(client, dalarna, create_user, login):
    login(create_user("admin", everywhere=True))
    body = client.get("/api/v1/units?kind=library&per_page=1").get_json()
    assert body["total"] == 2
    assert [i["name"] for i in body["items"]] == ["Falu stadsbibliotek"]
    body = client.get("/api/v1/units?kind=library&per_page=1&page=2").get_json()
    assert [i["name"] for i in body["items"]] == ["Svärdsjö bibliotek"]
    assert body["page"] == 2
    assert client.get("/api/v1/units?per_page=100").status_code == 200


def test_api_units_blank_paging_means_the_defaults(client, dalarna, create_user, login):
    # what a form with empty page fields sends; it once reached the query as None
    login(create_user("admin", everywhere=True))
    resp = client.get("/api/v1/units?kind=library&page=&per_page=%20")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["page"], body["per_page"], len(body["items"])) == (1, 25, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [("per_page=101", "per_page"), ("page=0", "page"), ("page=x", "page"), ("kind=city", "kind")],
)
def test_api_units_bad_query_is_422(client, create_user, login, query, field):
    login(create_user("admin", everywhere=True))
    resp = client.get(f"/api/v1/units?{query}")
    assert resp.status_code == 422
    assert field in resp.get_json()["errors"]


def test_api_units_learner_is_forbidden(client, create_user, login):
    login(create_user("learner"))
    resp = client.get("/api/v1/units")
    assert resp.status_code == 403
    assert resp.get_json()["errors"]


def test_api_unit_detail_with_children(client, dalarna, create_user, login):
    login(create_user("coordinator", unit=dalarna))
    body = client.get(f"/api/v1/units/{dalarna.id}").get_json()
    assert body["name"] == "Dalarna"
    assert [(c["name"], c["kind"]) for c in body["children"]] == [("Falun", "municipality")]


def test_api_unit_outside_scope_is_403_and_unknown_404(
    client, dalarna, create_unit, create_user, login
):
    other = create_unit("library")
    login(create_user("coordinator", unit=dalarna))
    assert client.get(f"/api/v1/units/{other.id}").status_code == 403
    resp = client.get("/api/v1/units/999999")
    assert resp.status_code == 404
    assert resp.is_json


# Creating units


def test_api_create_child_unit(client, session, dalarna, create_user, login):
    login(create_user("coordinator", unit=dalarna))
    resp = client.post(
        "/api/v1/units",
        json={"name": "Mora", "parent_id": dalarna.id, "code": "2062", "address": "Mora"},
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert (body["name"], body["kind"], body["country"], body["code"]) == (
        "Mora",
        "municipality",
        "SE",
        "2062",
    )
    assert resp.headers["Location"].endswith(f"/api/v1/units/{body['id']}")
    created = session.get(OrgUnit, body["id"])
    assert created.path == f"{dalarna.path}{created.id}/"
    assert client.get(resp.headers["Location"]).get_json()["name"] == "Mora"


def test_api_create_region_by_admin(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post("/api/v1/units", json={"name": "Innlandet", "country": "NO"})
    assert resp.status_code == 201
    assert (resp.get_json()["kind"], resp.get_json()["country"]) == ("region", "NO")


def test_api_create_region_by_coordinator_is_403(client, session, dalarna, create_user, login):
    login(create_user("coordinator", unit=dalarna))
    before = _count(session)
    resp = client.post("/api/v1/units", json={"name": "Mine", "country": "SE"})
    assert resp.status_code == 403
    assert _count(session) == before


def test_api_create_under_parent_outside_scope_is_403(
    client, session, dalarna, create_unit, create_user, login
):
    varmland = create_unit("region", name="Värmland")
    login(create_user("coordinator", unit=dalarna))
    before = _count(session)
    resp = client.post("/api/v1/units", json={"name": "Karlstad", "parent_id": varmland.id})
    assert resp.status_code == 403
    assert _count(session) == before


def test_api_create_learner_is_403(client, session, create_user, login):
    user = create_user("learner")
    login(user)
    before = _count(session)
    resp = client.post(
        "/api/v1/units", json={"name": "X", "parent_id": user.memberships[0].library.parent_id}
    )
    assert resp.status_code == 403
    assert _count(session) == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"name": "Broken"', "application/json"),
        ('["name", "Broken"]', "application/json"),
        ('"just a string"', "application/json"),
        ("name=Broken&country=SE", "application/x-www-form-urlencoded"),
        ("", "application/json"),
    ],
)
def test_api_create_unreadable_body_is_400(client, session, create_user, login, data, content_type):
    login(create_user("admin", everywhere=True))
    before = _count(session)
    resp = client.post("/api/v1/units", data=data, content_type=content_type)
    assert resp.status_code == 400
    assert resp.get_json()["errors"]["_"]
    assert _count(session) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "country": "SE"}, "name"),
        ({"name": "   ", "country": "SE"}, "name"),
        ({"name": 42, "country": "SE"}, "name"),
        ({"name": "X" * 201, "country": "SE"}, "name"),
        ({"name": "Nowhere"}, "country"),
        ({"name": "Nowhere", "country": "FI"}, "country"),
        ({"name": "Orphan", "parent_id": 999999}, "parent_id"),
        ({"name": "Orphan", "parent_id": "one"}, "parent_id"),
        ({"name": "Orphan", "parent_id": True}, "parent_id"),
    ],
)
def test_api_create_invalid_fields_is_422(client, session, create_user, login, body, field):
    login(create_user("admin", everywhere=True))
    before = _count(session)
    resp = client.post("/api/v1/units", json=body)
    assert resp.status_code == 422
    assert field in resp.get_json()["errors"]
    assert _count(session) == before


def test_api_create_under_library_is_422(client, session, create_unit, create_user, login):
    library = create_unit("library")
    login(create_user("admin", everywhere=True))
    before = _count(session)
    resp = client.post("/api/v1/units", json={"name": "Branch", "parent_id": library.id})
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["parent_id"] == ["A library cannot contain other units."]
    assert _count(session) == before


def test_api_create_duplicate_name_is_409(client, session, dalarna, create_user, login):
    login(create_user("admin", everywhere=True))
    before = _count(session)
    resp = client.post("/api/v1/units", json={"name": "falun", "parent_id": dalarna.id})
    assert resp.status_code == 409
    assert resp.get_json()["errors"]["name"] == ["There is already a unit with this name here."]
    assert _count(session) == before


def test_api_create_ten_megabyte_field_is_413(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    before = _count(session)
    resp = client.post(
        "/api/v1/units",
        data=json.dumps({"name": "x" * 10_000_000, "country": "SE"}),
        content_type="application/json",
    )
    assert resp.status_code == 413
    assert resp.is_json
    assert _count(session) == before


def test_api_unknown_fields_are_ignored(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/api/v1/units", json={"name": "Uppsala", "country": "SE", "path": "/1/", "id": 7}
    )
    assert resp.status_code == 201
    created = session.get(OrgUnit, resp.get_json()["id"])
    assert created.path == f"/{created.id}/"


# Programmes


@pytest.fixture
def kub(session, dalarna, create_user):
    programme = Programme(
        name="KUB",
        description="Kompetensutveckling.",
        starts_on=date(2012, 9, 1),
        ends_on=date(2014, 12, 31),
        regions=[dalarna],
    )
    session.add(programme)
    session.flush()
    orgs.add_phase(
        session,
        programme,
        name="Mobilisering",
        starts_on=date(2012, 9, 1),
        ends_on=date(2013, 6, 30),
    )
    member = create_user("coordinator", unit=dalarna, name="Cecilia Lindgren")
    group = ProgrammeGroup(programme=programme, kind=GroupKind.PROJECT_TEAM, name="Projektgrupp")
    group.members = [GroupMember(user=member, task="Länskonsulent")]
    session.add(group)
    session.commit()
    return programme


def test_api_programmes_list_for_a_learner(client, kub, create_user, login):
    login(create_user("learner"))
    body = client.get("/api/v1/programmes").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["name"] == "KUB"
    assert (item["starts_on"], item["ends_on"]) == ("2012-09-01", "2014-12-31")
    assert item["regions"] == [{"id": kub.regions[0].id, "kind": "region", "name": "Dalarna"}]


def test_api_programme_detail(client, session, kub, create_user, login):
    login(create_user("learner"))
    body = client.get(f"/api/v1/programmes/{kub.id}").get_json()
    assert body["description"] == "Kompetensutveckling."
    assert [(p["name"], p["starts_on"], p["ends_on"]) for p in body["phases"]] == [
        ("Mobilisering", "2012-09-01", "2013-06-30")
    ]
    member = session.scalars(select(User).where(User.name == "Cecilia Lindgren")).one()
    assert body["groups"] == [
        {
            "id": kub.groups[0].id,
            "kind": "project_team",
            "name": "Projektgrupp",
            "members": [
                {"user_id": member.id, "name": "Cecilia Lindgren", "task": "Länskonsulent"}
            ],
        }
    ]
    assert member.email not in json.dumps(body)  # names and tasks only


def test_api_programme_unknown_is_404(client, create_user, login):
    login(create_user("learner"))
    resp = client.get("/api/v1/programmes/999999")
    assert resp.status_code == 404
    assert resp.get_json()["errors"]


def test_api_programmes_paging_limit(client, create_user, login):
    login(create_user("learner"))
    assert client.get("/api/v1/programmes?per_page=101").status_code == 422
    assert client.get("/api/v1/programmes?per_page=100").status_code == 200


def test_api_country_choice_serialises_as_value(client, create_unit, create_user, login):
    create_unit("region", name="Region Midtjylland", country=Country.DK)
    login(create_user("admin", everywhere=True))
    items = client.get("/api/v1/units?kind=region").get_json()["items"]
    assert {"Region Midtjylland": "DK"}.items() <= {i["name"]: i["country"] for i in items}.items()


# CSRF: the API rides on the session cookie, so a change needs the session's token too.


@pytest.fixture
def csrf_client(app, tmp_path, connection):
    from lms.db import db
    from tests.conftest import make_test_app

    csrf_app = make_test_app(app.config["DATABASE_URL"], str(tmp_path), WTF_CSRF_ENABLED=True)
    db.state(csrf_app).sessionmaker = db.state(app).sessionmaker  # the test's connection
    return csrf_app.test_client()


def test_api_create_needs_csrf_token_when_csrf_is_on(csrf_client, session, create_user):
    import re

    from tests.conftest import PASSWORD

    user = create_user("admin", everywhere=True)
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    csrf_client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    before = _count(session)
    refused = csrf_client.post("/api/v1/units", json={"name": "Uppsala", "country": "SE"})
    assert refused.status_code == 400
    assert refused.is_json
    assert _count(session) == before
    page = csrf_client.get("/programmes").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = csrf_client.post(
        "/api/v1/units", json={"name": "Uppsala", "country": "SE"}, headers={"X-CSRFToken": token}
    )
    assert resp.status_code == 201
