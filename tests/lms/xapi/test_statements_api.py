"""The Statement resource over HTTP: PUT, POST, GET and its filters, formats and headers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient

from tests.lms.xapi.conftest import VERSION, make_statement, new_id

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_statements_post_one_returns_its_id_and_get_returns_the_statement(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    resp = post(make_statement())
    assert resp.status_code == 200
    [sid] = resp.get_json()
    got = client.get(f"/xapi/statements?statementId={sid}", headers=headers)
    assert got.status_code == 200
    body = got.get_json()
    assert body["id"] == sid  # the Statement itself, not a StatementResult
    assert body["version"] == "1.0.0"
    assert body["timestamp"] == body["stored"]
    assert body["authority"]["account"]["homePage"].endswith("/xapi/clients")
    assert got.headers["X-Experience-API-Version"] == "1.0.3"
    assert "X-Experience-API-Consistent-Through" in got.headers
    assert "Last-Modified" in got.headers


def test_statements_put_is_204_then_same_content_204_and_other_content_409(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    sid = new_id()
    url = f"/xapi/statements?statementId={sid}"
    assert client.put(url, json=make_statement(), headers=headers).status_code == 204
    assert client.put(url, json=make_statement(), headers=headers).status_code == 204
    other = make_statement(verb={"id": "http://example.org/other"})
    resp = client.put(url, json=other, headers=headers)
    assert resp.status_code == 409
    assert client.put("/xapi/statements", json=make_statement(), headers=headers).status_code == 400


def test_statements_invalid_is_400_with_the_field_and_nothing_stored(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    good = make_statement(id=new_id())
    bad = make_statement(actor={"mbox": "not-an-address"})
    resp = post([good, bad])
    assert resp.status_code == 400
    assert "statement[1].actor.mbox" in resp.get_json()["errors"]
    # all or nothing: the valid one was not kept either
    got = client.get(f"/xapi/statements?statementId={good['id']}", headers=headers)
    assert got.status_code == 404


def test_statements_duplicate_ids_in_one_batch_are_400(post: Callable[..., Any]) -> None:
    sid = new_id()
    assert post([make_statement(id=sid), make_statement(id=sid)]).status_code == 400


def test_statements_a_property_given_twice_is_400_naming_it(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    sid = new_id()
    once = json.dumps(make_statement(id=sid))
    # the same object with its verb given a second time, as raw JSON
    twice = once[:-1] + ', "verb": {"id": "http://example.org/other"}}'
    resp = client.post(
        "/xapi/statements",
        data=twice,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert "property verb appears twice" in resp.get_json()["message"]
    got = client.get(f"/xapi/statements?statementId={sid}", headers=headers)
    assert got.status_code == 404


def test_statements_version_header_is_required(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    no_version = {k: v for k, v in headers.items() if k != "X-Experience-API-Version"}
    resp = client.get("/xapi/statements", headers=no_version)
    assert resp.status_code == 400
    resp = client.get("/xapi/statements", headers={**headers, "X-Experience-API-Version": "0.9"})
    assert resp.status_code == 400
    resp = client.get("/xapi/statements", headers={**headers, "X-Experience-API-Version": "2.0.0"})
    assert resp.status_code == 200
    assert resp.headers["X-Experience-API-Version"] == "2.0.0"


def test_statements_voiding_hides_the_target_and_a_voiding_cannot_be_voided(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    target = make_statement(id=new_id())
    post(target)
    voiding = make_statement(
        id=new_id(), verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target["id"]}
    )
    assert post(voiding).status_code == 200
    assert (
        client.get(f"/xapi/statements?statementId={target['id']}", headers=headers).status_code
        == 404
    )
    voided = client.get(f"/xapi/statements?voidedStatementId={target['id']}", headers=headers)
    assert voided.status_code == 200
    assert voided.get_json()["id"] == target["id"]
    again = make_statement(
        verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": voiding["id"]}
    )
    assert post(again).status_code == 400


def test_statements_context_activities_come_back_as_arrays(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    [sid] = post(
        make_statement(context={"contextActivities": {"parent": {"id": "http://x.org/p"}}})
    ).get_json()
    body = client.get(f"/xapi/statements?statementId={sid}", headers=headers).get_json()
    assert body["context"]["contextActivities"]["parent"] == [{"id": "http://x.org/p"}]


def test_statements_formats_ids_and_canonical(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    [sid] = post(make_statement()).get_json()
    ids = client.get(f"/xapi/statements?statementId={sid}&format=ids", headers=headers).get_json()
    assert ids["object"] == {"id": "http://example.org/courses/1"}
    assert ids["actor"] == {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
    canonical = client.get(
        f"/xapi/statements?statementId={sid}&format=canonical",
        headers={**headers, "Accept-Language": "sv-SE"},
    ).get_json()
    assert canonical["object"]["definition"]["name"] == {"sv-SE": "Kurs ett"}


def test_statements_paging_with_more_is_stable_under_new_inserts(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    verb = f"http://example.org/verbs/{new_id()}"
    sent = post([make_statement(verb={"id": verb}) for _ in range(5)]).get_json()
    first = client.get(
        f"/xapi/statements?{urlencode({'verb': verb, 'limit': 2})}", headers=headers
    ).get_json()
    post(make_statement(verb={"id": verb}))  # arrives while the client pages
    seen = [s["id"] for s in first["statements"]]
    more = first["more"]
    while more:
        page = client.get(more, headers=headers).get_json()
        seen += [s["id"] for s in page["statements"]]
        more = page["more"]
    assert seen == list(reversed(sent))  # newest first, no gaps, no repeats


def test_statements_filters_agent_activity_registration_related(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    registration = new_id()
    bob = {"mbox": f"mailto:{new_id()}@example.org"}
    parent = f"http://example.org/parent/{new_id()}"
    [with_bob] = post(
        make_statement(
            context={
                "instructor": bob,
                "registration": registration,
                "contextActivities": {"grouping": [{"id": parent}]},
            }
        )
    ).get_json()
    [bob_acts] = post(make_statement(actor=bob)).get_json()

    def ids(**params: str) -> list[str]:
        resp = client.get(f"/xapi/statements?{urlencode(params)}", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        return [s["id"] for s in resp.get_json()["statements"]]

    assert ids(agent=json.dumps(bob)) == [bob_acts]
    assert ids(agent=json.dumps(bob), related_agents="true") == [bob_acts, with_bob]
    assert ids(activity=parent) == []
    assert ids(activity=parent, related_activities="true") == [with_bob]
    assert ids(registration=registration) == [with_bob]
    assert ids(agent=json.dumps(bob), related_agents="true", ascending="true") == [
        with_bob,
        bob_acts,
    ]
    assert client.get("/xapi/statements?agent=notjson", headers=headers).status_code == 400
    assert client.get("/xapi/statements?colour=red", headers=headers).status_code == 400


def _multipart(
    statement: dict[str, Any], content: bytes, sha2: str | None = None
) -> tuple[bytes, str]:
    boundary = "xapiboundary"
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(statement)}\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {sha2 or hashlib.sha256(content).hexdigest()}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--".encode()
    )
    return body, f"multipart/mixed; boundary={boundary}"


def _attachment(content: bytes, usage: str = "http://example.org/usage") -> dict[str, Any]:
    return {
        "usageType": usage,
        "display": {"en": "notes"},
        "contentType": "text/plain" if "signature" not in usage else "application/octet-stream",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }


def test_statements_attachments_multipart_round_trip_and_hash_check(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    content = b"hello attachments"
    statement = make_statement(id=new_id(), attachments=[_attachment(content)])
    body, ctype = _multipart(statement, content)
    resp = client.post("/xapi/statements", data=body, headers={**headers, "Content-Type": ctype})
    assert resp.status_code == 200, resp.get_json()
    got = client.get(
        f"/xapi/statements?statementId={statement['id']}&attachments=true", headers=headers
    )
    assert got.mimetype == "multipart/mixed"
    assert content in got.data
    bad, ctype = _multipart(make_statement(attachments=[_attachment(content)]), content, "b" * 64)
    assert (
        client.post(
            "/xapi/statements", data=bad, headers={**headers, "Content-Type": ctype}
        ).status_code
        == 400
    )
    # an attachment with neither part nor fileUrl is refused
    missing = make_statement(attachments=[_attachment(b"other")])
    assert client.post("/xapi/statements", json=missing, headers=headers).status_code == 400


def _jws(payload: dict[str, Any], alg: str = "RS256") -> bytes:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": alg}).encode())
    return f"{header}.{b64(json.dumps(payload).encode())}.{b64(b'signature')}".encode()


def test_statements_signed_payload_must_match_and_alg_be_rs(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    usage = "http://adlnet.gov/expapi/attachments/signature"
    original = make_statement(id=new_id())
    for payload, alg, status in (
        (original, "RS256", 200),
        (original, "HS256", 400),
        (make_statement(verb={"id": "http://example.org/other"}), "RS384", 400),
    ):
        jws = _jws(payload, alg)
        signed = {
            **original,
            "id": new_id() if status != 200 else original["id"],
            "attachments": [_attachment(jws, usage)],
        }
        if status != 200:
            payload = {**payload, "id": signed["id"]}
            jws = _jws(payload, alg)
            signed["attachments"] = [_attachment(jws, usage)]
        body, ctype = _multipart(signed, jws)
        body = body.replace(b"Content-Type: text/plain", b"Content-Type: application/octet-stream")
        resp = client.post(
            "/xapi/statements", data=body, headers={**headers, "Content-Type": ctype}
        )
        assert resp.status_code == status, (alg, resp.get_json())


def _signed_with_certificate(payload: dict[str, Any], *, tamper: bool = False) -> bytes:
    """A real RS256 JWS whose header carries the signer's self-signed certificate (x5c)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Signer")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(json.dumps({"alg": "RS256", "x5c": [base64.b64encode(der).decode()]}).encode())
    body = b64(json.dumps(payload).encode())
    signature = key.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    if tamper:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    return f"{header}.{body}.{b64(signature)}".encode()


def test_statements_signature_verifies_with_its_x5c_certificate(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    usage = "http://adlnet.gov/expapi/attachments/signature"
    for tamper, status in ((False, 200), (True, 400)):
        statement = make_statement(id=new_id())
        jws = _signed_with_certificate(statement, tamper=tamper)
        signed = {**statement, "attachments": [_attachment(jws, usage)]}
        body, ctype = _multipart(signed, jws)
        body = body.replace(b"Content-Type: text/plain", b"Content-Type: application/octet-stream")
        resp = client.post(
            "/xapi/statements", data=body, headers={**headers, "Content-Type": ctype}
        )
        assert resp.status_code == status, resp.get_json()
        if status == 400:
            assert "x5c" in resp.get_json()["message"]
            got = client.get(f"/xapi/statements?statementId={statement['id']}", headers=headers)
            assert got.status_code == 404  # nothing stored


def test_statements_alternate_syntax_put_and_get(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    sid = new_id()
    form = {"statementId": sid, "content": json.dumps(make_statement()), **headers}
    resp = client.post("/xapi/statements?method=PUT", data=form)
    assert resp.status_code == 204
    got = client.post("/xapi/statements?method=GET", data={**headers, "statementId": sid})
    assert got.get_json()["id"] == sid
    extra = client.post(f"/xapi/statements?method=PUT&statementId={sid}", data=form)
    assert extra.status_code == 400


def test_statements_cors_preflight_and_head(client: FlaskClient, headers: dict[str, str]) -> None:
    pre = client.options(
        "/xapi/statements",
        headers={"Origin": "https://content.example", "Access-Control-Request-Method": "POST"},
    )
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Version" in pre.headers["Access-Control-Allow-Headers"]
    head = client.head("/xapi/statements", headers=headers)
    assert head.status_code == 200
    assert head.data == b""
    # The actual responses name the origin and what a script may read; the rest is the
    # preflight's.
    assert head.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in head.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Headers" not in head.headers


def test_about_needs_no_credentials(client: FlaskClient) -> None:
    resp = client.get("/xapi/about")
    assert resp.status_code == 200
    assert "1.0.3" in resp.get_json()["version"]
    assert resp.get_json()["extensions"] == {}


def test_activities_and_agents_resources(
    client: FlaskClient, headers: dict[str, str], post: Callable[..., Any]
) -> None:
    post(make_statement())
    activity = client.get(
        "/xapi/activities?activityId=http://example.org/courses/1", headers=headers
    ).get_json()
    assert activity["definition"]["name"]["sv-SE"] == "Kurs ett"
    person = client.get(
        f"/xapi/agents?{urlencode({'agent': json.dumps({'mbox': 'mailto:a@b.org'})})}",
        headers=headers,
    )
    assert person.get_json() == {"objectType": "Person", "mbox": ["mailto:a@b.org"]}
    assert client.get("/xapi/agents", headers=headers).status_code == 400


def test_xapi_errors_are_json_400_not_422(client: FlaskClient, headers: dict[str, str]) -> None:
    resp = client.post(
        "/xapi/statements",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.get_json()["message"]
    assert VERSION["X-Experience-API-Version"] == resp.headers["X-Experience-API-Version"]


def test_statements_alternate_syntax_is_refused_in_xapi_2(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    form = {
        "statementId": new_id(),
        "content": json.dumps(make_statement()),
        **headers,
        "X-Experience-API-Version": "2.0.0",
    }
    assert client.post("/xapi/statements?method=PUT", data=form).status_code == 400


def test_statements_resend_with_longer_duration_precision_is_the_same(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    sid = new_id()
    url = f"/xapi/statements?statementId={sid}"
    first = make_statement(result={"duration": "PT1.12S"})
    assert client.put(url, json=first, headers=headers).status_code == 204
    again = make_statement(result={"duration": "PT1.1299S"})
    assert client.put(url, json=again, headers=headers).status_code == 204
    other = make_statement(result={"duration": "PT1.13S"})
    assert client.put(url, json=other, headers=headers).status_code == 409


def test_statements_missing_version_is_answered_in_the_clients_version(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    v2 = {**headers, "X-Experience-API-Version": "2.0.0"}
    assert client.get("/xapi/statements", headers=v2).status_code == 200
    bare = {"Authorization": headers["Authorization"]}
    resp = client.get("/xapi/statements", headers=bare)
    assert resp.status_code == 400
    assert resp.headers["X-Experience-API-Version"] == "2.0.0"


def test_statements_too_large_is_413_and_nothing_is_stored(
    app: Flask, client: FlaskClient, headers: dict[str, str]
) -> None:
    app.config.update(XAPI_MAX_BATCH=3, XAPI_MAX_STATEMENT_BYTES=2000)
    try:
        batch = [make_statement(id=new_id()) for _ in range(4)]
        resp = client.post("/xapi/statements", json=batch, headers=headers)
        assert resp.status_code == 413
        assert "at most 3" in resp.get_json()["message"]
        big = make_statement(id=new_id(), result={"response": "x" * 3000})
        assert client.post("/xapi/statements", json=big, headers=headers).status_code == 413
        ok = client.post("/xapi/statements", json=batch[:3], headers=headers)
        assert ok.status_code == 200
    finally:
        app.config.pop("XAPI_MAX_BATCH")
        app.config.pop("XAPI_MAX_STATEMENT_BYTES")
    for statement in [batch[3], big]:
        url = f"/xapi/statements?statementId={statement['id']}"
        assert client.get(url, headers=headers).status_code == 404
