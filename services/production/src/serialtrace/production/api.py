"""The production gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy.orm import Session

from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.common.db import Database
from serialtrace.common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
    item_error,
)
from serialtrace.common.ledger import canonical_json
from serialtrace.common.protomap import enum_str, enum_value, present
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import Mutations, UnitOfWork
from serialtrace.common.validation import key_after, key_page_token, page_size, quote
from serialtrace.core.v1 import core_pb2
from serialtrace.production import imports, store, usecases
from serialtrace.production.config import ProductionOptions
from serialtrace.production.masterdata_client import Masterdata
from serialtrace.production.peers import Quality, Warehouse
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc

MAX_BATCH = 10_000

Item = TypeVar("Item", bound=Message)  # one request of a batch RPC
Reply = TypeVar("Reply", bound=Message)  # what that request alone would have answered
Done = TypeVar("Done")  # what the use case returns for one item

METHOD_ROLES: dict[str, frozenset[Role]] = {
    "SetRoute": roles(Role.PLANNER),
    "CreateWorkOrder": roles(Role.PLANNER),
    "CommissionUnits": roles(Role.PLANNER),
    "RecordOperation": roles(Role.OPERATOR),
    "RecordOperations": roles(Role.OPERATOR),
    "ApproveOperation": roles(Role.QUALITY),
    "InstallComponent": roles(Role.OPERATOR),
    "InstallComponents": roles(Role.OPERATOR),
    "InstallKits": roles(Role.OPERATOR),
    "RemoveComponent": roles(Role.OPERATOR),
    "CompleteUnit": roles(Role.OPERATOR),
    "CompleteUnits": roles(Role.OPERATOR),
    "BatchGetRoutes": ANY_ROLE,
    "BatchGetWorkOrders": ANY_ROLE,
    "BatchGetOperations": ANY_ROLE,
    "BatchGetUnitBuilds": ANY_ROLE,
    "BatchGetComponents": ANY_ROLE,
    "GetComponentTree": ANY_ROLE,
    "BatchGetMaterialLots": ANY_ROLE,
    "WhereUsed": ANY_ROLE,
    "ImportUnitBuilds": roles(),
    "ImportComponentLinks": roles(),
    "ImportOperations": roles(),
    "CountImportedFacts": ANY_ROLE,
    "RollBackImport": roles(),
    "VerifyImportedGenealogy": ANY_ROLE,
}


def _check_batch(size: int) -> None:
    _check_items(size, MAX_BATCH, "keys")


def _check_items(size: int, most: int, what: str) -> None:
    if size > most:
        raise InvalidArgument(f"at most {most} {what} per call, got {size}")


def _kit(request: pb.InstallComponentsRequest) -> usecases.Kit:
    return usecases.Kit(
        parent=(request.parent.sku, request.parent.serial),
        components=[
            usecases.Component(
                (c.unit.sku, c.unit.serial) if present(c, "unit") else None,
                (c.lot.lot.sku, c.lot.lot.lot_number) if present(c, "lot") else None,
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
        id=row.id,
        sku=row.sku,
        quantity=row.quantity,
        bom_revision=row.bom_revision,
        line=row.line or "",
        status=enum_value(pb.WorkOrderStatus, row.status),
        commissioned_count=row.commissioned_count,
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
        output_location_code=row.output_location_code or "",
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


MAX_WHERE_USED_PAGE = 50_000


def link_messages(session: Session, edges: Sequence[store.EdgeRow]) -> list[pb.ComponentLink]:
    nodes = store.nodes_by_ids(session, [i for e in edges for i in (e.parent_id, e.component_id)])
    messages = []
    for e in edges:
        parent, component = nodes[e.parent_id], nodes[e.component_id]
        message = pb.ComponentLink(
            id=e.id,
            parent=core_pb2.UnitKey(sku=parent.sku, serial=parent.key),
            quantity=e.quantity,
            operation=e.operation or "",
            installed_at=to_timestamp(e.installed_at),
            installed_by=e.installed_by,
            removed_at=to_timestamp(e.removed_at),
            removed_by=e.removed_by or "",
            removal_reason=e.removal_reason or "",
        )
        if component.kind == "UNIT":
            message.component_unit.CopyFrom(
                core_pb2.UnitKey(sku=component.sku, serial=component.key)
            )
        else:
            message.component_lot.CopyFrom(
                core_pb2.LotKey(sku=component.sku, lot_number=component.key)
            )
        messages.append(message)
    return messages


def _page_after(token: str) -> int:
    if not token:
        return 0
    if not token.isdigit():
        raise InvalidArgument("page_token is not one this service handed out")
    return int(token)


class ImportServicer:
    """The migration-import RPCs (admin only): each item with its own key and outcome."""

    database: Database
    masterdata: Masterdata
    mutations: Mutations

    def ImportUnitBuilds(
        self, request: pb.ImportUnitBuildsRequest, context: Any
    ) -> pb.ImportUnitBuildsResponse:
        _check_items(len(request.items), imports.MAX_IMPORT_ITEMS, "imported builds")

        def handle(uow: UnitOfWork, fresh: list[pb.ImportedUnitBuild]) -> list[Any]:
            done = imports.import_builds(
                uow,
                [
                    imports.ImportedBuild(
                        i.unit.sku,
                        i.unit.serial,
                        enum_str(pb.BuildStatus, i.status),
                        _time(i, "created_at"),
                        _import_provenance(i.provenance),
                    )
                    for i in fresh
                ],
            )
            return [d if isinstance(d, ServiceError) else build_message(d) for d in done]

        outcomes = self.mutations.run_each("ImportUnitBuilds", request.items, pb.UnitBuild, handle)
        return pb.ImportUnitBuildsResponse(
            outcomes=[
                pb.ImportUnitBuildOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.ImportUnitBuildOutcome(build=o)
                for o in outcomes
            ]
        )

    def ImportComponentLinks(
        self, request: pb.ImportComponentLinksRequest, context: Any
    ) -> pb.ImportComponentLinksResponse:
        _check_items(len(request.items), imports.MAX_IMPORT_ITEMS, "imported links")
        boms = imports.BomCache(self.masterdata)
        boms.prefetch(sorted({i.parent.sku for i in request.items}))

        def link(i: pb.ImportedComponentLink) -> imports.ImportedLink:
            installed_at = _time(i, "installed_at")
            if installed_at is None:
                raise InvalidArgument("an imported installation needs its installed_at")
            return imports.ImportedLink(
                parent=(i.parent.sku, i.parent.serial),
                component_unit=(i.component_unit.sku, i.component_unit.serial)
                if present(i, "component_unit")
                else None,
                component_lot=(i.component_lot.lot.sku, i.component_lot.lot.lot_number)
                if present(i, "component_lot")
                else None,
                quantity=i.component_lot.quantity,
                installed_at=installed_at,
                installed_by=i.installed_by[:200],
                removed_at=_time(i, "removed_at"),
                removal_reason=i.removal_reason,
                provenance=_import_provenance(i.provenance),
            )

        def handle(uow: UnitOfWork, fresh: list[pb.ImportedComponentLink]) -> list[Any]:
            done = imports.import_links(uow, boms, [link(i) for i in fresh])
            messages = {
                m.id: m
                for m in link_messages(
                    uow.session, [d for d in done if not isinstance(d, ServiceError)]
                )
            }
            return [d if isinstance(d, ServiceError) else messages[d.id] for d in done]

        outcomes = self.mutations.run_each(
            "ImportComponentLinks", request.items, pb.ComponentLink, handle
        )
        return pb.ImportComponentLinksResponse(
            outcomes=[
                pb.ImportComponentLinkOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.ImportComponentLinkOutcome(link=o)
                for o in outcomes
            ]
        )

    def ImportOperations(
        self, request: pb.ImportOperationsRequest, context: Any
    ) -> pb.ImportOperationsResponse:
        _check_items(len(request.items), imports.MAX_IMPORT_ITEMS, "imported operations")

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
                provenance=_import_provenance(i.provenance),
            )

        def handle(uow: UnitOfWork, fresh: list[pb.ImportedOperation]) -> list[Any]:
            done = imports.import_operations(uow, [operation(i) for i in fresh])
            return [d if isinstance(d, ServiceError) else operation_message(*d) for d in done]

        outcomes = self.mutations.run_each(
            "ImportOperations", request.items, pb.OperationRecord, handle
        )
        return pb.ImportOperationsResponse(
            outcomes=[
                pb.ImportOperationOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.ImportOperationOutcome(record=o)
                for o in outcomes
            ]
        )

    def CountImportedFacts(
        self, request: pb.CountImportedFactsRequest, context: Any
    ) -> pb.CountImportedFactsResponse:
        with self.database.reader() as session:
            counts = store.count_import_provenance(session, request.import_batch_id)
            return pb.CountImportedFactsResponse(
                counts=[pb.ImportedFactCount(file=f, entity_type=t, count=n) for f, t, n in counts]
            )

    def RollBackImport(
        self, request: pb.RollBackImportRequest, context: Any
    ) -> pb.RollBackImportResponse:
        def handler(uow: UnitOfWork) -> pb.RollBackImportResponse:
            dependents, taken = imports.roll_back_import(
                uow, request.import_batch_id, request.dry_run
            )
            if dependents and not request.dry_run:
                raise FailedPrecondition(
                    f"{len(dependents)} fact(s) recorded since depend on import batch "
                    f"{request.import_batch_id}: {'; '.join(dependents[:20])}"
                )
            return pb.RollBackImportResponse(
                dependents=dependents,
                taken_back=[pb.ImportedFactCount(entity_type=t, count=n) for t, n in taken],
            )

        return self.mutations.run("RollBackImport", request, pb.RollBackImportResponse, handler)

    def VerifyImportedGenealogy(
        self, request: pb.VerifyImportedGenealogyRequest, context: Any
    ) -> pb.VerifyImportedGenealogyResponse:
        with self.database.reader() as session:
            links, problems = imports.verify_genealogy(session, request.import_batch_id)
            return pb.VerifyImportedGenealogyResponse(links=links, problems=problems)


def _time(message: Any, field: str) -> datetime | None:
    return from_timestamp(getattr(message, field)) if message.HasField(field) else None


def _import_provenance(message: pb.ImportProvenance) -> imports.Provenance:
    if not message.import_batch_id or not message.file or message.row < 1:
        raise InvalidArgument("an imported item needs its provenance: batch id, file and row")
    return imports.Provenance(message.import_batch_id[:40], message.file[:200], message.row)


class ProductionServicer(ImportServicer, pb_grpc.ProductionServiceServicer):
    def __init__(
        self,
        database: Database,
        masterdata: Masterdata,
        quality: Quality,
        warehouse: Warehouse,
        options: ProductionOptions,
    ) -> None:
        self.database, self.masterdata = database, masterdata
        self.quality, self.warehouse, self.options = quality, warehouse, options
        self.completion = usecases.CompletionPeers(masterdata, warehouse, options)
        self.mutations = Mutations(database)

    def _each(
        self,
        method: str,
        items: Sequence[Item],
        reply_type: type[Reply],
        most: tuple[int, str],
        run: Callable[[UnitOfWork, list[Item]], list[Done | ServiceError]],
        reply: Callable[[UnitOfWork, Done], Reply],
    ) -> list[Reply | ServiceError]:
        """A batch RPC: at most `most` items, each `method` with its own idempotency key and
        outcome (Mutations.run_each); `run` is the use case for the items not answered
        before, `reply` what a lone call would answer for one that succeeded."""
        _check_items(len(items), *most)

        def handle(uow: UnitOfWork, fresh: list[Item]) -> list[Reply | ServiceError]:
            return [d if isinstance(d, ServiceError) else reply(uow, d) for d in run(uow, fresh)]

        return self.mutations.run_each(method, items, reply_type, handle)

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
                        self.options,
                        usecases.NewWorkOrder(
                            request.sku,
                            request.quantity,
                            request.bom_revision,
                            request.line,
                            request.output_location_code,
                        ),
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
        op = _operation_input(request)
        return self.mutations.run(
            "RecordOperation",
            request,
            pb.RecordOperationResponse,
            lambda uow: pb.RecordOperationResponse(
                record=operation_message(*usecases.record_operation(uow, op))
            ),
        )

    def RecordOperations(
        self, request: pb.RecordOperationsRequest, context: Any
    ) -> pb.RecordOperationsResponse:
        outcomes = self._each(
            "RecordOperation",
            request.items,
            pb.RecordOperationResponse,
            (usecases.MAX_OPERATIONS_PER_BATCH, "operation records"),
            lambda uow, items: usecases.record_operations(
                uow, [_operation_input(i) for i in items]
            ),
            lambda uow, recorded: pb.RecordOperationResponse(record=operation_message(*recorded)),
        )
        return pb.RecordOperationsResponse(
            outcomes=[
                pb.RecordOperationOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.RecordOperationOutcome(record=o.record)
                for o in outcomes
            ]
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
        keys = [(u.sku, u.serial) for u in request.units]
        with self.database.reader() as session:
            builds = {
                (u.sku, u.serial): build_message(u) for u in store.units_by_keys(session, keys)
            }
            nodes = store.node_ids(session, "UNIT", keys)
            rows = store.nodes_by_ids(session, nodes.values())
            parents = store.nodes_by_ids(
                session, [n.installed_in_id for n in rows.values() if n.installed_in_id]
            )
            for key, node_id in nodes.items():
                holder = rows[node_id].installed_in_id
                if holder is None:
                    continue
                # Purchased units production never commissioned still show where they sit.
                build = builds.setdefault(
                    key, pb.UnitBuild(unit=core_pb2.UnitKey(sku=key[0], serial=key[1]))
                )
                build.installed_in.CopyFrom(
                    core_pb2.UnitKey(sku=parents[holder].sku, serial=parents[holder].key)
                )
            return pb.BatchGetUnitBuildsResponse(builds=list(builds.values()))

    # --- genealogy -------------------------------------------------------------------

    def InstallComponent(
        self, request: pb.InstallComponentRequest, context: Any
    ) -> pb.InstallComponentResponse:
        unit = request.component_unit if present(request, "component_unit") else None
        lot = request.component_lot if present(request, "component_lot") else None
        order = usecases.Installation(
            parent=(request.parent.sku, request.parent.serial),
            component_unit=(unit.sku, unit.serial) if unit else None,
            component_lot=(lot.lot.sku, lot.lot.lot_number) if lot else None,
            quantity=lot.quantity if lot else 1.0,
            operation=request.operation,
            idempotency_key=request.idempotency_key,
        )

        def handler(uow: UnitOfWork) -> pb.InstallComponentResponse:
            edge = usecases.install_component(
                uow, self.masterdata, self.quality, self.warehouse, order
            )
            return pb.InstallComponentResponse(link=link_messages(uow.session, [edge])[0])

        return self.mutations.run("InstallComponent", request, pb.InstallComponentResponse, handler)

    def InstallComponents(
        self, request: pb.InstallComponentsRequest, context: Any
    ) -> pb.InstallComponentsResponse:
        def handler(uow: UnitOfWork) -> pb.InstallComponentsResponse:
            edges = usecases.install_kit(
                uow, self.masterdata, self.quality, self.warehouse, _kit(request)
            )
            return pb.InstallComponentsResponse(links=link_messages(uow.session, edges))

        return self.mutations.run(
            "InstallComponents", request, pb.InstallComponentsResponse, handler
        )

    def InstallKits(self, request: pb.InstallKitsRequest, context: Any) -> pb.InstallKitsResponse:
        outcomes = self._each(
            "InstallComponents",
            request.kits,
            pb.InstallComponentsResponse,
            (usecases.MAX_KITS_PER_BATCH, "kits"),
            lambda uow, kits: usecases.install_kits(
                uow, self.masterdata, self.quality, self.warehouse, [_kit(k) for k in kits]
            ),
            lambda uow, edges: pb.InstallComponentsResponse(
                links=link_messages(uow.session, edges)
            ),
        )
        return pb.InstallKitsResponse(
            outcomes=[
                pb.InstallKitOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.InstallKitOutcome(installed=o)
                for o in outcomes
            ]
        )

    def RemoveComponent(
        self, request: pb.RemoveComponentRequest, context: Any
    ) -> pb.RemoveComponentResponse:
        unit = request.component_unit if present(request, "component_unit") else None
        lot = request.component_lot if present(request, "component_lot") else None

        def handler(uow: UnitOfWork) -> pb.RemoveComponentResponse:
            edge = usecases.remove_component(
                uow,
                (request.parent.sku, request.parent.serial),
                (unit.sku, unit.serial) if unit else None,
                (lot.sku, lot.lot_number) if lot else None,
                request.reason,
            )
            return pb.RemoveComponentResponse(link=link_messages(uow.session, [edge])[0])

        return self.mutations.run("RemoveComponent", request, pb.RemoveComponentResponse, handler)

    def CompleteUnit(
        self, request: pb.CompleteUnitRequest, context: Any
    ) -> pb.CompleteUnitResponse:
        return self.mutations.run(
            "CompleteUnit",
            request,
            pb.CompleteUnitResponse,
            lambda uow: pb.CompleteUnitResponse(
                build=build_message(
                    usecases.complete_unit(uow, self.completion, _completion(request))
                )
            ),
        )

    def CompleteUnits(
        self, request: pb.CompleteUnitsRequest, context: Any
    ) -> pb.CompleteUnitsResponse:
        outcomes = self._each(
            "CompleteUnit",
            request.items,
            pb.CompleteUnitResponse,
            (usecases.MAX_COMPLETIONS_PER_BATCH, "completions"),
            lambda uow, items: usecases.complete_units(
                uow, self.completion, [_completion(i) for i in items]
            ),
            lambda uow, unit: pb.CompleteUnitResponse(build=build_message(unit)),
        )
        return pb.CompleteUnitsResponse(
            outcomes=[
                pb.CompleteUnitOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.CompleteUnitOutcome(build=o.build)
                for o in outcomes
            ]
        )

    def BatchGetComponents(
        self, request: pb.BatchGetComponentsRequest, context: Any
    ) -> pb.BatchGetComponentsResponse:
        _check_batch(len(request.units))
        with self.database.reader() as session:
            nodes = store.node_ids(session, "UNIT", [(u.sku, u.serial) for u in request.units])
            edges = store.edges_of_parents(session, list(nodes.values()), request.include_removed)
            return pb.BatchGetComponentsResponse(links=link_messages(session, edges))

    def GetComponentTree(
        self, request: pb.GetComponentTreeRequest, context: Any
    ) -> pb.GetComponentTreeResponse:
        key = (request.unit.sku, request.unit.serial)
        with self.database.reader() as session:
            node = store.node_ids(session, "UNIT", [key]).get(key)
            edges = store.tree_edges(session, node, request.include_removed) if node else []
            return pb.GetComponentTreeResponse(links=link_messages(session, edges))

    def BatchGetMaterialLots(
        self, request: pb.BatchGetMaterialLotsRequest, context: Any
    ) -> pb.BatchGetMaterialLotsResponse:
        _check_batch(len(request.units))
        with self.database.reader() as session:
            nodes = store.node_ids(session, "UNIT", [(u.sku, u.serial) for u in request.units])
            lots = store.descendant_lots(session, list(nodes.values()))
            return pb.BatchGetMaterialLotsResponse(
                units=[
                    pb.UnitMaterialLots(
                        unit=core_pb2.UnitKey(sku=sku, serial=serial),
                        lots=[
                            core_pb2.LotKey(sku=n.sku, lot_number=n.key)
                            for n in lots.get(node_id, [])
                        ],
                    )
                    for (sku, serial), node_id in sorted(nodes.items())
                ]
            )

    def WhereUsed(self, request: pb.WhereUsedRequest, context: Any) -> pb.WhereUsedResponse:
        if present(request, "lot") == present(request, "unit"):
            raise InvalidArgument("give exactly one of lot and unit")
        size = page_size(request.page_size, MAX_WHERE_USED_PAGE)
        after = key_after(request.page_token)
        kind, key = (
            ("LOT", (request.lot.sku, request.lot.lot_number))
            if present(request, "lot")
            else ("UNIT", (request.unit.sku, request.unit.serial))
        )
        with self.database.reader() as session:
            node = store.node_ids(session, kind, [key]).get(key)
            if node is not None:
                # One unit more than the page says whether another page follows.
                page, total = store.where_used(
                    session, node, size + 1, after, top_level_only=not request.include_intermediate
                )
                more, page = len(page) > size, page[:size]
                return pb.WhereUsedResponse(
                    units=[core_pb2.UnitKey(sku=n.sku, serial=n.key) for n in page],
                    total_count=total,
                    next_page_token=key_page_token((page[-1].sku, page[-1].key)) if more else "",
                )
        # In no genealogy: nothing uses it, if it exists at all. Masterdata keeps the
        # registry of lots and units; a key it does not know is NOT_FOUND, not an
        # empty answer that reads as "nothing affected".
        exists = (
            self.masterdata.lots_exist([key])
            if kind == "LOT"
            else self.masterdata.units_exist([key])
        )
        if key not in exists:
            what = "lot" if kind == "LOT" else "unit"
            raise NotFound(
                f"no {what} {quote(key[1])} of {quote(key[0])} is registered in masterdata"
            )
        return pb.WhereUsedResponse(total_count=0)


def grpc_services(
    database: Database,
    masterdata: Masterdata,
    quality: Quality,
    warehouse: Warehouse,
    options: ProductionOptions,
) -> list[GrpcService]:
    servicer = ProductionServicer(database, masterdata, quality, warehouse, options)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["ProductionService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_ProductionServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
