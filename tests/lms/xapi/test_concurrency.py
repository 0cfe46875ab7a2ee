"""Concurrent writers on one SQLite file: every statement is stored, none gets a 500."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from typing import Any

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
