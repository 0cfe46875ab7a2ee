"""xAPI LRS and webinar additions

Revision ID: b7a9c1e3f807
Revises: b6e8a0c2f706
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b7a9c1e3f807"
down_revision: str | None = "b6e8a0c2f706"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
