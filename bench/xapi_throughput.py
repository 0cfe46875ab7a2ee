"""Statements per second into an LRS: one per request, and batches of 100.

    .venv/bin/python bench/xapi_throughput.py [--seconds 10] [--concurrency 8] [--workers 2]
    .venv/bin/python bench/xapi_throughput.py --database-url postgresql+psycopg://…/empty_db
    .venv/bin/python bench/xapi_throughput.py --endpoint URL --key K --secret S   (another LRS)
    .venv/bin/python bench/xapi_throughput.py --with-ralph     (and Ralph, in the same run)

The load comes from wrk when it is installed (``apt-get install -y wrk``; --generator python
uses this script's own threads instead, which saturate a core long before the servers do).

Without --endpoint it starts Librarena under gunicorn on 127.0.0.1 with a fresh SQLite store
and a new client, and also a bare Flask endpoint under the same gunicorn settings as the
ceiling of the HTTP stack. With --endpoint it measures that LRS instead (e.g. Ralph), so both
can be run side by side on the same machine. --with-ralph also starts Ralph (PyPI ralph-malph,
from .venv-ralph: ``make .venv-ralph/.installed``) with its filesystem backend in append mode,
served by uvicorn with the same number of worker processes (Ralph is an ASGI app; uvicorn is
what it ships with), and measures it in the same table. A request counts only when it is
answered 200 with the ids that were sent. Only loopback traffic; it stops by itself.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tests.lms.xapi.ralph_lrs import RalphServer

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
BARE_APP = """
from flask import Flask, request, jsonify
app = Flask(__name__)
@app.post("/xapi/statements")
def statements():
    body = request.get_json()
    return jsonify([s.get("id") for s in (body if isinstance(body, list) else [body])])
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def statement() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "http://lib.example", "name": uuid.uuid4().hex[:8]},
        },
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {"id": f"http://lib.example/activities/{uuid.uuid4().hex[:6]}"},
        "result": {"score": {"scaled": 0.5}, "completion": True},
    }


#: The load generator when wrk is installed (``apt-get install wrk``): one C process whose
#: Lua makes a new statement (new id, actor and activity) for every request. The Python
#: clients below need a core of their own for a few hundred requests a second, and on a
#: 2-core machine they measured themselves, not the server (a bare Flask endpoint: 740/s).
WRK_SCRIPT = r"""
local batch, auth = tonumber(os.getenv("BENCH_BATCH")), os.getenv("BENCH_AUTH")
local threads = {}
failures = 0  -- a global: done() reads each thread's own with thread:get
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(id * 7919 + os.time())
end
local r = math.random
local function uuid()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x", r(0, 65535), r(0, 65535),
    r(0, 65535), r(0, 4095), r(32768, 49151), r(0, 65535), r(0, 65535), r(0, 65535))
end
local function statement()
  return '{"id":"' .. uuid() .. '","actor":{"objectType":"Agent","account":'
    .. '{"homePage":"http://lib.example","name":"' .. string.format("%08x", r(0, 2^31)) .. '"}},'
    .. '"verb":{"id":"http://adlnet.gov/expapi/verbs/completed","display":{"en-US":"completed"}},'
    .. '"object":{"id":"http://lib.example/activities/'
    .. string.format("%06x", r(0, 2^24)) .. '"},'
    .. '"result":{"score":{"scaled":0.5},"completion":true}}'
end
local headers = {["Content-Type"] = "application/json", ["Authorization"] = auth,
  ["X-Experience-API-Version"] = "1.0.3"}
function request()
  local body
  if batch == 1 then body = statement() else
    local parts = {}
    for i = 1, batch do parts[i] = statement() end
    body = "[" .. table.concat(parts, ",") .. "]"
  end
  return wrk.format("POST", nil, headers, body)
end
function response(status, headers, body)
  -- stored means 200 and a list of ids back (Ralph answers 200 too)
  if status ~= 200 or body:sub(1, 1) ~= "[" then failures = failures + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("failures") end
  io.write(string.format("RESULT %d %d %d\n", summary.requests, failed, summary.duration))
end
"""


def load_wrk(endpoint: str, auth: str, batch: int, seconds: float, concurrency: int) -> float:
    """Statements per second stored over ``seconds`` by wrk with ``concurrency`` connections
    (one wrk thread: it needs a fraction of a core)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    out = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(seconds, 1):.0f}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
            endpoint.rstrip("/") + "/statements",
        ],
        env={**os.environ, "BENCH_BATCH": str(batch), "BENCH_AUTH": auth},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    requests, failed, micros = (int(n) for n in line.split()[1:])
    if failed:
        print(f"  ({failed} of {requests} requests not stored)", file=sys.stderr)
    return (requests - failed) * batch / (micros / 1e6)


def warm_up(endpoint: str, auth: str, concurrency: int, timeout: float = 120) -> None:
    """Wait until every worker answers: gunicorn listens before its workers have imported the
    app (seconds on a busy machine), and requests queued meanwhile would count as slow ones."""
    load(endpoint, auth, 1, 0.0, concurrency, at_least=3, timeout=timeout)


def load(
    endpoint: str,
    auth: str,
    batch: int,
    seconds: float,
    concurrency: int,
    *,
    at_least: int = 0,
    timeout: float = 30,
) -> float:
    """Statements per second stored over ``seconds`` by ``concurrency`` keep-alive clients."""
    url = urlsplit(endpoint)
    path = url.path.rstrip("/") + "/statements"
    stored = [0] * concurrency
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
        headers = {
            "Content-Type": "application/json",
            "Authorization": auth,
            "X-Experience-API-Version": "1.0.3",
        }
        done = 0
        while time.perf_counter() < stop or done < at_least:
            done += 1
            sent = [statement() for _ in range(batch)]
            conn.request("POST", path, json.dumps(sent if batch > 1 else sent[0]), headers)
            resp = conn.getresponse()
            answer = resp.read()
            if resp.status != 200:
                errors.append(f"{resp.status} {answer[:200]!r}")
                if len(errors) > 20:
                    return
            elif sorted(json.loads(answer)) != sorted(s["id"] for s in sent):
                errors.append(f"200 without the ids sent: {answer[:200]!r}")
                if len(errors) > 20:
                    return
            else:
                stored[n] += batch

    begun = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"  ({len(errors)} failed requests, e.g. {errors[0]})", file=sys.stderr)
    return sum(stored) / (time.perf_counter() - begun)


def raw_inserts(database_url: str, seconds: float) -> float:
    """The database's own ceiling: statement rows with their five link rows (the indexes the LRS
    keeps), inserted in transactions of 100 straight through the driver (no SQLAlchemy, no
    HTTP, no validation), timing only the database's work. Run after the HTTP runs, into the
    same tables."""
    sys.path.insert(0, str(ROOT))
    import lms.models  # noqa: F401 - every table
    from lms.db import make_engine

    engine = make_engine(database_url)
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    columns = "id, data, stored, actor_ifi, verb_id, activity_id, is_voided, is_voiding"
    # Only our own names and placeholders go into these texts; the values are bound.
    values, three = ", ".join([mark] * 8), ", ".join([mark] * 3)
    insert_statement = f"INSERT INTO xapi_statements ({columns}) VALUES ({values})"  # noqa: S608
    insert_link = f"INSERT INTO xapi_statement_links (seq, kind, value) VALUES ({three})"  # noqa: S608
    connection = engine.raw_connection()
    done = 0
    inside = 0.0  # seconds spent in the database: making up the rows is not its cost
    try:
        while inside < seconds:
            batch = [statement() for _ in range(100)]
            rows = [
                (
                    s["id"],
                    json.dumps(s, separators=(",", ":")),
                    "2026-01-01 00:00:00.000000",
                    "account::" + s["actor"]["account"]["name"],
                    s["verb"]["id"],
                    s["object"]["id"],
                    False,
                    False,
                )
                for s in batch
            ]
            ids = [s["id"] for s in batch]
            begun = time.perf_counter()
            cursor = connection.cursor()
            if engine.dialect.name == "sqlite":
                cursor.execute("BEGIN IMMEDIATE")
            cursor.executemany(insert_statement, rows)
            marks = ", ".join([mark] * len(ids))
            cursor.execute(f"SELECT id, seq FROM xapi_statements WHERE id IN ({marks})", ids)  # noqa: S608
            links = [
                (seq, kind, value)
                for sid, seq in cursor.fetchall()
                for kind, value in (
                    ("verb", "http://adlnet.gov/expapi/verbs/completed"),
                    ("agent", f"account::{sid[:8]}"),
                    ("agent-direct", f"account::{sid[:8]}"),
                    ("activity", f"http://lib.example/activities/{sid[:6]}"),
                    ("activity-direct", f"http://lib.example/activities/{sid[:6]}"),
                )
            ]
            cursor.executemany(insert_link, links)
            connection.commit() if engine.dialect.name != "sqlite" else cursor.execute("COMMIT")
            cursor.close()
            inside += time.perf_counter() - begun
            done += len(batch)
    finally:
        connection.close()
        engine.dispose()
    return done / inside


def serve(
    app_spec: str, env: dict[str, str], workers: int, cwd: Path, extra: Sequence[str] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *extra,
            app_spec,
        ],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}/xapi"


def start_ralph(workers: int) -> RalphServer:
    """Ralph on a fresh folder, with a client of its own (tests/lms/xapi/ralph_lrs.py, which
    the forwarding tests use too)."""
    sys.path.insert(0, str(ROOT))
    from tests.lms.xapi.ralph_lrs import INSTALL_HINT, RalphServer, installed

    if not installed():
        sys.exit(f"Ralph is not installed in .venv-ralph: run `{INSTALL_HINT}`")
    server = RalphServer(Path(tempfile.mkdtemp(prefix="xapi-throughput-ralph-")))
    server.start(workers=workers)
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--endpoint")
    parser.add_argument("--key")
    parser.add_argument("--secret")
    parser.add_argument(
        "--gunicorn",
        action="append",
        default=[],
        help="more gunicorn options for Librarena and bare Flask alike, e.g. "
        "--gunicorn=--worker-class=gthread --gunicorn=--threads=4",
    )
    parser.add_argument(
        "--generator",
        choices=["wrk", "python"],
        default="wrk",
        help="wrk (default, when installed) or the Python clients of this script",
    )
    parser.add_argument(
        "--with-ralph",
        action="store_true",
        help="also start Ralph from .venv-ralph (filesystem backend) and measure it",
    )
    parser.add_argument(
        "--database-url",
        help="an empty database for Librarena (e.g. postgresql+psycopg://postgres@127.0.0.1/x); "
        "default: a fresh SQLite file",
    )
    args = parser.parse_args()
    runs: list[tuple[str, str, str]] = []
    procs: list[subprocess.Popen[bytes]] = []
    ralph: RalphServer | None = None
    try:
        if args.endpoint:
            token = base64.b64encode(f"{args.key}:{args.secret}".encode()).decode()
            runs.append(("lrs at " + args.endpoint, args.endpoint, f"Basic {token}"))
        else:
            folder = Path(tempfile.mkdtemp(prefix="xapi-throughput-"))
            env = {
                **os.environ,
                "LIBRARENA_INSTANCE_PATH": str(folder),
                "LIBRARENA_DATABASE_URL": args.database_url
                or f"sqlite:///{folder / 'lrs.sqlite3'}",
            }
            subprocess.run(
                [str(BIN / "librarena"), "db", "upgrade"], env=env, check=True, capture_output=True
            )
            out = subprocess.run(
                [str(BIN / "librarena"), "lrs", "add-client", "bench", "--scope", "all"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            creds = dict(line.split(": ", 1) for line in out.strip().splitlines())
            proc, endpoint = serve("wsgi:app", env, args.workers, ROOT, args.gunicorn)
            procs.append(proc)
            token = base64.b64encode(f"{creds['key']}:{creds['secret']}".encode()).decode()
            runs.append(("librarena", endpoint, f"Basic {token}"))
        if args.with_ralph:
            ralph = start_ralph(args.workers)
            runs.append(("ralph (fs backend)", ralph.endpoint, ralph.authorization))
        if not args.endpoint:
            (folder / "bare.py").write_text(BARE_APP)
            proc, bare = serve("bare:app", env, args.workers, folder, args.gunicorn)
            procs.append(proc)
            runs.append(("bare flask (ceiling)", bare, "Basic x"))
        for _name, endpoint, auth in runs:
            warm_up(endpoint, auth, args.concurrency)
        measure = load_wrk if shutil.which("wrk") and args.generator == "wrk" else load
        print(f"load generator: {measure.__name__}; load average {os.getloadavg()[0]:.1f}")
        print(f"{'target':<28} {'1/request':>12} {'100/request':>12}  statements/s")
        for name, endpoint, auth in runs:
            single = measure(endpoint, auth, 1, args.seconds, args.concurrency)
            batch = measure(endpoint, auth, 100, args.seconds, args.concurrency)
            print(f"{name:<28} {single:>12.0f} {batch:>12.0f}", flush=True)
        if not args.endpoint:
            for proc in procs:  # the database to itself
                proc.terminate()
                proc.wait(timeout=10)
            procs.clear()
            if ralph is not None:
                ralph.stop()
            url = env["LIBRARENA_DATABASE_URL"]
            rows = raw_inserts(url, args.seconds)
            print(f"{'raw inserts (ceiling)':<28} {'':>12} {rows:>12.0f}", flush=True)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        if ralph is not None:
            ralph.stop()


if __name__ == "__main__":
    main()
