"""Tracks, steps, assignments and individual development plans

Revision ID: b3a5c7e9f403
Revises: b2d4e6f8a302
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b3a5c7e9f403"
down_revision: str | None = "b2d4e6f8a302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
