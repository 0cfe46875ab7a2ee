"""Machine clients of the content API: hashed bearer tokens, scopes, revoking."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from content.courses import tokens
from content.courses.models import ApiClient


def _client(session, *scopes):
    client, token = tokens.create_client(session, name="Intranet", scopes=list(scopes), by=None)
    session.commit()
    return client, token


def _get(client, url, token):
    return client.get(url, headers={"Authorization": f"Bearer {token}"})


def test_only_the_hash_of_a_token_is_stored(session):
    client, token = _client(session, tokens.CATALOGUE_READ)
    assert token.startswith("lrn_")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(session.scalar(select(ApiClient.token_hash)))


def test_a_catalogue_token_reads_the_catalogue_and_nothing_else(
    client, session, create_course, create_user, enrol
):
    course = create_course(slug="for-machines")
    learner = create_user()
    enrol(course, learner)
    api_client, token = _client(session, tokens.CATALOGUE_READ)
    resp = _get(client, "/api/v1/courses", token)
    assert resp.status_code == 200
    assert [c["slug"] for c in resp.get_json()["items"]] == ["for-machines"]
    assert _get(client, "/api/v1/courses/for-machines", token).status_code == 200
    session.refresh(api_client)
    assert api_client.last_used_at is not None
    # Another scope's view, and views for people only, are refused with the reason.
    resp = _get(client, f"/api/v1/learners/{learner.id}/enrolments", token)
    assert resp.status_code == 403
    assert 'error="insufficient_scope", scope="progress:read"' in resp.headers["WWW-Authenticate"]
    assert "progress:read" in resp.get_json()["errors"]["_"][0]
    assert _get(client, "/api/v1/enrolments", token).status_code == 403
    assert _get(client, "/api/v1/courses/for-machines/progress", token).status_code == 403


def test_a_progress_token_reads_a_learners_enrolments(
    client, session, create_course, create_user, enrol
):
    course = create_course(slug="tracked")
    learner = create_user()
    enrol(course, learner)
    _api_client, token = _client(session, tokens.PROGRESS_READ)
    resp = _get(client, f"/api/v1/learners/{learner.id}/enrolments", token)
    assert resp.status_code == 200
    [row] = resp.get_json()["items"]
    assert row["course"]["slug"] == "tracked"
    assert row["done"] == 0
    assert _get(client, "/api/v1/learners/999999/enrolments", token).status_code == 404
    assert _get(client, "/api/v1/courses", token).status_code == 403


def test_bad_and_revoked_tokens_are_refused(client, session):
    api_client, token = _client(session, tokens.CATALOGUE_READ)
    for bad in ("lrn_guess", token + "x", "", "not-even-ours"):
        resp = _get(client, "/api/v1/courses", bad)
        assert resp.status_code == 401, bad
        assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]
    tokens.revoke(session, api_client)
    session.commit()
    assert _get(client, "/api/v1/courses", token).status_code == 401


def test_people_cannot_use_the_machine_only_view(client, login, create_user):
    user = create_user()
    login(user)
    assert client.get(f"/api/v1/learners/{user.id}/enrolments").status_code == 403


def test_global_admin_creates_and_revokes_clients_in_the_browser(
    client, login, create_user, create_unit, session
):
    admin = create_user("admin", everywhere=True)
    login(admin)
    assert client.get("/author/api-clients").status_code == 200
    resp = client.post("/author/api-clients", data={"name": "Intranet", "scopes": ["nope"]})
    assert resp.status_code == 422
    assert "Choose at least one of the options." in resp.get_data(as_text=True)
    assert 'value="Intranet"' in resp.get_data(as_text=True)
    resp = client.post(
        "/author/api-clients", data={"name": "Intranet", "scopes": ["catalogue:read"]}
    )
    assert resp.status_code == 201
    token = re.search(r'value="(lrn_[^"]+)"', resp.get_data(as_text=True)).group(1)
    assert client.get("/author/api-clients").get_data(as_text=True).count(token) == 0
    found = session.scalar(select(ApiClient).where(ApiClient.name == "Intranet"))
    assert found.scopes == ["catalogue:read"]
    client.get("/logout")
    assert _get(client, "/api/v1/courses", token).status_code == 200
    login(admin)
    resp = client.post(f"/author/api-clients/{found.id}/revoke")
    assert resp.status_code == 302
    assert _get(client, "/api/v1/courses", token).status_code == 401


def test_regional_admins_and_coordinators_cannot_manage_clients(
    client, login, create_user, create_unit
):
    login(create_user("admin", unit=create_unit("region")))
    assert client.get("/author/api-clients").status_code == 403
    client.get("/logout")
    login(create_user("coordinator", everywhere=True))
    assert client.get("/author/api-clients").status_code == 403
