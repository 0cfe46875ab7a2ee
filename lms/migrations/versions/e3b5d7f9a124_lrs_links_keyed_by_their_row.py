"""LRS: the statement link table keyed by its row (seq, kind, value), WITHOUT ROWID on SQLite

Each stored statement writes five links. With a surrogate id, each link was a row in the
table plus entries in two indexes; keyed by (seq, kind, value) it is the table's own entry
plus one in (value, kind, seq). Leading with the value puts an agent's (or activity's)
"direct" and "any position" rows side by side. The rows themselves are unchanged.

Revision ID: e3b5d7f9a124
Revises: d2a4c6e8f013
Create Date: 2026-11-22 11:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e3b5d7f9a124"
down_revision: str | None = "d2a4c6e8f013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "xapi_statement_links"
OLD = "xapi_statement_links_old"
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FK = sa.ForeignKeyConstraint(
    ["seq"],
    ["xapi_statements.seq"],
    name="fk_xapi_statement_links_seq_xapi_statements",
    ondelete="CASCADE",
)


OLD_INDEX = ("ix_xapi_statement_links_kind_value_seq", ["kind", "value", "seq"])
NEW_INDEX = ("ix_xapi_statement_links_value_kind_seq", ["value", "kind", "seq"])


def _set_aside(index: str) -> None:
    """Rename the current table out of the way, with the names its keys and indexes hold
    (PostgreSQL keeps index and key names unique per schema, SQLite index names)."""
    op.drop_index(index, table_name=TABLE)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{TABLE} TO pk_{OLD}")
        op.execute(
            f"ALTER TABLE {TABLE} RENAME CONSTRAINT fk_{TABLE}_seq_xapi_statements "
            f"TO fk_{OLD}_seq_xapi_statements"
        )
    op.rename_table(TABLE, OLD)


def upgrade() -> None:
    op.drop_index("ix_xapi_statement_links_seq", table_name=TABLE)
    _set_aside(OLD_INDEX[0])
    op.create_table(
        TABLE,
        sa.Column("seq", SEQ, nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1100), nullable=False),
        FK,
        sa.PrimaryKeyConstraint("seq", "kind", "value", name=f"pk_{TABLE}"),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO {TABLE} (seq, kind, value) "  # noqa: S608 - our own names
        f"SELECT DISTINCT seq, kind, value FROM {OLD}"
    )
    op.drop_table(OLD)
    op.create_index(NEW_INDEX[0], TABLE, NEW_INDEX[1], unique=False)


def downgrade() -> None:
    _set_aside(NEW_INDEX[0])
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", SEQ, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1100), nullable=False),
        FK,
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
    )
    op.execute(
        f"INSERT INTO {TABLE} (seq, kind, value) "  # noqa: S608 - our own names
        f"SELECT seq, kind, value FROM {OLD} ORDER BY seq"
    )
    op.drop_table(OLD)
    op.create_index(OLD_INDEX[0], TABLE, OLD_INDEX[1], unique=False)
    op.create_index("ix_xapi_statement_links_seq", TABLE, ["seq"], unique=False)
