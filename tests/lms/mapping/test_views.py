"""The mapping pages: a person answers, a manager rates, a coordinator runs the round, and the
gap pages with their exports; bad input keeps what was typed, forged ids are refused."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.mapping.models import MappingRound, Participant, RatingKind
from tests.conftest import text_of
from tests.lms.mapping.conftest import TODAY, MappingWorld, answer_all, sign_in_as


def _form(mw: MappingWorld, levels: list[str], action: str = "save") -> dict[str, str]:
    data = {"action": action}
    for node, level in zip(mw.competences, levels, strict=False):
        data[f"level-{node.id}"] = level
    return data


def test_self_assessment_page_shows_levels_with_descriptors(client: Any, mw: MappingWorld):
    sign_in_as(client, mw.staff[2])
    page = client.get(f"/mapping/rounds/{mw.round.id}/answer").get_data(as_text=True)
    first = mw.competences[0].id
    assert f'type="radio" id="level-{first}-1" name="level-{first}"' in page
    assert f'id="level-{first}-unknown"' in page
    assert f'aria-describedby="level-{first}-3-d"' in page
    assert f'<p class="hint" id="level-{first}-3-d">What someone at level 3 can do</p>' in page
    assert "Don&#39;t know" in page or "Don't know" in page
    assert "Save and continue later" in page


def test_save_then_submit_through_the_form(client: Any, session: Session, mw: MappingWorld):
    sign_in_as(client, mw.staff[2])
    url = f"/mapping/rounds/{mw.round.id}/answer"
    first, second, third = (c.id for c in mw.competences)
    resp = client.post(url, data={**_form(mw, ["2"]), f"comment-{first}": "Getting there"})
    assert resp.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f'id="level-{first}-2" name="level-{first}" value="2"\n      checked' in page or (
        'value="2"\n      checked' in page
    )
    assert "Getting there" in page
    # Submitting with answers missing: 422, the message names the field, input kept.
    resp = client.post(url, data=_form(mw, ["", "3"], action="submit"))
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert f'href="#level-{third}"' in body
    assert "don’t know" in body or "don't know" in body.replace("&#39;", "'")
    participant = session.scalar(
        select(Participant).where(
            Participant.round_id == mw.round.id, Participant.user_id == mw.staff[2].id
        )
    )
    assert participant is not None
    session.refresh(participant)
    assert participant.submitted_at is None
    resp = client.post(url, data=_form(mw, ["2", "3", "unknown"], action="submit"))
    assert resp.status_code == 302
    session.refresh(participant)
    assert participant.submitted_at is not None
    levels = {r.competence_id: r.level for r in participant.ratings if r.kind is RatingKind.SELF}
    assert levels == {first: 2, second: 3, third: None}


def test_level_outside_the_scale_is_refused_with_input_kept(client: Any, mw: MappingWorld):
    sign_in_as(client, mw.staff[2])
    first = mw.competences[0].id
    resp = client.post(
        f"/mapping/rounds/{mw.round.id}/answer",
        data={"action": "save", f"level-{first}": "9", f"comment-{first}": "Kept text"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "Choose a level from 1 to 4." in body
    assert "Kept text" in body
    resp = client.post(
        f"/mapping/rounds/{mw.round.id}/answer",
        data={"action": "save", f"level-{first}": "99999999999999999999"},
    )
    assert resp.status_code == 422


def test_answer_after_closing_is_refused_with_a_clear_message(
    client: Any, session: Session, mw: MappingWorld
):
    sign_in_as(client, mw.users["coordinator"])
    assert client.post(f"/mapping/rounds/{mw.round.id}/close").status_code == 302
    sign_in_as(client, mw.staff[2])
    resp = client.post(f"/mapping/rounds/{mw.round.id}/answer", data=_form(mw, ["2"]))
    assert resp.status_code == 409
    assert "is closed; answers are no longer taken" in text_of(resp.get_data(as_text=True))
    page = client.get(f"/mapping/rounds/{mw.round.id}/answer").get_data(as_text=True)
    assert "This round is closed" in page
    assert 'name="action" value="submit"' not in page


def test_manager_rates_own_staff_and_not_others(client: Any, session: Session, mw: MappingWorld):
    answer_all(session, mw, mw.staff[0], [2, 2, 2])
    answer_all(session, mw, mw.staff[2], [2, 2, 2])
    sign_in_as(client, mw.users["manager"])
    team = client.get(f"/mapping/rounds/{mw.round.id}/team")
    assert team.status_code == 200
    assert mw.staff[0].name in team.get_data(as_text=True)
    assert mw.staff[2].name not in team.get_data(as_text=True)  # Mora is not theirs
    url = f"/mapping/rounds/{mw.round.id}/people/{mw.staff[0].id}"
    page = client.get(url).get_data(as_text=True)
    assert "Their own rating:" in page
    first = mw.competences[0].id
    assert client.post(url, data={f"level-{first}": "3"}).status_code == 302
    # A forged id: someone at another library, or someone not in the round at all.
    forged = client.post(
        f"/mapping/rounds/{mw.round.id}/people/{mw.staff[2].id}", data={f"level-{first}": "4"}
    )
    assert forged.status_code == 403
    assert client.get(f"/mapping/rounds/{mw.round.id}/people/{mw.outsider.id}").status_code == 404  # type: ignore[union-attr]
    rows = session.scalars(select(Participant).where(Participant.round_id == mw.round.id)).all()
    validated = [
        (p.user_id, r.level) for p in rows for r in p.ratings if r.kind is RatingKind.VALIDATED
    ]
    assert validated == [(mw.staff[0].id, 3)]


def test_coordinator_creates_a_round_and_sees_the_response_rate(
    client: Any, session: Session, mw: MappingWorld
):
    sign_in_as(client, mw.users["coordinator"])
    form = {
        "name": "Autumn mapping",
        "programme_id": str(mw.programme.id),
        "framework_id": str(mw.framework.id),
        "scale": "self_efficacy",
        "units": [str(mw.munis[1].id)],
        "opens_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat(),
    }
    bad = client.post("/mapping/rounds/new", data={**form, "units": [str(mw.other_region.id)]})
    assert bad.status_code == 422
    assert "outside your organisation" in bad.get_data(as_text=True)
    assert 'value="Autumn mapping"' in bad.get_data(as_text=True)
    resp = client.post("/mapping/rounds/new", data=form)
    assert resp.status_code == 302
    created = session.scalar(select(MappingRound).where(MappingRound.name == "Autumn mapping"))
    assert created is not None
    assert len(created.participants) == 2  # Mora's staff
    answer_all(session, mw, mw.staff[0], [1, 1, 1])
    page = text_of(client.get(f"/mapping/rounds/{mw.round.id}").get_data(as_text=True))
    assert "Response rate per unit" in page
    assert "Falu stadsbibliotek" in page
    assert "14 %" in page  # 1 of 7
    resp = client.post(f"/mapping/rounds/{mw.round.id}/remind")
    assert resp.status_code == 302
    assert "6 people" in text_of(client.get("/mapping/rounds").get_data(as_text=True))


def test_region_gap_page_and_exports(client: Any, session: Session, mw: MappingWorld):
    for person in mw.staff:
        answer_all(session, mw, person, [1, 2, 3])
    sign_in_as(client, mw.users["coordinator"])
    page = client.get(f"/mapping/gaps/units/{mw.region.id}").get_data(as_text=True)
    assert '<table class="heatmap" id="heatmap">' in page
    assert "Falun" in page
    assert "Mora" in page
    assert "How to read the heatmap" in page
    assert "<svg" in page
    assert 'role="img"' in page
    assert '<table id="per-unit-table">' in page  # the chart per unit, with its table
    csv_text = client.get(f"/mapping/gaps/units/{mw.region.id}/export.csv?table=heatmap").get_data(
        as_text=True
    )
    assert csv_text.splitlines()[0] == "\ufeffCode,Competence,Falun,Mora,All"
    assert csv_text.splitlines()[1].startswith("1.1,Searching,2.0,3.0,2.33")
    xlsx = client.get(f"/mapping/gaps/units/{mw.region.id}/export.xlsx?table=gaps")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    assert sheet["B1"].value == "Competence"
    assert sheet["B2"].value == "Searching"  # the biggest gap first
    bad = client.get(f"/mapping/gaps/units/{mw.region.id}/export.csv?table=nonsense")
    assert bad.status_code == 422


def test_evaluator_sees_suppressed_cells(client: Any, session: Session, mw: MappingWorld):
    for person in mw.staff:
        answer_all(session, mw, person, [1, 2, 3])
    sign_in_as(client, mw.users["evaluator"])
    page = text_of(client.get(f"/mapping/gaps/units/{mw.region.id}").get_data(as_text=True))
    assert "You see aggregates only" in page
    assert "Hidden: fewer than 5 people" in page or "Hidden" in page
    csv_text = client.get(f"/mapping/gaps/units/{mw.region.id}/export.csv?table=heatmap").get_data(
        as_text=True
    )
    assert "fewer than 5 people" in csv_text
    # Nothing about single people for the evaluator.
    assert client.get(f"/mapping/gaps/people/{mw.staff[0].id}").status_code == 403
    lib = mw.libraries[0].id
    assert client.get(f"/mapping/gaps/units/{lib}/export.csv?table=people").status_code == 403


def test_person_sees_own_gaps_and_history(client: Any, session: Session, mw: MappingWorld):
    answer_all(session, mw, mw.staff[2], [1, 3, None])
    sign_in_as(client, mw.staff[2])
    page = text_of(client.get(f"/mapping/gaps/people/{mw.staff[2].id}").get_data(as_text=True))
    assert "Searching" in page
    history = text_of(client.get("/mapping/history").get_data(as_text=True))
    assert "Spring mapping" in history
    assert "Don't know" in history or "Don’t know" in history
    assert client.get(f"/mapping/gaps/people/{mw.staff[1].id}").status_code == 403
    # In Swedish for someone who chose it.
    sign_in_as(client, mw.staff[0])
    answer_all(session, mw, mw.staff[0], [1, 1, 1])
    assert "Din utveckling över tid" in client.get("/mapping/history").get_data(as_text=True)


def test_coordinator_edits_then_closes_a_round(client: Any, session: Session, mw: MappingWorld):
    sign_in_as(client, mw.users["coordinator"])
    url = f"/mapping/rounds/{mw.round.id}/edit"
    form = {
        "name": "Spring mapping, Mora",
        "units": [str(mw.munis[1].id)],
        "opens_on": mw.round.opens_on.isoformat(),
        "closes_on": (mw.round.opens_on - timedelta(days=1)).isoformat(),
    }
    bad = client.post(url, data=form)
    assert bad.status_code == 422
    assert "closing date must not be before" in bad.get_data(as_text=True)
    session.refresh(mw.round)
    assert mw.round.name == "Spring mapping"  # nothing changed
    form["closes_on"] = mw.round.closes_on.isoformat()
    assert client.post(url, data=form).status_code == 302
    session.refresh(mw.round)
    assert mw.round.name == "Spring mapping, Mora"
    assert {p.library_id for p in mw.round.participants} == {mw.libraries[2].id}
    assert client.post(f"/mapping/rounds/{mw.round.id}/close").status_code == 302
    page = text_of(client.get(f"/mapping/rounds/{mw.round.id}").get_data(as_text=True))
    assert "Closed" in page
    assert "Remind those who have not answered" not in page
    refused = client.post(url, data=form)  # a closed round stays as it was
    assert refused.status_code == 422
    assert "closed and can no longer be changed" in refused.get_data(as_text=True)


def test_rate_your_staff_link_only_where_the_manager_has_staff_in_the_round(
    client: Any, session: Session, mw: MappingWorld
):
    sign_in_as(client, mw.users["manager"])
    assert "Rate your staff" in client.get("/mapping/").get_data(as_text=True)
    # Their staff leave the round (their library is no longer in it): no link to an empty page.
    for p in session.scalars(select(Participant).where(Participant.round_id == mw.round.id)):
        if p.user_id != mw.users["manager"].id:
            session.delete(p)
    session.commit()
    assert "Rate your staff" not in client.get("/mapping/").get_data(as_text=True)
