"""Input checks every service's domain rules share."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, TypeVar

from serialtrace.common.errors import InvalidArgument

E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: str, what: str) -> E:
    """The enum member named `value`, or INVALID_ARGUMENT listing the allowed names."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidArgument(f"{what} is required: one of {allowed}") from None


def parse_json_object(text: str, what: str, max_bytes: int = 65_536) -> dict[str, Any]:
    """A JSON object given as text (empty means {}), or INVALID_ARGUMENT saying why not."""
    if len(text.encode()) > max_bytes:
        raise InvalidArgument(f"{what} are larger than {max_bytes} bytes")
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"{what} are not valid JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object")
    return value


def page_size(requested: int, maximum: int, default: int = 100) -> int:
    """The page size to use; outside 1..maximum is INVALID_ARGUMENT."""
    size = requested or default
    if not 1 <= size <= maximum:
        raise InvalidArgument(f"page_size must be 1 to {maximum}, got {size}")
    return size


def key_page_token(key: tuple[str, str]) -> str:
    """The page token for keyset paging by (sku, serial): the last key of the page."""
    return f"{key[0]}:{key[1]}"


def key_after(token: str) -> tuple[str, str] | None:
    """The (sku, serial) a page token continues after; SKUs never contain ':'."""
    if not token:
        return None
    sku, sep, serial = token.partition(":")
    if not sep:
        raise InvalidArgument("page_token is not one this service handed out")
    return sku, serial
