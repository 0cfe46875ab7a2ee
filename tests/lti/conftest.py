"""Fixtures for the LTI tests: the independent test platform, registered in the tool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.lti.platform import Platform


@pytest.fixture
def platform(app: Flask, session: Session) -> Iterator[Platform]:
    p = Platform(app)
    # access tokens are cached per process by platform id; ids repeat after each rollback
    app.extensions.pop("librarena.lti.tokens", None)
    registered = p.register_in(session)
    session.commit()
    p.registered_id = registered.id  # type: ignore[attr-defined]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        p.install(rsps)
        p.rsps = rsps  # type: ignore[attr-defined]
        yield p


@pytest.fixture
def start_login(client: FlaskClient, platform: Platform) -> Callable[..., str]:
    """The platform starts a login; returns where the tool redirects the browser."""

    def go(**kwargs: Any) -> str:
        url = platform.login_url(**kwargs)
        resp = client.get(url.replace("http://librarena.localhost", ""))
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return str(resp.location)

    return go


@pytest.fixture
def launch(
    client: FlaskClient, platform: Platform, start_login: Callable[..., str]
) -> Callable[..., Any]:
    """A whole launch: login, the platform's id_token, the post to our launch URL."""

    def go(**kwargs: Any) -> Any:
        redirect = start_login()
        posted = platform.id_token_for(redirect, **kwargs)
        return client.post(
            "/lti/launch", data={"id_token": posted["id_token"], "state": posted["state"]}
        )

    return go


from tests.content.conftest import create_course  # noqa: E402, F401 - the content factory


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's CLI runner; the commands' engine disposal would drop the test's pool."""
    from lms.db import db

    monkeypatch.setattr(db.state(app).engine, "dispose", lambda *args, **kwargs: None)
    return app.test_cli_runner()
