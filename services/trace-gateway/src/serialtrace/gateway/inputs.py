"""The graph's input types (graph-contract.graphql) and their proto forms."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.errors import InvalidArgument
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.types.enums import (
    Disposition,
    InspectionKind,
    LocationKind,
    PackageKind,
    PartyKind,
    ProductKind,
    Result,
    TrackingMode,
    Uniqueness,
)


@strawberry.input
class UnitKey:
    sku: str
    serial: str

    def proto(self) -> core_pb2.UnitKey:
        return core_pb2.UnitKey(sku=self.sku, serial=self.serial)


@strawberry.input
class LotKey:
    sku: str
    lot_number: str

    def proto(self) -> core_pb2.LotKey:
        return core_pb2.LotKey(sku=self.sku, lot_number=self.lot_number)


@strawberry.input
class LotQuantity:
    sku: str
    lot_number: str
    quantity: float

    def proto(self) -> core_pb2.LotQuantity:
        return core_pb2.LotQuantity(
            lot=core_pb2.LotKey(sku=self.sku, lot_number=self.lot_number), quantity=self.quantity
        )


@strawberry.input
class BomItemInput:
    sku: str
    quantity: float


@strawberry.input
class ProductInput:
    sku: str
    name: str
    kind: ProductKind
    tracking: TrackingMode
    gtin: str | None = None
    serial_pattern: str | None = None
    serial_template: str | None = None
    uniqueness: Uniqueness | None = Uniqueness.PRODUCT
    required_attributes: list[str] | None = strawberry.field(default_factory=list)


@strawberry.input
class BomRevisionInput:
    sku: str
    revision: str
    items: list[BomItemInput]
    effective_from: datetime | None = None


@strawberry.input
class PartyInput:
    code: str
    name: str
    kind: PartyKind
    # The party's GS1 Global Location Number (its PGLN: how EPCIS events and receipts
    # name it): 13 digits with a valid check digit, unique among parties.
    gln: str | None = None


@strawberry.input
class LocationInput:
    code: str
    name: str
    kind: LocationKind
    gln: str | None = None
    parent_code: str | None = None


@strawberry.input
class ReceiveLotInput:
    sku: str
    lot_number: str
    quantity: float
    supplier_code: str
    location_code: str
    supplier_lot_number: str | None = None
    expires_at: datetime | None = None


@strawberry.input
class ReceiveUnitsInput:
    sku: str
    serials: list[str]
    supplier_code: str
    location_code: str
    lot_number: str | None = None


@strawberry.input
class WorkOrderInput:
    sku: str
    quantity: int
    bom_revision: str
    line: str | None = None
    output_location_code: str | None = None


@strawberry.input
class CommissionInput:
    work_order_id: strawberry.ID
    serials: list[str] | None = None
    count: int | None = None
    attributes: JSON | None = None


@strawberry.input
class RecordOperationInput:
    unit: UnitKey
    operation: str
    station: str
    result: Result
    measurements: JSON | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@strawberry.input
class InstallComponentInput:
    parent: UnitKey
    component: UnitKey | None = None
    lot: LotQuantity | None = None
    operation: str | None = None


@strawberry.input
class RemoveComponentInput:
    parent: UnitKey
    reason: str
    component: UnitKey | None = None
    lot: LotKey | None = None


@strawberry.input
class MoveStockInput:
    to_location_code: str
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    lots: list[LotQuantity] | None = strawberry.field(default_factory=list)
    packages: list[str] | None = strawberry.field(default_factory=list)
    from_location_code: str | None = None


@strawberry.input
class PackInput:
    kind: PackageKind
    sscc: str | None = None
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    packages: list[str] | None = strawberry.field(default_factory=list)


@strawberry.input
class ShipmentInput:
    customer_code: str
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    packages: list[str] | None = strawberry.field(default_factory=list)
    carrier: str | None = None
    tracking_number: str | None = None


@strawberry.input
class ReturnInput:
    unit: UnitKey
    rma_number: str
    reason: str
    location_code: str


@strawberry.input
class InspectionInput:
    kind: InspectionKind
    result: Result
    unit: UnitKey | None = None
    lot: LotKey | None = None
    measurements: JSON | None = None


@strawberry.input
class NonconformanceInput:
    description: str
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    lots: list[LotKey] | None = strawberry.field(default_factory=list)
    disposition: Disposition | None = None


@strawberry.input
class HoldInput:
    reason: str
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    lots: list[LotKey] | None = strawberry.field(default_factory=list)


@strawberry.input
class RecallInput:
    reason: str
    units: list[UnitKey] | None = strawberry.field(default_factory=list)
    lots: list[LotKey] | None = strawberry.field(default_factory=list)
    hold_stock: bool | None = True


@strawberry.input(one_of=True)
class ScanAction:
    record_operation: RecordOperationInput | None = strawberry.UNSET
    install_component: InstallComponentInput | None = strawberry.UNSET
    move_stock: MoveStockInput | None = strawberry.UNSET
    record_inspection: InspectionInput | None = strawberry.UNSET
    receive_units: ReceiveUnitsInput | None = strawberry.UNSET


@strawberry.input
class ScanInput:
    idempotency_key: str
    action: ScanAction


# --- conversions shared by the mutations -------------------------------------------------


def json_text(value: Any, what: str) -> str:
    """A JSON object argument as the services take it (text); other JSON is refused."""
    if value is None:
        return ""
    if not isinstance(value, dict):
        raise InvalidArgument(f"{what} must be a JSON object, got {type(value).__name__}")
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def stamp(value: datetime | None) -> Any:
    return to_timestamp(value) if value is not None else None


def units(keys: list[UnitKey] | None) -> list[core_pb2.UnitKey]:
    return [k.proto() for k in keys or []]


def lots(keys: list[LotKey] | None) -> list[core_pb2.LotKey]:
    return [k.proto() for k in keys or []]
