"""Concurrent writers on one SQLite file: every statement is stored, none gets a 500, and a
writer holds the writers' lock only around its transaction."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from lms.db import Base, db
from lms.xapi import api
from lms.xapi.auth import create_client
from lms.xapi.writelock import WriteLock
from tests.conftest import make_test_app
from tests.lms.xapi.conftest import make_statement, new_id


def test_concurrent_posts_all_succeed(live_lrs: tuple[str, str, str]) -> None:
    endpoint, key, secret = live_lrs
    token = base64.b64encode(f"{key}:{secret}".encode()).decode()
    statuses: list[Any] = []

    def post(n: int) -> None:
        for _ in range(10):
            body = json.dumps([make_statement(id=new_id()) for _ in range(5)]).encode()
            request = urllib.request.Request(  # noqa: S310 - loopback test server
                endpoint + "statements",
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Basic {token}",
                    "X-Experience-API-Version": "1.0.3",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310
                    statuses.append(resp.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 80


@pytest.fixture(scope="module")
def file_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An LRS on its own SQLite file (sessions not bound to a test's connection), so requests
    take the writers' lock as they do in production; and the headers of a client."""
    folder = tmp_path_factory.mktemp("file-lrs")
    app = make_test_app(f"sqlite:///{folder / 'lrs.sqlite3'}", str(folder))
    with app.app_context():
        Base.metadata.create_all(db.engine)
        client, secret = create_client(db.session, "writer", ["all"])
        token = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
        db.session.commit()
    yield app, {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    with app.app_context():
        db.engine.dispose()


def test_writers_lock_is_held_only_around_the_transaction(
    file_lrs: tuple[Flask, dict[str, str]],
) -> None:
    app, headers = file_lrs
    client = app.test_client()
    client.get("/xapi/statements?limit=1", headers=headers)  # credentials cached from here on
    with app.app_context():
        lock = api._write_lock()
    assert lock is not None
    # Another writer holds the lock (flock is per open file: a second one blocks).
    other = WriteLock(lock.path)
    other.acquire()
    answers: list[int] = []

    def post_invalid() -> None:
        bad = make_statement(id=new_id())
        del bad["verb"]
        answers.append(client.post("/xapi/statements", json=bad, headers=headers).status_code)

    try:
        # Parsing, credentials and validation need no lock: a bad statement is refused while
        # someone else is writing, instead of queueing behind them.
        thread = threading.Thread(target=post_invalid)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert answers == [400]
        # A good one waits for its turn...
        stored: list[int] = []
        good = make_statement(id=new_id())
        thread = threading.Thread(
            target=lambda: stored.append(
                client.post("/xapi/statements", json=good, headers=headers).status_code
            )
        )
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()
        assert stored == []
    finally:
        other.release()
    # ...and is stored once the lock is free.
    thread.join(timeout=10)
    assert stored == [200]
    # Each request let the lock go: it can be taken at once.
    other.acquire()
    other.release()
