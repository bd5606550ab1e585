"""Master data: products and their BOM revisions, parties, locations, unit aliases."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry

from serialtrace.common.protomap import copied
from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.execution import completed_once
from serialtrace.gateway.types.audit import Signature
from serialtrace.gateway.types.enums import (
    LocationKind,
    PartyKind,
    ProductKind,
    TrackingMode,
    Uniqueness,
)
from serialtrace.gateway.types.messages import FromMessage, listed, mapped, named, request_facts
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
            **copied(message, "sku", "revision"),
            effective_from=from_timestamp(message.effective_from),
            items=[BomItem(sku=i.sku, quantity=i.quantity) for i in message.items],
            approval=Signature.of(message.approval, message.HasField("approval")),
        )


@completed_once(key=lambda product: product.sku, scope=request_facts)
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
    def bom_revisions(self, info: Ctx) -> list[BomRevision]:
        return listed(info, "bom", self.sku, lambda facts: facts.bom_revisions, BomRevision.of)

    @staticmethod
    def of(message: md.Product) -> Product:
        return mapped(Product, message, required_attributes=list(message.required_attributes))


def product_of(info: Ctx, sku: str) -> Product:
    missing = f"product {sku} does not exist"
    return cast(Product, named(info, "product", sku, lambda f: f.products, Product.of, missing))


@completed_once(key=lambda party: party.code, scope=request_facts)
@strawberry.type
class Party(FromMessage):
    code: str
    name: str
    kind: PartyKind
    gln: str | None


def party_of(info: Ctx, code: str, missing: str | None = None) -> Party | None:
    return named(info, "party", code, lambda facts: facts.parties, Party.of, missing)


@completed_once(key=lambda location: location.code, scope=request_facts)
@strawberry.type
class Location(FromMessage):
    code: str
    name: str
    kind: LocationKind
    gln: str | None
    parent_code: strawberry.Private[str]

    @strawberry.field
    def parent(self, info: Ctx) -> Location | None:
        return location_of(info, self.parent_code)


def location_of(info: Ctx, code: str, missing: str | None = None) -> Location | None:
    return named(info, "location", code, lambda facts: facts.locations, Location.of, missing)


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
            **copied(message, "file", "row"),
            import_batch_id=strawberry.ID(message.import_batch_id),
        )


@strawberry.type
class UnitAlias:
    kind: str
    value: str
