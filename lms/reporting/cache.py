"""A short-lived memo of the programme figures, per process.

The programme and evaluation dashboards count every person's courses, events and tracks on
each request (track completion read from ``track_completions``): at 10,000 people still over a
hundred milliseconds of SQL, and coordinators reload and filter a lot. So figures are kept for
up to ``REPORTING_CACHE_SECONDS`` (default 60; 0 turns the memo off), keyed by what was asked
(reach, rows, period, day) *and* by a fingerprint of the records they come from: one cheap
query of counts and highest ids, so a new enrolment, a completion, an attendance, an assignment
made, withdrawn or extended, or a reflection is seen on the next request, not a minute later
(so is a refresh of the stored completions).

Only plain data is kept (dicts of counts), never ORM objects, so requests share nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from content.courses.models import Item
from content.progress.models import Enrolment, ItemProgress
from content.webinars.models import EventSession, Registration
from lms.assignments.models import Assignment, AssignmentStatus, StepReflection, TrackStep
from lms.auth.models import User
from lms.orgs.models import Membership, OrgUnit, ProgrammeRegion
from lms.reporting.models import TrackCompletion

T = TypeVar("T")
DEFAULT_SECONDS = 60
MAX_ENTRIES = 128

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()


def fingerprint(session: Session, today: date) -> tuple[Any, ...]:
    """What the figures are derived from, summed up in one query (counts and highest ids:
    indexes answer most of it)."""

    def scalar(stmt: Any) -> Any:
        return stmt.scalar_subquery()

    active = Assignment.status == AssignmentStatus.ACTIVE
    row = session.execute(
        select(
            scalar(select(func.max(Enrolment.id))),
            scalar(select(func.count(Enrolment.completed_at))),
            scalar(select(func.max(ItemProgress.id))),
            scalar(select(func.count(ItemProgress.id))),
            scalar(select(func.max(Registration.id))),
            scalar(select(func.max(Registration.updated_at))),
            scalar(select(func.max(EventSession.updated_at))),
            scalar(select(func.max(Assignment.id))),
            scalar(select(func.count(Assignment.id)).where(active)),
            scalar(select(func.count(Assignment.id)).where(active, Assignment.due_on < today)),
            scalar(select(func.max(StepReflection.id))),
            scalar(select(func.count(StepReflection.id))),
            scalar(select(func.max(TrackStep.id))),
            scalar(select(func.count(TrackStep.id)).where(TrackStep.is_required.is_(True))),
            scalar(select(func.count(TrackStep.id))),
            scalar(select(func.max(Item.id))),
            scalar(select(func.count(Item.id))),
            scalar(select(func.max(Membership.id))),
            scalar(select(func.count(Membership.id))),
            scalar(select(func.count(User.id)).where(User.is_active.is_(True))),
            scalar(select(func.max(OrgUnit.id))),
            scalar(select(func.count(ProgrammeRegion.region_id))),
            scalar(select(func.count()).select_from(TrackCompletion)),
            scalar(select(func.max(TrackCompletion.noticed_at))),
        )
    ).one()
    return tuple(str(v) for v in row)


def seconds() -> int:
    return int(current_app.config.get("REPORTING_CACHE_SECONDS", DEFAULT_SECONDS))


def remembered(session: Session, key: Hashable, today: date, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for the same ``key`` and the same data a little ago."""
    ttl = seconds()
    if ttl <= 0:
        return compute()
    full = (key, fingerprint(session, today))
    now = time.monotonic()
    with _lock:
        found = _entries.get(full)
        if found is not None and found[0] > now:
            _entries.move_to_end(full)
            return found[1]
    value = compute()
    with _lock:
        _entries[full] = (now + ttl, value)
        _entries.move_to_end(full)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
