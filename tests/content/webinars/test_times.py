"""Wall-clock times in the organiser's zone become UTC, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from content.webinars.services import local_to_utc
from lms.errors import ValidationFailed

STOCKHOLM = "Europe/Stockholm"


def test_local_to_utc_winter_and_summer(request_context: Any) -> None:
    # Before the March change Stockholm is UTC+1, after it UTC+2.
    assert local_to_utc(date(2027, 3, 27), time(10), STOCKHOLM, fold=None, field="starts") == (
        datetime(2027, 3, 27, 9, tzinfo=UTC)
    )
    assert local_to_utc(date(2027, 3, 29), time(10), STOCKHOLM, fold=None, field="starts") == (
        datetime(2027, 3, 29, 8, tzinfo=UTC)
    )
    # And back again after the last Sunday of October.
    assert local_to_utc(date(2026, 10, 24), time(10), STOCKHOLM, fold=None, field="starts") == (
        datetime(2026, 10, 24, 8, tzinfo=UTC)
    )
    assert local_to_utc(date(2026, 10, 26), time(10), STOCKHOLM, fold=None, field="starts") == (
        datetime(2026, 10, 26, 9, tzinfo=UTC)
    )


def test_local_to_utc_refuses_the_spring_forward_hour(request_context: Any) -> None:
    # 28 March 2027: clocks go from 02:00 straight to 03:00 in Stockholm.
    with pytest.raises(ValidationFailed) as exc:
        local_to_utc(date(2027, 3, 28), time(2, 30), STOCKHOLM, fold=None, field="starts")
    assert "does not exist" in exc.value.errors["starts"][0]
    assert local_to_utc(date(2027, 3, 28), time(3, 0), STOCKHOLM, fold=None, field="starts") == (
        datetime(2027, 3, 28, 1, tzinfo=UTC)
    )


def test_local_to_utc_asks_which_of_the_twice_happening_hour(request_context: Any) -> None:
    # 25 October 2026: 02:00–03:00 happens twice in Stockholm.
    with pytest.raises(ValidationFailed) as exc:
        local_to_utc(date(2026, 10, 25), time(2, 30), STOCKHOLM, fold=None, field="starts")
    message = exc.value.errors["starts_fold"][0]
    assert "happens twice" in message
    assert "UTC+02:00" in message
    assert "UTC+01:00" in message
    first = local_to_utc(date(2026, 10, 25), time(2, 30), STOCKHOLM, fold=0, field="starts")
    second = local_to_utc(date(2026, 10, 25), time(2, 30), STOCKHOLM, fold=1, field="starts")
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert second == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_local_to_utc_unknown_zone(request_context: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        local_to_utc(date(2026, 12, 1), time(10), "Mars/Olympus", fold=None, field="starts")
    assert "timezone" in exc.value.errors
