"""The verb: an IRI and an optional display language map.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#243-verb
"""

from __future__ import annotations

from typing import Any

from lms.xapi.validation.common import (
    Ctx,
    check_iri,
    check_language_map,
    need_object,
    only_keys,
    required,
)

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def check_verb(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # A verb has an id (IRI) and may have a display language map; nothing else.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#243-verb
    obj = need_object(value, path)
    only_keys(obj, ("id", "display"), path)
    required(obj, ("id",), path)
    check_iri(obj["id"], f"{path}.id")
    if "display" in obj:
        check_language_map(obj["display"], f"{path}.display")
    return obj
