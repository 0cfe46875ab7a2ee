"""The SQL statement store: links, voiding and cursors, under the service that fills it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from lms.xapi.auth import Principal
from lms.xapi.statements import store_statements
from lms.xapi.storage import SqlStatementStore, StatementQuery
from lms.xapi.validation.common import Ctx
from tests.lms.xapi.conftest import make_statement, new_id

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
SYSTEM = Principal(client=None, user=None, scopes=frozenset({"all"}))


@pytest.fixture
def store(app: Flask, session: Session) -> Any:
    with app.app_context():
        yield SqlStatementStore(session)


def _save(store: SqlStatementStore, *statements: dict[str, Any]) -> list[str]:
    return store_statements(store, list(statements), SYSTEM, Ctx())


def _ids(store: SqlStatementStore, **filters: Any) -> list[str]:
    statements, _more = store.query(StatementQuery(**filters))
    return [s["id"] for s in statements]


def test_store_statement_ref_is_found_by_its_targets_filters(store: SqlStatementStore) -> None:
    verb = f"http://example.org/verbs/{new_id()}"
    [target] = _save(store, make_statement(verb={"id": verb}))
    ref = make_statement(
        verb={"id": "http://example.org/verbs/liked"},
        object={"objectType": "StatementRef", "id": target},
    )
    [referring] = _save(store, ref)
    assert _ids(store, verb=verb) == [referring, target]


def test_store_voiding_before_its_target_still_voids_it(store: SqlStatementStore) -> None:
    target = new_id()
    _save(
        store,
        make_statement(verb={"id": VOIDED}, object={"objectType": "StatementRef", "id": target}),
    )
    _save(store, make_statement(id=target))
    assert store.get(target, voided=False) is None
    assert store.get(target, voided=True) is not None


def test_store_related_activities_look_into_substatements(store: SqlStatementStore) -> None:
    inner = f"http://example.org/inner/{new_id()}"
    sub = {
        "objectType": "SubStatement",
        "actor": {"mbox": "mailto:x@example.org"},
        "verb": {"id": "http://example.org/v"},
        "object": {"id": inner},
    }
    [sid] = _save(store, make_statement(object=sub))
    assert _ids(store, activity=inner) == []
    assert _ids(store, activity=inner, related_activities=True) == [sid]


def test_store_cursor_pages_ascending_without_gaps(store: SqlStatementStore) -> None:
    verb = f"http://example.org/verbs/{new_id()}"
    sent = _save(store, *[make_statement(verb={"id": verb}) for _ in range(5)])
    seen: list[str] = []
    after = None
    while True:
        page, more = store.query(StatementQuery(verb=verb, limit=2, ascending=True, after=after))
        seen += [s["id"] for s in page]
        if more is None:
            break
        after = more
    assert seen == sent


def test_store_batch_with_a_conflict_stores_nothing(store: SqlStatementStore) -> None:
    from lms.xapi.errors import Conflict

    [first] = _save(store, make_statement(id=new_id()))
    fresh = make_statement(id=new_id())
    clash = make_statement(id=first, verb={"id": "http://example.org/other"})
    with pytest.raises(Conflict):
        _save(store, fresh, clash)
    store.session.rollback()  # what the view's error handler does
    assert store.get(fresh["id"], voided=False) is None


@pytest.mark.parametrize("timestamp", [None, "2026-03-01T10:00:00.250Z"])
def test_store_keeps_the_statement_as_sent_plus_stored_and_timestamp(
    store: SqlStatementStore, session: Session, timestamp: str | None
) -> None:
    # The JSON is written before the write lock, the time stored appended after it.
    sent = make_statement(result={"response": 'a "quoted" \\ ä answer'})
    if timestamp:
        sent["timestamp"] = timestamp
    [sid] = _save(store, sent)
    from lms.xapi.models import Statement

    row = session.query(Statement).filter_by(id=sid).one()
    kept = json.loads(row.data)
    assert kept["stored"].endswith("Z")
    assert kept["timestamp"] == (timestamp or kept["stored"])
    assert {k: v for k, v in kept.items() if k not in ("stored", "timestamp")} == {
        **{k: v for k, v in sent.items() if k != "timestamp"},
        "id": sid,
        "authority": kept["authority"],
        "version": "1.0.0",
    }
    assert kept == store.get(sid, voided=False)
