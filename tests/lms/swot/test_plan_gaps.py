"""A municipality plan shows the gap analysis's figure beside each competence it names."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.plans import municipal_services as plans
from lms.plans.municipal import LinkKind, PlanStatus
from tests.conftest import text_of
from tests.lms.mapping.conftest import MappingWorld, answer_all, mw, sign_in_as

__all__ = ["mw"]  # the mapping tests' world, used here as a fixture


def test_competences_come_with_the_municipalitys_gap_largest_first(
    client: Any, session: Session, mw: MappingWorld
) -> None:
    falun = mw.munis[0]
    in_falun = [u for u in mw.staff if u.memberships[0].library.parent_id == falun.id]
    assert in_falun
    for user in in_falun:
        answer_all(session, mw, user, [1, 3, 2])  # librarians need at least 3 in each
    plan = plans.create_plan(
        session,
        municipality=falun,
        title="Plan för Falun",
        status=PlanStatus.DRAFT,
        summary="",
        starts_on=None,
        ends_on=None,
        workshop_id=None,
        by=mw.users["coordinator"],
    )
    session.commit()
    searching, evaluating, leading = mw.competences
    gaps = plans.competence_gaps(session, falun)
    assert gaps[searching.id] == 2
    assert gaps[evaluating.id] == 0
    assert gaps[leading.id] == 1

    sign_in_as(client, mw.users["coordinator"])
    page = client.get(f"/municipal-plans/{plan.id}/goals/new").get_data(as_text=True)
    # The form lists the largest gap first.
    assert page.index("1.1 Searching") < page.index("2.1 Leading change")
    assert page.index("2.1 Leading change") < page.index("1.2 Evaluating")
    resp = client.post(
        f"/municipal-plans/{plan.id}/goals/new",
        data={"title": "Söka bättre", "competence": [str(searching.id)]},
    )
    assert resp.status_code == 302
    text = text_of(client.get(f"/municipal-plans/{plan.id}").get_data(as_text=True))
    assert "Competences Searching (1.1) gap 2" in text
    # The panel of largest gaps: only shortfalls, the largest first.
    assert "Largest competence gaps in Falun" in text
    assert text.index("1.1 Searching 2") < text.index("2.1 Leading change 1")
    assert "1.2 Evaluating 0" not in text
    body = client.get(f"/api/v1/municipal-plans/{plan.id}").get_json()
    assert body["goals"][0]["links"] == [
        {"kind": LinkKind.COMPETENCE.value, "id": searching.id, "label": "Searching", "gap": 2.0}
    ]
