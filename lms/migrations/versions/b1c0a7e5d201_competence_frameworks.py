"""Competence frameworks, competences, scales, levels, target levels and tags

Revision ID: b1c0a7e5d201
Revises: 5057edc57277
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b1c0a7e5d201"
down_revision: str | None = "5057edc57277"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competence_scales",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "proficiency",
                "self_efficacy",
                name="scale_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_scales")),
        sa.UniqueConstraint("slug", name=op.f("uq_competence_scales_slug")),
    )
    op.create_table(
        "competence_frameworks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("fallback_locale", sa.String(length=8), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("source_note", sa.String(length=500), nullable=False),
        sa.Column("scale_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scale_id"],
            ["competence_scales.id"],
            name=op.f("fk_competence_frameworks_scale_id_competence_scales"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_frameworks")),
        sa.UniqueConstraint("slug", name=op.f("uq_competence_frameworks_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_competence_frameworks_uuid")),
    )
    op.create_index(
        op.f("ix_competence_frameworks_scale_id"),
        "competence_frameworks",
        ["scale_id"],
        unique=False,
    )
    op.create_table(
        "competence_scale_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scale_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("descriptor", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("is_proficient", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "value BETWEEN 0 AND 100", name=op.f("ck_competence_scale_levels_value_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["scale_id"],
            ["competence_scales.id"],
            name=op.f("fk_competence_scale_levels_scale_id_competence_scales"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_scale_levels")),
        sa.UniqueConstraint("scale_id", "value", name="uq_competence_scale_levels_value"),
    )
    op.create_index(
        op.f("ix_competence_scale_levels_scale_id"),
        "competence_scale_levels",
        ["scale_id"],
        unique=False,
    )
    op.create_table(
        "competence_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "area",
                "competence",
                name="competence_node_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_competence_nodes_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["competence_frameworks.id"],
            name=op.f("fk_competence_nodes_framework_id_competence_frameworks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["competence_nodes.id"],
            name=op.f("fk_competence_nodes_parent_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_nodes")),
        sa.UniqueConstraint("framework_id", "uuid", name="uq_competence_nodes_framework_uuid"),
    )
    op.create_index(
        op.f("ix_competence_nodes_framework_id"), "competence_nodes", ["framework_id"], unique=False
    )
    op.create_index(
        op.f("ix_competence_nodes_parent_id"), "competence_nodes", ["parent_id"], unique=False
    )
    op.create_table(
        "competence_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competence_id", sa.Integer(), nullable=False),
        sa.Column(
            "target_kind",
            sa.Enum(
                "course",
                "module",
                "webinar_series",
                "track",
                name="competence_link_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence_nodes.id"],
            name=op.f("fk_competence_links_competence_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_links")),
        sa.UniqueConstraint(
            "competence_id", "target_kind", "target_id", name="uq_competence_links_target"
        ),
    )
    op.create_index(
        op.f("ix_competence_links_competence_id"),
        "competence_links",
        ["competence_id"],
        unique=False,
    )
    op.create_index(
        "ix_competence_links_target", "competence_links", ["target_kind", "target_id"], unique=False
    )
    op.create_table(
        "competence_target_levels",
        sa.Column("id", sa.Integer(), nullable=False),
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
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("max_level", sa.Integer(), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "max_level >= min_level", name=op.f("ck_competence_target_levels_range_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["competence_id"],
            ["competence_nodes.id"],
            name=op.f("fk_competence_target_levels_competence_id_competence_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["org_units.id"],
            name=op.f("fk_competence_target_levels_unit_id_org_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competence_target_levels")),
        sa.UniqueConstraint(
            "competence_id", "job_title", "unit_id", name="uq_competence_target_levels_key"
        ),
    )
    op.create_index(
        op.f("ix_competence_target_levels_competence_id"),
        "competence_target_levels",
        ["competence_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_competence_target_levels_unit_id"),
        "competence_target_levels",
        ["unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("competence_target_levels")
    op.drop_table("competence_links")
    op.drop_table("competence_nodes")
    op.drop_table("competence_scale_levels")
    op.drop_table("competence_frameworks")
    op.drop_table("competence_scales")
