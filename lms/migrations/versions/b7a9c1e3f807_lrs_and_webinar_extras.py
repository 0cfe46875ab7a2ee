"""xAPI LRS and webinar additions

Revision ID: b7a9c1e3f807
Revises: b6e8a0c2f706
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b7a9c1e3f807"
down_revision: str | None = "b6e8a0c2f706"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Webinars: attendance polled from the meeting service when its callback does not come.
    with op.batch_alter_table("webinar_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("meeting_polling", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("attendance_reported_at", lms.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Webinars: a series open to the people assigned a track.
    op.create_table(
        "webinar_series_tracks",
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["webinar_series.id"],
            name=op.f("fk_webinar_series_tracks_series_id_webinar_series"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_webinar_series_tracks_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "track_id", name=op.f("pk_webinar_series_tracks")),
    )
    with op.batch_alter_table("webinar_series_tracks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webinar_series_tracks_track_id"), ["track_id"], unique=False
        )

    # xAPI: statements/read/mine pages by client or person in seq order.
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_statements_client_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_user_id"))
        batch_op.create_index(
            "ix_xapi_statements_client_id_seq", ["client_id", "seq"], unique=False
        )
        batch_op.create_index("ix_xapi_statements_user_id_seq", ["user_id", "seq"], unique=False)
    # xAPI forwarding in batches: a queue per target, and each target's delivery state.
    with op.batch_alter_table("xapi_forward_targets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivered_count", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("last_delivered_at", lms.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("next_attempt_at", lms.db.UTCDateTime(timezone=True), nullable=True)
        )
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "xapi_forward_queue",
        sa.Column("id", seq, autoincrement=True, nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("statement_seq", seq, nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_seq"],
            ["xapi_statements.seq"],
            name=op.f("fk_xapi_forward_queue_statement_seq_xapi_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["xapi_forward_targets.id"],
            name=op.f("fk_xapi_forward_queue_target_id_xapi_forward_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_forward_queue")),
    )
    with op.batch_alter_table("xapi_forward_queue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_forward_queue_target_id_id", ["target_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_xapi_forward_queue_statement_seq"), ["statement_seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("xapi_forward_queue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_forward_queue_statement_seq"))
        batch_op.drop_index("ix_xapi_forward_queue_target_id_id")
    op.drop_table("xapi_forward_queue")
    with op.batch_alter_table("xapi_forward_targets", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("failures")
        batch_op.drop_column("last_delivered_at")
        batch_op.drop_column("delivered_count")
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statements_user_id_seq")
        batch_op.drop_index("ix_xapi_statements_client_id_seq")
        batch_op.create_index(batch_op.f("ix_xapi_statements_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_xapi_statements_client_id"), ["client_id"], unique=False
        )
    with op.batch_alter_table("webinar_series_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webinar_series_tracks_track_id"))
    op.drop_table("webinar_series_tracks")
    with op.batch_alter_table("webinar_sessions", schema=None) as batch_op:
        batch_op.drop_column("attendance_reported_at")
        batch_op.drop_column("meeting_polling")
