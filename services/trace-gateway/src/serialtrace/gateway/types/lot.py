"""Lot: a lot-tracked material's registry entry, stock, quality and where it was used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry

from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.execution import completed_once
from serialtrace.gateway.facts import RAISE, LotRef, lot_key
from serialtrace.gateway.types.connections import page_window, selects
from serialtrace.gateway.types.enums import QualityStatus
from serialtrace.gateway.types.masterdata import Party, Product, party_of, product_of
from serialtrace.gateway.types.messages import registered, request_facts, text_or_none
from serialtrace.gateway.types.quality import (
    Hold,
    Inspection,
    holds_covering,
    inspections_of,
    quality_status_of,
)
from serialtrace.gateway.types.unit import UnitConnection
from serialtrace.gateway.types.warehouse import StockLevel
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

T = TypeVar("T")


@completed_once(key=lambda lot: lot.key, scope=request_facts)
@strawberry.type
class Lot:
    sku: str
    lot_number: str

    @staticmethod
    def ref(key: LotRef) -> Lot:
        return Lot(sku=key[0], lot_number=key[1])

    @property
    def key(self) -> LotRef:
        return (self.sku, self.lot_number)

    def _registry(self, info: Ctx, then: Callable[[md.Lot], T]) -> T:
        missing = f"lot {self.sku}/{self.lot_number} is not registered"
        return registered(info, "lot", self.key, lambda facts: facts.lots, missing, then)

    def _stock(
        self, info: Ctx, then: Callable[[wh.LotStock | None], T], fallback: Any = RAISE
    ) -> T:
        facts = info.context.facts
        return facts.read(
            info, "lot_stock", self.key, lambda: then(facts.lot_stock.get(self.key)), fallback
        )

    @strawberry.field
    def product(self, info: Ctx) -> Product:
        return product_of(info, self.sku)

    @strawberry.field
    def supplier(self, info: Ctx) -> Party | None:
        return self._registry(info, lambda m: party_of(info, m.supplier_code))

    @strawberry.field
    def supplier_lot_number(self, info: Ctx) -> str | None:
        return self._registry(info, lambda m: text_or_none(m.supplier_lot_number))

    @strawberry.field
    def received_at(self, info: Ctx) -> datetime | None:
        return self._stock(info, lambda s: from_timestamp(s.received_at) if s else None)

    @strawberry.field
    def expires_at(self, info: Ctx) -> datetime | None:
        return self._registry(info, lambda m: from_timestamp(m.expires_at))

    @strawberry.field
    def quantity_on_hand(self, info: Ctx) -> float:
        return self._stock(info, lambda s: s.quantity_on_hand if s else 0.0)

    @strawberry.field
    def stock(self, info: Ctx) -> list[StockLevel]:
        return self._stock(
            info,
            lambda s: [
                StockLevel(quantity=x.quantity, location_code=x.location_code)
                for x in (s.levels if s else ())
            ],
            fallback=[],
        )

    @strawberry.field
    def quality_status(self, info: Ctx) -> QualityStatus:
        facts = info.context.facts
        return quality_status_of(info, "lot_status", self.key, facts.lot_status)

    @strawberry.field
    def inspections(self, info: Ctx) -> list[Inspection]:
        facts = info.context.facts
        return inspections_of(info, "lot_inspections", self.key, facts.lot_inspections)

    @strawberry.field(description="Active holds on this lot.")
    def holds(self, info: Ctx) -> list[Hold]:
        return holds_covering(info, "lot_holds", self.key, info.context.facts.lot_holds)

    @strawberry.field(description="Top-level units that contain this lot at any depth.")
    async def where_used(
        self, info: Ctx, first: int | None = 100, after: str | None = None
    ) -> UnitConnection:
        return await where_used(info, self.key, first, after)


async def where_used(
    info: Ctx, lot: LotRef, first: int | None, after: str | None
) -> UnitConnection:
    token, skip, size = page_window(info, first, after)
    request = pp.WhereUsedRequest(
        lot=lot_key(lot),
        page_size=size,
        page_token=token,
        # Counting reads every unit containing the lot: only when totalCount is asked.
        count_total=selects(info, "totalCount"),
    )
    reply = await info.context.calls.read("production", "WhereUsed", request)
    return UnitConnection.of(
        list(reply.units), token, skip, reply.next_page_token, reply.total_count
    )
