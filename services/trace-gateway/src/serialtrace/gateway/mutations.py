"""Every mutation of the contract: role check here, then one call to the owning service.

The gateway checks the caller's role before calling (FORBIDDEN without a round trip);
the service checks again and records the actor from the same forwarded token. Writes
are never retried here: the caller retries with its idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from itertools import takewhile
from typing import Any

import strawberry

from serialtrace.common.access import roles_of
from serialtrace.common.auth import Role
from serialtrace.common.errors import InvalidArgument, ServiceError, error_of
from serialtrace.common.protomap import enum_value
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway import inputs as gi
from serialtrace.gateway.context import Ctx, GatewayContext
from serialtrace.gateway.errors import code_of
from serialtrace.gateway.loaders import unit_ref
from serialtrace.gateway.types.enums import RecallUnitState, Uniqueness
from serialtrace.gateway.types.lot import Lot
from serialtrace.gateway.types.masterdata import BomRevision, Location, Party, Product
from serialtrace.gateway.types.production import ComponentLink, OperationRecord, WorkOrder
from serialtrace.gateway.types.quality import Hold, Inspection, Nonconformance, Recall, RecallItem
from serialtrace.gateway.types.scans import ScanOutcome
from serialtrace.gateway.types.unit import Unit
from serialtrace.gateway.types.warehouse import Movement, Package, Shipment
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

log = logging.getLogger(__name__)

_SERVICES = {
    "masterdata": md.DESCRIPTOR.services_by_name["MasterdataService"],
    "production": pp.DESCRIPTOR.services_by_name["ProductionService"],
    "warehouse": wh.DESCRIPTOR.services_by_name["WarehouseService"],
    "quality": qa.DESCRIPTOR.services_by_name["QualityService"],
}


def _rpc(service: str, rpc: str) -> tuple[str, str, frozenset[Role]]:
    """The owning service and RPC, and who may call it: the roles the RPC declares in
    its .proto, which the service itself enforces."""
    return service, rpc, roles_of(_SERVICES[service], rpc)


# Each mutation: the owning service and RPC, and who may call it (docs/graph.md): the
# roles that RPC declares, which the service itself enforces.
MUTATIONS: dict[str, tuple[str, str, frozenset[Role]]] = {
    "createProduct": _rpc("masterdata", "CreateProduct"),
    "createBomRevision": _rpc("masterdata", "CreateBomRevision"),
    "approveBomRevision": _rpc("masterdata", "ApproveBomRevision"),
    "createParty": _rpc("masterdata", "CreateParty"),
    "createLocation": _rpc("masterdata", "CreateLocation"),
    "addUnitAlias": _rpc("masterdata", "AddUnitAlias"),
    "receiveLot": _rpc("warehouse", "ReceiveLot"),
    "receiveUnits": _rpc("warehouse", "ReceiveUnits"),
    "createWorkOrder": _rpc("production", "CreateWorkOrder"),
    "commissionUnits": _rpc("production", "CommissionUnits"),
    "recordOperation": _rpc("production", "RecordOperation"),
    "approveOperation": _rpc("production", "ApproveOperation"),
    "installComponent": _rpc("production", "InstallComponent"),
    "removeComponent": _rpc("production", "RemoveComponent"),
    "completeUnit": _rpc("production", "CompleteUnit"),
    "moveStock": _rpc("warehouse", "MoveStock"),
    "pack": _rpc("warehouse", "Pack"),
    "unpack": _rpc("warehouse", "Unpack"),
    "createShipment": _rpc("warehouse", "CreateShipment"),
    "returnUnit": _rpc("warehouse", "ReturnUnit"),
    "recordInspection": _rpc("quality", "RecordInspection"),
    "openNonconformance": _rpc("quality", "OpenNonconformance"),
    "placeHold": _rpc("quality", "PlaceHold"),
    "releaseHold": _rpc("quality", "ReleaseHold"),
    "createRecall": _rpc("quality", "CreateRecall"),
    "updateRecallItem": _rpc("quality", "UpdateRecallItem"),
}


async def _write(context: GatewayContext, mutation: str, request: Any) -> Any:
    service, rpc, allowed = MUTATIONS[mutation]
    context.require(allowed, mutation)
    try:
        return await context.calls.write(service, rpc, request)
    finally:
        context.after_write()


def _key(idempotency_key: str | None) -> str:
    return idempotency_key or ""


# --- the write paths a scanner can also take (submitScans reuses them) --------------------


def _operation_request(input: gi.RecordOperationInput, key: str | None) -> Any:
    return pp.RecordOperationRequest(
        unit=input.unit.proto(),
        operation=input.operation,
        station=input.station,
        result=enum_value(core_pb2.Result, input.result.value),
        measurements_json=gi.json_text(input.measurements, "measurements"),
        started_at=gi.stamp(input.started_at),
        finished_at=gi.stamp(input.finished_at),
        idempotency_key=_key(key),
    )


async def record_operation(
    context: GatewayContext, input: gi.RecordOperationInput, key: str | None
) -> OperationRecord:
    reply = await _write(context, "recordOperation", _operation_request(input, key))
    return OperationRecord.of(reply.record)


async def install_component(
    context: GatewayContext, input: gi.InstallComponentInput, key: str | None
) -> ComponentLink:
    request = pp.InstallComponentRequest(
        parent=input.parent.proto(),
        component_unit=input.component.proto() if input.component else None,
        component_lot=input.lot.proto() if input.lot else None,
        operation=input.operation or "",
        idempotency_key=_key(key),
    )
    reply = await _write(context, "installComponent", request)
    return ComponentLink.of(reply.link)


async def move_stock(
    context: GatewayContext, input: gi.MoveStockInput, key: str | None
) -> list[Movement]:
    request = wh.MoveStockRequest(
        units=gi.units(input.units),
        lots=[lot.proto() for lot in input.lots or []],
        package_ssccs=input.packages or [],
        from_location_code=input.from_location_code or "",
        to_location_code=input.to_location_code,
        idempotency_key=_key(key),
    )
    reply = await _write(context, "moveStock", request)
    return [Movement.of(m) for m in reply.movements]


async def record_inspection(
    context: GatewayContext, input: gi.InspectionInput, key: str | None
) -> Inspection:
    request = qa.RecordInspectionRequest(
        kind=enum_value(qa.InspectionKind, input.kind.value),
        unit=input.unit.proto() if input.unit else None,
        lot=input.lot.proto() if input.lot else None,
        result=enum_value(core_pb2.Result, input.result.value),
        measurements_json=gi.json_text(input.measurements, "measurements"),
        idempotency_key=_key(key),
    )
    reply = await _write(context, "recordInspection", request)
    return Inspection.of(reply.inspection)


async def receive_units(
    context: GatewayContext, input: gi.ReceiveUnitsInput, key: str | None
) -> list[Unit]:
    request = wh.ReceiveUnitsRequest(
        sku=input.sku,
        serials=input.serials,
        supplier_code=input.supplier_code,
        location_code=input.location_code,
        lot_number=input.lot_number or "",
        idempotency_key=_key(key),
    )
    reply = await _write(context, "receiveUnits", request)
    return [Unit.ref(unit_ref(u.unit)) for u in reply.units]


SCAN_ACTIONS: dict[str, Callable[[GatewayContext, Any, str], Awaitable[Any]]] = {
    "record_operation": record_operation,
    "install_component": install_component,
    "move_stock": move_stock,
    "record_inspection": record_inspection,
    "receive_units": receive_units,
}

MAX_SCANS_PER_BATCH = 1000


def _ctx(info: Ctx) -> GatewayContext:
    return info.context


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_product(
        self, info: Ctx, input: gi.ProductInput, idempotency_key: str | None = None
    ) -> Product:
        product = md.Product(
            sku=input.sku,
            name=input.name,
            kind=enum_value(md.ProductKind, input.kind.value),
            tracking=enum_value(md.TrackingMode, input.tracking.value),
            gtin=input.gtin or "",
            serial_pattern=input.serial_pattern or "",
            serial_template=input.serial_template or "",
            uniqueness=enum_value(md.Uniqueness, (input.uniqueness or Uniqueness.PRODUCT).value),
            required_attributes=input.required_attributes or [],
        )
        request = md.CreateProductRequest(product=product, idempotency_key=_key(idempotency_key))
        return Product.of((await _write(_ctx(info), "createProduct", request)).product)

    @strawberry.mutation
    async def create_bom_revision(
        self, info: Ctx, input: gi.BomRevisionInput, idempotency_key: str | None = None
    ) -> BomRevision:
        request = md.CreateBomRevisionRequest(
            sku=input.sku,
            revision=input.revision,
            effective_from=gi.stamp(input.effective_from),
            items=[md.BomItem(sku=i.sku, quantity=i.quantity) for i in input.items],
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "createBomRevision", request)
        return BomRevision.of(reply.bom_revision)

    @strawberry.mutation
    async def approve_bom_revision(
        self,
        info: Ctx,
        sku: str,
        revision: str,
        meaning: str,
        idempotency_key: str | None = None,
    ) -> BomRevision:
        request = md.ApproveBomRevisionRequest(
            sku=sku, revision=revision, meaning=meaning, idempotency_key=_key(idempotency_key)
        )
        reply = await _write(_ctx(info), "approveBomRevision", request)
        return BomRevision.of(reply.bom_revision)

    @strawberry.mutation
    async def create_party(
        self, info: Ctx, input: gi.PartyInput, idempotency_key: str | None = None
    ) -> Party:
        party = md.Party(
            code=input.code,
            name=input.name,
            kind=enum_value(md.PartyKind, input.kind.value),
        )
        request = md.CreatePartyRequest(party=party, idempotency_key=_key(idempotency_key))
        return Party.of((await _write(_ctx(info), "createParty", request)).party)

    @strawberry.mutation
    async def create_location(
        self, info: Ctx, input: gi.LocationInput, idempotency_key: str | None = None
    ) -> Location:
        location = md.Location(
            code=input.code,
            name=input.name,
            kind=enum_value(md.LocationKind, input.kind.value),
            gln=input.gln or "",
            parent_code=input.parent_code or "",
        )
        request = md.CreateLocationRequest(location=location, idempotency_key=_key(idempotency_key))
        return Location.of((await _write(_ctx(info), "createLocation", request)).location)

    @strawberry.mutation
    async def add_unit_alias(
        self,
        info: Ctx,
        unit: gi.UnitKey,
        kind: str,
        value: str,
        idempotency_key: str | None = None,
    ) -> Unit:
        request = md.AddUnitAliasRequest(
            unit=unit.proto(),
            alias=md.UnitAlias(kind=kind, value=value),
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "addUnitAlias", request)
        return Unit(sku=reply.unit.sku, serial=reply.unit.serial)

    @strawberry.mutation
    async def receive_lot(
        self, info: Ctx, input: gi.ReceiveLotInput, idempotency_key: str | None = None
    ) -> Lot:
        request = wh.ReceiveLotRequest(
            lot=gi.LotKey(sku=input.sku, lot_number=input.lot_number).proto(),
            quantity=input.quantity,
            supplier_code=input.supplier_code,
            supplier_lot_number=input.supplier_lot_number or "",
            expires_at=gi.stamp(input.expires_at),
            location_code=input.location_code,
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "receiveLot", request)
        return Lot(sku=reply.stock.lot.sku, lot_number=reply.stock.lot.lot_number)

    @strawberry.mutation
    async def receive_units(
        self, info: Ctx, input: gi.ReceiveUnitsInput, idempotency_key: str | None = None
    ) -> list[Unit]:
        return await receive_units(_ctx(info), input, idempotency_key)

    @strawberry.mutation
    async def create_work_order(
        self, info: Ctx, input: gi.WorkOrderInput, idempotency_key: str | None = None
    ) -> WorkOrder:
        request = pp.CreateWorkOrderRequest(
            sku=input.sku,
            quantity=input.quantity,
            bom_revision=input.bom_revision,
            line=input.line or "",
            output_location_code=input.output_location_code or "",
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "createWorkOrder", request)
        return WorkOrder.of(reply.work_order)

    @strawberry.mutation
    async def commission_units(
        self, info: Ctx, input: gi.CommissionInput, idempotency_key: str | None = None
    ) -> list[Unit]:
        request = pp.CommissionUnitsRequest(
            work_order_id=str(input.work_order_id),
            serials=input.serials or [],
            count=input.count or 0,
            attributes_json=gi.json_text(input.attributes, "attributes"),
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "commissionUnits", request)
        return [Unit.ref(unit_ref(u)) for u in reply.units]

    @strawberry.mutation
    async def record_operation(
        self, info: Ctx, input: gi.RecordOperationInput, idempotency_key: str | None = None
    ) -> OperationRecord:
        return await record_operation(_ctx(info), input, idempotency_key)

    @strawberry.mutation
    async def approve_operation(
        self, info: Ctx, id: strawberry.ID, meaning: str, idempotency_key: str | None = None
    ) -> OperationRecord:
        request = pp.ApproveOperationRequest(
            id=str(id), meaning=meaning, idempotency_key=_key(idempotency_key)
        )
        reply = await _write(_ctx(info), "approveOperation", request)
        return OperationRecord.of(reply.record)

    @strawberry.mutation
    async def install_component(
        self, info: Ctx, input: gi.InstallComponentInput, idempotency_key: str | None = None
    ) -> ComponentLink:
        return await install_component(_ctx(info), input, idempotency_key)

    @strawberry.mutation
    async def remove_component(
        self, info: Ctx, input: gi.RemoveComponentInput, idempotency_key: str | None = None
    ) -> ComponentLink:
        request = pp.RemoveComponentRequest(
            parent=input.parent.proto(),
            component_unit=input.component.proto() if input.component else None,
            component_lot=input.lot.proto() if input.lot else None,
            reason=input.reason,
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "removeComponent", request)
        return ComponentLink.of(reply.link)

    @strawberry.mutation
    async def complete_unit(
        self, info: Ctx, unit: gi.UnitKey, idempotency_key: str | None = None
    ) -> Unit:
        request = pp.CompleteUnitRequest(unit=unit.proto(), idempotency_key=_key(idempotency_key))
        reply = await _write(_ctx(info), "completeUnit", request)
        return Unit.ref(unit_ref(reply.build.unit))

    @strawberry.mutation
    async def move_stock(
        self, info: Ctx, input: gi.MoveStockInput, idempotency_key: str | None = None
    ) -> list[Movement]:
        return await move_stock(_ctx(info), input, idempotency_key)

    @strawberry.mutation
    async def pack(
        self, info: Ctx, input: gi.PackInput, idempotency_key: str | None = None
    ) -> Package:
        request = wh.PackRequest(
            sscc=input.sscc or "",
            kind=enum_value(wh.PackageKind, input.kind.value),
            units=gi.units(input.units),
            package_ssccs=input.packages or [],
            idempotency_key=_key(idempotency_key),
        )
        return Package.of((await _write(_ctx(info), "pack", request)).package)

    @strawberry.mutation
    async def unpack(self, info: Ctx, sscc: str, idempotency_key: str | None = None) -> Package:
        request = wh.UnpackRequest(sscc=sscc, idempotency_key=_key(idempotency_key))
        return Package.of((await _write(_ctx(info), "unpack", request)).package)

    @strawberry.mutation
    async def create_shipment(
        self, info: Ctx, input: gi.ShipmentInput, idempotency_key: str | None = None
    ) -> Shipment:
        request = wh.CreateShipmentRequest(
            customer_code=input.customer_code,
            units=gi.units(input.units),
            package_ssccs=input.packages or [],
            carrier=input.carrier or "",
            tracking_number=input.tracking_number or "",
            idempotency_key=_key(idempotency_key),
        )
        return Shipment.of((await _write(_ctx(info), "createShipment", request)).shipment)

    @strawberry.mutation
    async def return_unit(
        self, info: Ctx, input: gi.ReturnInput, idempotency_key: str | None = None
    ) -> Unit:
        request = wh.ReturnUnitRequest(
            unit=input.unit.proto(),
            rma_number=input.rma_number,
            reason=input.reason,
            location_code=input.location_code,
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "returnUnit", request)
        return Unit.ref(unit_ref(reply.unit.unit))

    @strawberry.mutation
    async def record_inspection(
        self, info: Ctx, input: gi.InspectionInput, idempotency_key: str | None = None
    ) -> Inspection:
        return await record_inspection(_ctx(info), input, idempotency_key)

    @strawberry.mutation
    async def open_nonconformance(
        self, info: Ctx, input: gi.NonconformanceInput, idempotency_key: str | None = None
    ) -> Nonconformance:
        request = qa.OpenNonconformanceRequest(
            units=gi.units(input.units),
            lots=gi.lots(input.lots),
            description=input.description,
            disposition=enum_value(
                qa.Disposition, input.disposition.value if input.disposition else ""
            ),
            idempotency_key=_key(idempotency_key),
        )
        reply = await _write(_ctx(info), "openNonconformance", request)
        return Nonconformance.of(reply.nonconformance)

    @strawberry.mutation
    async def place_hold(
        self, info: Ctx, input: gi.HoldInput, idempotency_key: str | None = None
    ) -> Hold:
        request = qa.PlaceHoldRequest(
            reason=input.reason,
            units=gi.units(input.units),
            lots=gi.lots(input.lots),
            idempotency_key=_key(idempotency_key),
        )
        return Hold.of((await _write(_ctx(info), "placeHold", request)).hold)

    @strawberry.mutation
    async def release_hold(
        self, info: Ctx, id: strawberry.ID, meaning: str, idempotency_key: str | None = None
    ) -> Hold:
        request = qa.ReleaseHoldRequest(
            id=str(id), meaning=meaning, idempotency_key=_key(idempotency_key)
        )
        return Hold.of((await _write(_ctx(info), "releaseHold", request)).hold)

    @strawberry.mutation
    async def create_recall(
        self, info: Ctx, input: gi.RecallInput, idempotency_key: str | None = None
    ) -> Recall:
        request = qa.CreateRecallRequest(
            reason=input.reason,
            units=gi.units(input.units),
            lots=gi.lots(input.lots),
            hold_stock=input.hold_stock if input.hold_stock is not None else True,
            idempotency_key=_key(idempotency_key),
        )
        return Recall.of((await _write(_ctx(info), "createRecall", request)).recall)

    @strawberry.mutation
    async def update_recall_item(
        self,
        info: Ctx,
        recall_id: strawberry.ID,
        unit: gi.UnitKey,
        state: RecallUnitState,
        idempotency_key: str | None = None,
    ) -> RecallItem:
        request = qa.UpdateRecallItemRequest(
            recall_id=str(recall_id),
            unit=unit.proto(),
            state=enum_value(qa.RecallUnitState, state.value),
            idempotency_key=_key(idempotency_key),
        )
        return RecallItem.of((await _write(_ctx(info), "updateRecallItem", request)).item)

    @strawberry.mutation(
        description="An offline batch from a scanner: items run in order, each with its own "
        "idempotency key and outcome; one bad item does not stop the rest."
    )
    async def submit_scans(self, info: Ctx, scans: list[gi.ScanInput]) -> list[ScanOutcome]:
        context = _ctx(info)
        context.caller()  # the batch as a whole needs a token; each item checks its role
        if len(scans) > MAX_SCANS_PER_BATCH:
            raise InvalidArgument(
                f"a batch holds at most {MAX_SCANS_PER_BATCH} scans, got {len(scans)}; split it"
            )
        outcomes: list[ScanOutcome] = []
        while len(outcomes) < len(scans):
            # Consecutive operation records (a test station's usual batch) go to production
            # in one call, still in order and each with its own key and outcome.
            run = list(takewhile(_is_operation_record, scans[len(outcomes) :]))
            if len(run) > 1:
                outcomes.extend(await _record_operations(context, run))
            else:
                outcomes.append(await _run_scan(context, scans[len(outcomes)]))
        return outcomes


def _action_of(scan: gi.ScanInput) -> tuple[str, Any]:
    if not scan.idempotency_key.strip():
        raise InvalidArgument("every scan needs its own idempotencyKey")
    chosen = [
        (name, value)
        for name in SCAN_ACTIONS
        if (value := getattr(scan.action, name, None)) not in (None, strawberry.UNSET)
    ]
    if len(chosen) != 1:
        raise InvalidArgument("a scan's action names exactly one of its fields")
    return chosen[0]


def _is_operation_record(scan: gi.ScanInput) -> bool:
    try:
        return _action_of(scan)[0] == "record_operation"
    except InvalidArgument:
        return False


async def _run_scan(context: GatewayContext, scan: gi.ScanInput) -> ScanOutcome:
    key = scan.idempotency_key
    try:
        name, action_input = _action_of(scan)
        await SCAN_ACTIONS[name](context, action_input, key)
        return ScanOutcome(idempotency_key=key, ok=True)
    except Exception as error:
        return _failed(context, key, error)


async def _record_operations(
    context: GatewayContext, scans: list[gi.ScanInput]
) -> list[ScanOutcome]:
    """Operation-record scans in one RecordOperations call; an item whose input is bad is
    answered here and not sent."""
    outcomes: list[ScanOutcome | None] = []
    requests = []
    for scan in scans:
        try:
            requests.append(_operation_request(_action_of(scan)[1], scan.idempotency_key))
            outcomes.append(None)
        except Exception as error:
            outcomes.append(_failed(context, scan.idempotency_key, error))
    if not requests:
        return [o for o in outcomes if o is not None]
    try:
        _, _, allowed = MUTATIONS["recordOperation"]
        context.require(allowed, "recordOperation")
        try:
            reply = await context.calls.write(
                "production", "RecordOperations", pp.RecordOperationsRequest(items=requests)
            )
        finally:
            context.after_write()
        answers = iter(reply.outcomes)
    except Exception as error:  # the call as a whole failed: so did each item in it
        return [
            o or _failed(context, s.idempotency_key, error)
            for o, s in zip(outcomes, scans, strict=True)
        ]
    done = []
    for outcome, scan in zip(outcomes, scans, strict=True):
        if outcome is None:
            answer = next(answers)
            outcome = (
                ScanOutcome(idempotency_key=scan.idempotency_key, ok=True)
                if answer.HasField("record")
                else ScanOutcome(
                    idempotency_key=scan.idempotency_key,
                    ok=False,
                    error_code=code_of(error_of(answer.error)),
                    message=answer.error.message,
                )
            )
        done.append(outcome)
    return done


def _failed(context: GatewayContext, key: str, error: Exception) -> ScanOutcome:
    if isinstance(error, ServiceError):
        return ScanOutcome(
            idempotency_key=key, ok=False, error_code=code_of(error), message=error.message
        )
    log.error("scan %s failed unexpectedly", key, exc_info=error)
    return ScanOutcome(
        idempotency_key=key,
        ok=False,
        error_code="INTERNAL",
        message=f"internal error in the gateway (trace id {context.trace_id})",
    )
