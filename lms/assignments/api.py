"""Tracks and assignments (JSON), under ``/api/v1/``.

Signed in by the session cookie, with the same rules as the HTML pages: a draft track exists
only for those who may edit it; managers assign to and see the staff of their own unit, and an
assignment of anyone else does not exist for them. Errors come from :mod:`lms.errors` as
``{"errors": {field: [message]}}``.

- ``GET /api/v1/tracks`` — published tracks (and drafts one may edit)
- ``GET /api/v1/tracks/<id>`` — one track with its steps
- ``POST /api/v1/tracks``, ``PUT /api/v1/tracks/<id>``, ``POST …/publish`` — build a track
  (coordinators and administrators of its unit); ``POST|PUT …/steps`` add and reorder steps,
  ``DELETE …/steps/<id>`` removes one
- ``GET /api/v1/assignments`` — the caller's own assignments, with progress
- ``POST /api/v1/assignments`` — assign a track to a person or a unit (managers)
- ``GET /api/v1/team/assignments`` — the caller's staff's active assignments (managers)
- ``GET /api/v1/assignments/<id>`` — one assignment (its person or their manager)
- ``POST /api/v1/assignments/<id>/extend|withdraw|remind|reminders`` — managers
- ``GET /api/v1/assignment-rules`` and ``POST …/<id>/stop`` — group assignments (managers)
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from content.openapi import documented
from lms.assignments import services
from lms.assignments.models import Assignment, AssignmentRule, Track
from lms.assignments.schemas import (
    ApiAssignSchema,
    ApiTrackSchema,
    AssignmentOut,
    AssignTarget,
    ExtendSchema,
    GroupAssignmentOut,
    OrderSchema,
    PublishSchema,
    RemindersSchema,
    RuleOut,
    StepSchema,
    TeamQuerySchema,
    TrackOut,
    step_data,
    track_texts,
)
from lms.assignments.views import _edit_scope, _editable, _manager_scope, _today, _visible
from lms.auth.models import Role
from lms.auth.permissions import require, scope
from lms.db import db
from lms.errors import NotFound, ValidationFailed, error_response
from lms.orgs.models import OrgUnit
from lms.orgs.schemas import PageQuerySchema
from lms.schema import load

bp = Blueprint("assignments_api", __name__, url_prefix="/api/v1")


@bp.before_request
def _signed_in() -> Response | None:
    if not current_user.is_authenticated:
        return error_response(401, _("Sign in to use this service."))
    return None


def _locale() -> str:
    return str(get_locale() or "en")


def track_json(track: Track, *, with_steps: bool) -> dict[str, Any]:
    locale = _locale()
    translation = track.translation(locale)
    out: dict[str, Any] = {
        "id": track.id,
        "slug": track.slug,
        "title": translation.title,
        "description": translation.description,
        "fallback_locale": track.fallback_locale,
        "is_ordered": track.is_ordered,
        "effort_hours": track.effort_hours,
        "is_published": track.is_published,
        "job_titles": [j.value for j in track.job_titles],
        "translations": {
            t.locale: {"title": t.title, "description": t.description} for t in track.translations
        },
    }
    if with_steps:
        out["steps"] = [
            {
                "id": s.id,
                "position": s.position,
                "kind": s.kind.value,
                "is_required": s.is_required,
                "title": services.step_title(s, locale),
                "course_id": s.course_id,
                "module_id": s.module_id,
                "series_id": s.series_id,
                "prompt": s.prompt_text(locale, "prompt") or None,
            }
            for s in track.steps
        ]
    return out


def assignments_json(rows: list[Assignment]) -> list[dict[str, Any]]:
    progress = services.progress_for(db.session, rows, today=_today())
    locale = _locale()
    out = []
    for a in rows:
        p = progress[a.id]
        out.append(
            AssignmentOut().dump(
                {
                    "id": a.id,
                    "track_id": a.track_id,
                    "track_title": a.track.title(locale),
                    "user_id": a.user_id,
                    "user_name": a.user.name,
                    "due_on": a.due_on,
                    "note": a.note,
                    "status": a.status.value,
                    "state": p.state.value,
                    "reminders_enabled": a.reminders_enabled,
                    "rule_id": a.rule_id,
                    "assigned_at": a.assigned_at,
                    "required_done": p.required_done,
                    "required_total": p.required_total,
                    "next_step_id": p.next_step_id,
                    "steps": [asdict(s) for s in p.steps],
                }
            )
        )
    return out


@bp.get("/tracks")
@documented(response=TrackOut, query=PageQuerySchema, paged=True)
def tracks() -> Response:
    """Published tracks, and the drafts the caller may edit."""
    query = load(PageQuerySchema(), request.args)
    reach = _edit_scope()
    found = [
        t
        for t in db.session.scalars(services.tracks_for(reach, published_only=False))
        if t.is_published or services.may_edit(reach, t)
    ]
    start = (query["page"] - 1) * query["per_page"]
    return jsonify(
        items=[track_json(t, with_steps=False) for t in found[start : start + query["per_page"]]],
        page=query["page"],
        per_page=query["per_page"],
        total=len(found),
    )


@bp.get("/tracks/<int:track_id>")
@documented(response=TrackOut)
def track(track_id: int) -> Response:
    """One track with its steps, in the caller's language."""
    return jsonify(track_json(_visible(track_id), with_steps=True))


def _body() -> Any:
    return request.get_json(silent=True)


def _track_input(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "texts": track_texts(data),
        "fallback_locale": data["fallback_locale"],
        "is_ordered": data["is_ordered"],
        "effort_hours": data["effort_hours"] or 0,
        "job_titles": data["job_titles"],
    }


@bp.post("/tracks")
@documented(response=TrackOut)
def create_track() -> tuple[Response, int]:
    """Create an unpublished track (coordinators and administrators) for ``owner_unit_id``."""
    reach = _edit_scope()
    require(not reach.is_empty)
    data = load(ApiTrackSchema(), _body())
    owner = None
    if data.get("owner_unit_id") is not None:
        owner = db.session.get(OrgUnit, data["owner_unit_id"])
        if owner is None or not reach.contains(owner):
            raise ValidationFailed(errors={"owner_unit_id": [_("Choose one of the options.")]})
    elif not reach.everywhere:
        raise ValidationFailed(errors={"owner_unit_id": [_("This field is required.")]})
    made = services.create_track(
        db.session, owner_unit=owner, by=current_user, **_track_input(data)
    )
    db.session.commit()
    return jsonify(track_json(services.load_track(db.session, made.id), with_steps=True)), 201


@bp.put("/tracks/<int:track_id>")
@documented(response=TrackOut)
def update_track(track_id: int) -> Response:
    """Change a track's texts, rules, effort and audience."""
    found = _editable(track_id)
    data = load(ApiTrackSchema(), _body())
    services.update_track(db.session, found, **_track_input(data))
    db.session.commit()
    return jsonify(track_json(found, with_steps=True))


@bp.post("/tracks/<int:track_id>/publish")
@documented(response=TrackOut)
def publish_track(track_id: int) -> Response:
    """Publish (``published: true``) or unpublish a track; one without steps is refused."""
    found = _editable(track_id)
    data = load(PublishSchema(), _body())
    services.publish(db.session, found, data["published"])
    db.session.commit()
    return jsonify(track_json(found, with_steps=True))


@bp.post("/tracks/<int:track_id>/steps")
@documented(response=TrackOut)
def add_step(track_id: int) -> tuple[Response, int]:
    """Add a step at the end: ``kind`` and its target (``course_id``, ``module_id``,
    ``series_id``, or ``prompt_<locale>`` for a reflection), ``is_required``."""
    found = _editable(track_id)
    data = load(StepSchema(), _body())
    services.add_step(db.session, found, **step_data(data))
    db.session.commit()
    return jsonify(track_json(services.load_track(db.session, track_id), with_steps=True)), 201


@bp.put("/tracks/<int:track_id>/steps")
@documented(response=TrackOut)
def reorder_steps(track_id: int) -> Response:
    """Put the steps in the order of ``order`` (every step id once)."""
    found = _editable(track_id)
    data = load(OrderSchema(), _body())
    services.reorder_steps(db.session, found, data["order"])
    db.session.commit()
    return jsonify(track_json(services.load_track(db.session, track_id), with_steps=True))


@bp.delete("/tracks/<int:track_id>/steps/<int:step_id>")
def delete_step(track_id: int, step_id: int) -> Response:
    """Remove a step (204); a published track keeps at least one required step."""
    found = _editable(track_id)
    step = next((s for s in found.steps if s.id == step_id), None)
    if step is None:
        raise NotFound()
    services.delete_step(db.session, step)
    db.session.commit()
    return Response(status=204)


def _with_tracks(stmt: Any) -> Any:
    return stmt.options(
        selectinload(Assignment.user),
        selectinload(Assignment.track).selectinload(Track.translations),
    )


@bp.get("/assignments")
@documented(response=AssignmentOut, many=True)
def mine() -> Response:
    """The caller's active assignments with their progress."""
    return jsonify(items=assignments_json(services.mine(db.session, current_user)))


@bp.get("/team/assignments")
@documented(response=AssignmentOut, query=TeamQuerySchema, paged=True)
def team() -> Response:
    """The active assignments of the caller's staff (managers), by due date."""
    query = load(TeamQuerySchema(), request.args)
    reach = scope(current_user, Role.MANAGER)
    require(not reach.is_empty)
    stmt = services.active_in(reach)
    if query.get("track_id"):
        stmt = stmt.where(Assignment.track_id == query["track_id"])
    total = services.count_stmt(db.session, stmt)
    rows = list(
        db.session.scalars(
            _with_tracks(stmt)
            .limit(query["per_page"])
            .offset((query["page"] - 1) * query["per_page"])
        )
    )
    return jsonify(
        items=assignments_json(rows), page=query["page"], per_page=query["per_page"], total=total
    )


@bp.post("/assignments")
@documented(response=GroupAssignmentOut)
def create() -> tuple[Response, int]:
    """Assign a track to one person (``target=person``, ``user_id``) or to everyone under a
    unit (``target=unit``, ``unit_id``, optional ``job_title``); managers only."""
    reach = _manager_scope()
    require(not reach.is_empty)
    data = load(ApiAssignSchema(), request.get_json(silent=True))
    found = db.session.get(Track, data["track_id"])
    if found is None:
        raise NotFound()
    found = _visible(found.id)
    if data["target"] is AssignTarget.PERSON:
        made = [
            services.assign_person(
                db.session,
                found,
                data["user_id"],
                due_on=data["due_on"],
                note=data.get("note") or "",
                by=current_user,
                reach=reach,
                today=_today(),
            )
        ]
        rule_id, skipped = None, 0
    else:
        result = services.assign_group(
            db.session,
            found,
            data["unit_id"],
            job_title=data.get("job_title"),
            due_on=data["due_on"],
            note=data.get("note") or "",
            by=current_user,
            reach=reach,
            today=_today(),
        )
        made, rule_id, skipped = result.assigned, result.rule.id, result.skipped
    db.session.commit()
    return jsonify(rule_id=rule_id, assigned=assignments_json(made), skipped=skipped), 201


def _readable(assignment_id: int) -> Assignment:
    found = db.session.get(Assignment, assignment_id)
    if found is None:
        raise NotFound()
    if found.user_id != current_user.id:
        return services.assignment_in_reach(db.session, _manager_scope(), assignment_id)
    return found


@bp.get("/assignments/<int:assignment_id>")
@documented(response=AssignmentOut)
def one(assignment_id: int) -> Response:
    """One assignment, for its person or their manager."""
    return jsonify(assignments_json([_readable(assignment_id)])[0])


def _managed(assignment_id: int) -> Assignment:
    require(not _manager_scope().is_empty)
    return services.assignment_in_reach(db.session, _manager_scope(), assignment_id)


@bp.post("/assignments/<int:assignment_id>/extend")
@documented(response=AssignmentOut)
def extend(assignment_id: int) -> Response:
    """Move the due date later (``due_on``); managers only."""
    found = _managed(assignment_id)
    data = load(ExtendSchema(), request.get_json(silent=True))
    services.extend(db.session, found, data["due_on"], today=_today())
    db.session.commit()
    return jsonify(assignments_json([found])[0])


@bp.post("/assignments/<int:assignment_id>/withdraw")
@documented(response=AssignmentOut)
def withdraw(assignment_id: int) -> Response:
    """Withdraw an assignment that is not done; managers only."""
    found = _managed(assignment_id)
    services.withdraw(db.session, found)
    db.session.commit()
    return jsonify(assignments_json([found])[0])


@bp.post("/assignments/<int:assignment_id>/remind")
def remind(assignment_id: int) -> Response:
    """Send the person a reminder now (204); managers only."""
    found = _managed(assignment_id)
    services.remind_now(db.session, found)
    db.session.commit()
    return Response(status=204)


@bp.post("/assignments/<int:assignment_id>/reminders")
@documented(response=AssignmentOut)
def reminders(assignment_id: int) -> Response:
    """Turn the automatic reminders on or off (``enabled``); managers only."""
    found = _managed(assignment_id)
    data = load(RemindersSchema(), request.get_json(silent=True))
    services.set_reminders(db.session, found, data["enabled"])
    db.session.commit()
    return jsonify(assignments_json([found])[0])


def rule_json(rule: AssignmentRule) -> dict[str, Any]:
    return dict(
        RuleOut().dump(
            {
                "id": rule.id,
                "track_id": rule.track_id,
                "track_title": rule.track.title(_locale()),
                "unit_id": rule.unit_id,
                "unit_name": rule.unit.name,
                "job_title": rule.job_title.value if rule.job_title else None,
                "due_on": rule.due_on,
                "is_active": rule.is_active,
            }
        )
    )


@bp.get("/assignment-rules")
@documented(response=RuleOut, many=True)
def rules() -> Response:
    """The group assignments the caller's units still give to newcomers (managers)."""
    reach = _manager_scope()
    require(not reach.is_empty)
    return jsonify(items=[rule_json(r) for r in db.session.scalars(services.rules_in(reach))])


@bp.post("/assignment-rules/<int:rule_id>/stop")
@documented(response=RuleOut)
def stop_rule(rule_id: int) -> Response:
    """Stop giving a group assignment to people who join later (managers)."""
    reach = _manager_scope()
    require(not reach.is_empty)
    rule = services.rule_in_reach(db.session, reach, rule_id)
    services.stop_rule(db.session, rule)
    db.session.commit()
    return jsonify(rule_json(rule))
