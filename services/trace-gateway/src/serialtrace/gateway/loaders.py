"""Per-request DataLoaders over masterdata's and warehouse's batch reads, for labels
and scans: a resolver asks for one thing (`await loaders.unit.load(key)`); every such
request made in the same tick becomes one batch call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from serialtrace.gateway.backends import Calls
from serialtrace.gateway.facts import LotRef, UnitRef, lot_key, lot_ref, unit_key, unit_ref
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

K = TypeVar("K", bound=Hashable)

# Well under the services' own batch limit (10,000): keeps each reply small.
MAX_BATCH = 1000


def _one(
    fetch: Callable[[list[K]], Awaitable[Iterable[tuple[K, Any]]]],
) -> DataLoader[K, Any]:
    """Loads one item per key (None when the service has no such thing)."""

    async def load(keys: list[K]) -> Sequence[Any]:
        found = dict(await fetch(keys))
        return [found.get(key) for key in keys]

    return DataLoader(load, max_batch_size=MAX_BATCH)


class Loaders:
    """The loaders labels and scans use, fresh per request (and after each mutation).
    The trace reads its facts through serialtrace.gateway.facts instead."""

    def __init__(self, calls: Calls) -> None:
        read = calls.read

        async def units(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "masterdata", "BatchGetUnits", md.BatchGetUnitsRequest(keys=map(unit_key, keys))
            )
            return ((unit_ref(u), u) for u in reply.units)

        async def products(skus: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "masterdata", "BatchGetProducts", md.BatchGetProductsRequest(skus=skus)
            )
            return ((p.sku, p) for p in reply.products)

        async def products_by_gtin(gtins: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "masterdata", "BatchGetProducts", md.BatchGetProductsRequest(gtins=gtins)
            )
            return ((p.gtin, p) for p in reply.products)

        async def packages(ssccs: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "warehouse", "BatchGetPackages", wh.BatchGetPackagesRequest(ssccs=ssccs)
            )
            return ((p.sscc, p) for p in reply.packages)

        self.unit = _one(units)
        self.product = _one(products)
        self.product_by_gtin = _one(products_by_gtin)
        self.package = _one(packages)


__all__ = ["Loaders", "LotRef", "UnitRef", "lot_key", "lot_ref", "unit_key", "unit_ref"]
