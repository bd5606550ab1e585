"""Warehouse: movements, stock levels, packages and shipments."""

from __future__ import annotations

from datetime import datetime

import strawberry

from serialtrace.gateway.context import Ctx
from serialtrace.gateway.facts import UnitRef, unit_ref
from serialtrace.gateway.labels import Label, LabelFormat, package_label
from serialtrace.gateway.types.connections import page_window
from serialtrace.gateway.types.enums import MovementKind, PackageKind
from serialtrace.gateway.types.masterdata import Location, Party, location_of, party_of
from serialtrace.gateway.types.messages import (
    FromMessage,
    by_ids,
    mapped,
    named,
    named_field,
)
from serialtrace.gateway.types.unit import Unit, UnitConnection
from serialtrace.warehouse.v1 import warehouse_pb2 as wh


@strawberry.type
class Movement:
    kind: MovementKind
    at: datetime
    by: str
    reference: str | None
    from_code: strawberry.Private[str]
    to_code: strawberry.Private[str]

    from_location = named_field(Location, location_of, "from_code")
    to_location = named_field(Location, location_of, "to_code")

    @staticmethod
    def of(message: wh.Movement) -> Movement:
        return mapped(
            Movement,
            message,
            from_code=message.from_location_code,
            to_code=message.to_location_code,
        )


@strawberry.type
class StockLevel:
    quantity: float
    location_code: strawberry.Private[str]

    location = named_field(Location, location_of, "location_code", required="location")


@strawberry.type
class Package:
    sscc: str
    kind: PackageKind
    parent_sscc: strawberry.Private[str]
    location_code: strawberry.Private[str]
    shipment_id: strawberry.Private[str]
    unit_keys: strawberry.Private[list[UnitRef]]
    package_ssccs: strawberry.Private[list[str]]

    @strawberry.field
    def parent(self, info: Ctx) -> Package | None:
        return package_of(info, self.parent_sscc)

    @strawberry.field(description="A GS1-128 logistic label with the SSCC (00).")
    async def label(self, info: Ctx, format: LabelFormat | None = LabelFormat.SVG) -> Label:
        info.context.caller()
        return (await package_label(info.context, self.sscc, format or LabelFormat.SVG)).as_graph()

    @strawberry.field
    def units(self) -> list[Unit]:
        return [Unit.ref(key) for key in self.unit_keys]

    @strawberry.field
    def packages(self, info: Ctx) -> list[Package]:
        return by_ids(info, "package", self.package_ssccs, lambda f: f.packages, Package.of)

    location = named_field(Location, location_of, "location_code")

    @strawberry.field
    def shipment(self, info: Ctx) -> Shipment | None:
        return shipment_of(info, self.shipment_id)

    @staticmethod
    def of(message: wh.Package) -> Package:
        return mapped(
            Package,
            message,
            unit_keys=[unit_ref(k) for k in message.units],
            package_ssccs=list(message.package_ssccs),
        )


def package_of(info: Ctx, sscc: str) -> Package | None:
    return named(info, "package", sscc, lambda facts: facts.packages, Package.of)


@strawberry.type
class Shipment(FromMessage):
    id: strawberry.ID
    shipped_at: datetime
    carrier: str | None
    tracking_number: str | None
    unit_count: int
    customer_code: strawberry.Private[str]

    customer = named_field(Party, party_of, "customer_code", required="customer")

    @strawberry.field
    async def units(
        self, info: Ctx, first: int | None = 100, after: str | None = None
    ) -> UnitConnection:
        token, skip, size = page_window(info, first, after)
        reply = await info.context.calls.read(
            "warehouse",
            "ListShipmentUnits",
            wh.ListShipmentUnitsRequest(shipment_id=self.id, page_size=size, page_token=token),
        )
        return UnitConnection.of(
            list(reply.units), token, skip, reply.next_page_token, reply.total_count
        )


def shipment_of(info: Ctx, shipment_id: str) -> Shipment | None:
    return named(info, "shipment", shipment_id, lambda facts: facts.shipments, Shipment.of)
