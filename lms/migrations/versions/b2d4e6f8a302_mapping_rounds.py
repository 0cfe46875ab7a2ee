"""Mapping rounds, self-assessments and manager ratings

Revision ID: b2d4e6f8a302
Revises: b1c0a7e5d201
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b2d4e6f8a302"
down_revision: str | None = "b1c0a7e5d201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mapping_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column(
            "scale",
            sa.Enum(
                "framework",
                "self_efficacy",
                name="mapping_round_scale",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_mapping_rounds_dates_in_order")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_mapping_rounds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["competence_frameworks.id"],
            name=op.f("fk_mapping_rounds_framework_id_competence_frameworks"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_mapping_rounds_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_rounds")),
    )
    op.create_index(
        op.f("ix_mapping_rounds_framework_id"), "mapping_rounds", ["framework_id"], unique=False
    )
    op.create_index(
        op.f("ix_mapping_rounds_programme_id"), "mapping_rounds", ["programme_id"], unique=False
    )
    op.create_table(
        "mapping_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=255), nullable=False),
        sa.Column(
            "job_title",
            sa.Enum(
                "librarian",
                "library_assistant",
                "manager",
                "specialist",
                "other",
                name="job_title",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["org_units.id"],
            name=op.f("fk_mapping_participants_library_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["mapping_rounds.id"],
            name=op.f("fk_mapping_participants_round_id_mapping_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mapping_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_participants")),
        sa.UniqueConstraint("round_id", "user_id", name="uq_mapping_participants_round_user"),
    )
    op.create_index(
        op.f("ix_mapping_participants_library_id"),
        "mapping_participants",
        ["library_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_mapping_participants_round_id"), "mapping_participants", ["round_id"], unique=False
    )
    op.create_index(
        op.f("ix_mapping_participants_unit_path"),
        "mapping_participants",
        ["unit_path"],
        unique=False,
    )
    op.create_index(
        "ix_mapping_participants_user_submitted",
        "mapping_participants",
        ["user_id", "submitted_at"],
        unique=False,
    )
    op.create_table(
        "mapping_round_units",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["mapping_rounds.id"],
            name=op.f("fk_mapping_round_units_round_id_mapping_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_mapping_round_units_unit_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("round_id", "unit_id", name=op.f("pk_mapping_round_units")),
    )
    op.create_table(
        "mapping_tallies",
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=255), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column(
            "job_title",
            sa.Enum(
                "librarian",
                "library_assistant",
                "manager",
                "specialist",
                "other",
                name="job_title",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("score_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence_nodes.id"],
            name=op.f("fk_mapping_tallies_competence_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["competence_frameworks.id"],
            name=op.f("fk_mapping_tallies_framework_id_competence_frameworks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "framework_id",
            "unit_path",
            "competence_id",
            "job_title",
            name=op.f("pk_mapping_tallies"),
        ),
    )
    op.create_table(
        "mapping_levels",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("unit_path", sa.String(length=255), nullable=False),
        sa.Column(
            "job_title",
            sa.Enum(
                "librarian",
                "library_assistant",
                "manager",
                "specialist",
                "other",
                name="job_title",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("is_validated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence_nodes.id"],
            name=op.f("fk_mapping_levels_competence_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["competence_frameworks.id"],
            name=op.f("fk_mapping_levels_framework_id_competence_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["org_units.id"],
            name=op.f("fk_mapping_levels_library_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mapping_participants.id"],
            name=op.f("fk_mapping_levels_participant_id_mapping_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_mapping_levels_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "competence_id", name=op.f("pk_mapping_levels")),
    )
    op.create_index("ix_mapping_levels_library_id", "mapping_levels", ["library_id"], unique=False)
    op.create_index(
        op.f("ix_mapping_levels_participant_id"), "mapping_levels", ["participant_id"], unique=False
    )
    op.create_index(
        "ix_mapping_levels_report",
        "mapping_levels",
        ["framework_id", "unit_path", "competence_id", "job_title", "score"],
        unique=False,
    )
    op.create_table(
        "mapping_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "self",
                "validated",
                name="mapping_rating_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence_nodes.id"],
            name=op.f("fk_mapping_ratings_competence_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["mapping_participants.id"],
            name=op.f("fk_mapping_ratings_participant_id_mapping_participants"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rated_by_id"],
            ["users.id"],
            name=op.f("fk_mapping_ratings_rated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mapping_ratings")),
        sa.UniqueConstraint(
            "participant_id", "competence_id", "kind", name="uq_mapping_ratings_participant"
        ),
    )
    op.create_index(
        op.f("ix_mapping_ratings_competence_id"), "mapping_ratings", ["competence_id"], unique=False
    )
    op.create_index(
        "ix_mapping_ratings_lookup",
        "mapping_ratings",
        ["participant_id", "kind", "competence_id", "score"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_mapping_ratings_lookup", table_name="mapping_ratings")
    op.drop_index(op.f("ix_mapping_ratings_competence_id"), table_name="mapping_ratings")
    op.drop_table("mapping_ratings")
    op.drop_index("ix_mapping_levels_report", table_name="mapping_levels")
    op.drop_index(op.f("ix_mapping_levels_participant_id"), table_name="mapping_levels")
    op.drop_index("ix_mapping_levels_library_id", table_name="mapping_levels")
    op.drop_table("mapping_levels")
    op.drop_table("mapping_tallies")
    op.drop_table("mapping_round_units")
    op.drop_index("ix_mapping_participants_user_submitted", table_name="mapping_participants")
    op.drop_index(op.f("ix_mapping_participants_unit_path"), table_name="mapping_participants")
    op.drop_index(op.f("ix_mapping_participants_round_id"), table_name="mapping_participants")
    op.drop_index(op.f("ix_mapping_participants_library_id"), table_name="mapping_participants")
    op.drop_table("mapping_participants")
    op.drop_index(op.f("ix_mapping_rounds_programme_id"), table_name="mapping_rounds")
    op.drop_index(op.f("ix_mapping_rounds_framework_id"), table_name="mapping_rounds")
    op.drop_table("mapping_rounds")
