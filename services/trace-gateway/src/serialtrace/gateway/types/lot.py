"""Lot: a lot-tracked material's registry entry, stock, quality and where it was used."""

from __future__ import annotations

from datetime import datetime

import strawberry

from serialtrace.common.errors import NotFound
from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx, degrade
from serialtrace.gateway.loaders import LotRef, lot_key
from serialtrace.gateway.types.connections import page_window, selects
from serialtrace.gateway.types.enums import QualityStatus
from serialtrace.gateway.types.masterdata import Party, Product, load_party, load_product
from serialtrace.gateway.types.messages import from_proto, text_or_none
from serialtrace.gateway.types.quality import Hold, Inspection, load_holds
from serialtrace.gateway.types.unit import UnitConnection
from serialtrace.gateway.types.warehouse import StockLevel
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh


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

    async def _registry(self, info: Ctx) -> md.Lot:
        message: md.Lot | None = await info.context.loaders.lot.load(self.key)
        if message is None:
            raise NotFound(f"lot {self.sku}/{self.lot_number} is not registered")
        return message

    async def _stock(self, info: Ctx) -> wh.LotStock | None:
        stock: wh.LotStock | None = await info.context.loaders.lot_stock.load(self.key)
        return stock

    @strawberry.field
    async def product(self, info: Ctx) -> Product:
        return await load_product(info, self.sku)

    @strawberry.field
    async def supplier(self, info: Ctx) -> Party | None:
        return await load_party(info, (await self._registry(info)).supplier_code)

    @strawberry.field
    async def supplier_lot_number(self, info: Ctx) -> str | None:
        return text_or_none((await self._registry(info)).supplier_lot_number)

    @strawberry.field
    async def received_at(self, info: Ctx) -> datetime | None:
        stock = await self._stock(info)
        return from_timestamp(stock.received_at) if stock else None

    @strawberry.field
    async def expires_at(self, info: Ctx) -> datetime | None:
        return from_timestamp((await self._registry(info)).expires_at)

    @strawberry.field
    async def quantity_on_hand(self, info: Ctx) -> float:
        stock = await self._stock(info)
        return stock.quantity_on_hand if stock else 0.0

    @strawberry.field
    async def stock(self, info: Ctx) -> list[StockLevel]:
        async def load() -> list[StockLevel]:
            stock = await self._stock(info)
            levels = stock.levels if stock else []
            return [StockLevel(quantity=s.quantity, location_code=s.location_code) for s in levels]

        return await degrade(info, load(), [])

    @strawberry.field
    async def quality_status(self, info: Ctx) -> QualityStatus:
        async def load() -> QualityStatus:
            status = await info.context.loaders.lot_quality.load(self.key)
            return from_proto(QualityStatus, qa.QualityStatus, status or 0) or QualityStatus.OK

        return await degrade(info, load(), QualityStatus.UNKNOWN)

    @strawberry.field
    async def inspections(self, info: Ctx) -> list[Inspection]:
        async def load() -> list[Inspection]:
            found = await info.context.loaders.lot_inspections.load(self.key)
            return [Inspection.of(i) for i in found]

        return await degrade(info, load(), [])

    @strawberry.field(description="Active holds on this lot.")
    async def holds(self, info: Ctx) -> list[Hold]:
        async def load() -> list[Hold]:
            hold_ids = await info.context.loaders.lot_holds.load(self.key)
            return await load_holds(info, hold_ids or [])

        return await degrade(info, load(), [])

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
