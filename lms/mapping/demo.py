"""Demo data: a mapping round with answers."""

from __future__ import annotations

from sqlalchemy.orm import Session


def load_demo_mapping(session: Session) -> None:
    """Add a mapping round with answers to the demo (called once, from ``lms.demo.load_demo``)."""
