"""Production use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from serialtrace.common.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.ledger import unit_entity
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.production import domain, store
from serialtrace.production.domain import BuildStatus, WorkOrderStatus
from serialtrace.production.masterdata_client import Masterdata


def set_route(
    uow: UnitOfWork, masterdata: Masterdata, sku: str, operations: Sequence[str]
) -> store.RouteRow:
    ops = domain.check_route(operations)
    if masterdata.product(sku) is None:
        raise NotFound(f"no product with SKU {sku!r} in masterdata")
    row = uow.session.get(store.RouteRow, sku)
    if row is None:
        row = store.RouteRow(sku=sku)
        uow.session.add(row)
    row.operations, row.updated_at, row.updated_by = ops, utcnow(), uow.actor
    uow.record("route.set", "route", sku, {"sku": sku, "operations": ops})
    return row


def create_work_order(
    uow: UnitOfWork, masterdata: Masterdata, sku: str, quantity: int, bom_revision: str, line: str
) -> store.WorkOrderRow:
    domain.check_quantity(quantity)
    if line:
        domain.check_code(line, "line")
    product = masterdata.product(sku)
    if product is None:
        raise NotFound(f"no product with SKU {sku!r} in masterdata")
    if not product.serial_tracked:
        raise FailedPrecondition(f"{sku} is not serial-tracked; work orders build serialized units")
    bom = masterdata.bom_revision(sku, bom_revision)
    if bom is None:
        raise NotFound(f"no BOM revision {bom_revision!r} of {sku} in masterdata")
    if not bom.approved:
        raise FailedPrecondition(
            f"BOM revision {bom_revision} of {sku} is not approved; a quality user must approve it"
        )
    row = store.WorkOrderRow(
        id=f"WO-{uuid.uuid4().hex[:12].upper()}",
        sku=sku,
        quantity=quantity,
        bom_revision=bom_revision,
        line=line or None,
        status=WorkOrderStatus.RELEASED.value,
        commissioned_count=0,
        created_at=utcnow(),
        created_by=uow.actor,
    )
    uow.session.add(row)
    uow.record(
        "work_order.created",
        "work_order",
        row.id,
        {
            "id": row.id,
            "sku": sku,
            "quantity": quantity,
            "bom_revision": bom_revision,
            "line": line or None,
        },
    )
    return row


@dataclass(frozen=True)
class Commission:
    work_order_id: str
    serials: Sequence[str]
    count: int
    attributes_json: str
    idempotency_key: str


def commission_units(uow: UnitOfWork, masterdata: Masterdata, order: Commission) -> list[str]:
    """Registers the units in masterdata (validated there), then records them here."""
    if bool(order.serials) == bool(order.count):
        raise InvalidArgument("give either the serials to commission or a count")
    wo = store.work_order(uow.session, order.work_order_id, for_update=True)
    if wo is None:
        raise NotFound(f"no work order {order.work_order_id!r}")
    if wo.status == WorkOrderStatus.COMPLETED:
        raise FailedPrecondition(f"work order {wo.id} is completed")
    requested = len(order.serials) or order.count
    domain.check_commission_size(wo.id, wo.quantity - wo.commissioned_count, requested)
    # A derived key makes masterdata replay its answer when this commission is retried.
    key = f"production:{order.idempotency_key or uuid.uuid4().hex}"
    serials = masterdata.register_units(
        wo.sku, order.serials, order.count, order.attributes_json, key
    )
    known = store.unit_keys_of(uow.session, [(wo.sku, s) for s in serials])
    if known:
        raise Conflict(f"units already commissioned: {', '.join(s for _, s in sorted(known)[:10])}")
    now = utcnow()
    store.insert_units(
        uow.session,
        [
            {
                "sku": wo.sku,
                "serial": s,
                "work_order_id": wo.id,
                "status": BuildStatus.COMMISSIONED.value,
                "created_at": now,
            }
            for s in serials
        ],
    )
    wo.commissioned_count += len(serials)
    wo.status = WorkOrderStatus.IN_PROGRESS.value
    for serial in serials:
        uow.record(
            "unit.commissioned",
            "unit",
            unit_entity(wo.sku, serial),
            {"sku": wo.sku, "serial": serial, "work_order_id": wo.id},
        )
    return serials


def _unit_or_raise(uow: UnitOfWork, sku: str, serial: str) -> store.UnitRow:
    rows = store.units_by_keys(uow.session, [(sku, serial)], for_update=True)
    if not rows:
        raise NotFound(f"unit {sku}/{serial} was not commissioned by production")
    return rows[0]


@dataclass(frozen=True)
class OperationInput:
    sku: str
    serial: str
    operation: str
    station: str
    result: str
    measurements_json: str
    started_at: datetime | None
    finished_at: datetime | None


def record_operation(
    uow: UnitOfWork, op: OperationInput
) -> tuple[store.OperationRow, store.UnitRow]:
    domain.check_code(op.operation, "operation code")
    domain.check_code(op.station, "station")
    result = domain.parse_enum(domain.Result, op.result, "result")
    measurements = domain.parse_measurements(op.measurements_json)
    finished = op.finished_at or utcnow()
    domain.check_times(op.started_at, finished)
    unit = _unit_or_raise(uow, op.sku, op.serial)
    new_status = domain.status_after_operation(unit.status)
    row = store.OperationRow(
        id=f"OP-{uuid.uuid4().hex[:16].upper()}",
        unit_id=unit.id,
        operation=op.operation,
        station=op.station,
        operator=uow.actor,
        started_at=op.started_at,
        finished_at=finished,
        result=result.value,
        measurements=measurements,
    )
    uow.session.add(row)
    if new_status.value != unit.status:
        uow.record(
            "unit.status_changed",
            "unit",
            unit_entity(unit.sku, unit.serial),
            {"from": unit.status, "to": new_status.value, "cause": row.id},
        )
        unit.status = new_status.value
    uow.record(
        "operation.recorded",
        "unit",
        unit_entity(unit.sku, unit.serial),
        {
            "id": row.id,
            "operation": op.operation,
            "station": op.station,
            "result": result.value,
            "measurements": measurements,
            "started_at": op.started_at,
            "finished_at": finished,
        },
    )
    return row, unit


def approve_operation(
    uow: UnitOfWork, record_id: str, meaning: str
) -> tuple[store.OperationRow, store.UnitRow]:
    meaning = domain.check_meaning(meaning)
    row = uow.session.get(store.OperationRow, record_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no operation record {record_id!r}")
    if row.approved_by:
        raise FailedPrecondition(
            f"operation record {record_id} was already approved by {row.approved_by}"
        )
    row.approved_by, row.approved_at, row.approval_meaning = uow.actor, utcnow(), meaning
    unit = store.units_by_ids(uow.session, [row.unit_id])[row.unit_id]
    uow.record(
        "operation.approved",
        "unit",
        unit_entity(unit.sku, unit.serial),
        {"id": row.id, "operation": row.operation, "by": uow.actor, "meaning": meaning},
    )
    return row, unit
