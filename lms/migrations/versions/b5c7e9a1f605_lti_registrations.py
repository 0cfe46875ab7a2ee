"""LTI platforms, deployments, keys, nonces, launches and line items

Revision ID: b5c7e9a1f605
Revises: b4f6a8c0e504
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

revision: str = "b5c7e9a1f605"
down_revision: str | None = "b4f6a8c0e504"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
