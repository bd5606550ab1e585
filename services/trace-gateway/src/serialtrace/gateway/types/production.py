"""Production: work orders, operation records, and what is installed in a unit."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.protomap import enum_str, present
from serialtrace.gateway.facts import LotRef, UnitRef
from serialtrace.gateway.types.audit import Signature
from serialtrace.gateway.types.enums import Result
from serialtrace.gateway.types.lot import Lot
from serialtrace.gateway.types.masterdata import Location, location_of
from serialtrace.gateway.types.messages import (
    mapped,
    named_field,
)
from serialtrace.gateway.types.unit import Unit
from serialtrace.production.v1 import production_pb2 as pp


@strawberry.type
class WorkOrder:
    id: strawberry.ID
    sku: str
    quantity: int
    bom_revision: str
    line: str | None
    status: str
    output_location_code: strawberry.Private[str]

    output_location = named_field(
        Location, location_of, "output_location_code", "where completed units enter stock"
    )

    @staticmethod
    def of(message: pp.WorkOrder) -> WorkOrder:
        return mapped(WorkOrder, message, status=enum_str(pp.WorkOrderStatus, message.status))


@strawberry.type
class OperationRecord:
    id: strawberry.ID
    operation: str
    station: str
    operator: str
    started_at: datetime | None
    finished_at: datetime
    result: Result
    measurements: JSON
    approval: Signature | None

    @staticmethod
    def of(message: pp.OperationRecord) -> OperationRecord:
        return mapped(
            OperationRecord,
            message,
            approval=Signature.of(message.approval, message.HasField("approval")),
        )


@strawberry.type
class ComponentLink:
    quantity: float
    operation: str | None
    installed_at: datetime
    installed_by: str
    removed_at: datetime | None
    removed_by: str | None
    removal_reason: str | None
    component_unit: strawberry.Private[UnitRef | None]
    component_lot: strawberry.Private[LotRef | None]

    @strawberry.field
    def unit(self) -> Unit | None:
        return Unit.ref(self.component_unit) if self.component_unit else None

    @strawberry.field
    def lot(self) -> Lot | None:
        return Lot.ref(self.component_lot) if self.component_lot else None

    @staticmethod
    def of(message: pp.ComponentLink) -> ComponentLink:
        unit = message.component_unit
        lot = message.component_lot
        return mapped(
            ComponentLink,
            message,
            component_unit=(unit.sku, unit.serial) if present(message, "component_unit") else None,
            component_lot=(lot.sku, lot.lot_number) if present(message, "component_lot") else None,
        )
