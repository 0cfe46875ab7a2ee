"""State, Activity Profile and Agent Profile: ETags, preconditions, merging, lists."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

from flask.testing import FlaskClient

from tests.lms.xapi.conftest import new_id

AGENT = json.dumps({"mbox": "mailto:ada@example.org"})


def _state_url(**extra: str) -> str:
    params = {"activityId": "http://example.org/a", "agent": AGENT, **extra}
    return "/xapi/activities/state?" + urlencode(params)


def test_state_put_get_etag_and_list_since_and_delete_all(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    reg = new_id()
    assert (
        client.put(
            _state_url(stateId="s1", registration=reg),
            data=b"hello",
            headers={**headers, "Content-Type": "text/plain"},
        ).status_code
        == 204
    )
    got = client.get(_state_url(stateId="s1", registration=reg), headers=headers)
    assert got.data == b"hello"
    assert got.mimetype == "text/plain"
    assert got.headers["ETag"] == f'"{hashlib.sha1(b"hello").hexdigest()}"'  # noqa: S324
    assert "Last-Modified" in got.headers
    client.put(_state_url(stateId="s2", registration=reg), json={"a": 1}, headers=headers)
    assert client.get(_state_url(registration=reg), headers=headers).get_json() == ["s1", "s2"]
    future = "2999-01-01T00:00:00Z"
    assert client.get(_state_url(registration=reg, since=future), headers=headers).get_json() == []
    # without the registration it is another set of documents
    assert client.get(_state_url(), headers=headers).get_json() == []
    assert client.delete(_state_url(registration=reg), headers=headers).status_code == 204
    assert (
        client.get(_state_url(stateId="s1", registration=reg), headers=headers).status_code == 404
    )


def test_state_post_merges_json_objects_and_refuses_non_json(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    url = _state_url(stateId="merge")
    client.post(url, json={"a": 1, "b": 1}, headers=headers)
    assert client.post(url, json={"b": 2, "c": 3}, headers=headers).status_code == 204
    assert client.get(url, headers=headers).get_json() == {"a": 1, "b": 2, "c": 3}
    resp = client.post(url, data=b"text", headers={**headers, "Content-Type": "text/plain"})
    assert resp.status_code == 400
    assert client.get(url, headers=headers).get_json() == {"a": 1, "b": 2, "c": 3}


def test_activity_profile_concurrency(client: FlaskClient, headers: dict[str, str]) -> None:
    url = "/xapi/activities/profile?" + urlencode(
        {"activityId": "http://example.org/a", "profileId": "p"}
    )
    # creating needs If-None-Match (or If-Match); without either header: 400
    assert client.put(url, json={"v": 1}, headers=headers).status_code == 400
    assert (
        client.put(url, json={"v": 1}, headers={**headers, "If-None-Match": "*"}).status_code == 204
    )
    etag = client.get(url, headers=headers).headers["ETag"]
    # a second writer that did not look first is refused: 409 without a header, 412 with a stale one
    assert client.put(url, json={"v": 2}, headers=headers).status_code == 409
    assert (
        client.put(url, json={"v": 2}, headers={**headers, "If-None-Match": "*"}).status_code == 412
    )
    assert client.put(url, json={"v": 2}, headers={**headers, "If-Match": etag}).status_code == 204
    assert client.put(url, json={"v": 3}, headers={**headers, "If-Match": etag}).status_code == 412
    assert client.get(url, headers=headers).get_json() == {"v": 2}


def test_agent_profile_needs_valid_agent(client: FlaskClient, headers: dict[str, str]) -> None:
    base = "/xapi/agents/profile?"
    bad = base + urlencode({"agent": json.dumps({"name": "no ifi"}), "profileId": "p"})
    assert client.get(bad, headers=headers).status_code == 400
    good = base + urlencode({"agent": AGENT, "profileId": "p"})
    assert client.put(good, json={}, headers={**headers, "If-None-Match": "*"}).status_code == 204
    assert client.get(base + urlencode({"agent": AGENT}), headers=headers).get_json() == ["p"]
    assert client.delete(good, headers=headers).status_code == 204
    assert client.get(good, headers=headers).status_code == 404


def test_state_blind_overwrite_is_409_in_xapi_2(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    v2 = {**headers, "X-Experience-API-Version": "2.0.0"}
    url = _state_url(stateId="v2")
    assert client.put(url, json={"a": 1}, headers=v2).status_code == 204  # creating is fine
    assert client.put(url, json={"a": 2}, headers=v2).status_code == 409
    assert client.put(url, json={"a": 2}, headers=headers).status_code == 204  # 1.0.3 allows it
    assert client.get(url, headers=headers).get_json() == {"a": 2}
