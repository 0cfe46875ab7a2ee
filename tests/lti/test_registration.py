"""LTI Dynamic Registration 1.0: the platform opens our registration link."""

from __future__ import annotations

import json

import responses
from sqlalchemy import select

from lti import registration
from lti.models import LtiPlatform
from tests.conftest import text_of

MOODLE = "https://moodle45.test"
CONFIG_URL = MOODLE + "/mod/lti/openid-configuration.php"


def _platform_endpoints(rsps, received, *, issuer=MOODLE, client_id="dyn-client"):
    config = {
        "issuer": issuer,
        "authorization_endpoint": MOODLE + "/mod/lti/auth.php",
        "token_endpoint": MOODLE + "/mod/lti/token.php",
        "jwks_uri": MOODLE + "/mod/lti/certs.php",
        "registration_endpoint": MOODLE + "/mod/lti/openid-registration.php",
        "scopes_supported": [
            "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        ],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "moodle",
            "version": "4.5",
        },
    }

    def registering(request):
        received.append((request.headers.get("Authorization"), json.loads(request.body)))
        answer = {
            "client_id": client_id,
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "7"},
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(answer)

    rsps.add(responses.GET, CONFIG_URL, json=config)
    rsps.add_callback(responses.POST, config["registration_endpoint"], callback=registering)


def _link(app):
    with app.test_request_context():
        return registration.new_link().replace("http://librarena.localhost", "")


def test_platform_registers_itself(app, client, platform, session):
    received = []
    _platform_endpoints(platform.rsps, received)
    resp = client.get(_link(app) + f"?openid_configuration={CONFIG_URL}&registration_token=tok")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert 'id="lti-registration-done"' in resp.get_data(as_text=True)
    [(auth, body)] = received
    assert auth == "Bearer tok"
    assert body["initiate_login_uri"] == "http://librarena.localhost/lti/login"
    assert body["redirect_uris"] == ["http://librarena.localhost/lti/launch"]
    assert body["jwks_uri"] == "http://librarena.localhost/lti/jwks"
    tool = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert {m["type"] for m in tool["messages"]} == {
        "LtiResourceLinkRequest",
        "LtiDeepLinkingRequest",
    }
    stored = session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == MOODLE)).one()
    assert stored.client_id == "dyn-client"
    assert stored.auth_login_url == MOODLE + "/mod/lti/auth.php"
    assert [d.deployment_id for d in stored.deployments] == ["7"]
    assert stored.registration["response"]["client_id"] == "dyn-client"


def test_registration_link_works_once(app, client, platform, session):
    _platform_endpoints(platform.rsps, [])
    link = _link(app) + f"?openid_configuration={CONFIG_URL}"
    assert client.get(link).status_code == 200
    again = client.get(link)
    assert again.status_code == 400
    assert "used already" in text_of(again.get_data(as_text=True))


def test_forged_link_is_refused(client, platform, session):
    resp = client.get(f"/lti/register/forged?openid_configuration={CONFIG_URL}")
    assert resp.status_code == 400
    page = text_of(resp.get_data(as_text=True))
    assert "Registration failed" in page
    assert "not valid" in page


def test_issuer_on_another_host_is_refused(app, client, platform, session):
    _platform_endpoints(platform.rsps, [], issuer="https://elsewhere.test")
    resp = client.get(_link(app) + f"?openid_configuration={CONFIG_URL}")
    assert resp.status_code == 400
    assert "is not on the host" in text_of(resp.get_data(as_text=True))
    assert (
        session.scalars(select(LtiPlatform).where(LtiPlatform.issuer.like("%elsewhere%"))).first()
        is None
    )


def test_configuration_unreachable(app, client, platform, session):
    resp = client.get(_link(app) + "?openid_configuration=https://down.test/config")
    assert resp.status_code == 502
    assert "registration service at https://down.test/config failed" in text_of(
        resp.get_data(as_text=True)
    )


def test_admin_makes_a_registration_link(client, login, create_user):
    login(create_user("admin", everywhere=True))
    resp = client.post("/lti/platforms/registration-link")
    assert resp.status_code == 200
    assert "/lti/register/" in resp.get_data(as_text=True)
