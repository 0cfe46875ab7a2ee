"""Our signing keys: generated on first use, published with kids, rotated by command."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from lti import keys
from lti.models import LtiPlatform, LtiToolKey


def test_jwks_publishes_a_key_made_on_first_use(client, session):
    resp = client.get("/lti/jwks")
    assert resp.status_code == 200
    assert "max-age" in resp.headers["Cache-Control"]
    body = resp.get_json()
    assert len(body["keys"]) == 1
    key = body["keys"][0]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["use"] == "sig"
    assert key["kid"]
    assert "d" not in key  # no private part
    assert client.get("/lti/jwks").get_json() == body  # the same key, not a new one each time


def test_private_key_is_stored_encrypted(client, session):
    client.get("/lti/jwks")
    stored = session.scalars(select(LtiToolKey)).one()
    assert "PRIVATE KEY" not in stored.private_encrypted


def test_rotation_keeps_the_previous_key_published(app, session, cli):
    with app.test_request_context():
        first = keys.active_key(session).kid
        session.commit()
    result = cli.invoke(args=["lti", "rotate-keys"])
    assert result.exit_code == 0, result.output
    new_kid = result.output.strip().rsplit(" ", 1)[1]
    assert new_kid != first
    client = app.test_client()
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert set(kids) == {first, new_kid}
    # a second rotation drops the oldest
    third = cli.invoke(args=["lti", "rotate-keys"]).output.strip().rsplit(" ", 1)[1]
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert set(kids) == {new_kid, third}


def test_signed_jwt_verifies_with_the_published_key(app, session):
    with app.test_request_context():
        token = keys.sign(session, {"iss": "me", "aud": "you"})
        published = keys.jwks(session)
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in published["keys"] if k["kid"] == kid)
    public = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    assert jwt.decode(token, public, algorithms=["RS256"], audience="you")["iss"] == "me"


def test_cli_add_platform_registers_and_prints_the_tool_urls(cli, session):
    result = cli.invoke(
        args=[
            "lti",
            "add-platform",
            "--name",
            "Moodle Dalarna",
            "--issuer",
            "https://moodle.example",
            "--client-id",
            "abc",
            "--auth-login-url",
            "https://moodle.example/mod/lti/auth.php",
            "--token-url",
            "https://moodle.example/mod/lti/token.php",
            "--jwks-url",
            "https://moodle.example/mod/lti/certs.php",
            "--deployment",
            "1",
            "--deployment",
            "2",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "/lti/login" in result.output
    assert "/lti/jwks" in result.output
    platform = session.scalars(
        select(LtiPlatform).where(LtiPlatform.issuer == "https://moodle.example")
    ).one()
    assert [d.deployment_id for d in platform.deployments] == ["1", "2"]


def test_cli_add_platform_refuses_bad_urls_and_duplicates(cli, session):
    args = [
        "lti",
        "add-platform",
        "--name",
        "X",
        "--issuer",
        "https://x.example",
        "--client-id",
        "c",
        "--auth-login-url",
        "not a url",
        "--token-url",
        "https://x.example/t",
        "--jwks-url",
        "https://x.example/j",
    ]
    bad = cli.invoke(args=args)
    assert bad.exit_code != 0
    assert "auth_login_url" in bad.output
    assert session.scalars(select(LtiPlatform)).first() is None
    args[args.index("not a url")] = "https://x.example/a"
    assert cli.invoke(args=args).exit_code == 0
    again = cli.invoke(args=args)
    assert again.exit_code != 0
    assert "registered already" in again.output
