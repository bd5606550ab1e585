"""What production asks masterdata, over gRPC, in production's own terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.domain import MAX_LOCATION_DEPTH, Place


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


def bom_components(masterdata: Masterdata, skus: Sequence[str]) -> dict[str, set[str]]:
    """Each SKU's component SKUs in any of its BOM revisions (an import checks BOM
    membership without knowing which revision the legacy system built to)."""
    found: dict[str, set[str]] = {sku: set() for sku in skus}
    reply = masterdata._client.BatchGetBomRevisions(
        md.BatchGetBomRevisionsRequest(skus=sorted(set(skus)))
    )
    for bom in reply.bom_revisions:
        found.setdefault(bom.sku, set()).update(i.sku for i in bom.items)
    return found
