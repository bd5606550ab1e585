"""The quality gRPC servicer: one table of RPCs, each mapped proto ⇄ use case.

Who may call each RPC is declared in quality.proto; `serialtrace.common.rpc` serves the
table (idempotency, audit and transaction for writes, a read session and the batch
bound for reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import keys, ledger_api, rpc
from serialtrace.common.db import Database
from serialtrace.common.ledger import canonical_json
from serialtrace.common.protomap import copied, copy_signature, enum_str, enum_value, present
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import key_after, key_page_token, page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.quality import domain, store, usecases
from serialtrace.quality.config import SERVICE_NAME
from serialtrace.quality.peers import Masterdata, Production, Warehouse
from serialtrace.quality.v1 import quality_pb2 as pb
from serialtrace.quality.v1 import quality_pb2_grpc as pb_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["QualityService"]
SUBJECTS = ("units", "lots")  # the batch reads bound units and lots together


@dataclass(eq=False)
class QualityServicer(rpc.Servicer, pb_grpc.QualityServiceServicer):
    masterdata: Masterdata
    production: Production
    warehouse: Warehouse


S = QualityServicer

# --- proto messages of quality's rows -----------------------------------------------------


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


def _subject_keys(subjects: Sequence[Any]) -> dict[str, Any]:
    """The units and lots a hold or nonconformance names, as its message's fields."""
    return {
        "units": [keys.unit_message((s.sku, s.key)) for s in subjects if s.subject_kind == "UNIT"],
        "lots": [keys.lot_message((s.sku, s.key)) for s in subjects if s.subject_kind == "LOT"],
    }


def ncr_message(
    row: store.NonconformanceRow, subjects: list[store.NonconformanceSubjectRow]
) -> pb.Nonconformance:
    message = pb.Nonconformance(
        id=row.id,
        description=row.description,
        disposition=enum_value(pb.Disposition, row.disposition or ""),
        opened_by=row.opened_by,
        opened_at=to_timestamp(row.opened_at),
        **_subject_keys(subjects),
    )
    copy_signature(message.closure, row.closed_by, row.closed_at, row.closure_meaning)
    return message


def hold_message(hold: usecases.Hold) -> pb.Hold:
    row, subjects = hold.row, hold.subjects
    message = pb.Hold(
        **copied(row, "id", "reason", "placed_by", "active", "unit_count"),
        placed_at=to_timestamp(row.placed_at),
        **_subject_keys(subjects),
    )
    copy_signature(message.release, row.released_by, row.released_at, row.release_meaning)
    return message


def recall_message(recall: usecases.Recall) -> pb.Recall:
    row, counts = recall.row, recall.counts
    return pb.Recall(
        **copied(row, "id", "reason", "created_by", "scope_computed_in_ms"),
        status=enum_value(pb.RecallStatus, row.status),
        created_at=to_timestamp(row.created_at),
        hold_id=row.hold_id or "",
        counts=[
            pb.RecallCount(state=enum_value(pb.RecallUnitState, state), count=n)
            for state, n in sorted(counts.items())
        ],
    )


def item_message(row: store.RecallItemRow) -> pb.RecallItem:
    return pb.RecallItem(
        recall_id=row.recall_id,
        unit=keys.unit_message((row.sku, row.serial)),
        state=enum_value(pb.RecallUnitState, row.state),
        location_code=row.location_code or "",
        customer_code=row.customer_code or "",
        shipment_id=row.shipment_id or "",
    )


# --- inspections and nonconformances ------------------------------------------------------


def record_inspection(
    s: S, uow: UnitOfWork, r: pb.RecordInspectionRequest
) -> pb.RecordInspectionResponse:
    row = usecases.record_inspection(
        uow,
        enum_str(pb.InspectionKind, r.kind),
        keys.unit_key(r.unit) if present(r, "unit") else None,
        keys.lot_key(r.lot) if present(r, "lot") else None,
        enum_str(core_pb2.Result, r.result),
        r.measurements_json,
    )
    return pb.RecordInspectionResponse(inspection=inspection_message(row))


def open_nonconformance(
    s: S, uow: UnitOfWork, r: pb.OpenNonconformanceRequest
) -> pb.OpenNonconformanceResponse:
    row = usecases.open_nonconformance(
        uow,
        keys.unit_keys(r.units),
        keys.lot_keys(r.lots),
        r.description,
        enum_str(pb.Disposition, r.disposition),
    )
    subjects = store.ncr_subjects(uow.session, row.id)
    return pb.OpenNonconformanceResponse(nonconformance=ncr_message(row, subjects))


def close_nonconformance(
    s: S, uow: UnitOfWork, r: pb.CloseNonconformanceRequest
) -> pb.CloseNonconformanceResponse:
    row = usecases.close_nonconformance(
        uow, r.id, r.meaning, enum_str(pb.Disposition, r.disposition)
    )
    subjects = store.ncr_subjects(uow.session, row.id)
    return pb.CloseNonconformanceResponse(nonconformance=ncr_message(row, subjects))


def batch_get_quality_status(
    s: S, session: Session, r: pb.BatchGetQualityStatusRequest
) -> pb.BatchGetQualityStatusResponse:
    units, lots = keys.unit_keys(r.units), keys.lot_keys(r.lots)
    statuses = usecases.statuses(session, units, lots)
    return pb.BatchGetQualityStatusResponse(statuses=status_messages(units, lots, *statuses))


def status_messages(
    units: list[keys.UnitKey],
    lots: list[keys.LotKey],
    of_units: dict[keys.UnitKey, Any],
    of_lots: dict[keys.LotKey, Any],
) -> list[pb.SubjectQualityStatus]:
    found = [
        pb.SubjectQualityStatus(
            unit=keys.unit_message(u), status=enum_value(pb.QualityStatus, of_units[u])
        )
        for u in units
    ]
    found += [
        pb.SubjectQualityStatus(
            lot=keys.lot_message(lot), status=enum_value(pb.QualityStatus, of_lots[lot])
        )
        for lot in lots
    ]
    return found


# --- holds ----------------------------------------------------------------------------------


def place_hold(s: S, uow: UnitOfWork, r: pb.PlaceHoldRequest) -> pb.PlaceHoldResponse:
    row = usecases.place_hold(
        uow, s.masterdata, s.production, r.reason, keys.unit_keys(r.units), keys.lot_keys(r.lots)
    )
    [hold] = usecases.with_subjects(uow.session, [row])
    return pb.PlaceHoldResponse(hold=hold_message(hold))


def release_hold(s: S, uow: UnitOfWork, r: pb.ReleaseHoldRequest) -> pb.ReleaseHoldResponse:
    row = usecases.release_hold(uow, r.id, r.meaning)
    [hold] = usecases.with_subjects(uow.session, [row])
    return pb.ReleaseHoldResponse(hold=hold_message(hold))


def batch_check_holds(
    s: S, session: Session, r: pb.BatchCheckHoldsRequest
) -> pb.BatchCheckHoldsResponse:
    units, lots = keys.unit_keys(r.units), keys.lot_keys(r.lots)
    held = usecases.active_holds(session, units, lots)
    return pb.BatchCheckHoldsResponse(checks=hold_checks(units, lots, held))


def hold_checks(
    units: list[keys.UnitKey], lots: list[keys.LotKey], held: usecases.HoldChecks
) -> list[pb.HoldCheck]:
    checks = [
        pb.HoldCheck(
            unit=keys.unit_message(u), held=u in held.units, hold_ids=sorted(held.units.get(u, []))
        )
        for u in units
    ]
    checks += [
        pb.HoldCheck(
            lot=keys.lot_message(lot),
            held=lot in held.lots,
            hold_ids=sorted(held.lots.get(lot, [])),
        )
        for lot in lots
    ]
    return checks


def batch_get_holds(s: S, session: Session, r: pb.BatchGetHoldsRequest) -> pb.BatchGetHoldsResponse:
    return pb.BatchGetHoldsResponse(
        holds=[hold_message(h) for h in usecases.holds(session, list(r.ids))]
    )


# --- recalls --------------------------------------------------------------------------------


def create_recall(s: S, uow: UnitOfWork, r: pb.CreateRecallRequest) -> pb.CreateRecallResponse:
    recall = usecases.create_recall(
        uow,
        s.production,
        s.warehouse,
        r.reason,
        keys.unit_keys(r.units),
        keys.lot_keys(r.lots),
        r.hold_stock,
    )
    return pb.CreateRecallResponse(recall=recall_message(recall))


def update_recall_item(
    s: S, uow: UnitOfWork, r: pb.UpdateRecallItemRequest
) -> pb.UpdateRecallItemResponse:
    item, row = usecases.update_recall_item(
        uow, r.recall_id, keys.unit_key(r.unit), enum_str(pb.RecallUnitState, r.state)
    )
    [recall] = usecases.with_counts(uow.session, [row])
    return pb.UpdateRecallItemResponse(item=item_message(item), recall=recall_message(recall))


def batch_get_unit_recalls(
    s: S, session: Session, r: pb.BatchGetUnitRecallsRequest
) -> pb.BatchGetUnitRecallsResponse:
    found = usecases.unit_recalls(session, keys.unit_keys(r.units))
    return pb.BatchGetUnitRecallsResponse(
        units=[pb.UnitRecalls(unit=keys.unit_message(u), recall_ids=ids) for u, ids in found]
    )


def get_trace_facts(s: S, session: Session, r: pb.GetTraceFactsRequest) -> pb.GetTraceFactsResponse:
    reply = pb.GetTraceFactsResponse()
    units, lots = keys.unit_keys(r.units), keys.lot_keys(r.lots)
    # The active holds read once: for the statuses and for the hold checks.
    held = usecases.active_holds(session, units, lots) if r.statuses or r.holds else None
    if held is not None and r.statuses:
        statuses = usecases.statuses_of(session, units, lots, held)
        reply.statuses.extend(status_messages(units, lots, *statuses))
    if r.inspections:
        rows = usecases.inspections(session, units, lots)
        reply.inspections.extend(inspection_message(x) for x in rows)
    hold_ids = {*r.hold_ids}
    if held is not None and r.holds:
        checks = hold_checks(units, lots, held)
        reply.hold_checks.extend(checks)
        hold_ids |= {i for c in checks for i in c.hold_ids}
    if hold_ids:
        reply.holds.extend(hold_message(h) for h in usecases.holds(session, sorted(hold_ids)))
    recall_ids = {*r.recall_ids}
    if r.recalls:
        of_units = batch_get_unit_recalls(s, session, pb.BatchGetUnitRecallsRequest(units=r.units))
        reply.unit_recalls.extend(of_units.units)
        recall_ids |= {i for u in of_units.units for i in u.recall_ids}
    if recall_ids:
        reply.recalls.extend(
            recall_message(x) for x in usecases.recalls(session, sorted(recall_ids))
        )
    if r.audit_entries:
        reply.audit_entries.extend(ledger_api.unit_entries(SERVICE_NAME, session, units))
    return reply


def list_recall_items(
    s: S, session: Session, r: pb.ListRecallItemsRequest
) -> pb.ListRecallItemsResponse:
    size, after = page_size(r.page_size), key_after(r.page_token)
    state = enum_str(pb.RecallUnitState, r.state) or None
    page = usecases.recall_items(session, r.recall_id, state, size, after)
    last = page.items[-1] if page.items else None
    return pb.ListRecallItemsResponse(
        items=[item_message(x) for x in page.items],
        total_count=page.total,
        next_page_token=key_page_token((last.sku, last.serial)) if page.more and last else "",
    )


RPCS: dict[str, rpc.Rpc] = {
    "RecordInspection": rpc.write(record_inspection),
    "OpenNonconformance": rpc.write(open_nonconformance),
    "CloseNonconformance": rpc.write(close_nonconformance),
    "PlaceHold": rpc.write(place_hold),
    "ReleaseHold": rpc.write(release_hold),
    "CreateRecall": rpc.write(create_recall),
    "UpdateRecallItem": rpc.write(update_recall_item),
    "BatchCheckHolds": rpc.read(batch_check_holds, SUBJECTS, domain.MAX_SUBJECTS, "keys"),
    "BatchGetQualityStatus": rpc.read(
        batch_get_quality_status, SUBJECTS, domain.MAX_SUBJECTS, "keys"
    ),
    "BatchGetInspections": rpc.lookup(
        usecases.inspections,
        SUBJECTS,
        inspection_message,
        most=domain.MAX_SUBJECTS,
        what="keys",
    ),
    "BatchGetHolds": rpc.read(batch_get_holds, "ids", domain.MAX_SUBJECTS, "keys"),
    "BatchGetRecalls": rpc.lookup(
        usecases.recalls, "ids", recall_message, most=domain.MAX_SUBJECTS, what="keys"
    ),
    "BatchGetUnitRecalls": rpc.read(batch_get_unit_recalls, "units", domain.MAX_SUBJECTS, "keys"),
    "ListRecallItems": rpc.read(list_recall_items),
    "GetTraceFacts": rpc.read(
        get_trace_facts, ("units", "lots", "hold_ids", "recall_ids"), domain.MAX_SUBJECTS, "keys"
    ),
}
# Who may call each RPC, as its .proto declares it (the auth interceptor checks it).
METHOD_ROLES = rpc.implement(QualityServicer, SERVICE, RPCS)


def grpc_services(
    database: Database, masterdata: Masterdata, production: Production, warehouse: Warehouse
) -> list[GrpcService]:
    servicer = QualityServicer(database, masterdata, production, warehouse)
    return [rpc.grpc_service(SERVICE, pb_grpc, servicer)]
