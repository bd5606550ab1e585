"""What production asks quality (holds) and warehouse (stock), in production's terms.

Both fail closed: if the owner cannot be reached the call raises UNAVAILABLE (from the
shared client) and nothing is installed, consumed or completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

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
