"""Captured events acting in the suite, through the owning services' gRPC APIs and with
their rules (the same as every other door): masterdata registers commissioned units,
quality records inspections, warehouse packs and unpacks.

`check` runs before anything is written (rollback needs every verdict first): the GTIN
names a product, an inspected or packed unit exists, a commissioned one does not yet.
`apply` then calls the owner under an idempotency key derived from the eventID, as the
caller who captured the document (their token travels with the calls, and the owner
checks their role). A service that cannot be reached fails the event closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from serialtrace.common import keys
from serialtrace.common.access import roles_of
from serialtrace.common.auth import Principal, Role, current_principal_or_none, issue_token
from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.errors import FailedPrecondition, NotFound, PermissionDenied, ServiceError
from serialtrace.core.v1 import core_pb2
from serialtrace.core.v1 import core_pb2_grpc as core_grpc
from serialtrace.epcis import domain, implied
from serialtrace.epcis.domain import Checked, Effect, IndexedEvent
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

BATCH = 5_000  # keys per lookup call

_OWNERS = {
    "masterdata": md.DESCRIPTOR.services_by_name["MasterdataService"],
    "production": pp.DESCRIPTOR.services_by_name["ProductionService"],
    "quality": qa.DESCRIPTOR.services_by_name["QualityService"],
    "warehouse": wh.DESCRIPTOR.services_by_name["WarehouseService"],
}


def _call(service: str, rpc: str) -> tuple[str, str, frozenset[Role]]:
    return service, rpc, roles_of(_OWNERS[service], rpc)


# The call each effect makes and the roles its owner declares for it (the owner checks
# them again; checking here too lets rollback refuse the document before anything
# applies).
EFFECT_CALLS: dict[str, tuple[str, str, frozenset[Role]]] = {
    domain.COMMISSION: _call("masterdata", "RegisterUnits"),
    domain.BUILD: _call("production", "CommissionUnits"),
    domain.INSPECT: _call("quality", "RecordInspection"),
    domain.PACK: _call("warehouse", "Pack"),
    domain.UNPACK: _call("warehouse", "Unpack"),
    domain.INSTALL: _call("production", "InstallComponent"),
    domain.REMOVE: _call("production", "RemoveComponent"),
    domain.RECEIVE: _call("warehouse", "ReceiveUnits"),
    domain.SHIP: _call("warehouse", "CreateShipment"),
    domain.STORE: _call("production", "CompleteUnit"),
    domain.HOLD: _call("quality", "PlaceHold"),
    domain.RELEASE: _call("quality", "ReleaseHold"),  # refused while anything is held: see below
    domain.RECALL: _call("quality", "CreateRecall"),
    domain.RETURN: _call("warehouse", "ReturnUnit"),
    domain.DESTROY: _call("quality", "OpenNonconformance"),
    domain.TRANSFORM: _call("production", "InstallComponent"),
}


def _named_units(
    effects: Sequence[Effect | None], skus: dict[str, str], kind: str
) -> list[tuple[str, str]]:
    """The units the events of this kind name (GTIN and serial), of the GTINs masterdata
    knows, in order."""
    return sorted(
        {(skus[g], n) for e in effects if e and e.kind == kind for g, n in e.items if g in skus}
    )


def _kept(
    units: list[tuple[str, str]],
    ask: Callable[[list[core_pb2.UnitKey]], Iterable[Any]],
    keep: Callable[[Any], bool],
) -> set[tuple[str, str]]:
    """The units whose answer (one per unit, `ask`ed of their owner) `keep` keeps; no
    call when there are no units."""
    if not units:
        return set()
    return {
        (a.unit.sku, a.unit.serial) for a in ask([keys.unit_message(u) for u in units]) if keep(a)
    }


class Places:
    """What the GLNs of a capture name in masterdata: location codes and party codes
    (with their kind: SUPPLIER, CUSTOMER)."""

    def __init__(self, reply: md.BatchGetByGlnResponse | None = None) -> None:
        self.locations = {x.gln: x.code for x in reply.locations} if reply else {}
        self.parties = {x.gln: (x.code, x.kind) for x in reply.parties} if reply else {}

    def party(self, gln: str, kind: int) -> str:
        """The code of the party of that kind the GLN names; "" when none."""
        code, found = self.parties.get(gln, ("", 0))
        return code if found == kind else ""


class SuiteEffects:
    def __init__(self, addrs: Any) -> None:
        self.masterdata = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(addrs["masterdata"]))
        )
        self.quality = ServiceClient(
            "quality", qa_grpc.QualityServiceStub(open_channel(addrs["quality"]))
        )
        self.warehouse = ServiceClient(
            "warehouse", wh_grpc.WarehouseServiceStub(open_channel(addrs["warehouse"]))
        )
        self.production = ServiceClient(
            "production", pp_grpc.ProductionServiceStub(open_channel(addrs["production"]))
        )

    # -- lookups --------------------------------------------------------------------------

    def _skus(self, gtins: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        ordered = sorted(gtins)
        for start in range(0, len(ordered), BATCH):
            reply = self.masterdata.BatchGetProducts(
                md.BatchGetProductsRequest(gtins=ordered[start : start + BATCH])
            )
            found |= {p.gtin: p.sku for p in reply.products}
        return found

    def _existing(self, units: set[tuple[str, str]]) -> set[tuple[str, str]]:
        ordered = sorted(units)
        found: set[tuple[str, str]] = set()
        for start in range(0, len(ordered), BATCH):
            reply = self.masterdata.BatchGetUnits(
                md.BatchGetUnitsRequest(
                    keys=[
                        core_pb2.UnitKey(sku=s, serial=n) for s, n in ordered[start : start + BATCH]
                    ]
                )
            )
            found |= {(u.sku, u.serial) for u in reply.units}
        return found

    def _places(self, effects: Sequence[Effect | None]) -> Places:
        glns = sorted({g for e in effects if e for g in (e.location_gln, e.party_gln) if g})
        if not glns:
            return Places()
        return Places(self.masterdata.BatchGetByGln(md.BatchGetByGlnRequest(glns=glns)))

    def _held(
        self,
        effects: Sequence[Effect | None],
        skus: dict[str, str],
        contents: dict[str, list[tuple[str, str]]],
    ) -> set[tuple[str, str]]:
        """Units to ship, named or packed, that quality holds (a held unit does not ship,
        whichever door)."""
        shipped = [e for e in effects if e and e.kind == domain.SHIP]
        units = sorted(
            {(skus[g], n) for e in shipped for g, n in e.items if g in skus}
            | {u for e in shipped for sscc in e.packages for u in contents.get(sscc, [])}
        )
        return _kept(
            units,
            lambda asked: (
                self.quality.BatchCheckHolds(qa.BatchCheckHoldsRequest(units=asked)).checks
            ),
            lambda check: check.held,
        )

    def _holds_on(
        self,
        effects: Sequence[Effect | None],
        skus: dict[str, str],
        contents: dict[str, list[tuple[str, str]]],
    ) -> dict[str, list[str]]:
        """What the releasing events name that quality holds ("SKU/serial" or "SKU/lot")
        → the active holds on it."""
        released = [e for e in effects if e and e.kind == domain.RELEASE]
        units = sorted(
            {(skus[g], n) for e in released for g, n in e.items if g in skus}
            | {u for e in released for sscc in e.packages for u in contents.get(sscc, [])}
        )
        lots = sorted({(skus[g], lot) for e in released for g, lot, _ in e.lots if g in skus})
        if not (units or lots):
            return {}
        reply = self.quality.BatchCheckHolds(
            qa.BatchCheckHoldsRequest(
                units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in units],
                lots=[core_pb2.LotKey(sku=s, lot_number=n) for s, n in lots],
            )
        )
        return {
            f"{c.unit.sku or c.lot.sku}/{c.unit.serial or c.lot.lot_number}": list(c.hold_ids)
            for c in reply.checks
            if c.held
        }

    def _building(
        self, effects: Sequence[Effect | None], skus: dict[str, str]
    ) -> set[tuple[str, str]]:
        """The units to store that production is building (not COMPLETE yet)."""
        building = (pp.BUILD_STATUS_COMMISSIONED, pp.BUILD_STATUS_IN_PROCESS)
        return _kept(
            _named_units(effects, skus, domain.STORE),
            lambda asked: (
                self.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=asked)).builds
            ),
            lambda build: build.status in building,
        )

    def _shipped(
        self, effects: Sequence[Effect | None], skus: dict[str, str]
    ) -> set[tuple[str, str]]:
        """The units to take back that the warehouse has shipped (only those return)."""
        return _kept(
            _named_units(effects, skus, domain.RETURN),
            lambda asked: (
                self.warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=asked)).units
            ),
            lambda stock: stock.custody == wh.CUSTODY_STATUS_SHIPPED,
        )

    # -- the Effects protocol ---------------------------------------------------------------

    def _contents(self, ssccs: set[str]) -> dict[str, list[tuple[str, str]]]:
        """The units inside each package the warehouse knows, at any depth (a pallet's
        cartons' units)."""
        units: dict[str, list[tuple[str, str]]] = {}
        children: dict[str, list[str]] = {}
        asked: set[str] = set()
        wanted = set(ssccs)
        while wanted:
            asked |= wanted
            for package in self._packages(sorted(wanted)):
                units[package.sscc] = [(u.sku, u.serial) for u in package.units]
                children[package.sscc] = list(package.package_ssccs)
            wanted = {c for kids in children.values() for c in kids} - asked

        def inside(sscc: str) -> list[tuple[str, str]]:
            return units.get(sscc, []) + [u for c in children.get(sscc, []) for u in inside(c)]

        return {sscc: inside(sscc) for sscc in ssccs if sscc in units}

    def _packages(self, ssccs: list[str]) -> list[wh.Package]:
        """The packages of those SSCCs the warehouse knows (it refuses a batch naming
        one it does not: then they are asked one by one)."""
        try:
            reply = self.warehouse.BatchGetPackages(wh.BatchGetPackagesRequest(ssccs=ssccs))
            return list(reply.packages)
        except NotFound:
            found: list[wh.Package] = []
            for sscc in ssccs:
                try:
                    reply = self.warehouse.BatchGetPackages(
                        wh.BatchGetPackagesRequest(ssccs=[sscc])
                    )
                except NotFound:
                    continue
                found.extend(reply.packages)
            return found

    def check(self, events: Sequence[IndexedEvent]) -> Checked:
        effects = [domain.effect_of(e) for e in events]
        wanted = [e for e in effects if e is not None]
        if not wanted:
            return Checked([None] * len(events), [[] for _ in events])
        try:
            skus = self._skus({gtin for e in wanted for gtin in _gtins(e)})
            units = {
                (skus[gtin], serial)
                for e in wanted
                for gtin, serial in _all_items(e)
                if gtin in skus
            }
            existing = self._existing(units)
            places = self._places(effects)
            contents = self._contents(
                {
                    p
                    for e in wanted
                    if e.kind in (domain.SHIP, domain.HOLD, domain.RELEASE, domain.RECALL)
                    for p in e.packages
                }
            )
            held = self._held(effects, skus, contents)
            holds = self._holds_on(effects, skus, contents)
            building = self._building(effects, skus)
            shipped = self._shipped(effects, skus)
        except ServiceError as unreachable:
            return Checked(
                [unreachable if e is not None else None for e in effects], [[] for _ in events]
            )
        verdicts: list[ServiceError | None] = []
        claims: list[list[tuple[str, str, str]]] = []
        for effect in effects:
            claims.append(
                []
                if effect is None
                else implied.claims_of(effect, skus, contents, existing, building)
            )
            verdict = None if effect is None else _permitted(effect)
            if effect is not None and verdict is None:
                verdict = (
                    _verdict(effect, skus, existing)
                    or _place_verdict(effect, skus, existing, places, held, contents)
                    or _quality_verdict(effect, skus, contents, holds)
                    or _return_verdict(effect, skus, shipped)
                )
            if (
                effect is not None
                and verdict is None
                and effect.kind in (domain.COMMISSION, domain.BUILD)
            ):
                # Later events of the same capture may act on the units this one makes.
                existing |= {(skus[g], s) for g, s in effect.items}
                if effect.kind == domain.BUILD:
                    building |= {(skus[g], s) for g, s in effect.items}
            if effect is not None and verdict is None and effect.kind == domain.HOLD:
                # A unit held earlier in the capture does not ship, nor is it released,
                # later in it.
                placed = {(skus[g], s) for g, s in effect.items}
                placed |= {u for sscc in effect.packages for u in contents[sscc]}
                held |= placed
                for sku, serial in placed:
                    holds.setdefault(f"{sku}/{serial}", []).append("this capture's hold")
            if effect is not None and verdict is None and effect.kind == domain.SHIP:
                # A unit shipped earlier in the capture may come back later in it.
                shipped |= {(skus[g], s) for g, s in effect.items}
                shipped |= {u for sscc in effect.packages for u in contents[sscc]}
            if effect is not None and verdict is None and effect.kind == domain.RETURN:
                shipped -= {(skus[g], s) for g, s in effect.items}
            if effect is not None and verdict is None and effect.kind == domain.PACK:
                # A package packed earlier in the capture may be shipped by a later event.
                contents[effect.sscc] = [(skus[g], s) for g, s in effect.items]
            verdicts.append(verdict)
        return Checked(verdicts, claims)

    def apply(self, events: Sequence[IndexedEvent]) -> list[ServiceError | None]:
        effects = [domain.effect_of(e) for e in events]
        if not any(effects):
            return [None] * len(events)
        try:
            skus = self._skus({gtin for e in effects if e for gtin in _gtins(e)})
            places = self._places(effects)
            received = [e for e in effects if e and e.kind == domain.RECEIVE]
            known = self._existing(
                {(skus[g], n) for e in received for g, n in e.items if g in skus}
            )
        except ServiceError as unreachable:
            return [unreachable if e is not None else None for e in effects]
        outcomes: list[ServiceError | None] = []
        for event, effect in zip(events, effects, strict=True):
            if effect is None:
                outcomes.append(None)
                continue
            try:
                key = domain.idempotency_key(event.event_id)
                if effect.kind in (domain.RECEIVE, domain.SHIP, domain.RETURN):
                    self._apply_logistics(effect, skus, places, known, key)
                elif effect.kind in (domain.HOLD, domain.RECALL, domain.RELEASE):
                    self._apply_quality(effect, skus, key)
                elif effect.kind == domain.STORE:
                    # Asked now: earlier events of the capture may have built these units.
                    building = self._building([effect], skus)
                    for n, (gtin, serial) in enumerate(effect.items):
                        if (skus[gtin], serial) in building:
                            self.production.CompleteUnit(
                                pp.CompleteUnitRequest(
                                    unit=core_pb2.UnitKey(sku=skus[gtin], serial=serial),
                                    idempotency_key=f"{key}:{n}",
                                )
                            )
                else:
                    self._apply(effect, skus, key)
                outcomes.append(None)
            except ServiceError as refused:
                outcomes.append(refused)
        return outcomes

    def _apply(self, effect: Effect, skus: dict[str, str], key: str) -> None:
        units = [core_pb2.UnitKey(sku=skus[g], serial=s) for g, s in effect.items]
        if effect.kind == domain.COMMISSION:
            by_sku: dict[str, list[str]] = {}
            for unit in units:
                by_sku.setdefault(unit.sku, []).append(unit.serial)
            for n, (sku, serials) in enumerate(sorted(by_sku.items())):
                self.masterdata.RegisterUnits(
                    md.RegisterUnitsRequest(
                        sku=sku,
                        serials=serials,
                        source=md.UNIT_SOURCE_COMMISSIONED,
                        idempotency_key=f"{key}:{n}",
                    )
                )
        elif effect.kind == domain.BUILD:
            self.production.CommissionUnits(
                pp.CommissionUnitsRequest(
                    work_order_id=effect.work_order,
                    serials=[u.serial for u in units],
                    idempotency_key=key,
                )
            )
        elif effect.kind == domain.INSPECT:
            result = core_pb2.RESULT_PASS if effect.passed else core_pb2.RESULT_FAIL
            for n, unit in enumerate(units):
                self.quality.RecordInspection(
                    qa.RecordInspectionRequest(
                        kind=qa.INSPECTION_KIND_IN_PROCESS,
                        unit=unit,
                        result=result,
                        idempotency_key=f"{key}:{n}",
                    )
                )
        elif effect.kind == domain.PACK:
            self.warehouse.Pack(
                wh.PackRequest(
                    sscc=effect.sscc, kind=wh.PACKAGE_KIND_CARTON, units=units, idempotency_key=key
                )
            )
        elif effect.kind == domain.UNPACK:
            self.warehouse.Unpack(wh.UnpackRequest(sscc=effect.sscc, idempotency_key=key))
        elif effect.kind == domain.DESTROY:
            self.quality.OpenNonconformance(
                qa.OpenNonconformanceRequest(
                    units=units,
                    description=effect.reason,
                    disposition=qa.DISPOSITION_SCRAP,
                    idempotency_key=key,
                )
            )
        elif effect.kind == domain.TRANSFORM:
            for n, (gtin, serial) in enumerate(effect.outputs):
                output = core_pb2.UnitKey(sku=skus[gtin], serial=serial)
                self._install_lots(output, effect.lots, skus, f"{key}:o{n}")
        elif effect.kind in (domain.INSTALL, domain.REMOVE) and effect.parent is not None:
            gtin, serial = effect.parent
            parent = core_pb2.UnitKey(sku=skus[gtin], serial=serial)
            if effect.kind == domain.INSTALL:
                self._install_lots(parent, effect.lots, skus, f"{key}:")
            for n, unit in enumerate(units):
                link: dict[str, Any] = {
                    "parent": parent,
                    "component_unit": unit,
                    "idempotency_key": f"{key}:{n}",
                }
                if effect.kind == domain.INSTALL:
                    self.production.InstallComponent(
                        pp.InstallComponentRequest(**link, operation="EPCIS")
                    )
                else:
                    self.production.RemoveComponent(
                        pp.RemoveComponentRequest(**link, reason="removed, as an EPCIS event says")
                    )

    def _install_lots(
        self,
        parent: core_pb2.UnitKey,
        lots: Sequence[tuple[str, str, float]],
        skus: dict[str, str],
        key: str,
    ) -> None:
        """Each (GTIN, lot, quantity) installed in `parent`; `key` and the lot's place in
        `lots` make each call's idempotency key."""
        for m, (gtin, lot, quantity) in enumerate(lots):
            self.production.InstallComponent(
                pp.InstallComponentRequest(
                    parent=parent,
                    component_lot=core_pb2.LotQuantity(
                        lot=core_pb2.LotKey(sku=skus[gtin], lot_number=lot), quantity=quantity
                    ),
                    operation="EPCIS",
                    idempotency_key=f"{key}l{m}",
                )
            )

    def _apply_quality(self, effect: Effect, skus: dict[str, str], key: str) -> None:
        """A hold on the units (named, and inside the SSCCs named) and lots; a recall of
        the units and lots, holding those not shipped yet. A release that passed the
        check found nothing held: there is nothing to release."""
        if effect.kind == domain.RELEASE:
            return
        named = {(skus[g], s) for g, s in effect.items}
        packed = self._contents(set(effect.packages)) if effect.packages else {}
        units = [
            core_pb2.UnitKey(sku=s, serial=n)
            for s, n in sorted(named | {u for inside in packed.values() for u in inside})
        ]
        lots = [
            core_pb2.LotKey(sku=skus[g], lot_number=lot)
            for g, lot in sorted({(g, lot) for g, lot, _ in effect.lots})
        ]
        if effect.kind == domain.HOLD:
            self.quality.PlaceHold(
                qa.PlaceHoldRequest(
                    reason=effect.reason, units=units, lots=lots, idempotency_key=key
                )
            )
        else:
            self.quality.CreateRecall(
                qa.CreateRecallRequest(
                    reason=effect.reason,
                    units=units,
                    lots=lots,
                    hold_stock=True,
                    idempotency_key=key,
                )
            )

    def _apply_logistics(
        self,
        effect: Effect,
        skus: dict[str, str],
        places: Places,
        known: set[tuple[str, str]],
        key: str,
    ) -> None:
        wanted = md.PARTY_KIND_CUSTOMER if effect.kind == domain.SHIP else md.PARTY_KIND_SUPPLIER
        party = places.party(effect.party_gln, wanted)
        units = [(skus[g], s) for g, s in effect.items]
        if effect.kind == domain.RETURN:
            for n, (sku, serial) in enumerate(units):
                self.warehouse.ReturnUnit(
                    wh.ReturnUnitRequest(
                        unit=core_pb2.UnitKey(sku=sku, serial=serial),
                        rma_number=effect.rma,
                        reason="returned, as an EPCIS event says",
                        location_code=places.locations[effect.location_gln],
                        idempotency_key=f"{key}:{n}",
                    )
                )
            return
        if effect.kind == domain.SHIP:
            self.warehouse.CreateShipment(
                wh.CreateShipmentRequest(
                    customer_code=party,
                    units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in units],
                    package_ssccs=list(effect.packages),
                    idempotency_key=key,
                )
            )
            return
        location = places.locations[effect.location_gln]
        # Units the suite knows move to the location; new ones are received from the
        # supplier (registered as purchased); lot quantities are received.
        moved = [core_pb2.UnitKey(sku=s, serial=n) for s, n in units if (s, n) in known]
        if moved:
            self.warehouse.MoveStock(
                wh.MoveStockRequest(units=moved, to_location_code=location, idempotency_key=key)
            )
        by_sku: dict[str, list[str]] = {}
        for sku, serial in units:
            if (sku, serial) not in known:
                by_sku.setdefault(sku, []).append(serial)
        for n, (sku, serials) in enumerate(sorted(by_sku.items())):
            self.warehouse.ReceiveUnits(
                wh.ReceiveUnitsRequest(
                    sku=sku,
                    serials=serials,
                    supplier_code=party,
                    location_code=location,
                    idempotency_key=f"{key}:u{n}",
                )
            )
        for m, (gtin, lot, quantity) in enumerate(effect.lots):
            self.warehouse.ReceiveLot(
                wh.ReceiveLotRequest(
                    lot=core_pb2.LotKey(sku=skus[gtin], lot_number=lot),
                    quantity=quantity,
                    supplier_code=party,
                    location_code=location,
                    idempotency_key=f"{key}:l{m}",
                )
            )


def _place_verdict(
    effect: Effect,
    skus: dict[str, str],
    existing: set[tuple[str, str]],
    places: Places,
    held: set[tuple[str, str]],
    contents: dict[str, list[tuple[str, str]]],
) -> ServiceError | None:
    """Shipping and receiving: the GLNs name a customer, a supplier and a location, a
    shipped unit exists and is not held, a received lot's GTIN names a product."""
    if effect.kind == domain.SHIP:
        if not places.party(effect.party_gln, md.PARTY_KIND_CUSTOMER):
            return FailedPrecondition(
                f"no customer has GLN {effect.party_gln}: create the customer in masterdata "
                "with its GLN before capturing shipments to it"
            )
        unknown = [sscc for sscc in effect.packages if sscc not in contents]
        if unknown:
            return FailedPrecondition(
                f"no package has SSCC {unknown[0]}: pack it before capturing its shipping"
            )
        shipped = [(skus[g], s) for g, s in effect.items]
        shipped += [u for sscc in effect.packages for u in contents[sscc]]
        for sku, serial in shipped:
            if (sku, serial) in held:
                return FailedPrecondition(
                    f"unit {sku}/{serial[:40]} is on hold: a held unit does not ship"
                )
        return None
    if effect.kind not in (domain.RECEIVE, domain.RETURN):
        return None
    if effect.location_gln not in places.locations:
        return FailedPrecondition(
            f"no location has GLN {effect.location_gln}: create it in masterdata with its GLN "
            "before capturing receipts there"
        )
    if effect.kind == domain.RETURN:
        return None
    new_units = any((skus[g], s) not in existing for g, s in effect.items)
    supplier = places.party(effect.party_gln, md.PARTY_KIND_SUPPLIER)
    if (new_units or effect.lots) and not supplier:
        return FailedPrecondition(
            "receiving new units or lots needs the supplier: a sourceList owning_party "
            f"whose GLN ({effect.party_gln or 'none given'}) names a supplier in masterdata"
        )
    for gtin, _, _ in effect.lots:
        if gtin not in skus:
            return FailedPrecondition(
                f"no product has GTIN {gtin}: create it in masterdata before receiving its lots"
            )
    return None


def _quality_verdict(
    effect: Effect,
    skus: dict[str, str],
    contents: dict[str, list[tuple[str, str]]],
    holds: dict[str, list[str]],
) -> ServiceError | None:
    """Holds, releases and recalls: every SSCC named is a package the warehouse knows,
    every lot's GTIN a product; a release is refused while quality holds anything it
    names (quality's release is an e-signature over a whole hold: see docs/epcis.md)."""
    if effect.kind not in (domain.HOLD, domain.RELEASE, domain.RECALL):
        return None
    unknown = [sscc for sscc in effect.packages if sscc not in contents]
    if unknown:
        return FailedPrecondition(
            f"no package has SSCC {unknown[0]}: pack it before capturing events about it"
        )
    for gtin, _, _ in effect.lots:
        if gtin not in skus:
            return FailedPrecondition(
                f"no product has GTIN {gtin}: create it in masterdata before capturing "
                "events about its lots"
            )
    if effect.kind != domain.RELEASE:
        return None
    named = [f"{skus[g]}/{s}" for g, s in effect.items]
    named += [f"{s}/{n}" for sscc in effect.packages for s, n in contents[sscc]]
    named += [f"{skus[g]}/{lot}" for g, lot, _ in effect.lots]
    for subject in named:
        if subject in holds:
            return FailedPrecondition(
                f"{subject[:60]} is held by {', '.join(holds[subject][:3])}: a release "
                "records an e-signature (who, and the meaning the signer gives) over the "
                "whole hold, which an EPCIS event cannot carry; release the hold with "
                "releaseHold in the graph"
            )
    return None


def _return_verdict(
    effect: Effect, skus: dict[str, str], shipped: set[tuple[str, str]]
) -> ServiceError | None:
    """A return names its RMA, and each unit it takes back was shipped."""
    if effect.kind != domain.RETURN:
        return None
    if not effect.rma:
        return FailedPrecondition(
            "a return needs its RMA: add a bizTransaction of type rma naming it "
            "(e.g. urn:epcglobal:cbv:bt:4012345000009:RMA-17)"
        )
    for gtin, serial in effect.items:
        if (skus[gtin], serial) not in shipped:
            return FailedPrecondition(
                f"unit {skus[gtin]}/{serial[:40]} is not shipped: only shipped units come back"
            )
    return None


def _gtins(effect: Effect) -> set[str]:
    return {g for g, _ in _all_items(effect)} | {g for g, _, _ in effect.lots}


def _all_items(effect: Effect) -> tuple[tuple[str, str], ...]:
    """Every unit the effect names: its items, parent and outputs."""
    return (*effect.items, *([effect.parent] if effect.parent else []), *effect.outputs)


def _permitted(effect: Effect) -> ServiceError | None:
    principal = current_principal_or_none()
    service, rpc, allowed = EFFECT_CALLS[effect.kind]
    if principal is None:
        return PermissionDenied(f"{rpc} needs an authenticated caller")
    try:
        principal.require(allowed, f"this event ({rpc} in {service})")
    except PermissionDenied as denied:
        return denied
    return None


def _verdict(
    effect: Effect, skus: dict[str, str], existing: set[tuple[str, str]]
) -> ServiceError | None:
    for gtin, serial in _all_items(effect):
        if gtin not in skus:
            return FailedPrecondition(
                f"no product has GTIN {gtin}: create it in masterdata before capturing "
                "events about its units"
            )
        unit = (skus[gtin], serial)
        if effect.kind in (domain.COMMISSION, domain.BUILD) and unit in existing:
            return FailedPrecondition(
                f"unit {unit[0]}/{serial[:40]} is already registered; commissioning "
                "registers new units only"
            )
        must_exist = (
            domain.INSPECT,
            domain.PACK,
            domain.INSTALL,
            domain.REMOVE,
            domain.SHIP,
            domain.STORE,
            domain.HOLD,
            domain.RELEASE,
            domain.RECALL,
            domain.RETURN,
            domain.DESTROY,
            domain.TRANSFORM,
        )
        if effect.kind in must_exist and unit not in existing:
            return FailedPrecondition(
                f"unit {unit[0]}/{serial[:40]} is not registered: capture its commissioning first"
            )
    return None


# --- the owners' audit ledgers, followed ----------------------------------------------------

FOLLOWER = "epcis-ledger-follower"  # the follower's own identity in the owners' logs
_TOKEN_SECONDS = 600


class SuiteLedgers:
    """Reads each owner's audit ledger in order (ListLedgerRange) and the GS1 names of
    what its entries mention, as the follower itself: an auditor token it signs with the
    suite's secret, since what a query answers must not depend on who asks."""

    def __init__(self, addrs: Any, jwt_secret: str) -> None:
        self._secret = jwt_secret
        self._principal: Principal | None = None
        self._expires = 0.0
        self.ledgers = {
            name: ServiceClient(name, core_grpc.LedgerServiceStub(open_channel(addrs[name])))
            for name in implied.FOLLOWED
        }
        self.masterdata = ServiceClient(
            "masterdata", md_grpc.MasterdataServiceStub(open_channel(addrs["masterdata"]))
        )
        self.names = implied.Names()

    def identity(self) -> Principal:
        if self._principal is None or time.time() > self._expires - 60:
            token = issue_token(self._secret, FOLLOWER, [Role.AUDITOR.value], _TOKEN_SECONDS)
            self._principal = Principal(FOLLOWER, frozenset({Role.AUDITOR}), token)
            self._expires = time.time() + _TOKEN_SECONDS
        return self._principal

    def entries(self, service: str, after: int, limit: int) -> list[implied.LedgerEntry]:
        """Up to `limit` entries after seq `after`, oldest first."""
        reply = self.ledgers[service].ListLedgerRange(
            core_pb2.ListLedgerRangeRequest(from_seq=after + 1, to_seq=after + limit)
        )
        return [
            implied.entry_of(
                service,
                e.seq,
                e.at.ToDatetime(tzinfo=UTC),
                e.action,
                e.entity_type,
                e.entity_id,
                e.payload_json,
            )
            for e in reply.entries
        ]

    def resolve(self, entries: list[implied.LedgerEntry]) -> implied.Names:
        """The names the entries need, asked of masterdata once and then remembered
        (a product's GTIN and a location's or party's GLN do not change)."""
        skus, locations, parties = implied.names_needed(entries)
        names = self.names
        if missing := sorted(skus - set(names.gtins)):
            for start in range(0, len(missing), BATCH):
                reply = self.masterdata.BatchGetProducts(
                    md.BatchGetProductsRequest(skus=missing[start : start + BATCH])
                )
                names.gtins |= {p.sku: p.gtin for p in reply.products if p.gtin}
        if missing := sorted(locations - set(names.location_glns)):
            reply = self.masterdata.BatchGetLocations(md.BatchGetLocationsRequest(codes=missing))
            names.location_glns |= {x.code: x.gln for x in reply.locations}
        if missing := sorted(parties - set(names.party_glns)):
            reply = self.masterdata.BatchGetParties(md.BatchGetPartiesRequest(codes=missing))
            names.party_glns |= {x.code: x.gln for x in reply.parties}
        return names
