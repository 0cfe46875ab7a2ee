"""Tracks, assignments, derived progress and reminders.

Services take the session, flush and never commit; the views commit once. Progress is never
stored: :func:`progress_for` derives it in bulk from what the content server (enrolments, item
progress), the webinars (attendance) and the reflection answers record, so a step done before
the assignment counts and nothing can drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from content.courses.models import Course, CourseVersion, Module
from content.progress.models import Enrolment, ItemProgress
from content.webinars.models import EventSeries, EventSession, Registration, RegistrationStatus
from content.webinars.services import locale_of
from lms.assignments.models import (
    Assignment,
    AssignmentRule,
    AssignmentStatus,
    ProgressState,
    StepKind,
    StepReflection,
    Track,
    TrackAudience,
    TrackStep,
    TrackTranslation,
)
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.config import LOCALES
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.mail import queue_mail
from lms.orgs.models import JobTitle, Membership, OrgUnit, UnitKind
from lms.outbox.services import enqueue
from lms.xapi import events

# Tracks


def may_edit(reach: Scope, track: Track) -> bool:
    """Coordinators edit the tracks made in their part of the tree; admins (everywhere) all."""
    if reach.everywhere:
        return True
    return track.owner_unit is not None and reach.contains(track.owner_unit)


def _set_translations(session: Session, track: Track, texts: dict[str, dict[str, str]]) -> None:
    """Keep a translation per locale given with a title; drop the others."""
    if not texts.get(track.fallback_locale, {}).get("title"):
        raise ValidationFailed(
            errors={
                f"title_{track.fallback_locale}": [
                    _("A title in the fallback language is required.")
                ]
            }
        )
    by_locale = {t.locale: t for t in track.translations}
    for locale in LOCALES:
        entry = texts.get(locale) or {}
        title = (entry.get("title") or "").strip()
        found = by_locale.get(locale)
        if not title:
            if found is not None:
                track.translations.remove(found)
            continue
        if found is None:
            found = TrackTranslation(locale=locale, title=title)
            track.translations.append(found)
        found.title = title
        found.description = (entry.get("description") or "").strip()


def _set_audience(track: Track, job_titles: Iterable[JobTitle]) -> None:
    wanted = set(job_titles)
    track.audience[:] = [a for a in track.audience if a.job_title in wanted]
    have = {a.job_title for a in track.audience}
    for title in sorted(wanted - have):
        track.audience.append(TrackAudience(job_title=title))


def create_track(
    session: Session,
    *,
    texts: dict[str, dict[str, str]],
    fallback_locale: str,
    is_ordered: bool,
    effort_hours: int,
    job_titles: Iterable[JobTitle],
    owner_unit: OrgUnit | None,
    by: User | None,
    slug: str | None = None,
) -> Track:
    """A new, unpublished track without steps."""
    track = Track(
        slug=slug,
        fallback_locale=fallback_locale,
        is_ordered=is_ordered,
        effort_hours=effort_hours,
        owner_unit=owner_unit,
        created_by_id=by.id if by is not None else None,
    )
    session.add(track)
    _set_translations(session, track, texts)
    _set_audience(track, job_titles)
    session.flush()
    return track


def update_track(
    session: Session,
    track: Track,
    *,
    texts: dict[str, dict[str, str]],
    fallback_locale: str,
    is_ordered: bool,
    effort_hours: int,
    job_titles: Iterable[JobTitle],
) -> Track:
    track.fallback_locale = fallback_locale
    track.is_ordered = is_ordered
    track.effort_hours = effort_hours
    _set_translations(session, track, texts)
    _set_audience(track, job_titles)
    session.flush()
    return track


def check_publishable(track: Track) -> None:
    """A track people can be given has steps, and at least one of them is required."""
    if not track.steps:
        raise ValidationFailed(
            _("This track has no steps yet. Add at least one step first."),
            errors={"steps": [_("This track has no steps yet. Add at least one step first.")]},
        )
    if not any(s.is_required for s in track.steps):
        raise ValidationFailed(
            _("Mark at least one step as required."),
            errors={"steps": [_("Mark at least one step as required.")]},
        )


def publish(session: Session, track: Track, published: bool) -> None:
    if published:
        check_publishable(track)
    track.is_published = published
    session.flush()


def _check_target(session: Session, kind: StepKind, data: dict[str, Any]) -> dict[str, Any]:
    """The step's target columns for ``kind``, each checked to exist."""
    target: dict[str, Any] = {"course_id": None, "module_id": None, "series_id": None}
    if kind is StepKind.COURSE:
        course = session.get(Course, data.get("course_id") or 0)
        if course is None:
            raise ValidationFailed(errors={"course_id": [_("Choose a course.")]})
        target["course_id"] = course.id
    elif kind is StepKind.MODULE:
        module = session.get(Module, data.get("module_id") or 0)
        if module is None:
            raise ValidationFailed(errors={"module_id": [_("Choose a module.")]})
        target["module_id"] = module.id
        target["course_id"] = module.course_id
    elif kind is StepKind.EVENT_SERIES:
        series = session.get(EventSeries, data.get("series_id") or 0)
        if series is None:
            raise ValidationFailed(errors={"series_id": [_("Choose a webinar series.")]})
        target["series_id"] = series.id
    else:
        prompts = data.get("prompt") or {}
        if not any((v or {}).get("prompt") for v in prompts.values()):
            raise ValidationFailed(
                errors={"prompt_en": [_("Write the question the learner reflects on.")]}
            )
    return target


def _prompt(kind: StepKind, data: dict[str, Any]) -> dict[str, Any]:
    if kind is not StepKind.REFLECTION:
        return {}
    out = {}
    for locale, entry in (data.get("prompt") or {}).items():
        title = (entry.get("title") or "").strip()
        prompt = (entry.get("prompt") or "").strip()
        if title or prompt:
            out[locale] = {"title": title, "prompt": prompt}
    return out


def add_step(session: Session, track: Track, *, kind: StepKind, **data: Any) -> TrackStep:
    """Add a step at the end of the track."""
    target = _check_target(session, kind, data)
    step = TrackStep(
        kind=kind,
        is_required=bool(data.get("is_required", True)),
        position=(max((s.position for s in track.steps), default=-1) + 1),
        prompt=_prompt(kind, data),
        **target,
    )
    track.steps.append(step)
    session.flush()
    return step


def update_step(session: Session, step: TrackStep, *, kind: StepKind, **data: Any) -> TrackStep:
    target = _check_target(session, kind, data)
    step.kind = kind
    step.is_required = bool(data.get("is_required", True))
    step.prompt = _prompt(kind, data)
    for key, value in target.items():
        setattr(step, key, value)
    if step.track.is_published:
        check_publishable(step.track)
    session.flush()
    return step


def delete_step(session: Session, step: TrackStep) -> None:
    """Remove a step; a published track must keep at least one required step."""
    track = step.track
    track.steps.remove(step)
    session.flush()
    if track.is_published:
        check_publishable(track)
    _renumber(track)
    session.flush()


def _renumber(track: Track) -> None:
    for position, step in enumerate(sorted(track.steps, key=lambda s: s.position)):
        step.position = position


def move_step(session: Session, step: TrackStep, offset: int) -> None:
    """Move a step up (``-1``) or down (``+1``); at either end nothing moves."""
    steps = sorted(step.track.steps, key=lambda s: s.position)
    at = steps.index(step)
    to = at + offset
    if not 0 <= to < len(steps):
        return
    steps[at], steps[to] = steps[to], steps[at]
    for position, each in enumerate(steps):
        each.position = position
    step.track.steps.sort(key=lambda s: s.position)
    session.flush()


def reorder_steps(session: Session, track: Track, step_ids: Sequence[int]) -> None:
    """Put the steps in the order of ``step_ids``, which must name each step once."""
    by_id = {s.id: s for s in track.steps}
    if sorted(step_ids) != sorted(by_id):
        raise ValidationFailed(errors={"steps": [_("Name every step of the track exactly once.")]})
    for position, ident in enumerate(step_ids):
        by_id[ident].position = position
    track.steps.sort(key=lambda s: s.position)  # the loaded collection reads in the new order
    session.flush()


def delete_track(session: Session, track: Track) -> None:
    """Delete a track nobody has been given; one with assignments is unpublished instead."""
    given = session.scalar(select(Assignment.id).where(Assignment.track_id == track.id).limit(1))
    if given is not None:
        raise Conflict(
            _("People have been given this track, so it cannot be deleted. Unpublish it instead.")
        )
    session.delete(track)
    session.flush()


def tracks_for(reach: Scope, *, published_only: bool) -> Select[Track]:
    stmt = select(Track).options(selectinload(Track.translations)).order_by(Track.id)
    if published_only:
        stmt = stmt.where(Track.is_published.is_(True))
    return stmt


def load_track(session: Session, track_id: int) -> Track:
    track = session.scalar(
        select(Track)
        .where(Track.id == track_id)
        .options(
            selectinload(Track.translations),
            selectinload(Track.audience),
            selectinload(Track.steps)
            .selectinload(TrackStep.course)
            .selectinload(Course.translations),
            selectinload(Track.steps)
            .selectinload(TrackStep.module)
            .selectinload(Module.translations),
            selectinload(Track.steps).selectinload(TrackStep.series),
        )
    )
    if track is None:
        raise NotFound()
    return track


def step_title(step: TrackStep, locale: str) -> str:
    """What a step is called, in ``locale`` where its target has it."""
    if step.kind is StepKind.COURSE and step.course is not None:
        return step.course.translation(locale).title
    if step.kind is StepKind.MODULE and step.module is not None:
        course = step.module.course
        return f"{course.translation(locale).title}: {step.module.translation(locale).title}"
    if step.kind is StepKind.EVENT_SERIES and step.series is not None:
        return step.series.title
    return step.prompt_text(locale, "title") or _("Reflection")


def step_link(step: TrackStep) -> tuple[str, dict[str, Any]] | None:
    """The endpoint and arguments of the page where a learner does a step (None: a reflection,
    answered on the track page itself)."""
    if step.kind in (StepKind.COURSE, StepKind.MODULE) and step.course is not None:
        return "learn.course", {"slug": step.course.slug}
    if step.kind is StepKind.EVENT_SERIES:
        return "webinars.upcoming", {}  # the learner picks a coming session there
    return None


# Who is whose


def staff_in(reach: Scope) -> Select[int]:
    """The ids of the people on the staff of a library in ``reach``."""
    return (
        select(Membership.user_id)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .where(reach.where(OrgUnit.path))
    )


def in_reach(session: Session, reach: Scope, user_id: int) -> bool:
    if reach.is_empty:
        return False
    found = session.scalar(staff_in(reach).where(Membership.user_id == user_id).limit(1))
    return found is not None


def person_in_reach(session: Session, reach: Scope, user_id: int) -> User:
    """The person, if on the staff of a library in ``reach``; else refused (forged ids)."""
    user = session.get(User, user_id)
    if user is None or not in_reach(session, reach, user_id):
        raise Forbidden(_("This person is not on the staff of your unit."))
    return user


# Assigning


def check_due(due_on: date, today: date) -> None:
    if due_on < today:
        raise ValidationFailed(errors={"due_on": [_("The due date must not be in the past.")]})


def _check_assignable(track: Track) -> None:
    if not track.is_published:
        raise Conflict(_("This track is not published, so it cannot be assigned."))
    check_publishable(track)


def active_of(session: Session, user_id: int, track_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(
            Assignment.user_id == user_id,
            Assignment.track_id == track_id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )


def _new_assignment(
    session: Session,
    track: Track,
    user: User,
    *,
    due_on: date,
    note: str,
    by: User | None,
    rule: AssignmentRule | None = None,
    notify: bool = True,
) -> Assignment:
    assignment = Assignment(
        track=track,
        user=user,
        due_on=due_on,
        note=note,
        assigned_by=by,
        rule=rule,
    )
    session.add(assignment)
    session.flush()
    schedule_reminders(session, assignment)
    if notify:
        tell(session, assignment, "assignment_new")
    events.record(
        session,
        actor=by or user,
        verb="assigned",
        object_type="track",
        object_id=str(track.id),
        object_name={t.locale: t.title for t in track.translations},
        context={"assignee": user.id, "due_on": due_on.isoformat()},
    )
    return assignment


def assign_person(
    session: Session,
    track: Track,
    user_id: int,
    *,
    due_on: date,
    note: str,
    by: User,
    reach: Scope,
    today: date,
) -> Assignment:
    """Assign ``track`` to one person of the manager's staff."""
    user = person_in_reach(session, reach, user_id)
    _check_assignable(track)
    check_due(due_on, today)
    if active_of(session, user.id, track.id) is not None:
        raise Conflict(
            _("%(name)s already has this track assigned.", name=user.name),
            errors={"user_id": [_("%(name)s already has this track assigned.", name=user.name)]},
        )
    return _new_assignment(session, track, user, due_on=due_on, note=note, by=by)


def members_matching(session: Session, unit: OrgUnit, job_title: JobTitle | None) -> list[User]:
    """The people on the staff of ``unit`` (a library, or every library under it)."""
    stmt = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .where(OrgUnit.path.startswith(unit.path, autoescape=True), User.is_active.is_(True))
        .order_by(User.id)
        .distinct()
    )
    if job_title is not None:
        stmt = stmt.where(Membership.job_title == job_title)
    return list(session.scalars(stmt))


@dataclass
class GroupResult:
    rule: AssignmentRule
    assigned: list[Assignment]
    skipped: int


def assign_group(
    session: Session,
    track: Track,
    unit_id: int,
    *,
    job_title: JobTitle | None,
    due_on: date,
    note: str,
    by: User,
    reach: Scope,
    today: date,
    notify: bool = True,
) -> GroupResult:
    """Assign ``track`` to everyone (with ``job_title``) under a unit, now and later.

    The rule is kept: people who join the unit's libraries later get the track too. Those who
    already have it (active) are skipped and counted. ``notify=False`` (the demo) mails nobody.
    """
    unit = session.get(OrgUnit, unit_id)
    if unit is None or not reach.contains(unit):
        raise Forbidden(_("This unit is not yours to assign to."))
    if unit.kind is UnitKind.REGION:
        raise ValidationFailed(errors={"unit_id": [_("Choose a library or a municipality.")]})
    _check_assignable(track)
    check_due(due_on, today)
    rule = AssignmentRule(
        track=track, unit=unit, job_title=job_title, due_on=due_on, note=note, created_by=by
    )
    session.add(rule)
    session.flush()
    people = members_matching(session, unit, job_title)
    have = set(
        session.scalars(
            select(Assignment.user_id).where(
                Assignment.track_id == track.id,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.user_id.in_([p.id for p in people]),
            )
        )
    )
    made = [
        _new_assignment(
            session, track, person, due_on=due_on, note=note, by=by, rule=rule, notify=notify
        )
        for person in people
        if person.id not in have
    ]
    return GroupResult(rule=rule, assigned=made, skipped=len(have))


#: Someone joining after a rule's due date has passed gets this long from the day they join.
LATE_JOINER_DAYS = 30


def apply_rules(session: Session, membership: Membership) -> list[Assignment]:
    """Give a person who just joined a library (or changed job title) the rules' tracks.

    Called by ``lms.orgs.services.add_member`` through its member hook.
    """
    library = membership.library or session.get(OrgUnit, membership.library_id)
    if library is None:
        return []
    prefixes = [
        f"/{'/'.join(str(i) for i in library.ancestor_ids[: n + 1])}/"
        for n in range(len(library.ancestor_ids))
    ]
    rules = list(
        session.scalars(
            select(AssignmentRule)
            .join(OrgUnit, OrgUnit.id == AssignmentRule.unit_id)
            .join(Track, Track.id == AssignmentRule.track_id)
            .where(
                AssignmentRule.is_active.is_(True),
                Track.is_published.is_(True),
                OrgUnit.path.in_(prefixes),
            )
            .order_by(AssignmentRule.id)
        )
    )
    user = membership.user or session.get(User, membership.user_id)
    if user is None:
        return []
    today = utcnow().date()
    made = []
    for rule in rules:
        if rule.job_title is not None and rule.job_title != membership.job_title:
            continue
        if active_of(session, user.id, rule.track_id) is not None:
            continue
        due = rule.due_on if rule.due_on >= today else today + timedelta(days=LATE_JOINER_DAYS)
        made.append(
            _new_assignment(
                session,
                rule.track,
                user,
                due_on=due,
                note=rule.note,
                by=rule.created_by,
                rule=rule,
            )
        )
    return made


def rules_in(reach: Scope) -> Select[AssignmentRule]:
    """The group assignments still given to newcomers, made for units in ``reach``."""
    return (
        select(AssignmentRule)
        .join(OrgUnit, OrgUnit.id == AssignmentRule.unit_id)
        .where(AssignmentRule.is_active.is_(True), reach.where(OrgUnit.path))
        .options(
            selectinload(AssignmentRule.unit),
            selectinload(AssignmentRule.track).selectinload(Track.translations),
        )
        .order_by(AssignmentRule.created_at.desc(), AssignmentRule.id.desc())
    )


def rule_in_reach(session: Session, reach: Scope, rule_id: int) -> AssignmentRule:
    """A group assignment of a unit in ``reach``; any other does not exist for the caller."""
    rule = session.get(AssignmentRule, rule_id)
    if rule is None or not reach.contains(rule.unit):
        raise NotFound()
    return rule


def stop_rule(session: Session, rule: AssignmentRule) -> None:
    """Stop giving a group assignment to people who join later; those who have it keep it."""
    if not rule.is_active:
        raise Conflict(_("Newcomers no longer get this track."))
    rule.is_active = False
    session.flush()


def extend(session: Session, assignment: Assignment, due_on: date, *, today: date) -> None:
    """Move the due date later; the reminders follow it."""
    _check_active(assignment)
    check_due(due_on, today)
    if due_on <= assignment.due_on:
        raise ValidationFailed(
            errors={"due_on": [_("The new due date must be after the current one.")]}
        )
    assignment.due_on = due_on
    session.flush()
    schedule_reminders(session, assignment)


def _check_active(assignment: Assignment) -> None:
    if assignment.status is not AssignmentStatus.ACTIVE:
        raise Conflict(_("This assignment has been withdrawn."))


def withdraw(session: Session, assignment: Assignment) -> None:
    """Withdraw an assignment that is not done; a completed one stays as a record."""
    _check_active(assignment)
    progress = progress_for(session, [assignment])[assignment.id]
    if progress.state is ProgressState.DONE:
        raise Conflict(_("A completed assignment cannot be withdrawn."))
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.withdrawn_at = utcnow()
    session.flush()


def set_reminders(session: Session, assignment: Assignment, enabled: bool) -> None:
    _check_active(assignment)
    assignment.reminders_enabled = enabled
    session.flush()


def assignment_in_reach(session: Session, reach: Scope, assignment_id: int) -> Assignment:
    """An assignment of someone in ``reach``; anyone else's is refused as not found."""
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or not in_reach(session, reach, assignment.user_id):
        raise NotFound()
    return assignment


def active_in(reach: Scope) -> Select[Assignment]:
    """Active assignments of the staff of the libraries in ``reach``, by due date."""
    return (
        select(Assignment)
        .where(
            Assignment.status == AssignmentStatus.ACTIVE, Assignment.user_id.in_(staff_in(reach))
        )
        .order_by(Assignment.due_on, Assignment.id)
    )


def mine(session: Session, user: User) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .where(Assignment.user_id == user.id, Assignment.status == AssignmentStatus.ACTIVE)
            .options(selectinload(Assignment.track).selectinload(Track.translations))
            .order_by(Assignment.due_on, Assignment.id)
        )
    )


# Progress, derived


@dataclass(slots=True)
class StepProgress:
    step_id: int
    is_required: bool
    started: bool = False
    done: bool = False


@dataclass
class AssignmentProgress:
    assignment_id: int
    state: ProgressState
    steps: list[StepProgress] = field(default_factory=list)
    required_done: int = 0
    required_total: int = 0
    next_step_id: int | None = None
    is_started: bool = False

    @property
    def percent(self) -> int:
        if not self.required_total:
            return 0
        return round(100 * self.required_done / self.required_total)


#: Above this many people the user-id filter is left out (the course/series filters remain and
#: rows of others are skipped in Python): a long IN list costs more to build and bind than the
#: extra rows, and the database's limit on bound parameters is never reached.
MAX_IN_IDS = 2_000


def _module_items(snapshot: dict[str, Any], module_id: int) -> set[int] | None:
    """The items a module step needs in one course version: lessons and quizzes (or all)."""
    for module in snapshot.get("modules", []):
        if module["id"] == module_id:
            items = module["items"]
            needed = {i["id"] for i in items if i["kind"] in ("lesson", "quiz")}
            return needed or {i["id"] for i in items}
    return None


@dataclass(frozen=True, slots=True)
class StepRef:
    """What progress needs of a step: plain values, cheap to read many thousand times."""

    id: int
    track_id: int
    kind: StepKind
    is_required: bool
    course_id: int | None
    module_id: int | None
    series_id: int | None


def steps_of(session: Session, track_ids: Iterable[int]) -> dict[int, list[StepRef]]:
    """The steps of each track in order (one query)."""
    ids = sorted(set(track_ids))
    out: dict[int, list[StepRef]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(
            TrackStep.id,
            TrackStep.track_id,
            TrackStep.kind,
            TrackStep.is_required,
            TrackStep.course_id,
            TrackStep.module_id,
            TrackStep.series_id,
        )
        .where(TrackStep.track_id.in_(ids))
        .order_by(TrackStep.track_id, TrackStep.position, TrackStep.id)
    )
    for row in rows:
        out[row[1]].append(StepRef(*row))
    return out


def step_states(
    session: Session, pairs: Iterable[tuple[int, StepRef | TrackStep]]
) -> dict[tuple[int, int], tuple[bool, bool]]:
    """``(user_id, step_id) -> (started, done)`` for many people and steps, in ≤ 5 queries."""
    pairs = list(pairs)
    users = {u for u, _ in pairs}
    steps = {s.id: s for _, s in pairs}
    user_filter = len(users) <= MAX_IN_IDS
    course_ids = {
        s.course_id for s in steps.values() if s.kind in (StepKind.COURSE, StepKind.MODULE)
    }
    module_courses = {s.course_id for s in steps.values() if s.kind is StepKind.MODULE}
    series_ids = {s.series_id for s in steps.values() if s.kind is StepKind.EVENT_SERIES}
    reflection_ids = {s.id for s in steps.values() if s.kind is StepKind.REFLECTION}

    enrolled: dict[tuple[int, int], tuple[int, int, bool]] = {}
    if course_ids:
        stmt = select(
            Enrolment.id,
            Enrolment.user_id,
            Enrolment.course_id,
            Enrolment.version_id,
            Enrolment.completed_at,
        ).where(Enrolment.course_id.in_(course_ids))
        if user_filter:
            stmt = stmt.where(Enrolment.user_id.in_(users))
        for eid, uid, cid, vid, completed in session.execute(stmt):
            enrolled[(uid, cid)] = (eid, vid, completed is not None)

    done_items: dict[int, set[int]] = defaultdict(set)
    module_needs: dict[tuple[int, int], set[int] | None] = {}
    if module_courses:
        versions = {vid for (uid, cid), (eid, vid, _c) in enrolled.items() if cid in module_courses}
        module_ids = {s.module_id for s in steps.values() if s.kind is StepKind.MODULE}
        if versions:
            for vid, snapshot in session.execute(
                select(CourseVersion.id, CourseVersion.snapshot).where(
                    CourseVersion.id.in_(versions)
                )
            ):
                for mid in module_ids:
                    module_needs[(vid, int(mid or 0))] = _module_items(snapshot, int(mid or 0))
            item_stmt = (
                select(ItemProgress.enrolment_id, ItemProgress.item_id)
                .join(Enrolment, Enrolment.id == ItemProgress.enrolment_id)
                .where(Enrolment.course_id.in_(module_courses))
            )
            if user_filter:
                item_stmt = item_stmt.where(Enrolment.user_id.in_(users))
            for eid, item_id in session.execute(item_stmt):
                done_items[eid].add(item_id)

    series_state: dict[tuple[int, int], bool] = {}  # (user, series) -> attended
    if series_ids:
        stmt2 = (
            select(Registration.user_id, EventSession.series_id, Registration.status)
            .join(EventSession, EventSession.id == Registration.session_id)
            .where(
                EventSession.series_id.in_(series_ids),
                Registration.status.in_(
                    (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED)
                ),
            )
        )
        if user_filter:
            stmt2 = stmt2.where(Registration.user_id.in_(users))
        for uid, sid, status in session.execute(stmt2):
            key = (uid, sid)
            series_state[key] = series_state.get(key, False) or (
                status is RegistrationStatus.ATTENDED
            )

    answered: set[tuple[int, int]] = set()
    if reflection_ids:
        stmt3 = select(StepReflection.user_id, StepReflection.step_id).where(
            StepReflection.step_id.in_(reflection_ids)
        )
        if user_filter:
            stmt3 = stmt3.where(StepReflection.user_id.in_(users))
        answered = {(uid, sid) for uid, sid in session.execute(stmt3)}

    out: dict[tuple[int, int], tuple[bool, bool]] = {}
    for uid, step in pairs:
        started = done = False
        if step.kind is StepKind.COURSE:
            found = enrolled.get((uid, step.course_id or 0))
            started = found is not None
            done = bool(found and found[2])
        elif step.kind is StepKind.MODULE:
            found = enrolled.get((uid, step.course_id or 0))
            if found is not None:
                enrolment_id, version_id, is_complete = found
                needs = module_needs.get((version_id, step.module_id or 0))
                have = done_items.get(enrolment_id, set())
                started = True
                done = needs is not None and (is_complete or needs <= have)
        elif step.kind is StepKind.EVENT_SERIES:
            attended = series_state.get((uid, step.series_id or 0))
            started = attended is not None
            done = bool(attended)
        else:
            done = started = (uid, step.id) in answered
        out[(uid, step.id)] = (started or done, done)
    return out


def progress_for(
    session: Session, assignments: Sequence[Assignment], *, today: date | None = None
) -> dict[int, AssignmentProgress]:
    """The progress of each assignment, keyed by its id, in a fixed number of queries.

    A step counts as done whenever it was done, before the assignment too. The track is done
    when every required step is; an overdue assignment is one past its due date and not done;
    an assignment is on time once started and not overdue, else not started.
    """
    today = today or utcnow().date()
    by_track = steps_of(session, {a.track_id for a in assignments})
    # Per track once: its steps, which count as required (all, when none is marked).
    shape: dict[int, list[tuple[int, bool]]] = {}
    for track_id, steps in by_track.items():
        any_required = any(s.is_required for s in steps)
        shape[track_id] = [(s.id, s.is_required or not any_required) for s in steps]
    rows = [(a.id, a.user_id, a.track_id, a.due_on) for a in assignments]
    pairs = {(uid, s.id): s for _aid, uid, tid, _due in rows for s in by_track[tid]}
    states = step_states(session, ((uid, step) for (uid, _sid), step in pairs.items()))
    out: dict[int, AssignmentProgress] = {}
    for aid, uid, tid, due_on in rows:
        items = [StepProgress(sid, required, *states[(uid, sid)]) for sid, required in shape[tid]]
        required_total = required_done = 0
        is_started = False
        pending: int | None = None
        fallback: int | None = None
        for item in items:
            is_started = is_started or item.started or item.done
            if item.is_required:
                required_total += 1
                if item.done:
                    required_done += 1
                elif pending is None:
                    pending = item.step_id
            elif not item.done and fallback is None:
                fallback = item.step_id
        is_done = required_total > 0 and required_done == required_total
        if is_done:
            state = ProgressState.DONE
        elif due_on < today:
            state = ProgressState.OVERDUE
        elif is_started:
            state = ProgressState.ON_TIME
        else:
            state = ProgressState.NOT_STARTED
        out[aid] = AssignmentProgress(
            assignment_id=aid,
            state=state,
            steps=items,
            required_done=required_done,
            required_total=required_total,
            next_step_id=None if is_done else (pending if pending is not None else fallback),
            is_started=is_started,
        )
    return out


def state_counts(
    session: Session, assignments: Sequence[Assignment], *, today: date | None = None
) -> dict[ProgressState, int]:
    counts = dict.fromkeys(ProgressState, 0)
    for progress in progress_for(session, assignments, today=today).values():
        counts[progress.state] += 1
    return counts


def settle(
    session: Session,
    assignments: Sequence[Assignment],
    progress: dict[int, AssignmentProgress],
) -> None:
    """Record "started" and "completed" for the xAPI once, when first noticed."""
    now = utcnow()
    for a in assignments:
        p = progress.get(a.id)
        if p is None or a.status is not AssignmentStatus.ACTIVE:
            continue
        name = {t.locale: t.title for t in a.track.translations}
        if p.is_started and a.started_at is None:
            a.started_at = now
            events.record(
                session,
                actor=a.user,
                verb="started",
                object_type="track",
                object_id=str(a.track_id),
                object_name=name,
            )
        if p.state is ProgressState.DONE and a.completed_at is None:
            a.completed_at = now
            events.record(
                session,
                actor=a.user,
                verb="completed",
                object_type="track",
                object_id=str(a.track_id),
                object_name=name,
                result={"completion": True},
            )
    session.flush()


# Reflections


def reflection_of(session: Session, step: TrackStep, user: User) -> StepReflection | None:
    return session.scalar(
        select(StepReflection).where(
            StepReflection.step_id == step.id, StepReflection.user_id == user.id
        )
    )


def answer_reflection(session: Session, step: TrackStep, user: User, body: str) -> StepReflection:
    """Save (or rewrite) a learner's answer to a reflection step of an assigned track.

    In a track taken in order, the steps before it must be done first.
    """
    if step.kind is not StepKind.REFLECTION:
        raise ValidationFailed(_("This step is not a reflection task."))
    assignment = active_of(session, user.id, step.track_id)
    if assignment is None:
        raise Forbidden(_("This track is not assigned to you."))
    if step.track.is_ordered:
        earlier = [s for s in step.track.steps if s.position < step.position and s.is_required]
        states = step_states(session, ((user.id, s) for s in earlier))
        if not all(states[(user.id, s.id)][1] for s in earlier):
            raise Conflict(_("Finish the steps before this one first."))
    found = reflection_of(session, step, user)
    if found is None:
        found = StepReflection(step=step, user_id=user.id, body=body)
        session.add(found)
    found.body = body
    session.flush()
    return found


# Reminders

REMINDER_CHANNEL = "assignment.reminder"
REMIND_BEFORE = timedelta(days=7)
REMIND_AFTER = timedelta(days=1)
#: Reminders go out in the (European) morning of their day.
REMINDER_HOUR = time(7, 0, tzinfo=UTC)


def schedule_reminders(session: Session, assignment: Assignment) -> None:
    """Queue the reminders a week before the due date and on the day after it.

    Each names the due date it was made for: after an extension new ones are queued and the
    old ones, no longer matching, send nothing (see :func:`deliver_reminder`).
    """
    now = utcnow()
    for kind, when in (
        ("before", assignment.due_on - REMIND_BEFORE),
        ("after", assignment.due_on + REMIND_AFTER),
    ):
        at = datetime.combine(when, REMINDER_HOUR)
        if kind == "before" and at < now:
            continue  # assigned less than a week ahead: the assignment mail says enough
        message = enqueue(
            session,
            REMINDER_CHANNEL,
            {"assignment_id": assignment.id, "due_on": assignment.due_on.isoformat(), "kind": kind},
        )
        message.next_attempt_at = max(now, at)
    session.flush()


def deliver_reminder(app: Flask, payload: dict[str, Any]) -> None:
    """Outbox handler: mail the reminder if it still applies (active, not done, same date)."""
    from lms.db import db

    session = db.session
    assignment = session.get(Assignment, payload.get("assignment_id"))
    if assignment is None or assignment.status is not AssignmentStatus.ACTIVE:
        return
    if not assignment.reminders_enabled:
        return
    if assignment.due_on.isoformat() != payload.get("due_on"):
        return  # the due date moved; the reminders queued with the change go instead
    progress = progress_for(session, [assignment])[assignment.id]
    if progress.state is ProgressState.DONE:
        return
    template = "assignment_due_soon" if payload.get("kind") == "before" else "assignment_overdue"
    tell(session, assignment, template)


def remind_now(session: Session, assignment: Assignment) -> None:
    """The manager's "send a reminder"."""
    _check_active(assignment)
    progress = progress_for(session, [assignment])[assignment.id]
    if progress.state is ProgressState.DONE:
        raise Conflict(_("This assignment is done; there is nothing to remind of."))
    tell(session, assignment, "assignment_reminder")
    assignment.last_reminded_at = utcnow()
    session.flush()


def tell(session: Session, assignment: Assignment, template: str) -> None:
    """Mail the person about their assignment, in their language."""
    from babel.dates import format_date

    user = assignment.user
    locale = locale_of(user)
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    queue_mail(
        session,
        to=user.email,
        template=template,
        locale=locale,
        user=user,
        title=assignment.track.title(locale),
        due=format_date(assignment.due_on, "long", locale=locale),
        note=assignment.note,
        link=f"{base}/my/assignments",
    )


def count_stmt(session: Session, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` selects."""
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
