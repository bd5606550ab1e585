"""Production use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import validation
from serialtrace.common.db import Page
from serialtrace.common.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import unit_entity
from serialtrace.common.models import created_now
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import Result, parse_enum, parse_measurements
from serialtrace.production import domain, store
from serialtrace.production.config import ProductionOptions
from serialtrace.production.peers import HoldCheck, HoldsOfBatch, Masterdata, Quality, Warehouse
from serialtrace.production.v1.production_enums import BuildStatus, WorkOrderStatus


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


@dataclass(frozen=True)
class NewWorkOrder:
    sku: str
    quantity: int
    bom_revision: str
    line: str
    output_location_code: str


def output_location(
    masterdata: Masterdata, options: ProductionOptions, given: str, line: str
) -> str:
    """Where a work order's completed units enter stock (domain.choose_output_location),
    checked against masterdata."""
    warehouse = None
    if not given and line:
        warehouse = domain.nearest_warehouse(masterdata.ancestry(line))
    code = domain.choose_output_location(given, line, warehouse, options.finished_goods_location)
    if code != warehouse:  # a warehouse found above the line is known to exist
        named_by = "outputLocationCode" if given else "WAREHOUSE_FINISHED_GOODS_LOCATION"
        domain.check_output_location(code, masterdata.location(code), named_by)
    return code


def create_work_order(
    uow: UnitOfWork, masterdata: Masterdata, options: ProductionOptions, order: NewWorkOrder
) -> store.WorkOrderRow:
    sku, quantity, bom_revision, line = order.sku, order.quantity, order.bom_revision, order.line
    domain.check_quantity(quantity)
    if line:
        validation.check_code(line, "line")
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
    output = output_location(masterdata, options, order.output_location_code, line)
    row = store.WorkOrderRow(
        id=f"WO-{uuid.uuid4().hex[:12].upper()}",
        sku=sku,
        quantity=quantity,
        bom_revision=bom_revision,
        line=line or None,
        output_location_code=output,
        status=WorkOrderStatus.RELEASED.value,
        commissioned_count=0,
        **created_now(uow.actor),
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
            "output_location_code": output,
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
    # Read once: an attribute of the ORM object costs a descriptor call, 5,000 times a loop.
    sku, order_id, status = wo.sku, wo.id, BuildStatus.COMMISSIONED.value
    inserted = store.insert_new_units(
        uow.session,
        [
            {
                "sku": sku,
                "serial": s,
                "work_order_id": order_id,
                "status": status,
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
        payload = {"sku": sku, "serial": serial, "work_order_id": order_id}
        uow.record("unit.commissioned", "unit", unit_entity(sku, serial), payload)
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


Recorded = tuple[store.NewOperation, store.UnitState]


def record_operation(uow: UnitOfWork, op: OperationInput) -> Recorded:
    outcome = record_operations(uow, [op])[0]
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


MAX_OPERATIONS_PER_BATCH = 1_000  # checked by the servicer before any key is looked up


def record_operations(
    uow: UnitOfWork, ops: Sequence[OperationInput]
) -> list[Recorded | ServiceError]:
    """Each record on its own (a bad one is reported and writes nothing), with every
    unit read and locked in one query, every status change in one UPDATE, and the
    records inserted with the ledger's entries at commit: the hot path of a busy line,
    so plain statements, no ORM flush."""
    units = {
        (u.sku, u.serial): u
        for u in store.lock_unit_states(uow.session, sorted({(op.sku, op.serial) for op in ops}))
    }
    statuses: dict[int, str] = {}
    outcomes: list[Recorded | ServiceError] = []
    for op in ops:
        try:
            outcomes.append(_record(uow, op, units, statuses))
        except ServiceError as error:
            outcomes.append(error)
    store.set_statuses(uow.session, statuses, uow.execute_at_commit)
    return outcomes


def _record(
    uow: UnitOfWork,
    op: OperationInput,
    units: dict[tuple[str, str], store.UnitState],
    statuses: dict[int, str],
) -> Recorded:
    """Checks everything first and writes only then, so a failure writes nothing."""
    validation.check_code(op.operation, "operation code")
    validation.check_code(op.station, "station")
    result = parse_enum(Result, op.result, "result")
    measurements = parse_measurements(op.measurements_json)
    finished = op.finished_at or utcnow()
    domain.check_times(op.started_at, finished)
    unit = units.get((op.sku, op.serial))
    if unit is None:
        raise NotFound(f"unit {op.sku}/{op.serial} was not commissioned by production")
    new_status = domain.status_after_operation(unit.status)
    fields: dict[str, Any] = {
        "id": f"OP-{uuid.uuid4().hex[:16].upper()}",
        "unit_id": unit.id,
        "operation": op.operation,
        "station": op.station,
        "operator": uow.actor,
        "started_at": op.started_at,
        "finished_at": finished,
        "result": result.value,
        "measurements": measurements,
    }
    uow.insert_at_commit(store.OPERATIONS, fields)
    row = store.NewOperation(**fields)  # the answer's
    if new_status.value != unit.status:
        uow.record(
            "unit.status_changed",
            "unit",
            unit_entity(unit.sku, unit.serial),
            {"from": unit.status, "to": new_status.value, "cause": row.id},
        )
        unit.status = statuses[unit.id] = new_status.value
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
MAX_KITS_PER_BATCH = 100  # checked by the servicer before any key is looked up


def _open_parent(uow: UnitOfWork, sku: str, serial: str) -> store.UnitRow:
    unit = _unit_or_raise(uow, sku, serial)
    _check_open(unit)
    return unit


def _check_open(unit: store.UnitRow) -> None:
    if unit.status in (BuildStatus.COMPLETE, BuildStatus.SCRAPPED):
        raise FailedPrecondition(
            f"unit {unit.sku}/{unit.serial} is {unit.status}; its build is closed"
        )


def _bom_of(
    uow: UnitOfWork, masterdata: Masterdata, unit: store.UnitRow
) -> tuple[str, dict[str, float]]:
    wo = store.work_order(uow.session, unit.work_order_id)
    assert wo is not None  # units reference their work order by foreign key
    return _bom_revision(masterdata, wo)


def _bom_revision(masterdata: Masterdata, wo: store.WorkOrderRow) -> tuple[str, dict[str, float]]:
    bom = masterdata.bom_revision(wo.sku, wo.bom_revision)
    if bom is None:
        raise FailedPrecondition(f"BOM revision {wo.bom_revision} of {wo.sku} no longer exists")
    return wo.bom_revision, bom.items


def install_kit(
    uow: UnitOfWork,
    masterdata: Masterdata,
    quality: HoldCheck,
    warehouse: Warehouse,
    kit: Kit,
) -> list[store.EdgeRow]:
    """Local checks first, then the owners of holds and stock (one call each for the
    whole kit), then the edges (docs/business-rules.md, genealogy and holds)."""
    if not kit.components:
        raise InvalidArgument("give at least one component to install")
    if len(kit.components) > MAX_KIT:
        raise InvalidArgument(f"at most {MAX_KIT} components per call, got {len(kit.components)}")
    if kit.operation:
        validation.check_code(kit.operation, "operation code")
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

    parent_key = (parent.sku, parent.serial)
    parent_node = store.ensure_nodes(uow.session, "UNIT", [parent_key], lock=True)[parent_key]
    # Only units' nodes are locked: a unit can be in one parent at a time. Lots go into
    # many parents at once, and high-runner lots would otherwise serialize installs.
    unit_nodes = store.ensure_nodes(uow.session, "UNIT", units, lock=True)
    lot_nodes = store.ensure_nodes(uow.session, "LOT", lots, lock=False)
    for unit in units:
        _check_unit_installable(uow, unit_nodes[unit], parent_node)
    nodes = [unit_nodes[c.unit] if c.unit else lot_nodes[c.lot] for c in kit.components]  # type: ignore[index]

    held = quality.holds_on(units, lots)
    if held:
        raise FailedPrecondition(f"cannot install held material: {'; '.join(held)}")
    reference = f"{parent.sku}/{parent.serial}"
    issue_key = f"production:{kit.idempotency_key or uuid.uuid4().hex}"
    built_here = {(u.sku, u.serial): u.status for u in store.units_by_keys(uow.session, units)}
    # Lots and purchased units come from warehouse stock; a subassembly built here comes
    # straight from its line, unless it was completed first: completion stocked it (if
    # it was not in a parent then), and the warehouse, which knows, issues it if so.
    issues = [
        (c.unit, c.lot, c.quantity, c.unit in built_here)
        for c in kit.components
        if c.unit not in built_here or built_here[c.unit] == BuildStatus.COMPLETE
    ]
    if issues:
        warehouse.issue(issues, reference, issue_key)

    now = utcnow()
    edges = store.add_edges(
        uow.session,
        parent_node,
        [
            (
                f"GE-{uuid.uuid4().hex[:16].upper()}",
                node,
                c.quantity if c.lot is not None else 1.0,
            )
            for c, node in zip(kit.components, nodes, strict=True)
        ],
        kit.operation or None,
        uow.actor,
        now,
    )
    for edge, node in zip(edges, nodes, strict=True):
        payload = {
            "edge": edge.id,
            "parent": reference,
            "component_kind": node.kind,
            "component": f"{node.sku}/{node.key}",
            "quantity": edge.quantity,
            "operation": kit.operation or None,
        }
        uow.record("component.installed", "unit", unit_entity(parent.sku, parent.serial), payload)
        uow.record("installed_into", node.kind.lower(), f"{node.sku}:{node.key}", payload)
    return edges


def install_kits(
    uow: UnitOfWork,
    masterdata: Masterdata,
    quality: Quality,
    warehouse: Warehouse,
    kits: Sequence[Kit],
) -> list[list[store.EdgeRow] | ServiceError]:
    """Each kit into its own parent, all or none: a refused kit writes nothing and the
    others go on. Holds on every kit's components are asked of quality once."""
    units = [c.unit for k in kits for c in k.components if c.unit is not None]
    lots = [c.lot for k in kits for c in k.components if c.lot is not None]
    holds = HoldsOfBatch(quality, units, lots)
    # The lots' nodes first, for the whole batch in key order: created kit by kit, two
    # batches sharing new lots could each wait on the other's insert (a deadlock). A lot
    # node records no fact, and only lots masterdata knows get one.
    known_lots = masterdata.lots_exist(sorted(set(lots))) if lots else set()
    store.ensure_nodes(uow.session, "LOT", sorted(known_lots), lock=False)
    return [
        uow.attempt(partial(install_kit, uow, masterdata, holds, warehouse, kit)) for kit in kits
    ]


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


@dataclass(frozen=True)
class Completion:
    sku: str
    serial: str
    idempotency_key: str


@dataclass(frozen=True)
class CompletionPeers:
    """What a completion needs beyond its own data: the BOM (masterdata), the stock it
    enters (warehouse), and where that is when a work order predates output locations."""

    masterdata: Masterdata
    warehouse: Warehouse
    options: ProductionOptions


def complete_unit(uow: UnitOfWork, peers: CompletionPeers, item: Completion) -> store.UnitRow:
    """COMPLETE once every route operation has passed and the BOM is satisfied; the unit
    enters stock at its work order's output location."""
    [outcome] = complete_units(uow, peers, [item])
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


MAX_COMPLETIONS_PER_BATCH = 1_000  # checked by the servicer before any key is looked up


def complete_units(
    uow: UnitOfWork, peers: CompletionPeers, items: Sequence[Completion]
) -> list[store.UnitRow | ServiceError]:
    """Each unit on its own, checked against what a few queries read for the whole batch:
    one that cannot be completed is reported and writes nothing; the others go on.

    The completed ones then enter stock, all in one warehouse call made before this
    transaction commits: if the warehouse cannot be reached, or refuses, the call fails
    and nothing is written here, so no unit is COMPLETE without its stock. The
    warehouse's key is derived from the completions' own keys, and it never receives a
    unit twice for one work order, so a retry converges whatever the failure."""
    session = uow.session
    keys = [(i.sku, i.serial) for i in items]
    units = {(u.sku, u.serial): u for u in store.units_by_keys(session, keys, for_update=True)}
    routes = {r.sku: r.operations for r in store.routes(session, {s for s, _ in units})}
    orders = {
        w.id: w for w in store.work_orders(session, {u.work_order_id for u in units.values()})
    }
    passed = store.passed_operations(session, [u.id for u in units.values()])
    installed = _installed_by_sku(session, list(units))
    outcomes: list[store.UnitRow | ServiceError] = []
    for key in keys:
        try:
            unit = units.get(key)
            if unit is None:
                raise NotFound(f"unit {key[0]}/{key[1]} was not commissioned by production")
            _check_open(unit)
            missing_ops = domain.missing_operations(routes.get(unit.sku, []), passed[unit.id])
            revision, items_needed = _bom_revision(peers.masterdata, orders[unit.work_order_id])
            shortfalls = domain.bom_shortfalls(items_needed, installed.get(key, {}))
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        if missing_ops or shortfalls:
            problems = (
                [f"no passing record for operation(s) {', '.join(missing_ops)}"]
                if missing_ops
                else []
            )
            if shortfalls:
                problems.append(f"BOM revision {revision} not satisfied ({'; '.join(shortfalls)})")
            outcomes.append(
                FailedPrecondition(
                    f"unit {unit.sku}/{unit.serial} cannot be completed: {' and '.join(problems)}"
                )
            )
            continue
        unit.status, unit.completed_at = BuildStatus.COMPLETE.value, utcnow()
        uow.record("unit.completed", "unit", unit_entity(*key), {"sku": key[0], "serial": key[1]})
        outcomes.append(unit)
    _receive_completed(uow, peers, orders, list(zip(items, outcomes, strict=True)))
    return outcomes


def _receive_completed(
    uow: UnitOfWork,
    peers: CompletionPeers,
    orders: dict[str, store.WorkOrderRow],
    outcomes: Sequence[tuple[Completion, store.UnitRow | ServiceError]],
) -> None:
    """The units just completed into stock at their work orders' output locations (those
    installed in a parent already excepted), in one warehouse call."""
    done = [(item, u) for item, u in outcomes if isinstance(u, store.UnitRow)]
    if not done:
        return
    nodes = store.node_ids(uow.session, "UNIT", [(u.sku, u.serial) for _, u in done])
    rows = store.nodes_by_ids(uow.session, nodes.values())
    in_parent = {key for key, node in nodes.items() if rows[node].installed_in_id is not None}
    receipts: list[tuple[Completion, tuple[str, str], str, str]] = []
    for item, unit in done:
        key = (unit.sku, unit.serial)
        if domain.enters_stock_on_completion(key in in_parent):
            wo = orders[unit.work_order_id]
            receipts.append((item, key, _output_location_of(uow, peers, wo), wo.id))
    if receipts:
        peers.warehouse.receive([r[1:] for r in receipts], _receipt_key(receipts))


def _output_location_of(uow: UnitOfWork, peers: CompletionPeers, wo: store.WorkOrderRow) -> str:
    """The work order's output location; one created before work orders had one gets it
    now, by the same rule as a new work order, and keeps it."""
    if wo.output_location_code is None:
        wo.output_location_code = output_location(
            peers.masterdata, peers.options, "", wo.line or ""
        )
        uow.record(
            "work_order.output_location_set",
            "work_order",
            wo.id,
            {"id": wo.id, "output_location_code": wo.output_location_code},
        )
    return wo.output_location_code


def _receipt_key(receipts: Sequence[tuple[Completion, tuple[str, str], str, str]]) -> str:
    """The warehouse's idempotency key for these receipts: derived from the completions'
    keys and what is received, so a retry of the same completions sends the same key
    with the same request (and the warehouse answers as before). Completions without
    keys get a fresh one; the warehouse still never receives a unit twice."""
    if not all(item.idempotency_key for item, *_ in receipts):
        return f"production:receive:{uuid.uuid4().hex}"
    digest = hashlib.sha256()
    for item, (sku, serial), location, work_order in receipts:
        digest.update(
            "\t".join((item.idempotency_key, sku, serial, location, work_order)).encode() + b"\n"
        )
    return f"production:receive:{digest.hexdigest()}"


def _installed_by_sku(
    session: Session, units: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, float]]:
    """The quantity of each component SKU currently installed in each of these units."""
    nodes = store.node_ids(session, "UNIT", units)
    unit_of_node = {node: key for key, node in nodes.items()}
    edges = store.edges_of_parents(session, list(nodes.values()), include_removed=False)
    components = store.nodes_by_ids(session, [e.component_id for e in edges])
    installed: dict[tuple[str, str], dict[str, float]] = {}
    for e in edges:
        by_sku = installed.setdefault(unit_of_node[e.parent_id], {})
        c_sku = components[e.component_id].sku
        by_sku[c_sku] = by_sku.get(c_sku, 0) + e.quantity
    return installed


# --- reads --------------------------------------------------------------------------------


def routes(session: Session, skus: Sequence[str]) -> list[store.RouteRow]:
    return store.routes(session, skus)


def work_orders(session: Session, ids: Sequence[str]) -> list[store.WorkOrderRow]:
    return store.work_orders(session, ids)


def work_orders_of_units(session: Session, units: Sequence[UnitKey]) -> list[Any]:
    """The work orders these units were built on (rows of their columns), by id."""
    return store.work_orders_of_units(session, units)


def operations(session: Session, units: Sequence[UnitKey]) -> list[tuple[Any, UnitKey]]:
    """Every operation record of these units (rows of its columns), unit by unit in key
    order, each with its unit."""
    return [
        (r, UnitKey(r.unit_sku, r.unit_serial)) for r in store.operations_of_units(session, units)
    ]


@dataclass(frozen=True)
class Build:
    unit: UnitKey
    row: Any  # the unit's row (its columns); None: a purchased unit never commissioned here
    installed_in: UnitKey | None


def unit_builds(
    session: Session, units: Sequence[UnitKey], nodes: Sequence[store.UnitNode] | None = None
) -> list[Build]:
    """The build of each unit production commissioned, and where each unit it knows is
    installed (purchased units production never commissioned still show where they sit),
    in key order. `nodes`: the units' `store.unit_nodes` when the caller has read them."""
    rows = {UnitKey(u.sku, u.serial): u for u in store.unit_rows(session, units)}
    if nodes is None:
        nodes = store.unit_nodes(session, units)
    installed_in = {UnitKey(n.sku, n.key): UnitKey(*n.holder) for n in nodes if n.holder}
    keys = sorted({*rows, *installed_in})
    return [Build(k, rows.get(k), installed_in.get(k)) for k in keys]


@dataclass(frozen=True)
class Link:
    edge: Any  # an EdgeRow, or a row of its columns
    parent: store.NodeRow | store.NodeName
    component: store.NodeRow | store.NodeName


def links(session: Session, edges: Sequence[store.EdgeRow]) -> list[Link]:
    """Each genealogy edge with its two ends, in one read of the nodes."""
    nodes = store.nodes_by_ids(session, [i for e in edges for i in (e.parent_id, e.component_id)])
    return [Link(e, nodes[e.parent_id], nodes[e.component_id]) for e in edges]


def components(session: Session, units: Sequence[UnitKey], include_removed: bool) -> list[Link]:
    nodes = store.node_ids(session, "UNIT", units)
    return links(session, store.edges_of_parents(session, list(nodes.values()), include_removed))


def component_tree(session: Session, unit: UnitKey, include_removed: bool) -> list[Link]:
    node = store.node_ids(session, "UNIT", [unit]).get(unit)
    return links(session, store.tree_edges(session, node, include_removed) if node else [])


def subtree(
    session: Session,
    units: Sequence[UnitKey],
    depth: int,
    include_removed: bool,
    deepest_links: bool,
) -> tuple[list[UnitKey], list[Link]]:
    """The units and every unit up to `depth` levels of components below them, with the
    links between them (and the deepest level's own links if `deepest_links`): one
    statement however deep and wide the tree."""
    keys = list(dict.fromkeys(units))
    levels = depth + 1 if deepest_links else depth
    found = store.subtree_links(session, keys, levels, include_removed)
    below = (
        UnitKey(component.sku, component.key)
        for _, level, _, component in found
        if component.kind == "UNIT" and level < depth
    )
    links = [Link(edge, parent, component) for edge, _, parent, component in found]
    return list(dict.fromkeys([*keys, *below])), links


def unit_nodes(
    session: Session, units: Sequence[UnitKey], with_lots: bool = False
) -> list[store.UnitNode]:
    """The genealogy nodes of those of these units that have one, each with the unit it
    is installed in and, `with_lots`, the lots inside it (`store.unit_nodes`)."""
    return store.unit_nodes(session, units, with_lots)


def material_lots(
    session: Session, units: Sequence[UnitKey], nodes: Sequence[store.UnitNode] | None = None
) -> list[tuple[UnitKey, list[LotKey]]]:
    """Every lot in each unit at any depth, for the units production knows, in key order
    (`nodes`: the units' `unit_nodes` with their lots, when the caller has read them)."""
    if nodes is None:
        nodes = store.unit_nodes(session, units, with_lots=True)
    return [(UnitKey(n.sku, n.key), [LotKey(*lot) for lot in n.lots]) for n in nodes]


def where_used(
    session: Session,
    masterdata: Masterdata,
    kind: str,
    key: tuple[str, str],
    size: int,
    after: tuple[str, str] | None,
    *,
    top_level_only: bool,
    count_total: bool,
) -> Page[tuple[str, str]]:
    """The units that contain a lot or unit, one page in key order, and their number if
    `count_total` (else 0). A key in no genealogy is used by nothing if masterdata knows
    it, and NOT_FOUND if it does not (an empty answer would read as "nothing affected")."""
    node = (kind, *key)
    # One unit more than the page says whether another page follows. The node is found
    # in the page's own statement; only an empty page asks whether the node exists.
    rows = store.where_used(session, node, size + 1, after, top_level_only=top_level_only)
    if rows or key in store.node_ids(session, kind, [key]):
        total = store.where_used_count(session, node, top_level_only) if count_total else 0
        # Kept as the store's (sku, serial) tuples: a recall reads 30,000 at a time.
        return Page(rows[:size], len(rows) > size, total)
    exists = masterdata.lots_exist([key]) if kind == "LOT" else masterdata.units_exist([key])
    if key not in exists:
        what = "lot" if kind == "LOT" else "unit"
        raise NotFound(
            f"no {what} {validation.quote(key[1])} of {validation.quote(key[0])} is "
            "registered in masterdata"
        )
    return Page([], False, 0)
