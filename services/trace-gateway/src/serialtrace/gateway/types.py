"""The graph's object types (graph-contract.graphql) and how each field is resolved.

Objects are built from the owning service's message; fields owned by another service
load through the request's DataLoaders, so nested lookups batch. Non-null fields whose
service is unreachable degrade (empty or UNKNOWN) and report UNAVAILABLE at their path.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import json
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from serialtrace.common.auth import Role, roles
from serialtrace.common.errors import InvalidArgument, NotFound, ServiceError
from serialtrace.common.protomap import enum_str, enum_value, present
from serialtrace.common.timeutil import from_timestamp
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.context import DEGRADABLE, GatewayContext, degrade
from serialtrace.gateway.labels import Label, LabelFormat, package_label, unit_label
from serialtrace.gateway.loaders import LotRef, UnitRef, lot_key, unit_key, unit_ref
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

Ctx = Info[GatewayContext, Any]
E = TypeVar("E", bound=enum.Enum)

AUDIT_READERS = roles(Role.AUDITOR, Role.QUALITY)


# --- enums (names as in the contract; UNKNOWN marks a status whose owner is down) ------


@strawberry.enum
class ProductKind(enum.Enum):
    FINISHED = "FINISHED"
    SUBASSEMBLY = "SUBASSEMBLY"
    COMPONENT = "COMPONENT"
    MATERIAL = "MATERIAL"


@strawberry.enum
class TrackingMode(enum.Enum):
    SERIAL = "SERIAL"
    LOT = "LOT"
    NONE = "NONE"


@strawberry.enum
class Uniqueness(enum.Enum):
    PRODUCT = "PRODUCT"
    GLOBAL = "GLOBAL"


@strawberry.enum
class PartyKind(enum.Enum):
    SUPPLIER = "SUPPLIER"
    CUSTOMER = "CUSTOMER"


@strawberry.enum
class LocationKind(enum.Enum):
    SITE = "SITE"
    WAREHOUSE = "WAREHOUSE"
    BIN = "BIN"
    LINE = "LINE"


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


@strawberry.enum
class BuildStatus(enum.Enum):
    PURCHASED = "PURCHASED"
    COMMISSIONED = "COMMISSIONED"
    IN_PROCESS = "IN_PROCESS"
    COMPLETE = "COMPLETE"
    SCRAPPED = "SCRAPPED"


@strawberry.enum
class CustodyStatus(enum.Enum):
    NONE = "NONE"
    IN_STOCK = "IN_STOCK"
    ISSUED = "ISSUED"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="The warehouse could not be asked; see the response's errors."
    )


@strawberry.enum
class QualityStatus(enum.Enum):
    OK = "OK"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"
    UNKNOWN = strawberry.enum_value(
        "UNKNOWN", description="Quality could not be asked; see the response's errors."
    )


@strawberry.enum
class Result(enum.Enum):
    PASS = "PASS"  # noqa: S105 - a test result, not a password
    FAIL = "FAIL"


@strawberry.enum
class MovementKind(enum.Enum):
    RECEIVE = "RECEIVE"
    MOVE = "MOVE"
    ISSUE = "ISSUE"
    PACK = "PACK"
    UNPACK = "UNPACK"
    SHIP = "SHIP"
    RETURN = "RETURN"


@strawberry.enum
class PackageKind(enum.Enum):
    CARTON = "CARTON"
    PALLET = "PALLET"


@strawberry.enum
class InspectionKind(enum.Enum):
    INCOMING = "INCOMING"
    IN_PROCESS = "IN_PROCESS"
    FINAL = "FINAL"


@strawberry.enum
class Disposition(enum.Enum):
    REWORK = "REWORK"
    SCRAP = "SCRAP"
    USE_AS_IS = "USE_AS_IS"
    RETURN_TO_SUPPLIER = "RETURN_TO_SUPPLIER"


@strawberry.enum
class RecallStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


@strawberry.enum
class RecallUnitState(enum.Enum):
    IN_PRODUCTION = "IN_PRODUCTION"
    IN_STOCK = "IN_STOCK"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    RECOVERED = "RECOVERED"
    DESTROYED = "DESTROYED"


@strawberry.enum
class ScanKind(enum.Enum):
    UNIT = "UNIT"
    LOT = "LOT"
    PACKAGE = "PACKAGE"
    PRODUCT = strawberry.enum_value("PRODUCT", description="A GTIN alone: the product.")


def from_proto(cls: type[E], proto_enum: Any, value: int) -> E | None:
    """The graph enum for a proto enum value (None for unspecified)."""
    name = enum_str(proto_enum, value)
    return cls[name] if name else None


def _text(value: str) -> str | None:
    return value or None


def _json(text: str) -> Any:
    return json.loads(text) if text else {}


def _ctx(info: Ctx) -> GatewayContext:
    return info.context


# --- masterdata -------------------------------------------------------------------------


@strawberry.type
class Signature:
    by: str
    at: datetime
    meaning: str

    @staticmethod
    def of(message: core_pb2.Signature, is_set: bool) -> Signature | None:
        if not is_set or not message.by:
            return None
        return Signature(by=message.by, at=_at(message.at), meaning=message.meaning)


def _at(stamp: Any) -> datetime:
    value = from_timestamp(stamp)
    if value is None:
        raise ServiceError("a service returned a record without its time")
    return value


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
        revisions = await _ctx(info).loaders.bom_revisions.load(self.sku)
        return [BomRevision.of(r) for r in revisions]

    @staticmethod
    def of(message: md.Product) -> Product:
        return Product(
            sku=message.sku,
            name=message.name,
            kind=from_proto(ProductKind, md.ProductKind, message.kind) or ProductKind.COMPONENT,
            tracking=from_proto(TrackingMode, md.TrackingMode, message.tracking)
            or TrackingMode.NONE,
            gtin=_text(message.gtin),
            serial_pattern=_text(message.serial_pattern),
            uniqueness=from_proto(Uniqueness, md.Uniqueness, message.uniqueness)
            or Uniqueness.PRODUCT,
            required_attributes=list(message.required_attributes),
        )


async def load_product(info: Ctx, sku: str) -> Product:
    message = await _ctx(info).loaders.product.load(sku)
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
    message = await _ctx(info).loaders.party.load(code)
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
            gln=_text(message.gln),
            parent_code=message.parent_code,
        )


async def load_location(info: Ctx, code: str) -> Location | None:
    if not code:
        return None
    message = await _ctx(info).loaders.location.load(code)
    return Location.of(message) if message else None


@strawberry.type
class UnitAlias:
    kind: str
    value: str


# --- connections ---------------------------------------------------------------------


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def encode_cursor(service_token: str, skip: int) -> str:
    """Opaque cursor: resume at the service's page token, skipping `skip` items."""
    return base64.urlsafe_b64encode(json.dumps([service_token, skip]).encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[str, int]:
    if not cursor:
        return "", 0
    try:
        token, skip = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(token, str) and isinstance(skip, int) and skip >= 0:
            return token, skip
    except (ValueError, TypeError, binascii.Error):
        pass
    raise InvalidArgument(f"cursor {cursor[:40]!r} is not one this graph handed out")


def page_window(info: Ctx, first: int | None, after: str | None) -> tuple[str, int, int]:
    """(service page token, items to skip, page size to ask for) for `first`/`after`."""
    first = 100 if first is None else first
    limit = _ctx(info).settings.max_page_size
    if not 1 <= first <= limit:
        raise InvalidArgument(f"first must be 1 to {limit}, got {first}")
    token, skip = decode_cursor(after)
    return token, skip, skip + first


def connection_edges(
    items: list[Any], token: str, skip: int, next_token: str
) -> tuple[list[tuple[str, Any]], PageInfo]:
    """Cursors per item and the page info, after dropping the `skip` already seen."""
    page = items[skip:]
    edges = [(encode_cursor(token, skip + i + 1), item) for i, item in enumerate(page)]
    if next_token:
        info = PageInfo(has_next_page=True, end_cursor=encode_cursor(next_token, 0))
    else:
        info = PageInfo(has_next_page=False, end_cursor=edges[-1][0] if edges else None)
    return edges, info


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


async def where_used(
    info: Ctx, lot: LotRef, first: int | None, after: str | None
) -> UnitConnection:
    token, skip, size = page_window(info, first, after)
    reply = await _ctx(info).calls.read(
        "production",
        "WhereUsed",
        pp.WhereUsedRequest(lot=lot_key(lot), page_size=size, page_token=token),
    )
    return UnitConnection.of(
        list(reply.units), token, skip, reply.next_page_token, reply.total_count
    )


# --- units ---------------------------------------------------------------------------


@strawberry.type
class WorkOrder:
    id: strawberry.ID
    sku: str
    quantity: int
    bom_revision: str
    line: str | None
    status: str
    output_location_code: strawberry.Private[str]

    @strawberry.field(description="where completed units enter stock")
    async def output_location(self, info: Ctx) -> Location | None:
        return await load_location(info, self.output_location_code)

    @staticmethod
    def of(message: pp.WorkOrder) -> WorkOrder:
        return WorkOrder(
            id=strawberry.ID(message.id),
            sku=message.sku,
            quantity=message.quantity,
            bom_revision=message.bom_revision,
            line=_text(message.line),
            status=enum_str(pp.WorkOrderStatus, message.status),
            output_location_code=message.output_location_code,
        )


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
        return OperationRecord(
            id=strawberry.ID(message.id),
            operation=message.operation,
            station=message.station,
            operator=message.operator,
            started_at=from_timestamp(message.started_at),
            finished_at=_at(message.finished_at),
            result=from_proto(Result, core_pb2.Result, message.result) or Result.FAIL,
            measurements=_json(message.measurements_json),
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
        return ComponentLink(
            quantity=message.quantity,
            operation=_text(message.operation),
            installed_at=_at(message.installed_at),
            installed_by=message.installed_by,
            removed_at=from_timestamp(message.removed_at),
            removed_by=_text(message.removed_by),
            removal_reason=_text(message.removal_reason),
            component_unit=(unit.sku, unit.serial) if present(message, "component_unit") else None,
            component_lot=(lot.sku, lot.lot_number) if present(message, "component_lot") else None,
        )


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
            at=_at(message.at),
            by=message.by,
            reference=_text(message.reference),
            from_code=message.from_location_code,
            to_code=message.to_location_code,
        )


@strawberry.type
class Inspection:
    id: strawberry.ID
    kind: InspectionKind
    result: Result
    inspector: str
    at: datetime
    measurements: JSON

    @staticmethod
    def of(message: qa.Inspection) -> Inspection:
        return Inspection(
            id=strawberry.ID(message.id),
            kind=from_proto(InspectionKind, qa.InspectionKind, message.kind)
            or InspectionKind.IN_PROCESS,
            result=from_proto(Result, core_pb2.Result, message.result) or Result.FAIL,
            inspector=message.inspector,
            at=_at(message.at),
            measurements=_json(message.measurements_json),
        )


@strawberry.type
class Nonconformance:
    id: strawberry.ID
    description: str
    disposition: Disposition | None
    opened_by: str
    opened_at: datetime

    @staticmethod
    def of(message: qa.Nonconformance) -> Nonconformance:
        return Nonconformance(
            id=strawberry.ID(message.id),
            description=message.description,
            disposition=from_proto(Disposition, qa.Disposition, message.disposition),
            opened_by=message.opened_by,
            opened_at=_at(message.opened_at),
        )


@strawberry.type
class Hold:
    id: strawberry.ID
    reason: str
    placed_by: str
    placed_at: datetime
    active: bool
    release: Signature | None
    unit_count: int

    @staticmethod
    def of(message: qa.Hold) -> Hold:
        return Hold(
            id=strawberry.ID(message.id),
            reason=message.reason,
            placed_by=message.placed_by,
            placed_at=_at(message.placed_at),
            active=message.active,
            release=Signature.of(message.release, message.HasField("release")),
            unit_count=message.unit_count,
        )


async def load_holds(info: Ctx, hold_ids: list[str]) -> list[Hold]:
    found = await _ctx(info).loaders.hold.load_many(hold_ids)
    return [Hold.of(h) for h in found if h is not None]


@strawberry.type
class AuditEntry:
    service: str
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    payload: JSON
    prev_hash: str
    hash: str

    @staticmethod
    def of(message: core_pb2.AuditEntry) -> AuditEntry:
        return AuditEntry(
            service=message.service,
            seq=message.seq,
            at=_at(message.at),
            actor=message.actor,
            action=message.action,
            entity_type=message.entity_type,
            entity_id=message.entity_id,
            payload=_json(message.payload_json),
            prev_hash=message.prev_hash,
            hash=message.hash,
        )


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
        message: md.Unit | None = await _ctx(info).loaders.unit.load(self.key)
        if message is None:
            raise NotFound(f"unit {self.sku}/{self.serial} is not registered")
        return message

    async def _stock(self, info: Ctx) -> wh.UnitStock | None:
        stock: wh.UnitStock | None = await _ctx(info).loaders.unit_stock.load(self.key)
        return stock

    async def _build(self, info: Ctx) -> pp.UnitBuild | None:
        build: pp.UnitBuild | None = await _ctx(info).loaders.build.load(self.key)
        return build

    # --- masterdata
    @strawberry.field
    async def product(self, info: Ctx) -> Product:
        return await load_product(info, self.sku)

    @strawberry.field(
        description="A GS1 DataMatrix label: (01)(21), with (10)(17) when the unit's "
        "attributes record `lot` and `expiry`."
    )
    async def label(self, info: Ctx, format: LabelFormat | None = LabelFormat.SVG) -> Label:
        _ctx(info).caller()
        return (
            await unit_label(_ctx(info), self.sku, self.serial, format or LabelFormat.SVG)
        ).as_graph()

    @strawberry.field
    async def attributes(self, info: Ctx) -> JSON:
        attributes: JSON = _json((await self._registry(info)).attributes_json)
        return attributes

    @strawberry.field
    async def aliases(self, info: Ctx) -> list[UnitAlias]:
        registry = await self._registry(info)
        return [UnitAlias(kind=a.kind, value=a.value) for a in registry.aliases]

    @strawberry.field
    async def created_at(self, info: Ctx) -> datetime:
        return _at((await self._registry(info)).created_at)

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
        message = await _ctx(info).loaders.work_order.load(build.work_order_id)
        return WorkOrder.of(message) if message else None

    @strawberry.field
    async def operations(self, info: Ctx) -> list[OperationRecord]:
        async def load() -> list[OperationRecord]:
            records = await _ctx(info).loaders.operations.load(self.key)
            return [OperationRecord.of(r) for r in records]

        return await degrade(info, load(), [])

    @strawberry.field
    async def components(
        self, info: Ctx, include_removed: bool | None = False
    ) -> list[ComponentLink]:
        loaders = _ctx(info).loaders
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
            lots = await _ctx(info).loaders.material_lots.load(self.key)
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
            return [Movement.of(m) for m in await _ctx(info).loaders.movements.load(self.key)]

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
            status = await _ctx(info).loaders.unit_quality.load(self.key)
            return from_proto(QualityStatus, qa.QualityStatus, status or 0) or QualityStatus.OK

        return await degrade(info, load(), QualityStatus.UNKNOWN)

    @strawberry.field
    async def inspections(self, info: Ctx) -> list[Inspection]:
        async def load() -> list[Inspection]:
            found = await _ctx(info).loaders.unit_inspections.load(self.key)
            return [Inspection.of(i) for i in found]

        return await degrade(info, load(), [])

    @strawberry.field(description="Active holds that cover this unit (directly or via a lot).")
    async def holds(self, info: Ctx) -> list[Hold]:
        async def load() -> list[Hold]:
            hold_ids = await _ctx(info).loaders.unit_holds.load(self.key)
            return await load_holds(info, hold_ids or [])

        return await degrade(info, load(), [])

    @strawberry.field
    async def recalls(self, info: Ctx) -> list[Recall]:
        async def load() -> list[Recall]:
            loaders = _ctx(info).loaders
            recall_ids = await loaders.unit_recalls.load(self.key) or []
            found = await loaders.recall.load_many(recall_ids)
            return [Recall.of(r) for r in found if r is not None]

        return await degrade(info, load(), [])

    # --- every service
    @strawberry.field(description="Every service's ledger entries about this unit, in time order.")
    async def audit_trail(self, info: Ctx) -> list[AuditEntry]:
        context = _ctx(info)

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


# --- lots, packages, shipments ---------------------------------------------------------


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
        message: md.Lot | None = await _ctx(info).loaders.lot.load(self.key)
        if message is None:
            raise NotFound(f"lot {self.sku}/{self.lot_number} is not registered")
        return message

    async def _stock(self, info: Ctx) -> wh.LotStock | None:
        stock: wh.LotStock | None = await _ctx(info).loaders.lot_stock.load(self.key)
        return stock

    @strawberry.field
    async def product(self, info: Ctx) -> Product:
        return await load_product(info, self.sku)

    @strawberry.field
    async def supplier(self, info: Ctx) -> Party | None:
        return await load_party(info, (await self._registry(info)).supplier_code)

    @strawberry.field
    async def supplier_lot_number(self, info: Ctx) -> str | None:
        return _text((await self._registry(info)).supplier_lot_number)

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
            status = await _ctx(info).loaders.lot_quality.load(self.key)
            return from_proto(QualityStatus, qa.QualityStatus, status or 0) or QualityStatus.OK

        return await degrade(info, load(), QualityStatus.UNKNOWN)

    @strawberry.field
    async def inspections(self, info: Ctx) -> list[Inspection]:
        async def load() -> list[Inspection]:
            found = await _ctx(info).loaders.lot_inspections.load(self.key)
            return [Inspection.of(i) for i in found]

        return await degrade(info, load(), [])

    @strawberry.field(description="Active holds on this lot.")
    async def holds(self, info: Ctx) -> list[Hold]:
        async def load() -> list[Hold]:
            hold_ids = await _ctx(info).loaders.lot_holds.load(self.key)
            return await load_holds(info, hold_ids or [])

        return await degrade(info, load(), [])

    @strawberry.field(description="Top-level units that contain this lot at any depth.")
    async def where_used(
        self, info: Ctx, first: int | None = 100, after: str | None = None
    ) -> UnitConnection:
        return await where_used(info, self.key, first, after)


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
        _ctx(info).caller()
        return (await package_label(_ctx(info), self.sscc, format or LabelFormat.SVG)).as_graph()

    @strawberry.field
    def units(self) -> list[Unit]:
        return [Unit.ref(key) for key in self.unit_keys]

    @strawberry.field
    async def packages(self, info: Ctx) -> list[Package]:
        found = await _ctx(info).loaders.package.load_many(self.package_ssccs)
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
    message = await _ctx(info).loaders.package.load(sscc)
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
        reply = await _ctx(info).calls.read(
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
            shipped_at=_at(message.shipped_at),
            carrier=_text(message.carrier),
            tracking_number=_text(message.tracking_number),
            unit_count=message.unit_count,
            customer_code=message.customer_code,
        )


async def load_shipment(info: Ctx, shipment_id: str) -> Shipment | None:
    if not shipment_id:
        return None
    message = await _ctx(info).loaders.shipment.load(shipment_id)
    return Shipment.of(message) if message else None


# --- recalls -------------------------------------------------------------------------


@strawberry.type
class RecallCount:
    state: RecallUnitState
    count: int


@strawberry.type
class RecallItem:
    state: RecallUnitState
    unit_key: strawberry.Private[UnitRef]
    location_code: strawberry.Private[str]
    customer_code: strawberry.Private[str]
    shipment_id: strawberry.Private[str]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit.ref(self.unit_key)

    @strawberry.field
    async def location(self, info: Ctx) -> Location | None:
        return await load_location(info, self.location_code)

    @strawberry.field
    async def customer(self, info: Ctx) -> Party | None:
        return await load_party(info, self.customer_code)

    @strawberry.field
    async def shipment(self, info: Ctx) -> Shipment | None:
        return await load_shipment(info, self.shipment_id)

    @staticmethod
    def of(message: qa.RecallItem) -> RecallItem:
        return RecallItem(
            state=from_proto(RecallUnitState, qa.RecallUnitState, message.state)
            or RecallUnitState.IN_PRODUCTION,
            unit_key=unit_ref(message.unit),
            location_code=message.location_code,
            customer_code=message.customer_code,
            shipment_id=message.shipment_id,
        )


@strawberry.type
class RecallItemEdge:
    cursor: str
    node: RecallItem


@strawberry.type
class RecallItemConnection:
    edges: list[RecallItemEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Recall:
    id: strawberry.ID
    reason: str
    status: RecallStatus
    created_at: datetime
    created_by: str
    scope_computed_in_ms: int
    counts: list[RecallCount]

    @strawberry.field
    async def affected(
        self,
        info: Ctx,
        first: int | None = 100,
        after: str | None = None,
        state: RecallUnitState | None = None,
    ) -> RecallItemConnection:
        token, skip, size = page_window(info, first, after)
        request = qa.ListRecallItemsRequest(
            recall_id=self.id,
            state=enum_value(qa.RecallUnitState, state.value if state else ""),
            page_size=size,
            page_token=token,
        )
        reply = await _ctx(info).calls.read("quality", "ListRecallItems", request)
        edges, page_info = connection_edges(list(reply.items), token, skip, reply.next_page_token)
        return RecallItemConnection(
            edges=[RecallItemEdge(cursor=c, node=RecallItem.of(i)) for c, i in edges],
            page_info=page_info,
            total_count=reply.total_count,
        )

    @staticmethod
    def of(message: qa.Recall) -> Recall:
        return Recall(
            id=strawberry.ID(message.id),
            reason=message.reason,
            status=from_proto(RecallStatus, qa.RecallStatus, message.status) or RecallStatus.OPEN,
            created_at=_at(message.created_at),
            created_by=message.created_by,
            scope_computed_in_ms=message.scope_computed_in_ms,
            counts=[
                RecallCount(
                    state=from_proto(RecallUnitState, qa.RecallUnitState, c.state)
                    or RecallUnitState.IN_PRODUCTION,
                    count=c.count,
                )
                for c in message.counts
            ],
        )


# --- audit and scans -----------------------------------------------------------------


@strawberry.type
class LedgerVerification:
    service: str
    entries: int
    ok: bool
    head_hash: str | None
    first_broken_seq: int | None
    problem: str | None = strawberry.field(
        default=None, description="What is wrong at the first broken entry."
    )
    checkpoints: int = strawberry.field(
        default=0, description="Signed checkpoints the chain was checked against."
    )
    last_checkpoint_seq: int | None = strawberry.field(
        default=None, description="The newest signed checkpoint's head seq."
    )
    last_checkpoint_at: datetime | None = strawberry.field(
        default=None, description="When the newest checkpoint was signed."
    )
    unsigned_entries: int = strawberry.field(
        default=0, description="Entries after the newest checkpoint: chained, not yet signed."
    )
    key_id: str | None = strawberry.field(
        default=None,
        description="SHA-256 of the public key the checkpoints were checked with.",
    )


@strawberry.type(description="A built evidence package; download it within 10 minutes.")
class EvidencePackage:
    file_name: str
    sha256: str = strawberry.field(description="SHA-256 (hex) of the zip.")
    size_bytes: int
    download_url: str = strawberry.field(
        description="Path on this gateway (GET, with the same bearer token as the query)."
    )


@strawberry.type(name="GS1Element")
class Gs1Element:
    ai: str
    title: str = strawberry.field(description="GS1's data title of the AI, e.g. BATCH/LOT.")
    value: str


@strawberry.type
class ScanResult:
    kind: ScanKind
    unit: Unit | None = None
    lot: Lot | None = None
    package: Package | None = None
    product: Product | None = strawberry.field(
        default=None, description="The product, when the code was a GTIN alone."
    )
    elements: list[Gs1Element] = strawberry.field(
        default_factory=list, description="Every AI the scan carried, with its GS1 data title."
    )
    warnings: list[str] = strawberry.field(
        default_factory=list,
        description="What the label says that disagrees with our records, e.g. an expiry "
        "date (17) other than the lot's recorded expiry.",
    )


@strawberry.type
class ScanOutcome:
    idempotency_key: str
    ok: bool
    error_code: str | None = None
    message: str | None = None


def unit_keys(refs: list[UnitRef]) -> list[core_pb2.UnitKey]:
    return [unit_key(r) for r in refs]
