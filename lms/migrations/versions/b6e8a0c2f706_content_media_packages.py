"""Course media uploads

Revision ID: b6e8a0c2f706
Revises: b5c7e9a1f605
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b6e8a0c2f706"
down_revision: str | None = "b5c7e9a1f605"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
