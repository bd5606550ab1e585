"""Migration imports into production: builds, genealogy edges and operation records of
a legacy MES, each with its source times and its provenance (batch, file, row).

Each item stands alone (the caller runs it in its own savepoint): it is checked under
the same rules as a live install or record, then written, with its audit entry naming
its provenance.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from serialtrace.common.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)
from serialtrace.common.ledger import unit_entity
from serialtrace.common.provenance import Provenance
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import Result, check_code, parse_enum, parse_measurements
from serialtrace.production import domain, store
from serialtrace.production.domain import BuildStatus, WorkOrderStatus
from serialtrace.production.peers import Masterdata

T = TypeVar("T")
MAX_IMPORT_ITEMS = 1_000


def _provenance(uow: UnitOfWork, entity_type: str, entity_id: str, where: Provenance) -> None:
    uow.session.add(store.ImportProvenanceRow(**where.columns(entity_type, entity_id)))


def each(uow: UnitOfWork, items: Sequence[T], run: Callable[[T], Any]) -> list[Any]:
    """`run` of each item in its own savepoint: a refused item writes nothing."""
    return [uow.attempt(lambda item=item: run(item)) for item in items]  # type: ignore[misc]


# --- builds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedBuild:
    sku: str
    serial: str
    status: str
    created_at: datetime | None
    provenance: Provenance


def import_work_order_id(batch_id: str, sku: str) -> str:
    """The work order an import batch's units of one SKU are filed under."""
    digest = hashlib.sha256(f"{batch_id}\n{sku}".encode()).hexdigest()[:16].upper()
    return f"WO-IMP-{digest}"


def _import_work_order(uow: UnitOfWork, batch_id: str, sku: str) -> store.WorkOrderRow:
    wo_id = import_work_order_id(batch_id, sku)
    order = store.work_order(uow.session, wo_id, for_update=True)
    if order is None:
        order = store.WorkOrderRow(
            id=wo_id,
            sku=sku,
            quantity=0,
            bom_revision="",
            line=None,
            status=WorkOrderStatus.COMPLETED.value,
            commissioned_count=0,
            created_at=utcnow(),
            created_by=uow.actor,
        )
        uow.session.add(order)
        uow.session.flush()  # before any unit refers to it
        uow.record(
            "work_order.imported",
            "work_order",
            wo_id,
            {"sku": sku, "import_batch_id": batch_id},
        )
    return order


def import_builds(
    uow: UnitOfWork, items: Sequence[ImportedBuild]
) -> list[store.UnitRow | ServiceError]:
    """Builds of many imported units at once: each refused alone (an unknown status, a
    unit production knows already), the rest inserted together."""
    session = uow.session
    known = {
        (u.sku, u.serial) for u in store.units_by_keys(session, [(i.sku, i.serial) for i in items])
    }
    outcomes: list[store.UnitRow | ServiceError] = []
    seen: set[tuple[str, str]] = set()
    orders: dict[str, store.WorkOrderRow] = {}
    now = utcnow()
    for item in items:
        try:
            status = parse_enum(BuildStatus, item.status or "COMPLETE", "build status")
            if (item.sku, item.serial) in known or (item.sku, item.serial) in seen:
                raise Conflict(f"production already knows unit {item.sku}/{item.serial}")
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        seen.add((item.sku, item.serial))
        if item.sku not in orders:
            orders[item.sku] = _import_work_order(uow, item.provenance.batch_id, item.sku)
        order = orders[item.sku]
        order.quantity += 1
        order.commissioned_count += 1
        created = item.created_at or now
        unit = store.UnitRow(
            sku=item.sku,
            serial=item.serial,
            work_order_id=order.id,
            status=status.value,
            created_at=created,
            completed_at=created if status is BuildStatus.COMPLETE else None,
        )
        session.add(unit)
        entity = unit_entity(item.sku, item.serial)
        _provenance(uow, "unit_build", entity, item.provenance)
        uow.record(
            "unit.imported",
            "unit",
            entity,
            {
                "status": status.value,
                "work_order": order.id,
                "created_at": item.created_at,
                "provenance": item.provenance.payload(),
            },
        )
        outcomes.append(unit)
    session.flush()
    return outcomes


# --- genealogy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedLink:
    parent: tuple[str, str]
    component_unit: tuple[str, str] | None
    component_lot: tuple[str, str] | None
    quantity: float
    installed_at: datetime
    installed_by: str
    removed_at: datetime | None
    removal_reason: str
    provenance: Provenance


class BomCache:
    """Component SKUs per parent SKU, asked of masterdata once per SKU and call."""

    def __init__(self, masterdata: Masterdata) -> None:
        self.masterdata = masterdata
        self.known: dict[str, set[str]] = {}

    def prefetch(self, skus: Sequence[str]) -> None:
        missing = sorted({s for s in skus if s not in self.known})
        if missing:
            self.known.update(self.masterdata.bom_components(missing))

    def components(self, sku: str) -> set[str]:
        self.prefetch([sku])
        return self.known.get(sku, set())


def link_nodes(
    uow: UnitOfWork, items: Sequence[ImportedLink]
) -> dict[tuple[str, str, str], store.NodeRow]:
    """Every node the items name, created on first use and locked, in two statements
    per kind instead of two per item (sorted, as the live installs take them)."""
    units = [i.parent for i in items] + [i.component_unit for i in items if i.component_unit]
    lots = [i.component_lot for i in items if i.component_lot]
    nodes: dict[tuple[str, str, str], store.NodeRow] = {}
    for kind, keys in (("UNIT", units), ("LOT", lots)):
        for (sku, key), node in store.ensure_nodes(uow.session, kind, keys, lock=True).items():
            nodes[(kind, sku, key)] = node
    return nodes


def import_link(
    uow: UnitOfWork,
    boms: BomCache,
    item: ImportedLink,
    nodes: dict[tuple[str, str, str], store.NodeRow] | None = None,
) -> store.EdgeRow:
    session = uow.session
    if (item.component_unit is None) == (item.component_lot is None):
        raise InvalidArgument("give exactly one of component_unit and component_lot")
    component_key = item.component_unit or item.component_lot
    assert component_key is not None
    allowed = boms.components(item.parent[0])
    if component_key[0] not in allowed:
        raise FailedPrecondition(
            f"{component_key[0]} is in no BOM revision of {item.parent[0]} "
            f"(allowed: {', '.join(sorted(allowed)) or 'nothing'})"
        )
    quantity = 1.0 if item.component_unit else domain.check_lot_quantity(item.quantity)
    reason = domain.check_reason(item.removal_reason) if item.removed_at else ""
    if item.removed_at and item.removed_at < item.installed_at:
        raise InvalidArgument("a component cannot be removed before it was installed")
    kind = "UNIT" if item.component_unit else "LOT"
    known = nodes or {}
    parent = known.get(("UNIT", *item.parent)) or store.ensure_node(session, "UNIT", *item.parent)
    component = known.get((kind, *component_key)) or store.ensure_node(
        session, kind, *component_key
    )
    if kind == "UNIT":
        if store.contains(session, component.id, parent.id):
            raise FailedPrecondition(
                f"{component_key[0]}/{component_key[1]} contains "
                f"{item.parent[0]}/{item.parent[1]}; installing it there closes a loop"
            )
        if item.removed_at is None and component.installed_in_id not in (None, parent.id):
            holder = store.nodes_by_ids(session, [component.installed_in_id])
            where = next(iter(holder.values()))
            raise FailedPrecondition(
                f"{component_key[0]}/{component_key[1]} is installed in {where.sku}/{where.key}"
            )
    actor = item.installed_by or uow.actor
    kept_holder = component.installed_in_id
    edge = store.add_edge(
        session,
        f"GE-{uuid.uuid4().hex[:16].upper()}",
        parent,
        component,
        quantity,
        None,
        actor,
        item.installed_at,
    )
    if item.removed_at is not None:
        # add_edge bulk-inserts; the stored row is the one to close.
        stored = session.get(store.EdgeRow, edge.id)
        assert stored is not None
        edge = store.remove_edge(session, stored, component, actor, reason, item.removed_at)
        if kind == "UNIT" and kept_holder is not None:
            component.installed_in_id = kept_holder  # a past installation leaves the current one
    _record_link(uow, edge, item, kind, component_key, quantity, actor, reason)
    return edge


def _record_link(
    uow: UnitOfWork,
    edge: store.EdgeRow,
    item: ImportedLink,
    kind: str,
    component_key: tuple[str, str],
    quantity: float,
    actor: str,
    reason: str,
) -> None:
    """An imported installation's provenance and audit entries (parent and component)."""
    _provenance(uow, "component_link", edge.id, item.provenance)
    payload = {
        "edge": edge.id,
        "parent": f"{item.parent[0]}/{item.parent[1]}",
        "component_kind": kind,
        "component": f"{component_key[0]}/{component_key[1]}",
        "quantity": quantity,
        "installed_at": item.installed_at,
        "installed_by": actor,
        "removed_at": item.removed_at,
        "removal_reason": reason or None,
        "provenance": item.provenance.payload(),
    }
    uow.record("component.imported", "unit", unit_entity(*item.parent), payload)
    uow.record("imported_into", kind.lower(), f"{component_key[0]}:{component_key[1]}", payload)


def _check_lot_link(boms: BomCache, item: ImportedLink) -> float:
    """A current lot installation's rules, none of which needs the database."""
    assert item.component_lot is not None
    allowed = boms.components(item.parent[0])
    if item.component_lot[0] not in allowed:
        raise FailedPrecondition(
            f"{item.component_lot[0]} is in no BOM revision of {item.parent[0]} "
            f"(allowed: {', '.join(sorted(allowed)) or 'nothing'})"
        )
    return domain.check_lot_quantity(item.quantity)


def import_links(
    uow: UnitOfWork, boms: BomCache, items: Sequence[ImportedLink]
) -> list[store.EdgeRow | ServiceError]:
    """Many imported installations. Serialized components and past installations go one
    by one (each checks the component's current parent and the loop rule against what
    the items before it did); current lot installations, whose rules need no database,
    are checked alone and then written together, one ancestry update per parent, time
    and installer."""
    nodes = link_nodes(uow, items)
    outcomes: list[store.EdgeRow | ServiceError | None] = [None] * len(items)
    kits: dict[tuple[tuple[str, str], str, datetime], list[tuple[int, ImportedLink, float]]] = {}
    for n, item in enumerate(items):
        if item.component_lot is not None and item.removed_at is None:
            try:
                quantity = _check_lot_link(boms, item)
            except ServiceError as refusal:
                outcomes[n] = refusal
                continue
            kits.setdefault((item.parent, item.installed_by, item.installed_at), []).append(
                (n, item, quantity)
            )
        else:
            outcomes[n] = uow.attempt(lambda item=item: import_link(uow, boms, item, nodes))  # type: ignore[misc]
    for (parent_key, installed_by, installed_at), members in kits.items():
        actor = installed_by or uow.actor
        edges = store.add_edges(
            uow.session,
            nodes[("UNIT", *parent_key)],
            [
                (f"GE-{uuid.uuid4().hex[:16].upper()}", nodes[("LOT", *item.component_lot)], q)  # type: ignore[misc]
                for _, item, q in members
            ],
            None,
            actor,
            installed_at,
        )
        for (n, item, quantity), edge in zip(members, edges, strict=True):
            assert item.component_lot is not None
            _record_link(uow, edge, item, "LOT", item.component_lot, quantity, actor, "")
            outcomes[n] = edge
    return [o if o is not None else FailedPrecondition("not imported") for o in outcomes]


# --- operation records -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedOperation:
    sku: str
    serial: str
    operation: str
    station: str
    operator: str
    started_at: datetime | None
    finished_at: datetime
    result: str
    measurements_json: str
    approved_by: str
    approved_at: datetime | None
    approval_meaning: str
    provenance: Provenance


def import_operations(
    uow: UnitOfWork, items: Sequence[ImportedOperation]
) -> list[tuple[store.OperationRow, store.UnitRow] | ServiceError]:
    """Many imported records: each checked alone (nothing is written for a refused
    one), with every unit read in one query."""
    units = {
        (u.sku, u.serial): u
        for u in store.units_by_keys(uow.session, sorted({(i.sku, i.serial) for i in items}))
    }
    outcomes: list[tuple[store.OperationRow, store.UnitRow] | ServiceError] = []
    for item in items:
        try:
            outcomes.append(_import_operation(uow, item, units))
        except ServiceError as refusal:
            outcomes.append(refusal)
    uow.session.flush()
    return outcomes


def _import_operation(
    uow: UnitOfWork, item: ImportedOperation, units: dict[tuple[str, str], store.UnitRow]
) -> tuple[store.OperationRow, store.UnitRow]:
    """Checks everything first, then writes: a refusal leaves nothing behind."""
    check_code(item.operation, "operation code")
    check_code(item.station, "station")
    result = parse_enum(Result, item.result, "result")
    measurements = parse_measurements(item.measurements_json)
    domain.check_times(item.started_at, item.finished_at)
    operator = item.operator.strip()[:200]
    if not operator:
        raise InvalidArgument("an imported operation record needs its operator")
    meaning = domain.check_meaning(item.approval_meaning) if item.approved_by else None
    unit = units.get((item.sku, item.serial))
    if unit is None:
        raise NotFound(f"unit {item.sku}/{item.serial} has no build in production; import it first")
    row = store.OperationRow(
        id=f"OP-{uuid.uuid4().hex[:16].upper()}",
        unit_id=unit.id,
        operation=item.operation,
        station=item.station,
        operator=operator,
        started_at=item.started_at,
        finished_at=item.finished_at,
        result=result.value,
        measurements=measurements,
        approved_by=item.approved_by[:200] or None,
        approved_at=item.approved_at if item.approved_by else None,
        approval_meaning=meaning,
    )
    uow.session.add(row)
    _provenance(uow, "operation", row.id, item.provenance)
    uow.record(
        "operation.imported",
        "unit",
        unit_entity(unit.sku, unit.serial),
        {
            "id": row.id,
            "operation": item.operation,
            "station": item.station,
            "operator": operator,
            "result": result.value,
            "measurements": measurements,
            "started_at": item.started_at,
            "finished_at": item.finished_at,
            "approved_by": row.approved_by,
            "approved_at": row.approved_at,
            "approval_meaning": meaning,
            "provenance": item.provenance.payload(),
        },
    )
    return row, unit


# --- rollback ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedFacts:
    builds: list[store.UnitRow]
    edges: list[store.EdgeRow]
    operations: list[store.OperationRow]

    @staticmethod
    def of(session: Any, batch_id: str) -> ImportedFacts:
        keys = [
            (i.split(":", 1)[0], i.split(":", 1)[1])
            for i in store.import_provenance_ids(session, batch_id, "unit_build")
        ]
        return ImportedFacts(
            store.units_by_keys(session, keys),
            store.edges_by_ids(
                session, store.import_provenance_ids(session, batch_id, "component_link")
            ),
            store.operations_by_ids(
                session, store.import_provenance_ids(session, batch_id, "operation")
            ),
        )


def import_dependents(session: Any, facts: ImportedFacts) -> list[str]:
    """What production recorded outside the batch that rests on its facts: an
    installation into or of one of its units, an operation record on one of them."""
    build_nodes = store.node_ids(session, "UNIT", [(u.sku, u.serial) for u in facts.builds])
    touched = set(build_nodes.values())
    touched |= {n for e in facts.edges for n in (e.parent_id, e.component_id)}
    ours = {e.id for e in facts.edges}
    later = [e for e in store.edges_touching(session, sorted(touched)) if e.id not in ours]
    nodes = store.nodes_by_ids(session, [n for e in later for n in (e.parent_id, e.component_id)])
    found = [
        f"{nodes[e.component_id].sku}/{nodes[e.component_id].key} installed in "
        f"{nodes[e.parent_id].sku}/{nodes[e.parent_id].key} at {e.installed_at.isoformat()} "
        f"(edge {e.id})"
        for e in later
    ]
    mine = {o.id for o in facts.operations}
    units = {u.id: u for u in facts.builds}
    found += [
        f"operation {o.operation} recorded on {units[o.unit_id].sku}/{units[o.unit_id].serial} "
        f"({o.id})"
        for o in store.operations_of(session, list(units))
        if o.id not in mine
    ]
    return sorted(found)


def roll_back_import(
    uow: UnitOfWork, batch_id: str, dry_run: bool
) -> tuple[list[str], list[tuple[str, int]]]:
    """(dependents, taken back per entity type): nothing changes while anything depends
    on the batch's facts; else each is taken back, with its own audit entry."""
    session = uow.session
    facts = ImportedFacts.of(session, batch_id)
    dependents = import_dependents(session, facts)
    if dependents or dry_run:
        return dependents, []
    nodes = store.nodes_by_ids(
        session, [n for e in facts.edges for n in (e.parent_id, e.component_id)]
    )
    for edge in facts.edges:
        if edge.removed_at is None:
            component = nodes[edge.component_id]
            if component.kind == "UNIT" and component.installed_in_id == edge.parent_id:
                component.installed_in_id = None
            session.flush()
            store.unlink(session, edge.parent_id, edge.component_id)
        parent, component = nodes[edge.parent_id], nodes[edge.component_id]
        uow.record(
            "component.import_rolled_back",
            "unit",
            unit_entity(parent.sku, parent.key),
            {
                "edge": edge.id,
                "component": f"{component.sku}/{component.key}",
                "import_batch_id": batch_id,
            },
        )
    units = {u.id: u for u in facts.builds}
    for op in facts.operations:
        unit = units.get(op.unit_id) or store.units_by_ids(session, [op.unit_id])[op.unit_id]
        uow.record(
            "operation.import_rolled_back",
            "unit",
            unit_entity(unit.sku, unit.serial),
            {"id": op.id, "import_batch_id": batch_id},
        )
    for unit in facts.builds:
        uow.record(
            "unit.import_rolled_back",
            "unit",
            unit_entity(unit.sku, unit.serial),
            {"import_batch_id": batch_id},
        )
    store.delete_rows(session, facts.edges)
    store.delete_rows(session, facts.operations)
    store.delete_rows(session, facts.builds)
    orders = store.work_orders(
        session, sorted({import_work_order_id(batch_id, u.sku) for u in facts.builds})
    )
    store.delete_rows(session, orders)
    taken = [
        (kind, n)
        for kind, n in (
            ("component_link", len(facts.edges)),
            ("operation", len(facts.operations)),
            ("unit_build", len(facts.builds)),
        )
        if n
    ]
    return [], taken


def verify_genealogy(session: Any, batch_id: str) -> tuple[int, list[str]]:
    """(installations checked, problems) of the genealogy an import batch recorded."""
    edges = store.edges_by_ids(
        session, store.import_provenance_ids(session, batch_id, "component_link")
    )
    nodes = store.nodes_by_ids(session, [n for e in edges for n in (e.parent_id, e.component_id)])
    problems: list[str] = []
    for edge in edges:
        parent, component = nodes[edge.parent_id], nodes[edge.component_id]
        what = f"{component.sku}/{component.key} in {parent.sku}/{parent.key} (edge {edge.id})"
        if edge.removed_at is not None:
            continue
        if component.kind == "UNIT" and component.installed_in_id != parent.id:
            problems.append(f"{what}: the component's current parent is another unit")
        if not store.contains(session, parent.id, component.id):
            problems.append(f"{what}: missing from the ancestry")
        if store.contains_itself(session, component.id):
            problems.append(f"{what}: {component.sku}/{component.key} contains itself")
    return len(edges), problems


def count_imported_facts(session: Any, batch_id: str) -> list[tuple[str, str, int]]:
    """How many facts of an import batch production holds: (file, entity type, count)."""
    return store.count_import_provenance(session, batch_id)
