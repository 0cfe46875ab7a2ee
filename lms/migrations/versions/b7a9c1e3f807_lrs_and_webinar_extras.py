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


def downgrade() -> None:
    with op.batch_alter_table("webinar_series_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webinar_series_tracks_track_id"))
    op.drop_table("webinar_series_tracks")
    with op.batch_alter_table("webinar_sessions", schema=None) as batch_op:
        batch_op.drop_column("attendance_reported_at")
        batch_op.drop_column("meeting_polling")
