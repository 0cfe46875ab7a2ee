from __future__ import annotations

import re

import pytest

from lms.orgs.models import Country


def _lang(resp) -> str:
    return re.search(r'<html lang="([^"]+)"', resp.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sv-SE,sv;q=0.9,en;q=0.5", "sv"),
        ("nb-NO", "nb"),
        ("no", "nb"),
        ("nn-NO,nn;q=0.9", "nb"),
        ("da", "da"),
        ("de-DE,en;q=0.3", "en"),
        ("fr", "en"),
    ],
)
def test_i18n_locale_from_accept_language(client, header, expected):
    assert _lang(client.get("/login", headers={"Accept-Language": header})) == expected


def test_i18n_choice_beats_accept_language_and_survives_sign_out(client, create_user, login):
    client.post("/language", data={"locale": "da", "next": "/login"})
    assert _lang(client.get("/login", headers={"Accept-Language": "sv"})) == "da"
    user = create_user()
    login(user)
    client.post("/logout")
    assert _lang(client.get("/login", headers={"Accept-Language": "sv"})) == "da"


def test_i18n_user_setting_is_saved(client, session, create_user, login):
    from lms.auth.models import User

    user = create_user(locale=None)
    login(user)
    client.post("/language", data={"locale": "nb"})
    session.expire_all()
    assert session.get(User, user.id).locale == "nb"
    # On another device, the account's language wins over the browser.
    other = client.application.test_client()
    other.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert _lang(other.get("/", headers={"Accept-Language": "en"})) == "nb"


def test_i18n_unknown_locale_ignored(client):
    resp = client.post("/language", data={"locale": "xx", "next": "/login"})
    assert resp.status_code == 302
    assert _lang(client.get("/login", headers={"Accept-Language": "en"})) == "en"


def test_i18n_language_switch_does_not_redirect_offsite(client):
    resp = client.post("/language", data={"locale": "sv", "next": "//evil.example/"})
    assert resp.location == "/"


def test_i18n_organisation_country_when_browser_says_nothing(
    client, create_unit, create_user, login
):
    library = create_unit("library", country=Country.DK)
    user = create_user(unit=library)
    login(user)
    assert _lang(client.get("/", headers={"Accept-Language": ""})) == "da"


def test_i18n_dates_follow_locale_and_timezone(app, create_unit, create_user, session):
    from datetime import UTC, datetime

    from flask_babel import format_datetime
    from flask_login import login_user

    library = create_unit("library", country=Country.NO)
    user = create_user(unit=library, locale="nb")
    with app.test_request_context("/"):
        login_user(user)
        # 12:00 UTC is 13:00 in Oslo in winter, 14:00 in summer.
        assert "13:00" in format_datetime(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "short")
        assert "14:00" in format_datetime(datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "short")
