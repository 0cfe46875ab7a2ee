"""Competence frameworks, competences, scales, levels, target levels and tags

Revision ID: b1c0a7e5d201
Revises: 5057edc57277
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b1c0a7e5d201"
down_revision: str | None = "5057edc57277"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
