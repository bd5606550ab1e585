"""How the services' messages become graph values: optional text, JSON, times, enums."""

from __future__ import annotations

import enum
import functools
import json
from datetime import datetime
from typing import Any, TypeVar

from serialtrace.common.errors import ServiceError
from serialtrace.common.protomap import enum_str
from serialtrace.common.timeutil import from_timestamp

E = TypeVar("E", bound=enum.Enum)


@functools.cache  # few enums, few values each: a trace converts the same ones hundreds of times
def from_proto(cls: type[E], proto_enum: Any, value: int) -> E | None:
    """The graph enum for a proto enum value (None for unspecified)."""
    name = enum_str(proto_enum, value)
    return cls[name] if name else None


def copied(message: Any, *fields: str) -> dict[str, Any]:
    """The message's scalar fields the graph type shows as they are, under the same name."""
    return {name: getattr(message, name) for name in fields}


def text_or_none(value: str) -> str | None:
    return value or None


def json_or_empty(text: str) -> Any:
    return json.loads(text) if text else {}


def required_time(stamp: Any) -> datetime:
    value = from_timestamp(stamp)
    if value is None:
        raise ServiceError("a service returned a record without its time")
    return value
