"""Track completions kept for the dashboards

Revision ID: c1d3e5f7a901
Revises: b7a9c1e3f807
Create Date: 2026-11-22 08:00:00.000000

The table is derived data (``lms.reporting.completions``): it is filled here with the app's
own rule, so the figures are right straight after the upgrade. Should the rule one day read
columns this revision does not have, the fill is skipped with a warning, and
``librarena reports refresh`` after the upgrade fills the table instead.
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "c1d3e5f7a901"
down_revision: str | None = "b7a9c1e3f807"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
REFRESH = "run `librarena reports refresh` after the upgrade to fill track_completions"


def upgrade() -> None:
    op.create_table(
        "track_completions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("noticed_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_completions_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_track_completions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_track_completions")),
    )
    with op.batch_alter_table("track_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_track_completions_track_id"), ["track_id"], unique=False
        )
    _fill()


def _fill() -> None:
    if op.get_context().as_sql:
        log.warning("offline SQL: %s", REFRESH)
        return
    from lms.reporting.completions import sync

    connection = op.get_bind()
    try:
        with connection.begin_nested():
            changes = sync(connection)
    except sa.exc.SQLAlchemyError:
        log.warning("the completions could not be derived here: %s", REFRESH, exc_info=True)
        return
    log.info("track_completions: %d completions", changes.added)


def downgrade() -> None:
    with op.batch_alter_table("track_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_track_completions_track_id"))
    op.drop_table("track_completions")
