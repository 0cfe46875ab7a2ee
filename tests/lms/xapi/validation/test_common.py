from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.xapi.errors import Invalid
from lms.xapi.validation.common import (
    check_duration,
    format_timestamp,
    is_iri,
    is_language_tag,
    parse_timestamp,
)


@pytest.mark.parametrize("tag", ["en", "en-US", "zh-Hant-TW", "sv", "x-private", "de-CH-1996"])
def test_language_tag_valid(tag: str) -> None:
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", ["", "en_US", "english-language-tag", "e", "-en"])
def test_language_tag_invalid(tag: str) -> None:
    assert not is_language_tag(tag)


@pytest.mark.parametrize("value", ["http://x.org/a b", "no-scheme", "", "1http://x"])
def test_iri_invalid(value: str) -> None:
    assert not is_iri(value)


def test_parse_timestamp_converts_to_utc_and_keeps_precision() -> None:
    parsed = parse_timestamp("2024-01-02T03:04:05.123456+02:00", "t")
    assert parsed == datetime(2024, 1, 2, 1, 4, 5, 123456, tzinfo=UTC)
    assert format_timestamp(parsed) == "2024-01-02T01:04:05.123Z"


@pytest.mark.parametrize("value", ["P", "PT", "P1H", "PT1D", "P4W1D", "1D"])
def test_duration_invalid(value: str) -> None:
    with pytest.raises(Invalid):
        check_duration(value, "d")
