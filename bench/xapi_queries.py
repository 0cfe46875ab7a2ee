"""Filtered GET /xapi/statements: p50 latency as the store grows.

    .venv/bin/python bench/xapi_queries.py [SIZES ...]      (default: 10000 100000)

Fills a fresh SQLite store through the LRS's own service (batches of 500, as a client posting
batches would), then times GET with an agent, verb, activity, registration or related_agents
filter and limit=100 through the WSGI app (no network), 200 requests each, and prints the
process's peak memory (max RSS). The issue's targets: p50 under 20 ms at 1,000,000 statements
and no more than 2x the time at 10,000; a worker under 300 MB while it runs.
"""

from __future__ import annotations

import base64
import json
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from lms import create_app
from lms.db import Base, db
from lms.xapi.auth import create_client, principal_from_basic
from lms.xapi.statements import store_statements
from lms.xapi.storage import SqlStatementStore
from lms.xapi.validation.common import Ctx

VERBS = [f"http://adlnet.gov/expapi/verbs/v{i}" for i in range(20)]


def statement(n: int, agents: int, activities: int, registrations: list[str]) -> dict[str, Any]:
    rng = random.Random(n)  # noqa: S311 - reproducible test data, not secrets
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://lib.example", "name": f"u{rng.randrange(agents)}"},
        },
        "verb": {"id": rng.choice(VERBS), "display": {"en-US": "did"}},
        "object": {"id": f"http://lib.example/activities/{rng.randrange(activities)}"},
        "context": {
            "registration": rng.choice(registrations),
            "instructor": {
                "account": {"homePage": "http://lib.example", "name": f"i{rng.randrange(50)}"}
            },
            "contextActivities": {
                "parent": [{"id": f"http://lib.example/courses/{rng.randrange(100)}"}]
            },
        },
        "result": {"score": {"scaled": rng.random()}, "completion": True},
    }


def fill(app: Any, start: int, stop: int, header: str) -> float:
    registrations = [str(uuid.UUID(int=i + 1, version=4)) for i in range(5000)]
    begun = time.perf_counter()
    with app.app_context():
        principal = principal_from_basic(lambda: db.session, header)
        for first in range(start, stop, 500):
            batch = [
                statement(n, 5000, 2000, registrations)
                for n in range(first, min(first + 500, stop))
            ]
            store_statements(SqlStatementStore(db.session), batch, principal, Ctx())
            db.session.commit()
    return (stop - start) / (time.perf_counter() - begun)


def p50(client: Any, headers: dict[str, str], params: dict[str, str]) -> float:
    times = []
    for _ in range(200):
        begun = time.perf_counter()
        resp = client.get("/xapi/statements?" + urlencode(params), headers=headers)
        times.append((time.perf_counter() - begun) * 1000)
        assert resp.status_code == 200, resp.get_data(as_text=True)
    return statistics.median(times)


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    folder = Path(tempfile.mkdtemp(prefix="xapi-bench-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'lrs.sqlite3'}", "SECRET_KEY": "bench"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        client_row, secret = create_client(db.session, "bench", ["all"])
        db.session.commit()
        key = client_row.key
    header = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
    headers = {"Authorization": header, "X-Experience-API-Version": "1.0.3"}
    agent = json.dumps({"account": {"homePage": "http://lib.example", "name": "u7"}})
    instructor = json.dumps({"account": {"homePage": "http://lib.example", "name": "i7"}})
    queries = {
        "agent": {"agent": agent, "limit": "100"},
        "verb": {"verb": VERBS[3], "limit": "100"},
        "activity": {"activity": "http://lib.example/activities/7", "limit": "100"},
        "registration": {"registration": str(uuid.UUID(int=8, version=4)), "limit": "100"},
        "related_agents": {"agent": instructor, "related_agents": "true", "limit": "100"},
        "verb+activity": {
            "verb": VERBS[3],
            "activity": "http://lib.example/courses/7",
            "related_activities": "true",
            "limit": "100",
        },
    }
    stored = 0
    print(
        f"{'statements':>10} {'insert/s':>9} "
        + " ".join(f"{name:>14}" for name in queries)
        + f" {'max RSS':>9}"
    )
    test_client = app.test_client()
    for size in sizes:
        rate = fill(app, stored, size, header)
        stored = size
        results = [p50(test_client, headers, params) for params in queries.values()]
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(
            f"{size:>10} {rate:>9.0f} "
            + " ".join(f"{ms:>11.2f} ms" for ms in results)
            + f" {rss_mb:>6.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
