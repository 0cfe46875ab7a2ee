"""The LRS's tables: clients, statements (JSON plus one indexed column per filter), the links
behind ``related_agents``/``related_activities``, attachments, documents and activities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import Base, utcnow

#: Every scope a client may hold (xAPI Communication §4.2 names them for OAuth; we use the same
#: words for Basic-auth clients).
#: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md#42-oauth-10-authorization-scope
SCOPES = (
    "statements/write",
    "statements/read/mine",
    "statements/read",
    "state",
    "define",
    "profile",
    "all/read",
    "all",
)

# Long enough for real IRIs, short enough for a B-tree index on PostgreSQL.
IRI = String(1024)
# Statement rows are numbered by an integer that grows with each insert: it orders results and
# makes `more` cursors stable. BigInteger on PostgreSQL, INTEGER (rowid) on SQLite.
SEQ = BigInteger().with_variant(Integer(), "sqlite")


class LrsClient(Base):
    """Credentials of a program writing to or reading from the LRS (HTTP Basic: key:secret)."""

    __tablename__ = "xapi_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of the secret under the app's SECRET_KEY: secrets are long and random, so a
    # fast keyed hash is safe, and a slow KDF on every request would cap throughput.
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, from SCOPES
    is_active: Mapped[bool] = mapped_column(default=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


class Statement(Base):
    __tablename__ = "xapi_statements"
    __table_args__ = (
        # The filters of GET /statements read the link table (StatementLink); the columns
        # verb_id, activity_id and registration are kept for reading, with no index to pay
        # for on every insert. statements/read/mine reads a client's, a person's or an
        # actor's newest page: ordered by seq.
        Index("ix_xapi_statements_actor_seq", "actor_ifi", "seq"),
        Index("ix_xapi_statements_client_id_seq", "client_id", "seq"),
        Index("ix_xapi_statements_user_id_seq", "user_id", "seq"),
        # Which statements void these ids: asked for every statement stored, and only a
        # voiding statement's ref_id is ever looked up, so only those are indexed.
        Index(
            "ix_xapi_statements_voiding_ref_id",
            "ref_id",
            sqlite_where=text("is_voiding"),
            postgresql_where=text("is_voiding"),
        ),
    )

    seq: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    stored: Mapped[datetime] = mapped_column(index=True)
    actor_ifi: Mapped[str | None] = mapped_column(String(1100))
    verb_id: Mapped[str] = mapped_column(IRI)
    activity_id: Mapped[str | None] = mapped_column(IRI)  # the object, when an Activity
    ref_id: Mapped[str | None] = mapped_column(String(36))  # object StatementRef
    registration: Mapped[str | None] = mapped_column(String(36))
    is_voided: Mapped[bool] = mapped_column(default=False)
    is_voiding: Mapped[bool] = mapped_column(default=False)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("xapi_clients.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[str] = mapped_column(Text)  # the statement as stored, JSON


class StatementLink(Base):
    """An agent or activity a statement mentions: the index behind the agent filter (direct)
    and ``related_agents``/``related_activities`` (any).

    Five links go with every stored statement, so their cost is most of the cost of storing
    one. The row is its key (seq, kind, value): on SQLite a table WITHOUT ROWID, so each link
    is one entry in the table's own tree and one in the index, not three. The index leads
    with the value: an agent's "agent" and "agent-direct" rows (and an activity's two) are
    neighbours, and a new statement changes one index page for each, not two.
    https://www.sqlite.org/withoutrowid.html
    """

    __tablename__ = "xapi_statement_links"
    __table_args__ = (
        Index("ix_xapi_statement_links_value_kind_seq", "value", "kind", "seq"),
        {"sqlite_with_rowid": False},
    )

    seq: Mapped[int] = mapped_column(
        SEQ,
        ForeignKey("xapi_statements.seq", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # agent | activity | …
    value: Mapped[str] = mapped_column(String(1100), primary_key=True)


class Attachment(Base):
    """Attachment content, stored once per hash."""

    __tablename__ = "xapi_attachments"

    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Base):
    """A State, Activity Profile or Agent Profile document.

    Absent parts of the key are stored as "" so the unique constraint holds on every database.
    """

    __tablename__ = "xapi_documents"
    __table_args__ = (
        UniqueConstraint(
            "kind", "activity_id", "agent_ifi", "registration", "doc_id", name="uq_xapi_documents"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # state | activity_profile | agent_profile
    activity_id: Mapped[str] = mapped_column(IRI, default="")
    agent_ifi: Mapped[str] = mapped_column(String(1100), default="")
    registration: Mapped[str] = mapped_column(String(36), default="")
    doc_id: Mapped[str] = mapped_column(IRI)
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Activity(Base):
    """The LRS's canonical definition of an activity, merged from trusted statements."""

    __tablename__ = "xapi_activities"

    id: Mapped[str] = mapped_column(IRI, primary_key=True)
    definition: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ForwardTarget(Base):
    """An external LRS that receives a copy of the statements stored here.

    The secret is kept as given: Librarena must present it to the other LRS (HTTP Basic).
    """

    __tablename__ = "xapi_forward_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(1024))  # ends with the xAPI base, e.g. …/xapi/
    username: Mapped[str] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(10), default="1.0.3")
    verb_prefix: Mapped[str | None] = mapped_column(IRI)  # forward only verbs starting so
    activity_prefix: Mapped[str | None] = mapped_column(IRI)  # or objects starting so
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Delivery state (lms.xapi.forwarding): what got through, and the current run of failures.
    delivered_count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_delivered_at: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Not before this time (back-off after a failure); None: as soon as there is work.
    next_attempt_at: Mapped[datetime | None]


class ForwardQueue(Base):
    """A stored statement still to be sent to a target: written with the statement, deleted in
    the transaction that records its delivery. The row ids give the sending order."""

    __tablename__ = "xapi_forward_queue"
    __table_args__ = (Index("ix_xapi_forward_queue_target_id_id", "target_id", "id"),)

    id: Mapped[int] = mapped_column(SEQ, primary_key=True, autoincrement=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("xapi_forward_targets.id", ondelete="CASCADE")
    )
    statement_seq: Mapped[int] = mapped_column(
        SEQ, ForeignKey("xapi_statements.seq", ondelete="CASCADE"), index=True
    )
