"""xAPI LRS: clients, statements and their links, attachments, documents, activities

Revision ID: 78755fb58946
Revises: dcc725eac5c6
Create Date: 2026-11-22 02:48:49.896011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "78755fb58946"
down_revision: str | None = "dcc725eac5c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xapi_activities",
        sa.Column("id", sa.String(length=1024), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_activities")),
    )
    op.create_table(
        "xapi_attachments",
        sa.Column("sha2", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha2", name=op.f("pk_xapi_attachments")),
    )
    op.create_table(
        "xapi_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("activity_id", sa.String(length=1024), nullable=False),
        sa.Column("agent_ifi", sa.String(length=1100), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=False),
        sa.Column("doc_id", sa.String(length=1024), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=40), nullable=False),
        sa.Column("updated_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_documents")),
        sa.UniqueConstraint(
            "kind", "activity_id", "agent_ifi", "registration", "doc_id", name="uq_xapi_documents"
        ),
    )
    op.create_table(
        "xapi_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_xapi_clients_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_clients")),
        sa.UniqueConstraint("key", name=op.f("uq_xapi_clients_key")),
    )
    with op.batch_alter_table("xapi_clients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_xapi_clients_user_id"), ["user_id"], unique=False)
    op.create_table(
        "xapi_statements",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("stored", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_ifi", sa.String(length=1100), nullable=True),
        sa.Column("verb_id", sa.String(length=1024), nullable=False),
        sa.Column("activity_id", sa.String(length=1024), nullable=True),
        sa.Column("ref_id", sa.String(length=36), nullable=True),
        sa.Column("registration", sa.String(length=36), nullable=True),
        sa.Column("is_voided", sa.Boolean(), nullable=False),
        sa.Column("is_voiding", sa.Boolean(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["xapi_clients.id"],
            name=op.f("fk_xapi_statements_client_id_xapi_clients"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_xapi_statements_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_xapi_statements")),
        sa.UniqueConstraint("id", name=op.f("uq_xapi_statements_id")),
    )
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statements_activity_seq", ["activity_id", "seq"], unique=False
        )
        batch_op.create_index("ix_xapi_statements_actor_seq", ["actor_ifi", "seq"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_xapi_statements_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statements_ref_id"), ["ref_id"], unique=False)
        batch_op.create_index(
            "ix_xapi_statements_registration_seq", ["registration", "seq"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statements_stored"), ["stored"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statements_user_id"), ["user_id"], unique=False)
        batch_op.create_index("ix_xapi_statements_verb_seq", ["verb_id", "seq"], unique=False)
    op.create_table(
        "xapi_statement_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1100), nullable=False),
        sa.ForeignKeyConstraint(
            ["seq"],
            ["xapi_statements.seq"],
            name=op.f("fk_xapi_statement_links_seq_xapi_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statement_links")),
    )
    with op.batch_alter_table("xapi_statement_links", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statement_links_kind_value_seq", ["kind", "value", "seq"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statement_links_seq"), ["seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("xapi_statement_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_statement_links_seq"))
        batch_op.drop_index("ix_xapi_statement_links_kind_value_seq")
    op.drop_table("xapi_statement_links")
    with op.batch_alter_table("xapi_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statements_verb_seq")
        batch_op.drop_index(batch_op.f("ix_xapi_statements_user_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_stored"))
        batch_op.drop_index("ix_xapi_statements_registration_seq")
        batch_op.drop_index(batch_op.f("ix_xapi_statements_ref_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statements_client_id"))
        batch_op.drop_index("ix_xapi_statements_actor_seq")
        batch_op.drop_index("ix_xapi_statements_activity_seq")
    op.drop_table("xapi_statements")
    with op.batch_alter_table("xapi_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_clients_user_id"))
    op.drop_table("xapi_clients")
    op.drop_table("xapi_documents")
    op.drop_table("xapi_attachments")
    op.drop_table("xapi_activities")
