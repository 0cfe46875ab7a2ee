"""LRS test helpers: a client with chosen scopes, its Basic header, statement factories, and a
second LRS served by a real WSGI server (its own database: requests come from another thread,
so they cannot share the rolled-back transaction of the other tests)."""

from __future__ import annotations

import base64
import copy
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from lms.db import Base, db
from lms.outbox.services import deliver_due
from lms.xapi.auth import create_client
from lms.xapi.models import ForwardQueue, ForwardTarget
from tests.conftest import make_test_app

VERSION = {"X-Experience-API-Version": "1.0.3"}


def basic(key: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", **VERSION}


def own_lrs(app: Flask, *targets: str) -> dict[str, str]:
    """On an app with a database of its own (``own_app``): a client holding every scope, and a
    forwarding target for each name in ``targets``, committed. Returns the client's headers."""
    with app.app_context():
        client, secret = create_client(db.session, "player", ["all"])
        for name in targets:
            db.session.add(
                ForwardTarget(
                    name=name, endpoint=f"https://{name}.example/xapi/", username="k", secret="s"
                )
            )
        db.session.commit()
        return basic(client.key, secret)


@pytest.fixture
def lrs_headers(app: Flask, session: Session) -> Callable[..., dict[str, str]]:
    """``lrs_headers("statements/read")``: headers of a new client holding those scopes."""

    def make(*scopes: str, user: Any = None) -> dict[str, str]:
        with app.app_context():  # the secret is keyed with the app's SECRET_KEY
            client, secret = create_client(
                session, "test client", list(scopes or ("all",)), user=user
            )
        session.commit()
        return basic(client.key, secret)

    return make


@pytest.fixture
def headers(lrs_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
    return lrs_headers("all")


def make_statement(**overrides: Any) -> dict[str, Any]:
    """A valid statement; keyword arguments replace top-level parts."""
    statement: dict[str, Any] = {
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": "http://example.org/courses/1",
            "definition": {"name": {"en-US": "Course one", "sv-SE": "Kurs ett"}},
        },
    }
    statement.update(copy.deepcopy(overrides))
    return statement


@pytest.fixture
def post(client: FlaskClient, headers: dict[str, str]) -> Callable[..., Any]:
    """POST statements with the all-scope client; returns the response."""

    def do(body: Any, **extra: str) -> Any:
        return client.post("/xapi/statements", json=body, headers={**headers, **extra})

    return do


def new_id() -> str:
    return str(uuid.uuid4())


def queued(session: Session) -> list[ForwardQueue]:
    """What still waits to be forwarded, in sending order."""
    session.expire_all()
    return list(session.scalars(select(ForwardQueue).order_by(ForwardQueue.id)))


def deliver_now(app: Flask, session: Session) -> None:
    """One round of the worker (the outbox, then the forwarding queues), with every target
    due now whatever its back-off."""
    for target in session.scalars(select(ForwardTarget)):
        target.next_attempt_at = None
    session.commit()
    with app.app_context():
        deliver_due(app, db.session)
    session.expire_all()


@pytest.fixture(scope="module")
def live_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """A second Librarena LRS on 127.0.0.1: its endpoint, and the key and secret of a client."""
    folder: Path = tmp_path_factory.mktemp("second-lrs")
    app = make_test_app(f"sqlite:///{folder / 'lrs.sqlite3'}", str(folder))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        client, secret = create_client(db.session, "remote", ["all"])
        key = client.key
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/xapi/", key, secret
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app's CLI runner. The commands dispose of the engine when done (right for a real
    process); here that would drop the pool under the test's open transaction, so not."""
    monkeypatch.setattr(db.state(app).engine, "dispose", lambda *args, **kwargs: None)
    return app.test_cli_runner()
