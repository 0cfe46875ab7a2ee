"""The mapping JSON API: rounds, one's own answers (GET/PUT) and a unit's gap report."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.mapping import services
from tests.lms.mapping.conftest import MappingWorld, answer_all, sign_in_as


def test_rounds_and_my_answers(client: Any, session: Session, mw: MappingWorld):
    sign_in_as(client, mw.staff[2])
    rounds = client.get("/api/v1/mapping/rounds").get_json()
    assert [r["name"] for r in rounds["items"]] == ["Spring mapping"]
    assert rounds["items"][0]["scale"] == "framework"
    url = f"/api/v1/mapping/rounds/{mw.round.id}/answers"
    mine = client.get(url).get_json()
    assert mine["answers"] == []
    assert [lvl["value"] for lvl in mine["levels"]] == [1, 2, 3, 4]
    first, second, third = (c.id for c in mw.competences)
    body = {
        "answers": [
            {"competence_id": first, "level": 2, "comment": "ok"},
            {"competence_id": second, "level": None},
        ]
    }
    saved = client.put(url, json=body).get_json()
    assert saved["submitted_at"] is None
    assert {a["competence_id"]: a["level"] for a in saved["answers"]} == {first: 2, second: None}
    # Submitting with one competence missing names it.
    resp = client.put(url, json={"answers": [], "submit": True})
    assert resp.status_code == 422
    assert list(resp.get_json()["errors"]) == [f"level-{third}"]
    resp = client.put(url, json={"answers": [{"competence_id": third, "level": 4}], "submit": True})
    assert resp.status_code == 200
    assert resp.get_json()["submitted_at"] is not None


def test_bad_answers_are_refused_naming_the_field(client: Any, mw: MappingWorld):
    sign_in_as(client, mw.staff[2])
    url = f"/api/v1/mapping/rounds/{mw.round.id}/answers"
    first = mw.competences[0].id
    resp = client.put(url, json={"answers": [{"competence_id": first, "level": 7}]})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {f"level-{first}": ["Choose a level from 1 to 4."]}
    resp = client.put(url, json={"answers": [{"competence_id": 10**6, "level": 1}]})
    assert resp.status_code == 422
    resp = client.put(url, data="not json", content_type="application/json")
    assert resp.status_code == 400
    assert client.get(url).get_json()["answers"] == []  # nothing changed


def test_answers_to_a_closed_round_are_refused(client: Any, session: Session, mw: MappingWorld):
    services.close_round(session, mw.round)
    session.commit()
    sign_in_as(client, mw.staff[2])
    resp = client.put(
        f"/api/v1/mapping/rounds/{mw.round.id}/answers",
        json={"answers": [{"competence_id": mw.competences[0].id, "level": 1}]},
    )
    assert resp.status_code == 409
    assert "closed" in resp.get_json()["errors"]["_"][0]


def test_unit_gap_report(client: Any, session: Session, mw: MappingWorld):
    for person in mw.staff:
        answer_all(session, mw, person, [1, 2, 3])
    sign_in_as(client, mw.users["coordinator"])
    report = client.get(f"/api/v1/mapping/gaps/units/{mw.region.id}").get_json()
    assert report["people"] == 6
    assert [c["name"] for c in report["columns"]] == ["Falun", "Mora"]
    top = report["competences"][0]
    assert top["name"] == "Searching"
    assert top["total"] == {
        "people": 6,
        "mapped": 1.0,
        "needed": 3.33,
        "gap": 2.33,
        "suppressed": False,
    }
    sign_in_as(client, mw.users["evaluator"])
    aggregate = client.get(f"/api/v1/mapping/gaps/units/{mw.region.id}").get_json()
    mora = aggregate["competences"][0]["units"][1]
    assert mora["suppressed"] is True
    assert mora["gap"] is None
    assert mora["people"] is None
    # forged: the manager of one library may not read the region
    sign_in_as(client, mw.users["manager"])
    assert client.get(f"/api/v1/mapping/gaps/units/{mw.region.id}").status_code == 403


def test_openapi_lists_the_mapping_api(client: Any):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/mapping/rounds",
        "/api/v1/mapping/rounds/{round_id}/answers",
        "/api/v1/mapping/gaps/units/{unit_id}",
    ):
        assert path in doc["paths"], path
    assert "put" in doc["paths"]["/api/v1/mapping/rounds/{round_id}/answers"]
