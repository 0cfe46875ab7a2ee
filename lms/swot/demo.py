"""Demo data: a SWOT workshop."""

from __future__ import annotations

from sqlalchemy.orm import Session


def load_demo_swot(session: Session) -> None:
    """Add a SWOT workshop to the demo (called once, from ``lms.demo.load_demo``)."""
