"""Two people take the last place at the same moment: exactly one gets it.

The requests run on two threads with real transactions (not the rolled-back test transaction),
against a database of their own: PostgreSQL when ``LIBRARENA_TEST_DATABASE_URL`` is set (the
session row is locked with SELECT … FOR UPDATE), else a SQLite file (its one write lock
serialises the two, and the loser starts over and sees the place taken).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

import lms.models  # noqa: F401 - every table
from content.webinars import services
from content.webinars.models import (
    EventSeries,
    EventSession,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from lms.auth.models import Role, RoleAssignment, User
from lms.db import Base, db, utcnow
from tests.conftest import PASSWORD, make_test_app


@pytest.fixture
def racing_app(tmp_path: Path) -> Iterator[Flask]:
    base = os.environ.get("LIBRARENA_TEST_DATABASE_URL")
    dropper = None
    if base:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        name = f"librarena_race_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)

        def dropper() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    app = make_test_app(url, str(tmp_path))
    engine = db.state(app).engine
    Base.metadata.create_all(engine)
    yield app
    engine.dispose()
    if dropper is not None:
        dropper()


def test_last_place_goes_to_exactly_one(
    racing_app: Flask, password_hash: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with racing_app.app_context():
        s: Session = db.session
        people = []
        for n in range(2):
            user = User(
                email=f"racer{n}@example.org", name=f"Racer {n}", password_hash=password_hash
            )
            s.add(user)
            s.add(RoleAssignment(user=user, role=Role.LEARNER, unit=None))
            people.append(user)
        start = utcnow() + timedelta(days=3)
        series = EventSeries(title="Race")
        ev = EventSession(
            series=series,
            title="The last place",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/Stockholm",
            language="sv",
            capacity=1,
            kind=SessionKind.ONLINE_LINK,
            meeting_url="https://meet.example.org/race",
        )
        s.add(ev)
        s.commit()
        session_id = ev.id
        emails = [p.email for p in people]
        db.remove()

    # Both requests have read the session and counted no one before either takes the lock.
    barrier = threading.Barrier(2, timeout=10)
    waited = threading.local()
    real_lock = services.lock

    def racing_lock(session: Session, ident: int) -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            session.get(EventSession, ident)  # a read: this transaction's snapshot starts
            barrier.wait()
        real_lock(session, ident)

    monkeypatch.setattr(services, "lock", racing_lock)

    clients = []
    for email in emails:
        client = racing_app.test_client()
        resp = client.post("/login", data={"email": email, "password": PASSWORD})
        assert resp.status_code == 302
        clients.append(client)
    results: dict[int, Any] = {}

    def go(i: int) -> None:
        results[i] = clients[i].post(f"/events/{session_id}/register").status_code

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {0: 302, 1: 302}
    with racing_app.app_context():
        statuses = sorted(
            r.status.value
            for r in db.session.scalars(
                select(Registration).where(Registration.session_id == session_id)
            )
        )
        db.remove()
    assert statuses == [RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITLISTED.value]
