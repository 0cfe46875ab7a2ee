"""xAPI forwarding: the external LRSs that get a copy of stored statements

Revision ID: 5057edc57277
Revises: 70d80171bc69
Create Date: 2026-11-22 03:25:54.471886
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "5057edc57277"
down_revision: str | None = "70d80171bc69"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xapi_forward_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("endpoint", sa.String(length=1024), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=10), nullable=False),
        sa.Column("verb_prefix", sa.String(length=1024), nullable=True),
        sa.Column("activity_prefix", sa.String(length=1024), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_forward_targets")),
    )


def downgrade() -> None:
    op.drop_table("xapi_forward_targets")
