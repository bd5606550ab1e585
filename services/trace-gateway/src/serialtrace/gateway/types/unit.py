"""Unit: one serialized item and everything the four services know about it."""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.errors import NotFound
from serialtrace.common.protomap import present
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.context import DEGRADABLE, Ctx, degrade
from serialtrace.gateway.labels import Label, LabelFormat, UnitSymbol, unit_label
from serialtrace.gateway.loaders import UnitRef, unit_key, unit_ref
from serialtrace.gateway.types.audit import AUDIT_READERS, AuditEntry
from serialtrace.gateway.types.connections import PageInfo, connection_edges
from serialtrace.gateway.types.enums import BuildStatus, CustodyStatus, QualityStatus
from serialtrace.gateway.types.masterdata import (
    Location,
    Product,
    Provenance,
    UnitAlias,
    load_location,
    load_product,
)
from serialtrace.gateway.types.messages import from_proto, json_or_empty, required_time
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh


@strawberry.type
class Unit:
    sku: str
    serial: str

    @staticmethod
    def ref(key: UnitRef) -> Unit:
        return Unit(sku=key[0], serial=key[1])

    @property
    def key(self) -> UnitRef:
        return (self.sku, self.serial)

    async def _registry(self, info: Ctx) -> md.Unit:
        message: md.Unit | None = await info.context.loaders.unit.load(self.key)
        if message is None:
            raise NotFound(f"unit {self.sku}/{self.serial} is not registered")
        return message

    async def _stock(self, info: Ctx) -> wh.UnitStock | None:
        stock: wh.UnitStock | None = await info.context.loaders.unit_stock.load(self.key)
        return stock

    async def _build(self, info: Ctx) -> pp.UnitBuild | None:
        build: pp.UnitBuild | None = await info.context.loaders.build.load(self.key)
        return build

    # --- masterdata
    @strawberry.field
    async def product(self, info: Ctx) -> Product:
        return await load_product(info, self.sku)

    @strawberry.field(
        description="A GS1 DataMatrix label (or a Digital Link QR): (01)(21), with "
        "(10)(17) when the unit's attributes record `lot` and `expiry`."
    )
    async def label(
        self,
        info: Ctx,
        format: LabelFormat | None = LabelFormat.SVG,
        symbol: UnitSymbol | None = UnitSymbol.DATAMATRIX,
    ) -> Label:
        info.context.caller()
        fmt, shown = format or LabelFormat.SVG, symbol or UnitSymbol.DATAMATRIX
        return (await unit_label(info.context, self.sku, self.serial, fmt, shown)).as_graph()

    @strawberry.field
    async def attributes(self, info: Ctx) -> JSON:
        attributes: JSON = json_or_empty((await self._registry(info)).attributes_json)
        return attributes

    @strawberry.field
    async def aliases(self, info: Ctx) -> list[UnitAlias]:
        registry = await self._registry(info)
        return [UnitAlias(kind=a.kind, value=a.value) for a in registry.aliases]

    @strawberry.field
    async def created_at(self, info: Ctx) -> datetime:
        return required_time((await self._registry(info)).created_at)

    @strawberry.field(description="Where the unit came from if an import created it.")
    async def provenance(self, info: Ctx) -> Provenance | None:
        return Provenance.of((await self._registry(info)).provenance)

    # --- production
    @strawberry.field
    async def build_status(self, info: Ctx) -> BuildStatus | None:
        build = await self._build(info)
        if build is not None and build.status:
            return from_proto(BuildStatus, pp.BuildStatus, build.status)
        registry = await self._registry(info)
        return BuildStatus.PURCHASED if registry.source == md.UNIT_SOURCE_PURCHASED else None

    @strawberry.field
    async def work_order(self, info: Ctx) -> WorkOrder | None:
        build = await self._build(info)
        if build is None or not build.work_order_id:
            return None
        message = await info.context.loaders.work_order.load(build.work_order_id)
        return WorkOrder.of(message) if message else None

    @strawberry.field
    async def operations(self, info: Ctx) -> list[OperationRecord]:
        async def load() -> list[OperationRecord]:
            records = await info.context.loaders.operations.load(self.key)
            return [OperationRecord.of(r) for r in records]

        return await degrade(info, load(), [])

    @strawberry.field
    async def components(
        self, info: Ctx, include_removed: bool | None = False
    ) -> list[ComponentLink]:
        loaders = info.context.loaders
        loader = loaders.components_with_removed if include_removed else loaders.components

        async def load() -> list[ComponentLink]:
            return [ComponentLink.of(link) for link in await loader.load(self.key)]

        return await degrade(info, load(), [])

    @strawberry.field
    async def installed_in(self, info: Ctx) -> Unit | None:
        build = await self._build(info)
        if build is None or not present(build, "installed_in"):
            return None
        return Unit.ref(unit_ref(build.installed_in))

    @strawberry.field
    async def material_lots(self, info: Ctx) -> list[Lot]:
        async def load() -> list[Lot]:
            lots = await info.context.loaders.material_lots.load(self.key)
            return [Lot.ref(lot) for lot in lots or []]

        return await degrade(info, load(), [])

    # --- warehouse
    @strawberry.field
    async def custody_status(self, info: Ctx) -> CustodyStatus:
        async def load() -> CustodyStatus:
            stock = await self._stock(info)
            if stock is None:
                return CustodyStatus.NONE
            custody = from_proto(CustodyStatus, wh.CustodyStatus, stock.custody)
            return custody or CustodyStatus.NONE

        return await degrade(info, load(), CustodyStatus.UNKNOWN)

    @strawberry.field
    async def location(self, info: Ctx) -> Location | None:
        stock = await self._stock(info)
        return await load_location(info, stock.location_code) if stock else None

    @strawberry.field
    async def movements(self, info: Ctx) -> list[Movement]:
        async def load() -> list[Movement]:
            return [Movement.of(m) for m in await info.context.loaders.movements.load(self.key)]

        return await degrade(info, load(), [])

    @strawberry.field
    async def package(self, info: Ctx) -> Package | None:
        stock = await self._stock(info)
        return await load_package(info, stock.package_sscc) if stock else None

    @strawberry.field
    async def shipment(self, info: Ctx) -> Shipment | None:
        stock = await self._stock(info)
        return await load_shipment(info, stock.shipment_id) if stock else None

    # --- quality
    @strawberry.field
    async def quality_status(self, info: Ctx) -> QualityStatus:
        async def load() -> QualityStatus:
            status = await info.context.loaders.unit_quality.load(self.key)
            return from_proto(QualityStatus, qa.QualityStatus, status or 0) or QualityStatus.OK

        return await degrade(info, load(), QualityStatus.UNKNOWN)

    @strawberry.field
    async def inspections(self, info: Ctx) -> list[Inspection]:
        async def load() -> list[Inspection]:
            found = await info.context.loaders.unit_inspections.load(self.key)
            return [Inspection.of(i) for i in found]

        return await degrade(info, load(), [])

    @strawberry.field(description="Active holds that cover this unit (directly or via a lot).")
    async def holds(self, info: Ctx) -> list[Hold]:
        async def load() -> list[Hold]:
            hold_ids = await info.context.loaders.unit_holds.load(self.key)
            return await load_holds(info, hold_ids or [])

        return await degrade(info, load(), [])

    @strawberry.field
    async def recalls(self, info: Ctx) -> list[Recall]:
        async def load() -> list[Recall]:
            loaders = info.context.loaders
            recall_ids = await loaders.unit_recalls.load(self.key) or []
            found = await loaders.recall.load_many(recall_ids)
            return [Recall.of(r) for r in found if r is not None]

        return await degrade(info, load(), [])

    # --- every service
    @strawberry.field(description="Every service's ledger entries about this unit, in time order.")
    async def audit_trail(self, info: Ctx) -> list[AuditEntry]:
        context = info.context

        async def load() -> list[AuditEntry]:
            context.require(AUDIT_READERS, "auditTrail")
            loaders = context.loaders.unit_audit
            results = await asyncio.gather(
                *(loaders[service].load(self.key) for service in SERVICES),
                return_exceptions=True,
            )
            entries: list[AuditEntry] = []
            for result in results:
                if isinstance(result, DEGRADABLE):
                    context.record_partial(info, result)  # that service's part is missing
                elif isinstance(result, BaseException):
                    raise result
                else:
                    entries.extend(AuditEntry.of(e) for e in result)
            return sorted(entries, key=lambda e: (e.at, e.service, e.seq))

        return await degrade(info, load(), [])


@strawberry.type
class UnitEdge:
    cursor: str
    node: Unit


@strawberry.type
class UnitConnection:
    edges: list[UnitEdge]
    page_info: PageInfo
    total_count: int

    @staticmethod
    def of(
        keys: list[core_pb2.UnitKey], token: str, skip: int, next_token: str, total: int
    ) -> UnitConnection:
        edges, page_info = connection_edges(keys, token, skip, next_token)
        return UnitConnection(
            edges=[UnitEdge(cursor=c, node=Unit.ref(unit_ref(k))) for c, k in edges],
            page_info=page_info,
            total_count=total,
        )


def unit_keys(refs: list[UnitRef]) -> list[core_pb2.UnitKey]:
    return [unit_key(r) for r in refs]


# Last, because the types below import Unit and UnitConnection from here: by now they
# are defined (the annotations above that name these types resolve when the schema is
# built). types/__init__.py loads this module first, so this order holds for any import.
from serialtrace.gateway.types.lot import Lot  # noqa: E402
from serialtrace.gateway.types.production import ComponentLink, OperationRecord, WorkOrder  # noqa: E402
from serialtrace.gateway.types.quality import Hold, Inspection, Recall, load_holds  # noqa: E402
from serialtrace.gateway.types.warehouse import (  # noqa: E402
    Movement,
    Package,
    Shipment,
    load_package,
    load_shipment,
)
