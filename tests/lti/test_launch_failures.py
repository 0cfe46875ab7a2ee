"""Every refused launch: a page saying what was wrong, a log line, and nothing provisioned."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from sqlalchemy import func, select

from lti.models import LtiContext, LtiLaunch, LtiResourceLink, LtiUsedNonce, LtiUser
from lti.validate import DEPLOYMENT_ID, RESOURCE_LINK, ROLES, VERSION
from tests.conftest import text_of
from tests.lti.platform import new_private_pem


def _nothing_provisioned(session):
    for model in (LtiUser, LtiContext, LtiResourceLink, LtiLaunch, LtiUsedNonce):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model


def _refused(resp, status, text):
    assert resp.status_code == status, resp.get_data(as_text=True)
    page = text_of(resp.get_data(as_text=True))
    assert "The launch did not work" in page
    assert text in page, page
    return page


def _tamper(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_bad_signature(client, platform, start_login, session, caplog):
    posted = platform.id_token_for(start_login())
    with caplog.at_level(logging.WARNING, logger="lti.views"):
        resp = client.post(
            "/lti/launch", data={"id_token": _tamper(posted["id_token"]), "state": posted["state"]}
        )
    _refused(resp, 400, "signature does not verify")
    assert "bad_signature" in caplog.text
    _nothing_provisioned(session)


def test_unknown_kid_is_fetched_again_then_refused(client, platform, start_login, session):
    redirect = start_login()
    platform.registration.set_platform_private_key(new_private_pem())  # not published
    posted = platform.id_token_for(redirect)
    resp = client.post(
        "/lti/launch", data={"id_token": posted["id_token"], "state": posted["state"]}
    )
    _refused(resp, 400, "has no key")
    assert platform.jwks_requests == 1
    _nothing_provisioned(session)


def test_platform_key_rotation_is_followed(launch, platform, session):
    assert launch().status_code == 302
    assert platform.jwks_requests == 1
    from tests.lti.platform import public_pem_of

    rotated = new_private_pem()
    platform.published_pems.append(public_pem_of(rotated))
    platform.registration.set_platform_private_key(rotated)
    assert launch().status_code == 302  # unknown kid → key set fetched again, despite max-age
    assert platform.jwks_requests == 2


def test_key_set_is_cached_by_http_headers(launch, platform):
    assert launch().status_code == 302
    assert launch().status_code == 302
    assert platform.jwks_requests == 1


def test_key_set_marked_no_store_is_fetched_each_time(launch, platform):
    platform.jwks_cache_control = "no-store"
    assert launch().status_code == 302
    assert launch().status_code == 302
    assert platform.jwks_requests == 2


def test_wrong_audience(launch, session):
    resp = launch(extra={"aud": "some-other-tool"})
    _refused(resp, 400, "addressed to some-other-tool, not to this tool's client id")
    _nothing_provisioned(session)


def test_several_audiences_need_azp(launch, platform, session):
    resp = launch(extra={"aud": ["librarena-at-platform", "other"], "azp": "other"})
    _refused(resp, 400, "authorised party")
    _nothing_provisioned(session)


def test_expired_token(launch, session):
    resp = launch(expiration=-1000)
    _refused(resp, 400, "has expired")
    _nothing_provisioned(session)


def test_clock_tolerance_accepts_small_skew(launch):
    assert launch(expiration=-30).status_code == 302


def test_clock_tolerance_is_configurable(launch, app, session):
    app.config["LTI_CLOCK_TOLERANCE"] = 5
    try:
        resp = launch(expiration=-30)
    finally:
        app.config["LTI_CLOCK_TOLERANCE"] = 60
    _refused(resp, 400, "tolerance: 5 seconds")


def test_issued_in_the_future(launch, session):
    resp = launch(clock_offset=3600)
    _refused(resp, 400, "issued in the future")
    _nothing_provisioned(session)


def test_platform_clock_slightly_ahead_is_tolerated(launch):
    assert launch(clock_offset=40).status_code == 302


def test_replayed_id_token(client, platform, start_login, session):
    posted = platform.id_token_for(start_login())
    data = {"id_token": posted["id_token"], "state": posted["state"]}
    cookies = {c.key: c.value for c in client._cookies.values()}
    assert client.post("/lti/launch", data=data).status_code == 302
    # even with the state cookie put back (an attacker who copied it), the nonce is spent
    for key, value in cookies.items():
        client.set_cookie(key, value, path="/lti/launch")
    again = client.post("/lti/launch", data=data)
    _refused(again, 400, "already been used")
    assert session.scalar(select(func.count()).select_from(LtiLaunch)) == 1


def test_forged_state(client, platform, start_login, session):
    posted = platform.id_token_for(start_login())
    resp = client.post("/lti/launch", data={"id_token": posted["id_token"], "state": "forged"})
    _refused(resp, 400, "does not belong to a login started in this browser")
    _nothing_provisioned(session)


def test_state_from_another_browser_offers_a_new_window(app, platform, start_login, session):
    posted = platform.id_token_for(start_login())
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    resp = other.post(
        "/lti/launch", data={"id_token": posted["id_token"], "state": posted["state"]}
    )
    page = _refused(resp, 400, "does not belong to a login started in this browser")
    assert "Open in a new window" in page
    html = resp.get_data(as_text=True)
    assert 'target="_blank"' in html
    assert "/lti/login?iss=" in html
    _nothing_provisioned(session)


def test_nonce_must_be_the_one_sent(launch, session):
    resp = launch(nonce="not-ours")
    _refused(resp, 400, "nonce is not the one")
    _nothing_provisioned(session)


def test_unknown_deployment(launch, session):
    resp = launch(extra={DEPLOYMENT_ID: "deployment-9"})
    _refused(
        resp,
        400,
        "The deployment id deployment-9 is not registered for issuer https://platform.test",
    )
    _nothing_provisioned(session)


@pytest.mark.parametrize("claim", [ROLES, RESOURCE_LINK, VERSION, "sub"])
def test_missing_claims(launch, session, claim):
    resp = launch(drop=(claim,))
    _refused(resp, 400, f"lacks the required claim {claim}")
    _nothing_provisioned(session)


def test_wrong_version(launch, session):
    resp = launch(extra={VERSION: "1.1"})
    _refused(resp, 400, "LTI version 1.1 is not supported")


def test_jwks_endpoint_down(launch, platform, session):
    platform.jwks_status = 503
    resp = launch()
    _refused(resp, 502, "could not be fetched from https://platform.test/jwks")
    _nothing_provisioned(session)


def test_missing_id_token(client, start_login, session):
    location = start_login()
    state = location.split("state=")[1].split("&")[0]
    resp = client.post("/lti/launch", data={"state": state})
    _refused(resp, 400, "lacks the required claim id_token")


def test_garbage_id_token(client, start_login):
    location = start_login()
    state = location.split("state=")[1].split("&")[0]
    resp = client.post("/lti/launch", data={"state": state, "id_token": "not.a.jwt"})
    _refused(resp, 400, "not a readable JWT")


def test_alg_none_is_refused(client, start_login):
    import jwt

    location = start_login()
    state = location.split("state=")[1].split("&")[0]
    token = jwt.encode({"iss": "https://platform.test"}, None, algorithm="none")
    resp = client.post("/lti/launch", data={"state": state, "id_token": token})
    _refused(resp, 400, "only RS256 is accepted")


def test_login_from_unknown_platform(client, platform):
    resp = client.get(
        "/lti/login?iss=https://evil.test&login_hint=x"
        "&target_link_uri=http://librarena.localhost/lti/launch"
    )
    _refused(resp, 400, "No platform is registered here for issuer https://evil.test")


def test_login_with_foreign_target(client, platform):
    resp = client.get(
        "/lti/login?iss=https://platform.test&login_hint=x&target_link_uri=https://evil.test/x"
    )
    _refused(resp, 400, "is not an address of this tool")


def test_login_without_parameters(client, platform):
    resp = client.post("/lti/login", data={})
    _refused(resp, 400, "lacks the parameter iss")


def test_failure_page_speaks_the_users_language(launch, client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    resp = launch(expiration=-1000)
    assert resp.status_code == 400
    page = text_of(resp.get_data(as_text=True))
    assert "Starten misslyckades" in page, page
