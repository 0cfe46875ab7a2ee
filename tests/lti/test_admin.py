"""Administrators register platforms and see what to paste into them."""

from __future__ import annotations

from sqlalchemy import select

from lti.models import LtiPlatform
from tests.conftest import text_of

FORM = {
    "name": "Canvas Uppsala",
    "issuer": "https://canvas.instructure.com",
    "client_id": "10000000000001",
    "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
    "auth_token_url": "https://sso.canvaslms.com/login/oauth2/token",
    "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
    "deployment_ids": "1:abc\n2:def",
}


def test_admin_registers_a_platform(client, login, create_user, session):
    login(create_user("admin", everywhere=True))
    resp = client.post("/lti/platforms/new", data=FORM)
    assert resp.status_code == 302
    platform = session.scalars(select(LtiPlatform)).one()
    assert platform.client_id == "10000000000001"
    assert [d.deployment_id for d in platform.deployments] == ["1:abc", "2:def"]
    page = client.get(resp.location).get_data(as_text=True)
    for value in ("/lti/login", "/lti/launch", "/lti/jwks"):
        assert value in page
    assert 'data-copy="url-jwks"' in page


def test_bad_form_keeps_input_and_names_the_field(client, login, create_user, session):
    login(create_user("admin", everywhere=True))
    resp = client.post("/lti/platforms/new", data={**FORM, "jwks_url": "ftp://x"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Enter a full web address" in text_of(page)
    assert 'value="Canvas Uppsala"' in page
    assert session.scalars(select(LtiPlatform)).first() is None


def test_duplicate_deployment_is_refused(client, login, create_user, session):
    login(create_user("admin", everywhere=True))
    location = client.post("/lti/platforms/new", data=FORM).location
    resp = client.post(location + "/deployments", data={"deployment_id": "1:abc"})
    assert resp.status_code == 422
    assert "registered already" in text_of(resp.get_data(as_text=True))
    ok = client.post(location + "/deployments", data={"deployment_id": "3:ghi"})
    assert ok.status_code == 302
    platform = session.scalars(select(LtiPlatform)).one()
    session.refresh(platform)
    assert len(platform.deployments) == 3


def test_regional_admin_may_not_register_platforms(client, login, create_user, create_unit):
    login(create_user("admin", unit=create_unit("region")))
    assert client.get("/lti/platforms").status_code == 403
    assert client.post("/lti/platforms/new", data=FORM).status_code == 403
