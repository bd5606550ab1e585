"""What quality asks warehouse: where each affected unit is, and to whom it shipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.db import chunks
from serialtrace.core.v1 import core_pb2
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

Key = tuple[str, str]
BATCH = 10_000


@dataclass(frozen=True)
class Whereabouts:
    custody: str  # NONE, IN_STOCK, ISSUED, SHIPPED, RETURNED
    location_code: str | None
    shipment_id: str | None
    customer_code: str | None


class Warehouse:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "warehouse", wh_grpc.WarehouseServiceStub(open_channel(address))
        )

    def whereabouts(self, units: Sequence[Key]) -> dict[Key, Whereabouts]:
        """Where each unit is; units the warehouse never saw are absent."""
        stock: list[wh.UnitStock] = []
        for part in chunks(list(units), BATCH):
            stock += self._client.BatchGetUnitStock(
                wh.BatchGetUnitStockRequest(
                    units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in part]
                ),
                timeout=30,
            ).units
        shipment_ids = sorted({u.shipment_id for u in stock if u.shipment_id})
        customers = {}
        for ids in chunks(shipment_ids, BATCH):
            for shipment in self._client.BatchGetShipments(
                wh.BatchGetShipmentsRequest(ids=ids)
            ).shipments:
                customers[shipment.id] = shipment.customer_code
        return {
            (u.unit.sku, u.unit.serial): Whereabouts(
                wh.CustodyStatus.Name(u.custody).removeprefix("CUSTODY_STATUS_"),
                u.location_code or None,
                u.shipment_id or None,
                customers.get(u.shipment_id),
            )
            for u in stock
        }
