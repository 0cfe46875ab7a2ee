"""What the dashboards keep so they need not derive it on every page.

:class:`TrackCompletion` is derived data, never edited by hand: ``lms.reporting.completions``
keeps it equal to :func:`lms.reporting.queries.done_tracks` (the one statement of the rule), in
the same transaction as each change that moves it, and rebuilds it whole when data came in
behind the app's back (``librarena reports refresh``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base, utcnow


class TrackCompletion(Base):
    """A person has done every step a track requires, whether or not it is assigned to them
    (a step done before the assignment counts)."""

    __tablename__ = "track_completions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: When the completion was first seen; kept while it holds.
    noticed_at: Mapped[datetime] = mapped_column(default=utcnow)
