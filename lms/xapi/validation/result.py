"""The result: score, success, completion, response, duration, extensions.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#245-result
"""

from __future__ import annotations

from typing import Any

from lms.xapi.validation.common import (
    Ctx,
    check_duration,
    check_extensions,
    fail,
    need_bool,
    need_number,
    need_object,
    need_string,
    only_keys,
)


def check_score(value: Any, path: str) -> dict[str, Any]:
    # scaled lies in [-1, 1]; raw lies between min and max; min is below max.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2451-score
    obj = need_object(value, path)
    only_keys(obj, ("scaled", "raw", "min", "max"), path)
    numbers = {key: need_number(obj[key], f"{path}.{key}") for key in obj}
    scaled = numbers.get("scaled")
    if scaled is not None and not -1 <= scaled <= 1:
        raise fail(f"{path}.scaled", "must be between -1 and 1")
    low, high, raw = numbers.get("min"), numbers.get("max"), numbers.get("raw")
    if low is not None and high is not None and low >= high:
        raise fail(f"{path}.max", "must be greater than min")
    if raw is not None and low is not None and raw < low:
        raise fail(f"{path}.raw", "must not be below min")
    if raw is not None and high is not None and raw > high:
        raise fail(f"{path}.raw", "must not be above max")
    return obj


def check_result(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#245-result
    obj = need_object(value, path)
    only_keys(obj, ("score", "success", "completion", "response", "duration", "extensions"), path)
    if "score" in obj:
        check_score(obj["score"], f"{path}.score")
    for key in ("success", "completion"):
        if key in obj:
            need_bool(obj[key], f"{path}.{key}")
    if "response" in obj:
        need_string(obj["response"], f"{path}.response")
    if "duration" in obj:
        check_duration(obj["duration"], f"{path}.duration")
    if "extensions" in obj:
        check_extensions(obj["extensions"], f"{path}.extensions")
    return obj
