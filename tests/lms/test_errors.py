from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from lms.auth.models import User
from tests.conftest import make_test_app


def test_errors_unknown_page_is_html_404_in_users_language(client):
    resp = client.get("/no/such/page", headers={"Accept-Language": "en"})
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert "There is nothing at this address." in resp.get_data(as_text=True)


def test_errors_api_404_is_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.is_json
    assert "errors" in resp.get_json()


def test_errors_json_accept_header_gets_json(client):
    resp = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.get_json()["errors"]


def test_errors_method_not_allowed_names_allowed_methods(client):
    resp = client.put("/login")
    assert resp.status_code == 405
    assert "GET" in resp.headers["Allow"]


def test_errors_ten_megabyte_field_is_413_not_500(client, session):
    before = session.scalar(select(User.id).limit(1))
    resp = client.post("/login", data={"email": "x@example.org", "password": "a" * 10_000_000})
    assert resp.status_code == 413
    assert "larger than this service accepts" in resp.get_data(as_text=True)
    assert session.scalar(select(User.id).limit(1)) == before


def test_errors_non_utf8_form_field_gets_clear_message(client, create_user, login, session):
    user = create_user(name="Kept Name")
    login(user)
    body = b"name=Bad%FF%FEName&locale=sv"
    resp = client.post("/profile", data=body, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 422
    assert "not valid text" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).name == "Kept Name"


def test_errors_control_characters_refused(client, create_user, login):
    login(create_user())
    resp = client.post("/profile", data={"name": "Evil\x00Name"})
    assert resp.status_code == 422


def test_errors_unexpected_exception_is_500_page_and_rolls_back(
    app: Flask, tmp_path, connection, session, create_user
):
    from lms.db import db

    user = create_user(name="Before")
    boom_app = make_test_app(app.config["DATABASE_URL"], str(tmp_path))
    db.state(boom_app).sessionmaker = db.state(app).sessionmaker

    @boom_app.get("/_boom")
    def _boom() -> str:
        db.session.get(User, user.id).name = "Half-done change"
        db.session.flush()
        raise RuntimeError("boom")

    resp = boom_app.test_client().get("/_boom")
    assert resp.status_code == 500
    assert "Nothing was saved" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, user.id).name == "Before"


@pytest.fixture
def csrf_client(app: Flask, tmp_path, connection):
    from lms.db import db

    csrf_app = make_test_app(app.config["DATABASE_URL"], str(tmp_path), WTF_CSRF_ENABLED=True)
    state = db.state(csrf_app)
    state.sessionmaker = db.state(app).sessionmaker  # the test's rolled-back connection
    return csrf_app.test_client()


def test_errors_csrf_missing_token_refused_with_clear_message(csrf_client, create_user):
    user = create_user()
    resp = csrf_client.post("/login", data={"email": user.email, "password": "x" * 12})
    assert resp.status_code == 400
    assert "form has expired" in resp.get_data(as_text=True)


def test_errors_csrf_valid_token_accepted(csrf_client, create_user):
    import re

    from tests.conftest import PASSWORD

    user = create_user()
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = csrf_client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302


def test_health_endpoints(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["database"] == "ok"


def test_readyz_reports_unreachable_database(tmp_path):
    broken = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", str(tmp_path))
    resp = broken.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["database"] == "unreachable"


def test_security_headers_and_cookie_flags(client, create_user):
    from tests.conftest import PASSWORD

    user = create_user()
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


def test_secure_cookie_flag_when_configured(app, tmp_path, connection):
    from lms.db import db

    secure = make_test_app(app.config["DATABASE_URL"], str(tmp_path), SECURE_COOKIES=True)
    db.state(secure).sessionmaker = db.state(app).sessionmaker
    resp = secure.test_client().post("/language", data={"locale": "sv"})
    assert "Secure" in resp.headers["Set-Cookie"]
