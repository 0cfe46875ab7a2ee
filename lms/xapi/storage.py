"""Where statements live: one interface, one SQL implementation.

Every filter of the Statement resource is an indexed column or a row of the link table, so a
filtered GET is an index lookup whatever the size of the store, on SQLite and PostgreSQL.
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#213-get-statements
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, aliased

from lms.db import Base, utcnow
from lms.xapi.models import Activity, Attachment, Statement, StatementLink

# The write path's tables and columns (its SQL goes straight to the driver, see Driver).
_T = Base.metadata.tables[Statement.__tablename__]
_COLUMNS = (
    "id",
    "data",
    "stored",
    "actor_ifi",
    "verb_id",
    "activity_id",
    "ref_id",
    "registration",
    "is_voided",
    "is_voiding",
    "client_id",
    "user_id",
)
_L = StatementLink.__tablename__
_A = Attachment.__tablename__
_ACTIVITY = Base.metadata.tables[Activity.__tablename__]


class Driver:
    """A database connection in its transaction, spoken to directly: for the few statements
    every stored xAPI statement runs (SQLAlchemy's per-execution work cost more than SQLite's).
    Values are always bound, in the driver's placeholder style."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self.connection = connection  # the DBAPI (driver's) connection
        self.dialect = dialect
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"

    @classmethod
    def of(cls, session: Session) -> Driver:
        """The session's own connection, in the session's transaction (begun if need be)."""
        connection = session.connection()
        return cls(connection.connection.driver_connection, connection.dialect)

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)

    def bind(self, column: Any, value: Any) -> Any:
        """``value`` as SQLAlchemy would send it for ``column``."""
        process = column.type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return process(value) if process else value

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def run(self, sql: str, params: Sequence[Any]) -> None:
        self.many(sql, [params])

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()


@dataclass
class StoredStatement:
    """A statement ready to be written, with the values of its indexed columns."""

    id: str
    data: dict[str, Any]
    stored: datetime | None  # set when it is stored (lms.xapi.statements.stamp)
    actor_ifi: str | None
    verb_id: str
    activity_id: str | None
    ref_id: str | None
    registration: str | None
    is_voiding: bool
    client_id: int | None
    user_id: int | None
    #: ``data`` as JSON, written before it is stored (outside SQLite's write lock); the
    #: ``stored`` (and missing ``timestamp``) that :func:`lms.xapi.statements.stamp` adds later
    #: are appended by :meth:`as_json`.
    text: str
    text_has_timestamp: bool
    #: (kind, value) rows of the link table: every filter is one indexed lookup there.
    #: kinds: verb, registration, agent (any position), agent-direct (actor or object),
    #: activity (any position), activity-direct (the object). A statement that refers to
    #: another (StatementRef) also gets the links of its target, so filters find it too.
    links: set[tuple[str, str]] = field(default_factory=set)
    #: The row's number, once stored.
    seq: int | None = None

    def as_json(self) -> str:
        # Our own timestamps (digits, "-", ":", ".", "T", "Z"): nothing in them to escape.
        tail = f',"stored":"{self.data["stored"]}"'
        if not self.text_has_timestamp:
            tail += f',"timestamp":"{self.data["timestamp"]}"'
        return f"{self.text[:-1]}{tail}}}"


@dataclass
class StatementQuery:
    """The filters of GET /statements, plus who may see what."""

    agent: str | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    ascending: bool = False
    after: int | None = None  # the cursor: seq of the last statement of the previous page
    # Access restrictions (statements/read/mine):
    only_client_id: int | None = None
    only_actor_ifi: str | None = None
    only_user_id: int | None = None


class StatementWriter:
    """Storing statements, straight through the database driver, in a transaction someone
    else owns: the ORM session's (:class:`SqlStatementStore`), or a connection of the LRS's own
    (``lms.xapi.api``). ``driver`` is called at each use, and its first call may begin the
    transaction (on SQLite, taking the writers' lock): nothing touches the database before
    everything that needs none of it is done. Flushes, never commits."""

    def __init__(self, driver: Callable[[], Driver]) -> None:
        self.driver = driver

    def find_with_voiders(self, ids: Iterable[str]) -> tuple[dict[str, dict[str, Any]], set[str]]:
        """Statements stored under ``ids``, and which of ``ids`` a stored statement voids.

        One round trip for both: a statement may arrive after the one voiding it. Two
        branches of a UNION ALL, each an index lookup: written as one WHERE with OR,
        PostgreSQL planned a sequential scan of the whole store for a batch of 100 ids.
        """
        wanted = [i.lower() for i in ids]
        if not wanted:
            return {}, set()
        driver = self.driver()
        marks = driver.marks(len(wanted))
        rows = driver.fetch(
            f"SELECT id, data, ref_id, is_voiding FROM {_T.name} "  # noqa: S608 - our names
            f"WHERE id IN ({marks}) "
            f"UNION ALL SELECT id, data, ref_id, is_voiding FROM {_T.name} "
            f"WHERE ref_id IN ({marks}) AND is_voiding",
            [*wanted, *wanted],
        )
        found: dict[str, dict[str, Any]] = {}
        voided: set[str] = set()
        asked = set(wanted)
        for sid, data, ref_id, is_voiding in rows:
            if sid in asked:
                found[sid] = json.loads(data)
            if is_voiding and ref_id in asked:
                voided.add(ref_id)
        return found, voided

    def links_of(self, ids: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
        wanted = [i.lower() for i in ids]
        found: dict[str, set[tuple[str, str]]] = {}
        if not wanted:
            return found
        driver = self.driver()
        rows = driver.fetch(
            f"SELECT s.id, l.kind, l.value FROM {_T.name} s "  # noqa: S608 - our own names
            f"JOIN {_L} l ON l.seq = s.seq WHERE s.id IN ({driver.marks(len(wanted))})",
            wanted,
        )
        for sid, kind, value in rows:
            found.setdefault(sid, set()).add((kind, value))
        return found

    def voiding_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = [i.lower() for i in ids]
        if not wanted:
            return set()
        driver = self.driver()
        rows = driver.fetch(
            f"SELECT id FROM {_T.name} "  # noqa: S608 - our own names
            f"WHERE id IN ({driver.marks(len(wanted))}) AND is_voiding",
            wanted,
        )
        return {sid for (sid,) in rows}

    def add(self, statements: list[StoredStatement], *, voided: Iterable[str] = ()) -> None:
        """Insert ``statements`` and their links; ``voided``: those of their ids a stored
        statement already voids (see :meth:`find_with_voiders`)."""
        if not statements:
            return
        voided = set(voided)
        driver = self.driver()
        # Rows go to the driver as tuples: SQLAlchemy's per-row parameter processing (and ORM
        # objects all the more) cost several times what the database takes to insert them,
        # and on SQLite this runs while the writers' lock is held. The one typed value, the
        # time stored (the same for the whole batch), is converted as SQLAlchemy would.
        stored = {when: driver.bind(_T.c.stored, when) for when in {i.stored for i in statements}}
        rows = [
            (
                item.id,
                item.as_json(),
                stored[item.stored],
                item.actor_ifi,
                item.verb_id,
                item.activity_id,
                item.ref_id,
                item.registration,
                item.id in voided and not item.is_voiding,
                item.is_voiding,
                item.client_id,
                item.user_id,
            )
            for item in statements
        ]
        insert_sql = (
            f"INSERT INTO {_T.name} ({', '.join(_COLUMNS)}) "  # noqa: S608 - our own names
            f"VALUES ({driver.marks(len(_COLUMNS))})"
        )
        if len(rows) == 1:
            # One row: its number comes back with the insert.
            seq_of = {rows[0][0]: driver.fetch(insert_sql + " RETURNING seq", rows[0])[0][0]}
        else:
            driver.many(insert_sql, rows)
            # RETURNING in bulk is not ordered on SQLite; one indexed read gives the numbers.
            ids = [row[0] for row in rows]
            found = driver.fetch(
                f"SELECT id, seq FROM {_T.name} WHERE id IN ({driver.marks(len(ids))})",  # noqa: S608
                ids,
            )
            seq_of = dict(found)
        for item in statements:
            item.seq = seq_of[item.id]
        links = [
            (seq_of[item.id], kind, value) for item in statements for kind, value in item.links
        ]
        if links:
            driver.many(
                f"INSERT INTO {_L} (seq, kind, value) "  # noqa: S608
                f"VALUES ({driver.marks(3)})",
                links,
            )
        # Voiding: mark targets voided (a statement arriving after its voiding one was marked
        # on insert, above).
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#231-voided
        targets = [item.ref_id for item in statements if item.is_voiding and item.ref_id]
        if targets:
            driver.run(
                f"UPDATE {_T.name} SET is_voided = {driver.mark} "  # noqa: S608 - our names
                f"WHERE id IN ({driver.marks(len(targets))}) AND NOT is_voiding",
                [True, *targets],
            )

    def save_attachment(self, sha2: str, content_type: str, content: bytes) -> None:
        driver = self.driver()
        if not driver.fetch(f"SELECT 1 FROM {_A} WHERE sha2 = {driver.mark}", [sha2]):  # noqa: S608
            driver.run(
                f"INSERT INTO {_A} (sha2, content_type, content) "  # noqa: S608 - our names
                f"VALUES ({driver.marks(3)})",
                [sha2, content_type, content],
            )

    def merge_activity(self, activity_id: str, definition: dict[str, Any]) -> None:
        """Merge ``definition`` into the activity's canonical one (from a trusted source)."""
        driver = self.driver()
        now = driver.bind(_ACTIVITY.c.updated_at, utcnow())
        rows = driver.fetch(
            f"SELECT definition FROM {_ACTIVITY.name} WHERE id = {driver.mark}",  # noqa: S608
            [activity_id],
        )
        if not rows:
            driver.run(
                f"INSERT INTO {_ACTIVITY.name} (id, definition, updated_at) "  # noqa: S608
                f"VALUES ({driver.marks(3)})",
                [activity_id, json.dumps(definition), now],
            )
            return
        current = json.loads(rows[0][0])
        for key, value in definition.items():
            if isinstance(value, dict) and isinstance(current.get(key), dict):
                current[key] = {**current[key], **value}
            else:
                current[key] = value
        driver.run(
            f"UPDATE {_ACTIVITY.name} SET definition = {driver.mark}, "  # noqa: S608
            f"updated_at = {driver.mark} WHERE id = {driver.mark}",
            [json.dumps(current), now, activity_id],
        )


class SqlStatementStore(StatementWriter):
    """The statement store in the ORM session's transaction: what the LRS reads, and (through
    :class:`StatementWriter`) statements stored with other changes of the app."""

    def __init__(self, session: Session) -> None:
        super().__init__(lambda: Driver.of(session))
        self.session = session

    def get(self, statement_id: str, *, voided: bool) -> dict[str, Any] | None:
        row = self.session.execute(
            select(Statement.data, Statement.is_voided).where(Statement.id == statement_id.lower())
        ).first()
        if row is None or row.is_voided != voided:
            return None
        data: dict[str, Any] = json.loads(row.data)
        return data

    def _filtered(self, q: StatementQuery) -> Select[int, str]:
        # Filters also find statements that refer to a matching one (through the links).
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#filter-conditions-for-statementrefs
        # Most selective first, as a rule of thumb: a registration names few statements, a verb
        # many.
        wanted: list[tuple[str, str]] = []
        if q.registration:
            wanted.append(("registration", q.registration.lower()))
        if q.activity:
            wanted.append(("activity" if q.related_activities else "activity-direct", q.activity))
        if q.agent:
            wanted.append(("agent" if q.related_agents else "agent-direct", q.agent))
        if q.verb:
            wanted.append(("verb", q.verb))
        # The first filter drives the query: a backward (or forward) read of the link index
        # (value, kind, seq) that stops after one page, however many statements match. The
        # others are point lookups in the same index.
        order: Any = Statement.seq
        stmt = select(Statement.seq, Statement.data).where(Statement.is_voided.is_(False))
        if wanted:
            kind, value = wanted[0]
            driver = aliased(StatementLink)
            stmt = stmt.join(driver, driver.seq == Statement.seq).where(
                driver.kind == kind, driver.value == value
            )
            order = driver.seq
        for kind, value in wanted[1:]:
            other = aliased(StatementLink)
            stmt = stmt.where(
                select(other.seq)
                .where(other.kind == kind, other.value == value, other.seq == Statement.seq)
                .exists()
            )
        if q.since:
            stmt = stmt.where(Statement.stored > q.since)
        if q.until:
            stmt = stmt.where(Statement.stored <= q.until)
        mine = []
        if q.only_client_id is not None:
            mine.append(Statement.client_id == q.only_client_id)
        if q.only_actor_ifi is not None:
            mine.append(Statement.actor_ifi == q.only_actor_ifi)
        if q.only_user_id is not None:
            mine.append(Statement.user_id == q.only_user_id)
        if mine:
            stmt = stmt.where(or_(*mine))
        if q.after is not None:
            stmt = stmt.where(order > q.after if q.ascending else order < q.after)
        return stmt.order_by(order.asc() if q.ascending else order.desc())

    def query(self, query: StatementQuery) -> tuple[list[dict[str, Any]], int | None]:
        """One page of statements, and the cursor of the next page (None at the end)."""
        page, more = self.query_json(query)
        return [json.loads(data) for data, _stored in page], more

    def query_json(self, query: StatementQuery) -> tuple[list[tuple[str, datetime]], int | None]:
        """One page as stored: each statement's JSON text and when it was stored (a page
        returned exactly as stored needs neither parsed nor written again)."""
        rows = self.session.execute(
            self._filtered(query).add_columns(Statement.stored).limit(query.limit + 1)
        ).all()
        more = rows[query.limit - 1].seq if len(rows) > query.limit else None
        return [(row.data, row.stored) for row in rows[: query.limit]], more

    def attachments(self, sha2s: Iterable[str]) -> dict[str, Attachment]:
        wanted = list(set(sha2s))
        if not wanted:
            return {}
        rows = self.session.scalars(select(Attachment).where(Attachment.sha2.in_(wanted)))
        return {row.sha2: row for row in rows}

    def activity(self, activity_id: str) -> dict[str, Any] | None:
        row = self.session.get(Activity, activity_id)
        if row is None:
            return None
        definition = json.loads(row.definition)
        result: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
        if definition:
            result["definition"] = definition
        return result
