"""Unit: one serialized item and everything the four services know about it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.protomap import present
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.facts import DEGRADABLE, UnitRef, settle, unit_key, unit_ref
from serialtrace.gateway.labels import Label, LabelFormat, UnitSymbol, unit_label
from serialtrace.gateway.types.audit import AUDIT_READERS, AuditEntry
from serialtrace.gateway.types.connections import PageInfo, connection_edges
from serialtrace.gateway.types.enums import BuildStatus, CustodyStatus, QualityStatus
from serialtrace.gateway.types.masterdata import (
    Location,
    Product,
    Provenance,
    UnitAlias,
    location_of,
    product_of,
)
from serialtrace.gateway.types.messages import (
    by_ids,
    from_proto,
    json_or_empty,
    listed,
    registered,
    required_time,
)
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

T = TypeVar("T")


@strawberry.type
class Unit:
    """Every field reads the request's facts (serialtrace.gateway.facts): synchronously
    once the query's plan fetched them, else through one batched fetch per service."""

    sku: str
    serial: str

    @staticmethod
    def ref(key: UnitRef) -> Unit:
        return Unit(sku=key[0], serial=key[1])

    @property
    def key(self) -> UnitRef:
        return (self.sku, self.serial)

    def _registry(self, info: Ctx, then: Callable[[md.Unit], T]) -> T:
        missing = f"unit {self.sku}/{self.serial} is not registered"
        return registered(info, "unit", self.key, lambda facts: facts.units, missing, then)

    def _stock(self, info: Ctx, kind: str, then: Callable[[wh.UnitStock], T]) -> T | None:
        """`then(stock)` of the unit's warehouse record, None if it has none."""
        facts = info.context.facts

        def found() -> T | None:
            stock = facts.unit_stock.get(self.key)
            return then(stock) if stock is not None else None

        return facts.read(info, kind, self.key, found)

    # --- masterdata
    @strawberry.field
    def product(self, info: Ctx) -> Product:
        return product_of(info, self.sku)

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
    def attributes(self, info: Ctx) -> JSON:
        attributes: JSON = self._registry(info, lambda m: json_or_empty(m.attributes_json))
        return attributes

    @strawberry.field
    def aliases(self, info: Ctx) -> list[UnitAlias]:
        return self._registry(
            info, lambda m: [UnitAlias(kind=a.kind, value=a.value) for a in m.aliases]
        )

    @strawberry.field
    def created_at(self, info: Ctx) -> datetime:
        return self._registry(info, lambda m: required_time(m.created_at))

    @strawberry.field(description="Where the unit came from if an import created it.")
    def provenance(self, info: Ctx) -> Provenance | None:
        return self._registry(info, lambda m: Provenance.of(m.provenance))

    # --- production
    @strawberry.field
    def build_status(self, info: Ctx) -> BuildStatus | None:
        facts = info.context.facts

        def found() -> BuildStatus | None:
            build = facts.builds.get(self.key)
            if build is not None and build.status:
                return from_proto(BuildStatus, pp.BuildStatus, build.status)
            return self._registry(
                info,
                lambda m: BuildStatus.PURCHASED if m.source == md.UNIT_SOURCE_PURCHASED else None,
            )

        return facts.read(info, "build", self.key, found)

    @strawberry.field
    def work_order(self, info: Ctx) -> WorkOrder | None:
        facts = info.context.facts

        def found() -> WorkOrder | None:
            build = facts.builds.get(self.key)
            message = facts.work_orders.get(build.work_order_id) if build else None
            return WorkOrder.of(message) if message else None

        return facts.read(info, "work_order", self.key, found)

    @strawberry.field
    def operations(self, info: Ctx) -> list[OperationRecord]:
        of = OperationRecord.of
        return listed(info, "operations", self.key, lambda f: f.operations, of, fallback=[])

    @strawberry.field
    def components(self, info: Ctx, include_removed: bool | None = False) -> list[ComponentLink]:
        facts = info.context.facts
        return facts.read(
            info,
            "all_components" if include_removed else "components",
            self.key,
            lambda: [
                ComponentLink.of(link)
                for link in facts.links.get(self.key, ())
                if include_removed or not link.HasField("removed_at")
            ],
            fallback=[],
        )

    @strawberry.field
    def installed_in(self, info: Ctx) -> Unit | None:
        facts = info.context.facts

        def found() -> Unit | None:
            build = facts.builds.get(self.key)
            if build is None or not present(build, "installed_in"):
                return None
            return Unit.ref(unit_ref(build.installed_in))

        return facts.read(info, "build", self.key, found)

    @strawberry.field
    def material_lots(self, info: Ctx) -> list[Lot]:
        return listed(info, "lots_in", self.key, lambda f: f.material_lots, Lot.ref, fallback=[])

    # --- warehouse
    @strawberry.field
    def custody_status(self, info: Ctx) -> CustodyStatus:
        facts = info.context.facts

        def found() -> CustodyStatus:
            stock = facts.unit_stock.get(self.key)
            if stock is None:
                return CustodyStatus.NONE
            return from_proto(CustodyStatus, wh.CustodyStatus, stock.custody) or CustodyStatus.NONE

        return facts.read(info, "unit_stock", self.key, found, fallback=CustodyStatus.UNKNOWN)

    @strawberry.field
    def location(self, info: Ctx) -> Location | None:
        return self._stock(info, "unit_stock", lambda s: location_of(info, s.location_code))

    @strawberry.field
    def movements(self, info: Ctx) -> list[Movement]:
        return listed(info, "movements", self.key, lambda f: f.movements, Movement.of, fallback=[])

    @strawberry.field
    def package(self, info: Ctx) -> Package | None:
        return self._stock(info, "unit_package", lambda s: package_of(info, s.package_sscc))

    @strawberry.field
    def shipment(self, info: Ctx) -> Shipment | None:
        return self._stock(info, "unit_shipment", lambda s: shipment_of(info, s.shipment_id))

    # --- quality
    @strawberry.field
    def quality_status(self, info: Ctx) -> QualityStatus:
        facts = info.context.facts
        return quality_status_of(info, "unit_status", self.key, facts.unit_status)

    @strawberry.field
    def inspections(self, info: Ctx) -> list[Inspection]:
        facts = info.context.facts
        return inspections_of(info, "unit_inspections", self.key, facts.unit_inspections)

    @strawberry.field(description="Active holds that cover this unit (directly or via a lot).")
    def holds(self, info: Ctx) -> list[Hold]:
        return holds_covering(info, "unit_holds", self.key, info.context.facts.unit_holds)

    @strawberry.field
    def recalls(self, info: Ctx) -> list[Recall]:
        facts = info.context.facts

        def found() -> Any:
            ids = facts.unit_recalls.get(self.key, [])
            return by_ids(info, "recall", ids, lambda f: f.recalls, Recall.of, fallback=[])

        return facts.read(info, "unit_recalls", self.key, found, fallback=[])

    # --- every service
    @strawberry.field(description="Every service's ledger entries about this unit, in time order.")
    def audit_trail(self, info: Ctx) -> list[AuditEntry]:
        context = info.context
        try:
            context.require(AUDIT_READERS, "auditTrail")
        except DEGRADABLE as error:
            context.record_partial(info, error)
            return []
        facts = context.facts

        # A service that fails leaves its part out, with its error at this field.
        def entries_of(service: str) -> Callable[[], list[core_pb2.AuditEntry]]:
            return lambda: facts.audit[service].get(self.key, [])

        parts = [
            facts.read(info, f"audit:{s}", self.key, entries_of(s), fallback=[]) for s in SERVICES
        ]
        if any(inspect.isawaitable(p) for p in parts):
            return _merged_later(parts)  # type: ignore[return-value]
        return _merged(parts)


def _merged(parts: list[list[core_pb2.AuditEntry]]) -> list[AuditEntry]:
    entries = [AuditEntry.of(e) for part in parts for e in part]
    return sorted(entries, key=lambda e: (e.at, e.service, e.seq))


async def _merged_later(parts: list[Any]) -> list[AuditEntry]:
    return _merged([await settle(p) for p in parts])


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
from serialtrace.gateway.types.quality import (  # noqa: E402
    Hold,
    Inspection,
    Recall,
    holds_covering,
    inspections_of,
    quality_status_of,
)
from serialtrace.gateway.types.warehouse import (  # noqa: E402
    Movement,
    Package,
    Shipment,
    package_of,
    shipment_of,
)
