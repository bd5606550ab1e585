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

from collections.abc import Sequence
from typing import Any

from serialtrace.common.access import roles_of
from serialtrace.common.auth import Role, current_principal_or_none
from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.errors import FailedPrecondition, PermissionDenied, ServiceError
from serialtrace.core.v1 import core_pb2
from serialtrace.epcis import domain
from serialtrace.epcis.domain import (
    BUILD,
    COMMISSION,
    INSPECT,
    INSTALL,
    PACK,
    REMOVE,
    UNPACK,
    Effect,
    IndexedEvent,
)
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
    COMMISSION: _call("masterdata", "RegisterUnits"),
    BUILD: _call("production", "CommissionUnits"),
    INSPECT: _call("quality", "RecordInspection"),
    PACK: _call("warehouse", "Pack"),
    UNPACK: _call("warehouse", "Unpack"),
    INSTALL: _call("production", "InstallComponent"),
    REMOVE: _call("production", "RemoveComponent"),
}


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

    # -- the Effects protocol ---------------------------------------------------------------

    def check(self, events: Sequence[IndexedEvent]) -> list[ServiceError | None]:
        effects = [domain.effect_of(e) for e in events]
        wanted = [e for e in effects if e is not None]
        if not wanted:
            return [None] * len(events)
        try:
            skus = self._skus({gtin for e in wanted for gtin, _ in _all_items(e)})
            units = {
                (skus[gtin], serial)
                for e in wanted
                for gtin, serial in _all_items(e)
                if gtin in skus
            }
            existing = self._existing(units)
        except ServiceError as unreachable:
            return [unreachable if e is not None else None for e in effects]
        verdicts: list[ServiceError | None] = []
        for effect in effects:
            verdict = None if effect is None else _permitted(effect)
            if effect is not None and verdict is None:
                verdict = _verdict(effect, skus, existing)
            if effect is not None and verdict is None and effect.kind in (COMMISSION, BUILD):
                # Later events of the same capture may act on the units this one makes.
                existing |= {(skus[g], s) for g, s in effect.items}
            verdicts.append(verdict)
        return verdicts

    def apply(self, events: Sequence[IndexedEvent]) -> list[ServiceError | None]:
        effects = [domain.effect_of(e) for e in events]
        if not any(effects):
            return [None] * len(events)
        try:
            skus = self._skus({gtin for e in effects if e for gtin, _ in _all_items(e)})
        except ServiceError as unreachable:
            return [unreachable if e is not None else None for e in effects]
        outcomes: list[ServiceError | None] = []
        for event, effect in zip(events, effects, strict=True):
            if effect is None:
                outcomes.append(None)
                continue
            try:
                self._apply(effect, skus, domain.idempotency_key(event.event_id))
                outcomes.append(None)
            except ServiceError as refused:
                outcomes.append(refused)
        return outcomes

    def _apply(self, effect: Effect, skus: dict[str, str], key: str) -> None:
        units = [core_pb2.UnitKey(sku=skus[g], serial=s) for g, s in effect.items]
        if effect.kind == COMMISSION:
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
        elif effect.kind == BUILD:
            self.production.CommissionUnits(
                pp.CommissionUnitsRequest(
                    work_order_id=effect.work_order,
                    serials=[u.serial for u in units],
                    idempotency_key=key,
                )
            )
        elif effect.kind == INSPECT:
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
        elif effect.kind == PACK:
            self.warehouse.Pack(
                wh.PackRequest(
                    sscc=effect.sscc, kind=wh.PACKAGE_KIND_CARTON, units=units, idempotency_key=key
                )
            )
        elif effect.kind == UNPACK:
            self.warehouse.Unpack(wh.UnpackRequest(sscc=effect.sscc, idempotency_key=key))
        elif effect.kind in (INSTALL, REMOVE) and effect.parent is not None:
            gtin, serial = effect.parent
            parent = core_pb2.UnitKey(sku=skus[gtin], serial=serial)
            for n, unit in enumerate(units):
                if effect.kind == INSTALL:
                    self.production.InstallComponent(
                        pp.InstallComponentRequest(
                            parent=parent,
                            component_unit=unit,
                            operation="EPCIS",
                            idempotency_key=f"{key}:{n}",
                        )
                    )
                else:
                    self.production.RemoveComponent(
                        pp.RemoveComponentRequest(
                            parent=parent,
                            component_unit=unit,
                            reason="removed, as an EPCIS event says",
                            idempotency_key=f"{key}:{n}",
                        )
                    )


def _all_items(effect: Effect) -> tuple[tuple[str, str], ...]:
    return (*effect.items, effect.parent) if effect.parent else effect.items


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
        if effect.kind in (COMMISSION, BUILD) and unit in existing:
            return FailedPrecondition(
                f"unit {unit[0]}/{serial[:40]} is already registered; commissioning "
                "registers new units only"
            )
        if effect.kind in (INSPECT, PACK, INSTALL, REMOVE) and unit not in existing:
            return FailedPrecondition(
                f"unit {unit[0]}/{serial[:40]} is not registered: capture its commissioning first"
            )
    return None
