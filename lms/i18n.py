"""Languages and time zones: which one a request speaks, and formatting helpers for templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request, session
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from lms.config import COUNTRY_LOCALE, COUNTRY_TIMEZONE, LOCALES

#: Names of the languages, each in itself: a language switcher lists them so.
LANGUAGE_NAMES = {"sv": "Svenska", "nb": "Norsk bokmål", "da": "Dansk", "en": "English"}

#: The zones a person may pick: the Nordic ones first, then a few neighbours.
TIMEZONE_CHOICES = (
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Atlantic/Reykjavik",
    "Atlantic/Faroe",
    "America/Nuuk",
    "Europe/London",
    "Europe/Berlin",
    "UTC",
)

# Browsers send "no" or "nn" for Norwegian; we have Bokmål for both.
_ACCEPT_ALIASES = {"no": "nb", "nn": "nb"}


def user_country(user: Any) -> str | None:
    """The country of a person's first library, else of the first unit a role is held in."""
    for membership in getattr(user, "memberships", []):
        return str(membership.library.country)
    for assignment in getattr(user, "roles", []):
        if assignment.unit is not None:
            return str(assignment.unit.country)
    return None


def select_locale() -> str:
    """The user's choice, else the browser's Accept-Language, else the organisation's country."""
    if current_user.is_authenticated and current_user.locale in LOCALES:
        return str(current_user.locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    best = request.accept_languages.best_match([*LOCALES, *_ACCEPT_ALIASES])
    if best:
        return _ACCEPT_ALIASES.get(best, best)
    if current_user.is_authenticated:
        country = user_country(current_user)
        if country in COUNTRY_LOCALE:
            return COUNTRY_LOCALE[country]
    return str(current_app.config["DEFAULT_LOCALE"])


def timezone_for(user: Any) -> str:
    if user is not None and getattr(user, "timezone", None):
        return str(user.timezone)
    country = user_country(user) if user is not None else None
    return COUNTRY_TIMEZONE.get(country or "", current_app.config["DEFAULT_TIMEZONE"])


def select_timezone() -> str:
    return timezone_for(current_user if current_user.is_authenticated else None)


def _datetime(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def _date(value: date | None, fmt: str = "medium") -> str:
    return "" if value is None else format_date(value, fmt)


def _number(value: float | int | None) -> str:
    return "" if value is None else format_decimal(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["datetime"] = _datetime
    app.jinja_env.filters["date"] = _date
    app.jinja_env.filters["number"] = _number

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        return {"LANGUAGE_NAMES": LANGUAGE_NAMES, "current_locale": str(get_locale() or "en")}
