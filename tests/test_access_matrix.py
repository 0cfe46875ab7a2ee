"""Every URL × every role: who gets in, who is sent to sign in, who is refused.

The world has two regions, A and B. The coordinator and the regional admin hold their roles in
A; the manager and the learner work at a library in A; the evaluator and the admin hold theirs
everywhere. A URL about something in B must refuse those whose reach is only A.

``test_every_endpoint_is_in_the_matrix`` fails when a new view is added without a row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lms.auth.models import Role, RoleAssignment, User
from lms.db import db
from lms.extensions import limiter
from lms.orgs import services as orgs
from lms.orgs.models import Country, GroupKind, GroupMember, JobTitle, Programme, ProgrammeGroup
from lms.xapi.app import PREFIX, lrs_app
from tests.conftest import bind_to_connection
from tests.content.matrix_world import add_content
from tests.content.webinars.matrix_world import add_webinars
from tests.matrix_support import (
    ADMINS,
    API_ORG,
    API_SIGNED_IN,
    EVERYONE,
    LRS_CLIENTS_ONLY,
    LRS_READ_MINE,
    ORG_ADMINS,
    ORG_PAGE,
    ORG_PAGE_B,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_PAGE,
    XAPI,
    Case,
    rule,
)

#: Part modules of other packages: each has ``add_world(session, users, ids)`` and ``CASES``.
PARTS: tuple[str, ...] = (
    "tests.lms.competences.matrix_part",
    "tests.lms.mapping.matrix_part",
    "tests.lms.assignments.matrix_part",
    "tests.lms.plans.matrix_part",
    "tests.lms.swot.matrix_part",
    "tests.lms.reporting.matrix_part",
    "tests.lti.matrix_part",
    "tests.content.packages.matrix_part",
    "tests.lms.xapi.matrix_part",
)
_PART_MODULES = [importlib.import_module(name) for name in PARTS]


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


@pytest.fixture(scope="module")
def _world_connection(app: Flask, password_hash: str) -> Iterator[tuple[Any, World]]:
    """The world, built once for the module in a transaction that is rolled back at its end.

    Building it takes longer than most requests of the matrix, and there are thousands of them:
    each test runs inside a savepoint of this transaction instead (see ``connection`` below).
    """
    conn = db.state(app).engine.connect()
    outer = conn.begin()
    restore = bind_to_connection(app, conn)
    # The session names its app: building the world records learning events (lms.xapi.events).
    with Session(bind=conn, join_transaction_mode="create_savepoint", info={"app": app}) as session:
        w = build_world(session, password_hash)
        for user in w.users.values():
            session.refresh(user)  # loaded now, readable after the session is gone
    yield conn, w
    restore()
    outer.rollback()
    conn.close()


@pytest.fixture
def connection(_world_connection: tuple[Any, World]) -> Iterator[Any]:
    """Overrides ``tests/conftest.py``'s: a savepoint of the world's transaction per test, so
    what one request changes is gone before the next."""
    conn, _world = _world_connection
    savepoint = conn.begin_nested()
    limiter.reset()
    yield conn
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def world(_world_connection: tuple[Any, World]) -> World:
    return _world_connection[1]


def build_world(session: Session, password_hash: str) -> World:
    w = World()
    region_a = orgs.create_unit(session, name="Region A", country=Country.SE)
    region_b = orgs.create_unit(session, name="Region B", country=Country.SE)
    muni_a = orgs.create_unit(session, name="Kommun A", parent=region_a)
    muni_b = orgs.create_unit(session, name="Kommun B", parent=region_b)
    lib_a = orgs.create_unit(session, name="Bibliotek A", parent=muni_a)
    empty_lib_a = orgs.create_unit(session, name="Tomt bibliotek A", parent=muni_a)
    lib_b = orgs.create_unit(session, name="Bibliotek B", parent=muni_b)

    def person(key: str, role: Role | None, unit: Any, library: Any = None) -> User:
        user = User(email=f"{key}@example.org", name=key.title(), password_hash=password_hash)
        session.add(user)
        session.flush()
        if role is not None:
            session.add(RoleAssignment(user=user, role=role, unit=unit))
        if library is not None:
            orgs.add_member(session, user, library, JobTitle.LIBRARIAN)
        w.users[key] = user
        return user

    person("learner", Role.LEARNER, lib_a, lib_a)
    person("manager", Role.MANAGER, lib_a, lib_a)
    person("coordinator", Role.COORDINATOR, region_a)
    person("evaluator", Role.EVALUATOR, None)
    person("admin", Role.ADMIN, None)
    person("admin_a", Role.ADMIN, region_a)
    staff_a = person("staff_a", Role.LEARNER, lib_a, lib_a)
    staff_b = person("staff_b", Role.LEARNER, lib_b, lib_b)
    session.flush()

    prog_a = Programme(name="Programme A", regions=[region_a])
    prog_b = Programme(name="Programme B", regions=[region_b])
    session.add_all([prog_a, prog_b])
    session.flush()
    phase = orgs.add_phase(
        session, prog_a, name="Fas 1", starts_on=_date(2026, 1, 1), ends_on=_date(2026, 6, 30)
    )
    group = ProgrammeGroup(
        programme=prog_a,
        kind=GroupKind.STEERING_GROUP,
        name="Styrgrupp",
        members=[GroupMember(user=staff_a, task="Ledamot")],
    )
    session.add(group)
    add_content(session, w.users, w.ids)
    add_webinars(session, w.users, w.ids)
    session.commit()
    w.ids.update(
        region_a=region_a.id,
        region_b=region_b.id,
        lib_a=lib_a.id,
        lib_b=lib_b.id,
        empty_lib_a=empty_lib_a.id,
        prog_a=prog_a.id,
        prog_b=prog_b.id,
        phase=phase.id,
        group=group.id,
        staff_a=staff_a.id,
        staff_b=staff_b.id,
        membership_a=staff_a.memberships[0].id,
        membership_b=staff_b.memberships[0].id,
        role_a=staff_a.roles[0].id,
        role_b=staff_b.roles[0].id,
    )
    for part in _PART_MODULES:
        part.add_world(session, w.users, w.ids)
    session.commit()
    return w


def _date(y: int, m: int, d: int) -> Any:
    from datetime import date

    return date(y, m, d)


CASES = [
    # core and accounts
    Case("core.home", "GET", "/", SIGNED_IN_PAGE),
    Case("core.healthz", "GET", "/healthz", EVERYONE),
    Case("core.readyz", "GET", "/readyz", EVERYONE),
    Case("auth.login", "GET", "/login", rule(302, SIGNED_IN, anonymous=200)),
    Case("auth.login", "POST", "/login", rule(302, SIGNED_IN, anonymous=422), data={}),
    Case("auth.logout", "POST", "/logout", rule(302, SIGNED_IN)),
    Case("auth.set_language", "POST", "/language", rule(302, SIGNED_IN), data={"locale": "sv"}),
    Case("auth.forgot_password", "GET", "/password/forgot", EVERYONE),
    Case("auth.forgot_password", "POST", "/password/forgot", dict.fromkeys(ROLES, 422), data={}),
    Case("auth.reset_password", "GET", "/password/reset/not-a-token", dict.fromkeys(ROLES, 404)),
    Case(
        "auth.accept_invitation",
        "POST",
        "/invitation/not-a-token",
        dict.fromkeys(ROLES, 404),
        data={},
    ),
    Case("auth.profile", "GET", "/profile", SIGNED_IN_PAGE),
    Case("auth.profile", "POST", "/profile", rule(422, SIGNED_IN), data={}),
    Case("auth.change_password", "GET", "/profile/password", SIGNED_IN_PAGE),
    Case("auth.change_password", "POST", "/profile/password", rule(422, SIGNED_IN), data={}),
    # organisation units
    Case("orgs.units", "GET", "/orgs/", ORG_PAGE),
    Case("orgs.unit", "GET", "/orgs/{lib_a}", ORG_PAGE),
    Case("orgs.unit", "GET", "/orgs/{lib_b}", ORG_PAGE_B),
    Case("orgs.new_unit", "GET", "/orgs/new?parent_id={region_a}", ORG_PAGE),
    Case("orgs.new_unit", "GET", "/orgs/new?parent_id={region_b}", ORG_PAGE_B),
    Case("orgs.new_unit", "GET", "/orgs/new", rule(200, ("admin",))),
    Case("orgs.new_unit", "POST", "/orgs/new?parent_id={region_a}", rule(422, ORG_ADMINS), data={}),
    Case("orgs.edit_unit", "GET", "/orgs/{lib_a}/edit", ORG_PAGE),
    Case("orgs.edit_unit", "POST", "/orgs/{lib_b}/edit", rule(422, ("admin",)), data={}),
    Case("orgs.delete_unit", "POST", "/orgs/{empty_lib_a}/delete", rule(302, ORG_ADMINS)),
    Case("orgs.delete_unit", "POST", "/orgs/{lib_b}/delete", rule(409, ("admin",))),
    Case("orgs.add_staff", "POST", "/orgs/{lib_a}/staff", rule(422, ORG_ADMINS), data={}),
    Case("orgs.add_staff", "POST", "/orgs/{lib_b}/staff", rule(422, ("admin",)), data={}),
    Case(
        "orgs.remove_staff",
        "POST",
        "/orgs/{lib_a}/staff/{membership_a}/delete",
        rule(302, ORG_ADMINS),
    ),
    Case(
        "orgs.remove_staff",
        "POST",
        "/orgs/{lib_b}/staff/{membership_b}/delete",
        rule(302, ("admin",)),
    ),
    Case("orgs.team", "GET", "/team", rule(200, ("manager",))),
    # programmes
    Case("orgs.programmes", "GET", "/programmes", SIGNED_IN_PAGE),
    Case("orgs.programme", "GET", "/programmes/{prog_b}", SIGNED_IN_PAGE),
    Case("orgs.new_programme", "GET", "/programmes/new", ORG_PAGE),
    Case("orgs.new_programme", "POST", "/programmes/new", rule(422, ORG_ADMINS), data={}),
    Case("orgs.edit_programme", "GET", "/programmes/{prog_a}/edit", ORG_PAGE),
    Case("orgs.edit_programme", "GET", "/programmes/{prog_b}/edit", ORG_PAGE_B),
    Case("orgs.add_phase", "GET", "/programmes/{prog_a}/phases", ORG_PAGE),
    Case("orgs.add_phase", "POST", "/programmes/{prog_b}/phases", rule(422, ("admin",)), data={}),
    Case(
        "orgs.delete_phase",
        "POST",
        "/programmes/{prog_a}/phases/{phase}/delete",
        rule(302, ORG_ADMINS),
    ),
    Case("orgs.add_group", "GET", "/programmes/{prog_a}/groups", ORG_PAGE),
    Case("orgs.add_group", "POST", "/programmes/{prog_a}/groups", rule(422, ORG_ADMINS), data={}),
    Case("orgs.add_group", "POST", "/programmes/{prog_b}/groups", rule(422, ("admin",)), data={}),
    Case(
        "orgs.delete_group",
        "POST",
        "/programmes/{prog_a}/groups/{group}/delete",
        rule(302, ORG_ADMINS),
    ),
    Case("orgs.add_group_member", "GET", "/programmes/{prog_a}/groups/{group}/members", ORG_PAGE),
    Case(
        "orgs.add_group_member",
        "POST",
        "/programmes/{prog_a}/groups/{group}/members",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "orgs.remove_group_member",
        "POST",
        "/programmes/{prog_a}/groups/{group}/members/{staff_a}/delete",
        rule(302, ORG_ADMINS),
    ),
    # user administration
    Case("users.index", "GET", "/admin/users/", rule(200, ADMINS)),
    Case("users.new", "GET", "/admin/users/new", rule(200, ADMINS)),
    Case("users.new", "POST", "/admin/users/new", rule(422, ADMINS), data={}),
    Case("users.edit", "GET", "/admin/users/{staff_a}", rule(200, ADMINS)),
    Case(
        "users.edit",
        "GET",
        "/admin/users/{staff_b}",
        rule(200, ("admin",), overrides={"admin_a": 404}),
    ),
    Case("users.edit", "POST", "/admin/users/{staff_a}", rule(422, ADMINS), data={}),
    Case(
        "users.set_active",
        "POST",
        "/admin/users/{staff_a}/active",
        rule(302, ADMINS),
        data={"active": "inactive"},
    ),
    Case(
        "users.set_active",
        "POST",
        "/admin/users/{staff_b}/active",
        rule(302, ("admin",), overrides={"admin_a": 404}),
        data={"active": "inactive"},
    ),
    # staff_a has a password already: nothing to invite to, but only admins learn that.
    Case("users.resend_invitation", "POST", "/admin/users/{staff_a}/invite", rule(409, ADMINS)),
    Case("users.add_role", "POST", "/admin/users/{staff_a}/roles", rule(422, ADMINS), data={}),
    Case(
        "users.add_role",
        "POST",
        "/admin/users/{staff_b}/roles",
        rule(422, ("admin",), overrides={"admin_a": 404}),
        data={},
    ),
    Case(
        "users.resend_invitation",
        "POST",
        "/admin/users/{staff_b}/invite",
        rule(409, ("admin",), overrides={"admin_a": 404}),
    ),
    Case(
        "users.remove_role",
        "POST",
        "/admin/users/{staff_a}/roles/{role_a}/delete",
        rule(302, ADMINS),
    ),
    Case(
        "users.remove_role",
        "POST",
        "/admin/users/{staff_b}/roles/{role_b}/delete",
        rule(302, ("admin",), overrides={"admin_a": 404}),
    ),
    # content server: authoring (administrators and coordinators, any region)
    Case("courses.index", "GET", "/author/courses/", ORG_PAGE),
    Case("courses.new_course", "GET", "/author/courses/new", ORG_PAGE),
    Case("courses.new_course", "POST", "/author/courses/new", rule(422, ORG_ADMINS), data={}),
    Case("courses.course", "GET", "/author/courses/{course}", ORG_PAGE),
    Case("courses.edit_course", "GET", "/author/courses/{course}/edit", ORG_PAGE),
    Case(
        "courses.edit_course",
        "POST",
        "/author/courses/{course}/edit",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case("courses.delete_course", "POST", "/author/courses/{draft}/delete", rule(302, ORG_ADMINS)),
    Case("courses.delete_course", "POST", "/author/courses/{course}/delete", rule(409, ORG_ADMINS)),
    Case("courses.publish", "POST", "/author/courses/{course}/publish", rule(302, ORG_ADMINS)),
    Case("courses.publish", "POST", "/author/courses/{draft}/publish", rule(422, ORG_ADMINS)),
    Case("courses.unpublish", "POST", "/author/courses/{course}/unpublish", rule(302, ORG_ADMINS)),
    Case(
        "courses.move_learners",
        "POST",
        "/author/courses/{course}/move-learners",
        rule(302, ORG_ADMINS),
    ),
    Case("courses.preview", "GET", "/author/courses/{course}/preview", ORG_PAGE),
    Case("courses.preview", "GET", "/author/courses/{course}/preview?item={quiz}", ORG_PAGE),
    Case("courses.new_module", "GET", "/author/courses/{course}/modules/new", ORG_PAGE),
    Case(
        "courses.new_module",
        "POST",
        "/author/courses/{course}/modules/new",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case("courses.edit_module", "GET", "/author/modules/{module}/edit", ORG_PAGE),
    Case(
        "courses.edit_module",
        "POST",
        "/author/modules/{module}/edit",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "courses.move_module",
        "POST",
        "/author/modules/{module}/move",
        rule(302, ORG_ADMINS),
        data={"direction": "up"},
    ),
    Case("courses.delete_module", "POST", "/author/modules/{module}/delete", rule(302, ORG_ADMINS)),
    Case("courses.new_item", "GET", "/author/modules/{module}/items/new?kind=lesson", ORG_PAGE),
    Case(
        "courses.new_item",
        "POST",
        "/author/modules/{module}/items/new?kind=quiz",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case("courses.edit_item", "GET", "/author/items/{quiz}/edit", ORG_PAGE),
    Case(
        "courses.edit_item", "POST", "/author/items/{lesson}/edit", rule(422, ORG_ADMINS), data={}
    ),
    Case(
        "courses.move_item",
        "POST",
        "/author/items/{lesson}/move",
        rule(302, ORG_ADMINS),
        data={"direction": "down"},
    ),
    Case("courses.delete_item", "POST", "/author/items/{lesson}/delete", rule(302, ORG_ADMINS)),
    Case("courses.new_question", "GET", "/author/items/{quiz}/questions/new", ORG_PAGE),
    Case(
        "courses.new_question",
        "POST",
        "/author/items/{quiz}/questions/new",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "courses.delete_question",
        "POST",
        "/author/questions/{question}/delete",
        rule(302, ORG_ADMINS),
    ),
    # content server: the learner's path (the learner is enrolled in the course, no one else)
    Case("learn.catalogue", "GET", "/courses", SIGNED_IN_PAGE),
    Case("learn.course", "GET", "/courses/matrix-course", SIGNED_IN_PAGE),
    Case("learn.course", "GET", "/courses/matrix-draft", rule(409, SIGNED_IN)),
    Case("learn.enrol", "POST", "/courses/matrix-course/enrol", rule(302, SIGNED_IN)),
    Case("learn.resume", "GET", "/courses/matrix-course/resume", rule(302, ("learner",))),
    Case("learn.item", "GET", "/courses/matrix-course/items/{lesson}", rule(200, ("learner",))),
    Case(
        "learn.mark_seen",
        "POST",
        "/courses/matrix-course/items/{lesson}/seen",
        rule(302, ("learner",)),
    ),
    Case(
        "learn.answer",
        "POST",
        "/courses/matrix-course/items/{quiz}/answers",
        rule(422, ("learner",)),
        data={},
    ),
    Case(
        "learn.reflect",
        "POST",
        "/courses/matrix-course/items/{reflection}/reflection",
        rule(422, ("learner",)),
        data={},
    ),
    Case("learn.team", "GET", "/team/courses", rule(200, ("manager",))),
    Case("certificates.certificate", "GET", "/certificates/matrix-certificate-code", EVERYONE),
    Case(
        "certificates.certificate", "GET", "/certificates/no-such-code", dict.fromkeys(ROLES, 404)
    ),
    # content server: the JSON API (read-only, the signed-in learner's own progress)
    Case("courses_api.catalogue", "GET", "/api/v1/courses", API_SIGNED_IN),
    Case(
        "courses_api.catalogue",
        "GET",
        "/api/v1/courses?per_page=0",
        rule(422, SIGNED_IN, anonymous=401),
    ),
    Case("courses_api.course", "GET", "/api/v1/courses/matrix-course", API_SIGNED_IN),
    Case(
        "courses_api.course",
        "GET",
        "/api/v1/courses/matrix-draft",
        rule(409, SIGNED_IN, anonymous=401),
    ),
    Case(
        "courses_api.course_progress",
        "GET",
        "/api/v1/courses/matrix-course/progress",
        rule(200, ("learner",), anonymous=401),
    ),
    Case("courses_api.enrolments", "GET", "/api/v1/enrolments", API_SIGNED_IN),
    Case("openapi.document", "GET", "/api/v1/openapi.json", EVERYONE),
    # webinars and course days: the learner's calendar (sessions of region A are open to all;
    # region B's are for its own staff), the feed, planning and registrations
    Case("webinars.upcoming", "GET", "/events", SIGNED_IN_PAGE),
    Case("webinars.month", "GET", "/events/month?month=2027-02", SIGNED_IN_PAGE),
    Case("webinars.session_page", "GET", "/events/{wb_ahead}", SIGNED_IN_PAGE),
    Case(
        "webinars.session_page",
        "GET",
        "/events/{wb_only_b}",
        rule(200, ("admin",), denied=404),
    ),
    Case("webinars.session_ics", "GET", "/events/{wb_ahead}/calendar.ics", SIGNED_IN_PAGE),
    Case(
        "webinars.register",
        "POST",
        "/events/{wb_ahead}/register",
        rule(302, SIGNED_IN, overrides={"learner": 409}),
    ),
    Case("webinars.register", "POST", "/events/{wb_over}/register", rule(409, SIGNED_IN)),
    Case(
        "webinars.register",
        "POST",
        "/events/{wb_only_b}/register",
        rule(403, ("admin",), denied=404),
    ),
    Case(
        "webinars.unregister",
        "POST",
        "/events/{wb_ahead}/unregister",
        rule(302, ("learner",), denied=409),
    ),
    Case(
        "webinars.register_staff",
        "POST",
        "/events/{wb_ahead}/staff",
        rule(422, ("manager",)),  # nobody chosen: past the access check, refused
        data={},
    ),
    # an on-site session has no meeting room: refused for all, after the sign-in check
    Case("webinars.join", "GET", "/events/{wb_ahead}/join", rule(409, SIGNED_IN)),
    Case("webinars.join", "GET", "/events/{wb_only_b}/join", rule(409, ("admin",), denied=404)),
    Case("webinars.check_in", "POST", "/events/{wb_ahead}/check-in", rule(422, SIGNED_IN), data={}),
    Case(
        "webinars.recording",
        "GET",
        "/events/{wb_ahead}/recordings/{wb_recording}",
        rule(302, SIGNED_IN),
    ),
    Case(
        "webinars.add_recording",
        "POST",
        "/events/manage/sessions/{wb_ahead}/recordings",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "webinars.fetch_recordings",
        "POST",
        "/events/manage/sessions/{wb_ahead}/recordings/fetch",
        rule(409, ORG_ADMINS),
    ),
    Case(
        "webinars.publish_recording",
        "POST",
        "/events/manage/recordings/{wb_recording}/publish",
        rule(302, ORG_ADMINS),
    ),
    # BigBlueButton's callbacks: signed, not signed in; no meeting room here, so nothing
    Case(
        "webinars.recording_ready",
        "POST",
        "/events/bbb/{wb_ahead}/recording-ready",
        dict.fromkeys(ROLES, 404),
    ),
    Case(
        "webinars.analytics", "POST", "/events/bbb/{wb_ahead}/analytics", dict.fromkeys(ROLES, 404)
    ),
    Case(
        "webinars.meeting_ended", "GET", "/events/bbb/{wb_ahead}/ended", dict.fromkeys(ROLES, 404)
    ),
    Case(
        "webinars.meeting_ended", "POST", "/events/bbb/{wb_ahead}/ended", dict.fromkeys(ROLES, 404)
    ),
    # ending a meeting: organisers only (an on-site session has none: 409 past the check)
    Case(
        "webinars.end_meeting",
        "POST",
        "/events/manage/sessions/{wb_ahead}/end-meeting",
        rule(409, ORG_ADMINS),
    ),
    Case(
        "webinars.end_meeting",
        "POST",
        "/events/manage/sessions/{wb_only_b}/end-meeting",
        rule(409, ("admin",)),
    ),
    Case("webinars.feed_settings", "GET", "/events/calendar", SIGNED_IN_PAGE),
    Case("webinars.renew_feed", "POST", "/events/calendar/renew", SIGNED_IN_PAGE),
    Case("webinars.revoke_feed", "POST", "/events/calendar/revoke", rule(302, SIGNED_IN)),
    Case("webinars.feed", "GET", "/events/feed/{wb_feed}/librarena.ics", EVERYONE),
    Case(
        "webinars.feed", "GET", "/events/feed/not-a-token/librarena.ics", dict.fromkeys(ROLES, 404)
    ),
    Case("webinars.manage", "GET", "/events/manage/", ORG_PAGE),
    Case("webinars.new_series", "GET", "/events/manage/new", ORG_PAGE),
    Case("webinars.new_series", "POST", "/events/manage/new", rule(422, ORG_ADMINS), data={}),
    Case("webinars.series", "GET", "/events/manage/{wb_series_a}", ORG_PAGE),
    Case("webinars.series", "GET", "/events/manage/{wb_series_b}", ORG_PAGE_B),
    Case("webinars.edit_series", "GET", "/events/manage/{wb_series_a}/edit", ORG_PAGE),
    Case(
        "webinars.edit_series",
        "POST",
        "/events/manage/{wb_series_b}/edit",
        rule(422, ("admin",)),
        data={},
    ),
    Case("webinars.new_session", "GET", "/events/manage/{wb_series_a}/sessions/new", ORG_PAGE),
    Case(
        "webinars.new_session",
        "POST",
        "/events/manage/{wb_series_a}/sessions/new",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case("webinars.edit_session", "GET", "/events/manage/sessions/{wb_ahead}/edit", ORG_PAGE),
    Case(
        "webinars.edit_session",
        "POST",
        "/events/manage/sessions/{wb_ahead}/edit",
        rule(422, ORG_ADMINS),
        data={},
    ),
    Case(
        "webinars.cancel_session",
        "POST",
        "/events/manage/sessions/{wb_ahead}/cancel",
        rule(302, ORG_ADMINS),
    ),
    Case(
        "webinars.cancel_session",
        "POST",
        "/events/manage/sessions/{wb_only_b}/cancel",
        rule(302, ("admin",)),
    ),
    Case("webinars.registrations", "GET", "/events/manage/sessions/{wb_ahead}", ORG_PAGE),
    Case("webinars.registrations", "GET", "/events/manage/sessions/{wb_only_b}", ORG_PAGE_B),
    Case(
        "webinars.attendance",
        "POST",
        "/events/manage/sessions/{wb_over}/attendance",
        rule(302, ORG_ADMINS),
        data={"attended": "1"},
    ),
    Case(
        "webinars.attendance_csv",
        "GET",
        "/events/manage/sessions/{wb_ahead}/attendance.csv",
        ORG_PAGE,
    ),
    # webinars (JSON): the caller's own registration, and organisers' lists
    Case("webinars_api.events", "GET", "/api/v1/events", API_SIGNED_IN),
    Case("webinars_api.event", "GET", "/api/v1/events/{wb_ahead}", API_SIGNED_IN),
    Case(
        "webinars_api.event",
        "GET",
        "/api/v1/events/{wb_only_b}",
        rule(200, ("admin",), denied=404, anonymous=401),
    ),
    Case(
        "webinars_api.my_registration",
        "GET",
        "/api/v1/events/{wb_ahead}/registration",
        rule(200, ("learner",), denied=404, anonymous=401),
    ),
    Case(
        "webinars_api.register",
        "POST",
        "/api/v1/events/{wb_ahead}/registration",
        rule(201, SIGNED_IN, anonymous=401, overrides={"learner": 409}),
    ),
    Case(
        "webinars_api.unregister",
        "DELETE",
        "/api/v1/events/{wb_ahead}/registration",
        rule(204, ("learner",), denied=409, anonymous=401),
    ),
    Case("webinars_api.registrations", "GET", "/api/v1/events/{wb_ahead}/registrations", API_ORG),
    Case(
        "webinars_api.registrations",
        "GET",
        "/api/v1/events/{wb_only_b}/registrations",
        rule(200, ("admin",), anonymous=401),
    ),
    # JSON API
    Case("orgs_api.units", "GET", "/api/v1/units", API_ORG),
    Case("orgs_api.unit", "GET", "/api/v1/units/{lib_a}", API_ORG),
    Case("orgs_api.unit", "GET", "/api/v1/units/{lib_b}", rule(200, ("admin",), anonymous=401)),
    Case(
        "orgs_api.create_unit",
        "POST",
        "/api/v1/units",
        rule(422, ORG_ADMINS, anonymous=401),
        json={},
    ),
    Case("orgs_api.programmes", "GET", "/api/v1/programmes", API_SIGNED_IN),
    Case("orgs_api.programme", "GET", "/api/v1/programmes/{prog_a}", API_SIGNED_IN),
    # the xAPI LRS: Basic-auth clients; a signed-in person may only read their own statements
    Case("xapi.about", "GET", "/xapi/about", EVERYONE),
    Case("xapi.statements", "GET", "/xapi/statements", LRS_READ_MINE, headers=XAPI),
    Case("xapi.statements", "POST", "/xapi/statements", LRS_CLIENTS_ONLY, headers=XAPI, json={}),
    Case("xapi.state", "GET", "/xapi/activities/state", LRS_CLIENTS_ONLY, headers=XAPI),
    Case(
        "xapi.activity_profile", "GET", "/xapi/activities/profile", LRS_CLIENTS_ONLY, headers=XAPI
    ),
    Case("xapi.agent_profile", "GET", "/xapi/agents/profile", LRS_CLIENTS_ONLY, headers=XAPI),
    Case("xapi.activities", "GET", "/xapi/activities", LRS_CLIENTS_ONLY, headers=XAPI),
    Case("xapi.agents", "GET", "/xapi/agents", LRS_CLIENTS_ONLY, headers=XAPI),
]
for _part in _PART_MODULES:
    CASES.extend(_part.CASES)

MATRIX = [
    pytest.param(case, role, id=f"{case.method} {case.url} as {role}")
    for case in CASES
    for role in ROLES
]


def sign_in_as(client: Any, user: User) -> None:
    # Straight into the session: the sign-in form itself is tested elsewhere, and hashing a
    # password for each of several hundred requests would only slow the matrix down.
    with client.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True


@pytest.mark.parametrize(("case", "role"), MATRIX)
def test_access(client: Any, world: World, case: Case, role: str) -> None:
    if role != "anonymous":
        sign_in_as(client, world.users[role])
    url = case.url.format(**world.ids)
    kwargs: dict[str, Any] = {}
    if case.json is not None:
        kwargs["json"] = case.json
    elif case.data is not None:
        kwargs["data"] = case.data
    if case.headers is not None:
        kwargs["headers"] = case.headers
    resp = client.open(url, method=case.method, **kwargs)
    expected = case.expect[role]
    assert resp.status_code == expected, (
        f"{case.method} {url} as {role}: {resp.status_code}, expected {expected}"
    )
    if expected == 302 and role == "anonymous" and not url.startswith(("/logout", "/language")):
        assert resp.location.startswith("/login"), resp.location


def _apps(app: Flask) -> list[tuple[str, Flask]]:
    """The web app, and the LRS app mounted in front of it (lms.xapi.app)."""
    return [(PREFIX, lrs_app(app)), ("", app)]


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    covered = {case.endpoint for case in CASES}
    endpoints = {
        r.endpoint for _, a in _apps(app) for r in a.url_map.iter_rules() if r.endpoint != "static"
    }
    assert endpoints - covered == set(), "add these views to the access matrix"
    assert covered - endpoints == set(), "the matrix names views that no longer exist"


def test_every_url_of_the_matrix_exists(app: Flask) -> None:
    for case in CASES:
        path = case.url.split("?")[0]
        path = "/".join("1" if part.startswith("{") else part for part in path.split("/"))
        prefix, served_by = next((p, a) for p, a in _apps(app) if path.startswith(p + "/"))
        adapter = served_by.url_map.bind("localhost")
        endpoint, _args = adapter.match(path.removeprefix(prefix), method=case.method)
        assert endpoint == case.endpoint, case.url
