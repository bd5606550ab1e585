"""Warehouse: movements, stock levels, packages and shipments."""

from __future__ import annotations

from datetime import datetime

import strawberry

from serialtrace.common.errors import NotFound
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.labels import Label, LabelFormat, package_label
from serialtrace.gateway.loaders import UnitRef, unit_ref
from serialtrace.gateway.types.connections import page_window
from serialtrace.gateway.types.enums import MovementKind, PackageKind
from serialtrace.gateway.types.masterdata import Location, Party, load_location, load_party
from serialtrace.gateway.types.messages import from_proto, required_time, text_or_none
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

    @strawberry.field
    async def from_location(self, info: Ctx) -> Location | None:
        return await load_location(info, self.from_code)

    @strawberry.field
    async def to_location(self, info: Ctx) -> Location | None:
        return await load_location(info, self.to_code)

    @staticmethod
    def of(message: wh.Movement) -> Movement:
        return Movement(
            kind=from_proto(MovementKind, wh.MovementKind, message.kind) or MovementKind.MOVE,
            at=required_time(message.at),
            by=message.by,
            reference=text_or_none(message.reference),
            from_code=message.from_location_code,
            to_code=message.to_location_code,
        )


@strawberry.type
class StockLevel:
    quantity: float
    location_code: strawberry.Private[str]

    @strawberry.field
    async def location(self, info: Ctx) -> Location:
        location = await load_location(info, self.location_code)
        if location is None:
            raise NotFound(f"location {self.location_code} does not exist")
        return location


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
    async def parent(self, info: Ctx) -> Package | None:
        return await load_package(info, self.parent_sscc)

    @strawberry.field(description="A GS1-128 logistic label with the SSCC (00).")
    async def label(self, info: Ctx, format: LabelFormat | None = LabelFormat.SVG) -> Label:
        info.context.caller()
        return (await package_label(info.context, self.sscc, format or LabelFormat.SVG)).as_graph()

    @strawberry.field
    def units(self) -> list[Unit]:
        return [Unit.ref(key) for key in self.unit_keys]

    @strawberry.field
    async def packages(self, info: Ctx) -> list[Package]:
        found = await info.context.loaders.package.load_many(self.package_ssccs)
        return [Package.of(p) for p in found if p is not None]

    @strawberry.field
    async def location(self, info: Ctx) -> Location | None:
        return await load_location(info, self.location_code)

    @strawberry.field
    async def shipment(self, info: Ctx) -> Shipment | None:
        return await load_shipment(info, self.shipment_id)

    @staticmethod
    def of(message: wh.Package) -> Package:
        return Package(
            sscc=message.sscc,
            kind=from_proto(PackageKind, wh.PackageKind, message.kind) or PackageKind.CARTON,
            parent_sscc=message.parent_sscc,
            location_code=message.location_code,
            shipment_id=message.shipment_id,
            unit_keys=[unit_ref(k) for k in message.units],
            package_ssccs=list(message.package_ssccs),
        )


async def load_package(info: Ctx, sscc: str) -> Package | None:
    if not sscc:
        return None
    message = await info.context.loaders.package.load(sscc)
    return Package.of(message) if message else None


@strawberry.type
class Shipment:
    id: strawberry.ID
    shipped_at: datetime
    carrier: str | None
    tracking_number: str | None
    unit_count: int
    customer_code: strawberry.Private[str]

    @strawberry.field
    async def customer(self, info: Ctx) -> Party:
        party = await load_party(info, self.customer_code)
        if party is None:
            raise NotFound(f"customer {self.customer_code} does not exist")
        return party

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

    @staticmethod
    def of(message: wh.Shipment) -> Shipment:
        return Shipment(
            id=strawberry.ID(message.id),
            shipped_at=required_time(message.shipped_at),
            carrier=text_or_none(message.carrier),
            tracking_number=text_or_none(message.tracking_number),
            unit_count=message.unit_count,
            customer_code=message.customer_code,
        )


async def load_shipment(info: Ctx, shipment_id: str) -> Shipment | None:
    if not shipment_id:
        return None
    message = await info.context.loaders.shipment.load(shipment_id)
    return Shipment.of(message) if message else None
