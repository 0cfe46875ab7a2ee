"""Kill the worker in the middle of a batch: after a restart every statement reaches the
other LRS exactly once, as that LRS sees it.

The worker is a real ``librarena worker`` process on a database file; the other LRS is a small
WSGI app on 127.0.0.1 that stores statements by id the way the spec says (a repeat with the same
content is not stored again; other content is a 409) and counts every store. It takes the
second batch in, then holds its answer: the test kills the worker with SIGKILL right there.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from lms.db import Base, db
from lms.xapi.auth import create_client
from lms.xapi.forwarding import BATCH
from lms.xapi.models import ForwardQueue, ForwardTarget
from tests.conftest import make_test_app
from tests.lms.xapi.conftest import make_statement, new_id

LIBRARENA = str(Path(sys.executable).parent / "librarena")


class CountingLRS:
    """Statements by id, how often each was stored, and a gate that holds one answer."""

    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}
        self.stores: dict[str, int] = {}
        self.posts = 0
        self.hold_post = 0  # hold the answer to this POST (1-based); 0: hold none
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    def _store(self, statement: dict[str, Any]) -> bool:
        sid = statement["id"]
        if sid in self.stored:
            return self.stored[sid] == statement  # same: already there; else a conflict
        self.stored[sid] = statement
        self.stores[sid] = self.stores.get(sid, 0) + 1
        return True

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"null")
        with self.lock:
            self.posts += environ["REQUEST_METHOD"] == "POST"
            number = self.posts
            batch = body if isinstance(body, list) else [body]
            clash = any(s["id"] in self.stored and self.stored[s["id"]] != s for s in batch)
            if not clash:
                for statement in batch:
                    self._store(statement)
        if environ["REQUEST_METHOD"] == "POST" and number == self.hold_post:
            self.holding.set()
            self.release.wait(60)
        if clash:
            start_response("409 Conflict", [("Content-Type", "application/json")])
            return [b"{}"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps([s["id"] for s in batch]).encode()]


@pytest.fixture
def other_lrs() -> Iterator[tuple[CountingLRS, str]]:
    lrs = CountingLRS()
    server = make_server("127.0.0.1", 0, lrs, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield lrs, f"http://127.0.0.1:{server.server_port}/xapi/"
    lrs.release.set()
    server.shutdown()
    thread.join(timeout=10)


def _queue_length(app: Any) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(ForwardQueue)) or 0
        db.remove()
        return int(n)


def test_killed_mid_batch_nothing_lost_nothing_doubled(
    tmp_path: Path, other_lrs: tuple[CountingLRS, str]
) -> None:
    lrs, endpoint = other_lrs
    url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
    app = make_test_app(url, str(tmp_path))
    total = BATCH * 2 + 50
    with app.app_context():
        Base.metadata.create_all(db.engine)
        client, secret = create_client(db.session, "writer", ["all"])
        db.session.add(ForwardTarget(name="region", endpoint=endpoint, username="k", secret="s"))
        db.session.commit()
        key = client.key
    statements = [make_statement(id=new_id()) for _ in range(total)]
    http = app.test_client()
    auth = base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"}
    for start in range(0, total, 50):
        resp = http.post("/xapi/statements", json=statements[start : start + 50], headers=headers)
        assert resp.status_code == 200
    assert _queue_length(app) == total

    env = {
        **os.environ,
        "LIBRARENA_DATABASE_URL": url,
        "LIBRARENA_INSTANCE_PATH": str(tmp_path),
        "LIBRARENA_SECRET_KEY": "test-secret-key",
    }
    lrs.hold_post = 2  # the first batch gets through; the second is taken in, then held
    worker = subprocess.Popen(  # noqa: S603 - our own CLI
        [LIBRARENA, "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert lrs.holding.wait(120), "the worker never sent a second batch"
        os.kill(worker.pid, signal.SIGKILL)  # in the middle of the batch
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    lrs.release.set()
    # The second batch arrived at the other LRS, but its delivery was never recorded here.
    assert len(lrs.stored) == BATCH * 2
    assert _queue_length(app) == total - BATCH

    for _ in range(10):  # restarted: the worker goes on where it was
        if _queue_length(app) == 0:
            break
        done = subprocess.run(  # noqa: S603 - our own CLI
            [LIBRARENA, "worker", "--once"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert _queue_length(app) == 0
    assert set(lrs.stored) == {s["id"] for s in statements}  # nothing lost
    assert set(lrs.stores.values()) == {1}  # nothing stored twice
    assert lrs.posts == 4  # the second batch was sent again (and accepted as the same)
    with app.app_context():
        target = db.session.scalars(select(ForwardTarget)).one()
        # counted by the runs that recorded a delivery: the killed one never did for batch two
        assert target.delivered_count == total
        db.remove()
