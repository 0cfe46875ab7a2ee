"""The programme figures' memo: a repeat is served without the heavy query, and any change to
the records they come from is seen on the next request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from content.progress import services as progress
from lms.auth.models import User
from lms.db import utcnow
from lms.reporting import cache
from tests.conftest import text_of
from tests.lms.reporting.conftest import Programme_, sign_in


def _statements(session: Session, run: Callable[[], Any]) -> list[str]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_figures_are_remembered_until_the_data_changes(
    app: Flask,
    client: Any,
    session: Session,
    world: Programme_,
    create_user: Callable[..., User],
) -> None:
    app.config["REPORTING_CACHE_SECONDS"] = 60
    sign_in(client, world.users["coordinator"])
    url = f"/reports/programme?unit={world.units['muni_a'].id}"
    first = _statements(session, lambda: client.get(url))
    assert any("track_flags" in s for s in first)
    again: list[Any] = []
    repeat = _statements(session, lambda: again.append(client.get(url)))
    assert not any("track_flags" in s for s in repeat)
    assert "Bibliotek A2 2 1 50%" in text_of(again[0].get_data(as_text=True))

    # Bo in A2 completes the course: the fingerprint changes, the figures are counted again.
    enrolment = progress.enrol(session, world.course, world.staff["lib_a2"][0], locale="en")
    assert enrolment.completed_at is None
    enrolment.completed_at = utcnow()
    session.commit()
    after: list[Any] = []
    changed = _statements(session, lambda: after.append(client.get(url)))
    assert any("track_flags" in s for s in changed)
    assert "Bibliotek A2 2 1 50% 1 1" in text_of(after[0].get_data(as_text=True))


def test_the_memo_can_be_turned_off(app: Flask, session: Session) -> None:
    app.config["REPORTING_CACHE_SECONDS"] = 0
    calls: list[int] = []
    with app.test_request_context():
        for _ in range(2):
            cache.remembered(session, "k", utcnow().date(), lambda: calls.append(1))
    assert len(calls) == 2
