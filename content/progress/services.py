"""The learner's path: enrolling, opening items, marking them done, reflections, completion."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from content.courses.models import Course, ItemKind
from content.courses.services import latest_version
from content.courses.snapshot import ItemView, Snapshot
from content.progress.models import Enrolment, ItemProgress, Reflection, Visibility
from lms.auth.models import User
from lms.auth.permissions import Scope
from lms.db import utcnow
from lms.errors import Conflict, Forbidden, ValidationFailed
from lms.orgs.models import Membership, OrgUnit
from lms.xapi import events


def event_context(
    enrolment: Enrolment, course: Snapshot, item: ItemView | None = None
) -> dict[str, Any]:
    """What places a learning event in a course for ``lms.xapi.events.record``: the course,
    its version, the language its texts were shown in and, for an item, its module."""
    context: dict[str, Any] = {
        "course_id": enrolment.course_id,
        "version_id": enrolment.version_id,
        "language": course.text_locale,
    }
    if item is not None:
        context["module_id"] = item.module_id
    return context


def check_open(course: Course) -> None:
    """Refuse anything on a course that is not published."""
    if not course.is_published:
        raise Conflict(_("This course is not published at the moment, so it cannot be used."))


def enrolment_of(session: Session, user: User, course: Course) -> Enrolment | None:
    """``user``'s enrolment in ``course`` with its version loaded, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        .options(joinedload(Enrolment.version))
    )


def require_enrolment(session: Session, user: User, course: Course) -> Enrolment:
    """The enrolment of ``user`` in an open ``course``; refused if there is none."""
    check_open(course)
    enrolment = enrolment_of(session, user, course)
    if enrolment is None:
        raise Forbidden(_("You are not enrolled in this course. Enrol first."))
    return enrolment


def enrol(session: Session, course: Course, user: User, *, locale: str) -> Enrolment:
    """Enrol ``user`` in the latest published version; enrolling twice changes nothing."""
    check_open(course)
    existing = enrolment_of(session, user, course)
    if existing is not None:
        return existing
    version = latest_version(session, course.id)
    if version is None:
        raise Conflict(_("This course is not published at the moment, so it cannot be used."))
    enrolment = Enrolment(user=user, course=course, version=version)
    session.add(enrolment)
    session.flush()
    view = Snapshot(version.snapshot, locale)
    events.record(
        session,
        actor=user,
        verb="registered",
        object_type="course",
        object_id=str(course.id),
        object_name={locale: view.title},
        context=event_context(enrolment, view),
    )
    return enrolment


def open_item_of(enrolment: Enrolment, course: Snapshot, item_id: int) -> ItemView:
    """The item of the enrolment's version, if the course is open; else refused."""
    check_open(enrolment.course)
    item = course.item(item_id)
    if item is None:
        raise ValidationFailed(_("This item is not part of your version of the course."))
    return item


def open_item(session: Session, enrolment: Enrolment, item_id: int, *, locale: str) -> ItemView:
    """Open an item: it becomes the place to resume, and the launch is recorded.

    Reopening the item one is already on (a reload) records nothing, so reading stays a read.
    """
    course = Snapshot(enrolment.version.snapshot, locale)
    item = open_item_of(enrolment, course, item_id)
    if enrolment.last_item_id == item.id:
        return item
    enrolment.last_item_id = item.id
    events.record(
        session,
        actor=enrolment.user,
        verb="launched",
        object_type=item.kind.value,
        object_id=str(item.id),
        object_name={locale: item.title},
        context=event_context(enrolment, course, item),
    )
    session.flush()
    return item


def done_ids(session: Session, enrolment: Enrolment) -> set[int]:
    """The ids of the items ``enrolment`` has done (one query)."""
    return set(
        session.scalars(
            select(ItemProgress.item_id).where(ItemProgress.enrolment_id == enrolment.id)
        )
    )


def done_by_enrolment(session: Session, enrolments: list[Enrolment]) -> dict[int, set[int]]:
    """The done item ids of each enrolment (one query for the whole list)."""
    found: dict[int, set[int]] = {e.id: set() for e in enrolments}
    if not enrolments:
        return found
    rows = session.execute(
        select(ItemProgress.enrolment_id, ItemProgress.item_id).where(
            ItemProgress.enrolment_id.in_(list(found))
        )
    )
    for enrolment_id, item_id in rows:
        found[enrolment_id].add(item_id)
    return found


def mark_done(session: Session, enrolment: Enrolment, item_id: int, *, locale: str) -> bool:
    """Record an item as done (once) and complete the course if that was the last one.

    Returns True when this completed the course.
    """
    if item_id not in done_ids(session, enrolment):
        session.add(ItemProgress(enrolment=enrolment, item_id=item_id))
        session.flush()
    return complete_if_done(session, enrolment, locale=locale)


def mark_seen(session: Session, enrolment: Enrolment, item_id: int, *, locale: str) -> bool:
    """A learner has read a lesson. Returns True when this completed the course."""
    course = Snapshot(enrolment.version.snapshot, locale)
    item = open_item_of(enrolment, course, item_id)
    if item.kind is not ItemKind.LESSON:
        raise ValidationFailed(_("Only a lesson can be marked as read."))
    events.record(
        session,
        actor=enrolment.user,
        verb="experienced",
        object_type="lesson",
        object_id=str(item.id),
        object_name={locale: item.title},
        context=event_context(enrolment, course, item),
    )
    return mark_done(session, enrolment, item_id, locale=locale)


def complete_if_done(session: Session, enrolment: Enrolment, *, locale: str) -> bool:
    """Apply the completion rule (every lesson seen, every quiz passed); issue the certificate.

    Returns True when this call completed the course.
    """
    if enrolment.completed_at is not None:
        return False
    course = Snapshot(enrolment.version.snapshot, locale)
    if not course.required_ids() <= done_ids(session, enrolment):
        return False
    enrolment.completed_at = utcnow()
    session.flush()
    events.record(
        session,
        actor=enrolment.user,
        verb="completed",
        object_type="course",
        object_id=str(enrolment.course_id),
        object_name={locale: course.title},
        result={"completion": True},
        context=event_context(enrolment, course),
    )
    from content.certificates.services import issue

    issue(session, enrolment, locale=locale)
    return True


# Versions


def _behind(course_id: int, version_id: int) -> Select[Enrolment]:
    return select(Enrolment).where(
        Enrolment.course_id == course_id,
        Enrolment.version_id != version_id,
        Enrolment.completed_at.is_(None),
    )


def count_behind(session: Session, course: Course) -> int:
    """How many learners still working on the course are on an older version than the latest."""
    version = latest_version(session, course.id)
    if version is None:
        return 0
    stmt = _behind(course.id, version.id).with_only_columns(func.count(Enrolment.id))
    return session.scalar(stmt) or 0


def move_to_latest(session: Session, course: Course, *, locale: str) -> int:
    """Move every learner still working on ``course`` to its latest version.

    What they have done stays done where the item is still there; a resume point that is
    gone is forgotten; the completion rule is checked again, so someone whose missing items
    were removed completes now. Those who completed keep the version their certificate is for.
    Returns how many were moved.
    """
    version = latest_version(session, course.id)
    if version is None:
        raise Conflict(_("This course is not published at the moment, so it cannot be used."))
    moving = list(session.scalars(_behind(course.id, version.id)))
    item_ids = {i.id for i in Snapshot(version.snapshot, locale).items}
    for enrolment in moving:
        enrolment.version = version
        if enrolment.last_item_id not in item_ids:
            enrolment.last_item_id = None
    session.flush()
    for enrolment in moving:
        complete_if_done(session, enrolment, locale=locale)
    return len(moving)


# Reflections


def reflection_of(session: Session, enrolment: Enrolment, item_id: int) -> Reflection | None:
    return session.scalar(
        select(Reflection).where(
            Reflection.enrolment_id == enrolment.id, Reflection.item_id == item_id
        )
    )


def write_reflection(
    session: Session,
    enrolment: Enrolment,
    item_id: int,
    *,
    body: str,
    visibility: Visibility,
    locale: str,
) -> Reflection:
    """Save (or rewrite) a learner's reflection; shared ones are read by their library."""
    course = Snapshot(enrolment.version.snapshot, locale)
    item = open_item_of(enrolment, course, item_id)
    if item.kind is not ItemKind.REFLECTION:
        raise ValidationFailed(_("This item is not a reflection task."))
    library = None
    if visibility is Visibility.LIBRARY:
        library = session.scalar(
            select(OrgUnit)
            .join(Membership, Membership.library_id == OrgUnit.id)
            .where(Membership.user_id == enrolment.user_id)
            .order_by(Membership.id)
            .limit(1)
        )
        if library is None:
            raise ValidationFailed(
                errors={"visibility": [_("You are not on a library's staff to share with.")]}
            )
    reflection = reflection_of(session, enrolment, item_id)
    if reflection is None:
        reflection = Reflection(enrolment=enrolment, item_id=item_id, body=body)
        session.add(reflection)
    reflection.body = body
    reflection.visibility = visibility
    reflection.shared_with = library
    session.flush()
    events.record(
        session,
        actor=enrolment.user,
        verb="shared" if library is not None else "commented",
        object_type="reflection",
        object_id=str(item.id),
        object_name={locale: item.title},
        context={**event_context(enrolment, course, item), "visibility": visibility.value},
    )
    mark_done(session, enrolment, item_id, locale=locale)
    return reflection


def shared_reflections(
    session: Session, user: User, course_id: int, item_id: int
) -> list[Reflection]:
    """Reflections on this item that colleagues at ``user``'s libraries have shared."""
    libraries = select(Membership.library_id).where(Membership.user_id == user.id)
    stmt = (
        select(Reflection)
        .join(Reflection.enrolment)
        .join(Enrolment.user)
        .where(
            Enrolment.course_id == course_id,
            Reflection.item_id == item_id,
            Reflection.visibility == Visibility.LIBRARY,
            Reflection.shared_with_id.in_(libraries),
            Enrolment.user_id != user.id,
        )
        .options(contains_eager(Reflection.enrolment).contains_eager(Enrolment.user))
        .order_by(Reflection.updated_at.desc())
    )
    return list(session.scalars(stmt))


# Managers


def staff_enrolments(reach: Scope) -> Select[Enrolment]:
    """The enrolments of the staff of every library in ``reach``, by person then course."""
    staff = (
        select(Membership.user_id)
        .join(OrgUnit, OrgUnit.id == Membership.library_id)
        .where(reach.where(OrgUnit.path))
    )
    return (
        select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.user_id.in_(staff))
        .options(contains_eager(Enrolment.user), joinedload(Enrolment.version))
        .order_by(User.name, User.id, Enrolment.id)
    )


def done_counts(session: Session, enrolments: list[Enrolment]) -> dict[int, int]:
    """How many items each enrolment has done (one query for the whole list)."""
    if not enrolments:
        return {}
    rows = session.execute(
        select(ItemProgress.enrolment_id, func.count(ItemProgress.id))
        .where(ItemProgress.enrolment_id.in_([e.id for e in enrolments]))
        .group_by(ItemProgress.enrolment_id)
    )
    return {row[0]: row[1] for row in rows}
