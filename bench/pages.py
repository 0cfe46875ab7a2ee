"""Throughput and latency of the main pages under gunicorn, on a fresh demo database.

    .venv/bin/python bench/pages.py [--requests 2000] [--concurrency 4] [--workers 2]

Starts gunicorn on 127.0.0.1 (a free port) against a temporary SQLite database with the demo
loaded, signs in as the demo manager, and measures a fixed number of requests per page with a
thread pool. Only loopback traffic; it stops by itself.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BIN = Path(sys.executable).parent
PAGES = ["/healthz", "/login", "/", "/team", "/programmes", "/api/v1/programmes"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_in_opener(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {
            "csrf_token": token.group(1),
            "email": "manager@demo.librarena.example",
            "password": "librarena-demo",
        }
    ).encode()
    opener.open(f"{base}/login", data=body)
    return opener


def measure(
    opener: urllib.request.OpenerDirector, url: str, count: int, concurrency: int
) -> tuple[float, list[float]]:
    def one(_: int) -> float:
        start = time.perf_counter()
        with opener.open(url) as resp:
            resp.read()
            assert resp.status == 200, resp.status
        return time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(count)))
    return count / (time.perf_counter() - start), latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "LIBRARENA_INSTANCE_PATH": tmp,
            "LIBRARENA_LOGIN_RATE_LIMIT": "1000 per minute",
        }
        env.pop("LIBRARENA_DATABASE_URL", None)
        subprocess.run(
            [BIN / "librarena", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [BIN / "librarena", "demo"],
            env=env,
            check=True,
            capture_output=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                BIN / "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "wsgi:app",
            ],
            env=env,
            cwd=Path(__file__).parents[1],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/healthz")
                    break
                except OSError:
                    time.sleep(0.1)
            opener = signed_in_opener(base)
            print(
                f"{args.requests} requests per page, {args.concurrency} client threads, "
                f"{args.workers} gunicorn workers, SQLite, demo data"
            )
            print(f"{'page':<22}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}")
            for page in PAGES:
                measure(opener, base + page, 50, args.concurrency)  # warm up
                rate, lat = measure(opener, base + page, args.requests, args.concurrency)
                q = statistics.quantiles(lat, n=20)
                print(
                    f"{page:<22}{rate:>8.0f}{statistics.median(lat) * 1000:>9.1f}"
                    f"{q[18] * 1000:>9.1f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
