"""Per-request DataLoaders over the services' batch RPCs.

A resolver asks for one thing (`await loaders.unit.load(key)`); every such request made
in the same tick becomes one batch call, so a trace costs a fixed number of gRPC calls
per service however many nodes it touches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES, Calls
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

UnitRef = tuple[str, str]  # (sku, serial)
LotRef = tuple[str, str]  # (sku, lot number)
K = TypeVar("K", bound=Hashable)

# Well under the services' own batch limit (10,000): keeps each reply small.
MAX_BATCH = 1000


def unit_key(ref: UnitRef) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=ref[0], serial=ref[1])


def lot_key(ref: LotRef) -> core_pb2.LotKey:
    return core_pb2.LotKey(sku=ref[0], lot_number=ref[1])


def unit_ref(key: core_pb2.UnitKey) -> UnitRef:
    return (key.sku, key.serial)


def lot_ref(key: core_pb2.LotKey) -> LotRef:
    return (key.sku, key.lot_number)


def _one(
    fetch: Callable[[list[K]], Awaitable[Iterable[tuple[K, Any]]]],
) -> DataLoader[K, Any]:
    """Loads one item per key (None when the service has no such thing)."""

    async def load(keys: list[K]) -> Sequence[Any]:
        found = dict(await fetch(keys))
        return [found.get(key) for key in keys]

    return DataLoader(load, max_batch_size=MAX_BATCH)


def _many(
    fetch: Callable[[list[K]], Awaitable[Iterable[tuple[K, Any]]]],
) -> DataLoader[K, Any]:
    """Loads a list per key, in the order the service returned the items."""

    async def load(keys: list[K]) -> Sequence[Any]:
        grouped: dict[K, list[Any]] = {key: [] for key in keys}
        for key, item in await fetch(keys):
            if key in grouped:
                grouped[key].append(item)
        return [grouped[key] for key in keys]

    return DataLoader(load, max_batch_size=MAX_BATCH)


class Loaders:
    """Every loader the graph uses, fresh per request (and after each mutation)."""

    def __init__(self, calls: Calls) -> None:
        read = calls.read

        # --- masterdata
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

        async def bom_revisions(skus: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "masterdata", "BatchGetBomRevisions", md.BatchGetBomRevisionsRequest(skus=skus)
            )
            return ((b.sku, b) for b in reply.bom_revisions)

        async def parties(codes: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "masterdata", "BatchGetParties", md.BatchGetPartiesRequest(codes=codes)
            )
            return ((p.code, p) for p in reply.parties)

        async def locations(codes: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "masterdata", "BatchGetLocations", md.BatchGetLocationsRequest(codes=codes)
            )
            return ((loc.code, loc) for loc in reply.locations)

        async def lots(keys: list[LotRef]) -> Iterable[tuple[LotRef, Any]]:
            reply = await read(
                "masterdata", "BatchGetLots", md.BatchGetLotsRequest(keys=map(lot_key, keys))
            )
            return (((lot.sku, lot.lot_number), lot) for lot in reply.lots)

        self.unit = _one(units)
        self.product = _one(products)
        self.product_by_gtin = _one(products_by_gtin)
        self.bom_revisions = _many(bom_revisions)
        self.party = _one(parties)
        self.location = _one(locations)
        self.lot = _one(lots)

        # --- production
        async def builds(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "production",
                "BatchGetUnitBuilds",
                pp.BatchGetUnitBuildsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(b.unit), b) for b in reply.builds)

        async def work_orders(ids: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "production", "BatchGetWorkOrders", pp.BatchGetWorkOrdersRequest(ids=ids)
            )
            return ((w.id, w) for w in reply.work_orders)

        async def operations(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "production",
                "BatchGetOperations",
                pp.BatchGetOperationsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(r.unit), r) for r in reply.records)

        def components(include_removed: bool) -> Any:
            async def fetch(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
                reply = await read(
                    "production",
                    "BatchGetComponents",
                    pp.BatchGetComponentsRequest(
                        units=map(unit_key, keys), include_removed=include_removed
                    ),
                )
                return ((unit_ref(link.parent), link) for link in reply.links)

            return fetch

        async def material_lots(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "production",
                "BatchGetMaterialLots",
                pp.BatchGetMaterialLotsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(u.unit), [lot_ref(lot) for lot in u.lots]) for u in reply.units)

        self.build = _one(builds)
        self.work_order = _one(work_orders)
        self.operations = _many(operations)
        self.components = _many(components(include_removed=False))
        self.components_with_removed = _many(components(include_removed=True))
        self.material_lots = _one(material_lots)

        # --- warehouse
        async def unit_stock(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "warehouse",
                "BatchGetUnitStock",
                wh.BatchGetUnitStockRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(u.unit), u) for u in reply.units)

        async def movements(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "warehouse",
                "BatchGetMovements",
                wh.BatchGetMovementsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(m.unit), m) for m in reply.movements)

        async def lot_stock(keys: list[LotRef]) -> Iterable[tuple[LotRef, Any]]:
            reply = await read(
                "warehouse", "BatchGetLotStock", wh.BatchGetLotStockRequest(lots=map(lot_key, keys))
            )
            return ((lot_ref(s.lot), s) for s in reply.lots)

        async def packages(ssccs: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "warehouse", "BatchGetPackages", wh.BatchGetPackagesRequest(ssccs=ssccs)
            )
            return ((p.sscc, p) for p in reply.packages)

        async def shipments(ids: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read(
                "warehouse", "BatchGetShipments", wh.BatchGetShipmentsRequest(ids=ids)
            )
            return ((s.id, s) for s in reply.shipments)

        self.unit_stock = _one(unit_stock)
        self.movements = _many(movements)
        self.lot_stock = _one(lot_stock)
        self.package = _one(packages)
        self.shipment = _one(shipments)

        # --- quality
        async def unit_quality(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "quality",
                "BatchGetQualityStatus",
                qa.BatchGetQualityStatusRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(s.unit), s.status) for s in reply.statuses if s.HasField("unit"))

        async def lot_quality(keys: list[LotRef]) -> Iterable[tuple[LotRef, Any]]:
            reply = await read(
                "quality",
                "BatchGetQualityStatus",
                qa.BatchGetQualityStatusRequest(lots=map(lot_key, keys)),
            )
            return ((lot_ref(s.lot), s.status) for s in reply.statuses if s.HasField("lot"))

        async def unit_inspections(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "quality",
                "BatchGetInspections",
                qa.BatchGetInspectionsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(i.unit), i) for i in reply.inspections if i.HasField("unit"))

        async def lot_inspections(keys: list[LotRef]) -> Iterable[tuple[LotRef, Any]]:
            reply = await read(
                "quality",
                "BatchGetInspections",
                qa.BatchGetInspectionsRequest(lots=map(lot_key, keys)),
            )
            return ((lot_ref(i.lot), i) for i in reply.inspections if i.HasField("lot"))

        async def unit_holds(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "quality", "BatchCheckHolds", qa.BatchCheckHoldsRequest(units=map(unit_key, keys))
            )
            return (
                (unit_ref(c.unit), list(c.hold_ids)) for c in reply.checks if c.HasField("unit")
            )

        async def lot_holds(keys: list[LotRef]) -> Iterable[tuple[LotRef, Any]]:
            reply = await read(
                "quality", "BatchCheckHolds", qa.BatchCheckHoldsRequest(lots=map(lot_key, keys))
            )
            return ((lot_ref(c.lot), list(c.hold_ids)) for c in reply.checks if c.HasField("lot"))

        async def holds(ids: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read("quality", "BatchGetHolds", qa.BatchGetHoldsRequest(ids=ids))
            return ((h.id, h) for h in reply.holds)

        async def unit_recalls(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
            reply = await read(
                "quality",
                "BatchGetUnitRecalls",
                qa.BatchGetUnitRecallsRequest(units=map(unit_key, keys)),
            )
            return ((unit_ref(u.unit), list(u.recall_ids)) for u in reply.units)

        async def recalls(ids: list[str]) -> Iterable[tuple[str, Any]]:
            reply = await read("quality", "BatchGetRecalls", qa.BatchGetRecallsRequest(ids=ids))
            return ((r.id, r) for r in reply.recalls)

        self.unit_quality = _one(unit_quality)
        self.lot_quality = _one(lot_quality)
        self.unit_inspections = _many(unit_inspections)
        self.lot_inspections = _many(lot_inspections)
        self.unit_holds = _one(unit_holds)
        self.lot_holds = _one(lot_holds)
        self.hold = _one(holds)
        self.unit_recalls = _one(unit_recalls)
        self.recall = _one(recalls)

        # --- every service's audit ledger: entries about units, one call per service
        def ledger(service: str) -> Any:
            async def fetch(keys: list[UnitRef]) -> Iterable[tuple[UnitRef, Any]]:
                ids = {f"{sku}:{serial}": (sku, serial) for sku, serial in keys}
                reply = await calls.read_ledger(
                    service,
                    "ListAuditEntries",
                    core_pb2.ListAuditEntriesRequest(entity_type="unit", entity_ids=list(ids)),
                )
                return ((ids[e.entity_id], e) for e in reply.entries if e.entity_id in ids)

            return fetch

        self.unit_audit = {service: _many(ledger(service)) for service in SERVICES}
