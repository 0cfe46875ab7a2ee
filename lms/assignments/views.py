"""Tracks (ordered learning paths) and the assignments managers make of them. (HTML)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from content.courses.models import Course, Module
from content.webinars.models import EventSeries, EventSession
from lms.assignments import services
from lms.assignments.models import (
    Assignment,
    ProgressState,
    StepKind,
    Track,
    TrackStep,
)
from lms.assignments.schemas import (
    AssignSchema,
    AssignTarget,
    ExtendSchema,
    MoveSchema,
    PublishSchema,
    ReflectionSchema,
    RemindersSchema,
    StepSchema,
    TrackSchema,
    step_data,
    track_texts,
)
from lms.auth.models import Role, User
from lms.auth.permissions import ORG_ADMIN_ROLES, Scope, has_role, require, roles_required, scope
from lms.config import LOCALES
from lms.core.labels import JOB_TITLE_LABELS
from lms.db import db, utcnow
from lms.errors import Conflict, DomainError, Errors, NotFound, ValidationFailed
from lms.i18n import LANGUAGE_NAMES
from lms.orgs.models import JobTitle, OrgUnit, UnitKind
from lms.orgs.services import MEMBER_HOOKS
from lms.outbox.services import register
from lms.schema import load
from lms.web import render_form

bp = Blueprint("assignments", __name__, template_folder="templates")

View = Response | str | tuple[str, int]


@bp.record_once
def _wire(state: Any) -> None:
    register(state.app, services.REMINDER_CHANNEL, services.deliver_reminder)
    hooks = state.app.extensions.setdefault(MEMBER_HOOKS, [])
    hooks.append(services.apply_rules)


def state_label(state: ProgressState) -> str:
    labels = {
        ProgressState.NOT_STARTED: _("Not started"),
        ProgressState.ON_TIME: _("On time"),
        ProgressState.OVERDUE: _("Overdue"),
        ProgressState.DONE: _("Done"),
    }
    return labels[state]


def kind_label(kind: StepKind) -> str:
    labels = {
        StepKind.COURSE: _("Course"),
        StepKind.MODULE: _("Module of a course"),
        StepKind.EVENT_SERIES: _("Webinar series or course day"),
        StepKind.REFLECTION: _("Reflection task"),
    }
    return labels[kind]


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"assignment_state_label": state_label, "step_kind_label": kind_label}


def _locale() -> str:
    return str(get_locale() or "en")


def _today() -> date:
    return utcnow().date()


def _errors(exc: DomainError) -> Errors:
    return exc.errors or {"_": [exc.message or _("Please check your input.")]}


def _edit_scope() -> Scope:
    return scope(current_user, *ORG_ADMIN_ROLES)


def _manager_scope() -> Scope:
    return scope(current_user, Role.MANAGER)


def _track(track_id: int) -> Track:
    return services.load_track(db.session, track_id)


def _editable(track_id: int) -> Track:
    track = _track(track_id)
    require(services.may_edit(_edit_scope(), track))
    return track


def _visible(track_id: int) -> Track:
    """A published track, or a draft for those who may edit it; else not found."""
    track = _track(track_id)
    if not track.is_published and not services.may_edit(_edit_scope(), track):
        raise NotFound()
    return track


def _settle(rows: list[Assignment], progress: dict[int, services.AssignmentProgress]) -> None:
    """Record a first start or a completion noticed while showing a page (for the xAPI).

    A page that reads should not fail because SQLite was busy with another writer: then it is
    simply noticed again on the next visit.
    """
    try:
        services.settle(db.session, rows, progress)
        db.session.commit()
    except OperationalError:
        db.session.rollback()


# Tracks


@bp.get("/tracks")
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.MANAGER)
def tracks() -> str:
    reach = _edit_scope()
    found = list(db.session.scalars(services.tracks_for(reach, published_only=False)))
    found = [t for t in found if t.is_published or services.may_edit(reach, t)]
    return render_template(
        "assignments/tracks.html",
        tracks=found,
        may_create=not reach.is_empty,
        may_assign=not _manager_scope().is_empty,
        may_edit=lambda t: services.may_edit(reach, t),
        locale=_locale(),
    )


def _owner_choices(reach: Scope) -> list[tuple[int, str]]:
    stmt = (
        select(OrgUnit)
        .where(reach.where(OrgUnit.path), OrgUnit.kind != UnitKind.LIBRARY)
        .order_by(OrgUnit.path)
    )
    return [(u.id, u.name) for u in db.session.scalars(stmt)]


def _track_context(reach: Scope) -> dict[str, Any]:
    return {
        "locales": LOCALES,
        "language_names": LANGUAGE_NAMES,
        "job_titles": [(j.value, str(JOB_TITLE_LABELS[j])) for j in JobTitle],
        "owner_choices": _owner_choices(reach),
        "may_everywhere": reach.everywhere,
    }


def _track_values(track: Track) -> dict[str, Any]:
    values: dict[str, Any] = {
        "fallback_locale": track.fallback_locale,
        "effort_hours": track.effort_hours,
        "is_ordered": "1" if track.is_ordered else "",
    }
    for t in track.translations:
        values[f"title_{t.locale}"] = t.title
        values[f"description_{t.locale}"] = t.description
    return values


@bp.route("/tracks/new", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def new_track() -> View:
    reach = _edit_scope()
    context = _track_context(reach)
    if request.method == "GET":
        return render_form(
            "assignments/track_form.html",
            track=None,
            chosen=[],
            values={"fallback_locale": _locale(), "effort_hours": 0},
            **context,
        )
    try:
        data = load(TrackSchema(), request.form)
        owner = None
        owner_id = request.form.get("owner_unit", "")
        if owner_id.isdigit():
            owner = db.session.get(OrgUnit, int(owner_id))
            if owner is None or not reach.contains(owner):
                raise ValidationFailed(errors={"owner_unit": [_("Choose one of the options.")]})
        elif not reach.everywhere:
            raise ValidationFailed(errors={"owner_unit": [_("Choose one of the options.")]})
        track = services.create_track(
            db.session,
            texts=track_texts(data),
            fallback_locale=data["fallback_locale"],
            is_ordered=data["is_ordered"],
            effort_hours=data["effort_hours"] or 0,
            job_titles=data["job_titles"],
            owner_unit=owner,
            by=current_user,
        )
    except ValidationFailed as exc:
        return render_form(
            "assignments/track_form.html",
            errors=_errors(exc),
            track=None,
            chosen=request.form.getlist("job_titles"),
            **context,
        )
    db.session.commit()
    flash(_("The track is created. Now add its steps."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track.id))


@bp.route("/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_track(track_id: int) -> View:
    track = _editable(track_id)
    context = _track_context(_edit_scope())
    context.update(_step_context(track))
    if request.method == "GET":
        return render_form(
            "assignments/track_form.html",
            track=track,
            chosen=[j.value for j in track.job_titles],
            values=_track_values(track),
            **context,
        )
    try:
        data = load(TrackSchema(), request.form)
        services.update_track(
            db.session,
            track,
            texts=track_texts(data),
            fallback_locale=data["fallback_locale"],
            is_ordered=data["is_ordered"],
            effort_hours=data["effort_hours"] or 0,
            job_titles=data["job_titles"],
        )
    except ValidationFailed as exc:
        return render_form(
            "assignments/track_form.html",
            errors=_errors(exc),
            track=track,
            chosen=request.form.getlist("job_titles"),
            **context,
        )
    db.session.commit()
    flash(_("The track is saved."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track.id))


def _step_context(track: Track) -> dict[str, Any]:
    locale = _locale()
    courses = list(
        db.session.scalars(
            select(Course).options(selectinload(Course.translations)).order_by(Course.slug)
        )
    )
    modules = list(
        db.session.scalars(
            select(Module)
            .options(selectinload(Module.translations), selectinload(Module.course))
            .order_by(Module.course_id, Module.position)
        )
    )
    series = list(db.session.scalars(select(EventSeries).order_by(EventSeries.title)))
    titles = {c.id: c.translation(locale).title for c in courses}
    return {
        "course_choices": [(c.id, titles[c.id]) for c in courses],
        "module_choices": [
            (m.id, f"{titles.get(m.course_id, '')}: {m.translation(locale).title}") for m in modules
        ],
        "series_choices": [(s.id, s.title) for s in series],
        "kind_choices": [(k.value, kind_label(k)) for k in StepKind],
        "step_title": lambda s: services.step_title(s, locale),
        "locales": LOCALES,
        "language_names": LANGUAGE_NAMES,
    }


def _editable_step(track_id: int, step_id: int) -> tuple[Track, TrackStep]:
    track = _editable(track_id)
    step = next((s for s in track.steps if s.id == step_id), None)
    if step is None:
        raise NotFound()
    return track, step


@bp.post("/tracks/<int:track_id>/steps")
@roles_required(*ORG_ADMIN_ROLES)
def add_step(track_id: int) -> View:
    track = _editable(track_id)
    try:
        data = load(StepSchema(), request.form)
        services.add_step(db.session, track, **step_data(data))
    except ValidationFailed as exc:
        context = _track_context(_edit_scope())
        context.update(_step_context(track))
        return render_form(
            "assignments/track_form.html",
            errors=_errors(exc),
            track=_track(track_id),
            chosen=[j.value for j in track.job_titles],
            values=_track_values(track),
            step_values=request.form.to_dict(),
            **context,
        )
    db.session.commit()
    flash(_("The step is added."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track.id) + "#steps")


def _step_values(step: TrackStep) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": step.kind.value,
        "course_id": step.course_id or "",
        "module_id": step.module_id or "",
        "series_id": step.series_id or "",
        "is_required": "1" if step.is_required else "",
    }
    for locale, entry in (step.prompt or {}).items():
        values[f"prompt_title_{locale}"] = entry.get("title", "")
        values[f"prompt_{locale}"] = entry.get("prompt", "")
    return values


@bp.route("/tracks/<int:track_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
@roles_required(*ORG_ADMIN_ROLES)
def edit_step(track_id: int, step_id: int) -> View:
    track, step = _editable_step(track_id, step_id)
    context = _step_context(track)
    if request.method == "GET":
        return render_form(
            "assignments/step_form.html",
            track=track,
            step=step,
            values=_step_values(step),
            **context,
        )
    try:
        data = load(StepSchema(), request.form)
        services.update_step(db.session, step, **step_data(data))
    except ValidationFailed as exc:
        return render_form(
            "assignments/step_form.html", errors=_errors(exc), track=track, step=step, **context
        )
    db.session.commit()
    flash(_("The step is saved."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track.id) + "#steps")


@bp.post("/tracks/<int:track_id>/steps/<int:step_id>/move")
@roles_required(*ORG_ADMIN_ROLES)
def move_step(track_id: int, step_id: int) -> Response:
    _track_obj, step = _editable_step(track_id, step_id)
    data = load(MoveSchema(), request.form)
    services.move_step(db.session, step, -1 if data["direction"] == "up" else 1)
    db.session.commit()
    flash(_("The steps are reordered."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track_id) + "#steps")


@bp.post("/tracks/<int:track_id>/steps/<int:step_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_step(track_id: int, step_id: int) -> Response:
    _track_obj, step = _editable_step(track_id, step_id)
    try:
        services.delete_step(db.session, step)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message or _("Please check your input."), "error")
        return redirect(url_for("assignments.edit_track", track_id=track_id) + "#steps")
    db.session.commit()
    flash(_("The step is removed."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track_id) + "#steps")


@bp.post("/tracks/<int:track_id>/publish")
@roles_required(*ORG_ADMIN_ROLES)
def publish(track_id: int) -> View:
    track = _editable(track_id)
    data = load(PublishSchema(), request.form)
    try:
        services.publish(db.session, track, data["published"])
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message or _("Please check your input."), "error")
        return redirect(url_for("assignments.edit_track", track_id=track_id))
    db.session.commit()
    if data["published"]:
        flash(_("The track is published: managers can assign it."), "success")
    else:
        flash(_("The track is no longer published."), "success")
    return redirect(url_for("assignments.edit_track", track_id=track_id))


@bp.post("/tracks/<int:track_id>/delete")
@roles_required(*ORG_ADMIN_ROLES)
def delete_track(track_id: int) -> Response:
    track = _editable(track_id)
    services.delete_track(db.session, track)
    db.session.commit()
    flash(_("The track is deleted."), "success")
    return redirect(url_for("assignments.tracks"))


# The track page


def _series_next(track: Track) -> dict[int, EventSession | None]:
    ids = [s.series_id for s in track.steps if s.series_id]
    if not ids:
        return {}
    now = utcnow()
    out: dict[int, EventSession | None] = dict.fromkeys(ids)
    for ev in db.session.scalars(
        select(EventSession)
        .where(
            EventSession.series_id.in_(ids),
            EventSession.ends_at > now,
            EventSession.is_cancelled.is_(False),
        )
        .order_by(EventSession.starts_at)
    ):
        if out.get(ev.series_id) is None:
            out[ev.series_id] = ev
    return out


def step_url(step: TrackStep, upcoming: dict[int, EventSession | None]) -> str:
    """Where the learner does a step."""
    if step.kind in (StepKind.COURSE, StepKind.MODULE) and step.course is not None:
        return url_for("learn.course", slug=step.course.slug)
    if step.kind is StepKind.EVENT_SERIES:
        ev = upcoming.get(step.series_id or 0)
        if ev is not None:
            return url_for("webinars.session_page", session_id=ev.id)
        return url_for("webinars.upcoming")
    return url_for("assignments.track", track_id=step.track_id) + f"#step-{step.id}"


@bp.get("/tracks/<int:track_id>")
@login_required
def track(track_id: int) -> str:
    found = _visible(track_id)
    locale = _locale()
    assignment = services.active_of(db.session, current_user.id, found.id)
    progress = None
    answers: dict[int, str] = {}
    if assignment is not None:
        progress = services.progress_for(db.session, [assignment])[assignment.id]
        _settle([assignment], {assignment.id: progress})
    reflections = [s for s in found.steps if s.kind is StepKind.REFLECTION]
    for step in reflections:
        answer = services.reflection_of(db.session, step, current_user)
        if answer is not None:
            answers[step.id] = answer.body
    upcoming = _series_next(found)
    # In a track taken in order, a step waits until every required step before it is done.
    locked: set[int] = set()
    if found.is_ordered and progress is not None:
        blocked = False
        for item in progress.steps:
            if blocked:
                locked.add(item.step_id)
            if item.is_required and not item.done:
                blocked = True
    return render_template(
        "assignments/track.html",
        locked=locked,
        track=found,
        translation=found.translation(locale),
        assignment=assignment,
        progress={p.step_id: p for p in progress.steps} if progress else {},
        summary=progress,
        answers=answers,
        step_title=lambda s: services.step_title(s, locale),
        step_url=lambda s: step_url(s, upcoming),
        locale=locale,
        may_edit=services.may_edit(_edit_scope(), found),
        may_assign=found.is_published and not _manager_scope().is_empty,
    )


@bp.post("/tracks/<int:track_id>/steps/<int:step_id>/reflection")
@login_required
def answer_reflection(track_id: int, step_id: int) -> View:
    found = _visible(track_id)
    step = next((s for s in found.steps if s.id == step_id), None)
    if step is None:
        raise NotFound()
    try:
        data = load(ReflectionSchema(), request.form)
        services.answer_reflection(db.session, step, current_user, data["body"])
    except ValidationFailed as exc:
        db.session.rollback()
        for messages in _errors(exc).values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for("assignments.track", track_id=track_id) + f"#step-{step_id}")
    db.session.commit()
    flash(_("Your reflection is saved."), "success")
    return redirect(url_for("assignments.track", track_id=track_id) + f"#step-{step_id}")


# Assigning


def _assign_context(track: Track, reach: Scope) -> dict[str, Any]:
    people = list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(services.staff_in(reach)), User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )
    units = list(
        db.session.scalars(
            select(OrgUnit)
            .where(reach.where(OrgUnit.path), OrgUnit.kind != UnitKind.REGION)
            .order_by(OrgUnit.path)
        )
    )
    return {
        "track": track,
        "title": track.title(_locale()),
        "people": [(p.id, p.name) for p in people],
        "units": [(u.id, u.name) for u in units],
        "job_titles": [(j.value, str(JOB_TITLE_LABELS[j])) for j in JobTitle],
        "today": _today(),
    }


@bp.route("/tracks/<int:track_id>/assign", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def assign(track_id: int) -> View:
    found = _visible(track_id)
    reach = _manager_scope()
    context = _assign_context(found, reach)
    if request.method == "GET":
        return render_form("assignments/assign.html", values={"target": "person"}, **context)
    try:
        data = load(AssignSchema(), request.form)
        if data["target"] is AssignTarget.PERSON:
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
            message = _("The track is assigned.")
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
            message = _(
                "The track is assigned to %(num)d people; %(skipped)d already had it. "
                "People who join later get it too.",
                num=len(result.assigned),
                skipped=result.skipped,
            )
    except (ValidationFailed, Conflict) as exc:
        return render_form("assignments/assign.html", errors=_errors(exc), **context)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("assignments.team", track_id=found.id))


@bp.get("/team/assignments")
@roles_required(Role.MANAGER)
def team() -> str:
    reach = _manager_scope()
    filters = _team_filters()
    track_id, state = filters.get("track_id", ""), filters.get("state", "")
    stmt = services.active_in(reach).options(
        selectinload(Assignment.user),
        selectinload(Assignment.track).selectinload(Track.translations),
    )
    rows = list(db.session.scalars(stmt))
    progress = services.progress_for(db.session, rows, today=_today())
    counts = dict.fromkeys(ProgressState, 0)
    for p in progress.values():
        counts[p.state] += 1
    if track_id.isdigit():
        rows = [a for a in rows if a.track_id == int(track_id)]
    if state in {s.value for s in ProgressState}:
        rows = [a for a in rows if progress[a.id].state.value == state]
    locale = _locale()
    track_choices = sorted(
        {(a.track_id, a.track.title(locale)) for a in db.session.scalars(stmt)},
        key=lambda pair: pair[1],
    )
    return render_template(
        "assignments/team.html",
        rows=rows,
        progress=progress,
        counts=counts,
        states=list(ProgressState),
        track_choices=track_choices,
        values={"track_id": track_id, "state": state},
        filters=filters,
        locale=locale,
        today=_today(),
        published=list(db.session.scalars(services.tracks_for(reach, published_only=True))),
        rules=list(db.session.scalars(services.rules_in(reach))),
    )


@bp.post("/assignment-rules/<int:rule_id>/stop")
@roles_required(Role.MANAGER)
def stop_rule(rule_id: int) -> Response:
    rule = services.rule_in_reach(db.session, _manager_scope(), rule_id)
    try:
        services.stop_rule(db.session, rule)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message or _("Please check your input."), "error")
        return _back()
    db.session.commit()
    flash(_("People who join later no longer get this track."), "success")
    return _back()


def _managed(assignment_id: int) -> Assignment:
    return services.assignment_in_reach(db.session, _manager_scope(), assignment_id)


#: The team page's filters: carried to its actions and back, and nothing else of the query
#: string (``url_for`` takes some names, such as ``endpoint`` or ``_external``, for itself).
TEAM_FILTERS = ("track_id", "state")


def _team_filters() -> dict[str, Any]:
    return {name: value for name in TEAM_FILTERS if (value := request.args.get(name, ""))}


def _back() -> Response:
    return redirect(url_for("assignments.team", **_team_filters()))


def _act(assignment_id: int, action: Any, done: str) -> Response:
    assignment = _managed(assignment_id)
    try:
        action(assignment)
    except DomainError as exc:
        db.session.rollback()
        for messages in _errors(exc).values():
            for message in messages:
                flash(message, "error")
        return _back()
    db.session.commit()
    flash(done, "success")
    return _back()


@bp.post("/assignments/<int:assignment_id>/remind")
@roles_required(Role.MANAGER)
def remind(assignment_id: int) -> Response:
    return _act(
        assignment_id,
        lambda a: services.remind_now(db.session, a),
        _("A reminder is on its way."),
    )


@bp.post("/assignments/<int:assignment_id>/extend")
@roles_required(Role.MANAGER)
def extend(assignment_id: int) -> Response:
    def action(a: Assignment) -> None:
        data = load(ExtendSchema(), request.form)
        services.extend(db.session, a, data["due_on"], today=_today())

    return _act(assignment_id, action, _("The due date is moved."))


@bp.post("/assignments/<int:assignment_id>/withdraw")
@roles_required(Role.MANAGER)
def withdraw(assignment_id: int) -> Response:
    return _act(
        assignment_id,
        lambda a: services.withdraw(db.session, a),
        _("The assignment is withdrawn."),
    )


@bp.post("/assignments/<int:assignment_id>/reminders")
@roles_required(Role.MANAGER)
def reminders(assignment_id: int) -> Response:
    def action(a: Assignment) -> None:
        data = load(RemindersSchema(), request.form)
        services.set_reminders(db.session, a, data["enabled"])

    return _act(assignment_id, action, _("The reminder setting is saved."))


# The learner


@bp.get("/my/assignments")
@login_required
def mine() -> str:
    rows = services.mine(db.session, current_user)
    progress = services.progress_for(db.session, rows, today=_today())
    _settle(rows, progress)
    steps = {
        s.id: s
        for s in db.session.scalars(
            select(TrackStep)
            .where(TrackStep.id.in_([p.next_step_id for p in progress.values() if p.next_step_id]))
            .options(
                selectinload(TrackStep.course).selectinload(Course.translations),
                selectinload(TrackStep.module).selectinload(Module.translations),
                selectinload(TrackStep.series),
                selectinload(TrackStep.track),
            )
        )
    }
    locale = _locale()
    upcoming: dict[int, EventSession | None] = {}
    for step in steps.values():
        if step.series_id:
            upcoming.update(_series_next(step.track))
    return render_template(
        "assignments/mine.html",
        rows=rows,
        progress=progress,
        steps=steps,
        step_title=lambda s: services.step_title(s, locale),
        step_url=lambda s: step_url(s, upcoming),
        locale=locale,
        may_manage=has_role(current_user, Role.MANAGER),
    )
