"""The webinars' part of the access matrix's world (``tests/test_access_matrix.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import (
    EventSession,
    Recording,
    Registration,
    RegistrationStatus,
    SessionKind,
)
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit


def _session(series: Any, *, days: float) -> EventSession:
    start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
    return EventSession(
        series_id=series.id,
        title="Matrix session",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/Stockholm",
        language="sv",
        capacity=10,
        kind=SessionKind.ON_SITE,
        address="Storgatan 1",
    )


def add_webinars(session: Session, users: dict[str, User], ids: dict[str, Any]) -> None:
    """An open series of region A (one session ahead, one over), and region B's own series."""
    region_a = session.scalar(select(OrgUnit).where(OrgUnit.name == "Region A"))
    region_b = session.scalar(select(OrgUnit).where(OrgUnit.name == "Region B"))
    series_a = services.create_series(
        session, title="Series A", description=None, owner_unit=region_a, organiser=None
    )
    ahead, over = _session(series_a, days=7), _session(series_a, days=-1)
    series_b = services.create_series(
        session,
        title="Series B",
        description=None,
        owner_unit=region_b,
        organiser=None,
        audience=[region_b] if region_b else [],
    )
    only_b = _session(series_b, days=7)
    session.add_all([ahead, over, only_b])
    session.flush()
    learner = users["learner"]
    session.add(Registration(session=ahead, user=learner, status=RegistrationStatus.REGISTERED))
    session.add(Registration(session=over, user=learner, status=RegistrationStatus.REGISTERED))
    recording = Recording(session_id=ahead.id, url="https://video.example.org/1", is_published=True)
    session.add(recording)
    token = services.renew_feed(session, learner)
    session.flush()
    ids.update(
        wb_series_a=series_a.id,
        wb_series_b=series_b.id,
        wb_ahead=ahead.id,
        wb_over=over.id,
        wb_only_b=only_b.id,
        wb_feed=token,
        wb_recording=recording.id,
    )
