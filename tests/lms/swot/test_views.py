"""SWOT workshops through the pages: creating, adding items, grouping, print and PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.swot.models import (
    BoardStatus,
    Level,
    Perspective,
    Quadrant,
    SwotGroup,
    SwotItem,
    SwotVote,
    SwotWorkshop,
)
from tests.conftest import text_of
from tests.lms.swot.conftest import SwotWorld

ITEM = {
    "text": "Nya målgrupper: nyanlända som behöver digital vägledning",
    "quadrant": "opportunity",
    "level": "near",
    "perspective": "target_groups",
}


def sign_in(client: Any, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# Creating a workshop


def test_new_workshop_is_created_with_sanitised_preparation(
    client: Any, session: Session, swot_world: SwotWorld
) -> None:
    sign_in(client, swot_world.coordinator)
    resp = client.post(
        "/swot/new",
        data={
            "title": "SWOT-dag Falun",
            "municipality": str(swot_world.municipality.id),
            "held_on": "2027-02-01",
            "facilitators": "",
            "participants": swot_world.outsider.email,
            "votes_per_person": "3",
            "preparation": "Läs **bibliotekslagen**.<script>alert(1)</script>",
        },
    )
    # The outsider works in another region: the coordinator cannot invite them by address.
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert f"There is no account with this e-mail address: {swot_world.outsider.email}" in page
    assert 'value="SWOT-dag Falun"' in page
    assert _count(session, SwotWorkshop) == 0

    resp = client.post(
        "/swot/new",
        data={
            "title": "SWOT-dag Falun",
            "municipality": str(swot_world.municipality.id),
            "held_on": "2027-02-01",
            "participants": swot_world.colleague.email,
            "votes_per_person": "3",
            "preparation": "Läs **bibliotekslagen**.<script>alert(1)</script>",
        },
    )
    assert resp.status_code == 302
    created = session.scalars(select(SwotWorkshop)).one()
    assert [f.id for f in created.facilitators] == [swot_world.coordinator.id]
    assert [p.id for p in created.participants] == [swot_world.colleague.id]
    assert "<strong>bibliotekslagen</strong>" in created.preparation_html
    assert "script" not in created.preparation_html
    page = client.get(resp.location).get_data(as_text=True)
    assert "<strong>bibliotekslagen</strong>" in page
    assert "Outer world (omvärld)" in page


def test_new_workshop_refuses_blank_fields_and_a_municipality_of_another_region(
    client: Any, session: Session, swot_world: SwotWorld
) -> None:
    sign_in(client, swot_world.coordinator)
    resp = client.post("/swot/new", data={"title": "", "held_on": "not a date"})
    assert resp.status_code == 422
    text = text_of(resp.get_data(as_text=True))
    assert "This field is required." in text
    assert "Enter a date as YYYY-MM-DD." in text
    resp = client.post(
        "/swot/new",
        data={
            "title": "Smuggel",
            "municipality": str(swot_world.other_municipality.id),
            "held_on": "2027-02-01",
        },
    )
    assert resp.status_code == 422
    assert "Choose a municipality." in resp.get_data(as_text=True)
    resp = client.post(
        "/swot/new",
        data={
            "title": "Prickar",
            "municipality": str(swot_world.municipality.id),
            "held_on": "2027-02-01",
            "votes_per_person": "9999999999999",
        },
    )
    assert resp.status_code == 422
    assert _count(session, SwotWorkshop) == 0


def test_learners_cannot_create_workshops(client: Any, swot_world: SwotWorld) -> None:
    sign_in(client, swot_world.staff)
    assert client.get("/swot/new").status_code == 403


# Who sees a workshop


def test_staff_of_the_municipality_see_the_board_and_outsiders_do_not(
    client: Any, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    sign_in(client, swot_world.staff)
    page = client.get(f"/swot/{workshop.id}")
    assert page.status_code == 200
    assert "SWOT-dag i Falun" in client.get("/swot/").get_data(as_text=True)
    sign_in(client, swot_world.outsider)
    assert client.get(f"/swot/{workshop.id}").status_code == 404
    assert "SWOT-dag i Falun" not in client.get("/swot/").get_data(as_text=True)
    sign_in(client, swot_world.other_coordinator)
    assert client.get(f"/swot/{workshop.id}").status_code == 404
    assert client.get(f"/swot/{workshop.id}/board.pdf").status_code == 404


def test_an_invited_person_takes_part(
    client: Any, session: Session, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    workshop.participants = [swot_world.outsider]
    session.commit()
    sign_in(client, swot_world.outsider)
    assert client.get(f"/swot/{workshop.id}").status_code == 200
    assert client.post(f"/swot/{workshop.id}/items", data=ITEM).status_code == 302


# Items


def test_participant_adds_edits_and_deletes_their_own_item(
    client: Any, session: Session, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    sign_in(client, swot_world.staff)
    resp = client.post(f"/swot/{workshop.id}/items", data=ITEM)
    assert resp.status_code == 302
    item = session.scalars(select(SwotItem)).one()
    assert (item.quadrant, item.level, item.perspective) == (
        Quadrant.OPPORTUNITY,
        Level.NEAR,
        Perspective.TARGET_GROUPS,
    )
    assert item.author_id == swot_world.staff.id
    page = client.get(f"/swot/{workshop.id}").get_data(as_text=True)
    assert ITEM["text"] in page
    assert "Yours" in page

    resp = client.post(
        f"/swot/{workshop.id}/items/{item.id}/edit",
        data=ITEM | {"text": "Ändrad text", "quadrant": "threat"},
    )
    assert resp.status_code == 302
    session.refresh(item)
    assert (item.text, item.quadrant) == ("Ändrad text", Quadrant.THREAT)
    assert client.post(f"/swot/{workshop.id}/items/{item.id}/delete").status_code == 302
    assert _count(session, SwotItem) == 0


def test_bad_items_are_refused_with_the_field_named_and_input_kept(
    client: Any, session: Session, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    sign_in(client, swot_world.staff)
    resp = client.post(
        f"/swot/{workshop.id}/items",
        data={"text": "Halvfärdig tanke", "quadrant": "sideways", "level": "", "perspective": ""},
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose one of the options." in page
    assert "Halvfärdig tanke" in page
    assert 'id="quadrant" name="quadrant"' in page
    assert 'aria-invalid="true"' in page
    resp = client.post(f"/swot/{workshop.id}/items", data=ITEM | {"text": "x" * 501})
    assert resp.status_code == 422
    assert _count(session, SwotItem) == 0


def test_someone_elses_item_cannot_be_changed(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    item = add_item(workshop, swot_world.colleague)
    sign_in(client, swot_world.staff)
    assert client.get(f"/swot/{workshop.id}/items/{item.id}/edit").status_code == 403
    assert client.post(f"/swot/{workshop.id}/items/{item.id}/delete").status_code == 403
    assert _count(session, SwotItem) == 1
    # An item id from another workshop is not found under this one.
    assert client.post(f"/swot/{workshop.id}/items/999999/delete").status_code == 404


def test_a_closed_board_takes_no_more_items_edits_or_dots(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    item = add_item(workshop, swot_world.staff)
    sign_in(client, swot_world.coordinator)
    assert client.post(f"/swot/{workshop.id}/status", data={"status": "closed"}).status_code == 302
    session.refresh(workshop)
    assert workshop.status is BoardStatus.CLOSED
    sign_in(client, swot_world.staff)
    assert client.post(f"/swot/{workshop.id}/items", data=ITEM).status_code == 409
    assert client.post(f"/swot/{workshop.id}/items/{item.id}/delete").status_code == 409
    assert client.post(f"/swot/{workshop.id}/items/{item.id}/vote").status_code == 409
    assert "The board is closed" in client.get(f"/swot/{workshop.id}").get_data(as_text=True)
    assert _count(session, SwotItem) == 1
    # Participants may not reopen it.
    assert client.post(f"/swot/{workshop.id}/status", data={"status": "open"}).status_code == 403


def test_dot_voting_is_limited_to_the_workshops_number(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    items = [add_item(workshop, swot_world.colleague, text=f"Punkt {n}") for n in range(3)]
    sign_in(client, swot_world.staff)
    for item in items[:2]:
        assert client.post(f"/swot/{workshop.id}/items/{item.id}/vote").status_code == 302
    assert client.post(f"/swot/{workshop.id}/items/{items[0].id}/vote").status_code == 409
    resp = client.post(f"/swot/{workshop.id}/items/{items[2].id}/vote")
    assert resp.status_code == 409
    assert "used all your dots" in resp.get_data(as_text=True)
    assert _count(session, SwotVote) == 2
    resp = client.post(f"/swot/{workshop.id}/items/{items[0].id}/vote", data={"take_back": "1"})
    assert resp.status_code == 302
    assert client.post(f"/swot/{workshop.id}/items/{items[2].id}/vote").status_code == 302
    assert _count(session, SwotVote) == 2


# Grouping and priorities


def test_facilitator_groups_and_prioritises(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    first = add_item(workshop, swot_world.staff, text="Starkt läsfrämjande")
    second = add_item(workshop, swot_world.staff, text="Bra samarbete med skolan")
    threat = add_item(workshop, swot_world.staff, text="Minskad budget", quadrant=Quadrant.THREAT)
    sign_in(client, swot_world.staff)
    assert client.get(f"/swot/{workshop.id}/organise").status_code == 403
    sign_in(client, swot_world.coordinator)
    assert client.get(f"/swot/{workshop.id}/organise").status_code == 200
    resp = client.post(
        f"/swot/{workshop.id}/groups", data={"name": "Läsfrämjande", "quadrant": "strength"}
    )
    assert resp.status_code == 302
    group = session.scalars(select(SwotGroup)).one()
    resp = client.post(
        f"/swot/{workshop.id}/groups", data={"name": "läsfrämjande", "quadrant": "strength"}
    )
    assert resp.status_code == 422
    assert "has a group with this name already" in resp.get_data(as_text=True)

    # A strength cannot join a group of threats, and a priority of 7 is refused: nothing changes.
    resp = client.post(
        f"/swot/{workshop.id}/organise",
        data={
            f"group-{first.id}": str(group.id),
            f"priority-{first.id}": "1",
            f"group-{threat.id}": str(group.id),
            f"priority-{second.id}": "7",
        },
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Item “Minskad budget”: choose a group of its own quadrant." in page
    assert "Item “Bra samarbete med skolan”: choose a priority from 1 to 3." in page
    session.refresh(first)
    assert first.group_id is None
    assert first.priority is None

    resp = client.post(
        f"/swot/{workshop.id}/organise",
        data={
            f"group-{first.id}": str(group.id),
            f"priority-{first.id}": "1",
            f"group-{second.id}": str(group.id),
            f"priority-{second.id}": "",
        },
    )
    assert resp.status_code == 302
    resp = client.post(
        f"/swot/{workshop.id}/groups/{group.id}/edit", data={"name": "Läslust", "priority": "2"}
    )
    assert resp.status_code == 302
    session.refresh(first)
    session.refresh(group)
    assert (first.group_id, first.priority) == (group.id, 1)
    assert (group.name, group.priority) == ("Läslust", 2)
    page = text_of(client.get(f"/swot/{workshop.id}").get_data(as_text=True))
    assert "Läslust Priority 2" in page

    resp = client.post(f"/swot/{workshop.id}/groups/{group.id}/delete")
    assert resp.status_code == 302
    session.refresh(first)
    assert first.group_id is None  # the item stays, ungrouped
    assert _count(session, SwotItem) == 3


# Print and PDF


def test_printable_page_and_pdf_hold_the_board(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    add_item(workshop, swot_world.staff, text="Större efterfrågan på e-böcker i Älvdalen")
    add_item(workshop, swot_world.staff, text="Hot mot öppettider", quadrant=Quadrant.THREAT)
    sign_in(client, swot_world.staff)
    page = client.get(f"/swot/{workshop.id}/print").get_data(as_text=True)
    assert "swot.css" in page
    assert "Större efterfrågan på e-böcker i Älvdalen" in page
    css = client.get("/static/swot.css")
    assert css.status_code == 200
    assert b"@media print" in css.data
    css.close()

    resp = client.get(f"/swot/{workshop.id}/board.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert resp.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) >= 1
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "SWOT-dag i Falun" in text
    assert "Större efterfrågan på e-böcker i Älvdalen" in text
    assert "Hot mot öppettider" in text
    assert "Threats" in text


def test_the_board_reads_in_swedish(
    client: Any, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    sign_in(client, swot_world.staff)
    page = client.get(f"/swot/{workshop.id}", headers={"Accept-Language": "sv"})
    text = text_of(page.get_data(as_text=True))
    assert "Styrkor" in text
    assert "Omvärld" in text


def test_facilitator_mails_the_invitation_with_the_preparation(
    client: Any, session: Session, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    from lms.outbox.models import OutboxMessage

    sign_in(client, swot_world.staff)
    assert client.post(f"/swot/{workshop.id}/invite").status_code == 403
    assert _count(session, OutboxMessage) == 0
    sign_in(client, swot_world.coordinator)
    resp = client.post(f"/swot/{workshop.id}/invite")
    assert resp.status_code == 302
    messages = list(session.scalars(select(OutboxMessage)))
    recipients = sorted(m.payload["to"] for m in messages)
    # The library's three staff and the facilitator; nobody from the other region.
    assert recipients == sorted(
        u.email
        for u in (
            swot_world.manager,
            swot_world.staff,
            swot_world.colleague,
            swot_world.coordinator,
        )
    )
    to_staff = next(m.payload for m in messages if m.payload["to"] == swot_world.staff.email)
    assert to_staff["subject"].startswith("SWOT-dag i Falun")  # Swedish: a library in Sweden
    assert "Fundera över **omvärld**" in to_staff["body"]
    assert f"/swot/{workshop.id}" in to_staff["body"]
    session.refresh(workshop)
    assert workshop.invited_at is not None


def test_only_coordinators_in_reach_delete_a_workshop_and_plans_lose_the_links(
    client: Any,
    session: Session,
    swot_world: SwotWorld,
    workshop: SwotWorkshop,
    add_item: Callable[..., SwotItem],
) -> None:
    from datetime import date

    from lms.plans import municipal_services as plans
    from lms.plans.municipal import LinkKind, MunicipalGoal, MunicipalLink, PlanStatus

    item = add_item(workshop, swot_world.staff)
    plan = plans.create_plan(
        session,
        municipality=swot_world.municipality,
        title="Plan",
        status=PlanStatus.DRAFT,
        summary="",
        starts_on=date(2027, 1, 1),
        ends_on=None,
        workshop_id=workshop.id,
        by=swot_world.coordinator,
    )
    goal = plans.add_goal(session, plan, title="Mål", description="")
    plans.set_links(session, goal, plan, {LinkKind.SWOT_ITEM: [item.id]})
    # A manager named facilitator leads the day but may not delete it.
    workshop.facilitators = [swot_world.coordinator, swot_world.manager]
    session.commit()
    sign_in(client, swot_world.manager)
    assert client.get(f"/swot/{workshop.id}/edit").status_code == 200
    assert client.post(f"/swot/{workshop.id}/delete").status_code == 403
    sign_in(client, swot_world.other_coordinator)
    assert client.post(f"/swot/{workshop.id}/delete").status_code == 404
    sign_in(client, swot_world.coordinator)
    assert client.post(f"/swot/{workshop.id}/delete").status_code == 302
    assert _count(session, SwotWorkshop) == 0
    assert _count(session, SwotItem) == 0
    assert _count(session, MunicipalLink) == 0
    assert _count(session, MunicipalGoal) == 1
    session.refresh(plan)
    assert plan.workshop_id is None


def test_a_facilitator_without_reach_saves_the_workshop_but_adds_nobody_new(
    client: Any, session: Session, swot_world: SwotWorld, workshop: SwotWorkshop
) -> None:
    workshop.facilitators = [swot_world.coordinator, swot_world.manager]
    workshop.participants = [swot_world.outsider]
    session.commit()
    sign_in(client, swot_world.manager)
    form = {
        "title": "SWOT-dag i Falun (flyttad)",
        "held_on": "2027-03-21",
        "facilitators": f"{swot_world.coordinator.email}\n{swot_world.manager.email}",
        "participants": swot_world.outsider.email,
        "votes_per_person": "3",
        "preparation": "Ny text.",
    }
    resp = client.post(f"/swot/{workshop.id}/edit", data=form)
    assert resp.status_code == 302
    session.refresh(workshop)
    assert workshop.title == "SWOT-dag i Falun (flyttad)"
    assert [u.id for u in workshop.participants] == [swot_world.outsider.id]
    resp = client.post(
        f"/swot/{workshop.id}/edit",
        data=form | {"participants": f"{swot_world.outsider.email}, {swot_world.staff.email}"},
    )
    assert resp.status_code == 422
    assert f"no account with this e-mail address: {swot_world.staff.email}" in resp.get_data(
        as_text=True
    )
    session.refresh(workshop)
    assert [u.id for u in workshop.participants] == [swot_world.outsider.id]
