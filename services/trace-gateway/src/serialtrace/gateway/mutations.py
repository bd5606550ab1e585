"""Every mutation of the contract: role check here, then one call to the owning service.

The gateway checks the caller's role before calling (FORBIDDEN without a round trip);
the service checks again and records the actor from the same forwarded token. Writes
are never retried here: the caller retries with its idempotency key.

Each mutation is one row of WRITES: its graph arguments, the owning RPC, and the graph
object its reply becomes. The request is the arguments mapped field by field onto the
RPC's request message (`_request`), so a new mutation is a new row.
"""

from __future__ import annotations

import enum
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile
from typing import Any

import strawberry
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

from serialtrace.common.access import roles_of
from serialtrace.common.auth import Role
from serialtrace.common.errors import InvalidArgument, ServiceError, error_of
from serialtrace.common.protomap import enum_value
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

# Graph field names that the request messages spell otherwise.
_PROTO_NAMES = {
    "measurements": "measurements_json",
    "attributes": "attributes_json",
    "packages": "package_ssccs",
}


@dataclass(frozen=True)
class Write:
    """One mutation: the owning service and RPC, the graph arguments besides
    idempotencyKey (in schema order), the graph type it returns and how the RPC's reply
    becomes it."""

    service: str
    rpc: str
    arguments: Mapping[str, Any]
    returns: Any
    answer: Callable[[Any], Any]
    # Where the input's fields go when the request nests them (CreateProduct: product).
    into: str | None = None
    # Graph names → request field names, for this mutation only.
    names: Mapping[str, str] = field(default_factory=dict)
    # Values a null argument stands for (the graph's defaults, also when sent as null).
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Regroups the graph values where the request nests some of them.
    regroup: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    @property
    def roles(self) -> frozenset[Role]:
        """Who may call it: the roles the RPC declares in its .proto, which the service
        itself enforces."""
        return roles_of(_SERVICES[self.service], self.rpc)

    def request(self, arguments: Mapping[str, Any], key: str | None) -> Any:
        method = _SERVICES[self.service].methods_by_name[self.rpc]
        values = _fields(arguments["input"]) if "input" in arguments else dict(arguments)
        for name, default in self.defaults.items():
            if values.get(name) is None:
                values[name] = default
        if self.regroup is not None:
            values = self.regroup(values)
        values = {self.names.get(n, _PROTO_NAMES.get(n, n)): v for n, v in values.items()}
        if self.into is None:
            return _message(method.input_type, {**values, "idempotency_key": key or ""})
        inner = method.input_type.fields_by_name[self.into].message_type
        return GetMessageClass(method.input_type)(
            **{self.into: _message(inner, values), "idempotency_key": key or ""}
        )


def _fields(graph_input: Any) -> dict[str, Any]:
    return {f: getattr(graph_input, f) for f in graph_input.__dataclass_fields__}


def _message(descriptor: Any, values: Mapping[str, Any]) -> Any:
    """`values` (graph values by request field name) as the message `descriptor` names:
    keys by their proto(), enums by name, times as timestamps, JSON objects as text,
    nested inputs field by field; a null leaves the field at its proto default."""
    converted = {}
    for name, value in values.items():
        if value is None:
            continue
        converted[name] = _value(descriptor.fields_by_name[name], value)
    return GetMessageClass(descriptor)(**converted)


def _value(proto_field: FieldDescriptor, value: Any) -> Any:
    if isinstance(value, list):
        return [_value(proto_field, v) for v in value]
    if isinstance(value, Message):
        return value
    if hasattr(value, "proto"):
        return value.proto()
    if isinstance(value, enum.Enum) and proto_field.enum_type is not None:
        return enum_value(EnumTypeWrapper(proto_field.enum_type), value.value)
    if isinstance(value, datetime):
        return gi.stamp(value)
    if proto_field.name.endswith("_json"):
        return gi.json_text(value, proto_field.name.removesuffix("_json"))
    if proto_field.message_type is not None:
        return _message(proto_field.message_type, _fields(value))
    return value


def _input(graph_input: Any) -> dict[str, Any]:
    return {"input": graph_input}


# The component of an install or removal is a unit or a lot.
_COMPONENT = {"component": "component_unit", "lot": "component_lot"}
_SIGNED = {"id": strawberry.ID, "meaning": str}


def _lot_key(values: dict[str, Any]) -> dict[str, Any]:
    lot = gi.LotKey(sku=values.pop("sku"), lot_number=values.pop("lot_number"))
    return {"lot": lot, **values}


def _unit_of(key: Any) -> Unit:
    return Unit.ref(unit_ref(key))


# Each mutation (docs/graph.md), in the order the schema lists them.
WRITES: dict[str, Write] = {
    "createProduct": Write(
        "masterdata",
        "CreateProduct",
        _input(gi.ProductInput),
        Product,
        lambda r: Product.of(r.product),
        into="product",
        defaults={"uniqueness": Uniqueness.PRODUCT},
    ),
    "createBomRevision": Write(
        "masterdata",
        "CreateBomRevision",
        _input(gi.BomRevisionInput),
        BomRevision,
        lambda r: BomRevision.of(r.bom_revision),
    ),
    "approveBomRevision": Write(
        "masterdata",
        "ApproveBomRevision",
        {"sku": str, "revision": str, "meaning": str},
        BomRevision,
        lambda r: BomRevision.of(r.bom_revision),
    ),
    "createParty": Write(
        "masterdata",
        "CreateParty",
        _input(gi.PartyInput),
        Party,
        lambda r: Party.of(r.party),
        into="party",
    ),
    "createLocation": Write(
        "masterdata",
        "CreateLocation",
        _input(gi.LocationInput),
        Location,
        lambda r: Location.of(r.location),
        into="location",
    ),
    "addUnitAlias": Write(
        "masterdata",
        "AddUnitAlias",
        {"unit": gi.UnitKey, "kind": str, "value": str},
        Unit,
        lambda r: Unit(sku=r.unit.sku, serial=r.unit.serial),
        regroup=lambda v: {
            "unit": v["unit"],
            "alias": md.UnitAlias(kind=v["kind"], value=v["value"]),
        },
    ),
    "receiveLot": Write(
        "warehouse",
        "ReceiveLot",
        _input(gi.ReceiveLotInput),
        Lot,
        lambda r: Lot(sku=r.stock.lot.sku, lot_number=r.stock.lot.lot_number),
        regroup=_lot_key,
    ),
    "receiveUnits": Write(
        "warehouse",
        "ReceiveUnits",
        _input(gi.ReceiveUnitsInput),
        list[Unit],
        lambda r: [_unit_of(u.unit) for u in r.units],
    ),
    "createWorkOrder": Write(
        "production",
        "CreateWorkOrder",
        _input(gi.WorkOrderInput),
        WorkOrder,
        lambda r: WorkOrder.of(r.work_order),
    ),
    "commissionUnits": Write(
        "production",
        "CommissionUnits",
        _input(gi.CommissionInput),
        list[Unit],
        lambda r: [_unit_of(u) for u in r.units],
    ),
    "recordOperation": Write(
        "production",
        "RecordOperation",
        _input(gi.RecordOperationInput),
        OperationRecord,
        lambda r: OperationRecord.of(r.record),
    ),
    "approveOperation": Write(
        "production",
        "ApproveOperation",
        _SIGNED,
        OperationRecord,
        lambda r: OperationRecord.of(r.record),
    ),
    "installComponent": Write(
        "production",
        "InstallComponent",
        _input(gi.InstallComponentInput),
        ComponentLink,
        lambda r: ComponentLink.of(r.link),
        names=_COMPONENT,
    ),
    "removeComponent": Write(
        "production",
        "RemoveComponent",
        _input(gi.RemoveComponentInput),
        ComponentLink,
        lambda r: ComponentLink.of(r.link),
        names=_COMPONENT,
    ),
    "completeUnit": Write(
        "production",
        "CompleteUnit",
        {"unit": gi.UnitKey},
        Unit,
        lambda r: _unit_of(r.build.unit),
    ),
    "moveStock": Write(
        "warehouse",
        "MoveStock",
        _input(gi.MoveStockInput),
        list[Movement],
        lambda r: [Movement.of(m) for m in r.movements],
    ),
    "pack": Write(
        "warehouse", "Pack", _input(gi.PackInput), Package, lambda r: Package.of(r.package)
    ),
    "unpack": Write("warehouse", "Unpack", {"sscc": str}, Package, lambda r: Package.of(r.package)),
    "createShipment": Write(
        "warehouse",
        "CreateShipment",
        _input(gi.ShipmentInput),
        Shipment,
        lambda r: Shipment.of(r.shipment),
    ),
    "returnUnit": Write(
        "warehouse",
        "ReturnUnit",
        _input(gi.ReturnInput),
        Unit,
        lambda r: _unit_of(r.unit.unit),
    ),
    "recordInspection": Write(
        "quality",
        "RecordInspection",
        _input(gi.InspectionInput),
        Inspection,
        lambda r: Inspection.of(r.inspection),
    ),
    "openNonconformance": Write(
        "quality",
        "OpenNonconformance",
        _input(gi.NonconformanceInput),
        Nonconformance,
        lambda r: Nonconformance.of(r.nonconformance),
    ),
    "placeHold": Write(
        "quality", "PlaceHold", _input(gi.HoldInput), Hold, lambda r: Hold.of(r.hold)
    ),
    "releaseHold": Write("quality", "ReleaseHold", _SIGNED, Hold, lambda r: Hold.of(r.hold)),
    "createRecall": Write(
        "quality",
        "CreateRecall",
        _input(gi.RecallInput),
        Recall,
        lambda r: Recall.of(r.recall),
        defaults={"hold_stock": True},
    ),
    "updateRecallItem": Write(
        "quality",
        "UpdateRecallItem",
        {"recall_id": strawberry.ID, "unit": gi.UnitKey, "state": RecallUnitState},
        RecallItem,
        lambda r: RecallItem.of(r.item),
    ),
}

# Each mutation's owning service and RPC and who may call it (a test holds these equal
# to what each service enforces).
MUTATIONS: dict[str, tuple[str, str, frozenset[Role]]] = {
    name: (write.service, write.rpc, write.roles) for name, write in WRITES.items()
}


async def _write(context: GatewayContext, mutation: str, request: Any) -> Any:
    service, rpc, allowed = MUTATIONS[mutation]
    context.require(allowed, mutation)
    try:
        return await context.calls.write(service, rpc, request)
    finally:
        context.after_write()


async def run(
    context: GatewayContext, mutation: str, arguments: Mapping[str, Any], key: str | None
) -> Any:
    """The mutation `mutation` with these graph arguments: its request, the call, and
    the graph object of the reply."""
    write = WRITES[mutation]
    reply = await _write(context, mutation, write.request(arguments, key))
    return write.answer(reply)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _resolver(mutation: str, write: Write) -> Callable[..., Awaitable[Any]]:
    """The strawberry resolver of one row: its signature is the row's arguments, then
    the optional idempotencyKey, so the schema shows them as if written out."""

    async def resolve(self: Any, info: Ctx, **arguments: Any) -> Any:
        key = arguments.pop("idempotency_key", None)
        return await run(info.context, mutation, arguments, key)

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Ctx),
        *(inspect.Parameter(n, keyword, annotation=t) for n, t in write.arguments.items()),
        inspect.Parameter("idempotency_key", keyword, default=None, annotation=str | None),
    ]
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=write.returns)  # type: ignore[attr-defined]
    resolve.__name__ = _snake(mutation)
    return resolve


# --- the write paths a scanner can also take (submitScans reuses them) --------------------


def _scan(mutation: str) -> Callable[[GatewayContext, Any, str], Awaitable[Any]]:
    async def action(context: GatewayContext, graph_input: Any, key: str) -> Any:
        return await run(context, mutation, {"input": graph_input}, key)

    return action


SCAN_ACTIONS: dict[str, Callable[[GatewayContext, Any, str], Awaitable[Any]]] = {
    "record_operation": _scan("recordOperation"),
    "install_component": _scan("installComponent"),
    "move_stock": _scan("moveStock"),
    "record_inspection": _scan("recordInspection"),
    "receive_units": _scan("receiveUnits"),
}

MAX_SCANS_PER_BATCH = 1000


async def submit_scans(self: Any, info: Ctx, scans: list[gi.ScanInput]) -> list[ScanOutcome]:
    context: GatewayContext = info.context
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


_SUBMIT_SCANS = strawberry.mutation(
    resolver=submit_scans,
    description="An offline batch from a scanner: items run in order, each with its own "
    "idempotency key and outcome; one bad item does not stop the rest.",
)

Mutation: Any = strawberry.type(
    type(
        "Mutation",
        (),
        {
            **{_snake(n): strawberry.mutation(resolver=_resolver(n, w)) for n, w in WRITES.items()},
            "submit_scans": _SUBMIT_SCANS,
        },
    )
)


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
            action_input = _action_of(scan)[1]
            requests.append(
                WRITES["recordOperation"].request(_input(action_input), scan.idempotency_key)
            )
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
