"""The competences JSON API and the import pages: reading, importing, and refusing bad files."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lms.competences import exchange, services
from lms.competences.models import Framework, Node
from tests.lms.competences.conftest import by_code


def test_api_lists_frameworks_and_one_tree(client, session, create_user, login, make_framework):
    fw = make_framework(areas=2, per_area=2)
    assert client.get("/api/v1/frameworks").status_code == 401
    login(create_user("learner"))
    listed = client.get("/api/v1/frameworks").get_json()
    assert [f["slug"] for f in listed["items"]] == ["test-fw"]
    detail = client.get(f"/api/v1/frameworks/{fw.id}").get_json()
    assert [n["code"] for n in detail["nodes"]] == ["1", "1.1", "1.2", "2", "2.1", "2.2"]
    assert [n["depth"] for n in detail["nodes"]][:2] == [0, 1]
    assert detail["scale"]["levels"][0]["is_default"] is True
    comps = client.get(f"/api/v1/frameworks/{fw.id}/competences").get_json()["items"]
    assert [c["code"] for c in comps] == ["1.1", "1.2", "2.1", "2.2"]
    assert comps[0]["area"] == "Area 1"
    assert client.get("/api/v1/frameworks/999999").status_code == 404


def test_api_import_case_and_csv(client, session, create_user, login, make_framework):
    fw = make_framework(areas=1, per_area=2)
    data = json.dumps(exchange.export_case(session, fw, "http://x/")).encode()
    csv_data = exchange.export_csv(session, fw).encode()
    services.delete_framework(session, fw)
    session.commit()
    login(create_user("learner"))
    assert client.post("/api/v1/frameworks/import?format=case", data=data).status_code == 403
    client.post("/logout")
    login(create_user("coordinator"))
    made = client.post("/api/v1/frameworks/import?format=case", data=data)
    assert made.status_code == 201
    body = made.get_json()
    assert len(body["nodes"]) == 3
    target = services.create_framework(session, slug="csv-target", name={"en": "CSV"})
    session.commit()
    resp = client.post(
        f"/api/v1/frameworks/import?format=csv&framework_id={target.id}", data=csv_data
    )
    assert resp.status_code == 201
    assert [n["code"] for n in resp.get_json()["nodes"]] == ["1", "1.1", "1.2"]
    assert client.post("/api/v1/frameworks/import?format=csv", data=csv_data).status_code == 422
    assert client.post("/api/v1/frameworks/import?format=xml", data=csv_data).status_code == 422


def test_api_bad_import_lists_errors_and_changes_nothing(
    client, session, create_user, login, make_framework
):
    fw = make_framework(areas=1, per_area=1)
    login(create_user("admin", everywhere=True))
    bad = b"id,parent_id,kind,name_en\nx,nowhere,competence,X\ny,,thing,Y\n"
    resp = client.post(f"/api/v1/frameworks/import?format=csv&framework_id={fw.id}", data=bad)
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert "Row 2" in errors
    assert "Row 3" in errors
    big = b"x" * (exchange.MAX_UPLOAD_BYTES + 10)
    resp = client.post(f"/api/v1/frameworks/import?format=csv&framework_id={fw.id}", data=big)
    assert resp.status_code in (413, 422)
    session.expire_all()
    assert sorted(by_code(session, fw)) == ["1", "1.1"]


def test_import_page_shows_every_csv_problem(client, session, create_user, login, make_framework):
    fw = make_framework(areas=1, per_area=1)
    login(create_user("coordinator"))
    assert client.get(f"/competences/{fw.id}/import").status_code == 200
    bad = "id,parent_id,kind,name_en\na,,area,A\nb,zzz,competence,B\nc,,area,\n"
    resp = client.post(
        f"/competences/{fw.id}/import",
        data={"file": (io.BytesIO(bad.encode()), "tree.csv")},
        content_type="multipart/form-data",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "nothing was changed" in html
    assert "Row 3: the parent “zzz” is not in the file." in html
    assert "Row 4: give a name in at least one language." in html
    assert (
        session.scalar(select(func.count()).select_from(Node).where(Node.framework_id == fw.id))
        == 2
    )
    missing = client.post(
        f"/competences/{fw.id}/import", data={}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422
    good = "id,parent_id,kind,name_en,name_sv\na,,area,A,Å\nb,a,competence,B,Be\n"
    resp = client.post(
        f"/competences/{fw.id}/import",
        data={"file": (io.BytesIO(good.encode()), "tree.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    session.expire_all()
    assert [r.node.name for r in services.tree(session, fw)] == [
        {"en": "A", "sv": "Å"},
        {"en": "B", "sv": "Be"},
    ]


def test_case_import_page_and_export_downloads(client, session, create_user, login, make_framework):
    fw = make_framework(areas=1, per_area=1)
    login(create_user("learner"))
    csv_resp = client.get(f"/competences/{fw.id}/export.csv")
    assert csv_resp.status_code == 200
    assert "attachment" in csv_resp.headers["Content-Disposition"]
    case = client.get(f"/competences/{fw.id}/case.json").get_json()
    assert case["CFDocument"]["identifier"] == fw.uuid
    assert client.get("/competences/import").status_code == 403
    client.post("/logout")
    login(create_user("coordinator"))
    # A copy under another document identifier: every reference to the document moves too.
    case = json.loads(json.dumps(case).replace(fw.uuid, "5b0b7e65-0000-4000-8000-000000000001"))
    case["CFDocument"]["extensions"]["librarena"]["slug"] = "copied"
    case["CFItems"][1]["CFItemType"] = "Widget"
    resp = client.post(
        "/competences/import",
        data={"file": (io.BytesIO(json.dumps(case).encode()), "f.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "CFItems[1].CFItemType: Unknown CFItemType “Widget”" in resp.get_data(as_text=True)
    case["CFItems"][1]["CFItemType"] = "Competence"
    resp = client.post(
        "/competences/import",
        data={"file": (io.BytesIO(json.dumps(case).encode()), "f.json")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    copied = session.scalar(select(Framework).where(Framework.slug == "copied"))
    assert copied is not None
    assert len(services.tree(session, copied)) == 2


def test_openapi_documents_the_competence_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/frameworks",
        "/api/v1/frameworks/{framework_id}",
        "/api/v1/frameworks/{framework_id}/competences",
        "/api/v1/frameworks/import",
    ):
        assert path in paths


def test_case_uris_resolve(client, session, create_user, login, make_framework):
    fw = make_framework(areas=1, per_area=1)
    login(create_user("evaluator", everywhere=True))
    package = client.get(f"/competences/{fw.id}/case.json").get_json()
    doc_uri = package["CFDocument"]["uri"]
    assert doc_uri == f"http://librarena.localhost/api/v1/case/CFDocuments/{fw.uuid}"
    path = doc_uri.removeprefix("http://librarena.localhost")
    assert client.get(path).get_json() == package["CFDocument"]
    item = package["CFItems"][1]
    got = client.get(item["uri"].removeprefix("http://librarena.localhost")).get_json()
    assert got == item
    whole = client.get(f"/api/v1/case/CFPackages/{fw.uuid.upper()}").get_json()
    assert whole == package
    assert client.get("/api/v1/case/CFItems/not-a-uuid").status_code == 404
    assert client.get("/api/v1/case/CFPackages/nothing").status_code == 404


def _multipart(payload: bytes, filename: str) -> dict:
    """A multipart body built in memory: the test client would spool a big one to a temporary
    file of its own and leave it open."""
    upload = FileStorage(io.BytesIO(payload), filename=filename, content_type="text/plain")
    boundary, body = encode_multipart({"file": upload})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_oversized_uploads_are_refused(client, session, create_user, login, make_framework):
    fw = make_framework(areas=1, per_area=1)
    login(create_user("coordinator"))
    just_over = b"id,parent_id,kind,name_en\n" + b"x" * exchange.MAX_UPLOAD_BYTES
    resp = client.post(f"/competences/{fw.id}/import", **_multipart(just_over, "big.csv"))
    assert resp.status_code == 422
    assert "larger than 2 MB" in resp.get_data(as_text=True)
    far_over = b"x" * (3 * exchange.MAX_UPLOAD_BYTES)
    resp = client.post("/competences/import", **_multipart(far_over, "big.json"))
    assert resp.status_code == 413
    resp = client.post(f"/api/v1/frameworks/import?format=csv&framework_id={fw.id}", data=far_over)
    assert resp.status_code == 413
    session.expire_all()
    assert sorted(by_code(session, fw)) == ["1", "1.1"]
