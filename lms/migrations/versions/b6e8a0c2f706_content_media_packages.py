"""Course media uploads, machine clients of the content API, published catalogue columns

Revision ID: b6e8a0c2f706
Revises: b5c7e9a1f605
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import lms.db

revision: str = "b6e8a0c2f706"
down_revision: str | None = "b5c7e9a1f605"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _catalogue_fields(data: dict[str, Any]) -> dict[str, Any]:
    # A copy of content.courses.snapshot.catalogue_fields as it is today: a migration must not
    # change when the app's code does.
    course = data.get("course") or {}
    translations = course.get("translations") or {}
    return {
        "published_topic": course.get("topic") or "",
        "published_minutes": course.get("estimated_minutes") or 0,
        "published_locales": "," + ",".join(sorted(translations)) + "," if translations else "",
        "published_header": {
            "course": {
                **{k: v for k, v in course.items() if k != "translations"},
                "translations": {
                    loc: {
                        "title": t.get("title", ""),
                        "summary": t.get("summary", ""),
                        "description_html": "",
                    }
                    for loc, t in translations.items()
                },
            },
            "modules": [],
        }
        if course
        else {},
    }


def _add_catalogue_columns() -> None:
    """The published version's catalogue fields on ``courses``, filled from each course's
    latest version."""
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("published_topic", sa.String(length=80), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("published_minutes", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("published_locales", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("published_header", sa.JSON(), nullable=True))
    courses = sa.table(
        "courses",
        sa.column("id", sa.Integer()),
        sa.column("published_topic", sa.String()),
        sa.column("published_minutes", sa.Integer()),
        sa.column("published_locales", sa.String()),
        sa.column("published_header", sa.JSON()),
    )
    versions = sa.table(
        "course_versions",
        sa.column("course_id", sa.Integer()),
        sa.column("number", sa.Integer()),
        sa.column("snapshot", sa.JSON()),
    )
    connection = op.get_bind()
    latest: dict[int, tuple[int, Any]] = {}
    for course_id, number, snapshot in connection.execute(
        sa.select(versions.c.course_id, versions.c.number, versions.c.snapshot)
    ):
        if course_id not in latest or number > latest[course_id][0]:
            latest[course_id] = (number, snapshot)
    for course_id in connection.execute(sa.select(courses.c.id)).scalars():
        _number, snapshot = latest.get(course_id, (0, None))
        connection.execute(
            courses.update()
            .where(courses.c.id == course_id)
            .values(**_catalogue_fields(snapshot or {}))
        )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.alter_column("published_topic", server_default=None)
        batch_op.alter_column("published_minutes", server_default=None)
        batch_op.alter_column("published_locales", server_default=None)
        batch_op.alter_column("published_header", existing_type=sa.JSON(), nullable=False)


def upgrade() -> None:
    _add_catalogue_columns()
    op.create_table(
        "course_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "image",
                "video",
                "captions",
                "file",
                name="media_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("storage_name", sa.String(length=80), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("alt", sa.String(length=300), nullable=False),
        sa.Column("captions_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_course_media_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["captions_id"],
            ["course_media.id"],
            name=op.f("fk_course_media_captions_id_course_media"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_media_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_course_media_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_media")),
        sa.UniqueConstraint("storage_name", name=op.f("uq_course_media_storage_name")),
    )
    with op.batch_alter_table("course_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_media_course_id"), ["course_id"], unique=False)

    op.create_table(
        "content_api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", lms.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_content_api_clients_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_api_clients")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_content_api_clients_token_hash")),
    )


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("published_header")
        batch_op.drop_column("published_locales")
        batch_op.drop_column("published_minutes")
        batch_op.drop_column("published_topic")
    op.drop_table("content_api_clients")
    with op.batch_alter_table("course_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_media_course_id"))
    op.drop_table("course_media")
