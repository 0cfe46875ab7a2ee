"""Inside an iframe without third-party cookies: platform storage, partitioned cookies."""

from __future__ import annotations

from sqlalchemy import func, select

from lti.models import LtiLaunch


def test_login_with_platform_storage_renders_the_postmessage_page(client, platform):
    url = platform.login_url().replace("http://librarena.localhost", "")
    resp = client.get(url + "&lti_storage_target=_parent")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="lti-storage-put"' in html
    assert 'data-target="_parent"' in html
    assert 'data-origin="https://platform.test"' in html


def test_storage_verified_launch_needs_no_cookie(app, client, platform, session):
    url = platform.login_url().replace("http://librarena.localhost", "")
    redirect = client.get(url + "&lti_storage_target=_parent")
    state_html = redirect.get_data(as_text=True)
    next_url = state_html.split('data-next="')[1].split('"')[0].replace("&amp;", "&")
    posted = platform.id_token_for(next_url)
    cookieless = app.test_client()
    data = {"id_token": posted["id_token"], "state": posted["state"]}
    # first the page that asks the platform's storage for the state
    asked = cookieless.post("/lti/launch", data=data)
    assert asked.status_code == 200
    assert 'id="lti-storage-get"' in asked.get_data(as_text=True)
    # then the same post with the value the platform gave back
    done = cookieless.post("/lti/launch", data={**data, "lti_storage_verified": posted["state"]})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(LtiLaunch)) == 1


def test_storage_proof_is_ignored_for_a_cookie_login(app, client, start_login, platform, session):
    posted = platform.id_token_for(start_login())
    cookieless = app.test_client()
    resp = cookieless.post(
        "/lti/launch",
        data={
            "id_token": posted["id_token"],
            "state": posted["state"],
            "lti_storage_verified": posted["state"],
        },
    )
    assert resp.status_code == 400
    assert session.scalar(select(func.count()).select_from(LtiLaunch)) == 0


def test_cookies_are_partitioned_behind_https(app, client, platform, launch):
    app.config["SECURE_COOKIES"] = True
    try:
        login = client.get(platform.login_url().replace("http://librarena.localhost", ""))
        state_cookie = login.headers["Set-Cookie"]
        assert "SameSite=None" in state_cookie
        assert "Secure" in state_cookie
        assert "Partitioned" in state_cookie
        assert "HttpOnly" in state_cookie
        resp = launch()
        entered = client.get(resp.location)
        session_cookie = next(
            h for h in entered.headers.getlist("Set-Cookie") if h.startswith("session=")
        )
        assert "SameSite=None" in session_cookie
        assert "Partitioned" in session_cookie
        assert "Secure" in session_cookie
    finally:
        app.config["SECURE_COOKIES"] = False
