from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import get_locale
from sqlalchemy import event, func, select

import lms.mail
from lms.auth.models import Role, RoleAssignment, TokenPurpose, User, UserToken
from lms.db import db
from lms.orgs.models import Country, JobTitle, Membership, OrgUnit
from lms.outbox.models import OutboxMessage
from lms.outbox.services import deliver_due
from tests.conftest import PASSWORD, text_of

NEW_PASSWORD = "a long new password"


@dataclass
class World:
    region_a: OrgUnit
    town_a: OrgUnit
    library_a: OrgUnit
    region_b: OrgUnit
    library_b: OrgUnit
    admin_a: User  # administrator of region A only
    admin: User  # administrator of the whole service


@pytest.fixture
def world(create_unit, create_user) -> World:
    region_a = create_unit("region", name="Dalarna", country=Country.SE)
    town_a = create_unit("municipality", parent=region_a, name="Falun")
    library_a = create_unit("library", parent=town_a, name="Falu stadsbibliotek")
    region_b = create_unit("region", name="Viken", country=Country.NO)
    town_b = create_unit("municipality", parent=region_b, name="Drammen")
    library_b = create_unit("library", parent=town_b, name="Drammensbiblioteket")
    return World(
        region_a=region_a,
        town_a=town_a,
        library_a=library_a,
        region_b=region_b,
        library_b=library_b,
        admin_a=create_user("admin", unit=region_a, name="Regional Admin", email="ra@example.org"),
        admin=create_user("admin", everywhere=True, name="Global Admin", email="ga@example.org"),
    )


@pytest.fixture
def mail_locales(monkeypatch) -> list[str]:
    """The language each queued e-mail is composed in (the catalogues may not be there yet)."""
    locales: list[str] = []
    render = lms.mail.render_template

    def spy(*args, **kwargs):
        locales.append(str(get_locale()))
        return render(*args, **kwargs)

    monkeypatch.setattr(lms.mail, "render_template", spy)
    return locales


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _fresh(session, user: User) -> User:
    session.expire_all()
    return session.get(User, user.id)


def _new_user_form(world: World, **changes: str) -> dict[str, str]:
    form = {
        "name": "Britt Bibliotekarie",
        "email": "britt@example.org",
        "locale": "sv",
        "role": "learner",
        "unit_id": str(world.library_a.id),
        "library_id": str(world.library_a.id),
        "job_title": "librarian",
        "onboarding": "invite",
    }
    form.update(changes)
    return form


def _latest_mail_to(app: Flask, address: str) -> email.message.EmailMessage:
    found = []
    for path in Path(app.config["MAIL_DIR"]).glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if msg["To"] == address:
            found.append((path.stat().st_mtime_ns, msg))
    assert found, f"no mail to {address}"
    return max(found, key=lambda pair: pair[0])[1]


def _invitation_token(message) -> str:
    match = re.search(r"/invitation/([\w-]+)", message.get_body().get_content())
    assert match
    return match.group(1)


# --- who may come in ---------------------------------------------------------------------

USER_URLS = [
    ("get", "/admin/users/"),
    ("get", "/admin/users/new"),
    ("post", "/admin/users/new"),
    ("get", "/admin/users/{id}"),
    ("post", "/admin/users/{id}"),
    ("post", "/admin/users/{id}/invite"),
    ("post", "/admin/users/{id}/active"),
    ("post", "/admin/users/{id}/roles"),
    ("post", "/admin/users/{id}/roles/{assignment}/delete"),
]


def _url(template: str, user: User) -> str:
    return template.format(id=user.id, assignment=user.roles[0].id)


@pytest.mark.parametrize("role", ["learner", "manager", "coordinator", "evaluator"])
@pytest.mark.parametrize(("method", "url"), USER_URLS)
def test_access_non_admins_get_403(client, session, create_user, login, role, method, url):
    target = create_user("learner", name="Target Person")
    me = create_user(role, unit=target.memberships[0].library)
    login(me)
    resp = getattr(client, method)(
        _url(url, target), data={"name": "Changed", "active": "inactive", "role": "admin"}
    )
    assert resp.status_code == 403
    fresh = _fresh(session, target)
    assert (fresh.name, fresh.is_active, len(fresh.roles)) == ("Target Person", True, 1)


@pytest.mark.parametrize(("method", "url"), USER_URLS)
def test_access_signed_out_goes_to_login(client, create_user, method, url):
    resp = getattr(client, method)(_url(url, create_user()))
    assert resp.status_code == 302
    assert resp.location.startswith("/login")


@pytest.mark.parametrize(("method", "url"), USER_URLS[3:])
def test_access_regional_admin_gets_404_for_user_elsewhere(
    client, session, world, create_user, login, method, url
):
    elsewhere = create_user("learner", unit=world.library_b, name="Norwegian Person")
    login(world.admin_a)
    resp = getattr(client, method)(
        _url(url, elsewhere),
        data={
            "name": "Changed",
            "email": "changed@example.org",
            "locale": "sv",
            "active": "inactive",
            "role": "learner",
            "unit_id": str(world.library_a.id),
        },
    )
    assert resp.status_code == 404
    fresh = _fresh(session, elsewhere)
    assert (fresh.name, fresh.is_active, len(fresh.roles)) == ("Norwegian Person", True, 1)
    assert _count(session, OutboxMessage) == 0


def test_access_users_link_in_nav_for_admins_only(client, world, create_user, login):
    login(world.admin_a)
    assert 'href="/admin/users/"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(create_user("coordinator", unit=world.region_a))
    assert 'href="/admin/users/"' not in client.get("/").get_data(as_text=True)


# --- the list ------------------------------------------------------------------------------


def test_index_regional_admin_sees_only_own_region(client, world, create_user, login):
    create_user("learner", unit=world.library_a, name="Member In A")
    create_user("coordinator", unit=world.town_a, name="Role Only In A")
    create_user("learner", unit=world.library_b, name="Member In B")
    create_user("admin", everywhere=True, name="Another Global")
    login(world.admin_a)
    resp = client.get("/admin/users/")
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    assert "Member In A" in text
    assert "Role Only In A" in text
    assert "Regional Admin" in text
    assert "Member In B" not in text
    assert "Another Global" not in text
    assert "Global Admin" not in text


def test_index_global_admin_sees_everyone(client, world, create_user, login):
    create_user("learner", unit=world.library_a, name="Member In A")
    create_user("learner", unit=world.library_b, name="Member In B")
    login(world.admin)
    text = text_of(client.get("/admin/users/").get_data(as_text=True))
    for name in ("Member In A", "Member In B", "Regional Admin", "Global Admin"):
        assert name in text


def test_index_shows_email_translated_roles_units_and_state(client, world, create_user, login):
    create_user("manager", unit=world.library_a, name="Mona Manager", email="mona@example.org")
    create_user("learner", unit=world.library_a, name="Sleeping Sten", is_active=False)
    login(world.admin_a)
    html = client.get("/admin/users/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    text = text_of(html)
    assert "mona@example.org" in text
    assert "Manager in Dalarna › Falun › Falu stadsbibliotek" in text
    assert "Administrator in Dalarna" in text
    assert "Inactive" in text
    assert "<caption>" in html
    assert '<th scope="col">' in html


def test_index_search_by_name_or_email_ignores_case(client, world, create_user, login):
    create_user("learner", unit=world.library_a, name="Astrid Lindgren", email="al@example.org")
    create_user("learner", unit=world.library_a, name="Selma Lagerlöf", email="selma@x.example")
    login(world.admin_a)
    by_name = text_of(client.get("/admin/users/?q=LINDG").get_data(as_text=True))
    assert "Astrid Lindgren" in by_name
    assert "Selma Lagerlöf" not in by_name
    by_email = text_of(client.get("/admin/users/?q=x.EXAMPLE").get_data(as_text=True))
    assert "Selma Lagerlöf" in by_email
    assert "Astrid Lindgren" not in by_email
    # A LIKE wildcard typed in the box is a character to find, not "anything".
    assert "No users match." in client.get("/admin/users/?q=%25").get_data(as_text=True)


def test_index_filters_by_role_and_state(client, world, create_user, login):
    create_user("manager", unit=world.library_a, name="Mona Manager")
    create_user("learner", unit=world.library_a, name="Lars Learner")
    create_user("learner", unit=world.library_a, name="Ingrid Inactive", is_active=False)
    login(world.admin_a)
    managers = text_of(client.get("/admin/users/?role=manager").get_data(as_text=True))
    assert "Mona Manager" in managers
    assert "Lars Learner" not in managers
    inactive = text_of(client.get("/admin/users/?status=inactive").get_data(as_text=True))
    assert "Ingrid Inactive" in inactive
    assert "Lars Learner" not in inactive
    active = text_of(client.get("/admin/users/?status=active&role=learner").get_data(as_text=True))
    assert "Lars Learner" in active
    assert "Ingrid Inactive" not in active
    assert "Mona Manager" not in active


def test_index_unknown_filter_value_is_422(client, world, login):
    login(world.admin_a)
    resp = client.get("/admin/users/?role=emperor")
    assert resp.status_code == 422
    assert "Choose one of the options." in resp.get_data(as_text=True)


def test_index_pages_hold_25_and_keep_filters(client, world, create_user, login):
    for n in range(30):
        create_user("learner", unit=world.library_a, name=f"Paged Person {n:02d}")
    login(world.admin_a)
    first = client.get("/admin/users/?q=Paged")
    html = first.get_data(as_text=True)
    assert html.count("Paged Person") == 25
    assert "Page 1 of 2" in text_of(html)
    assert re.search(r'href="/admin/users/\?(?=[^"]*page=2)(?=[^"]*q=Paged)[^"]*"', html)
    second = client.get("/admin/users/?q=Paged&page=2").get_data(as_text=True)
    assert second.count("Paged Person") == 5
    assert "Paged Person 29" in second


def test_index_query_count_does_not_grow_with_users(app, client, world, create_user, login):
    login(world.admin)

    def queries_for_list() -> int:
        statements: list[str] = []

        def count(*args) -> None:
            statements.append(args[2])

        engine = db.state(app).engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/admin/users/").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    for _ in range(2):
        create_user("manager", unit=world.library_a)
    few = queries_for_list()
    for _ in range(10):
        create_user("manager", unit=world.library_b)
    assert queries_for_list() == few


# --- creating ------------------------------------------------------------------------------


def test_new_form_offers_only_units_in_scope(client, world, login):
    login(world.admin_a)
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert f'value="{world.library_a.id}"' in html
    assert "Dalarna › Falun › Falu stadsbibliotek" in html
    assert f'value="{world.library_b.id}"' not in html
    assert 'value="everywhere"' not in html
    assert "<legend>" in html
    client.post("/logout")
    login(world.admin)
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="everywhere"' in html
    assert f'value="{world.library_b.id}"' in html


def test_new_with_invitation_end_to_end(app, client, session, world, login, mail_locales):
    login(world.admin_a)
    resp = client.post(
        "/admin/users/new", data=_new_user_form(world), headers={"Accept-Language": "en"}
    )
    assert resp.status_code == 302
    user = session.scalars(select(User).where(User.email == "britt@example.org")).one()
    assert resp.location == f"/admin/users/{user.id}"
    assert user.password_hash is None
    assert user.locale == "sv"
    assert [(a.role, a.unit_id) for a in user.roles] == [(Role.LEARNER, world.library_a.id)]
    assert [(m.library_id, m.job_title) for m in user.memberships] == [
        (world.library_a.id, JobTitle.LIBRARIAN)
    ]
    # The mail waits in the outbox, composed in the new person's language, not the admin's.
    message = session.scalars(select(OutboxMessage)).one()
    assert message.payload["to"] == "britt@example.org"
    assert mail_locales == ["sv"]
    assert deliver_due(app, session) == 1
    mail = _latest_mail_to(app, "britt@example.org")
    body = mail.get_body().get_content()
    assert "Regional Admin" in body
    assert "gäller i 7 dagar" in body  # Swedish, as the new person reads it
    assert "http://librarena.localhost/invitation/" in body
    token = _invitation_token(mail)
    # Without a password the account cannot sign in yet.
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": ""}).status_code == 422
    resp = client.post(
        f"/invitation/{token}", data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    )
    assert resp.status_code == 302
    login(user, NEW_PASSWORD)
    assert "Britt Bibliotekarie" in client.get("/").get_data(as_text=True)


def test_new_with_password_signs_in_at_once_and_sends_nothing(client, session, world, login):
    login(world.admin_a)
    form = _new_user_form(
        world, onboarding="password", password=NEW_PASSWORD, password_confirm=NEW_PASSWORD
    )
    assert client.post("/admin/users/new", data=form).status_code == 302
    assert _count(session, OutboxMessage) == 0
    client.post("/logout")
    resp = client.post("/login", data={"email": "britt@example.org", "password": NEW_PASSWORD})
    assert resp.status_code == 302


def test_new_without_membership_is_allowed(client, session, world, login):
    login(world.admin_a)
    form = _new_user_form(world, role="coordinator", unit_id=str(world.town_a.id))
    form.update(library_id="", job_title="")
    assert client.post("/admin/users/new", data=form).status_code == 302
    user = session.scalars(select(User).where(User.email == "britt@example.org")).one()
    assert user.memberships == []
    assert [(a.role, a.unit_id) for a in user.roles] == [(Role.COORDINATOR, world.town_a.id)]


def test_new_global_admin_can_grant_a_role_everywhere(client, session, world, login):
    login(world.admin)
    form = _new_user_form(world, role="evaluator", unit_id="everywhere", library_id="")
    form["job_title"] = ""
    assert client.post("/admin/users/new", data=form).status_code == 302
    user = session.scalars(select(User).where(User.email == "britt@example.org")).one()
    assert [(a.role, a.unit_id) for a in user.roles] == [(Role.EVALUATOR, None)]


def _assert_nothing_created(session, users_before: int) -> None:
    session.expire_all()
    assert _count(session, User) == users_before
    assert _count(session, OutboxMessage) == 0
    assert _count(session, UserToken) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"email": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"role": "emperor"}, "Choose one of the options."),
        ({"unit_id": ""}, "This field is required."),
        ({"unit_id": "the moon"}, "Choose one of the options."),
        ({"unit_id": "999999"}, "Choose one of the options."),
        ({"locale": "de"}, "Choose one of the options."),
        ({"job_title": ""}, "Choose a job title for the library."),
        ({"library_id": ""}, "Choose the library this job title is at."),
        ({"onboarding": "carrier pigeon"}, "Choose one of the options."),
        ({"onboarding": "password", "password": ""}, "This field is required."),
        (
            {"onboarding": "password", "password": "short", "password_confirm": "short"},
            "Use at least 10 characters.",
        ),
        (
            {"onboarding": "password", "password": NEW_PASSWORD, "password_confirm": "other"},
            "The two passwords are not the same.",
        ),
    ],
)
def test_new_bad_input_shows_form_again_and_creates_nothing(
    client, session, world, login, changes, message
):
    login(world.admin_a)
    before = _count(session, User)
    resp = client.post("/admin/users/new", data=_new_user_form(world, **changes))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html
    assert 'value="Britt Bibliotekarie"' in html or changes.get("name")  # input kept
    assert NEW_PASSWORD not in html  # a typed password is never sent back
    _assert_nothing_created(session, before)


def test_new_duplicate_email_is_a_field_error(client, session, world, create_user, login):
    create_user("learner", unit=world.library_a, email="britt@example.org")
    login(world.admin_a)
    before = _count(session, User)
    resp = client.post("/admin/users/new", data=_new_user_form(world, email="Britt@Example.ORG"))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "An account with this e-mail address already exists." in html
    assert 'aria-invalid="true"' in html
    _assert_nothing_created(session, before)


@pytest.mark.parametrize("field", ["unit_id", "library_id"])
def test_new_unit_outside_scope_is_403(client, session, world, login, field):
    login(world.admin_a)
    before = _count(session, User)
    form = _new_user_form(world, **{field: str(world.library_b.id)})
    resp = client.post("/admin/users/new", data=form)
    assert resp.status_code == 403
    assert "within your own organisation" in resp.get_data(as_text=True)
    _assert_nothing_created(session, before)


def test_new_everywhere_by_regional_admin_is_403(client, session, world, login):
    login(world.admin_a)
    before = _count(session, User)
    resp = client.post("/admin/users/new", data=_new_user_form(world, unit_id="everywhere"))
    assert resp.status_code == 403
    assert "administrator for the whole service" in resp.get_data(as_text=True)
    _assert_nothing_created(session, before)


def test_new_ten_megabyte_field_is_413(client, session, world, login):
    login(world.admin_a)
    before = _count(session, User)
    resp = client.post("/admin/users/new", data=_new_user_form(world, name="x" * 10_000_000))
    assert resp.status_code == 413
    _assert_nothing_created(session, before)


# --- editing -------------------------------------------------------------------------------


def test_edit_shows_memberships_and_roles(client, world, create_user, login):
    user = create_user("manager", unit=world.library_a, name="Mona Manager")
    login(world.admin_a)
    resp = client.get(f"/admin/users/{user.id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    text = text_of(html)
    assert "Dalarna › Falun › Falu stadsbibliotek Library manager" in text
    assert "Manager Dalarna › Falun › Falu stadsbibliotek" in text
    assert html.count("<h1>") == 1
    # Every form that changes something carries the CSRF token.
    assert html.count('method="post"') == html.count('name="csrf_token"')
    assert html.count('method="post"') >= 4


def test_edit_saves_name_email_language(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a, locale="en")
    login(world.admin_a)
    resp = client.post(
        f"/admin/users/{user.id}",
        data={"name": "Karin Ny", "email": "Karin.Ny@Example.org", "locale": "nb"},
    )
    assert resp.status_code == 302
    fresh = _fresh(session, user)
    assert (fresh.name, fresh.email, fresh.locale) == ("Karin Ny", "karin.ny@example.org", "nb")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "taken@example.org"}, "already exists"),
        ({"email": "TAKEN@example.org"}, "already exists"),
        ({"email": "no at sign"}, "Enter a valid e-mail address."),
        ({"name": ""}, "This field is required."),
        ({"locale": "xx"}, "Choose one of the options."),
        ({"name": "x" * 201}, "At most 200 characters"),
    ],
)
def test_edit_bad_input_keeps_data(client, session, world, create_user, login, changes, message):
    create_user("learner", unit=world.library_a, email="taken@example.org")
    user = create_user("learner", unit=world.library_a, name="Kept", email="kept@example.org")
    login(world.admin_a)
    form = {"name": "New", "email": "new@example.org", "locale": "sv", **changes}
    resp = client.post(f"/admin/users/{user.id}", data=form)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    fresh = _fresh(session, user)
    assert (fresh.name, fresh.email) == ("Kept", "kept@example.org")


def test_edit_keeping_own_email_is_fine(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a, email="same@example.org")
    login(world.admin_a)
    form = {"name": "Renamed", "email": "same@example.org", "locale": "da"}
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302
    assert _fresh(session, user).name == "Renamed"


def test_edit_user_with_role_elsewhere_is_read_only_for_regional_admin(
    client, session, world, create_user, login
):
    # Lives in region A, but administers region B too: changing the address would let an
    # administrator of A reset the password of an administrator of B.
    user = create_user("learner", unit=world.library_a, name="Two Hats", email="two@example.org")
    session.add(RoleAssignment(user=user, role=Role.ADMIN, unit=world.region_b))
    session.commit()
    login(world.admin_a)
    page = client.get(f"/admin/users/{user.id}")
    assert page.status_code == 200
    assert "Only an administrator who covers all of their roles" in page.get_data(as_text=True)
    for url, data in [
        (f"/admin/users/{user.id}", {"name": "X", "email": "mine@example.org", "locale": "sv"}),
        (f"/admin/users/{user.id}/active", {"active": "inactive"}),
    ]:
        resp = client.post(url, data=data)
        assert resp.status_code == 403
        assert "holds a role outside your organisation" in resp.get_data(as_text=True)
    fresh = _fresh(session, user)
    assert (fresh.email, fresh.is_active) == ("two@example.org", True)
    # The global administrator may.
    client.post("/logout")
    login(world.admin)
    form = {"name": "Two Hats", "email": "new@example.org", "locale": "sv"}
    assert client.post(f"/admin/users/{user.id}", data=form).status_code == 302


# --- invitations ---------------------------------------------------------------------------


def _invited(client, session, world) -> User:
    assert client.post("/admin/users/new", data=_new_user_form(world)).status_code == 302
    return session.scalars(select(User).where(User.email == "britt@example.org")).one()


def test_resend_invitation_replaces_the_old_link(app, client, session, world, login):
    login(world.admin_a)
    user = _invited(client, session, world)
    deliver_due(app, session)
    old_token = _invitation_token(_latest_mail_to(app, user.email))
    resp = client.post(f"/admin/users/{user.id}/invite")
    assert resp.status_code == 302
    assert _count(session, OutboxMessage) == 2
    deliver_due(app, session)
    new_token = _invitation_token(_latest_mail_to(app, user.email))
    assert new_token != old_token
    client.post("/logout")
    form = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert client.post(f"/invitation/{old_token}", data=form).status_code == 404
    assert client.post(f"/invitation/{new_token}", data=form).status_code == 302
    login(user, NEW_PASSWORD)


def test_resend_invitation_for_user_with_password_is_409(
    client, session, world, create_user, login
):
    user = create_user("learner", unit=world.library_a)
    login(world.admin_a)
    resp = client.post(f"/admin/users/{user.id}/invite")
    assert resp.status_code == 409
    assert "already chosen a password" in resp.get_data(as_text=True)
    assert _count(session, OutboxMessage) == 0
    assert _count(session, UserToken) == 0


def test_edit_page_offers_resend_only_without_password(client, session, world, login):
    login(world.admin_a)
    user = _invited(client, session, world)
    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"/admin/users/{user.id}/invite" in html
    html = client.get(f"/admin/users/{world.admin_a.id}").get_data(as_text=True)
    assert "/invite" not in html


def test_resend_invitation_without_chosen_language_uses_the_country_of_the_library(
    client, session, world, create_user, login, mail_locales
):
    user = create_user("learner", unit=world.library_b, locale=None)
    user.password_hash = None
    session.commit()
    login(world.admin)
    resp = client.post(f"/admin/users/{user.id}/invite", headers={"Accept-Language": "da"})
    assert resp.status_code == 302
    assert mail_locales == ["nb"]  # Drammen is in Norway; the admin's Danish does not matter


# --- deactivating --------------------------------------------------------------------------


def test_deactivate_ends_sessions_and_blocks_sign_in_then_reactivate(
    app, client, session, world, create_user, login
):
    user = create_user("learner", unit=world.library_a)
    theirs = app.test_client()
    assert (
        theirs.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )
    assert theirs.get("/").status_code == 200
    login(world.admin_a)
    resp = client.post(f"/admin/users/{user.id}/active", data={"active": "inactive"})
    assert resp.status_code == 302
    assert _fresh(session, user).is_active is False
    assert theirs.get("/").status_code == 302  # signed out
    resp = theirs.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 422
    assert "Inactive" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)

    resp = client.post(f"/admin/users/{user.id}/active", data={"active": "active"})
    assert resp.status_code == 302
    assert _fresh(session, user).is_active is True
    assert (
        theirs.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    )


def test_deactivate_oneself_is_refused_clearly(client, session, world, login):
    login(world.admin_a)
    page = client.get(f"/admin/users/{world.admin_a.id}").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    assert "/active" not in page
    resp = client.post(f"/admin/users/{world.admin_a.id}/active", data={"active": "inactive"})
    assert resp.status_code == 422
    assert "You cannot deactivate your own account." in resp.get_data(as_text=True)
    assert _fresh(session, world.admin_a).is_active is True
    assert client.get("/admin/users/").status_code == 200  # still signed in


@pytest.mark.parametrize("value", ["", "maybe"])
def test_set_active_bad_value_is_422(client, session, world, create_user, login, value):
    user = create_user("learner", unit=world.library_a)
    login(world.admin_a)
    resp = client.post(f"/admin/users/{user.id}/active", data={"active": value})
    assert resp.status_code == 422
    assert _fresh(session, user).is_active is True


# --- roles ---------------------------------------------------------------------------------


def _roles(session, user: User) -> list[tuple[Role, int | None]]:
    return sorted(
        ((a.role, a.unit_id) for a in _fresh(session, user).roles), key=lambda r: (r[0], r[1] or 0)
    )


def test_add_role_in_scope(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a)
    login(world.admin_a)
    resp = client.post(
        f"/admin/users/{user.id}/roles", data={"role": "manager", "unit_id": str(world.town_a.id)}
    )
    assert resp.status_code == 302
    assert (Role.MANAGER, world.town_a.id) in _roles(session, user)
    granted = session.scalars(
        select(RoleAssignment).where(RoleAssignment.role == Role.MANAGER)
    ).one()
    assert granted.granted_by_id == world.admin_a.id


def test_add_role_outside_scope_is_403_and_changes_nothing(
    client, session, world, create_user, login
):
    user = create_user("learner", unit=world.library_a)
    before = _roles(session, user)
    login(world.admin_a)
    resp = client.post(
        f"/admin/users/{user.id}/roles", data={"role": "admin", "unit_id": str(world.region_b.id)}
    )
    assert resp.status_code == 403
    assert "You can only grant roles within your own organisation." in resp.get_data(as_text=True)
    assert _roles(session, user) == before


def test_add_role_everywhere_needs_a_global_admin(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a)
    before = _roles(session, user)
    login(world.admin_a)
    resp = client.post(
        f"/admin/users/{user.id}/roles", data={"role": "evaluator", "unit_id": "everywhere"}
    )
    assert resp.status_code == 403
    assert "administrator for the whole service" in resp.get_data(as_text=True)
    assert _roles(session, user) == before
    client.post("/logout")
    login(world.admin)
    resp = client.post(
        f"/admin/users/{user.id}/roles", data={"role": "evaluator", "unit_id": "everywhere"}
    )
    assert resp.status_code == 302
    assert (Role.EVALUATOR, None) in _roles(session, user)


def test_add_role_twice_is_409(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a)
    login(world.admin_a)
    resp = client.post(
        f"/admin/users/{user.id}/roles",
        data={"role": "learner", "unit_id": str(world.library_a.id)},
    )
    assert resp.status_code == 409
    assert "already has that role there" in resp.get_data(as_text=True)
    assert _roles(session, user) == [(Role.LEARNER, world.library_a.id)]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"role": "emperor", "unit_id": "LIB"}, "Choose one of the options."),
        ({"role": "", "unit_id": "LIB"}, "This field is required."),
        ({"role": "manager", "unit_id": ""}, "This field is required."),
        ({"role": "manager", "unit_id": "123456789"}, "Choose one of the options."),
    ],
)
def test_add_role_bad_input_is_422(client, session, world, create_user, login, form, message):
    user = create_user("learner", unit=world.library_a)
    login(world.admin_a)
    data = {k: v.replace("LIB", str(world.library_a.id)) for k, v in form.items()}
    resp = client.post(f"/admin/users/{user.id}/roles", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html
    assert "<h1>" in html  # the user's page again, with the message
    assert _roles(session, user) == [(Role.LEARNER, world.library_a.id)]


def test_remove_role(client, session, world, create_user, login):
    user = create_user("manager", unit=world.library_a)
    assignment = user.roles[0]
    login(world.admin_a)
    resp = client.post(f"/admin/users/{user.id}/roles/{assignment.id}/delete")
    assert resp.status_code == 302
    assert _roles(session, user) == []


def test_remove_role_outside_scope_is_403(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a)
    session.add(RoleAssignment(user=user, role=Role.MANAGER, unit=world.library_b))
    session.commit()
    before = _roles(session, user)
    outside = next(a for a in _fresh(session, user).roles if a.unit_id == world.library_b.id)
    login(world.admin_a)
    assert "Outside your organisation" in client.get(f"/admin/users/{user.id}").get_data(
        as_text=True
    )
    resp = client.post(f"/admin/users/{user.id}/roles/{outside.id}/delete")
    assert resp.status_code == 403
    assert "within your own organisation" in resp.get_data(as_text=True)
    assert _roles(session, user) == before


def test_remove_role_of_another_user_is_404(client, session, world, create_user, login):
    user = create_user("learner", unit=world.library_a)
    other = create_user("manager", unit=world.library_a)
    login(world.admin_a)
    resp = client.post(f"/admin/users/{user.id}/roles/{other.roles[0].id}/delete")
    assert resp.status_code == 404
    assert _roles(session, other) == [(Role.MANAGER, world.library_a.id)]


def test_remove_own_admin_role_is_refused(client, session, world, login):
    login(world.admin_a)
    own = world.admin_a.roles[0]
    resp = client.post(f"/admin/users/{world.admin_a.id}/roles/{own.id}/delete")
    assert resp.status_code == 422
    assert "You cannot remove your own administrator role." in resp.get_data(as_text=True)
    assert _roles(session, world.admin_a) == [(Role.ADMIN, world.region_a.id)]


def test_membership_listed_in_scope_after_creation(client, session, world, login):
    login(world.admin_a)
    user = _invited(client, session, world)
    assert (
        session.scalars(select(Membership).where(Membership.user_id == user.id)).one().library_id
        == world.library_a.id
    )
    assert "Britt Bibliotekarie" in client.get("/admin/users/?q=britt").get_data(as_text=True)
    assert session.scalars(select(UserToken)).one().purpose == TokenPurpose.INVITATION
