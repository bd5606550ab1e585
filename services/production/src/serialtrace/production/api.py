"""The production gRPC servicer: one table of RPCs, each mapped proto ⇄ use case.

Who may call each RPC is declared in production.proto; `serialtrace.common.rpc` serves
the table (idempotency, audit and transaction for writes, a read session and the batch
bound for reads). The batch writes (RecordOperations, InstallKits, CompleteUnits) give
each item its own outcome and idempotency key, declared with `rpc.each`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from serialtrace.common import ledger_api, provenance, rpc
from serialtrace.common.db import Database
from serialtrace.common.errors import (
    InvalidArgument,
    ServiceError,
    item_outcomes,
)
from serialtrace.common.keys import (
    LotKey,
    UnitKey,
    lot_key,
    lot_message,
    unit_columns,
    unit_key,
    unit_keys,
    unit_message,
)
from serialtrace.common.ledger import canonical_json
from serialtrace.common.protomap import copied, copy_signature, enum_str, enum_value, present
from serialtrace.common.provenance import Provenance
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import check_batch, key_after, key_page_token, page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.production import imports, store, usecases
from serialtrace.production.config import SERVICE_NAME, ProductionOptions
from serialtrace.production.peers import Masterdata, Quality, Warehouse
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["ProductionService"]
MAX_WHERE_USED_PAGE = 50_000
# Levels of components one GetTraceFacts call may follow.
MAX_TRACE_DEPTH = 10

Item = TypeVar("Item", bound=Message)  # one request of a batch RPC
Reply = TypeVar("Reply", bound=Message)  # what that request alone would have answered
Done = TypeVar("Done")  # what the use case returns for one item


@dataclass(eq=False)
class ProductionServicer(rpc.Servicer, pb_grpc.ProductionServiceServicer):
    masterdata: Masterdata
    quality: Quality
    warehouse: Warehouse
    options: ProductionOptions
    completion: usecases.CompletionPeers = field(init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.completion = usecases.CompletionPeers(self.masterdata, self.warehouse, self.options)


S = ProductionServicer


# --- proto ⇄ production's terms -----------------------------------------------------------


def _kit(request: pb.InstallComponentsRequest) -> usecases.Kit:
    return usecases.Kit(
        parent=unit_key(request.parent),
        components=[
            usecases.Component(
                unit_key(c.unit) if present(c, "unit") else None,
                lot_key(c.lot.lot) if present(c, "lot") else None,
                c.lot.quantity if present(c, "lot") else 1.0,
            )
            for c in request.components
        ],
        operation=request.operation,
        idempotency_key=request.idempotency_key,
    )


def _completion(request: pb.CompleteUnitRequest) -> usecases.Completion:
    return usecases.Completion(request.unit.sku, request.unit.serial, request.idempotency_key)


def _operation_input(request: pb.RecordOperationRequest) -> usecases.OperationInput:
    return usecases.OperationInput(
        request.unit.sku,
        request.unit.serial,
        request.operation,
        request.station,
        enum_str(core_pb2.Result, request.result),
        request.measurements_json,
        from_timestamp(request.started_at),
        from_timestamp(request.finished_at),
    )


def route_message(row: store.RouteRow) -> pb.Route:
    return pb.Route(sku=row.sku, operations=row.operations)


def work_order_message(row: store.WorkOrderRow) -> pb.WorkOrder:
    return pb.WorkOrder(
        **copied(row, "id", "sku", "quantity", "bom_revision", "commissioned_count", "created_by"),
        line=row.line or "",
        status=enum_value(pb.WorkOrderStatus, row.status),
        created_at=to_timestamp(row.created_at),
        output_location_code=row.output_location_code or "",
    )


def operation_message(
    row: store.OperationRow | store.NewOperation,
    unit: store.UnitRow | store.UnitState | UnitKey,
) -> pb.OperationRecord:
    message = pb.OperationRecord(
        **copied(row, "id", "operation", "station", "operator"),
        unit=unit_message((unit.sku, unit.serial)),
        started_at=to_timestamp(row.started_at),
        finished_at=to_timestamp(row.finished_at),
        result=enum_value(core_pb2.Result, row.result),
        measurements_json=canonical_json(row.measurements or {}),
    )
    copy_signature(message.approval, row.approved_by, row.approved_at, row.approval_meaning)
    return message


def build_message(unit: store.UnitRow) -> pb.UnitBuild:
    return pb.UnitBuild(
        unit=unit_message((unit.sku, unit.serial)),
        status=enum_value(pb.BuildStatus, unit.status),
        work_order_id=unit.work_order_id,
        completed_at=to_timestamp(unit.completed_at),
    )


def link_message(link: usecases.Link | imports.LinkWritten) -> pb.ComponentLink:
    e, parent, component = link.edge, link.parent, link.component
    message = pb.ComponentLink(
        id=e.id,
        parent=unit_message((parent.sku, parent.key)),
        quantity=e.quantity,
        operation=e.operation or "",
        installed_at=to_timestamp(e.installed_at),
        installed_by=e.installed_by,
        removed_at=to_timestamp(e.removed_at),
        removed_by=e.removed_by or "",
        removal_reason=e.removal_reason or "",
    )
    if component.kind == "UNIT":
        message.component_unit.CopyFrom(unit_message((component.sku, component.key)))
    else:
        message.component_lot.CopyFrom(lot_message((component.sku, component.key)))
    return message


def link_messages(session: Session, edges: Sequence[store.EdgeRow]) -> list[pb.ComponentLink]:
    return [link_message(x) for x in usecases.links(session, edges)]


# --- routes and work orders -----------------------------------------------------------------


def set_route(s: S, uow: UnitOfWork, r: pb.SetRouteRequest) -> pb.SetRouteResponse:
    row = usecases.set_route(uow, s.masterdata, r.route.sku, list(r.route.operations))
    return pb.SetRouteResponse(route=route_message(row))


def create_work_order(
    s: S, uow: UnitOfWork, r: pb.CreateWorkOrderRequest
) -> pb.CreateWorkOrderResponse:
    order = usecases.NewWorkOrder(r.sku, r.quantity, r.bom_revision, r.line, r.output_location_code)
    row = usecases.create_work_order(uow, s.masterdata, s.options, order)
    return pb.CreateWorkOrderResponse(work_order=work_order_message(row))


def commission_units(
    s: S, uow: UnitOfWork, r: pb.CommissionUnitsRequest
) -> pb.CommissionUnitsResponse:
    order = usecases.Commission(
        r.work_order_id, list(r.serials), r.count, r.attributes_json, r.idempotency_key
    )
    work_order = store.work_order(uow.session, r.work_order_id)
    serials = usecases.commission_units(uow, s.masterdata, order)
    sku = work_order.sku if work_order else ""
    return pb.CommissionUnitsResponse(units=[unit_message((sku, n)) for n in serials])


# --- operations -----------------------------------------------------------------------------


def record_operation(
    s: S, uow: UnitOfWork, r: pb.RecordOperationRequest
) -> pb.RecordOperationResponse:
    return recorded(s, uow, usecases.record_operation(uow, _operation_input(r)))


def record_operations(
    s: S, uow: UnitOfWork, items: list[pb.RecordOperationRequest]
) -> list[usecases.Recorded | ServiceError]:
    return usecases.record_operations(uow, [_operation_input(i) for i in items])


def recorded(s: S, uow: UnitOfWork, done: usecases.Recorded) -> pb.RecordOperationResponse:
    return pb.RecordOperationResponse(record=operation_message(*done))


def approve_operation(
    s: S, uow: UnitOfWork, r: pb.ApproveOperationRequest
) -> pb.ApproveOperationResponse:
    approved = usecases.approve_operation(uow, r.id, r.meaning)
    return pb.ApproveOperationResponse(record=operation_message(*approved))


def batch_get_operations(
    s: S, session: Session, r: pb.BatchGetOperationsRequest
) -> pb.BatchGetOperationsResponse:
    found = usecases.operations(session, unit_keys(r.units))
    return pb.BatchGetOperationsResponse(records=[operation_message(o, u) for o, u in found])


def batch_get_unit_builds(
    s: S, session: Session, r: pb.BatchGetUnitBuildsRequest
) -> pb.BatchGetUnitBuildsResponse:
    return pb.BatchGetUnitBuildsResponse(
        builds=build_messages(usecases.unit_builds(session, unit_keys(r.units)))
    )


def build_messages(found: list[usecases.Build]) -> list[pb.UnitBuild]:
    builds = []
    for build in found:
        message = (
            build_message(build.row) if build.row else pb.UnitBuild(unit=unit_message(build.unit))
        )
        if build.installed_in:
            message.installed_in.CopyFrom(unit_message(build.installed_in))
        builds.append(message)
    return builds


# --- genealogy ------------------------------------------------------------------------------


def _component_of(r: pb.InstallComponentRequest | pb.RemoveComponentRequest) -> tuple[Any, Any]:
    """The request's component_unit and component_lot, each None where unset."""
    unit = r.component_unit if present(r, "component_unit") else None
    lot = r.component_lot if present(r, "component_lot") else None
    return unit, lot


def install_component(
    s: S, uow: UnitOfWork, r: pb.InstallComponentRequest
) -> pb.InstallComponentResponse:
    unit, lot = _component_of(r)
    component = usecases.Component(
        unit_key(unit) if unit else None,
        lot_key(lot.lot) if lot else None,
        lot.quantity if lot else 1.0,
    )
    # One component: a kit of one (docs/business-rules.md, genealogy and holds).
    kit = usecases.Kit(unit_key(r.parent), [component], r.operation, r.idempotency_key)
    edge = usecases.install_kit(uow, s.masterdata, s.quality, s.warehouse, kit)[0]
    return pb.InstallComponentResponse(link=link_messages(uow.session, [edge])[0])


def install_components(
    s: S, uow: UnitOfWork, r: pb.InstallComponentsRequest
) -> pb.InstallComponentsResponse:
    edges = usecases.install_kit(uow, s.masterdata, s.quality, s.warehouse, _kit(r))
    return installed(s, uow, edges)


def install_kits(
    s: S, uow: UnitOfWork, kits: list[pb.InstallComponentsRequest]
) -> list[list[store.EdgeRow] | ServiceError]:
    return usecases.install_kits(uow, s.masterdata, s.quality, s.warehouse, [_kit(k) for k in kits])


def installed(s: S, uow: UnitOfWork, edges: list[store.EdgeRow]) -> pb.InstallComponentsResponse:
    return pb.InstallComponentsResponse(links=link_messages(uow.session, edges))


def remove_component(
    s: S, uow: UnitOfWork, r: pb.RemoveComponentRequest
) -> pb.RemoveComponentResponse:
    unit, lot = _component_of(r)
    edge = usecases.remove_component(
        uow,
        unit_key(r.parent),
        unit_key(unit) if unit else None,
        lot_key(lot) if lot else None,
        r.reason,
    )
    return pb.RemoveComponentResponse(link=link_messages(uow.session, [edge])[0])


def complete_unit(s: S, uow: UnitOfWork, r: pb.CompleteUnitRequest) -> pb.CompleteUnitResponse:
    return completed(s, uow, usecases.complete_unit(uow, s.completion, _completion(r)))


def complete_units(
    s: S, uow: UnitOfWork, items: list[pb.CompleteUnitRequest]
) -> list[store.UnitRow | ServiceError]:
    return usecases.complete_units(uow, s.completion, [_completion(i) for i in items])


def completed(s: S, uow: UnitOfWork, unit: store.UnitRow) -> pb.CompleteUnitResponse:
    return pb.CompleteUnitResponse(build=build_message(unit))


def batch_get_material_lots(
    s: S, session: Session, r: pb.BatchGetMaterialLotsRequest
) -> pb.BatchGetMaterialLotsResponse:
    found = usecases.material_lots(session, unit_keys(r.units))
    return pb.BatchGetMaterialLotsResponse(units=material_lots_messages(found))


def material_lots_messages(
    found: list[tuple[UnitKey, list[LotKey]]],
) -> list[pb.UnitMaterialLots]:
    return [
        pb.UnitMaterialLots(unit=unit_message(u), lots=[lot_message(x) for x in lots])
        for u, lots in found
    ]


def get_trace_facts(s: S, session: Session, r: pb.GetTraceFactsRequest) -> pb.GetTraceFactsResponse:
    if not 0 <= r.depth <= MAX_TRACE_DEPTH:
        raise InvalidArgument(f"depth must be 0 to {MAX_TRACE_DEPTH}, got {r.depth}")
    units, links = usecases.subtree(
        session, unit_keys(r.units), r.depth, r.include_removed, r.components
    )
    reply = pb.GetTraceFactsResponse(links=[link_message(x) for x in links])
    # The units' genealogy nodes read once, with their lots, for the builds and the lots.
    nodes = (
        usecases.unit_nodes(session, units, with_lots=r.material_lots)
        if r.builds or r.material_lots
        else None
    )
    if r.builds or r.work_orders:
        reply.builds.extend(build_messages(usecases.unit_builds(session, units, nodes)))
    if r.work_orders:
        rows = usecases.work_orders_of_units(session, units)
        reply.work_orders.extend(work_order_message(x) for x in rows)
    if r.operations:
        found = usecases.operations(session, units)
        reply.operations.extend(operation_message(o, u) for o, u in found)
    if r.material_lots:
        lots = usecases.material_lots(session, units, nodes)
        reply.material_lots.extend(material_lots_messages(lots))
    if r.audit_entries:
        reply.audit_entries.extend(ledger_api.unit_entries(SERVICE_NAME, session, units))
    return reply


def where_used(s: S, session: Session, r: pb.WhereUsedRequest) -> pb.WhereUsedResponse:
    if present(r, "lot") == present(r, "unit"):
        raise InvalidArgument("give exactly one of lot and unit")
    size = page_size(r.page_size, MAX_WHERE_USED_PAGE)
    after = key_after(r.page_token)
    kind, key = ("LOT", lot_key(r.lot)) if present(r, "lot") else ("UNIT", unit_key(r.unit))
    page = usecases.where_used(
        session,
        s.masterdata,
        kind,
        key,
        size,
        after,
        top_level_only=not r.include_intermediate,
        count_total=r.count_total,
    )
    token = key_page_token(page.items[-1]) if page.more else ""
    if r.key_columns:
        return pb.WhereUsedResponse(
            unit_columns=unit_columns(page.items), total_count=page.total, next_page_token=token
        )
    return pb.WhereUsedResponse(
        units=[unit_message(u) for u in page.items], total_count=page.total, next_page_token=token
    )


# --- migration imports (admin only): each item with its own key and outcome ---------------


def import_unit_builds(s: S, r: pb.ImportUnitBuildsRequest) -> pb.ImportUnitBuildsResponse:
    check_batch(len(r.items), "imported builds", imports.MAX_IMPORT_ITEMS)

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedUnitBuild]) -> list[Any]:
        done = imports.import_builds(
            uow,
            [
                imports.ImportedBuild(
                    i.unit.sku,
                    i.unit.serial,
                    enum_str(pb.BuildStatus, i.status),
                    _time(i, "created_at"),
                    Provenance.of(i.provenance),
                )
                for i in fresh
            ],
        )
        return [d if isinstance(d, ServiceError) else build_message(d) for d in done]

    outcomes = s.mutations.run_each("ImportUnitBuilds", r.items, pb.UnitBuild, handle)
    return pb.ImportUnitBuildsResponse(
        outcomes=item_outcomes(pb.ImportUnitBuildOutcome, "build", outcomes)
    )


def import_component_links(
    s: S, r: pb.ImportComponentLinksRequest
) -> pb.ImportComponentLinksResponse:
    check_batch(len(r.items), "imported links", imports.MAX_IMPORT_ITEMS)
    boms = imports.BomCache(s.masterdata)
    boms.prefetch(sorted({i.parent.sku for i in r.items}))

    def link(i: pb.ImportedComponentLink) -> imports.ImportedLink:
        installed_at = _time(i, "installed_at")
        if installed_at is None:
            raise InvalidArgument("an imported installation needs its installed_at")
        return imports.ImportedLink(
            parent=unit_key(i.parent),
            component_unit=unit_key(i.component_unit) if present(i, "component_unit") else None,
            component_lot=lot_key(i.component_lot.lot) if present(i, "component_lot") else None,
            quantity=i.component_lot.quantity,
            installed_at=installed_at,
            installed_by=i.installed_by[:200],
            removed_at=_time(i, "removed_at"),
            removal_reason=i.removal_reason,
            provenance=Provenance.of(i.provenance),
        )

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedComponentLink]) -> list[Any]:
        done = imports.import_links(uow, boms, [link(i) for i in fresh])
        # The ends are the nodes the import locked: no second read of them.
        return [d if isinstance(d, ServiceError) else link_message(d) for d in done]

    outcomes = s.mutations.run_each("ImportComponentLinks", r.items, pb.ComponentLink, handle)
    return pb.ImportComponentLinksResponse(
        outcomes=item_outcomes(pb.ImportComponentLinkOutcome, "link", outcomes)
    )


def import_operations(s: S, r: pb.ImportOperationsRequest) -> pb.ImportOperationsResponse:
    check_batch(len(r.items), "imported operations", imports.MAX_IMPORT_ITEMS)

    def operation(i: pb.ImportedOperation) -> imports.ImportedOperation:
        finished = _time(i, "finished_at")
        if finished is None:
            raise InvalidArgument("an imported operation record needs its finished_at")
        return imports.ImportedOperation(
            sku=i.unit.sku,
            serial=i.unit.serial,
            operation=i.operation,
            station=i.station,
            operator=i.operator,
            started_at=_time(i, "started_at"),
            finished_at=finished,
            result=enum_str(core_pb2.Result, i.result),
            measurements_json=i.measurements_json,
            approved_by=i.approval.by,
            approved_at=_time(i.approval, "at"),
            approval_meaning=i.approval.meaning,
            provenance=Provenance.of(i.provenance),
        )

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedOperation]) -> list[Any]:
        done = imports.import_operations(uow, [operation(i) for i in fresh])
        return [d if isinstance(d, ServiceError) else operation_message(*d) for d in done]

    outcomes = s.mutations.run_each("ImportOperations", r.items, pb.OperationRecord, handle)
    return pb.ImportOperationsResponse(
        outcomes=item_outcomes(pb.ImportOperationOutcome, "record", outcomes)
    )


def verify_imported_genealogy(
    s: S, session: Session, r: pb.VerifyImportedGenealogyRequest
) -> pb.VerifyImportedGenealogyResponse:
    links, problems = imports.verify_genealogy(session, r.import_batch_id)
    return pb.VerifyImportedGenealogyResponse(links=links, problems=problems)


def _time(message: Any, field: str) -> datetime | None:
    return from_timestamp(getattr(message, field)) if message.HasField(field) else None


RPCS: dict[str, rpc.Rpc] = {
    "SetRoute": rpc.write(set_route),
    "CreateWorkOrder": rpc.write(create_work_order),
    "CommissionUnits": rpc.write(commission_units),
    "RecordOperation": rpc.write(record_operation),
    "RecordOperations": rpc.each(
        "RecordOperation",
        record_operations,
        recorded,
        most=usecases.MAX_OPERATIONS_PER_BATCH,
        what="operation records",
    ),
    "ApproveOperation": rpc.write(approve_operation),
    "InstallComponent": rpc.write(install_component),
    "InstallComponents": rpc.write(install_components),
    "InstallKits": rpc.each(
        "InstallComponents", install_kits, installed, most=usecases.MAX_KITS_PER_BATCH, what="kits"
    ),
    "RemoveComponent": rpc.write(remove_component),
    "CompleteUnit": rpc.write(complete_unit),
    "CompleteUnits": rpc.each(
        "CompleteUnit",
        complete_units,
        completed,
        most=usecases.MAX_COMPLETIONS_PER_BATCH,
        what="completions",
    ),
    "BatchGetRoutes": rpc.lookup(usecases.routes, "skus", route_message, what="keys"),
    "BatchGetWorkOrders": rpc.lookup(usecases.work_orders, "ids", work_order_message, what="keys"),
    "BatchGetOperations": rpc.read(batch_get_operations, batch="units", what="keys"),
    "BatchGetUnitBuilds": rpc.read(batch_get_unit_builds, batch="units", what="keys"),
    "BatchGetComponents": rpc.lookup(
        usecases.components,
        ("units", "include_removed"),
        link_message,
        what="keys",
    ),
    "GetComponentTree": rpc.lookup(
        usecases.component_tree, ("unit", "include_removed"), link_message
    ),
    "BatchGetMaterialLots": rpc.read(batch_get_material_lots, batch="units", what="keys"),
    "WhereUsed": rpc.read(where_used),
    "GetTraceFacts": rpc.read(get_trace_facts, batch="units"),
    "ImportUnitBuilds": rpc.custom(import_unit_builds),
    "ImportComponentLinks": rpc.custom(import_component_links),
    "ImportOperations": rpc.custom(import_operations),
    **provenance.import_rpcs(imports.count_imported_facts, imports.roll_back_import, pb),
    "VerifyImportedGenealogy": rpc.read(verify_imported_genealogy),
}
# Who may call each RPC, as its .proto declares it (the auth interceptor checks it).
METHOD_ROLES = rpc.implement(ProductionServicer, SERVICE, RPCS)


def grpc_services(
    database: Database,
    masterdata: Masterdata,
    quality: Quality,
    warehouse: Warehouse,
    options: ProductionOptions,
) -> list[GrpcService]:
    servicer = ProductionServicer(database, masterdata, quality, warehouse, options)
    return [rpc.grpc_service(SERVICE, pb_grpc, servicer)]
