"""Bad input never gets a 500: every URL of the access matrix, sent by a role that may use it,
with its form, JSON body or query string spoiled the ways clients spoil them.

The field names come from every marshmallow schema of the app (what its forms and APIs read),
so a new field is spoiled too without a row here. Each spoiled request must be answered below
500; an API's refusal must be JSON with ``errors``. What a refusal says, and that nothing
changed, is tested with each feature; this is the net under all of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import marshmallow
import pytest

import content
import lms
import lti
from tests.matrix_support import Case
from tests.test_access_matrix import (  # noqa: F401 - the matrix's world, and its fixtures
    CASES,
    World,
    _world_connection,
    connection,
    sign_in_as,
    world,
)

#: Who sends each case: the first of these that the matrix lets in.
SENDERS = ("admin", "coordinator", "manager", "learner", "evaluator", "admin_a", "anonymous")

#: Strings that forms and query strings carry when something went wrong on the way.
BAD_TEXT = [
    "",
    " ",
    "\x00",
    "x" * 10_001,
    "-1",
    "99999999999999999999",
    "1e999",
    "2026-02-30",
    "<b onclick=alert(1)>b</b>",
    "ä\u202e😀",
]
#: Values of the wrong JSON type, for every field at once.
BAD_JSON_VALUES: list[Any] = [None, [], {}, "x", -1, 10**20, 1.5, True, [{"id": None}]]
#: Bodies that are not the object an API expects.
BAD_JSON_BODIES: list[Any] = [None, [], "x", 0, [None]]


def _app_modules() -> None:
    for package in (lms, content, lti):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _schemas(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def field_names() -> list[str]:
    """Every field name the app's schemas read (their data keys where they have one)."""
    _app_modules()
    names = {
        field.data_key or name
        for schema in _schemas(marshmallow.Schema)
        if schema.__module__.startswith(("lms.", "content.", "lti."))
        for name, field in schema._declared_fields.items()
    }
    return sorted(names)


FIELDS = field_names()


def _sender(case: Case) -> str | None:
    return next((role for role in SENDERS if case.expect.get(role, 500) < 400), None)


def _spoiled(case: Case, url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, request arguments) for each spoiled version of ``case``."""
    sep = "&" if "?" in url else "?"
    not_utf8 = "&".join(f"{name}=%FF%FE" for name in FIELDS)
    if case.method in ("GET", "HEAD"):
        for value in BAD_TEXT:
            query = urlencode(dict.fromkeys(FIELDS, value))
            yield f"query {value[:12]!r}", {"path": url + sep + query}
        yield "query not utf-8", {"path": url + sep + not_utf8}
        return
    form = "application/x-www-form-urlencoded"
    for value in BAD_TEXT:
        yield f"form {value[:12]!r}", {"path": url, "data": dict.fromkeys(FIELDS, value)}
    yield "form not utf-8", {"path": url, "data": not_utf8, "content_type": form}
    for value in BAD_JSON_VALUES:
        stated = case.json if isinstance(case.json, dict) else {}
        body = {**stated, **dict.fromkeys(FIELDS, value)}
        yield f"json fields {value!r}", {"path": url, "json": body}
    for body in BAD_JSON_BODIES:
        yield f"json body {body!r}", {"path": url, "json": body}
    yield "broken json", {"path": url, "data": b'{"name": ', "content_type": "application/json"}


SENT = [case for case in CASES if _sender(case) is not None]


@pytest.mark.parametrize("case", SENT, ids=[f"{c.method} {c.url}" for c in SENT])
def test_spoiled_input_is_refused_without_a_server_error(
    client: Any,
    world: World,  # noqa: F811 - the matrix's fixture, imported above
    case: Case,
) -> None:
    role = _sender(case)
    assert role is not None
    if role != "anonymous":
        sign_in_as(client, world.users[role])
    url = case.url.format(**world.ids)
    failures = []
    for what, kwargs in _spoiled(case, url):
        resp = client.open(method=case.method, headers=case.headers or {}, **kwargs)
        if resp.status_code >= 500:
            failures.append(f"{what}: {resp.status_code}")
        elif (
            resp.status_code in (400, 409, 422)
            and kwargs["path"].startswith(("/api/", "/xapi/"))
            and not (resp.is_json and "errors" in (resp.get_json(silent=True) or {}))
        ):
            failures.append(f"{what}: {resp.status_code} without JSON errors")
    assert failures == [], f"{case.method} {url} as {role}"
