"""Production use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from serialtrace.common.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)
from serialtrace.common.ledger import unit_entity
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import parse_enum
from serialtrace.production import domain, store
from serialtrace.production.domain import BuildStatus, WorkOrderStatus
from serialtrace.production.masterdata_client import Masterdata
from serialtrace.production.peers import Quality, Warehouse


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
    now = utcnow()
    inserted = store.insert_new_units(
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
    if len(inserted) != len(serials):  # raising rolls the whole commission back
        known = sorted(set(serials) - inserted)
        raise Conflict(f"units already commissioned: {', '.join(known[:10])}")
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
    return _record(uow, op, lambda: _unit_or_raise(uow, op.sku, op.serial))


MAX_OPERATIONS_PER_BATCH = 1_000  # checked by the servicer before any key is looked up


def record_operations(
    uow: UnitOfWork, ops: Sequence[OperationInput]
) -> list[tuple[store.OperationRow, store.UnitRow] | ServiceError]:
    """Each record on its own (a bad one is reported and writes nothing), with every
    unit read and locked in one query instead of one per record."""
    units = {
        (u.sku, u.serial): u
        for u in store.units_by_keys(
            uow.session, sorted({(op.sku, op.serial) for op in ops}), for_update=True
        )
    }

    def unit_of(op: OperationInput) -> store.UnitRow:
        unit = units.get((op.sku, op.serial))
        if unit is None:
            raise NotFound(f"unit {op.sku}/{op.serial} was not commissioned by production")
        return unit

    outcomes: list[tuple[store.OperationRow, store.UnitRow] | ServiceError] = []
    for op in ops:
        try:
            outcomes.append(_record(uow, op, partial(unit_of, op)))
        except ServiceError as error:
            outcomes.append(error)
    return outcomes


def _record(
    uow: UnitOfWork, op: OperationInput, find_unit: Callable[[], store.UnitRow]
) -> tuple[store.OperationRow, store.UnitRow]:
    """Checks everything first and writes only then, so a failure writes nothing."""
    domain.check_code(op.operation, "operation code")
    domain.check_code(op.station, "station")
    result = parse_enum(domain.Result, op.result, "result")
    measurements = domain.parse_measurements(op.measurements_json)
    finished = op.finished_at or utcnow()
    domain.check_times(op.started_at, finished)
    unit = find_unit()
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


@dataclass(frozen=True)
class Installation:
    parent: tuple[str, str]
    component_unit: tuple[str, str] | None
    component_lot: tuple[str, str] | None
    quantity: float
    operation: str
    idempotency_key: str


@dataclass(frozen=True)
class Component:
    """One component of a kit: a unit, or a quantity of a lot."""

    unit: tuple[str, str] | None
    lot: tuple[str, str] | None
    quantity: float


@dataclass(frozen=True)
class Kit:
    """Components installed in one parent in one transaction, all or none."""

    parent: tuple[str, str]
    components: Sequence[Component]
    operation: str
    idempotency_key: str


MAX_KIT = 1_000


def _open_parent(uow: UnitOfWork, sku: str, serial: str) -> store.UnitRow:
    unit = _unit_or_raise(uow, sku, serial)
    if unit.status in (BuildStatus.COMPLETE, BuildStatus.SCRAPPED):
        raise FailedPrecondition(f"unit {sku}/{serial} is {unit.status}; its build is closed")
    return unit


def _bom_of(
    uow: UnitOfWork, masterdata: Masterdata, unit: store.UnitRow
) -> tuple[str, dict[str, float]]:
    wo = store.work_order(uow.session, unit.work_order_id)
    assert wo is not None  # units reference their work order by foreign key
    bom = masterdata.bom_revision(wo.sku, wo.bom_revision)
    if bom is None:
        raise FailedPrecondition(f"BOM revision {wo.bom_revision} of {wo.sku} no longer exists")
    return wo.bom_revision, bom.items


def install_component(
    uow: UnitOfWork,
    masterdata: Masterdata,
    quality: Quality,
    warehouse: Warehouse,
    order: Installation,
) -> store.EdgeRow:
    """One component: a kit of one (SPEC §3.3-4)."""
    component = Component(order.component_unit, order.component_lot, order.quantity)
    kit = Kit(order.parent, [component], order.operation, order.idempotency_key)
    return install_kit(uow, masterdata, quality, warehouse, kit)[0]


def install_kit(
    uow: UnitOfWork,
    masterdata: Masterdata,
    quality: Quality,
    warehouse: Warehouse,
    kit: Kit,
) -> list[store.EdgeRow]:
    """Local checks first, then the owners of holds and stock (one call each for the
    whole kit), then the edges (SPEC §3.3-4)."""
    if not kit.components:
        raise InvalidArgument("give at least one component to install")
    if len(kit.components) > MAX_KIT:
        raise InvalidArgument(f"at most {MAX_KIT} components per call, got {len(kit.components)}")
    if kit.operation:
        domain.check_code(kit.operation, "operation code")
    many = len(kit.components) > 1

    def which(n: int) -> str:
        return f"component {n + 1}: " if many else ""

    for n, c in enumerate(kit.components):
        if (c.unit is None) == (c.lot is None):
            raise InvalidArgument(
                f"{which(n)}give exactly one component: a unit or a lot with a quantity"
            )
        if c.lot is not None:
            try:
                domain.check_lot_quantity(c.quantity)
            except InvalidArgument as exc:
                raise InvalidArgument(f"{which(n)}{exc.message}") from None
    units = [c.unit for c in kit.components if c.unit is not None]
    lots = [c.lot for c in kit.components if c.lot is not None]
    if len(set(units)) < len(units):
        raise FailedPrecondition("a unit can be installed only once; it is listed twice")
    if kit.parent in units:
        raise FailedPrecondition("a unit cannot be installed in itself")

    parent = _open_parent(uow, *kit.parent)
    revision, items = _bom_of(uow, masterdata, parent)
    for key in [*units, *lots]:
        domain.check_in_bom(key[0], parent.sku, revision, items)
    missing_units = set(units) - masterdata.units_exist(units) if units else set()
    if missing_units:
        c_sku, c_key = sorted(missing_units)[0]
        raise NotFound(f"no unit {c_sku}/{c_key} in masterdata")
    missing_lots = set(lots) - masterdata.lots_exist(lots) if lots else set()
    if missing_lots:
        c_sku, c_key = sorted(missing_lots)[0]
        raise NotFound(f"no lot {c_sku}/{c_key} in masterdata")

    parent_node = store.ensure_node(uow.session, "UNIT", parent.sku, parent.serial)
    nodes = []
    for c in kit.components:
        kind, (c_sku, c_key) = ("UNIT", c.unit) if c.unit else ("LOT", c.lot)  # type: ignore[misc]
        # Only a unit's node is locked: it can be in one parent at a time. Lots go into
        # many parents at once, and high-runner lots would otherwise serialize installs.
        node = store.ensure_node(uow.session, kind, c_sku, c_key, lock=kind == "UNIT")
        if kind == "UNIT":
            _check_unit_installable(uow, node, parent_node)
        nodes.append(node)

    held = quality.holds_on(units, lots)
    if held:
        raise FailedPrecondition(f"cannot install held material: {'; '.join(held)}")
    reference = f"{parent.sku}/{parent.serial}"
    issue_key = f"production:{kit.idempotency_key or uuid.uuid4().hex}"
    built_here = {(u.sku, u.serial) for u in store.units_by_keys(uow.session, units)}
    # Purchased units come from warehouse stock; subassemblies built here do not.
    issues = [c for c in kit.components if c.lot is not None or c.unit not in built_here]
    if issues:
        warehouse.issue([(c.unit, c.lot, c.quantity) for c in issues], reference, issue_key)

    now = utcnow()
    edges = []
    for c, node in zip(kit.components, nodes, strict=True):
        quantity = c.quantity if c.lot is not None else 1.0
        edge = store.add_edge(
            uow.session,
            f"GE-{uuid.uuid4().hex[:16].upper()}",
            parent_node,
            node,
            quantity,
            kit.operation or None,
            uow.actor,
            now,
        )
        payload = {
            "edge": edge.id,
            "parent": reference,
            "component_kind": node.kind,
            "component": f"{node.sku}/{node.key}",
            "quantity": quantity,
            "operation": kit.operation or None,
        }
        uow.record("component.installed", "unit", unit_entity(parent.sku, parent.serial), payload)
        uow.record("installed_into", node.kind.lower(), f"{node.sku}:{node.key}", payload)
        edges.append(edge)
    return edges


def _check_unit_installable(
    uow: UnitOfWork, component: store.NodeRow, parent: store.NodeRow
) -> None:
    """In no other parent, and not containing the parent (that would make a cycle)."""
    if component.installed_in_id is not None:
        holder = store.nodes_by_ids(uow.session, [component.installed_in_id])
        owner = holder[component.installed_in_id]
        raise FailedPrecondition(
            f"unit {component.sku}/{component.key} is already installed in "
            f"{owner.sku}/{owner.key}; remove it there first"
        )
    if store.contains(uow.session, component.id, parent.id):
        raise FailedPrecondition(
            f"{component.sku}/{component.key} contains {parent.sku}/{parent.key}; "
            "installing it would make a cycle"
        )


def remove_component(
    uow: UnitOfWork,
    parent: tuple[str, str],
    component_unit: tuple[str, str] | None,
    component_lot: tuple[str, str] | None,
    reason: str,
) -> store.EdgeRow:
    if (component_unit is None) == (component_lot is None):
        raise InvalidArgument("give exactly one component to remove: a unit or a lot")
    reason = domain.check_reason(reason)
    _open_parent(uow, *parent)
    kind, (c_sku, c_key) = ("UNIT", component_unit) if component_unit else ("LOT", component_lot)  # type: ignore[misc]
    ids = store.node_ids(uow.session, "UNIT", [parent])
    components = store.node_ids(uow.session, kind, [(c_sku, c_key)])
    edge = None
    if parent in ids and (c_sku, c_key) in components:
        edge = store.current_edge(uow.session, ids[parent], components[(c_sku, c_key)])
    if edge is None:
        raise NotFound(f"{c_sku}/{c_key} is not installed in {parent[0]}/{parent[1]}")
    component = store.nodes_by_ids(uow.session, [edge.component_id])[edge.component_id]
    store.remove_edge(uow.session, edge, component, uow.actor, reason, utcnow())
    payload = {
        "edge": edge.id,
        "parent": f"{parent[0]}/{parent[1]}",
        "component": f"{c_sku}/{c_key}",
        "reason": reason,
    }
    uow.record("component.removed", "unit", unit_entity(*parent), payload)
    uow.record("removed_from", kind.lower(), f"{c_sku}:{c_key}", payload)
    return edge


def complete_unit(uow: UnitOfWork, masterdata: Masterdata, sku: str, serial: str) -> store.UnitRow:
    """COMPLETE once every route operation has passed and the BOM is satisfied."""
    unit = _open_parent(uow, sku, serial)
    route = uow.session.get(store.RouteRow, sku)
    missing_ops = domain.missing_operations(
        route.operations if route else [], store.passed_operations(uow.session, unit.id)
    )
    revision, items = _bom_of(uow, masterdata, unit)
    installed: dict[str, float] = {}
    node = store.node_ids(uow.session, "UNIT", [(sku, serial)]).get((sku, serial))
    if node is not None:
        edges = store.edges_of_parents(uow.session, [node], include_removed=False)
        components = store.nodes_by_ids(uow.session, [e.component_id for e in edges])
        for e in edges:
            c_sku = components[e.component_id].sku
            installed[c_sku] = installed.get(c_sku, 0) + e.quantity
    shortfalls = domain.bom_shortfalls(items, installed)
    if missing_ops or shortfalls:
        problems = (
            [f"no passing record for operation(s) {', '.join(missing_ops)}"] if missing_ops else []
        )
        if shortfalls:
            problems.append(f"BOM revision {revision} not satisfied ({'; '.join(shortfalls)})")
        raise FailedPrecondition(
            f"unit {sku}/{serial} cannot be completed: {' and '.join(problems)}"
        )
    unit.status, unit.completed_at = BuildStatus.COMPLETE.value, utcnow()
    uow.record("unit.completed", "unit", unit_entity(sku, serial), {"sku": sku, "serial": serial})
    return unit
