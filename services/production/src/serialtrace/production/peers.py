"""What production asks masterdata (products, BOMs, serials, locations), quality (holds)
and warehouse (stock), in production's own terms: one client class per peer.

Checks fail closed: if an owner cannot be reached the call raises UNAVAILABLE (from the
shared client) and nothing is installed, consumed or completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.domain import MAX_LOCATION_DEPTH, Place
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc


@dataclass(frozen=True)
class Product:
    sku: str
    serial_tracked: bool


@dataclass(frozen=True)
class BomRevision:
    sku: str
    revision: str
    approved: bool
    items: dict[str, float]


# Bound on each of the caches below; a full cache is emptied and refills as asked.
MAX_REMEMBERED = 10_000


class Masterdata:
    """Remembers the answers that cannot change: masterdata has no way to edit an
    approved BOM revision or to delete a lot, so an install or a completion need not ask
    again for the BOM of its work order or for a lot it has seen."""

    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(address))
        )
        self._approved_boms: dict[tuple[str, str], BomRevision] = {}
        self._known_lots: set[tuple[str, str]] = set()

    def product(self, sku: str) -> Product | None:
        found = self._client.BatchGetProducts(md.BatchGetProductsRequest(skus=[sku])).products
        return (
            Product(found[0].sku, found[0].tracking == md.TRACKING_MODE_SERIAL) if found else None
        )

    def bom_revision(self, sku: str, revision: str) -> BomRevision | None:
        remembered = self._approved_boms.get((sku, revision))
        if remembered is not None:
            return remembered
        found = self._client.BatchGetBomRevisions(
            md.BatchGetBomRevisionsRequest(keys=[md.BomRevisionKey(sku=sku, revision=revision)])
        ).bom_revisions
        if not found:
            return None
        bom = found[0]
        answer = BomRevision(
            bom.sku, bom.revision, bom.HasField("approval"), {i.sku: i.quantity for i in bom.items}
        )
        if answer.approved:
            if len(self._approved_boms) >= MAX_REMEMBERED:
                self._approved_boms.clear()
            self._approved_boms[(sku, revision)] = answer
        return answer

    def location(self, code: str) -> Place | None:
        found = self._client.BatchGetLocations(md.BatchGetLocationsRequest(codes=[code])).locations
        if not found:
            return None
        kind = md.LocationKind.Name(found[0].kind).removeprefix("LOCATION_KIND_")
        return Place(found[0].code, kind, found[0].parent_code)

    def ancestry(self, code: str) -> list[Place]:
        """The location and the ones above it, nearest first (empty if it is unknown)."""
        chain: list[Place] = []
        while code and len(chain) < MAX_LOCATION_DEPTH:
            place = self.location(code)
            if place is None:
                break
            chain.append(place)
            code = place.parent_code
        return chain

    def register_units(
        self, sku: str, serials: Sequence[str], count: int, attributes_json: str, key: str
    ) -> list[str]:
        """Registers commissioned units; the key makes a retried commission safe."""
        response = self._client.RegisterUnits(
            md.RegisterUnitsRequest(
                sku=sku,
                serials=list(serials),
                count=count,
                attributes_json=attributes_json,
                source=md.UNIT_SOURCE_COMMISSIONED,
                idempotency_key=key,
            ),
            timeout=30,
        )
        return [u.serial for u in response.units]

    def units_exist(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        found = self._client.BatchGetUnits(
            md.BatchGetUnitsRequest(keys=[core_pb2.UnitKey(sku=s, serial=n) for s, n in keys])
        ).units
        return {(u.sku, u.serial) for u in found}

    def lots_exist(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        known = self._known_lots.intersection(keys)
        unknown = [k for k in keys if k not in known]
        if unknown:
            found = self._client.BatchGetLots(
                md.BatchGetLotsRequest(
                    keys=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in unknown]
                )
            ).lots
            existing = {(lot.sku, lot.lot_number) for lot in found}
            if len(self._known_lots) + len(existing) > MAX_REMEMBERED:
                self._known_lots.clear()
            self._known_lots |= existing
            known |= existing
        return known

    def bom_components(self, skus: Sequence[str]) -> dict[str, set[str]]:
        """Each SKU's component SKUs in any of its BOM revisions (an import checks BOM
        membership without knowing which revision the legacy system built to)."""
        found: dict[str, set[str]] = {sku: set() for sku in skus}
        reply = self._client.BatchGetBomRevisions(
            md.BatchGetBomRevisionsRequest(skus=sorted(set(skus)))
        )
        for bom in reply.bom_revisions:
            found.setdefault(bom.sku, set()).update(i.sku for i in bom.items)
        return found


# A held item: ("unit" or "lot", sku, serial or lot number).
HeldKey = tuple[str, str, str]


class HoldCheck(Protocol):
    def holds_on(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> list[str]:
        """A description of each held unit or lot among these, naming its holds."""
        ...


class Quality:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient("quality", qa_grpc.QualityServiceStub(open_channel(address)))

    def holds_on(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> list[str]:
        return list(self.held(units, lots).values())

    def held(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> dict[HeldKey, str]:
        """The held ones among these units and lots, each with a description naming its
        holds."""
        checks = self._client.BatchCheckHolds(
            qa.BatchCheckHoldsRequest(
                units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in units],
                lots=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots],
            )
        ).checks
        held: dict[HeldKey, str] = {}
        for check in checks:
            if check.held:
                key = (
                    ("unit", check.unit.sku, check.unit.serial)
                    if check.HasField("unit")
                    else ("lot", check.lot.sku, check.lot.lot_number)
                )
                held[key] = f"{key[0]} {key[1]}/{key[2]} (hold {', '.join(check.hold_ids)})"
        return held


class HoldsOfBatch:
    """The holds on a whole batch's components, asked of quality in one call; each item's
    check then reads its own part, as a call of its own at that moment would answer."""

    def __init__(
        self, quality: Quality, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> None:
        self._held = quality.held(sorted(set(units)), sorted(set(lots))) if units or lots else {}

    def holds_on(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> list[str]:
        wanted = [("unit", *u) for u in units] + [("lot", *lot) for lot in lots]
        return [self._held[k] for k in wanted if k in self._held]


class Warehouse:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "warehouse", wh_grpc.WarehouseServiceStub(open_channel(address))
        )

    def issue(
        self,
        lines: Sequence[tuple[tuple[str, str] | None, tuple[str, str] | None, float, bool]],
        reference: str,
        key: str,
    ) -> None:
        """Issues (unit, lot, quantity, only if in stock) lines for `reference`, all or
        none, in one call; units built here are issued only if they are in stock."""
        self._client.IssueManyToProduction(
            wh.IssueManyToProductionRequest(
                lines=[
                    wh.IssueLine(
                        unit=core_pb2.UnitKey(sku=unit[0], serial=unit[1]) if unit else None,
                        lot=core_pb2.LotQuantity(
                            lot=core_pb2.LotKey(sku=lot[0], lot_number=lot[1]), quantity=quantity
                        )
                        if lot
                        else None,
                        reference=reference,
                        only_if_in_stock=only_if_in_stock,
                    )
                    for unit, lot, quantity, only_if_in_stock in lines
                ],
                idempotency_key=key,
            )
        )

    def receive(self, receipts: Sequence[tuple[tuple[str, str], str, str]], key: str) -> None:
        """Completed (unit, location, work order) into stock, all or none, in one call."""
        self._client.ReceiveFromProduction(
            wh.ReceiveFromProductionRequest(
                receipts=[
                    wh.ProductionReceipt(
                        unit=core_pb2.UnitKey(sku=unit[0], serial=unit[1]),
                        location_code=location,
                        work_order_id=work_order,
                    )
                    for unit, location, work_order in receipts
                ],
                idempotency_key=key,
            ),
            timeout=30,
        )
