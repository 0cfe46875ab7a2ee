"""LTI 1.3 login and launch against the independent test platform (lti1p3platform)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy import func, select

from lms.auth.models import User
from lms.xapi.emit import extension
from lti.models import LtiContextMember, LtiLaunch, LtiUser
from tests.conftest import statements_of
from tests.lti.platform import INSTRUCTOR, ISSUER


def test_login_redirects_to_the_platform_with_state_and_nonce(start_login, client):
    location = start_login()
    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    assert location.startswith(ISSUER + "/auth?")
    assert query["response_type"] == "id_token"
    assert query["response_mode"] == "form_post"
    assert query["prompt"] == "none"
    assert query["scope"] == "openid"
    assert query["redirect_uri"] == "http://librarena.localhost/lti/launch"
    assert len(query["state"]) > 30
    assert len(query["nonce"]) > 30


def test_launch_provisions_the_user_and_lands_in_the_tool(launch, client, session):
    resp = launch()
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert resp.location.startswith("/lti/enter/")
    entered = client.get(resp.location)
    assert entered.status_code == 302
    link = session.scalars(select(LtiUser).where(LtiUser.sub == "user-1")).one()
    assert link.issuer == ISSUER
    assert link.user.name == "Astrid Lindqvist"
    assert link.user.email == "astrid@platform.test"
    assert link.user.locale == "sv"
    assert link.user.password_hash is None
    member = session.scalars(select(LtiContextMember)).one()
    assert member.role == "learner"
    # signed in now: a page that needs an account answers
    assert client.get("/lti/unlinked").status_code == 200


def test_second_launch_updates_the_same_user(launch, client, session):
    assert launch().status_code == 302
    assert launch(name="Astrid Berg", roles=[INSTRUCTOR]).status_code == 302
    assert session.scalar(select(func.count()).select_from(LtiUser)) == 1
    user = session.scalars(select(LtiUser)).one().user
    assert user.name == "Astrid Berg"
    member = session.scalars(select(LtiContextMember)).one()
    assert member.role == "coordinator"


def test_launch_token_is_single_use(launch, client):
    resp = launch()
    first = client.get(resp.location)
    assert first.status_code == 302
    again = client.get(resp.location)
    assert again.status_code == 400
    # the person now reads in the platform's language (sv-SE)
    assert "Startlänken har gått ut" in again.get_data(as_text=True)


def test_existing_account_is_never_linked_by_email(launch, session, create_user):
    owner = create_user(email="astrid@platform.test")
    assert launch().status_code == 302
    link = session.scalars(select(LtiUser)).one()
    assert link.user_id != owner.id
    assert link.user.email.endswith("@lti.invalid")


def test_launch_records_launched_in_xapi(launch, session):
    assert launch().status_code == 302
    link = session.scalars(select(LtiUser)).one()
    [launched] = statements_of(session, "launched")
    extensions = launched["context"]["extensions"]
    assert extensions[extension("lti_platform")] == ISSUER
    assert extensions[extension("lti_context")] == "context-1"
    # the person's identity on the platform, and nothing that reaches them by e-mail
    assert extensions[extension("lti_users")] == [{"issuer": ISSUER, "sub": link.sub}]
    assert launched["actor"]["account"]["name"] == str(link.user_id)
    assert "@" not in json.dumps(launched)


def test_launch_token_hash_is_stored_not_the_token(launch, session):
    resp = launch()
    token = resp.location.rsplit("/", 1)[1]
    stored = session.scalars(select(LtiLaunch)).one()
    assert stored.token_hash != token
    assert len(stored.token_hash) == 64
    assert session.scalar(select(func.count()).select_from(User).where(User.email == token)) == 0


def test_deactivated_account_is_not_signed_in(launch, client, session):
    assert client.get(launch().location).status_code == 302
    user = session.scalars(select(LtiUser)).one().user
    user.is_active = False
    session.commit()
    client.post("/logout")
    resp = launch()
    entered = client.get(resp.location)
    assert entered.status_code == 403
    assert client.get("/lti/unlinked").status_code == 302  # not signed in
