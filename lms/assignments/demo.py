"""Demo data: the two tracks and some assignments."""

from __future__ import annotations

from sqlalchemy.orm import Session


def load_demo_tracks(session: Session) -> None:
    """Add the two tracks and some assignments to the demo

    Called once, from ``lms.demo.load_demo``.
    """
