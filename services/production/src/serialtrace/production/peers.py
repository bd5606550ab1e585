"""What production asks quality (holds) and warehouse (stock), in production's terms.

Both checks fail closed: if the owner cannot be reached the call raises UNAVAILABLE
(from the shared client) and nothing is installed or consumed.
"""

from __future__ import annotations

from collections.abc import Sequence

from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.core.v1 import core_pb2
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc


class Quality:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient("quality", qa_grpc.QualityServiceStub(open_channel(address)))

    def holds_on(
        self, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
    ) -> list[str]:
        """A description of each held unit or lot among these, naming its holds."""
        checks = self._client.BatchCheckHolds(
            qa.BatchCheckHoldsRequest(
                units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in units],
                lots=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots],
            )
        ).checks
        held = []
        for check in checks:
            if check.held:
                what = (
                    f"unit {check.unit.sku}/{check.unit.serial}"
                    if check.HasField("unit")
                    else f"lot {check.lot.sku}/{check.lot.lot_number}"
                )
                held.append(f"{what} (hold {', '.join(check.hold_ids)})")
        return held


class Warehouse:
    def __init__(self, address: str) -> None:
        self._client = ServiceClient(
            "warehouse", wh_grpc.WarehouseServiceStub(open_channel(address))
        )

    def issue(
        self,
        lines: Sequence[tuple[tuple[str, str] | None, tuple[str, str] | None, float]],
        reference: str,
        key: str,
    ) -> None:
        """Issues (unit, lot, quantity) lines for `reference`, all or none, in one call."""
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
                    )
                    for unit, lot, quantity in lines
                ],
                idempotency_key=key,
            )
        )
