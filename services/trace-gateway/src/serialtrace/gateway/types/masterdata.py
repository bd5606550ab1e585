"""Master data: products and their BOM revisions, parties, locations, unit aliases."""

from __future__ import annotations

from datetime import datetime

import strawberry

from serialtrace.common.errors import NotFound
from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.types.audit import Signature
from serialtrace.gateway.types.enums import (
    LocationKind,
    PartyKind,
    ProductKind,
    TrackingMode,
    Uniqueness,
)
from serialtrace.gateway.types.messages import from_proto, text_or_none
from serialtrace.masterdata.v1 import masterdata_pb2 as md


@strawberry.type
class BomItem:
    sku: str
    quantity: float


@strawberry.type
class BomRevision:
    sku: str
    revision: str
    effective_from: datetime | None
    items: list[BomItem]
    approval: Signature | None

    @staticmethod
    def of(message: md.BomRevision) -> BomRevision:
        return BomRevision(
            sku=message.sku,
            revision=message.revision,
            effective_from=from_timestamp(message.effective_from),
            items=[BomItem(sku=i.sku, quantity=i.quantity) for i in message.items],
            approval=Signature.of(message.approval, message.HasField("approval")),
        )


@strawberry.type
class Product:
    sku: str
    name: str
    kind: ProductKind
    tracking: TrackingMode
    gtin: str | None
    serial_pattern: str | None
    uniqueness: Uniqueness
    required_attributes: list[str]

    @strawberry.field
    async def bom_revisions(self, info: Ctx) -> list[BomRevision]:
        revisions = await info.context.loaders.bom_revisions.load(self.sku)
        return [BomRevision.of(r) for r in revisions]

    @staticmethod
    def of(message: md.Product) -> Product:
        return Product(
            sku=message.sku,
            name=message.name,
            kind=from_proto(ProductKind, md.ProductKind, message.kind) or ProductKind.COMPONENT,
            tracking=from_proto(TrackingMode, md.TrackingMode, message.tracking)
            or TrackingMode.NONE,
            gtin=text_or_none(message.gtin),
            serial_pattern=text_or_none(message.serial_pattern),
            uniqueness=from_proto(Uniqueness, md.Uniqueness, message.uniqueness)
            or Uniqueness.PRODUCT,
            required_attributes=list(message.required_attributes),
        )


async def load_product(info: Ctx, sku: str) -> Product:
    message = await info.context.loaders.product.load(sku)
    if message is None:
        raise NotFound(f"product {sku} does not exist")
    return Product.of(message)


@strawberry.type
class Party:
    code: str
    name: str
    kind: PartyKind

    @staticmethod
    def of(message: md.Party) -> Party:
        kind = from_proto(PartyKind, md.PartyKind, message.kind) or PartyKind.SUPPLIER
        return Party(code=message.code, name=message.name, kind=kind)


async def load_party(info: Ctx, code: str) -> Party | None:
    if not code:
        return None
    message = await info.context.loaders.party.load(code)
    return Party.of(message) if message else None


@strawberry.type
class Location:
    code: str
    name: str
    kind: LocationKind
    gln: str | None
    parent_code: strawberry.Private[str]

    @strawberry.field
    async def parent(self, info: Ctx) -> Location | None:
        return await load_location(info, self.parent_code)

    @staticmethod
    def of(message: md.Location) -> Location:
        kind = from_proto(LocationKind, md.LocationKind, message.kind) or LocationKind.SITE
        return Location(
            code=message.code,
            name=message.name,
            kind=kind,
            gln=text_or_none(message.gln),
            parent_code=message.parent_code,
        )


async def load_location(info: Ctx, code: str) -> Location | None:
    if not code:
        return None
    message = await info.context.loaders.location.load(code)
    return Location.of(message) if message else None


@strawberry.type(description="Where an imported fact came from; null for facts recorded live.")
class Provenance:
    import_batch_id: strawberry.ID
    file: str
    row: int

    @staticmethod
    def of(message: md.Provenance) -> Provenance | None:
        if not message.import_batch_id:
            return None
        return Provenance(
            import_batch_id=strawberry.ID(message.import_batch_id),
            file=message.file,
            row=message.row,
        )


@strawberry.type
class UnitAlias:
    kind: str
    value: str
