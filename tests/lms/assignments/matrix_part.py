"""The access matrix's part for ``lms.assignments`` (see ``tests/matrix_support.py``).

Tracks A (published, region A), B (published, region B) and drafts in both; assignments of the
learner and of staff_a (library A, the manager's) and of staff_b (library B: forged ids).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.assignments.models import (
    Assignment,
    AssignmentRule,
    StepKind,
    Track,
    TrackStep,
    TrackTranslation,
)
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit
from tests.matrix_support import API_SIGNED_IN, ORG_ADMINS, SIGNED_IN_PAGE, Case, rule

SOON = (utcnow().date() + timedelta(days=30)).isoformat()
LATER = (utcnow().date() + timedelta(days=60)).isoformat()


def _track(session: Session, owner: OrgUnit | None, title: str, *, published: bool) -> Track:
    track = Track(owner_unit=owner, is_published=published, fallback_locale="en")
    track.translations.append(TrackTranslation(locale="en", title=title))
    track.steps.append(
        TrackStep(
            kind=StepKind.REFLECTION,
            position=0,
            is_required=True,
            prompt={"en": {"title": "Think", "prompt": "Why?"}},
        )
    )
    session.add(track)
    session.flush()
    return track


#: Request bodies that name ids. The matrix formats only URLs, so these dicts are filled in by
#: :func:`add_world` (each case holds the same dict object) before every request.
ASSIGN_STAFF_A: dict[str, Any] = {"target": "person", "due_on": SOON}
ASSIGN_STAFF_B: dict[str, Any] = {"target": "person", "due_on": SOON}
ASSIGN_LIB_B: dict[str, Any] = {"target": "unit", "due_on": SOON}
API_ASSIGN_STAFF_A: dict[str, Any] = {"target": "person", "due_on": SOON}
API_ASSIGN_STAFF_B: dict[str, Any] = {"target": "person", "due_on": SOON}
NEW_TRACK_A: dict[str, Any] = {"title_en": "New", "fallback_locale": "en"}
NEW_TRACK_B: dict[str, Any] = {"title_en": "New", "fallback_locale": "en"}
API_TRACK_A: dict[str, Any] = {"title_en": "New", "fallback_locale": "en"}
API_TRACK_B: dict[str, Any] = {"title_en": "New", "fallback_locale": "en"}
ORDER_A: dict[str, Any] = {}
ORDER_B: dict[str, Any] = {}


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""
    region_a = session.scalar(select(OrgUnit).where(OrgUnit.name == "Region A"))
    region_b = session.scalar(select(OrgUnit).where(OrgUnit.name == "Region B"))
    track_a = _track(session, region_a, "Track A", published=True)
    track_b = _track(session, region_b, "Track B", published=True)
    draft_a = _track(session, region_a, "Draft A", published=False)
    draft_b = _track(session, region_b, "Draft B", published=False)
    due = utcnow().date() + timedelta(days=20)
    staff_a = session.get(User, ids["staff_a"])
    staff_b = session.get(User, ids["staff_b"])
    made = {}
    for key, user, track in (
        ("tr_asg_learner", users["learner"], track_a),
        ("tr_asg_a", staff_a, track_a),
        ("tr_asg_b", staff_b, track_b),
    ):
        a = Assignment(track=track, user=user, due_on=due, assigned_by=users["manager"])
        session.add(a)
        made[key] = a
    rule_a = AssignmentRule(
        track=track_a,
        unit=session.get(OrgUnit, ids["lib_a"]),
        due_on=due,
        created_by=users["manager"],
    )
    rule_b = AssignmentRule(track=track_b, unit=session.get(OrgUnit, ids["lib_b"]), due_on=due)
    session.add_all([rule_a, rule_b])
    session.flush()
    ids.update(
        tr_rule_a=rule_a.id,
        tr_rule_b=rule_b.id,
        tr_track_a=track_a.id,
        tr_track_b=track_b.id,
        tr_draft_a=draft_a.id,
        tr_draft_b=draft_b.id,
        tr_step_a=track_a.steps[0].id,
        tr_step_b=track_b.steps[0].id,
        tr_step_draft_a=draft_a.steps[0].id,
        **{key: a.id for key, a in made.items()},
    )
    ASSIGN_STAFF_A["user_id"] = str(ids["staff_a"])
    ASSIGN_STAFF_B["user_id"] = str(ids["staff_b"])
    ASSIGN_LIB_B["unit_id"] = str(ids["lib_b"])
    API_ASSIGN_STAFF_A.update(track_id=track_b.id, user_id=ids["staff_a"])
    API_ASSIGN_STAFF_B.update(track_id=track_b.id, user_id=ids["staff_b"])
    NEW_TRACK_A["owner_unit"] = str(region_a.id)
    NEW_TRACK_B["owner_unit"] = str(region_b.id)
    API_TRACK_A["owner_unit_id"] = region_a.id
    API_TRACK_B["owner_unit_id"] = region_b.id
    ORDER_A["order"] = [track_a.steps[0].id]
    ORDER_B["order"] = [track_b.steps[0].id]


EDITORS = ORG_ADMINS
ADMIN_ONLY = ("admin",)
MANAGER = ("manager",)
STEP = {"kind": "reflection", "prompt_en": "Why?", "is_required": "true"}
TRACK = {"title_en": "New", "fallback_locale": "en"}


def _manager_action(endpoint: str, path: str, data: dict[str, str]) -> list[Case]:
    return [
        Case(endpoint, "POST", f"/assignments/{{tr_asg_a}}/{path}", rule(302, MANAGER), data=data),
        Case(
            endpoint,
            "POST",
            f"/assignments/{{tr_asg_b}}/{path}",
            rule(302, (), overrides={"manager": 404}),
            data=data,
        ),
    ]


def _api_manager_action(endpoint: str, path: str, body: Any, ok: int = 200) -> list[Case]:
    return [
        Case(
            endpoint,
            "POST",
            f"/api/v1/assignments/{{tr_asg_a}}/{path}",
            rule(ok, MANAGER, anonymous=401),
            json=body,
        ),
        Case(
            endpoint,
            "POST",
            f"/api/v1/assignments/{{tr_asg_b}}/{path}",
            rule(ok, (), anonymous=401, overrides={"manager": 404}),
            json=body,
        ),
    ]


CASES: list[Case] = [
    # Tracks: the list, building and editing (coordinators and admins of the owner's region)
    Case(
        "assignments.tracks",
        "GET",
        "/tracks",
        rule(200, ("manager", "coordinator", "admin", "admin_a")),
    ),
    Case("assignments.new_track", "GET", "/tracks/new", rule(200, EDITORS)),
    Case(
        "assignments.new_track",
        "POST",
        "/tracks/new",
        rule(302, EDITORS),
        data=NEW_TRACK_A,
    ),
    Case(
        "assignments.new_track",
        "POST",
        "/tracks/new?forged=region_b",
        rule(302, ADMIN_ONLY, overrides={"coordinator": 422, "admin_a": 422}),
        data=NEW_TRACK_B,
    ),
    Case("assignments.edit_track", "GET", "/tracks/{tr_track_a}/edit", rule(200, EDITORS)),
    Case("assignments.edit_track", "GET", "/tracks/{tr_track_b}/edit", rule(200, ADMIN_ONLY)),
    Case(
        "assignments.edit_track",
        "POST",
        "/tracks/{tr_track_a}/edit",
        rule(302, EDITORS),
        data=TRACK,
    ),
    Case(
        "assignments.edit_track",
        "POST",
        "/tracks/{tr_track_b}/edit",
        rule(302, ADMIN_ONLY),
        data=TRACK,
    ),
    Case(
        "assignments.add_step", "POST", "/tracks/{tr_track_a}/steps", rule(302, EDITORS), data=STEP
    ),
    Case(
        "assignments.add_step",
        "POST",
        "/tracks/{tr_track_b}/steps",
        rule(302, ADMIN_ONLY),
        data=STEP,
    ),
    Case(
        "assignments.edit_step",
        "GET",
        "/tracks/{tr_track_a}/steps/{tr_step_a}/edit",
        rule(200, EDITORS),
    ),
    Case(
        "assignments.edit_step",
        "GET",
        "/tracks/{tr_track_b}/steps/{tr_step_b}/edit",
        rule(200, ADMIN_ONLY),
    ),
    Case(
        "assignments.edit_step",
        "GET",
        "/tracks/{tr_track_a}/steps/{tr_step_b}/edit",
        rule(404, EDITORS),
    ),
    Case(
        "assignments.edit_step",
        "POST",
        "/tracks/{tr_track_a}/steps/{tr_step_a}/edit",
        rule(302, EDITORS),
        data=STEP,
    ),
    Case(
        "assignments.move_step",
        "POST",
        "/tracks/{tr_track_a}/steps/{tr_step_a}/move",
        rule(302, EDITORS),
        data={"direction": "down"},
    ),
    Case(
        "assignments.move_step",
        "POST",
        "/tracks/{tr_track_b}/steps/{tr_step_b}/move",
        rule(302, ADMIN_ONLY),
        data={"direction": "down"},
    ),
    Case(
        "assignments.delete_step",
        "POST",
        "/tracks/{tr_draft_a}/steps/{tr_step_draft_a}/delete",
        rule(302, EDITORS),
    ),
    Case(
        "assignments.delete_step",
        "POST",
        "/tracks/{tr_track_b}/steps/{tr_step_b}/delete",
        rule(302, ADMIN_ONLY),
    ),
    Case(
        "assignments.publish",
        "POST",
        "/tracks/{tr_track_a}/publish",
        rule(302, EDITORS),
        data={"published": "false"},
    ),
    Case(
        "assignments.publish",
        "POST",
        "/tracks/{tr_track_b}/publish",
        rule(302, ADMIN_ONLY),
        data={"published": "false"},
    ),
    Case("assignments.delete_track", "POST", "/tracks/{tr_draft_a}/delete", rule(302, EDITORS)),
    Case("assignments.delete_track", "POST", "/tracks/{tr_draft_b}/delete", rule(302, ADMIN_ONLY)),
    Case("assignments.delete_track", "POST", "/tracks/{tr_track_a}/delete", rule(409, EDITORS)),
    # The track page: published for everyone signed in, drafts for their editors only
    Case("assignments.track", "GET", "/tracks/{tr_track_a}", SIGNED_IN_PAGE),
    Case("assignments.track", "GET", "/tracks/{tr_draft_b}", rule(200, ADMIN_ONLY, denied=404)),
    Case(
        "assignments.answer_reflection",
        "POST",
        "/tracks/{tr_track_a}/steps/{tr_step_a}/reflection",
        rule(302, ("learner",)),
        data={"body": "I learned"},
    ),
    # Assigning: managers, to their own staff only
    Case("assignments.assign", "GET", "/tracks/{tr_track_b}/assign", rule(200, MANAGER)),
    Case(
        "assignments.assign",
        "POST",
        "/tracks/{tr_track_b}/assign",
        rule(302, MANAGER),
        data=ASSIGN_STAFF_A,
    ),
    Case(
        "assignments.assign",
        "POST",
        "/tracks/{tr_track_b}/assign?forged=staff_b",
        rule(403, MANAGER),
        data=ASSIGN_STAFF_B,
    ),
    Case(
        "assignments.assign",
        "POST",
        "/tracks/{tr_track_b}/assign?forged=lib_b",
        rule(403, MANAGER),
        data=ASSIGN_LIB_B,
    ),
    Case(
        "assignments.assign",
        "GET",
        "/tracks/{tr_draft_b}/assign",
        rule(404, (), overrides={"manager": 404}),
    ),
    Case("assignments.team", "GET", "/team/assignments", rule(200, MANAGER)),
    *_manager_action("assignments.remind", "remind", {}),
    *_manager_action("assignments.extend", "extend", {"due_on": LATER}),
    *_manager_action("assignments.withdraw", "withdraw", {}),
    *_manager_action("assignments.reminders", "reminders", {"enabled": "false"}),
    Case("assignments.mine", "GET", "/my/assignments", SIGNED_IN_PAGE),
    Case("assignments.stop_rule", "POST", "/assignment-rules/{tr_rule_a}/stop", rule(302, MANAGER)),
    Case(
        "assignments.stop_rule",
        "POST",
        "/assignment-rules/{tr_rule_b}/stop",
        rule(302, (), overrides={"manager": 404}),
    ),
    Case(
        "assignments_api.rules",
        "GET",
        "/api/v1/assignment-rules",
        rule(200, MANAGER, anonymous=401),
    ),
    Case(
        "assignments_api.stop_rule",
        "POST",
        "/api/v1/assignment-rules/{tr_rule_a}/stop",
        rule(200, MANAGER, anonymous=401),
    ),
    Case(
        "assignments_api.stop_rule",
        "POST",
        "/api/v1/assignment-rules/{tr_rule_b}/stop",
        rule(200, (), anonymous=401, overrides={"manager": 404}),
    ),
    # JSON API
    Case("assignments_api.tracks", "GET", "/api/v1/tracks", API_SIGNED_IN),
    Case("assignments_api.track", "GET", "/api/v1/tracks/{tr_track_a}", API_SIGNED_IN),
    Case(
        "assignments_api.track",
        "GET",
        "/api/v1/tracks/{tr_draft_b}",
        rule(200, ADMIN_ONLY, denied=404, anonymous=401),
    ),
    Case(
        "assignments_api.create_track",
        "POST",
        "/api/v1/tracks",
        rule(201, EDITORS, anonymous=401),
        json=API_TRACK_A,
    ),
    Case(
        "assignments_api.create_track",
        "POST",
        "/api/v1/tracks?forged=region_b",
        rule(201, ADMIN_ONLY, anonymous=401, overrides={"coordinator": 422, "admin_a": 422}),
        json=API_TRACK_B,
    ),
    Case(
        "assignments_api.update_track",
        "PUT",
        "/api/v1/tracks/{tr_track_a}",
        rule(200, EDITORS, anonymous=401),
        json=TRACK,
    ),
    Case(
        "assignments_api.update_track",
        "PUT",
        "/api/v1/tracks/{tr_track_b}",
        rule(200, ADMIN_ONLY, anonymous=401),
        json=TRACK,
    ),
    Case(
        "assignments_api.publish_track",
        "POST",
        "/api/v1/tracks/{tr_track_a}/publish",
        rule(200, EDITORS, anonymous=401),
        json={"published": False},
    ),
    Case(
        "assignments_api.publish_track",
        "POST",
        "/api/v1/tracks/{tr_track_b}/publish",
        rule(200, ADMIN_ONLY, anonymous=401),
        json={"published": False},
    ),
    Case(
        "assignments_api.add_step",
        "POST",
        "/api/v1/tracks/{tr_track_a}/steps",
        rule(201, EDITORS, anonymous=401),
        json=STEP,
    ),
    Case(
        "assignments_api.add_step",
        "POST",
        "/api/v1/tracks/{tr_track_b}/steps",
        rule(201, ADMIN_ONLY, anonymous=401),
        json=STEP,
    ),
    Case(
        "assignments_api.reorder_steps",
        "PUT",
        "/api/v1/tracks/{tr_track_a}/steps",
        rule(200, EDITORS, anonymous=401),
        json=ORDER_A,
    ),
    Case(
        "assignments_api.reorder_steps",
        "PUT",
        "/api/v1/tracks/{tr_track_b}/steps",
        rule(200, ADMIN_ONLY, anonymous=401),
        json=ORDER_B,
    ),
    Case(
        "assignments_api.delete_step",
        "DELETE",
        "/api/v1/tracks/{tr_draft_a}/steps/{tr_step_draft_a}",
        rule(204, EDITORS, anonymous=401),
    ),
    Case(
        "assignments_api.delete_step",
        "DELETE",
        "/api/v1/tracks/{tr_track_b}/steps/{tr_step_b}",
        rule(422, ADMIN_ONLY, anonymous=401),
    ),
    Case("assignments_api.mine", "GET", "/api/v1/assignments", API_SIGNED_IN),
    Case(
        "assignments_api.create",
        "POST",
        "/api/v1/assignments",
        rule(201, MANAGER, anonymous=401),
        json=API_ASSIGN_STAFF_A,
    ),
    Case(
        "assignments_api.create",
        "POST",
        "/api/v1/assignments?forged=staff_b",
        rule(201, (), anonymous=401),
        json=API_ASSIGN_STAFF_B,
    ),
    Case(
        "assignments_api.team", "GET", "/api/v1/team/assignments", rule(200, MANAGER, anonymous=401)
    ),
    Case(
        "assignments_api.one",
        "GET",
        "/api/v1/assignments/{tr_asg_learner}",
        rule(200, ("learner", "manager"), denied=404, anonymous=401),
    ),
    Case(
        "assignments_api.one",
        "GET",
        "/api/v1/assignments/{tr_asg_b}",
        rule(200, (), denied=404, anonymous=401),
    ),
    *_api_manager_action("assignments_api.extend", "extend", {"due_on": LATER}),
    *_api_manager_action("assignments_api.withdraw", "withdraw", {}),
    *_api_manager_action("assignments_api.remind", "remind", {}, ok=204),
    *_api_manager_action("assignments_api.reminders", "reminders", {"enabled": False}),
]
