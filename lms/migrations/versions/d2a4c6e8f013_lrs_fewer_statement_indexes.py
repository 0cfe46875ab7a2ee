"""LRS: drop the statement indexes no query uses

The verb, activity and registration filters read the link table (kind, value, seq); the
indexes on the statement columns of the same names only cost every insert.

Revision ID: d2a4c6e8f013
Revises: c1d3e5f7a901
Create Date: 2026-11-22 08:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d2a4c6e8f013"
down_revision: str | None = "c1d3e5f7a901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    "ix_xapi_statements_verb_seq": ["verb_id", "seq"],
    "ix_xapi_statements_activity_seq": ["activity_id", "seq"],
    "ix_xapi_statements_registration_seq": ["registration", "seq"],
}


def upgrade() -> None:
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        for name in DROPPED:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        for name, columns in DROPPED.items():
            batch_op.create_index(name, columns, unique=False)
