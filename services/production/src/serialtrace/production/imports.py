"""Migration imports into production: builds, genealogy edges and operation records of
a legacy MES, each with its source times and its provenance (batch, file, row).

Each item stands alone (the caller runs it in its own savepoint): it is checked under
the same rules as a live install or record, then written, with its audit entry naming
its provenance.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
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
from serialtrace.common.models import created_now
from serialtrace.common.protomap import copied
from serialtrace.common.provenance import Provenance
from serialtrace.common.timeutil import iso, utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import Result, check_code, parse_enum, parse_measurements
from serialtrace.production import domain, store
from serialtrace.production.peers import Masterdata
from serialtrace.production.v1.production_enums import BuildStatus, WorkOrderStatus

T = TypeVar("T")
MAX_IMPORT_ITEMS = 1_000


def new_ids(prefix: str, count: int) -> list[str]:
    """`count` random ids like the live paths' (PREFIX-16 upper hex digits), from one
    read of the system's randomness instead of a uuid4 each."""
    digits = os.urandom(8 * count).hex().upper()
    return [f"{prefix}-{digits[16 * n : 16 * n + 16]}" for n in range(count)]


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
            **created_now(uow.actor),
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
    built: list[tuple[store.UnitRow, Provenance]] = []
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
        built.append((unit, item.provenance))
        entity = unit_entity(item.sku, item.serial)
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
    session.flush()  # the work orders before the units that name them
    columns = ("sku", "serial", "work_order_id", "status", "created_at", "completed_at")
    rows = [{c: getattr(u, c) for c in columns} for u, _ in built]
    if len(store.insert_new_units(session, rows)) != len(rows):
        raise Conflict("units were imported concurrently; nothing was written, retry")
    _add_provenance(
        uow, "unit_build", [(unit_entity(u.sku, u.serial), where) for u, where in built]
    )
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
    """Every node the items name, created on first use, in two statements per kind
    instead of two per item. Unit nodes are locked (sorted); lot nodes are not, as the
    live installs take them: a lot contains nothing, so imports installing one lot into
    different trees change different ancestry rows and need not queue on its node."""
    units = [i.parent for i in items] + [i.component_unit for i in items if i.component_unit]
    lots = [i.component_lot for i in items if i.component_lot]
    nodes: dict[tuple[str, str, str], store.NodeRow] = {}
    for kind, keys, lock in (("UNIT", units, True), ("LOT", lots, False)):
        for (sku, key), node in store.ensure_nodes(uow.session, kind, keys, lock=lock).items():
            nodes[(kind, sku, key)] = node
    return nodes


class Containment:
    """Which of a call's unit nodes contains which: the ancestry among them as stored,
    plus the current installations the call accepted so far. A path between two of
    them passes only through them (every new edge joins two of them), so this is
    enough to judge a loop exactly."""

    def __init__(self, stored: Sequence[tuple[int, int]]) -> None:
        self.below: dict[int, set[int]] = {}
        for ancestor, descendant in stored:
            self.below.setdefault(ancestor, set()).add(descendant)

    def add(self, parent: int, component: int) -> None:
        self.below.setdefault(parent, set()).add(component)

    def contains(self, ancestor: int, descendant: int) -> bool:
        seen, stack = {ancestor}, [ancestor]
        while stack:
            for below in self.below.get(stack.pop(), ()):
                if below == descendant:
                    return True
                if below not in seen:
                    seen.add(below)
                    stack.append(below)
        return ancestor == descendant


def _check_link(boms: BomCache, item: ImportedLink) -> tuple[str, tuple[str, str], float, str]:
    """The rules of one installation that need no database: (component kind, key,
    quantity, removal reason)."""
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
    return ("UNIT" if item.component_unit else "LOT"), component_key, quantity, reason


@dataclass(frozen=True, slots=True)
class _Accepted:
    index: int
    item: ImportedLink
    edge: store.NewEdge
    kind: str
    component_key: tuple[str, str]


@dataclass(frozen=True, slots=True)
class LinkWritten:
    """An imported installation as written, with its two ends (for its answer)."""

    edge: store.NewEdge
    parent: store.NodeRow
    component: store.NodeRow


def import_links(
    uow: UnitOfWork, boms: BomCache, items: Sequence[ImportedLink]
) -> list[LinkWritten | ServiceError]:
    """Many imported installations, judged in order under the live rules (BOM
    membership, one current parent, no loop) as if installed one after another, then
    written together: one insert of edges, one of provenance rows, and the ancestry
    in a statement per level of nesting among the items (a subassembly's lots before
    the subassembly goes into its parent), not one per item."""
    session = uow.session
    nodes = link_nodes(uow, items)
    units = {n.id: n for (kind, _, _), n in nodes.items() if kind == "UNIT"}
    reach = Containment(store.ancestry_among(session, sorted(units)))
    holder = {n.id: n.installed_in_id for n in units.values()}
    outcomes: list[LinkWritten | ServiceError | None] = [None] * len(items)
    accepted: list[_Accepted] = []
    ids = new_ids("GE", len(items))
    for n, item in enumerate(items):
        try:
            kind, component_key, quantity, reason = _check_link(boms, item)
            parent, component = nodes[("UNIT", *item.parent)], nodes[(kind, *component_key)]
            if kind == "UNIT":
                _check_unit_link(session, reach, holder, item, parent, component)
        except ServiceError as refusal:
            outcomes[n] = refusal
            continue
        actor = item.installed_by or uow.actor
        edge = store.NewEdge(
            id=ids[n],
            parent_id=parent.id,
            component_id=component.id,
            quantity=quantity,
            operation=None,
            installed_at=item.installed_at,
            installed_by=actor,
            removed_at=item.removed_at,
            removed_by=actor if item.removed_at else None,
            removal_reason=reason or None,
        )
        if item.removed_at is None:  # a past installation leaves the current state alone
            reach.add(parent.id, component.id)
            if kind == "UNIT":
                holder[component.id] = parent.id
        accepted.append(_Accepted(n, item, edge, kind, component_key))
        outcomes[n] = LinkWritten(edge, parent, component)
    _write_links(uow, accepted, units, holder, reach)
    return [o if o is not None else FailedPrecondition("not imported") for o in outcomes]


def _check_unit_link(
    session: Any,
    reach: Containment,
    holder: dict[int, int | None],
    item: ImportedLink,
    parent: store.NodeRow,
    component: store.NodeRow,
) -> None:
    """A serialized component: no loop, and (if current) no other current parent."""
    label = f"{component.sku}/{component.key}"
    if reach.contains(component.id, parent.id):
        raise FailedPrecondition(
            f"{label} contains {parent.sku}/{parent.key}; installing it there closes a loop"
        )
    current = holder.get(component.id)
    if item.removed_at is None and current not in (None, parent.id):
        where = store.nodes_by_ids(session, [current])[current]
        raise FailedPrecondition(f"{label} is installed in {where.sku}/{where.key}")


def _write_links(
    uow: UnitOfWork,
    accepted: Sequence[_Accepted],
    units: dict[int, store.NodeRow],
    holder: dict[int, int | None],
    reach: Containment,
) -> None:
    if not accepted:
        return
    session = uow.session
    store.insert_edges(session, [a.edge for a in accepted])
    for node_id, parent_id in holder.items():
        if units[node_id].installed_in_id != parent_id:
            units[node_id].installed_in_id = parent_id
    session.flush()
    current = [a.edge for a in accepted if a.edge.removed_at is None]
    for level in _nesting_levels(current, reach):
        store.link_edges(session, level)
    _add_provenance(uow, "component_link", [(a.edge.id, a.item.provenance) for a in accepted])
    for a in accepted:
        _record_link(uow, a.edge, a.item, a.kind, a.component_key)


def _nesting_levels(
    edges: Sequence[store.NewEdge], reach: Containment
) -> list[list[tuple[int, int, int]]]:
    """The current edges as (parent, component, times) in levels, by the height of the
    component (what it holds, stored or new, at any depth): an edge comes after every
    edge whose parent its component holds, so no path uses two edges of one level and
    each level is one set-based ancestry update."""
    heights: dict[int, int] = {}

    def height(node: int) -> int:
        if node not in heights:
            heights[node] = 0  # ends the recursion on a loop (refused before this)
            heights[node] = max((height(b) + 1 for b in reach.below.get(node, ())), default=0)
        return heights[node]

    levels: dict[int, Counter[tuple[int, int]]] = {}
    for e in edges:
        levels.setdefault(height(e.component_id), Counter())[(e.parent_id, e.component_id)] += 1
    return [[(p, c, n) for (p, c), n in sorted(levels[h].items())] for h in sorted(levels)]


def _add_provenance(
    uow: UnitOfWork, entity_type: str, facts: Sequence[tuple[str, Provenance]]
) -> None:
    """Where each of these facts came from, in one insert."""
    now = utcnow()
    store.add_import_provenance(
        uow.session,
        [
            {
                "entity_type": entity_type,
                "entity_id": entity_id,
                "batch_id": where.batch_id,
                "file": where.file,
                "row": where.row,
                "recorded_at": now,
            }
            for entity_id, where in facts
        ],
    )


def _record_link(
    uow: UnitOfWork,
    edge: store.NewEdge,
    item: ImportedLink,
    kind: str,
    component_key: tuple[str, str],
) -> None:
    """An imported installation's audit entries (parent and component), one payload
    for both, its times given as the ledger writes them (`iso`: the same JSON, without
    the encoder calling back for each datetime of each entry)."""
    payload = {
        "edge": edge.id,
        "parent": f"{item.parent[0]}/{item.parent[1]}",
        "component_kind": kind,
        "component": f"{component_key[0]}/{component_key[1]}",
        "quantity": edge.quantity,
        "installed_at": iso(item.installed_at),
        "installed_by": edge.installed_by,
        "removed_at": iso(item.removed_at) if item.removed_at else None,
        "removal_reason": edge.removal_reason,
        "provenance": item.provenance.payload(),
    }
    uow.record("component.imported", "unit", unit_entity(*item.parent), payload)
    uow.record("imported_into", kind.lower(), f"{component_key[0]}:{component_key[1]}", payload)


# --- operation records -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedOperation(store.OperationFacts):
    """A legacy record as read (its operator, result and measurements checked on import),
    for the unit (sku, serial), with its legacy approval and where it came from."""

    sku: str
    serial: str
    measurements_json: str
    approved_by: str
    approved_at: datetime | None
    approval_meaning: str
    provenance: Provenance


def import_operations(
    uow: UnitOfWork, items: Sequence[ImportedOperation]
) -> list[tuple[store.NewOperation, store.UnitRow] | ServiceError]:
    """Many imported records: each checked alone (nothing is written for a refused
    one), with every unit read in one query."""
    units = {
        (u.sku, u.serial): u
        for u in store.units_by_keys(uow.session, sorted({(i.sku, i.serial) for i in items}))
    }
    outcomes: list[tuple[store.NewOperation, store.UnitRow] | ServiceError] = []
    written: list[tuple[store.NewOperation, Provenance]] = []
    ids = new_ids("OP", len(items))
    for item, record_id in zip(items, ids, strict=True):
        try:
            row, unit = _import_operation(uow, item, units, record_id)
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        outcomes.append((row, unit))
        written.append((row, item.provenance))
    # One insert of the records and one of their provenance rows, not two per record.
    columns = [c.key for c in store.OperationRow.__table__.columns]
    store.insert_operations(
        uow.session, [{c: getattr(row, c) for c in columns} for row, _ in written]
    )
    _add_provenance(uow, "operation", [(row.id, where) for row, where in written])
    return outcomes


def _import_operation(
    uow: UnitOfWork,
    item: ImportedOperation,
    units: dict[tuple[str, str], store.UnitRow],
    record_id: str,
) -> tuple[store.NewOperation, store.UnitRow]:
    """Checks everything, then builds the record (written with the others) and its
    audit entry: a refusal leaves nothing behind."""
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
    row = store.NewOperation(
        id=record_id,
        **copied(item, "operation", "station", "started_at", "finished_at"),
        unit_id=unit.id,
        operator=operator,
        result=result.value,
        measurements=measurements,
        approved_by=item.approved_by[:200] or None,
        approved_at=item.approved_at if item.approved_by else None,
        approval_meaning=meaning,
    )
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
            "started_at": iso(item.started_at) if item.started_at else None,
            "finished_at": iso(item.finished_at),
            "approved_by": row.approved_by,
            "approved_at": iso(row.approved_at) if row.approved_at else None,
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
