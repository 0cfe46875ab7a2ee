"""Types and formats shared by every statement part: IRIs, UUIDs, timestamps, durations,
language maps, extensions.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#4-special-data-types-and-rules
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from lms.xapi.errors import Invalid

DATA = "https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md"


@dataclass(frozen=True)
class Ctx:
    """What validation needs to know about the request: the xAPI version it speaks."""

    version: str = "1.0.3"

    @property
    def is_v2(self) -> bool:
        return self.version.startswith("2.")


def fail(path: str, message: str) -> Invalid:
    return Invalid(f"{path}: {message}", field=path)


def need_object(value: Any, path: str) -> dict[str, Any]:
    # JSON types are strict: null, arrays or strings where an object belongs are refused.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#22-formatting-requirements
    if not isinstance(value, dict):
        raise fail(path, "must be a JSON object")
    return value


def need_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise fail(path, "must be an array")
    return value


def need_string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise fail(path, "must be a string")
    return value


def need_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise fail(path, "must be true or false")
    return value


def need_number(value: Any, path: str) -> float:
    # bool is an int in Python, but true is not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(path, "must be a number")
    return float(value)


def need_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(path, "must be an integer")
    return value


def only_keys(obj: dict[str, Any], allowed: Iterable[str], path: str) -> None:
    # An LRS rejects a Statement with properties the spec does not define.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#22-formatting-requirements
    extra = set(obj) - set(allowed)
    if extra:
        raise fail(f"{path}.{sorted(extra)[0]}", "is not a property xAPI allows here")


def required(obj: dict[str, Any], keys: Iterable[str], path: str) -> None:
    for key in keys:
        if key not in obj:
            raise fail(f"{path}.{key}", "is required")


_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def check_uuid(value: Any, path: str) -> str:
    # Statement ids and registrations are UUIDs (RFC 4122).
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#241-id
    if not is_uuid(value):
        raise fail(path, "must be a UUID")
    return str(value).lower()


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


def is_iri(value: Any) -> bool:
    return isinstance(value, str) and bool(_IRI.match(value))


def check_iri(value: Any, path: str) -> str:
    # IRIs are absolute: a scheme, a colon, and no whitespace.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#iri-internationalized-resource-identifiers
    if not is_iri(value):
        raise fail(path, "must be an absolute IRI")
    return str(value)


def check_irl(value: Any, path: str) -> str:
    # An IRL is an IRI meant to be looked up: same syntax.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#iri-internationalized-resource-identifiers
    return check_iri(value, path)


# RFC 5646 language tags (langtag | privateuse | grandfathered), case-insensitive.
_LANGTAG = re.compile(
    r"""^(?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})   # language
      (?:-[a-z]{4})?                                          # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                             # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*                # variants
      (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*                     # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                              # private use
    |x(?:-[a-z0-9]{1,8})+
    |en-gb-oed|i-[a-z]{3,8}|sgn-[a-z]{2}-[a-z]{3}
    |zh-min|zh-min-nan|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-xiang
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_language_tag(value: Any) -> bool:
    return isinstance(value, str) and bool(_LANGTAG.match(value))


def check_language_map(value: Any, path: str) -> dict[str, str]:
    # A language map's keys are RFC 5646 tags, its values strings.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#42-language-maps
    obj = need_object(value, path)
    for key, text in obj.items():
        if not is_language_tag(key):
            raise fail(f"{path}.{key}", "is not an RFC 5646 language tag")
        need_string(text, f"{path}.{key}")
    return obj


def check_extensions(value: Any, path: str) -> dict[str, Any]:
    # Extension keys are IRIs; values are any JSON.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#41-extensions
    obj = need_object(value, path)
    for key in obj:
        check_iri(key, f"{path}.{key}")
    return obj


_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)


def parse_timestamp(value: Any, path: str, *, need_zone: bool = False) -> datetime:
    # Timestamps are ISO 8601; an offset of -00:00 (RFC 3339's "unknown") is refused, and
    # xAPI 2.0 requires a zone.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#46-iso-8601-timestamps
    if not isinstance(value, str):
        raise fail(path, "must be an ISO 8601 timestamp string")
    m = _TIMESTAMP.match(value)
    if not m:
        raise fail(path, "must be an ISO 8601 timestamp")
    year, month, day, hour, minute, second, frac, zone = m.groups()
    if zone in ("-00", "-00:00", "-0000"):
        raise fail(path, "must not use the offset -00:00")
    if zone is None and need_zone:
        raise fail(path, "must include a time zone")
    try:
        micro = int((frac or "0")[:6].ljust(6, "0"))
        tz: timezone = UTC
        if zone and zone.upper() != "Z":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(sign * offset)
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            micro,
            tzinfo=tz,
        ).astimezone(UTC)
    except ValueError:
        raise fail(path, "is not a real date and time") from None


# ISO 8601 §4.4.3.2: PnYnMnDTnHnMnS, or weeks alone (PnW).
_DURATION = re.compile(
    r"^P(?:\d+(?:[.,]\d+)?W|(?!$)(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?)$"
)


def check_duration(value: Any, path: str) -> str:
    # Durations are ISO 8601 durations such as PT1H30M or P1W.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#47-iso-8601-durations
    if not isinstance(value, str) or not _DURATION.match(value):
        raise fail(path, "must be an ISO 8601 duration")
    return value


def format_timestamp(value: datetime) -> str:
    """UTC with millisecond precision and a Z, the form the LRS writes."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
