"""Proto ⇄ Python helpers shared by every api layer."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2


@functools.cache  # per enum type: read on every enum field of every message
def _prefix(enum: Any) -> str:
    # Buf-style enums name their zero value <ENUM>_UNSPECIFIED; every value shares the prefix.
    zero: str = enum.DESCRIPTOR.values[0].name
    return zero[: -len("UNSPECIFIED")]


def enum_str(enum: Any, value: int) -> str:
    """PRODUCT_KIND_FINISHED → "FINISHED"; unspecified or unknown numbers → ""."""
    try:
        name: str = enum.Name(value)
    except ValueError:
        return ""
    return "" if name.endswith("_UNSPECIFIED") else name[len(_prefix(enum)) :]


def enum_value(enum: Any, text: str) -> Any:
    """ "FINISHED" → PRODUCT_KIND_FINISHED; "" → the unspecified zero."""
    return int(enum.Value(_prefix(enum) + text)) if text else 0


def copied(source: Any, *fields: str) -> dict[str, Any]:
    """The source's fields a message (or graph type) carries as they are, under the same
    names: `pb.Route(**copied(row, "sku", "operations"))`."""
    return {name: getattr(source, name) for name in fields}


def present(message: Any, field: str) -> bool:
    """Whether a singular message field was set (an empty key message counts as unset)."""
    return bool(message.HasField(field)) and getattr(message, field).ByteSize() > 0


def copy_signature(field: Any, by: str | None, at: datetime | None, meaning: str | None) -> None:
    """Fills a message's core Signature `field` once the record is signed (who and when are
    known); an unsigned record leaves it unset."""
    if by and at:
        field.CopyFrom(core_pb2.Signature(by=by, at=to_timestamp(at), meaning=meaning))
