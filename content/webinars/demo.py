"""Demo webinars: a series of four per pilot course and two on-site course days, in Swedish.

Dates are counted from today, so the demo always has sessions ahead, and moved to the next
working day when they would fall on a weekend or a Nordic public holiday. Called by
``lms.demo.load_demo`` after the organisations and courses exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from content.webinars import services
from content.webinars.models import Registration, RegistrationStatus, SessionKind
from lms.auth.models import User
from lms.orgs.models import OrgUnit, UnitKind

ZONE = "Europe/Stockholm"


@dataclass(frozen=True)
class DemoSeries:
    title: str
    description: str
    parts: tuple[str, ...]
    first_in_days: int
    clock: time
    link: str


SERIES: tuple[DemoSeries, ...] = (
    DemoSeries(
        title="Webbinarieserie: Digital förmedling",
        description=(
            "Fyra webbinarier till kursen om digital förmedling: e-ljudböcker för seniorer, "
            "bibliotekets databaser, digitala tjänster i vardagen och att visa dem för andra."
        ),
        parts=(
            "E-ljudböcker för seniorer",
            "Bibliotekets databaser",
            "Digitala tjänster i vardagen",
            "Att visa och lära ut",
        ),
        first_in_days=10,
        clock=time(13, 0),
        link="https://meet.librarena.example/digital-formedling",
    ),
    DemoSeries(
        title="Webbinarieserie: Digitalt ledarskap",
        description=(
            "Fyra webbinarier till kursen om digitalt ledarskap: att välja digitala resurser, "
            "avtal om resursdelning, att prioritera förmedlingen och att leda förändring."
        ),
        parts=(
            "Att välja digitala resurser",
            "Avtal om resursdelning",
            "Att prioritera förmedlingen i vardagen",
            "Att leda förändring",
        ),
        first_in_days=12,
        clock=time(9, 30),
        link="https://meet.librarena.example/digitalt-ledarskap",
    ),
)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def days_off(years: Iterable[int]) -> set[date]:
    """Public holidays of Sweden, Norway and Denmark, and the eves libraries close on there
    (midsummer, Christmas and New Year's Eve): the pilot spans all three countries."""
    found: set[date] = set()
    for country, categories in (
        ("SE", ("public", "de_facto")),
        ("NO", ("public",)),
        ("DK", ("public", "optional")),
    ):
        found |= set(holidays.country_holidays(country, years=years, categories=categories))
    return found


def working_day(day: date, off: set[date]) -> date:
    """``day``, or the first weekday after it that is no holiday in ``off``."""
    while day.weekday() >= 5 or day in off:
        day += timedelta(days=1)
    return day


def load_demo_webinars(session: Session, *, today: date | None = None) -> None:
    """Add the demo series; the demo learner has a place at the first webinar."""
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC)
    coordinator = session.scalar(select(User).where(User.email.like("coordinator@%")))
    learner = session.scalar(select(User).where(User.email.like("learner@%")))
    dalarna = session.scalar(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.REGION, OrgUnit.name == "Dalarna")
    )
    gavleborg = session.scalar(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.REGION, OrgUnit.name == "Gävleborg")
    )
    off = days_off(range(today.year, today.year + 2))
    first_session = None
    for spec in SERIES:
        series = services.create_series(
            session,
            title=spec.title,
            description=spec.description,
            owner_unit=dalarna,
            organiser=coordinator,
        )
        for n, part in enumerate(spec.parts):
            day = working_day(today + timedelta(days=spec.first_in_days + 7 * n), off)
            start = _at(day, spec.clock)
            ev = services.add_session(
                session,
                series,
                services.SessionInput(
                    title=f"{n + 1}. {part}",
                    starts_at=start,
                    ends_at=start + timedelta(minutes=90),
                    timezone=ZONE,
                    language="sv",
                    capacity=40,
                    kind=SessionKind.ONLINE_LINK,
                    meeting_url=spec.link,
                    presenters=[coordinator] if coordinator else [],
                ),
                now=now,
            )
            first_session = first_session or ev
    days = services.create_series(
        session,
        title="Kursdagar: Digital förmedling i praktiken",
        description="Två kursdagar på plats med övningar i digital förmedling.",
        owner_unit=dalarna,
        organiser=coordinator,
        audience=[u for u in (dalarna, gavleborg) if u is not None],
    )
    for offset, (place, room) in enumerate(
        (
            ("Falu stadsbibliotek, Kristinegatan 15, Falun", "Hörsalen"),
            ("Gävle stadsbibliotek, Slottstorget 1, Gävle", "Konferensrum Forum"),
        )
    ):
        start = _at(working_day(today + timedelta(days=20 + 14 * offset), off), time(9, 0))
        services.add_session(
            session,
            days,
            services.SessionInput(
                title=f"Kursdag {offset + 1}",
                starts_at=start,
                ends_at=start + timedelta(hours=7),
                timezone=ZONE,
                language="sv",
                capacity=25,
                kind=SessionKind.ON_SITE,
                address=place,
                room=room,
            ),
            now=now,
        )
    if learner is not None and first_session is not None:
        # Straight into the table: the demo sends no mail and records no learning events.
        session.add(
            Registration(session=first_session, user=learner, status=RegistrationStatus.REGISTERED)
        )
    session.flush()
