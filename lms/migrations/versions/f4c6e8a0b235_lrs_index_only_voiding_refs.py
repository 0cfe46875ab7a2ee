"""LRS: index ref_id only where a statement voids another

Storing a statement asks which stored statements void its id; only voiding statements' ref_id
is ever looked up. A partial index holds just those: nothing to write for other statements,
and PostgreSQL plans an index scan for a batch of ids instead of reading the whole store.

Revision ID: f4c6e8a0b235
Revises: e3b5d7f9a124
Create Date: 2026-11-22 11:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4c6e8a0b235"
down_revision: str | None = "e3b5d7f9a124"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "xapi_statements"


def upgrade() -> None:
    op.create_index(
        "ix_xapi_statements_voiding_ref_id",
        TABLE,
        ["ref_id"],
        unique=False,
        sqlite_where=sa.text("is_voiding"),
        postgresql_where=sa.text("is_voiding"),
    )
    op.drop_index("ix_xapi_statements_ref_id", table_name=TABLE)


def downgrade() -> None:
    op.create_index("ix_xapi_statements_ref_id", TABLE, ["ref_id"], unique=False)
    op.drop_index("ix_xapi_statements_voiding_ref_id", table_name=TABLE)
