"""Mapping rounds, self-assessments and manager ratings

Revision ID: b2d4e6f8a302
Revises: b1c0a7e5d201
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b2d4e6f8a302"
down_revision: str | None = "b1c0a7e5d201"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
