"""The demo has a webinar series per pilot course and two on-site course days, all ahead."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars.demo import SERIES, ZONE, days_off, load_demo_webinars, working_day
from content.webinars.models import EventSeries, EventSession, SessionKind
from lms.db import utcnow
from lms.demo import load_demo


def test_demo_webinars(session: Session, app_context: None) -> None:
    assert load_demo(session)
    series = {s.title: s for s in session.scalars(select(EventSeries))}
    assert len(series["Webbinarieserie: Digital förmedling"].sessions) == 4
    assert len(series["Webbinarieserie: Digitalt ledarskap"].sessions) == 4
    days = series["Kursdagar: Digital förmedling i praktiken"].sessions
    assert [s.kind for s in days] == [SessionKind.ON_SITE, SessionKind.ON_SITE]
    # This package's demo series are all ahead (other packages' demos may add past ones).
    ours = [s.title for s in SERIES] + ["Kursdagar: Digital förmedling i praktiken"]
    every = [ev for title in ours for ev in series[title].sessions]
    assert len(every) == 10
    assert all(ev.starts_at > utcnow() and ev.language == "sv" for ev in every)


@pytest.mark.parametrize(
    "today",
    [date(2027, 12, 14), date(2027, 12, 21), date(2028, 4, 2), date(2028, 6, 11)],
    ids=["christmas", "new-year", "easter", "midsummer"],
)
def test_demo_sessions_fall_on_working_days(session: Session, today: date) -> None:
    load_demo_webinars(session, today=today)
    zone = ZoneInfo(ZONE)
    every = list(session.scalars(select(EventSession)))
    assert len(every) == 10
    off = days_off([today.year, today.year + 1])
    for ev in every:
        day = ev.starts_at.astimezone(zone).date()
        assert day.weekday() < 5, (ev.title, day)
        assert day not in off, (ev.title, day)
    # Sessions of a series stay in order, a week or so apart.
    for series in session.scalars(select(EventSeries)):
        starts = [ev.starts_at for ev in series.sessions]
        assert starts == sorted(starts)
        assert len(set(starts)) == len(starts)


def test_days_off_know_the_nordic_holidays() -> None:
    off = days_off([2027])
    for day in (
        date(2027, 3, 26),  # Good Friday
        date(2027, 5, 6),  # Ascension Day
        date(2027, 5, 17),  # Norway's Constitution Day, Whit Monday (NO, DK)
        date(2027, 6, 25),  # Midsummer Eve (SE)
        date(2027, 12, 24),  # Christmas Eve
        date(2027, 12, 31),  # New Year's Eve
    ):
        assert day in off, day
    assert date(2027, 3, 24) not in off
    assert working_day(date(2027, 12, 24), off) == date(2027, 12, 27)
    assert working_day(date(2027, 3, 26), off) == date(2027, 3, 30)  # Easter Monday too
