"""Demo data: the competence framework for digital mediation and leadership, and target levels."""

from __future__ import annotations

from sqlalchemy.orm import Session


def load_demo_competences(session: Session) -> None:
    """Add the demo framework for digital mediation and leadership, and its target levels.

    Called once, from ``lms.demo.load_demo``.
    """
