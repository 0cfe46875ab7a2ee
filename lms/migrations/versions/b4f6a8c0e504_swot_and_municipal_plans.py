"""SWOT workshops and municipality development plans

Revision ID: b4f6a8c0e504
Revises: b3a5c7e9f403
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b4f6a8c0e504"
down_revision: str | None = "b3a5c7e9f403"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "swot_workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("preparation_html", sa.Text(), nullable=False),
        sa.Column("preparation_source", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="swot_board_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("votes_per_person", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("invited_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "votes_per_person >= 0", name=op.f("ck_swot_workshops_votes_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_swot_workshops_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["org_units.id"],
            name=op.f("fk_swot_workshops_municipality_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swot_workshops")),
    )
    with op.batch_alter_table("swot_workshops", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_swot_workshops_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "swot_facilitators",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_swot_facilitators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["swot_workshops.id"],
            name=op.f("fk_swot_facilitators_workshop_id_swot_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workshop_id", "user_id", name=op.f("pk_swot_facilitators")),
    )
    with op.batch_alter_table("swot_facilitators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_swot_facilitators_user_id"), ["user_id"], unique=False)

    op.create_table(
        "swot_participants",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_swot_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["swot_workshops.id"],
            name=op.f("fk_swot_participants_workshop_id_swot_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workshop_id", "user_id", name=op.f("pk_swot_participants")),
    )
    with op.batch_alter_table("swot_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_swot_participants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "swot_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column(
            "quadrant",
            sa.Enum(
                "strength",
                "weakness",
                "opportunity",
                "threat",
                name="swot_quadrant",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_swot_groups_priority_range")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["swot_workshops.id"],
            name=op.f("fk_swot_groups_workshop_id_swot_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swot_groups")),
        sa.UniqueConstraint("workshop_id", "quadrant", "name", name="uq_swot_groups_name"),
    )
    with op.batch_alter_table("swot_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_swot_groups_workshop_id"), ["workshop_id"], unique=False
        )

    op.create_table(
        "swot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column(
            "quadrant",
            sa.Enum(
                "strength",
                "weakness",
                "opportunity",
                "threat",
                name="swot_quadrant",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "outer",
                "near",
                "inner",
                name="swot_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "perspective",
            sa.Enum(
                "challenges",
                "target_groups",
                "opportunities",
                name="swot_perspective",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_swot_items_priority_range")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_swot_items_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["swot_groups.id"],
            name=op.f("fk_swot_items_group_id_swot_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["swot_workshops.id"],
            name=op.f("fk_swot_items_workshop_id_swot_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swot_items")),
    )
    with op.batch_alter_table("swot_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_swot_items_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_swot_items_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_swot_items_workshop_id"), ["workshop_id"], unique=False
        )

    op.create_table(
        "swot_votes",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["swot_items.id"],
            name=op.f("fk_swot_votes_item_id_swot_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_swot_votes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "user_id", name=op.f("pk_swot_votes")),
    )
    with op.batch_alter_table("swot_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_swot_votes_user_id"), ["user_id"], unique=False)

    op.create_table(
        "municipal_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "adopted",
                "in_progress",
                "done",
                name="municipal_plan_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("summary_html", sa.Text(), nullable=False),
        sa.Column("summary_source", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_municipal_plans_dates_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_municipal_plans_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["org_units.id"],
            name=op.f("fk_municipal_plans_municipality_id_org_units"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["swot_workshops.id"],
            name=op.f("fk_municipal_plans_workshop_id_swot_workshops"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipal_plans")),
    )
    with op.batch_alter_table("municipal_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipal_plans_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_municipal_plans_workshop_id"), ["workshop_id"], unique=False
        )

    op.create_table(
        "municipal_plan_goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["municipal_plans.id"],
            name=op.f("fk_municipal_plan_goals_plan_id_municipal_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipal_plan_goals")),
    )
    with op.batch_alter_table("municipal_plan_goals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipal_plan_goals_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "municipal_plan_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "in_progress",
                "done",
                "cancelled",
                name="municipal_action_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "starts_on IS NULL OR due_on IS NULL OR due_on >= starts_on",
            name=op.f("ck_municipal_plan_actions_dates_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["municipal_plan_goals.id"],
            name=op.f("fk_municipal_plan_actions_goal_id_municipal_plan_goals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["users.id"],
            name=op.f("fk_municipal_plan_actions_responsible_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipal_plan_actions")),
    )
    with op.batch_alter_table("municipal_plan_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipal_plan_actions_goal_id"), ["goal_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_municipal_plan_actions_responsible_id"), ["responsible_id"], unique=False
        )

    op.create_table(
        "municipal_plan_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "swot_item",
                "swot_group",
                "competence",
                "course",
                "webinar_series",
                "track",
                name="municipal_plan_link_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(goal_id IS NULL) <> (action_id IS NULL)",
            name=op.f("ck_municipal_plan_links_goal_or_action"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["municipal_plan_actions.id"],
            name=op.f("fk_municipal_plan_links_action_id_municipal_plan_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["municipal_plan_goals.id"],
            name=op.f("fk_municipal_plan_links_goal_id_municipal_plan_goals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipal_plan_links")),
    )
    with op.batch_alter_table("municipal_plan_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_municipal_plan_links_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_municipal_plan_links_goal_id"), ["goal_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("municipal_plan_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipal_plan_links_goal_id"))
        batch_op.drop_index(batch_op.f("ix_municipal_plan_links_action_id"))

    op.drop_table("municipal_plan_links")
    with op.batch_alter_table("municipal_plan_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipal_plan_actions_responsible_id"))
        batch_op.drop_index(batch_op.f("ix_municipal_plan_actions_goal_id"))

    op.drop_table("municipal_plan_actions")
    with op.batch_alter_table("municipal_plan_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipal_plan_goals_plan_id"))

    op.drop_table("municipal_plan_goals")
    with op.batch_alter_table("municipal_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_municipal_plans_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_municipal_plans_municipality_id"))

    op.drop_table("municipal_plans")
    with op.batch_alter_table("swot_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_votes_user_id"))

    op.drop_table("swot_votes")
    with op.batch_alter_table("swot_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_items_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_swot_items_group_id"))
        batch_op.drop_index(batch_op.f("ix_swot_items_author_id"))

    op.drop_table("swot_items")
    with op.batch_alter_table("swot_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_groups_workshop_id"))

    op.drop_table("swot_groups")
    with op.batch_alter_table("swot_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_participants_user_id"))

    op.drop_table("swot_participants")
    with op.batch_alter_table("swot_facilitators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_facilitators_user_id"))

    op.drop_table("swot_facilitators")
    with op.batch_alter_table("swot_workshops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_swot_workshops_municipality_id"))

    op.drop_table("swot_workshops")
