"""Factories for the webinar tests: a series with a session in the future, and mail read back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import EventSeries, EventSession, SessionKind
from lms.auth.models import User
from lms.db import utcnow
from lms.orgs.models import OrgUnit
from lms.outbox.models import OutboxMessage


@pytest.fixture
def create_session(session: Session, request_context: Any) -> Callable[..., EventSession]:
    """``create_session(capacity=2, audience=[region])``: a one-hour session in the future."""
    return partial(new_session, session)


def new_session(
    session: Session,
    *,
    capacity: int = 10,
    audience: list[OrgUnit] | None = None,
    owner_unit: OrgUnit | None = None,
    starts_at: datetime | None = None,
    kind: SessionKind = SessionKind.ONLINE_LINK,
    timezone: str = "Europe/Stockholm",
    organiser: User | None = None,
    title: str = "Mediating e-audiobooks to seniors",
) -> EventSession:
    """A one-hour session in the future (or at ``starts_at``) of a series of its own, committed;
    for tests that run on a database of their own, without the ``session`` fixture."""
    series = services.create_series(
        session,
        title=title,
        description="Four **sessions**.",
        owner_unit=owner_unit,
        organiser=organiser,
        audience=audience or [],
    )
    start = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
    ev = services.add_session(
        session,
        series,
        services.SessionInput(
            title=f"{title}, part 1",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone=timezone,
            language="sv",
            capacity=capacity,
            kind=kind,
            meeting_url="https://meet.example.org/abc" if kind is SessionKind.ONLINE_LINK else None,
            address="Storgatan 1, Falun" if kind is SessionKind.ON_SITE else None,
        ),
        now=min(utcnow(), start - timedelta(minutes=1)),
    )
    session.commit()
    return ev


def mails(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel == "mail").order_by(OutboxMessage.id)
    )
    return [m.payload for m in rows]


def series_count(session: Session) -> int:
    return len(list(session.scalars(select(EventSeries))))
