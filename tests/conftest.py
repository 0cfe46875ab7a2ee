"""Test fixtures: one app per run, each test inside a transaction that is rolled back.

The database is SQLite in a temporary folder, or PostgreSQL when
``LIBRARENA_TEST_DATABASE_URL`` is set. Tests get a ``session`` of their own; each request the
test client makes gets the app's usual request session. Both sit on one connection inside one
outer transaction (SQLAlchemy's ``join_transaction_mode="create_savepoint"`` recipe), so what a
view commits is visible to the test and everything is gone when the test ends.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import generate_password_hash

import lms.models  # noqa: F401 - every table
from lms import create_app
from lms.auth.models import Role, RoleAssignment, User
from lms.auth.services import PASSWORD_METHOD
from lms.db import Base, db
from lms.extensions import limiter
from lms.orgs import services as orgs
from lms.orgs.models import Country, JobTitle, OrgUnit
from lms.xapi.models import Statement

PASSWORD = "correct horse battery"


def test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LIBRARENA_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def make_test_app(url: str, instance: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_DIR": os.path.join(instance, "mail"),
        "MEDIA_ROOT": os.path.join(instance, "media"),  # uploads never land in the repo
        "BASE_URL": "http://librarena.localhost",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = test_database_url(tmp_path_factory)
    app = make_test_app(url, str(tmp_path_factory.mktemp("instance")))
    engine = db.state(app).engine
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)  # tests only; the app itself migrates with Alembic
    yield app
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def fresh_url(tmp_path: Any) -> Iterator[str]:
    """An empty database of its own: a new SQLite file, or a new PostgreSQL database beside the
    test database (for what must not run in the tests' rolled-back transaction)."""
    base = os.environ.get("LIBRARENA_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"librarena_fresh_{os.getpid()}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield engine.url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def own_app(fresh_url: str, tmp_path: Any) -> Iterator[Flask]:
    """An app on a database of its own (``fresh_url``), with every table and nothing in them:
    for what runs as in production, on connections of its own, committing for real."""
    app = make_test_app(fresh_url, str(tmp_path))
    with app.app_context():
        Base.metadata.create_all(db.engine)
    yield app
    with app.app_context():
        db.engine.dispose()


def bind_to_connection(app: Flask, connection: Any) -> Callable[[], None]:
    state = db.state(app)
    original = state.sessionmaker
    state.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )

    def restore() -> None:
        state.sessionmaker = original

    return restore


@pytest.fixture
def connection(app: Flask) -> Iterator[Any]:
    conn = db.state(app).engine.connect()
    outer = conn.begin()
    restore = bind_to_connection(app, conn)
    limiter.reset()
    yield conn
    restore()
    outer.rollback()
    conn.close()


@pytest.fixture
def session(app: Flask, connection: Any) -> Iterator[Session]:
    """The test's own session; ``commit()`` only releases a savepoint. It names its app, as
    services recording learning events outside an application context need
    (``lms.xapi.events.app_of``)."""
    with Session(bind=connection, join_transaction_mode="create_savepoint", info={"app": app}) as s:
        yield s


@pytest.fixture
def client(app: Flask, connection: Any) -> FlaskClient:
    """A browser that asks for English, the language the assertions are written in; a test of
    another language says so (a header, /language or the account's own choice)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """An application context, as ``librarena demo`` and the worker have: mail is rendered in it."""
    with app.app_context():
        yield


@pytest.fixture(scope="session")
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method=PASSWORD_METHOD)


@pytest.fixture
def create_unit(session: Session) -> Callable[..., OrgUnit]:
    """``create_unit("library")`` builds the region and municipality above it too."""
    counter = {"n": 0}

    def make(
        kind: str = "library",
        *,
        parent: OrgUnit | None = None,
        name: str | None = None,
        country: Country = Country.SE,
    ) -> OrgUnit:
        counter["n"] += 1
        n = counter["n"]
        if kind == "region":
            unit = orgs.create_unit(session, name=name or f"Region {n}", country=country)
        else:
            if parent is None:
                parent = make(
                    "region" if kind == "municipality" else "municipality", country=country
                )
            unit = orgs.create_unit(session, name=name or f"{kind.title()} {n}", parent=parent)
        session.commit()
        return unit

    return make


@pytest.fixture
def create_user(
    session: Session, password_hash: str, create_unit: Callable[..., OrgUnit]
) -> Callable[..., User]:
    """``create_user(role="manager", unit=lib)``; with no unit a learner or manager gets a
    library of their own. ``unit=None`` with ``everywhere=True`` gives a global role."""
    counter = {"n": 0}

    def make(
        role: str | Role = Role.LEARNER,
        *,
        unit: OrgUnit | None = None,
        everywhere: bool = False,
        email: str | None = None,
        name: str | None = None,
        job_title: JobTitle | None = None,
        locale: str | None = None,
        is_active: bool = True,
    ) -> User:
        counter["n"] += 1
        role = Role(role)
        user = User(
            email=email or f"user{counter['n']}@example.org",
            name=name or f"Test User {counter['n']}",
            password_hash=password_hash,
            locale=locale,
            is_active=is_active,
        )
        session.add(user)
        session.flush()
        if unit is None and not everywhere:
            unit = create_unit("library")
        session.add(RoleAssignment(user=user, role=role, unit=None if everywhere else unit))
        if unit is not None and unit.kind == "library":
            title = job_title or (JobTitle.MANAGER if role is Role.MANAGER else JobTitle.LIBRARIAN)
            orgs.add_member(session, user, unit, title)
        session.commit()
        return user

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], None]:
    def do(user: User, password: str = PASSWORD) -> None:
        resp = client.post("/login", data={"email": user.email, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)

    return do


def text_of(html: str) -> str:
    """The visible text of a page, whitespace folded: what a reader sees."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def statements_of(session: Session, verb: str | None = None) -> list[dict[str, Any]]:
    """The statements in the embedded LRS, oldest first; with ``verb`` (a name of
    ``lms.xapi.events.VERBS``), only those."""
    rows = session.scalars(select(Statement.data).order_by(Statement.seq))
    found = [json.loads(data) for data in rows]
    return [s for s in found if verb is None or s["verb"]["display"]["en-US"] == verb]


def object_of(statement: dict[str, Any]) -> tuple[str, str]:
    """(type, id) of a statement's activity, as ``events.record`` was given them."""
    kind, _, ident = statement["object"]["id"].rpartition("/activities/")[2].partition("/")
    return kind, ident


def verb_of(statement: dict[str, Any]) -> str:
    """A statement's verb, by the name ``events.record`` was given."""
    name: str = statement["verb"]["display"]["en-US"]
    return name
