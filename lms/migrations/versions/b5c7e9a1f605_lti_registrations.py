"""LTI platforms, deployments, keys, nonces, launches and line items

Revision ID: b5c7e9a1f605
Revises: b4f6a8c0e504
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b5c7e9a1f605"
down_revision: str | None = "b4f6a8c0e504"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1024), nullable=False),
        sa.Column("auth_token_url", sa.String(length=1024), nullable=False),
        sa.Column("jwks_url", sa.String(length=1024), nullable=False),
        sa.Column("token_audience", sa.String(length=1024), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("jwks_cache", sa.JSON(), nullable=True),
        sa.Column("jwks_expires_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("registration", sa.JSON(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_platforms")),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),
    )
    op.create_index(op.f("ix_lti_platforms_issuer"), "lti_platforms", ["issuer"], unique=False)
    op.create_table(
        "lti_tool_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("private_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retired_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_tool_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_lti_tool_keys_kid")),
    )
    op.create_table(
        "lti_used_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_used_nonces")),
        sa.UniqueConstraint("issuer", "value", name="uq_lti_used_nonces_issuer_value"),
    )
    op.create_index(
        op.f("ix_lti_used_nonces_expires_at"), "lti_used_nonces", ["expires_at"], unique=False
    )
    op.create_table(
        "lti11_consumers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("consumer_key", sa.String(length=255), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti11_consumers_platform_id_lti_platforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti11_consumers")),
        sa.UniqueConstraint("consumer_key", name=op.f("uq_lti11_consumers_consumer_key")),
    )
    op.create_index(
        op.f("ix_lti11_consumers_platform_id"), "lti11_consumers", ["platform_id"], unique=False
    )
    op.create_table(
        "lti_deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_deployments_platform_id_lti_platforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_deployments")),
        sa.UniqueConstraint("platform_id", "deployment_id", name="uq_lti_deployments_platform"),
    )
    op.create_index(
        op.f("ix_lti_deployments_platform_id"), "lti_deployments", ["platform_id"], unique=False
    )
    op.create_table(
        "lti_launch_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("target_link_uri", sa.String(length=1024), nullable=False),
        sa.Column("login_params", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_launch_states_platform_id_lti_platforms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_launch_states")),
        sa.UniqueConstraint("state", name=op.f("uq_lti_launch_states_state")),
    )
    op.create_index(
        op.f("ix_lti_launch_states_expires_at"), "lti_launch_states", ["expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_lti_launch_states_platform_id"), "lti_launch_states", ["platform_id"], unique=False
    )
    op.create_table(
        "lti_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("sub", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_launch_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lti_users_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_users")),
        sa.UniqueConstraint("issuer", "sub", name="uq_lti_users_issuer_sub"),
    )
    op.create_index(op.f("ix_lti_users_user_id"), "lti_users", ["user_id"], unique=False)
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_key", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("memberships_url", sa.String(length=1024), nullable=True),
        sa.Column("lineitems_url", sa.String(length=1024), nullable=True),
        sa.Column("ags_scopes", sa.String(length=1024), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["lti_deployments.id"],
            name=op.f("fk_lti_contexts_deployment_id_lti_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_contexts")),
        sa.UniqueConstraint("deployment_id", "context_key", name="uq_lti_contexts_deployment_key"),
    )
    op.create_index(
        op.f("ix_lti_contexts_deployment_id"), "lti_contexts", ["deployment_id"], unique=False
    )
    op.create_table(
        "lti_context_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "learner",
                "coordinator",
                name="lti_context_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["lti_contexts.id"],
            name=op.f("fk_lti_context_members_context_id_lti_contexts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lti_context_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_context_members")),
        sa.UniqueConstraint("context_id", "user_id", name="uq_lti_context_members_context_user"),
    )
    op.create_index(
        op.f("ix_lti_context_members_context_id"),
        "lti_context_members",
        ["context_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lti_context_members_user_id"), "lti_context_members", ["user_id"], unique=False
    )
    op.create_table(
        "lti_resource_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("link_key", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column(
            "target_kind",
            sa.Enum(
                "course",
                "module",
                "webinar_series",
                "track",
                name="lti_target",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("lineitem_url", sa.String(length=1024), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["lti_contexts.id"],
            name=op.f("fk_lti_resource_links_context_id_lti_contexts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["lti_deployments.id"],
            name=op.f("fk_lti_resource_links_deployment_id_lti_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_resource_links")),
        sa.UniqueConstraint(
            "deployment_id", "link_key", name="uq_lti_resource_links_deployment_key"
        ),
    )
    op.create_index(
        op.f("ix_lti_resource_links_context_id"), "lti_resource_links", ["context_id"], unique=False
    )
    op.create_index(
        op.f("ix_lti_resource_links_deployment_id"),
        "lti_resource_links",
        ["deployment_id"],
        unique=False,
    )
    op.create_table(
        "lti_grade_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=36), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("score_given", sa.Double(), nullable=False),
        sa.Column("score_maximum", sa.Double(), nullable=False),
        sa.Column("activity_progress", sa.String(length=32), nullable=False),
        sa.Column("grading_progress", sa.String(length=32), nullable=False),
        sa.Column("resource_key", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                name="lti_grade_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["lti_resource_links.id"],
            name=op.f("fk_lti_grade_sends_resource_link_id_lti_resource_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lti_grade_sends_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_grade_sends")),
        sa.UniqueConstraint("key", name=op.f("uq_lti_grade_sends_key")),
    )
    op.create_index(
        op.f("ix_lti_grade_sends_resource_link_id"),
        "lti_grade_sends",
        ["resource_link_id"],
        unique=False,
    )
    op.create_index(
        "ix_lti_grade_sends_status", "lti_grade_sends", ["status", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_lti_grade_sends_user_id"), "lti_grade_sends", ["user_id"], unique=False
    )
    op.create_table(
        "lti_launches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("resource_link_id", sa.Integer(), nullable=True),
        sa.Column("message_type", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("target_path", sa.String(length=1024), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["lti_contexts.id"],
            name=op.f("fk_lti_launches_context_id_lti_contexts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["lti_platforms.id"],
            name=op.f("fk_lti_launches_platform_id_lti_platforms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["lti_resource_links.id"],
            name=op.f("fk_lti_launches_resource_link_id_lti_resource_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_lti_launches_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_launches")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_lti_launches_token_hash")),
    )
    op.create_index(
        op.f("ix_lti_launches_context_id"), "lti_launches", ["context_id"], unique=False
    )
    op.create_index(
        op.f("ix_lti_launches_platform_id"), "lti_launches", ["platform_id"], unique=False
    )
    op.create_index(
        op.f("ix_lti_launches_resource_link_id"), "lti_launches", ["resource_link_id"], unique=False
    )
    op.create_index(op.f("ix_lti_launches_user_id"), "lti_launches", ["user_id"], unique=False)
    op.create_table(
        "lti_line_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("resource_link_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("score_maximum", sa.Double(), nullable=False),
        sa.Column("resource_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["lti_contexts.id"],
            name=op.f("fk_lti_line_items_context_id_lti_contexts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["lti_resource_links.id"],
            name=op.f("fk_lti_line_items_resource_link_id_lti_resource_links"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_line_items")),
        sa.UniqueConstraint("context_id", "url", name="uq_lti_line_items_context_url"),
    )
    op.create_index(
        op.f("ix_lti_line_items_context_id"), "lti_line_items", ["context_id"], unique=False
    )
    op.create_index(
        op.f("ix_lti_line_items_resource_link_id"),
        "lti_line_items",
        ["resource_link_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lti_line_items_resource_link_id"), table_name="lti_line_items")
    op.drop_index(op.f("ix_lti_line_items_context_id"), table_name="lti_line_items")
    op.drop_table("lti_line_items")
    op.drop_index(op.f("ix_lti_launches_user_id"), table_name="lti_launches")
    op.drop_index(op.f("ix_lti_launches_resource_link_id"), table_name="lti_launches")
    op.drop_index(op.f("ix_lti_launches_platform_id"), table_name="lti_launches")
    op.drop_index(op.f("ix_lti_launches_context_id"), table_name="lti_launches")
    op.drop_table("lti_launches")
    op.drop_index(op.f("ix_lti_grade_sends_user_id"), table_name="lti_grade_sends")
    op.drop_index("ix_lti_grade_sends_status", table_name="lti_grade_sends")
    op.drop_index(op.f("ix_lti_grade_sends_resource_link_id"), table_name="lti_grade_sends")
    op.drop_table("lti_grade_sends")
    op.drop_index(op.f("ix_lti_resource_links_deployment_id"), table_name="lti_resource_links")
    op.drop_index(op.f("ix_lti_resource_links_context_id"), table_name="lti_resource_links")
    op.drop_table("lti_resource_links")
    op.drop_index(op.f("ix_lti_context_members_user_id"), table_name="lti_context_members")
    op.drop_index(op.f("ix_lti_context_members_context_id"), table_name="lti_context_members")
    op.drop_table("lti_context_members")
    op.drop_index(op.f("ix_lti_contexts_deployment_id"), table_name="lti_contexts")
    op.drop_table("lti_contexts")
    op.drop_index(op.f("ix_lti_users_user_id"), table_name="lti_users")
    op.drop_table("lti_users")
    op.drop_index(op.f("ix_lti_launch_states_platform_id"), table_name="lti_launch_states")
    op.drop_index(op.f("ix_lti_launch_states_expires_at"), table_name="lti_launch_states")
    op.drop_table("lti_launch_states")
    op.drop_index(op.f("ix_lti_deployments_platform_id"), table_name="lti_deployments")
    op.drop_table("lti_deployments")
    op.drop_index(op.f("ix_lti11_consumers_platform_id"), table_name="lti11_consumers")
    op.drop_table("lti11_consumers")
    op.drop_index(op.f("ix_lti_used_nonces_expires_at"), table_name="lti_used_nonces")
    op.drop_table("lti_used_nonces")
    op.drop_table("lti_tool_keys")
    op.drop_index(op.f("ix_lti_platforms_issuer"), table_name="lti_platforms")
    op.drop_table("lti_platforms")
