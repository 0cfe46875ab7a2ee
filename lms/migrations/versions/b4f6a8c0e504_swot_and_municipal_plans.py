"""SWOT workshops and municipality development plans

Revision ID: b4f6a8c0e504
Revises: b3a5c7e9f403
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b4f6a8c0e504"
down_revision: str | None = "b3a5c7e9f403"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
