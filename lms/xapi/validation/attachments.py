"""Attachment metadata in statements, and the signature attachment of signed statements.

Spec: https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2411-attachments
"""

from __future__ import annotations

import re
from typing import Any

from lms.xapi.validation.common import (
    Ctx,
    check_iri,
    check_irl,
    check_language_map,
    fail,
    need_int,
    need_list,
    need_object,
    need_string,
    only_keys,
    required,
)

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+(\s*;.*)?$")
_SHA2 = re.compile(r"^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")


def check_attachment(value: Any, path: str, ctx: Ctx) -> dict[str, Any]:
    # usageType, display, contentType, length and sha2 are required; fileUrl is optional.
    # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#2411-attachments
    obj = need_object(value, path)
    keys = ("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
    only_keys(obj, keys, path)
    required(obj, ("usageType", "display", "contentType", "length", "sha2"), path)
    check_iri(obj["usageType"], f"{path}.usageType")
    check_language_map(obj["display"], f"{path}.display")
    if "description" in obj:
        check_language_map(obj["description"], f"{path}.description")
    content_type = need_string(obj["contentType"], f"{path}.contentType")
    if not _MEDIA_TYPE.match(content_type):
        raise fail(f"{path}.contentType", "must be an Internet media type")
    if need_int(obj["length"], f"{path}.length") < 0:
        raise fail(f"{path}.length", "must not be negative")
    sha2 = need_string(obj["sha2"], f"{path}.sha2")
    if not _SHA2.match(sha2):
        raise fail(f"{path}.sha2", "must be a hex SHA-2 hash")
    if "fileUrl" in obj:
        check_irl(obj["fileUrl"], f"{path}.fileUrl")
    if obj["usageType"] == SIGNATURE_USAGE and content_type != "application/octet-stream":
        # https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Data.md#26-signed-statements
        raise fail(f"{path}.contentType", 'a signature must be "application/octet-stream"')
    return obj


def check_attachments(value: Any, path: str, ctx: Ctx) -> list[Any]:
    items = need_list(value, path)
    for i, item in enumerate(items):
        check_attachment(item, f"{path}[{i}]", ctx)
    return items
