"""Demo data: individual and municipality development plans."""

from __future__ import annotations

from sqlalchemy.orm import Session


def load_demo_plans(session: Session) -> None:
    """Add individual and municipality development plans to the demo

    Called once, from ``lms.demo.load_demo``.
    """
