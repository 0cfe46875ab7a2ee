"""The access matrix's part for ``content.packages`` (see ``tests/matrix_support.py``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from tests.matrix_support import Case


def add_world(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """Add what this package's URLs need to the matrix's world; put their ids in ``ids``."""


CASES: list[Case] = []
