"""A course page and an item page cost the same number of queries however big the course is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from content.courses import services
from content.courses.models import ItemKind
from lms.db import db
from tests.content.conftest import items_of


@contextmanager
def counted(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    engine = db.state(app).engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _grow(session, course, modules: int) -> None:
    for n in range(modules):
        module = services.add_module(session, course, translations={"en": {"title": f"M{n}"}})
        for k in range(4):
            services.add_item(
                session, module, kind=ItemKind.LESSON, translations={"en": {"title": f"L{n}.{k}"}}
            )
    services.publish(session, course, by=None)
    session.commit()


def _queries(app, client, course, lesson_id) -> tuple[int, int, int]:
    client.get(f"/courses/{course.slug}")  # warm: the first request loads the user's roles
    with counted(app) as page:
        assert client.get(f"/courses/{course.slug}").status_code == 200
    with counted(app) as item:
        assert client.get(f"/courses/{course.slug}/items/{lesson_id}").status_code == 200
    with counted(app) as catalogue:
        assert client.get("/courses").status_code == 200
    return len(page), len(item), len(catalogue)


def test_query_count_does_not_grow_with_the_course(
    app, client, login, create_user, create_course, enrol, session
):
    small, big = create_course(publish=False), create_course(publish=False)
    _grow(session, small, 1)
    _grow(session, big, 12)
    learner = create_user("learner")
    enrol(small, learner)
    enrol(big, learner)
    login(learner)
    small_counts = _queries(app, client, small, items_of(small)[ItemKind.LESSON].id)
    big_counts = _queries(app, client, big, items_of(big)[ItemKind.LESSON].id)
    assert small_counts == big_counts
    # Opening an item stores its "launched" statement in the request (lms.xapi.events): about
    # ten of these queries are the LRS's (the actor's placement, the statement, its links and
    # activities, the forwarding targets), the same for any course.
    assert max(small_counts) <= 24, small_counts
