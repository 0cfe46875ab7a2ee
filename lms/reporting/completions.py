"""Keeps ``track_completions`` equal to the rule, in the same transaction as each change.

Deriving who has done every required step of each track (:func:`queries.done_tracks`) costs
about 150 ms at 10,000 people, too much for every dashboard render, and the pages only need its
result. So the result is stored (:class:`TrackCompletion`) and kept right here:

- while a session flushes, mapper events note which people (new, changed or deleted
  enrolments, item progress, registrations, reflections) and which tracks (their steps, the
  items of a module step, the sessions of a series step) it writes; after the flush,
  :func:`_after_flush` brings just their rows back in line with :func:`queries.done_tracks`,
  with Core statements on the flush's own connection (no ORM objects are added there), so a
  rollback takes the rows back with the change;
- :func:`rebuild` (``librarena reports refresh``) compares the whole table with the rule, for
  data written behind the app's back (bulk loads with Core, SQL by hand) and after the
  migration.

The rule itself is never restated here: what is stored is what ``done_tracks`` returns.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import Flask
from sqlalchemy import (
    BindParameter,
    Connection,
    bindparam,
    delete,
    event,
    insert,
    inspect,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, UOWTransaction, object_session
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, get_history

from content.courses.models import Item
from content.progress.models import Enrolment, ItemProgress
from content.webinars.models import EventSession, Registration
from lms.assignments.models import StepReflection, Track, TrackStep
from lms.db import utcnow
from lms.reporting import queries
from lms.reporting.models import TrackCompletion


@dataclass
class Changes:
    """What a refresh did to the table."""

    added: int = 0
    removed: int = 0


@cache
def _statements(by_users: bool, by_tracks: bool) -> tuple[Any, Any]:
    """What the rule says and what the table holds, for ``:users`` and/or ``:tracks`` (lists
    bound when run). Built once per process: a statement this size takes longer to build than
    to run for one person, and a flush should not pay for that."""
    users: BindParameter[int] | None = bindparam("users", expanding=True) if by_users else None
    tracks: BindParameter[int] | None = bindparam("tracks", expanding=True) if by_tracks else None
    live = queries.done_tracks(users, tracks)
    held = select(TrackCompletion.user_id, TrackCompletion.track_id).where(
        true() if users is None else TrackCompletion.user_id.in_(users),
        true() if tracks is None else TrackCompletion.track_id.in_(tracks),
    )
    return select(live.c.user_id, live.c.track_id), held


def sync(
    connection: Connection,
    *,
    users: Collection[int] | None = None,
    tracks: Collection[int] | None = None,
) -> Changes:
    """Make the rows of ``users`` (or of ``tracks``; neither: every row) what
    :func:`queries.done_tracks` says now. Rows that still hold keep their ``noticed_at``."""
    if (users is not None and not users) or (tracks is not None and not tracks):
        return Changes()
    params: dict[str, list[int]] = {}
    if users is not None:
        params["users"] = sorted(users)
    if tracks is not None:
        params["tracks"] = sorted(tracks)
    live, held = _statements(users is not None, tracks is not None)
    want = {(u, t) for u, t in connection.execute(live, params)}
    have = {(u, t) for u, t in connection.execute(held, params)}
    gone, new = have - want, want - have
    if gone:
        connection.execute(
            delete(TrackCompletion).where(
                TrackCompletion.user_id == bindparam("u"),
                TrackCompletion.track_id == bindparam("t"),
            ),
            [{"u": u, "t": t} for u, t in sorted(gone)],
        )
    if new:
        now = utcnow()
        connection.execute(
            insert(TrackCompletion),
            [{"user_id": u, "track_id": t, "noticed_at": now} for u, t in sorted(new)],
        )
    return Changes(added=len(new), removed=len(gone))


def rebuild(session: Session) -> Changes:
    """Compare the whole table with the rule and correct it (flushes first, never commits)."""
    session.flush()
    return sync(session.connection())


# What a flush touched


@dataclass
class _Touched:
    users: set[int] = field(default_factory=set)
    enrolments: set[int] = field(default_factory=set)
    tracks: set[int] = field(default_factory=set)
    modules: set[int] = field(default_factory=set)
    series: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any((self.users, self.enrolments, self.tracks, self.modules, self.series))


#: Per kind of record: which set of :class:`_Touched` it goes to, and the attributes whose
#: change can move a completion (the first one's values, old and new, are what is noted). A new
#: or deleted record always counts.
_WATCHED: dict[type[Any], tuple[str, tuple[str, ...]]] = {
    Enrolment: ("users", ("user_id", "course_id", "completed_at")),
    ItemProgress: ("enrolments", ("enrolment_id", "item_id")),
    Registration: ("users", ("user_id", "session_id", "status")),
    StepReflection: ("users", ("user_id", "step_id")),
    TrackStep: (
        "tracks",
        ("track_id", "kind", "is_required", "course_id", "module_id", "series_id"),
    ),
    Track: ("tracks", ("id",)),
    # Which items a module step needs.
    Item: ("modules", ("module_id", "kind")),
    # Which series an attended session counts for; a new session has no registrations yet
    # that are not new themselves.
    EventSession: ("series", ("series_id",)),
}
_ONLY_CHANGES = (Track, EventSession)  # a new one of these moves nothing


def _values(obj: Any, name: str) -> set[Any]:
    """The attribute's value now and before the flush, without loading anything."""
    history = get_history(obj, name, passive=PASSIVE_NO_INITIALIZE)
    found = {*history.added, *history.unchanged, *history.deleted}
    found.add(inspect(obj).dict.get(name))
    found.discard(None)
    return found


def _changed(obj: Any, names: Iterable[str]) -> bool:
    return any(get_history(obj, n, passive=PASSIVE_NO_INITIALIZE).has_changes() for n in names)


_NOTED = "track_completions.touched"


def _note(target: Any, names: tuple[str, ...], into: str, *, changed_only: bool) -> None:
    session = object_session(target)
    if session is None or (changed_only and not _changed(target, names)):
        return
    found = session.info.setdefault(_NOTED, _Touched())
    getattr(found, into).update(_values(target, names[0]))


def _listen(model: type[Any], into: str, names: tuple[str, ...]) -> None:
    """Note the records of ``model`` a flush writes. Mapper events, not the session's lists:
    they see what a flush cascades too (a step or an item removed from its collection)."""

    def inserted(_mapper: Any, _connection: Any, target: Any) -> None:
        if model not in _ONLY_CHANGES:
            _note(target, names, into, changed_only=False)

    def updated(_mapper: Any, _connection: Any, target: Any) -> None:
        _note(target, names, into, changed_only=True)

    def deleted(_mapper: Any, _connection: Any, target: Any) -> None:
        _note(target, names, into, changed_only=False)

    event.listen(model, "after_insert", inserted)
    event.listen(model, "after_update", updated)
    event.listen(model, "after_delete", deleted)


#: Beyond this many people (or enrolments) in one flush, a bulk load: everyone is compared at
#: once, which is cheaper than a list of ids that long (and SQLite limits bound parameters).
MANY = 500


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    found = session.info.pop(_NOTED, None)
    if not found:
        return
    connection = session.connection()
    if len(found.users) > MANY or len(found.enrolments) > MANY:
        sync(connection)
        return
    if found.enrolments:
        found.users.update(
            connection.scalars(
                select(Enrolment.user_id).where(Enrolment.id.in_(sorted(found.enrolments)))
            )
        )
    if found.modules or found.series:
        found.tracks.update(
            connection.scalars(
                select(TrackStep.track_id).where(
                    or_(
                        TrackStep.module_id.in_(sorted(found.modules)),
                        TrackStep.series_id.in_(sorted(found.series)),
                    )
                )
            )
        )
    # Every person of a changed track first, then the people whose own records changed (for
    # every track); the two overlap harmlessly.
    sync(connection, tracks=found.tracks)
    sync(connection, users=found.users)


def _forget(session: Session, _previous: Any = None) -> None:
    # A flush that failed noted what it never wrote.
    session.info.pop(_NOTED, None)


_LISTENING = {"on": False}


def init_app(app: Flask) -> None:
    """Listen to every session's flushes, once per process."""
    if not _LISTENING["on"]:
        for model, (into, names) in _WATCHED.items():
            _listen(model, into, names)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_soft_rollback", _forget)
        _LISTENING["on"] = True
