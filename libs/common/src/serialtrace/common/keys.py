"""The two keys every service speaks in, as named types, and their proto forms.

A unit is (sku, serial); a lot is (sku, lot number). Both are tuples, so they sort,
hash and compare like the pairs the stores select, but a signature says which one it
means.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from serialtrace.common.errors import InvalidArgument
from serialtrace.core.v1 import core_pb2


class UnitKey(NamedTuple):
    sku: str
    serial: str


class LotKey(NamedTuple):
    sku: str
    lot_number: str


def unit_key(message: core_pb2.UnitKey) -> UnitKey:
    return UnitKey(message.sku, message.serial)


def unit_keys(messages: Iterable[core_pb2.UnitKey]) -> list[UnitKey]:
    return [UnitKey(m.sku, m.serial) for m in messages]


def lot_key(message: core_pb2.LotKey) -> LotKey:
    return LotKey(message.sku, message.lot_number)


def lot_keys(messages: Iterable[core_pb2.LotKey]) -> list[LotKey]:
    return [LotKey(m.sku, m.lot_number) for m in messages]


def unit_message(key: tuple[str, str]) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=key[0], serial=key[1])


def lot_message(key: tuple[str, str]) -> core_pb2.LotKey:
    return core_pb2.LotKey(sku=key[0], lot_number=key[1])


def unit_columns(keys: Iterable[tuple[str, str]]) -> core_pb2.UnitKeyColumns:
    """Unit keys as two parallel lists (UnitKeyColumns), for calls carrying thousands."""
    skus, serials = _split(keys)
    return core_pb2.UnitKeyColumns(skus=skus, serials=serials)


def _split(keys: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    pairs = list(keys)
    return [k[0] for k in pairs], [k[1] for k in pairs]


def unit_keys_of_columns(columns: core_pb2.UnitKeyColumns, field: str) -> list[tuple[str, str]]:
    """The (sku, serial) pairs of UnitKeyColumns, as plain tuples (zipped in C; a
    UnitKey is built in Python, which 30,000 times is measurable); INVALID_ARGUMENT
    naming `field` when its lists differ in length or a key has an empty part (what
    check_request says of a UnitKey)."""
    skus, serials = list(columns.skus), list(columns.serials)
    if len(skus) != len(serials):
        raise InvalidArgument(
            f"{field} holds {len(skus):,} skus and {len(serials):,} serials; "
            "give one serial per sku"
        )
    for name, values in (("skus", skus), ("serials", serials)):
        if "" in values:
            raise InvalidArgument(f"{field}.{name}[{values.index('')}] is required and was empty")
    return list(zip(skus, serials, strict=True))
