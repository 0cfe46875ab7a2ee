"""The database layer: declarative base, engine, and the request-scoped session.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy). ``db.session`` is a session scoped to the Flask
application context: views commit it once per request; services only ``flush()``.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, Engine, Enum, MetaData, Select, create_engine, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations come out the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


T = TypeVar("T")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: ``flask.g`` key of a callable run once, just before a request's first transaction begins
#: on SQLite; that transaction then takes the write lock (BEGIN IMMEDIATE).
BEFORE_WRITE = "before_write_transaction"
#: ``flask.g`` key set by a part whose request writes on a connection of its own (the LRS
#: stores statements so, lms.xapi.api): the request's session only reads, and on SQLite it
#: begins a plain (deferred) transaction that leaves the write lock to that connection.
SESSION_ONLY_READS = "session_only_reads"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type, so naive values read from it are UTC by construction; a
    naive value written by our code is a bug, and is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """An enum stored as its value in a VARCHAR with a CHECK: the same on SQLite and PostgreSQL,
    and a new member is a migration of the CHECK only, never of a native type."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and transactions SQLAlchemy controls (so SAVEPOINTs work).

    pysqlite's own implicit BEGIN handling breaks SAVEPOINT; see
    https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#serializable-isolation-savepoints-transactional-ddl
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        # SQLite's built-in lower() folds A-Z only; "Älvdalen" and "ÄLVDALEN" must compare
        # equal as they do on PostgreSQL, so lower() becomes Python's Unicode lowering.
        dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Copy the WAL back into the database every 40 MB rather than SQLite's 4 MB: the
            # pages a busy writer changes again and again are copied (and synced) once per
            # checkpoint instead of ten times. Raw statement inserts: 5,000/s -> 6,700/s.
            # https://www.sqlite.org/wal.html#automatic_checkpoint
            cur.execute("PRAGMA wal_autocheckpoint=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A unit of work that will write may ask for the write lock up front
        # (``execution_options(sqlite_begin_immediate=True)``): a deferred transaction that
        # reads and then writes fails at once with "database is locked" when another
        # connection wrote in between, instead of waiting for busy_timeout.
        immediate = conn.get_execution_options().get("sqlite_begin_immediate")
        before = g.pop(BEFORE_WRITE, None) if has_request_context() else None
        if before is not None:
            # A part that queues its writers itself (lms.xapi.writelock) takes its turn now,
            # then SQLite's write lock.
            before()
            immediate = True
        # Straight to the driver: SQLAlchemy's execution machinery for a BEGIN cost more than
        # SQLite takes to run it, on every transaction.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


@dataclass
class _State:
    engine: Engine
    sessionmaker: sessionmaker[Session]


def _scope() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


class Database:
    """Flask extension holding the engine and a session per application context."""

    def __init__(self) -> None:
        self._registry: scoped_session[Session] = scoped_session(
            self._new_session,  # type: ignore[arg-type] # any callable returning a Session works
            scopefunc=_scope,
        )

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        # A server connection can die behind the pool (restart, idle timeout): check it on
        # checkout. An embedded SQLite file cannot, and the extra SELECT 1 per request costs.
        engine = make_engine(url, pool_pre_ping=not str(url).startswith("sqlite"))
        app.extensions["librarena.db"] = _State(
            engine=engine, sessionmaker=sessionmaker(bind=engine, expire_on_commit=False)
        )
        app.teardown_appcontext(self._teardown)

    def init_shared_app(self, app: Flask) -> None:
        """Give ``app`` the sessions of an app already set up whose ``extensions`` it shares
        (the LRS app, lms.xapi.app)."""
        app.teardown_appcontext(self._teardown)

    @staticmethod
    def state(app: Flask | None = None) -> _State:
        state: _State = (app or current_app).extensions["librarena.db"]
        return state

    @property
    def session(self) -> Session:
        """The session of the current application context."""
        return self._registry()

    def has_session(self) -> bool:
        """Whether the current application context has made its session yet."""
        return self._registry.registry.has()

    @contextmanager
    def driver_transaction(
        self, before_begin: Callable[[], None] | None = None
    ) -> Iterator[Callable[[], Any]]:
        """A transaction on a pooled driver (DBAPI) connection of its own, outside the ORM
        session: for work whose SQLAlchemy overhead costs more than the database's own (the
        LRS stores a statement per request this way).

        Yields ``connection()``: the driver's connection; its first call begins the transaction
        (after ``before_begin``; on SQLite as BEGIN IMMEDIATE, a unit of work that writes).
        Commits on leaving, rolls back on an error; a unique key refused is raised as
        SQLAlchemy's ``IntegrityError``, as from the session. Where the sessions are bound to
        one outer connection instead of the engine (the tests run each in a transaction they
        roll back), it is that connection, in the session's transaction.
        """
        state = self.state()
        dbapi = state.engine.dialect.loaded_dbapi
        try:
            if not isinstance(state.sessionmaker.kw.get("bind"), Engine):
                session = self.session
                yield lambda: session.connection().connection.driver_connection
                return
            with _own_transaction(state.engine, before_begin) as connection:
                yield connection
        except dbapi.IntegrityError as exc:
            raise IntegrityError(None, None, exc) from exc

    def remove(self) -> None:
        """Close the current context's session (the worker does this between batches)."""
        self._registry.remove()

    @property
    def engine(self) -> Engine:
        return self.state().engine

    def _new_session(self) -> Session:
        state = self.state()
        session = state.sessionmaker()
        if (
            state.engine.dialect.name == "sqlite"
            and has_request_context()
            and request.method not in SAFE_METHODS
            # A part that queues its writers itself (the LRS, see BEFORE_WRITE) begins at its
            # first statement instead: its work that needs no database is done outside the lock.
            and BEFORE_WRITE not in g
            and SESSION_ONLY_READS not in g
        ):
            # A request that may write takes SQLite's write lock when it begins: a deferred
            # transaction that reads, then writes, fails at once with "database is locked"
            # when another request wrote in between, where an immediate one waits its turn.
            session.connection(execution_options={"sqlite_begin_immediate": True})
        return session

    def _teardown(self, _exc: BaseException | None) -> None:
        self._registry.remove()

    def is_reachable(self) -> bool:
        """True when a trivial query succeeds; used by ``/readyz``."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except Exception:  # any driver error means "not ready"
            return False
        return True


db = Database()


@contextmanager
def _own_transaction(
    engine: Engine, before_begin: Callable[[], None] | None
) -> Iterator[Callable[[], Any]]:
    raw = engine.raw_connection()
    began = False

    def connection() -> Any:
        nonlocal began
        if not began:
            if before_begin is not None:
                before_begin()
            if engine.dialect.name == "sqlite":
                raw.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
            began = True  # PostgreSQL's driver begins at the first statement
        return raw.driver_connection

    try:
        yield connection
        raw.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()


def claim(session: Session, stmt: Select[T]) -> T | None:
    """The first row of ``stmt``, claimed for this worker until its transaction ends: on
    PostgreSQL locked FOR NO KEY UPDATE (the row's own columns; other tables may still point at
    it meanwhile), rows other workers hold skipped, so several workers share the work. Its
    columns are read as they are now, not as the session last saw them."""
    stmt = stmt.limit(1).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        entity = stmt.column_descriptions[0]["entity"]
        stmt = stmt.with_for_update(skip_locked=True, key_share=True, of=entity)
    return session.scalars(stmt).first()


def begin_writing(session: Session) -> None:
    """Begin ``session``'s next transaction as a writer: on SQLite it takes the write lock at
    once (BEGIN IMMEDIATE, waiting its turn up to busy_timeout). A SQLite transaction that
    read before another connection wrote can no longer write at all ("database is locked" at
    once), so work outside a request that reads and then writes begins this way, as a
    request that may write does. Elsewhere, and inside a transaction already begun, nothing
    changes."""
    if _is_sqlite(session) and not session.in_transaction():
        session.connection(execution_options={"sqlite_begin_immediate": True})


@contextmanager
def outside_transaction(session: Session) -> Iterator[None]:
    """Wait on another service (an LRS, a mail server) in the middle of a unit of work that
    has only read so far, without holding the database.

    On SQLite the session's transaction ends before the block, and the next begins after it
    holding the write lock (:func:`begin_writing`): a reader held open across the call could
    not write after it once the app had written meanwhile, would hold back checkpoints, and a
    writer would keep every other writer waiting. Rows read before are read again under the
    lock where it matters (``session.refresh``). On PostgreSQL the transaction, with the row
    locks it holds (a worker's claim), is kept across the block.
    """
    if not _is_sqlite(session):
        yield
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("outside_transaction: write after the call, not before it")
    session.commit()
    try:
        yield
    finally:
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.commit()  # the block read something: that read would go stale too
        begin_writing(session)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work outside a request (CLI, worker): commit on success, else roll back."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
