"""Programmes: their regions, phases and project organisation (HTML)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from lms.orgs import services as orgs
from lms.orgs.models import GroupKind, GroupMember, Phase, Programme, ProgrammeGroup
from tests.conftest import text_of


@pytest.fixture
def regions(create_unit):
    """Dalarna and Gävleborg (one programme's) and Värmland (outside it)."""
    return {name: create_unit("region", name=name) for name in ("Dalarna", "Gävleborg", "Värmland")}


@pytest.fixture
def kub(session, regions):
    programme = Programme(
        name="KUB",
        description="Kompetensutveckling för bibliotekarier.\n\nEn lärande organisation.",
        starts_on=date(2012, 9, 1),
        ends_on=date(2014, 12, 31),
        regions=[regions["Dalarna"], regions["Gävleborg"]],
    )
    session.add(programme)
    session.flush()
    orgs.add_phase(
        session,
        programme,
        name="Mobilisering",
        starts_on=date(2012, 9, 1),
        ends_on=date(2013, 6, 30),
    )
    session.commit()
    return programme


def _programme(session, programme_id: int) -> Programme | None:
    session.expire_all()
    return session.get(Programme, programme_id)


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _form(**fields):
    data = {"name": "KompoBib2020", "description": "", "starts_on": "", "ends_on": ""}
    data.update(fields)
    return data


# Reading


def test_programmes_list_for_any_signed_in_user(client, kub, create_user, login):
    login(create_user("learner"))
    resp = client.get("/programmes")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert f'href="/programmes/{kub.id}"' in body
    assert "Dalarna, Gävleborg" in text_of(body)
    assert "Start a programme" not in body  # learners cannot create one


def test_programmes_list_is_paged(client, session, create_user, login):
    for n in range(27):
        session.add(Programme(name=f"Programme {n:02d}"))
    session.commit()
    login(create_user("learner"))
    first = text_of(client.get("/programmes").get_data(as_text=True))
    assert "Page 1 of 2" in first
    assert "Programme 24" in first
    assert "Programme 25" not in first
    second = text_of(client.get("/programmes?page=2").get_data(as_text=True))
    assert "Programme 25" in second
    assert "Programme 26" in second
    assert "Programme 24" not in second


def test_programmes_require_sign_in(client, kub):
    assert client.get("/programmes").status_code == 302
    assert client.get(f"/programmes/{kub.id}").status_code == 302


def test_programme_page_shows_everything(client, session, kub, create_user, login):
    member = create_user("coordinator", name="Cecilia Lindgren")
    group = ProgrammeGroup(programme=kub, kind=GroupKind.PROJECT_TEAM, name="Projektgrupp")
    group.members = [GroupMember(user=member, task="Länskonsulent")]
    session.add(group)
    session.commit()
    login(create_user("learner", locale="en"))
    resp = client.get(f"/programmes/{kub.id}")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Kompetensutveckling för bibliotekarier." in page
    assert "En lärande organisation." in page
    assert "Sep 1, 2012" in page
    assert "Dalarna" in page
    assert "Gävleborg" in page
    assert "Värmland" not in page
    assert "Mobilisering" in page
    assert "Jun 30, 2013" in page
    assert "Project team: Projektgrupp" in page
    assert "Cecilia Lindgren – Länskonsulent" in page
    assert "Edit the programme" not in page  # a learner only reads
    assert "Delete the phase" not in page


def test_programme_page_unknown_is_404(client, create_user, login):
    login(create_user("learner"))
    assert client.get("/programmes/999999").status_code == 404


def test_programme_page_offers_editing_to_a_coordinator_of_one_region(
    client, kub, regions, create_user, login
):
    login(create_user("coordinator", unit=regions["Gävleborg"]))
    body = client.get(f"/programmes/{kub.id}").get_data(as_text=True)
    assert f"/programmes/{kub.id}/edit" in body
    assert "Add a phase" in body
    assert 'name="csrf_token"' in body


# Creating


def test_new_programme_by_coordinator_in_own_region(client, session, regions, create_user, login):
    login(create_user("coordinator", unit=regions["Dalarna"]))
    page = client.get("/programmes/new").get_data(as_text=True)
    assert "<fieldset" in page
    assert "<legend>" in page
    assert f'id="region-{regions["Dalarna"].id}"' in page
    assert f'id="region-{regions["Värmland"].id}"' not in page  # not theirs to choose
    resp = client.post(
        "/programmes/new",
        data=_form(
            description="Lärande på arbetsplatsen.",
            starts_on="2018-01-01",
            ends_on="2020-12-31",
            regions=[str(regions["Dalarna"].id)],
        ),
    )
    assert resp.status_code == 302
    created = session.scalars(select(Programme).where(Programme.name == "KompoBib2020")).one()
    assert resp.location == f"/programmes/{created.id}"
    assert [r.name for r in created.regions] == ["Dalarna"]
    assert (created.starts_on, created.ends_on) == (date(2018, 1, 1), date(2020, 12, 31))
    assert created.description == "Lärande på arbetsplatsen."


def test_new_programme_region_outside_organisation_is_422(
    client, session, regions, create_user, login
):
    login(create_user("coordinator", unit=regions["Dalarna"]))
    before = _count(session, Programme)
    resp = client.post(
        "/programmes/new",
        data=_form(regions=[str(regions["Dalarna"].id), str(regions["Värmland"].id)]),
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "a region outside your organisation" in body
    # The boxes that were ticked stay ticked.
    assert re.search(rf'value="{regions["Dalarna"].id}"\s+checked', body)
    assert _count(session, Programme) == before


def test_new_programme_not_a_region_is_422(client, session, create_unit, create_user, login):
    library = create_unit("library")
    login(create_user("admin", everywhere=True))
    resp = client.post("/programmes/new", data=_form(regions=[str(library.id)]))
    assert resp.status_code == 422
    assert _count(session, Programme) == 0


def test_new_programme_needs_a_region(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post("/programmes/new", data=_form())
    assert resp.status_code == 422
    assert "Choose at least one region." in resp.get_data(as_text=True)
    assert _count(session, Programme) == 0


def test_new_programme_blank_name_is_422(client, session, regions, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/programmes/new",
        data=_form(name=" ", starts_on="2019-01-01", regions=[str(regions["Dalarna"].id)]),
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "This field is required." in body
    assert 'value="2019-01-01"' in body
    assert _count(session, Programme) == 0


def test_new_programme_end_before_start_is_422(client, session, regions, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/programmes/new",
        data=_form(
            starts_on="2020-06-01", ends_on="2020-05-31", regions=[str(regions["Dalarna"].id)]
        ),
    )
    assert resp.status_code == 422
    assert "must not be before the start date" in resp.get_data(as_text=True)
    assert _count(session, Programme) == 0


def test_new_programme_bad_date_is_422(client, session, regions, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/programmes/new",
        data=_form(starts_on="1 June", regions=[str(regions["Dalarna"].id)]),
    )
    assert resp.status_code == 422
    assert "YYYY-MM-DD" in resp.get_data(as_text=True)
    assert _count(session, Programme) == 0


def test_new_programme_duplicate_name_is_422_with_field_message(
    client, session, kub, regions, create_user, login
):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        "/programmes/new", data=_form(name="kub", regions=[str(regions["Värmland"].id)])
    )
    assert resp.status_code == 422
    assert "already a programme with this name" in resp.get_data(as_text=True)
    assert _count(session, Programme) == 1


def test_new_programme_learner_and_manager_are_forbidden(
    client, session, regions, create_user, login
):
    for role in ("learner", "manager"):
        login(create_user(role, unit=regions["Dalarna"]))
        assert client.get("/programmes/new").status_code == 403
        resp = client.post("/programmes/new", data=_form(regions=[str(regions["Dalarna"].id)]))
        assert resp.status_code == 403
        client.post("/logout")
    assert _count(session, Programme) == 0


# Editing


def test_edit_programme_keeps_regions_outside_the_editor_organisation(
    client, session, kub, regions, create_user, login
):
    login(create_user("coordinator", unit=regions["Dalarna"]))
    page = text_of(client.get(f"/programmes/{kub.id}/edit").get_data(as_text=True))
    assert "outside your organisation: Gävleborg" in page
    # Dalarna unticked: only Gävleborg, which is not theirs to take away, stays.
    resp = client.post(
        f"/programmes/{kub.id}/edit",
        data=_form(name="KUB 2", starts_on="2012-09-01", ends_on="2015-01-31"),
    )
    assert resp.status_code == 302
    fresh = _programme(session, kub.id)
    assert fresh.name == "KUB 2"
    assert fresh.ends_on == date(2015, 1, 31)
    assert [r.name for r in fresh.regions] == ["Gävleborg"]


def test_edit_programme_admin_may_change_every_region(
    client, session, kub, regions, create_user, login
):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        f"/programmes/{kub.id}/edit",
        data=_form(name="KUB", regions=[str(regions["Värmland"].id)]),
    )
    assert resp.status_code == 302
    assert [r.name for r in _programme(session, kub.id).regions] == ["Värmland"]


def test_edit_programme_coordinator_of_another_region_is_forbidden(
    client, session, kub, regions, create_user, login
):
    login(create_user("coordinator", unit=regions["Värmland"]))
    assert client.get(f"/programmes/{kub.id}/edit").status_code == 403
    resp = client.post(
        f"/programmes/{kub.id}/edit", data=_form(regions=[str(regions["Värmland"].id)])
    )
    assert resp.status_code == 403
    assert _programme(session, kub.id).name == "KUB"


def test_edit_programme_manager_in_its_region_is_forbidden(
    client, kub, regions, create_user, login
):
    login(create_user("manager", unit=regions["Dalarna"]))
    assert client.get(f"/programmes/{kub.id}/edit").status_code == 403


def test_edit_programme_bad_input_leaves_data(client, session, kub, regions, create_user, login):
    session.add(Programme(name="KompoBib2020", regions=[regions["Värmland"]]))
    session.commit()
    login(create_user("coordinator", unit=regions["Dalarna"]))
    dalarna = str(regions["Dalarna"].id)
    resp = client.post(
        f"/programmes/{kub.id}/edit", data=_form(name="KompoBib2020", regions=[dalarna])
    )
    assert resp.status_code == 422
    assert "already a programme with this name" in resp.get_data(as_text=True)
    resp = client.post(
        f"/programmes/{kub.id}/edit",
        data=_form(name="KUB", starts_on="2014-01-01", ends_on="2013-01-01", regions=[dalarna]),
    )
    assert resp.status_code == 422
    resp = client.post(
        f"/programmes/{kub.id}/edit",
        data=_form(name="KUB", regions=[dalarna, str(regions["Värmland"].id)]),
    )
    assert resp.status_code == 422
    assert "a region outside your organisation" in resp.get_data(as_text=True)
    fresh = _programme(session, kub.id)
    assert (fresh.name, fresh.ends_on) == ("KUB", date(2014, 12, 31))
    assert [r.name for r in fresh.regions] == ["Dalarna", "Gävleborg"]


# Phases


def test_add_phase(client, session, kub, regions, create_user, login):
    login(create_user("coordinator", unit=regions["Dalarna"]))
    assert client.get(f"/programmes/{kub.id}/phases").status_code == 200
    resp = client.post(
        f"/programmes/{kub.id}/phases",
        data={"name": "Genomförande", "starts_on": "2013-08-01", "ends_on": "2014-12-31"},
    )
    assert resp.status_code == 302
    phases = _programme(session, kub.id).phases
    assert [(p.name, p.position) for p in phases] == [("Mobilisering", 0), ("Genomförande", 1)]


def test_add_phase_end_before_start_is_422(client, session, kub, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        f"/programmes/{kub.id}/phases",
        data={"name": "Backwards", "starts_on": "2013-08-01", "ends_on": "2013-07-31"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "must not be before the start date" in body
    assert 'value="Backwards"' in body
    assert _count(session, Phase) == 1


def test_add_phase_needs_name_and_dates(client, session, kub, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        f"/programmes/{kub.id}/phases", data={"name": "", "starts_on": "", "ends_on": ""}
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in body
    assert body.count('aria-invalid="true"') == 3  # name, start and end each marked
    assert "This field is required." in body
    assert _count(session, Phase) == 1


def test_add_phase_outsider_is_forbidden(client, session, kub, regions, create_user, login):
    login(create_user("coordinator", unit=regions["Värmland"]))
    resp = client.post(
        f"/programmes/{kub.id}/phases",
        data={"name": "Mine", "starts_on": "2013-08-01", "ends_on": "2013-09-01"},
    )
    assert resp.status_code == 403
    assert _count(session, Phase) == 1


def test_delete_phase_renumbers_the_rest(client, session, kub, create_user, login):
    orgs.add_phase(
        session, kub, name="Genomförande", starts_on=date(2013, 8, 1), ends_on=date(2014, 1, 1)
    )
    session.commit()
    first = kub.phases[0].id
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/programmes/{kub.id}/phases/{first}/delete")
    assert resp.status_code == 302
    phases = _programme(session, kub.id).phases
    assert [(p.name, p.position) for p in phases] == [("Genomförande", 0)]


def test_delete_phase_of_another_programme_is_404(
    client, session, kub, regions, create_user, login
):
    other = Programme(name="Other", regions=[regions["Dalarna"]])
    session.add(other)
    session.commit()
    phase_id = kub.phases[0].id
    login(create_user("admin", everywhere=True))
    assert client.post(f"/programmes/{other.id}/phases/{phase_id}/delete").status_code == 404
    assert _count(session, Phase) == 1


def test_delete_phase_outsider_is_forbidden(client, session, kub, regions, create_user, login):
    phase_id = kub.phases[0].id
    login(create_user("coordinator", unit=regions["Värmland"]))
    assert client.post(f"/programmes/{kub.id}/phases/{phase_id}/delete").status_code == 403
    assert _count(session, Phase) == 1


# Groups and their members


def test_add_group_and_member_with_task(client, session, kub, regions, create_user, login):
    person = create_user("coordinator", unit=regions["Gävleborg"], name="Lars Nilsson")
    login(create_user("coordinator", unit=regions["Dalarna"]))
    assert client.get(f"/programmes/{kub.id}/groups").status_code == 200
    resp = client.post(
        f"/programmes/{kub.id}/groups", data={"kind": "steering_group", "name": "Styrgrupp"}
    )
    assert resp.status_code == 302
    group = session.scalars(select(ProgrammeGroup)).one()
    assert (group.kind, group.name, group.programme_id) == (
        GroupKind.STEERING_GROUP,
        "Styrgrupp",
        kub.id,
    )
    url = f"/programmes/{kub.id}/groups/{group.id}/members"
    assert client.get(url).status_code == 200
    resp = client.post(url, data={"email": person.email, "task": "Ordförande"})
    assert resp.status_code == 302
    page = text_of(client.get(f"/programmes/{kub.id}").get_data(as_text=True))
    assert "Steering group: Styrgrupp" in page
    assert "Lars Nilsson – Ordförande" in page
    # The same person again: their task changes, no second row.
    client.post(url, data={"email": person.email, "task": "Ledamot"})
    session.expire_all()
    members = session.scalars(select(GroupMember)).all()
    assert [(m.user_id, m.task) for m in members] == [(person.id, "Ledamot")]


def test_add_group_bad_kind_or_blank_name_is_422(client, session, kub, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/programmes/{kub.id}/groups", data={"kind": "cabal", "name": "X"})
    assert resp.status_code == 422
    assert "Choose one of the options." in resp.get_data(as_text=True)
    resp = client.post(f"/programmes/{kub.id}/groups", data={"kind": "owner", "name": ""})
    assert resp.status_code == 422
    assert _count(session, ProgrammeGroup) == 0


def test_add_group_outsider_is_forbidden(client, session, kub, regions, create_user, login):
    login(create_user("coordinator", unit=regions["Värmland"]))
    resp = client.post(f"/programmes/{kub.id}/groups", data={"kind": "owner", "name": "Mine"})
    assert resp.status_code == 403
    assert _count(session, ProgrammeGroup) == 0


@pytest.fixture
def steering(session, kub):
    group = ProgrammeGroup(programme=kub, kind=GroupKind.STEERING_GROUP, name="Styrgrupp")
    session.add(group)
    session.commit()
    return group


def test_add_group_member_unknown_email_is_422(client, session, kub, steering, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post(
        f"/programmes/{kub.id}/groups/{steering.id}/members",
        data={"email": "ghost@example.org", "task": "Ledamot"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "no account with this e-mail address" in body
    assert 'value="Ledamot"' in body
    assert _count(session, GroupMember) == 0


def test_add_group_member_group_of_another_programme_is_404(
    client, session, steering, regions, create_user, login
):
    other = Programme(name="Other", regions=[regions["Dalarna"]])
    session.add(other)
    session.commit()
    person = create_user("learner")
    login(create_user("admin", everywhere=True))
    resp = client.post(
        f"/programmes/{other.id}/groups/{steering.id}/members", data={"email": person.email}
    )
    assert resp.status_code == 404
    assert _count(session, GroupMember) == 0


def test_add_group_member_outsider_is_forbidden(
    client, session, kub, steering, regions, create_user, login
):
    person = create_user("learner")
    login(create_user("coordinator", unit=regions["Värmland"]))
    resp = client.post(
        f"/programmes/{kub.id}/groups/{steering.id}/members", data={"email": person.email}
    )
    assert resp.status_code == 403
    assert _count(session, GroupMember) == 0


def test_remove_group_member(client, session, kub, steering, create_user, login):
    person = create_user("learner")
    session.add(GroupMember(group=steering, user=person, task="Ledamot"))
    session.commit()
    login(create_user("admin", everywhere=True))
    url = f"/programmes/{kub.id}/groups/{steering.id}/members/{person.id}/delete"
    assert client.post(url).status_code == 302
    assert _count(session, GroupMember) == 0
    assert client.post(url).status_code == 404  # no longer in the group


def test_remove_group_member_outsider_is_forbidden(
    client, session, kub, steering, regions, create_user, login
):
    person = create_user("learner")
    session.add(GroupMember(group=steering, user=person))
    session.commit()
    login(create_user("coordinator", unit=regions["Värmland"]))
    url = f"/programmes/{kub.id}/groups/{steering.id}/members/{person.id}/delete"
    assert client.post(url).status_code == 403
    assert _count(session, GroupMember) == 1


def test_delete_group_removes_its_members_not_the_people(
    client, session, kub, steering, create_user, login
):
    person = create_user("learner")
    session.add(GroupMember(group=steering, user=person))
    session.commit()
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/programmes/{kub.id}/groups/{steering.id}/delete")
    assert resp.status_code == 302
    assert _count(session, ProgrammeGroup) == 0
    assert _count(session, GroupMember) == 0
    assert session.get(type(person), person.id) is not None
