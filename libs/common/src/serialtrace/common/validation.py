"""Input checks every service's domain rules share."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from serialtrace.common.errors import InvalidArgument

E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: str, what: str) -> E:
    """The enum member named `value`, or INVALID_ARGUMENT listing the allowed names."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidArgument(f"{what} is required: one of {allowed}") from None
