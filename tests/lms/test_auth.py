from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from lms.auth.models import TokenPurpose, User, UserToken
from lms.auth.services import use_token
from lms.db import utcnow
from lms.outbox.models import OutboxMessage
from lms.outbox.services import deliver_due
from tests.conftest import PASSWORD, text_of


def test_login_with_right_password_signs_in(client, create_user):
    user = create_user("learner", name="Ada Librarian")
    resp = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert resp.status_code == 302
    home = client.get("/")
    assert "Ada Librarian" in home.get_data(as_text=True)


def test_login_wrong_password_keeps_email_and_says_so(client, create_user):
    user = create_user()
    resp = client.post("/login", data={"email": user.email, "password": "wrong one"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "password is wrong" in body
    assert f'value="{user.email}"' in body
    assert client.get("/").status_code == 302  # still signed out


def test_login_unknown_user_gets_the_same_answer(client):
    resp = client.post("/login", data={"email": "nobody@example.org", "password": "whatever1"})
    assert resp.status_code == 422
    assert "password is wrong" in resp.get_data(as_text=True)


def test_login_inactive_user_refused(client, create_user):
    user = create_user(is_active=False)
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 422


def test_login_empty_form_names_both_fields(client):
    resp = client.post("/login", data={})
    assert resp.status_code == 422
    assert resp.get_data(as_text=True).count("This field is required.") >= 2


def test_login_rate_limited_after_repeated_failures(client, create_user):
    user = create_user()
    for _ in range(5):
        assert (
            client.post("/login", data={"email": user.email, "password": "bad"}).status_code == 422
        )
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert "Too many attempts" in resp.get_data(as_text=True)


def test_login_success_does_not_count_towards_limit(client, create_user, login):
    user = create_user()
    for _ in range(7):
        login(user)
        client.post("/logout")


def test_logout_ends_session(client, create_user, login):
    login(create_user())
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_login_next_is_followed_only_on_this_site(client, create_user):
    user = create_user()
    resp = client.post(
        "/login?next=https://evil.example/x", data={"email": user.email, "password": PASSWORD}
    )
    assert resp.location == "/"
    client.post("/logout")
    resp = client.post("/login?next=/profile", data={"email": user.email, "password": PASSWORD})
    assert resp.location == "/profile"


def _token_from_mail(app: Flask) -> str:
    mails = sorted(Path(app.config["MAIL_DIR"]).glob("*.eml"), key=lambda p: p.stat().st_mtime)
    message = email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)
    match = re.search(r"/password/reset/([\w-]+)", message.get_body().get_content())
    assert match
    return match.group(1)


def test_password_reset_round_trip_by_mail(app, client, session, create_user):
    user = create_user(locale="sv")
    resp = client.post("/password/forgot", data={"email": user.email})
    assert resp.status_code == 302
    # Nothing is sent inside the request: the mail waits in the outbox for the worker.
    message = session.scalars(select(OutboxMessage)).one()
    assert message.payload["to"] == user.email
    assert deliver_due(app, session) == 1
    token = _token_from_mail(app)
    resp = client.post(
        f"/password/reset/{token}",
        data={"password": "a new long password", "password_confirm": "a new long password"},
    )
    assert resp.status_code == 302
    assert (
        client.post(
            "/login", data={"email": user.email, "password": "a new long password"}
        ).status_code
        == 302
    )
    # Single use: the same link now says it has expired or been used.
    client.post("/logout")
    again = client.get(f"/password/reset/{token}")
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)


def test_password_reset_unknown_address_queues_nothing_but_answers_the_same(client, session):
    resp = client.post("/password/forgot", data={"email": "ghost@example.org"})
    assert resp.status_code == 302
    assert session.scalars(select(OutboxMessage)).all() == []


def test_password_reset_expired_token_refused(session, client, create_user):
    from datetime import timedelta

    from lms.auth.services import issue_token

    user = create_user()
    token = issue_token(session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    row = session.scalars(select(UserToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    resp = client.post(
        f"/password/reset/{token}",
        data={"password": "another password", "password_confirm": "another password"},
    )
    assert resp.status_code == 404
    session.expire_all()
    assert session.get(User, user.id).password_hash == user.password_hash


def test_password_reset_short_password_keeps_token_usable(session, client, create_user):
    from datetime import timedelta

    from lms.auth.services import issue_token

    user = create_user()
    token = issue_token(session, user, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    session.commit()
    resp = client.post(
        f"/password/reset/{token}", data={"password": "short", "password_confirm": "short"}
    )
    assert resp.status_code == 422
    assert "at least 10 characters" in resp.get_data(as_text=True)
    assert use_token(session, token, TokenPurpose.PASSWORD_RESET, "long enough now") == user


def test_password_reset_mismatched_confirmation(session, client, create_user):
    from datetime import timedelta

    from lms.auth.services import issue_token

    token = issue_token(session, create_user(), TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    session.commit()
    resp = client.post(
        f"/password/reset/{token}",
        data={"password": "long enough one", "password_confirm": "long enough two"},
    )
    assert resp.status_code == 422
    assert "not the same" in resp.get_data(as_text=True)


def test_passwords_are_hashed_with_scrypt(session, client, create_user, login):
    user = create_user()
    login(user)
    client.post(
        "/profile/password",
        data={
            "current_password": PASSWORD,
            "password": "brand new secret",
            "password_confirm": "brand new secret",
        },
    )
    session.expire_all()
    stored = session.get(User, user.id).password_hash
    assert stored.startswith("scrypt:")
    assert "brand new secret" not in stored


def test_password_change_signs_out_other_sessions(app, session, create_user):
    user = create_user()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert c.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    resp = first.post(
        "/profile/password",
        data={
            "current_password": PASSWORD,
            "password": "brand new secret",
            "password_confirm": "brand new secret",
        },
    )
    assert resp.status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_password_change_wrong_current_password(client, create_user, login):
    login(create_user())
    resp = client.post(
        "/profile/password",
        data={
            "current_password": "nope nope nope",
            "password": "brand new secret",
            "password_confirm": "brand new secret",
        },
    )
    assert resp.status_code == 422
    assert "not your current password" in resp.get_data(as_text=True)


def test_profile_update_and_bad_timezone(client, session, create_user, login):
    user = create_user()
    login(user)
    resp = client.post(
        "/profile", data={"name": "New Name", "locale": "da", "timezone": "Europe/Copenhagen"}
    )
    assert resp.status_code == 302
    session.expire_all()
    fresh = session.get(User, user.id)
    assert (fresh.name, fresh.locale, fresh.timezone) == ("New Name", "da", "Europe/Copenhagen")
    resp = client.post("/profile", data={"name": "Other", "timezone": "Mars/Olympus"})
    assert resp.status_code == 422
    session.expire_all()
    assert session.get(User, user.id).name == "New Name"


def test_home_requires_sign_in(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.location.startswith("/login")


def test_home_fits_the_role(client, create_user, login):
    login(create_user("manager"))
    assert "You lead a team" in text_of(client.get("/").get_data(as_text=True))
