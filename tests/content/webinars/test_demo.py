"""The demo has a webinar series per pilot course and two on-site course days, all ahead."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars.models import EventSeries, SessionKind
from lms.db import utcnow
from lms.demo import load_demo


def test_demo_webinars(session: Session) -> None:
    assert load_demo(session)
    series = {s.title: s for s in session.scalars(select(EventSeries))}
    assert len(series["Webbinarieserie: Digital förmedling"].sessions) == 4
    assert len(series["Webbinarieserie: Digitalt ledarskap"].sessions) == 4
    days = series["Kursdagar: Digital förmedling i praktiken"].sessions
    assert [s.kind for s in days] == [SessionKind.ON_SITE, SessionKind.ON_SITE]
    every = [ev for s in series.values() for ev in s.sessions]
    assert all(ev.starts_at > utcnow() and ev.language == "sv" for ev in every)
