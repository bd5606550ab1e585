"""One request's facts from the services, fetched a service at a time, read synchronously.

Each service answers everything it owns about a set of units and lots in one
`GetTraceFacts` call. The query planner (serialtrace.gateway.plan) fills this store
before the trace's fields resolve, so a resolver finds its fact here and answers
without a coroutine. A field the plan did not foresee (a unit reached through a
mutation's result, a where-used page, a package) asks for its fact lazily: every such
request made in the same tick becomes one call per service, as a DataLoader would.

The store lives for one request and is dropped after each mutation: nothing in it can
be stale. A service that fails leaves its kinds of fact failed for the request; the
fields that read them report the error at their own path (a partial result).
"""

from __future__ import annotations

import asyncio
import inspect
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from serialtrace.common.errors import (
    DeadlineExceeded,
    NotFound,
    PermissionDenied,
    ServiceError,
    Unavailable,
)
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.backends import SERVICES, Calls
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

if TYPE_CHECKING:
    from strawberry.types import Info

UnitRef = tuple[str, str]  # (sku, serial)
LotRef = tuple[str, str]  # (sku, lot number)
T = TypeVar("T")
M = TypeVar("M")  # a service's message

# Failures that leave the rest of a trace worth returning: the field degrades to an
# empty/unknown value and the response carries the error at the field's path.
DEGRADABLE = (Unavailable, DeadlineExceeded, PermissionDenied)
RAISE: Any = object()  # `fallback` for a field that fails rather than degrades
_ALL_OF = object()  # the key `read_many` reads under: never fetched itself


async def settle(value: T) -> T:
    """The value behind a resolver's answer, however many fetches it waited for."""
    found: Any = value
    while inspect.isawaitable(found):
        found = await found
    return cast(T, found)


def unit_key(ref: UnitRef) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=ref[0], serial=ref[1])


def lot_key(ref: LotRef) -> core_pb2.LotKey:
    return core_pb2.LotKey(sku=ref[0], lot_number=ref[1])


def unit_ref(key: core_pb2.UnitKey) -> UnitRef:
    return (key.sku, key.serial)


def lot_ref(key: core_pb2.LotKey) -> LotRef:
    return (key.sku, key.lot_number)


# Every kind of fact, by the service that owns it. Unit kinds are keyed by UnitRef, lot
# kinds by LotRef, the rest by code, SKU or id.
MASTERDATA_KINDS: tuple[str, ...] = ("unit", "lot", "product", "bom", "party", "location")
PRODUCTION_KINDS: tuple[str, ...] = (
    "build",
    "work_order",
    "operations",
    "components",
    "all_components",
    "lots_in",
)
WAREHOUSE_KINDS: tuple[str, ...] = (
    "unit_stock",
    "movements",
    "unit_package",
    "unit_shipment",
    "lot_stock",
)
WAREHOUSE_KINDS += ("package", "shipment")
QUALITY_KINDS: tuple[str, ...] = ("unit_status", "unit_inspections", "unit_holds", "unit_recalls")
QUALITY_KINDS += ("lot_status", "lot_inspections", "lot_holds", "hold", "recall")
OWNER: dict[str, str] = {
    **{k: "masterdata" for k in MASTERDATA_KINDS},
    **{k: "production" for k in PRODUCTION_KINDS},
    **{k: "warehouse" for k in WAREHOUSE_KINDS},
    **{k: "quality" for k in QUALITY_KINDS},
    **{f"audit:{s}": s for s in SERVICES},  # each ledger's entries come with its facts
}

Wants = dict[str, set[Any]]  # kind -> the keys it is wanted for


def _listed(wants: Wants, **fields: str) -> dict[str, Any]:
    """A facts request's id lists (`field="kind"`): the keys wanted of each kind, in order."""
    return {field: sorted(wants.get(kind, ())) for field, kind in fields.items()}


class Facts:
    """What the services said during this request, by kind of fact and key."""

    def __init__(self, calls: Calls) -> None:
        self.calls = calls
        self.fetched: dict[str, set[Any]] = defaultdict(set)
        self.failed: dict[str, ServiceError] = {}
        # The graph objects `entity` made, by how and from what key: a product, location
        # or party that a trace meets many times is made once per request.
        self._made: dict[tuple[Callable[[Any], Any], Hashable], Any] = {}
        # masterdata
        self.units: dict[UnitRef, md.Unit] = {}
        self.lots: dict[LotRef, md.Lot] = {}
        self.products: dict[str, md.Product] = {}
        self.bom_revisions: dict[str, list[md.BomRevision]] = defaultdict(list)
        self.parties: dict[str, md.Party] = {}
        self.locations: dict[str, md.Location] = {}
        # production
        self.builds: dict[UnitRef, pp.UnitBuild] = {}
        self.work_orders: dict[str, pp.WorkOrder] = {}
        self.operations: dict[UnitRef, list[pp.OperationRecord]] = defaultdict(list)
        self.links: dict[UnitRef, list[pp.ComponentLink]] = defaultdict(list)  # removed too
        self.material_lots: dict[UnitRef, list[LotRef]] = {}
        # warehouse
        self.unit_stock: dict[UnitRef, wh.UnitStock] = {}
        self.movements: dict[UnitRef, list[wh.Movement]] = defaultdict(list)
        self.lot_stock: dict[LotRef, wh.LotStock] = {}
        self.packages: dict[str, wh.Package] = {}
        self.shipments: dict[str, wh.Shipment] = {}
        # quality
        self.unit_status: dict[UnitRef, int] = {}
        self.lot_status: dict[LotRef, int] = {}
        self.unit_inspections: dict[UnitRef, list[qa.Inspection]] = defaultdict(list)
        self.lot_inspections: dict[LotRef, list[qa.Inspection]] = defaultdict(list)
        self.unit_holds: dict[UnitRef, list[str]] = {}
        self.lot_holds: dict[LotRef, list[str]] = {}
        self.holds: dict[str, qa.Hold] = {}
        self.unit_recalls: dict[UnitRef, list[str]] = {}
        self.recalls: dict[str, qa.Recall] = {}
        # every service's ledger entries about units
        self.audit: dict[str, dict[UnitRef, list[core_pb2.AuditEntry]]] = {
            s: defaultdict(list) for s in SERVICES
        }
        self._pending: Wants = defaultdict(set)
        self._flush: asyncio.Future[None] | None = None

    def know(self, product: md.Product, unit: md.Unit | None, lot: md.Lot | None) -> None:
        """Masterdata records one call brought outside a plan (a scan resolves its GS1
        key in one), so the fields read from them ask masterdata nothing more."""
        self.products[product.sku] = product
        self.fetched["product"].add(product.sku)
        if unit is not None:
            ref = (unit.sku, unit.serial)
            self.units[ref] = unit
            self.fetched["unit"].add(ref)
        if lot is not None:
            key = (lot.sku, lot.lot_number)
            self.lots[key] = lot
            self.fetched["lot"].add(key)

    # --- reading -------------------------------------------------------------------------

    def read(
        self,
        info: Info[Any, Any],
        kind: str,
        key: Hashable,
        compute: Callable[[], T],
        fallback: Any = RAISE,
        keys: list[Hashable] | None = None,
    ) -> T:
        """`compute()` once `kind` is known for `key`: at once when it is (the usual
        case, after a plan), else an awaitable that fetches it with everything else asked
        for in this tick. If the owning service failed, the error (or `fallback`, with
        the error reported at the field's path). Typed as what `compute` returns: the
        awaitable stands for it, and graphql-core (or `settle`) awaits it."""
        if key in self.fetched[kind] or (keys is not None and set(keys) <= self.fetched[kind]):
            return compute()
        error = self.failed.get(kind)
        if error is not None:
            if fallback is RAISE or not isinstance(error, DEGRADABLE):
                raise error
            info.context.record_partial(info, error)
            return cast(T, fallback)
        flushed = self._ask(kind, [key] if keys is None else keys)
        return cast(T, self._later(info, flushed, kind, key, compute, fallback, keys))

    def entity(
        self,
        info: Info[Any, Any],
        kind: str,
        key: Hashable,
        found: Mapping[Any, M],
        make: Callable[[M], T],
        missing: str | None = None,
    ) -> T | None:
        """`make(message)` of the one `kind` of fact under `key` in `found`: None if the
        service has no such thing, or NotFound(`missing`) when the field cannot be null."""

        def made() -> T | None:
            made_before = self._made.get((make, key))
            if made_before is not None:
                return cast(T, made_before)
            message = found.get(key)
            if message is not None:
                new = self._made[(make, key)] = make(message)
                return new
            if missing is not None:
                raise NotFound(missing)
            return None

        return self.read(info, kind, key, made)

    def read_many(
        self,
        info: Info[Any, Any],
        kind: str,
        keys: Iterable[Hashable],
        compute: Callable[[], T],
        fallback: Any = RAISE,
    ) -> T:
        """`read` for a list of keys of one kind: `compute()` once all are known."""
        missing = [k for k in keys if k not in self.fetched[kind]]
        if not missing:
            return compute()
        return self.read(info, kind, _ALL_OF, compute, fallback, missing)

    async def _later(
        self,
        info: Info[Any, Any],
        flushed: asyncio.Future[None],
        kind: str,
        key: Hashable,
        compute: Callable[[], T],
        fallback: Any,
        keys: list[Hashable] | None,
    ) -> Any:
        await flushed
        wanted = {key} if keys is None else set(keys)
        if not wanted <= self.fetched[kind] and kind not in self.failed:
            raise AssertionError(f"{kind} {sorted(map(str, wanted))[:3]} asked for, not fetched")
        return await settle(self.read(info, kind, key, compute, fallback, keys))

    def _ask(self, kind: str, keys: Iterable[Hashable]) -> asyncio.Future[None]:
        self._pending[kind].update(keys)
        if self._flush is None:
            loop = asyncio.get_running_loop()
            self._flush = loop.create_future()
            loop.call_soon(lambda: asyncio.ensure_future(self._send_pending()))
        return self._flush

    async def _send_pending(self) -> None:
        pending, flushed = self._pending, self._flush
        self._pending, self._flush = defaultdict(set), None
        assert flushed is not None
        try:
            await self.fetch(pending)
        except BaseException as error:  # a bug, not a service's verdict: every waiter sees it
            flushed.set_exception(error)
        else:
            flushed.set_result(None)

    # --- fetching ------------------------------------------------------------------------

    async def fetch(self, wants: Wants, depth: int = 0) -> None:
        """One call per service for what `wants` asks of it (production follows the
        units' components `depth` levels down). A service that fails fails its kinds."""
        by_service: dict[str, Wants] = defaultdict(dict)
        for kind, keys in wants.items():
            missing = set(keys) - self.fetched[kind]
            if missing and kind not in self.failed:
                by_service[OWNER[kind]][kind] = missing
        fetchers = {
            "masterdata": self._masterdata,
            "production": lambda w: self._production(w, depth),
            "warehouse": self._warehouse,
            "quality": self._quality,
        }
        await asyncio.gather(
            *(self._guarded(s, w, fetchers[s]) for s, w in by_service.items()),
        )

    async def _guarded(self, service: str, wants: Wants, fetch: Callable[[Wants], Any]) -> None:
        try:
            await fetch(wants)
        except ServiceError as error:
            for kind in wants:
                self.failed.setdefault(kind, error)
            return
        for kind, keys in wants.items():
            self.fetched[kind] |= keys

    async def _trace_facts(self, service: str, request: Any) -> Any:
        """One service's GetTraceFacts reply: everything the request wants of it, at once."""
        return await self.calls.read(service, "GetTraceFacts", request)

    async def _masterdata(self, wants: Wants) -> None:
        audit = wants.get("audit:masterdata", set())
        units = wants.get("unit", set()) | audit
        reply = await self._trace_facts(
            "masterdata",
            md.GetTraceFactsRequest(
                units=[unit_key(u) for u in sorted(units)],
                lots=[lot_key(lot) for lot in sorted(wants.get("lot", ()))],
                **_listed(
                    wants,
                    product_skus="product",
                    bom_skus="bom",
                    party_codes="party",
                    location_codes="location",
                ),
                audit_entries=bool(audit),
            ),
        )
        self.units.update((unit_ref(u), u) for u in reply.units)
        self.lots.update(((lot.sku, lot.lot_number), lot) for lot in reply.lots)
        self.products.update((p.sku, p) for p in reply.products)
        for bom in reply.bom_revisions:
            self.bom_revisions[bom.sku].append(bom)
        self.parties.update((p.code, p) for p in reply.parties)
        self.locations.update((loc.code, loc) for loc in reply.locations)
        self.fetched["unit"] |= units
        self.fetched["party"] |= {p.code for p in reply.parties}
        self.fetched["location"] |= {loc.code for loc in reply.locations}
        self._file_audit("masterdata", reply.audit_entries)

    async def _production(self, wants: Wants, depth: int) -> None:
        roots = sorted(set().union(*wants.values()))
        removed = "all_components" in wants
        audit = "audit:production" in wants
        reply = await self._trace_facts(
            "production",
            pp.GetTraceFactsRequest(
                units=[unit_key(u) for u in roots],
                depth=depth,
                builds="build" in wants,
                work_orders="work_order" in wants,
                operations="operations" in wants,
                components=removed or "components" in wants,
                include_removed=removed,
                material_lots="lots_in" in wants,
                audit_entries=audit,
            ),
        )
        # Each parent's links as this reply has them (a later, wider read replaces them).
        fresh: dict[UnitRef, list[pp.ComponentLink]] = defaultdict(list)
        for link in reply.links:
            fresh[unit_ref(link.parent)].append(link)
        self.links.update(fresh)
        units = self.subtree(roots, depth)
        for kind in wants:
            self.fetched[kind] |= set(units)
        if removed:
            self.fetched["components"] |= set(units)
        self.builds.update((unit_ref(b.unit), b) for b in reply.builds)
        self.work_orders.update((w.id, w) for w in reply.work_orders)
        for record in reply.operations:
            self.operations[unit_ref(record.unit)].append(record)
        for found in reply.material_lots:
            self.material_lots[unit_ref(found.unit)] = [lot_ref(x) for x in found.lots]
        self._file_audit("production", reply.audit_entries)

    def subtree(self, roots: Iterable[UnitRef], depth: int) -> list[UnitRef]:
        """The units and those up to `depth` levels of components below them, as
        production walked them (the links read so far)."""
        units = list(dict.fromkeys(roots))
        level = units
        for _ in range(depth):
            seen = set(units)
            level = list(
                dict.fromkeys(
                    unit_ref(link.component_unit)
                    for parent in level
                    for link in self.links.get(parent, ())
                    if link.HasField("component_unit") and unit_ref(link.component_unit) not in seen
                )
            )
            units += level
        return units

    async def _warehouse(self, wants: Wants) -> None:
        unit_kinds = ("unit_stock", "movements", "unit_package", "unit_shipment")
        units = set().union(*(wants.get(k, set()) for k in (*unit_kinds, "audit:warehouse")))
        reply = await self._trace_facts(
            "warehouse",
            wh.GetTraceFactsRequest(
                units=[unit_key(u) for u in sorted(units)],
                lots=[lot_key(lot) for lot in sorted(wants.get("lot_stock", ()))],
                **_listed(wants, package_ssccs="package", shipment_ids="shipment"),
                unit_stock="unit_stock" in wants,
                movements="movements" in wants,
                packages="unit_package" in wants,
                shipments="unit_shipment" in wants,
                lot_stock="lot_stock" in wants,
                audit_entries="audit:warehouse" in wants,
            ),
        )
        self.unit_stock.update((unit_ref(s.unit), s) for s in reply.unit_stock)
        for movement in reply.movements:
            self.movements[unit_ref(movement.unit)].append(movement)
        self.lot_stock.update((lot_ref(s.lot), s) for s in reply.lot_stock)
        self.packages.update((p.sscc, p) for p in reply.packages)
        self.shipments.update((s.id, s) for s in reply.shipments)
        if any(k in wants for k in ("unit_stock", "unit_package", "unit_shipment")):
            self.fetched["unit_stock"] |= units
        self.fetched["package"] |= {p.sscc for p in reply.packages}
        self.fetched["shipment"] |= {s.id for s in reply.shipments}
        self._file_audit("warehouse", reply.audit_entries)

    async def _quality(self, wants: Wants) -> None:
        unit_kinds = ("unit_status", "unit_inspections", "unit_holds", "unit_recalls")
        lot_kinds = ("lot_status", "lot_inspections", "lot_holds")
        units = set().union(*(wants.get(k, set()) for k in (*unit_kinds, "audit:quality")))
        lots = set().union(*(wants.get(k, set()) for k in lot_kinds))
        reply = await self._trace_facts(
            "quality",
            qa.GetTraceFactsRequest(
                units=[unit_key(u) for u in sorted(units)],
                lots=[lot_key(lot) for lot in sorted(lots)],
                **_listed(wants, hold_ids="hold", recall_ids="recall"),
                statuses="unit_status" in wants or "lot_status" in wants,
                inspections="unit_inspections" in wants or "lot_inspections" in wants,
                holds="unit_holds" in wants or "lot_holds" in wants,
                recalls="unit_recalls" in wants,
                audit_entries="audit:quality" in wants,
            ),
        )
        for status in reply.statuses:
            if status.HasField("unit"):
                self.unit_status[unit_ref(status.unit)] = status.status
            elif status.HasField("lot"):
                self.lot_status[lot_ref(status.lot)] = status.status
        for inspection in reply.inspections:
            if inspection.HasField("unit"):
                self.unit_inspections[unit_ref(inspection.unit)].append(inspection)
            elif inspection.HasField("lot"):
                self.lot_inspections[lot_ref(inspection.lot)].append(inspection)
        for check in reply.hold_checks:
            if check.HasField("unit"):
                self.unit_holds[unit_ref(check.unit)] = list(check.hold_ids)
            elif check.HasField("lot"):
                self.lot_holds[lot_ref(check.lot)] = list(check.hold_ids)
        self.holds.update((h.id, h) for h in reply.holds)
        self.unit_recalls.update((unit_ref(u.unit), list(u.recall_ids)) for u in reply.unit_recalls)
        self.recalls.update((r.id, r) for r in reply.recalls)
        # Asked for one unit's status, the reply has every asked unit's: file them all.
        for kinds, keys in ((unit_kinds, units), (lot_kinds, lots)):
            for kind in kinds:
                if kind in wants:
                    self.fetched[kind] |= keys
        self.fetched["hold"] |= set(self.holds)
        self.fetched["recall"] |= set(self.recalls)
        self._file_audit("quality", reply.audit_entries)

    def _file_audit(self, service: str, entries: Iterable[core_pb2.AuditEntry]) -> None:
        by_unit = self.audit[service]
        for entry in entries:
            sku, _, serial = entry.entity_id.partition(":")
            by_unit[(sku, serial)].append(entry)
