"""Organisation units, their staff, and a manager's team (HTML)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.auth.models import RoleAssignment
from lms.orgs.models import Country, JobTitle, Membership, OrgUnit, Programme, UnitKind
from tests.conftest import text_of


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _unit(session, unit_id: int) -> OrgUnit | None:
    session.expire_all()
    return session.get(OrgUnit, unit_id)


# The tree


def test_units_tree_shows_only_the_coordinators_region(client, create_unit, create_user, login):
    dalarna = create_unit("region", name="Dalarna")
    falun = create_unit("municipality", parent=dalarna, name="Falun")
    create_unit("library", parent=falun, name="Falu stadsbibliotek")
    varmland = create_unit("region", name="Värmland")
    create_unit(
        "library",
        parent=create_unit("municipality", parent=varmland, name="Arvika"),
        name="Arvika bibliotek",
    )
    login(create_user("coordinator", unit=dalarna))
    resp = client.get("/orgs/")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Dalarna" in page
    assert "Falu stadsbibliotek" in page
    assert "Värmland" not in page
    assert "Arvika" not in page
    assert "Add a region" not in page  # only a global scope may add regions


def test_units_tree_for_admin_shows_every_region_and_nests_units(
    client, create_unit, create_user, login
):
    dalarna = create_unit("region", name="Dalarna")
    falun = create_unit("municipality", parent=dalarna, name="Falun")
    create_unit("region", name="Innlandet", country=Country.NO)
    login(create_user("admin", everywhere=True))
    body = client.get("/orgs/").get_data(as_text=True)
    assert "Innlandet" in body
    assert "Add a region" in body
    # Falun's item sits in a list nested inside Dalarna's, before the next region.
    dalarna_item = body[body.index(f'href="/orgs/{dalarna.id}"') : body.index("Innlandet")]
    assert "<ul>" in dalarna_item
    assert f'href="/orgs/{falun.id}"' in dalarna_item
    assert "County (fylke)" in body


def test_units_learner_and_manager_are_forbidden(client, create_user, login):
    login(create_user("learner"))
    assert client.get("/orgs/").status_code == 403
    client.post("/logout")
    login(create_user("manager"))
    assert client.get("/orgs/").status_code == 403


def test_units_require_sign_in(client):
    resp = client.get("/orgs/")
    assert resp.status_code == 302
    assert resp.location.startswith("/login")


# One unit


def test_unit_page_names_kind_by_country(client, create_unit, create_user, login):
    se = create_unit("region", name="Uppsala")
    no = create_unit("region", name="Innlandet", country=Country.NO)
    muni = create_unit("municipality", parent=se, name="Enköping")
    login(create_user("admin", everywhere=True))
    assert "County (län)" in text_of(client.get(f"/orgs/{se.id}").get_data(as_text=True))
    assert "County (fylke)" in text_of(client.get(f"/orgs/{no.id}").get_data(as_text=True))
    page = text_of(client.get(f"/orgs/{muni.id}").get_data(as_text=True))
    assert "Municipality (kommun)" in page
    assert "Uppsala" in page  # the way up


def test_unit_page_lists_children_with_links(client, create_unit, create_user, login):
    region = create_unit("region")
    muni = create_unit("municipality", parent=region, name="Mora")
    login(create_user("coordinator", unit=region))
    body = client.get(f"/orgs/{region.id}").get_data(as_text=True)
    assert f'href="/orgs/{muni.id}"' in body
    assert f"/orgs/new?parent_id={region.id}" in body


def test_unit_page_library_staff_paged_by_25(client, create_unit, create_user, login):
    library = create_unit("library")
    for n in range(30):
        create_user("learner", unit=library, name=f"Staff {n:02d}")
    login(create_user("admin", everywhere=True))
    first = text_of(client.get(f"/orgs/{library.id}").get_data(as_text=True))
    assert "Staff 00" in first
    assert "Staff 24" in first
    assert "Staff 25" not in first
    assert "Page 1 of 2" in first
    second = text_of(client.get(f"/orgs/{library.id}?page=2").get_data(as_text=True))
    assert "Staff 29" in second
    assert "Staff 00" not in second


def test_unit_page_markup_has_csrf_captions_and_one_h1(
    app, client, create_unit, create_user, login
):
    library = create_unit("library")
    create_user("learner", unit=library)
    login(create_user("admin", everywhere=True))
    body = client.get(f"/orgs/{library.id}").get_data(as_text=True)
    # The test app has CSRF off, so count the hidden fields rather than rely on it.
    forms = re.findall(r'<form method="post".*?</form>', body, flags=re.S)
    page_forms = [f for f in forms if "/orgs/" in f]
    assert len(page_forms) == 3  # delete unit, remove the one person, add staff
    assert all('name="csrf_token"' in f for f in page_forms)
    assert body.count("<h1") == 1
    assert "<caption>" in body
    assert '<th scope="col">' in body


def test_unit_page_outside_scope_is_forbidden(client, create_unit, create_user, login):
    dalarna = create_unit("region", name="Dalarna")
    varmland_library = create_unit("library")  # in a region of its own
    login(create_user("coordinator", unit=dalarna))
    assert client.get(f"/orgs/{varmland_library.id}").status_code == 403


def test_unit_page_unknown_unit_is_404(client, create_user, login):
    login(create_user("admin", everywhere=True))
    assert client.get("/orgs/999999").status_code == 404


# Creating units


def test_new_unit_admin_creates_region(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    assert client.get("/orgs/new").status_code == 200
    resp = client.post("/orgs/new", data={"name": "Region Midtjylland", "country": "DK"})
    assert resp.status_code == 302
    region = session.scalars(select(OrgUnit).where(OrgUnit.name == "Region Midtjylland")).one()
    assert (region.kind, region.country, region.parent_id) == (UnitKind.REGION, Country.DK, None)
    assert region.path == f"/{region.id}/"
    assert resp.location == f"/orgs/{region.id}"


def test_new_unit_region_needs_country(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    before = _count(session, OrgUnit)
    resp = client.post("/orgs/new", data={"name": "Nowhere", "country": ""})
    assert resp.status_code == 422
    assert "This field is required." in resp.get_data(as_text=True)
    resp = client.post("/orgs/new", data={"name": "Nowhere", "country": "FI"})
    assert resp.status_code == 422
    assert _count(session, OrgUnit) == before


def test_new_unit_region_by_coordinator_is_forbidden(
    client, session, create_unit, create_user, login
):
    login(create_user("coordinator", unit=create_unit("region")))
    before = _count(session, OrgUnit)
    assert client.get("/orgs/new").status_code == 403
    assert client.post("/orgs/new", data={"name": "Mine", "country": "SE"}).status_code == 403
    assert _count(session, OrgUnit) == before


def test_new_unit_child_gets_kind_and_country_from_parent(
    client, session, create_unit, create_user, login
):
    region = create_unit("region", name="Innlandet", country=Country.NO)
    login(create_user("coordinator", unit=region))
    page = client.get(f"/orgs/new?parent_id={region.id}")
    assert "Municipality (kommune)" in text_of(page.get_data(as_text=True))
    resp = client.post(
        f"/orgs/new?parent_id={region.id}",
        data={"name": "Hamar", "code": "3403", "country": "SE"},
    )
    assert resp.status_code == 302
    muni = session.scalars(select(OrgUnit).where(OrgUnit.name == "Hamar")).one()
    assert (muni.kind, muni.country, muni.code) == (UnitKind.MUNICIPALITY, Country.NO, "3403")
    assert muni.path == f"{region.path}{muni.id}/"


def test_new_unit_under_parent_outside_scope_is_forbidden(
    client, session, create_unit, create_user, login
):
    mine = create_unit("region", name="Dalarna")
    other = create_unit("region", name="Värmland")
    login(create_user("coordinator", unit=mine))
    before = _count(session, OrgUnit)
    assert client.get(f"/orgs/new?parent_id={other.id}").status_code == 403
    resp = client.post(f"/orgs/new?parent_id={other.id}", data={"name": "Karlstad"})
    assert resp.status_code == 403
    assert _count(session, OrgUnit) == before


def test_new_unit_blank_name_keeps_input(client, session, create_unit, create_user, login):
    region = create_unit("region")
    login(create_user("coordinator", unit=region))
    before = _count(session, OrgUnit)
    resp = client.post(f"/orgs/new?parent_id={region.id}", data={"name": "   ", "code": "2080"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "This field is required." in body
    assert 'value="2080"' in body
    assert _count(session, OrgUnit) == before


def test_new_unit_duplicate_name_is_refused(client, session, create_unit, create_user, login):
    region = create_unit("region")
    create_unit("municipality", parent=region, name="Falun")
    login(create_user("coordinator", unit=region))
    before = _count(session, OrgUnit)
    resp = client.post(f"/orgs/new?parent_id={region.id}", data={"name": "falun"})
    assert resp.status_code == 422
    assert "already a unit with this name" in resp.get_data(as_text=True)
    assert _count(session, OrgUnit) == before


def test_new_unit_under_library_is_refused(client, session, create_unit, create_user, login):
    library = create_unit("library")
    login(create_user("admin", everywhere=True))
    before = _count(session, OrgUnit)
    assert client.get(f"/orgs/new?parent_id={library.id}").status_code == 422
    resp = client.post(f"/orgs/new?parent_id={library.id}", data={"name": "Branch"})
    assert resp.status_code == 422
    assert "cannot contain other units" in resp.get_data(as_text=True)
    assert _count(session, OrgUnit) == before


def test_new_unit_unknown_or_bad_parent(client, create_user, login):
    login(create_user("admin", everywhere=True))
    assert client.get("/orgs/new?parent_id=999999").status_code == 404
    assert client.get("/orgs/new?parent_id=abc").status_code == 422


def test_new_unit_ten_megabyte_field_is_413(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    before = _count(session, OrgUnit)
    resp = client.post("/orgs/new", data={"name": "x" * 10_000_000, "country": "SE"})
    assert resp.status_code == 413
    assert _count(session, OrgUnit) == before


def test_new_unit_name_too_long_is_422(client, session, create_user, login):
    login(create_user("admin", everywhere=True))
    resp = client.post("/orgs/new", data={"name": "x" * 201, "country": "SE"})
    assert resp.status_code == 422
    assert "At most 200 characters" in resp.get_data(as_text=True)


# Editing and deleting units


def test_edit_unit_saves_fields(client, session, create_unit, create_user, login):
    region = create_unit("region")
    muni = create_unit("municipality", parent=region, name="Gävle")
    login(create_user("coordinator", unit=region))
    assert 'value="Gävle"' in client.get(f"/orgs/{muni.id}/edit").get_data(as_text=True)
    resp = client.post(
        f"/orgs/{muni.id}/edit",
        data={"name": "Gävle kommun", "code": "2180", "address": "Drottninggatan 1"},
    )
    assert resp.status_code == 302
    fresh = _unit(session, muni.id)
    assert (fresh.name, fresh.code, fresh.address) == (
        "Gävle kommun",
        "2180",
        "Drottninggatan 1",
    )


def test_edit_unit_blank_or_duplicate_name_leaves_data(
    client, session, create_unit, create_user, login
):
    region = create_unit("region")
    create_unit("municipality", parent=region, name="Borlänge")
    muni = create_unit("municipality", parent=region, name="Mora")
    login(create_user("coordinator", unit=region))
    resp = client.post(f"/orgs/{muni.id}/edit", data={"name": ""})
    assert resp.status_code == 422
    resp = client.post(f"/orgs/{muni.id}/edit", data={"name": "Borlänge"})
    assert resp.status_code == 422
    assert "already a unit with this name" in resp.get_data(as_text=True)
    assert 'value="Borlänge"' in resp.get_data(as_text=True)  # what was typed stays
    assert _unit(session, muni.id).name == "Mora"


def test_edit_unit_outside_scope_is_forbidden(client, session, create_unit, create_user, login):
    other = create_unit("library", name="Not Yours")
    login(create_user("coordinator", unit=create_unit("region")))
    assert client.get(f"/orgs/{other.id}/edit").status_code == 403
    assert client.post(f"/orgs/{other.id}/edit", data={"name": "Mine"}).status_code == 403
    assert _unit(session, other.id).name == "Not Yours"


def test_delete_unit_empty_library(client, session, create_unit, create_user, login):
    muni = create_unit("municipality")
    library = create_unit("library", parent=muni)
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{library.id}/delete")
    assert resp.status_code == 302
    assert resp.location == f"/orgs/{muni.id}"
    assert _unit(session, library.id) is None


def test_delete_unit_library_with_staff_is_409_and_unchanged(
    client, session, create_unit, create_user, login
):
    library = create_unit("library")
    person = create_user("learner", unit=library)
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{library.id}/delete")
    assert resp.status_code == 409
    assert "still has staff" in resp.get_data(as_text=True)
    assert _unit(session, library.id) is not None
    assert (
        session.scalars(select(Membership).where(Membership.user_id == person.id)).one().library_id
        == library.id
    )


def test_delete_unit_with_children_is_409(client, session, create_unit, create_user, login):
    region = create_unit("region")
    create_unit("municipality", parent=region)
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{region.id}/delete")
    assert resp.status_code == 409
    assert "still contains other units" in resp.get_data(as_text=True)
    assert _unit(session, region.id) is not None


def test_delete_unit_with_roles_is_409(client, session, create_unit, create_user, login):
    muni = create_unit("municipality")
    create_user("coordinator", unit=muni)
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{muni.id}/delete")
    assert resp.status_code == 409
    assert "hold roles" in resp.get_data(as_text=True)
    assert _unit(session, muni.id) is not None


def test_delete_unit_region_in_programme_is_409(client, session, create_unit, create_user, login):
    region = create_unit("region")
    session.add(Programme(name="KUB", regions=[region]))
    session.commit()
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{region.id}/delete")
    assert resp.status_code == 409
    assert "takes part in a programme" in resp.get_data(as_text=True)
    assert _unit(session, region.id) is not None


def test_delete_unit_outside_scope_is_forbidden(client, session, create_unit, create_user, login):
    other = create_unit("library")
    login(create_user("coordinator", unit=create_unit("region")))
    assert client.post(f"/orgs/{other.id}/delete").status_code == 403
    assert _unit(session, other.id) is not None


# Staff


def test_add_staff_by_email_with_job_title(client, session, create_unit, create_user, login):
    region = create_unit("region")
    municipality = create_unit("municipality", parent=region)
    library = create_unit("library", parent=municipality)
    # Someone moving from the library next door, in the same county.
    neighbour = create_unit("library", parent=municipality)
    person = create_user("learner", unit=neighbour, email="Nils.Berg@example.org")
    login(create_user("coordinator", unit=region))
    resp = client.post(
        f"/orgs/{library.id}/staff",
        data={"email": "nils.berg@EXAMPLE.org", "job_title": "library_assistant"},
    )
    assert resp.status_code == 302
    membership = session.scalars(
        select(Membership).where(Membership.library_id == library.id)
    ).one()
    assert (membership.user_id, membership.job_title) == (person.id, JobTitle.LIBRARY_ASSISTANT)
    # Adding the same person again changes the job title instead of adding a second row.
    client.post(
        f"/orgs/{library.id}/staff", data={"email": person.email, "job_title": "specialist"}
    )
    session.expire_all()
    rows = session.scalars(select(Membership).where(Membership.library_id == library.id)).all()
    assert [(r.user_id, r.job_title) for r in rows] == [(person.id, JobTitle.SPECIALIST)]


def test_add_staff_unknown_email_is_422_and_unchanged(
    client, session, create_unit, create_user, login
):
    library = create_unit("library")
    login(create_user("admin", everywhere=True))
    before = _count(session, Membership)
    resp = client.post(
        f"/orgs/{library.id}/staff",
        data={"email": "ghost@example.org", "job_title": "librarian"},
    )
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "no account with this e-mail address" in body
    assert 'value="ghost@example.org"' in body
    assert _count(session, Membership) == before


def test_add_staff_bad_input_is_422(client, session, create_unit, create_user, login):
    library = create_unit("library")
    person = create_user("learner")
    login(create_user("admin", everywhere=True))
    before = _count(session, Membership)
    resp = client.post(f"/orgs/{library.id}/staff", data={"email": "not an address"})
    assert resp.status_code == 422
    assert "Enter a valid e-mail address." in resp.get_data(as_text=True)
    resp = client.post(
        f"/orgs/{library.id}/staff", data={"email": person.email, "job_title": "wizard"}
    )
    assert resp.status_code == 422
    assert _count(session, Membership) == before


def test_add_staff_to_a_municipality_is_refused(client, session, create_unit, create_user, login):
    muni = create_unit("municipality")
    person = create_user("learner")
    login(create_user("admin", everywhere=True))
    before = _count(session, Membership)
    resp = client.post(
        f"/orgs/{muni.id}/staff", data={"email": person.email, "job_title": "librarian"}
    )
    assert resp.status_code == 422
    assert "Staff belong to a library." in resp.get_data(as_text=True)
    assert _count(session, Membership) == before


def test_add_staff_outside_scope_is_forbidden(client, session, create_unit, create_user, login):
    other = create_unit("library")
    person = create_user("learner")
    login(create_user("coordinator", unit=create_unit("region")))
    before = _count(session, Membership)
    resp = client.post(
        f"/orgs/{other.id}/staff", data={"email": person.email, "job_title": "librarian"}
    )
    assert resp.status_code == 403
    assert _count(session, Membership) == before


def test_remove_staff(client, session, create_unit, create_user, login):
    library = create_unit("library")
    person = create_user("learner", unit=library, name="Per Persson")
    membership_id = person.memberships[0].id
    login(create_user("admin", everywhere=True))
    resp = client.post(f"/orgs/{library.id}/staff/{membership_id}/delete")
    assert resp.status_code == 302
    assert "no longer on the staff" in client.get(resp.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, membership_id) is None
    assert session.get(type(person), person.id) is not None  # the account stays


def test_remove_staff_of_another_library_is_404(client, session, create_unit, create_user, login):
    library = create_unit("library")
    elsewhere = create_user("learner")  # on the staff of a library of their own
    membership_id = elsewhere.memberships[0].id
    login(create_user("admin", everywhere=True))
    assert client.post(f"/orgs/{library.id}/staff/{membership_id}/delete").status_code == 404
    session.expire_all()
    assert session.get(Membership, membership_id) is not None


def test_remove_staff_outside_scope_is_forbidden(client, session, create_unit, create_user, login):
    person = create_user("learner")
    membership = person.memberships[0]
    login(create_user("coordinator", unit=create_unit("region")))
    url = f"/orgs/{membership.library_id}/staff/{membership.id}/delete"
    assert client.post(url).status_code == 403
    session.expire_all()
    assert session.get(Membership, membership.id) is not None


# Team


def test_team_shows_own_library_not_the_next(client, create_unit, create_user, login):
    muni = create_unit("municipality")
    mine = create_unit("library", parent=muni, name="Falu stadsbibliotek")
    next_door = create_unit("library", parent=muni, name="Svärdsjö bibliotek")
    create_user("learner", unit=mine, name="Anna Andersson", job_title=JobTitle.LIBRARIAN)
    create_user("learner", unit=next_door, name="Erik Eriksson")
    manager = create_user("manager", unit=mine, name="Magnus Ek")
    login(manager)
    resp = client.get("/team")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Anna Andersson" in page
    assert "Librarian" in page
    assert "Falu stadsbibliotek" in page
    assert "Erik Eriksson" not in page
    assert "Svärdsjö bibliotek" not in page


def test_team_municipality_manager_sees_every_library(client, create_unit, create_user, login):
    muni = create_unit("municipality")
    first = create_unit("library", parent=muni)
    second = create_unit("library", parent=muni)
    create_user("learner", unit=first, name="Karin Karlsson", email="karin@example.org")
    create_user("learner", unit=second, name="Lars Larsson")
    login(create_user("manager", unit=muni))
    page = text_of(client.get("/team").get_data(as_text=True))
    assert "Karin Karlsson" in page
    assert "karin@example.org" in page
    assert "Lars Larsson" in page


def test_team_is_paged(client, create_unit, create_user, login):
    library = create_unit("library")
    for n in range(26):
        create_user("learner", unit=library, name=f"Member {n:02d}")
    login(create_user("manager", unit=library, name="Zz Manager"))
    first = text_of(client.get("/team").get_data(as_text=True))
    assert "Page 1 of 2" in first
    assert "Member 25" not in first
    assert "Zz Manager" in text_of(client.get("/team?page=2").get_data(as_text=True))


def test_team_needs_manager_role(client, create_user, login):
    login(create_user("learner"))
    assert client.get("/team").status_code == 403


def test_team_coordinator_without_manager_role_is_forbidden(
    client, create_unit, create_user, login
):
    login(create_user("coordinator", unit=create_unit("region")))
    assert client.get("/team").status_code == 403


def test_units_scope_follows_role_assignments(client, session, create_unit, create_user, login):
    region = create_unit("region", name="Gävleborg")
    coordinator = create_user("coordinator", unit=region)
    login(coordinator)
    assert client.get(f"/orgs/{region.id}").status_code == 200
    # Take the role away: the same page is now out of reach.
    for assignment in session.scalars(
        select(RoleAssignment).where(RoleAssignment.user_id == coordinator.id)
    ):
        session.delete(assignment)
    session.commit()
    assert client.get(f"/orgs/{region.id}").status_code == 403


def _statements(app, client, url: str) -> int:
    from sqlalchemy import event

    from lms.db import db

    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_unit_page_and_team_use_no_query_per_person(app, client, create_unit, create_user, login):
    small, big = create_unit("library"), create_unit("library")
    create_user("learner", unit=small)
    for _ in range(12):
        create_user("learner", unit=big)
    login(create_user("admin", everywhere=True))
    assert _statements(app, client, f"/orgs/{small.id}") == _statements(
        app, client, f"/orgs/{big.id}"
    )
    client.post("/logout")
    login(create_user("manager", unit=small))
    few = _statements(app, client, "/team")
    client.post("/logout")
    login(create_user("manager", unit=big))
    assert _statements(app, client, "/team") == few


def test_add_staff_cannot_pull_in_someone_from_another_region(
    client, session, create_unit, create_user, login
):
    region = create_unit("region")
    library = create_unit("library", parent=create_unit("municipality", parent=region))
    elsewhere = create_user("learner", email="far.away@example.org")  # a library in another region
    login(create_user("coordinator", unit=region))
    resp = client.post(
        f"/orgs/{library.id}/staff", data={"email": elsewhere.email, "job_title": "librarian"}
    )
    # The same answer as for an unknown address: nothing about the person leaks.
    assert resp.status_code == 422
    assert "There is no account with this e-mail address." in resp.get_data(as_text=True)
    assert elsewhere.name not in resp.get_data(as_text=True)
    assert (
        session.scalars(select(Membership).where(Membership.library_id == library.id)).all() == []
    )


def test_add_staff_finds_someone_not_yet_placed_anywhere(
    client, session, create_unit, create_user, login
):
    from lms.auth.models import User

    region = create_unit("region")
    library = create_unit("library", parent=create_unit("municipality", parent=region))
    newcomer = User(email="new.person@example.org", name="New Person")
    session.add(newcomer)
    session.commit()
    login(create_user("coordinator", unit=region))
    resp = client.post(
        f"/orgs/{library.id}/staff", data={"email": newcomer.email, "job_title": "librarian"}
    )
    assert resp.status_code == 302
    assert session.scalars(
        select(Membership.user_id).where(Membership.library_id == library.id)
    ).all() == [newcomer.id]
