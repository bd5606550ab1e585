"""The production gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.common.db import Database
from serialtrace.common.ledger import canonical_json
from serialtrace.common.protomap import enum_str, enum_value
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import Mutations, UnitOfWork
from serialtrace.core.v1 import core_pb2
from serialtrace.production import store, usecases
from serialtrace.production.masterdata_client import Masterdata
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc

MAX_BATCH = 10_000

METHOD_ROLES: dict[str, frozenset[Role]] = {
    "SetRoute": roles(Role.PLANNER),
    "CreateWorkOrder": roles(Role.PLANNER),
    "CommissionUnits": roles(Role.PLANNER),
    "RecordOperation": roles(Role.OPERATOR),
    "ApproveOperation": roles(Role.QUALITY),
    "InstallComponent": roles(Role.OPERATOR),
    "RemoveComponent": roles(Role.OPERATOR),
    "CompleteUnit": roles(Role.OPERATOR),
    "BatchGetRoutes": ANY_ROLE,
    "BatchGetWorkOrders": ANY_ROLE,
    "BatchGetOperations": ANY_ROLE,
    "BatchGetUnitBuilds": ANY_ROLE,
    "BatchGetComponents": ANY_ROLE,
    "GetComponentTree": ANY_ROLE,
    "BatchGetMaterialLots": ANY_ROLE,
    "WhereUsed": ANY_ROLE,
}


def _check_batch(size: int) -> None:
    if size > MAX_BATCH:
        from serialtrace.common.errors import InvalidArgument

        raise InvalidArgument(f"at most {MAX_BATCH} keys per call, got {size}")


def route_message(row: store.RouteRow) -> pb.Route:
    return pb.Route(sku=row.sku, operations=row.operations)


def work_order_message(row: store.WorkOrderRow) -> pb.WorkOrder:
    return pb.WorkOrder(
        id=row.id,
        sku=row.sku,
        quantity=row.quantity,
        bom_revision=row.bom_revision,
        line=row.line or "",
        status=enum_value(pb.WorkOrderStatus, row.status),
        commissioned_count=row.commissioned_count,
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
    )


def operation_message(row: store.OperationRow, unit: store.UnitRow) -> pb.OperationRecord:
    message = pb.OperationRecord(
        id=row.id,
        unit=core_pb2.UnitKey(sku=unit.sku, serial=unit.serial),
        operation=row.operation,
        station=row.station,
        operator=row.operator,
        started_at=to_timestamp(row.started_at),
        finished_at=to_timestamp(row.finished_at),
        result=enum_value(core_pb2.Result, row.result),
        measurements_json=canonical_json(row.measurements or {}),
    )
    if row.approved_by and row.approved_at:
        message.approval.CopyFrom(
            core_pb2.Signature(
                by=row.approved_by, at=to_timestamp(row.approved_at), meaning=row.approval_meaning
            )
        )
    return message


def build_message(unit: store.UnitRow) -> pb.UnitBuild:
    return pb.UnitBuild(
        unit=core_pb2.UnitKey(sku=unit.sku, serial=unit.serial),
        status=enum_value(pb.BuildStatus, unit.status),
        work_order_id=unit.work_order_id,
        completed_at=to_timestamp(unit.completed_at),
    )


class ProductionServicer(pb_grpc.ProductionServiceServicer):
    # InstallComponent, RemoveComponent, CompleteUnit and the genealogy reads are not
    # served yet: the generated base answers them with UNIMPLEMENTED.

    def __init__(self, database: Database, masterdata: Masterdata) -> None:
        self.database, self.masterdata = database, masterdata
        self.mutations = Mutations(database)

    def SetRoute(self, request: pb.SetRouteRequest, context: Any) -> pb.SetRouteResponse:
        return self.mutations.run(
            "SetRoute",
            request,
            pb.SetRouteResponse,
            lambda uow: pb.SetRouteResponse(
                route=route_message(
                    usecases.set_route(
                        uow, self.masterdata, request.route.sku, list(request.route.operations)
                    )
                )
            ),
        )

    def BatchGetRoutes(
        self, request: pb.BatchGetRoutesRequest, context: Any
    ) -> pb.BatchGetRoutesResponse:
        _check_batch(len(request.skus))
        with self.database.reader() as session:
            return pb.BatchGetRoutesResponse(
                routes=[route_message(r) for r in store.routes(session, request.skus)]
            )

    def CreateWorkOrder(
        self, request: pb.CreateWorkOrderRequest, context: Any
    ) -> pb.CreateWorkOrderResponse:
        return self.mutations.run(
            "CreateWorkOrder",
            request,
            pb.CreateWorkOrderResponse,
            lambda uow: pb.CreateWorkOrderResponse(
                work_order=work_order_message(
                    usecases.create_work_order(
                        uow,
                        self.masterdata,
                        request.sku,
                        request.quantity,
                        request.bom_revision,
                        request.line,
                    )
                )
            ),
        )

    def BatchGetWorkOrders(
        self, request: pb.BatchGetWorkOrdersRequest, context: Any
    ) -> pb.BatchGetWorkOrdersResponse:
        _check_batch(len(request.ids))
        with self.database.reader() as session:
            return pb.BatchGetWorkOrdersResponse(
                work_orders=[work_order_message(w) for w in store.work_orders(session, request.ids)]
            )

    def CommissionUnits(
        self, request: pb.CommissionUnitsRequest, context: Any
    ) -> pb.CommissionUnitsResponse:
        order = usecases.Commission(
            request.work_order_id,
            list(request.serials),
            request.count,
            request.attributes_json,
            request.idempotency_key,
        )

        def handler(uow: UnitOfWork) -> pb.CommissionUnitsResponse:
            wo_sku = store.work_order(uow.session, request.work_order_id)
            serials = usecases.commission_units(uow, self.masterdata, order)
            sku = wo_sku.sku if wo_sku else ""
            return pb.CommissionUnitsResponse(
                units=[core_pb2.UnitKey(sku=sku, serial=s) for s in serials]
            )

        return self.mutations.run("CommissionUnits", request, pb.CommissionUnitsResponse, handler)

    def RecordOperation(
        self, request: pb.RecordOperationRequest, context: Any
    ) -> pb.RecordOperationResponse:
        op = usecases.OperationInput(
            request.unit.sku,
            request.unit.serial,
            request.operation,
            request.station,
            enum_str(core_pb2.Result, request.result),
            request.measurements_json,
            from_timestamp(request.started_at),
            from_timestamp(request.finished_at),
        )
        return self.mutations.run(
            "RecordOperation",
            request,
            pb.RecordOperationResponse,
            lambda uow: pb.RecordOperationResponse(
                record=operation_message(*usecases.record_operation(uow, op))
            ),
        )

    def ApproveOperation(
        self, request: pb.ApproveOperationRequest, context: Any
    ) -> pb.ApproveOperationResponse:
        return self.mutations.run(
            "ApproveOperation",
            request,
            pb.ApproveOperationResponse,
            lambda uow: pb.ApproveOperationResponse(
                record=operation_message(
                    *usecases.approve_operation(uow, request.id, request.meaning)
                )
            ),
        )

    def BatchGetOperations(
        self, request: pb.BatchGetOperationsRequest, context: Any
    ) -> pb.BatchGetOperationsResponse:
        _check_batch(len(request.units))
        with self.database.reader() as session:
            units = store.units_by_keys(session, [(u.sku, u.serial) for u in request.units])
            by_id = {u.id: u for u in units}
            records = store.operations_of(session, list(by_id))
            grouped: dict[int, list[store.OperationRow]] = defaultdict(list)
            for r in records:
                grouped[r.unit_id].append(r)
            return pb.BatchGetOperationsResponse(
                records=[operation_message(r, by_id[uid]) for uid in by_id for r in grouped[uid]]
            )

    def BatchGetUnitBuilds(
        self, request: pb.BatchGetUnitBuildsRequest, context: Any
    ) -> pb.BatchGetUnitBuildsResponse:
        _check_batch(len(request.units))
        with self.database.reader() as session:
            units = store.units_by_keys(session, [(u.sku, u.serial) for u in request.units])
            return pb.BatchGetUnitBuildsResponse(builds=[build_message(u) for u in units])


def grpc_services(database: Database, masterdata: Masterdata) -> list[GrpcService]:
    servicer = ProductionServicer(database, masterdata)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["ProductionService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_ProductionServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
