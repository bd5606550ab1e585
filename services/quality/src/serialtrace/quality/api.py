"""The quality gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from typing import Any

from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.common.db import Database
from serialtrace.common.ledger import canonical_json
from serialtrace.common.protomap import enum_str, enum_value, present
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp
from serialtrace.common.uow import Mutations, UnitOfWork
from serialtrace.common.validation import key_after, key_page_token, page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.quality import store, usecases
from serialtrace.quality.masterdata_client import Masterdata
from serialtrace.quality.production_client import Production
from serialtrace.quality.store import Key
from serialtrace.quality.v1 import quality_pb2 as pb
from serialtrace.quality.v1 import quality_pb2_grpc as pb_grpc
from serialtrace.quality.warehouse_client import Warehouse

METHOD_ROLES: dict[str, frozenset[Role]] = {
    "RecordInspection": roles(Role.QUALITY),
    "OpenNonconformance": roles(Role.QUALITY),
    "CloseNonconformance": roles(Role.QUALITY),
    "PlaceHold": roles(Role.QUALITY),
    "ReleaseHold": roles(Role.QUALITY),
    "CreateRecall": roles(Role.QUALITY),
    "UpdateRecallItem": roles(Role.QUALITY),
    "BatchCheckHolds": ANY_ROLE,
    "BatchGetQualityStatus": ANY_ROLE,
    "BatchGetInspections": ANY_ROLE,
    "BatchGetHolds": ANY_ROLE,
    "BatchGetRecalls": ANY_ROLE,
    "BatchGetUnitRecalls": ANY_ROLE,
    "ListRecallItems": ANY_ROLE,
}


def _units(keys: Any) -> list[Key]:
    return [(k.sku, k.serial) for k in keys]


def _lots(keys: Any) -> list[Key]:
    return [(k.sku, k.lot_number) for k in keys]


def _subject(kind: str, sku: str, key: str) -> dict[str, Any]:
    if kind == "UNIT":
        return {"unit": core_pb2.UnitKey(sku=sku, serial=key)}
    return {"lot": core_pb2.LotKey(sku=sku, lot_number=key)}


def inspection_message(row: store.InspectionRow) -> pb.Inspection:
    return pb.Inspection(
        id=row.id,
        kind=enum_value(pb.InspectionKind, row.kind),
        result=enum_value(core_pb2.Result, row.result),
        inspector=row.inspector,
        at=to_timestamp(row.at),
        measurements_json=canonical_json(row.measurements or {}),
        **_subject(row.subject_kind, row.sku, row.key),
    )


def ncr_message(
    row: store.NonconformanceRow, subjects: list[store.NonconformanceSubjectRow]
) -> pb.Nonconformance:
    message = pb.Nonconformance(
        id=row.id,
        description=row.description,
        disposition=enum_value(pb.Disposition, row.disposition or ""),
        opened_by=row.opened_by,
        opened_at=to_timestamp(row.opened_at),
        units=[
            core_pb2.UnitKey(sku=s.sku, serial=s.key) for s in subjects if s.subject_kind == "UNIT"
        ],
        lots=[
            core_pb2.LotKey(sku=s.sku, lot_number=s.key)
            for s in subjects
            if s.subject_kind == "LOT"
        ],
    )
    if row.closed_by and row.closed_at:
        message.closure.CopyFrom(
            core_pb2.Signature(
                by=row.closed_by, at=to_timestamp(row.closed_at), meaning=row.closure_meaning
            )
        )
    return message


def hold_message(row: store.HoldRow, subjects: list[store.HoldSubjectRow]) -> pb.Hold:
    message = pb.Hold(
        id=row.id,
        reason=row.reason,
        placed_by=row.placed_by,
        placed_at=to_timestamp(row.placed_at),
        active=row.active,
        unit_count=row.unit_count,
        units=[
            core_pb2.UnitKey(sku=s.sku, serial=s.key) for s in subjects if s.subject_kind == "UNIT"
        ],
        lots=[
            core_pb2.LotKey(sku=s.sku, lot_number=s.key)
            for s in subjects
            if s.subject_kind == "LOT"
        ],
    )
    if row.released_by and row.released_at:
        message.release.CopyFrom(
            core_pb2.Signature(
                by=row.released_by, at=to_timestamp(row.released_at), meaning=row.release_meaning
            )
        )
    return message


MAX_PAGE = 10_000


def recall_message(row: store.RecallRow, counts: dict[str, int]) -> pb.Recall:
    return pb.Recall(
        id=row.id,
        reason=row.reason,
        status=enum_value(pb.RecallStatus, row.status),
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
        scope_computed_in_ms=row.scope_computed_in_ms,
        hold_id=row.hold_id or "",
        counts=[
            pb.RecallCount(state=enum_value(pb.RecallUnitState, state), count=n)
            for state, n in sorted(counts.items())
        ],
    )


def item_message(row: store.RecallItemRow) -> pb.RecallItem:
    return pb.RecallItem(
        recall_id=row.recall_id,
        unit=core_pb2.UnitKey(sku=row.sku, serial=row.serial),
        state=enum_value(pb.RecallUnitState, row.state),
        location_code=row.location_code or "",
        customer_code=row.customer_code or "",
        shipment_id=row.shipment_id or "",
    )


class QualityServicer(pb_grpc.QualityServiceServicer):
    def __init__(
        self,
        database: Database,
        masterdata: Masterdata,
        production: Production,
        warehouse: Warehouse,
    ) -> None:
        self.database, self.masterdata = database, masterdata
        self.production, self.warehouse = production, warehouse
        self.mutations = Mutations(database)

    def CreateRecall(
        self, request: pb.CreateRecallRequest, context: Any
    ) -> pb.CreateRecallResponse:
        def handler(uow: UnitOfWork) -> pb.CreateRecallResponse:
            recall = usecases.create_recall(
                uow,
                self.production,
                self.warehouse,
                request.reason,
                _units(request.units),
                _lots(request.lots),
                request.hold_stock,
            )
            counts = store.recall_counts(uow.session, [recall.id]).get(recall.id, {})
            return pb.CreateRecallResponse(recall=recall_message(recall, counts))

        return self.mutations.run("CreateRecall", request, pb.CreateRecallResponse, handler)

    def UpdateRecallItem(
        self, request: pb.UpdateRecallItemRequest, context: Any
    ) -> pb.UpdateRecallItemResponse:
        def handler(uow: UnitOfWork) -> pb.UpdateRecallItemResponse:
            item, recall = usecases.update_recall_item(
                uow,
                request.recall_id,
                (request.unit.sku, request.unit.serial),
                enum_str(pb.RecallUnitState, request.state),
            )
            counts = store.recall_counts(uow.session, [recall.id]).get(recall.id, {})
            return pb.UpdateRecallItemResponse(
                item=item_message(item), recall=recall_message(recall, counts)
            )

        return self.mutations.run("UpdateRecallItem", request, pb.UpdateRecallItemResponse, handler)

    def BatchGetRecalls(
        self, request: pb.BatchGetRecallsRequest, context: Any
    ) -> pb.BatchGetRecallsResponse:
        usecases.check_batch(len(request.ids))
        with self.database.reader() as session:
            rows = store.recalls(session, request.ids)
            counts = store.recall_counts(session, [r.id for r in rows])
            return pb.BatchGetRecallsResponse(
                recalls=[recall_message(r, counts.get(r.id, {})) for r in rows]
            )

    def BatchGetUnitRecalls(
        self, request: pb.BatchGetUnitRecallsRequest, context: Any
    ) -> pb.BatchGetUnitRecallsResponse:
        units = _units(request.units)
        usecases.check_batch(len(units))
        with self.database.reader() as session:
            found = store.recalls_of_units(session, units)
        return pb.BatchGetUnitRecallsResponse(
            units=[
                pb.UnitRecalls(unit=core_pb2.UnitKey(sku=s, serial=n), recall_ids=sorted(ids))
                for (s, n), ids in sorted(found.items())
            ]
        )

    def ListRecallItems(
        self, request: pb.ListRecallItemsRequest, context: Any
    ) -> pb.ListRecallItemsResponse:
        size, after = page_size(request.page_size, MAX_PAGE), key_after(request.page_token)
        state = enum_str(pb.RecallUnitState, request.state) or None
        with self.database.reader() as session:
            rows, total = store.recall_items(session, request.recall_id, state, size, after)
            more = len(rows) == size and bool(
                store.recall_items(
                    session, request.recall_id, state, 1, (rows[-1].sku, rows[-1].serial)
                )[0]
            )
            return pb.ListRecallItemsResponse(
                items=[item_message(r) for r in rows],
                total_count=total,
                next_page_token=key_page_token((rows[-1].sku, rows[-1].serial)) if more else "",
            )

    def RecordInspection(
        self, request: pb.RecordInspectionRequest, context: Any
    ) -> pb.RecordInspectionResponse:
        unit = (request.unit.sku, request.unit.serial) if present(request, "unit") else None
        lot = (request.lot.sku, request.lot.lot_number) if present(request, "lot") else None
        return self.mutations.run(
            "RecordInspection",
            request,
            pb.RecordInspectionResponse,
            lambda uow: pb.RecordInspectionResponse(
                inspection=inspection_message(
                    usecases.record_inspection(
                        uow,
                        enum_str(pb.InspectionKind, request.kind),
                        unit,
                        lot,
                        enum_str(core_pb2.Result, request.result),
                        request.measurements_json,
                    )
                )
            ),
        )

    def OpenNonconformance(
        self, request: pb.OpenNonconformanceRequest, context: Any
    ) -> pb.OpenNonconformanceResponse:
        def handler(uow: UnitOfWork) -> pb.OpenNonconformanceResponse:
            row = usecases.open_nonconformance(
                uow,
                _units(request.units),
                _lots(request.lots),
                request.description,
                enum_str(pb.Disposition, request.disposition),
            )
            return pb.OpenNonconformanceResponse(
                nonconformance=ncr_message(row, store.ncr_subjects(uow.session, row.id))
            )

        return self.mutations.run(
            "OpenNonconformance", request, pb.OpenNonconformanceResponse, handler
        )

    def CloseNonconformance(
        self, request: pb.CloseNonconformanceRequest, context: Any
    ) -> pb.CloseNonconformanceResponse:
        def handler(uow: UnitOfWork) -> pb.CloseNonconformanceResponse:
            row = usecases.close_nonconformance(
                uow, request.id, request.meaning, enum_str(pb.Disposition, request.disposition)
            )
            return pb.CloseNonconformanceResponse(
                nonconformance=ncr_message(row, store.ncr_subjects(uow.session, row.id))
            )

        return self.mutations.run(
            "CloseNonconformance", request, pb.CloseNonconformanceResponse, handler
        )

    def PlaceHold(self, request: pb.PlaceHoldRequest, context: Any) -> pb.PlaceHoldResponse:
        def handler(uow: UnitOfWork) -> pb.PlaceHoldResponse:
            hold = usecases.place_hold(
                uow,
                self.masterdata,
                self.production,
                request.reason,
                _units(request.units),
                _lots(request.lots),
            )
            subjects = store.hold_subjects(uow.session, [hold.id]).get(hold.id, [])
            return pb.PlaceHoldResponse(hold=hold_message(hold, subjects))

        return self.mutations.run("PlaceHold", request, pb.PlaceHoldResponse, handler)

    def ReleaseHold(self, request: pb.ReleaseHoldRequest, context: Any) -> pb.ReleaseHoldResponse:
        def handler(uow: UnitOfWork) -> pb.ReleaseHoldResponse:
            hold = usecases.release_hold(uow, request.id, request.meaning)
            subjects = store.hold_subjects(uow.session, [hold.id]).get(hold.id, [])
            return pb.ReleaseHoldResponse(hold=hold_message(hold, subjects))

        return self.mutations.run("ReleaseHold", request, pb.ReleaseHoldResponse, handler)

    def BatchCheckHolds(
        self, request: pb.BatchCheckHoldsRequest, context: Any
    ) -> pb.BatchCheckHoldsResponse:
        units, lots = _units(request.units), _lots(request.lots)
        usecases.check_batch(len(units) + len(lots))
        with self.database.reader() as session:
            on_units = store.active_holds_on_units(session, units)
            on_lots = store.active_holds_on_lots(session, lots)
        checks = [
            pb.HoldCheck(
                unit=core_pb2.UnitKey(sku=s, serial=n),
                held=(s, n) in on_units,
                hold_ids=sorted(on_units.get((s, n), [])),
            )
            for s, n in units
        ]
        checks += [
            pb.HoldCheck(
                lot=core_pb2.LotKey(sku=s, lot_number=n),
                held=(s, n) in on_lots,
                hold_ids=sorted(on_lots.get((s, n), [])),
            )
            for s, n in lots
        ]
        return pb.BatchCheckHoldsResponse(checks=checks)

    def BatchGetQualityStatus(
        self, request: pb.BatchGetQualityStatusRequest, context: Any
    ) -> pb.BatchGetQualityStatusResponse:
        units, lots = _units(request.units), _lots(request.lots)
        usecases.check_batch(len(units) + len(lots))
        with self.database.reader() as session:
            of_units, of_lots = usecases.statuses(session, units, lots)
        result = [
            pb.SubjectQualityStatus(
                unit=core_pb2.UnitKey(sku=s, serial=n),
                status=enum_value(pb.QualityStatus, of_units[(s, n)]),
            )
            for s, n in units
        ]
        result += [
            pb.SubjectQualityStatus(
                lot=core_pb2.LotKey(sku=s, lot_number=n),
                status=enum_value(pb.QualityStatus, of_lots[(s, n)]),
            )
            for s, n in lots
        ]
        return pb.BatchGetQualityStatusResponse(statuses=result)

    def BatchGetInspections(
        self, request: pb.BatchGetInspectionsRequest, context: Any
    ) -> pb.BatchGetInspectionsResponse:
        units, lots = _units(request.units), _lots(request.lots)
        usecases.check_batch(len(units) + len(lots))
        with self.database.reader() as session:
            rows = store.inspections_of(session, "UNIT", units) + store.inspections_of(
                session, "LOT", lots
            )
            return pb.BatchGetInspectionsResponse(inspections=[inspection_message(r) for r in rows])

    def BatchGetHolds(
        self, request: pb.BatchGetHoldsRequest, context: Any
    ) -> pb.BatchGetHoldsResponse:
        usecases.check_batch(len(request.ids))
        with self.database.reader() as session:
            rows = store.holds(session, request.ids)
            subjects = store.hold_subjects(session, [h.id for h in rows])
            return pb.BatchGetHoldsResponse(
                holds=[hold_message(h, subjects.get(h.id, [])) for h in rows]
            )


def grpc_services(
    database: Database, masterdata: Masterdata, production: Production, warehouse: Warehouse
) -> list[GrpcService]:
    servicer = QualityServicer(database, masterdata, production, warehouse)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["QualityService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_QualityServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
