"""Production tables and the queries over them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, make_dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import (
    Boolean,
    Select,
    Table,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.orm.util import identity_key
from sqlalchemy.schema import ForeignKey, Index, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, DateTime, Float, Integer, String

from serialtrace.common import db
from serialtrace.common.models import Created, ImportProvenance, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class RouteRow(Base):
    """The operations a product must pass before completion."""

    __tablename__ = "routes"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    operations: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class WorkOrderRow(Created, Base):
    __tablename__ = "work_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    bom_revision: Mapped[str] = mapped_column(String(20))
    line: Mapped[str | None] = mapped_column(String(64))
    # Where completed units enter stock; None only on work orders from before that rule.
    output_location_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    commissioned_count: Mapped[int] = mapped_column(Integer, default=0)


class UnitRow(Base):
    """A unit commissioned here: its build status and work order."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("sku", "serial"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(100))
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OperationRow(Base):
    __tablename__ = "operation_records"
    __table_args__ = (Index("ix_operation_records_unit", "unit_id", "finished_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    operation: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(4))
    measurements: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_meaning: Mapped[str | None] = mapped_column(String(500))


@dataclass(frozen=True)
class OperationFacts:
    """What an operation record states, whether recorded live or imported."""

    operation: str
    station: str
    operator: str
    started_at: datetime | None
    finished_at: datetime
    result: str


@dataclass(frozen=True)
class NewOperation(OperationFacts):
    """An operation record as the recording path writes it (`insert_at_commit`), for
    its answer: a plain object, as an ORM instance of OperationRow costs more to build
    than the rest of a batch item. A live record is not approved yet, by definition;
    an imported one may carry its legacy approval."""

    id: str
    unit_id: int
    measurements: dict[str, Any]
    approved_by: str | None = None  # an imported record may carry its legacy approval
    approved_at: datetime | None = None
    approval_meaning: str | None = None


def work_order(session: Session, wo_id: str, *, for_update: bool = False) -> WorkOrderRow | None:
    query = select(WorkOrderRow).where(WorkOrderRow.id == wo_id)
    return session.scalars(query.with_for_update() if for_update else query).first()


def work_orders(session: Session, ids: Iterable[str]) -> list[WorkOrderRow]:
    return db.get_many(session, WorkOrderRow, WorkOrderRow.id, ids)


def routes(session: Session, skus: Iterable[str]) -> list[RouteRow]:
    return db.get_many(session, RouteRow, RouteRow.sku, skus)


def insert_new_units(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Inserts units not known yet; returns the serials inserted. The unique index finds
    duplicates inside the insert, so the cost does not grow with the table."""
    return {
        r.serial
        for r in db.bulk_insert(
            session, UnitRow, rows, conflict_columns=("sku", "serial"), returning=("serial",)
        )
    }


def units_by_keys(
    session: Session, keys: Sequence[tuple[str, str]], *, for_update: bool = False
) -> list[UnitRow]:
    """Units by (sku, serial), one query per 500 keys."""
    return db.get_many_by_key(
        session, UnitRow, UnitRow.sku, UnitRow.serial, keys, for_update=for_update
    )


# The tables behind the rows, for the write paths that send plain statements.
UNITS = cast(Table, UnitRow.__table__)
OPERATIONS = cast(Table, OperationRow.__table__)


@dataclass
class UnitState:
    """What recording an operation reads of a unit, read without the ORM."""

    id: int
    sku: str
    serial: str
    status: str


def lock_unit_states(session: Session, keys: Sequence[tuple[str, str]]) -> list[UnitState]:
    """Units by (sku, serial), locked FOR UPDATE until the transaction ends: plain rows,
    not ORM objects, for a write path that changes only their status (`set_statuses`).
    Locked in key order, so two writers of the same units never deadlock."""
    if session.get_bind().dialect.name == "postgresql":
        params = {"skus": [k for k, _ in keys], "serials": [k for _, k in keys]}
        return [UnitState(*row) for row in db.driver_rows(session, _LOCK_UNIT_STATES, params)]
    query = select(UNITS.c.id, UNITS.c.sku, UNITS.c.serial, UNITS.c.status)
    return [
        UnitState(*row)
        for clause in db.key_clauses(UNITS.c.sku, UNITS.c.serial, sorted(keys))
        for row in session.execute(query.where(clause).with_for_update())
    ]


# The recording hot path's statements as fixed text with array parameters (in binary),
# on PostgreSQL: the same text for any number of keys, so nothing is compiled per call
# and psycopg prepares each once per connection (an IN-list of n keys is a new
# statement for every n).
_LOCK_UNIT_STATES = (
    "SELECT u.id, u.sku, u.serial, u.status FROM units u"
    " JOIN unnest(%(skus)b::text[], %(serials)b::text[]) AS k(sku, serial)"
    " ON u.sku = k.sku AND u.serial = k.serial"
    " ORDER BY u.sku, u.serial FOR UPDATE OF u"
)
_SET_STATUS = "UPDATE units SET status = %(status)s WHERE id = ANY(%(ids)b::bigint[])"


def set_statuses(
    session: Session,
    statuses: dict[int, str],
    at_commit: Callable[[str, dict[str, Any]], None] | None = None,
) -> None:
    """Sets units' status by id, one UPDATE per status. On PostgreSQL, given `at_commit`
    (`UnitOfWork.execute_at_commit`), each UPDATE goes in the commit's round trip instead
    of one of its own: the units are locked already and nothing reads the status back."""
    by_status: dict[str, list[int]] = {}
    for unit_id, status in statuses.items():
        by_status.setdefault(status, []).append(unit_id)
    postgres = session.get_bind().dialect.name == "postgresql"
    for status, ids in sorted(by_status.items()):
        if postgres:
            params = {"status": status, "ids": sorted(ids)}
            if at_commit is not None:
                at_commit(_SET_STATUS, params)
            else:
                db.driver_rows(session, _SET_STATUS, params)
            continue
        for part in db.chunks(sorted(ids)):
            session.execute(update(UNITS).where(UNITS.c.id.in_(part)).values(status=status))


def operations_of(session: Session, unit_ids: Sequence[int]) -> list[OperationRow]:
    order = (OperationRow.finished_at, OperationRow.id)
    return db.get_many(session, OperationRow, OperationRow.unit_id, unit_ids, order_by=order)


def passed_operations(session: Session, unit_ids: Sequence[int]) -> dict[int, set[str]]:
    """The operations each unit has a passing record of, by unit id."""
    passed: dict[int, set[str]] = {i: set() for i in unit_ids}
    for part in db.chunks(sorted(set(unit_ids))):
        for row in session.execute(
            select(OperationRow.unit_id, OperationRow.operation).where(
                OperationRow.unit_id.in_(part), OperationRow.result == "PASS"
            )
        ):
            passed[row.unit_id].add(row.operation)
    return passed


def passed_operations_of_every_unit(session: Session) -> dict[int, set[str]]:
    """The operations each unit has a passing record of, by unit id, in one query
    (governance reads every unit at once; units without one are absent)."""
    passed: dict[int, set[str]] = {}
    for unit_id, operation in session.execute(
        select(OperationRow.unit_id, OperationRow.operation)
        .where(OperationRow.result == "PASS")
        .distinct()
    ):
        passed.setdefault(unit_id, set()).add(operation)
    return passed


def installed_quantities_of_every_unit(
    session: Session,
) -> dict[tuple[str, str], dict[str, float]]:
    """The quantity of each component SKU installed now in every unit, by (sku, serial):
    one grouped join over the current edges, summed in the database."""
    parent = NodeRow.__table__.alias("parent")
    component = NodeRow.__table__.alias("component")
    edges = EdgeRow.__table__
    installed: dict[tuple[str, str], dict[str, float]] = {}
    for sku, serial, component_sku, quantity in session.execute(
        select(parent.c.sku, parent.c.key, component.c.sku, func.sum(edges.c.quantity))
        .select_from(edges)
        .join(parent, parent.c.id == edges.c.parent_id)
        .join(component, component.c.id == edges.c.component_id)
        .where(parent.c.kind == "UNIT", edges.c.removed_at.is_(None))
        .group_by(parent.c.sku, parent.c.key, component.c.sku)
    ):
        installed.setdefault((sku, serial), {})[component_sku] = float(quantity)
    return installed


def units_by_ids(session: Session, ids: Iterable[int]) -> dict[int, UnitRow]:
    return {r.id: r for r in db.get_many(session, UnitRow, UnitRow.id, ids)}


# --- genealogy ---------------------------------------------------------------------


class NodeRow(Base):
    """A unit or lot that takes part in genealogy (commissioned here or purchased)."""

    __tablename__ = "genealogy_nodes"
    __table_args__ = (UniqueConstraint("kind", "sku", "key"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(4))  # UNIT or LOT
    sku: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(100))  # serial or lot number
    # The unit this unit is installed in now (units only; lots sit in many parents).
    installed_in_id: Mapped[int | None] = mapped_column(
        ForeignKey("genealogy_nodes.id"), index=True
    )


class EdgeRow(Base):
    """One installation: a component (unit or lot quantity) in a parent unit; kept after
    removal, with who, when and why."""

    __tablename__ = "genealogy_edges"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("genealogy_nodes.id"), index=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("genealogy_nodes.id"), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    operation: Mapped[str | None] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    installed_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removal_reason: Mapped[str | None] = mapped_column(String(500))


if TYPE_CHECKING:
    NewEdge = EdgeRow  # the same attributes, for the type checker
else:
    # An installation as the import path writes it (one insert per call), for its audit
    # entry and answer: a frozen dataclass of the table's own columns, as an ORM
    # instance of EdgeRow cost an imported installation more to build than judging it.
    NewEdge = make_dataclass(
        "NewEdge", [c.key for c in EdgeRow.__table__.columns], frozen=True, slots=True
    )


class AncestryRow(Base):
    """Closure of the current genealogy: `ancestor` contains `descendant` at some depth,
    along `paths` distinct current paths (so removing one path keeps the others)."""

    __tablename__ = "genealogy_ancestry"
    # A where-used page is one range of this index: the ancestors of one descendant in
    # (sku, serial) order. Its last column serves the look-ups by descendant as before.
    __table_args__ = (
        Index(
            "ix_genealogy_ancestry_descendant_key",
            "descendant_id",
            "ancestor_sku",
            "ancestor_key",
            "ancestor_id",
        ),
    )
    ancestor_id: Mapped[int] = mapped_column(ForeignKey("genealogy_nodes.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("genealogy_nodes.id"), primary_key=True)
    paths: Mapped[int] = mapped_column(BigInteger)
    # The ancestor's (sku, serial), copied from its node, which never changes them.
    ancestor_sku: Mapped[str] = mapped_column(String(64))
    ancestor_key: Mapped[str] = mapped_column(String(100))


# Up to this many keys, node ids are read through a statement built once.
FEW_KEYS = 100
_NODE_IDS = db.where_among(
    select(NodeRow.id, NodeRow.sku, NodeRow.key), NodeRow.kind, NodeRow.sku, NodeRow.key
)


def node_ids(
    session: Session, kind: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Node ids of existing units or lots, by (sku, serial or lot number)."""
    if len(keys) <= FEW_KEYS:  # a trace's: through the statement built once
        found = db.run_among(session, _NODE_IDS, [(kind, sku, key) for sku, key in keys])
        return {(r.sku, r.key): r.id for r in found}
    query = select(NodeRow.id, NodeRow.sku, NodeRow.key).where(NodeRow.kind == kind)
    return {
        (r.sku, r.key): r.id for r in db.rows_by_key(session, query, NodeRow.sku, NodeRow.key, keys)
    }


def ensure_nodes(
    session: Session, kind: str, keys: Sequence[tuple[str, str]], *, lock: bool
) -> dict[tuple[str, str], NodeRow]:
    """The nodes of these units or lots, created on first use, by (sku, serial or lot
    number); locked for this transaction if `lock`. Two statements however many."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    # ON CONFLICT: concurrent first uses of one component queue on the unique index
    # instead of failing on it; sorted, so two such inserts cannot deadlock.
    db.bulk_insert(
        session,
        NodeRow,
        [{"kind": kind, "sku": sku, "key": key} for sku, key in wanted],
        conflict_columns=("kind", "sku", "key"),
    )
    found = db.get_many_by_key(
        session,
        NodeRow,
        NodeRow.sku,
        NodeRow.key,
        wanted,
        where=(NodeRow.kind == kind,),
        order_by=(NodeRow.sku, NodeRow.key),
        for_update=lock,
    )
    return {(n.sku, n.key): n for n in found}


def ensure_node(session: Session, kind: str, sku: str, key: str, *, lock: bool = True) -> NodeRow:
    """One node: ensure_nodes of one."""
    return ensure_nodes(session, kind, [(sku, key)], lock=lock)[(sku, key)]


# Every (ancestor of the parent, descendant of the component) pair gains or loses
# paths(ancestor→parent) * paths(component→descendant); the parent and the component
# count as their own ancestor/descendant with one path.
_PAIRS = """
WITH up(id, paths) AS (
    SELECT :parent, 1
    UNION ALL
    SELECT ancestor_id, paths FROM genealogy_ancestry WHERE descendant_id = :parent
), down(id, paths) AS (
    SELECT :component, 1
    UNION ALL
    SELECT descendant_id, paths FROM genealogy_ancestry WHERE ancestor_id = :component
)
"""


# Constant SQL text (no user input is formatted in); every value is a bound parameter.
_UNLINK_SQL = (
    _PAIRS  # noqa: S608
    + "UPDATE genealogy_ancestry SET paths = genealogy_ancestry.paths - "
    "(SELECT up.paths * down.paths FROM up, down WHERE up.id = "
    "genealogy_ancestry.ancestor_id AND down.id = genealogy_ancestry.descendant_id) "
    "WHERE ancestor_id IN (SELECT id FROM up) AND descendant_id IN (SELECT id FROM down)"
)


# The same for many components of one parent at once, each counted `times` times.
_LINK_MANY_SQL = text(
    """
WITH up(id, paths) AS (
    SELECT :parent, 1
    UNION ALL
    SELECT ancestor_id, paths FROM genealogy_ancestry WHERE descendant_id = :parent
), down(id, paths) AS (
    SELECT id, 1 FROM genealogy_nodes WHERE id IN :components
    UNION ALL
    SELECT descendant_id, paths FROM genealogy_ancestry WHERE ancestor_id IN :components
)
INSERT INTO genealogy_ancestry (ancestor_id, descendant_id, paths, ancestor_sku, ancestor_key)
SELECT up.id, down.id, SUM(up.paths * down.paths) * :times, a.sku, a.key
FROM up CROSS JOIN down JOIN genealogy_nodes a ON a.id = up.id
WHERE true GROUP BY up.id, down.id, a.sku, a.key
ON CONFLICT (ancestor_id, descendant_id)
DO UPDATE SET paths = genealogy_ancestry.paths + excluded.paths
"""
).bindparams(bindparam("components", expanding=True))


def link_all(session: Session, parent_id: int, component_ids: Sequence[int]) -> None:
    """Adds the paths of new current edges from one parent to the ancestry: one
    statement, or one per multiplicity if a component is installed more than once."""
    by_times: dict[int, list[int]] = {}
    for component, times in Counter(component_ids).items():
        by_times.setdefault(times, []).append(component)
    for times, components in sorted(by_times.items()):
        session.execute(
            _LINK_MANY_SQL, {"parent": parent_id, "components": components, "times": times}
        )


def unlink(session: Session, parent_id: int, component_id: int) -> None:
    """Takes one removed edge's paths out of the ancestry; pairs left with none go."""
    params = {"parent": parent_id, "component": component_id}
    session.execute(
        text(_UNLINK_SQL),
        params,
    )
    session.execute(text("DELETE FROM genealogy_ancestry WHERE paths <= 0"))


def contains(session: Session, ancestor_id: int, descendant_id: int) -> bool:
    return (
        ancestor_id == descendant_id
        or session.get(AncestryRow, (ancestor_id, descendant_id)) is not None
    )


def current_edge(session: Session, parent_id: int, component_id: int) -> EdgeRow | None:
    return session.scalars(
        select(EdgeRow)
        .where(
            EdgeRow.parent_id == parent_id,
            EdgeRow.component_id == component_id,
            EdgeRow.removed_at.is_(None),
        )
        .with_for_update()
    ).first()


# A node by its id, or by (kind, sku, key): then looked up inside the statement that
# needs it, which saves a where-used page the round trip of reading the id first.
NodeRef = int | tuple[str, str, str]


def _node_id(node: NodeRef) -> Any:
    if isinstance(node, int):
        return node
    kind, sku, key = node
    return (
        select(NodeRow.id)
        .where(NodeRow.kind == kind, NodeRow.sku == sku, NodeRow.key == key)
        .scalar_subquery()
    )


def _containing(node: NodeRef, top_level_only: bool) -> Select[tuple[str, str]]:
    """The (sku, serial) of the units containing the node at any depth (only top-level
    ones, installed in nothing, unless told otherwise), from the ancestry rows, which
    carry their ancestor's key."""
    containing = select(AncestryRow.ancestor_sku, AncestryRow.ancestor_key).where(
        AncestryRow.descendant_id == _node_id(node)
    )
    if top_level_only:
        containing = containing.join(NodeRow, NodeRow.id == AncestryRow.ancestor_id).where(
            NodeRow.installed_in_id.is_(None)
        )
    return containing


def where_used(
    session: Session,
    node: NodeRef,
    limit: int,
    after: tuple[str, str] | None = None,
    top_level_only: bool = True,
) -> list[tuple[str, str]]:
    """One page of the units containing the node, (sku, serial) in that order after
    `after` (none if there is no such node). The page is one range of the ancestry index
    by (descendant, sku, serial), so its cost does not grow with the number of units that
    contain the node; plain key columns, no ORM objects, since quality reads 30,000 of
    them for a recall."""
    page_query = _containing(node, top_level_only)
    if after is not None:
        page_query = page_query.where(
            tuple_(AncestryRow.ancestor_sku, AncestryRow.ancestor_key)
            > tuple_(literal(after[0]), literal(after[1]))
        )
    ordered = page_query.order_by(AncestryRow.ancestor_sku, AncestryRow.ancestor_key)
    return [(sku, key) for sku, key in session.execute(ordered.limit(limit))]


def where_used_count(session: Session, node: NodeRef, top_level_only: bool = True) -> int:
    """How many units contain the node: the whole index range, so only when asked."""
    containing = _containing(node, top_level_only).subquery()
    return int(session.execute(select(func.count()).select_from(containing)).scalar_one())


# Built once (db.where_among): the lots below units, by the units' node ids.
_DESCENDANT_LOTS = db.where_among(
    select(AncestryRow.ancestor_id, NodeRow)
    .join(NodeRow, NodeRow.id == AncestryRow.descendant_id)
    .where(NodeRow.kind == "LOT"),
    AncestryRow.ancestor_id,
).order_by(NodeRow.sku, NodeRow.key)


def descendant_lots(session: Session, unit_node_ids: Sequence[int]) -> dict[int, list[NodeRow]]:
    """Every lot inside each unit at any depth (the backward trace of materials)."""
    result: dict[int, list[NodeRow]] = {}
    for ancestor_id, node in db.run_among(session, _DESCENDANT_LOTS, unit_node_ids):
        result.setdefault(ancestor_id, []).append(node)
    return result


def edges_of_parents(
    session: Session, parent_ids: Sequence[int], include_removed: bool
) -> list[EdgeRow]:
    current = () if include_removed else (EdgeRow.removed_at.is_(None),)
    order = (EdgeRow.installed_at, EdgeRow.id)
    return db.get_many(
        session, EdgeRow, EdgeRow.parent_id, parent_ids, where=current, order_by=order
    )


_EDGES_BELOW = text(
    "WITH RECURSIVE tree(id, component_id, level) AS ("
    " SELECT e.id, e.component_id, 0 FROM genealogy_edges e"
    " WHERE e.parent_id IN :roots AND (:all_edges OR e.removed_at IS NULL)"
    " UNION ALL"
    " SELECT e.id, e.component_id, t.level + 1 FROM genealogy_edges e"
    " JOIN tree t ON e.parent_id = t.component_id"
    " WHERE t.level < :last_level AND (:all_edges OR e.removed_at IS NULL)"
    ") SELECT id, min(level) FROM tree GROUP BY id"
).bindparams(bindparam("roots", expanding=True))


def edges_below(
    session: Session, root_ids: Sequence[int], levels: int, include_removed: bool
) -> list[tuple[EdgeRow, int]]:
    """The edges of the roots (level 0) and of their components, `levels` levels in all,
    each with the level it is first met at, in (level, installed_at, id) order: two
    statements however deep, where a read per level took three."""
    if not root_ids or levels < 1:
        return []
    params = {
        "roots": sorted(set(root_ids)),
        "all_edges": include_removed,
        "last_level": levels - 1,
    }
    level_of = {edge_id: level for edge_id, level in session.execute(_EDGES_BELOW, params)}
    edges = db.get_many(session, EdgeRow, EdgeRow.id, level_of)
    found = [(edge, level_of[edge.id]) for edge in edges]
    return sorted(found, key=lambda x: (x[1], x[0].installed_at, x[0].id))


def tree_edges(session: Session, root_id: int, include_removed: bool) -> list[EdgeRow]:
    """Every edge below a unit, all levels, in one recursive query."""
    ids = (
        session.execute(
            text(
                "WITH RECURSIVE tree(id, component_id) AS ("
                " SELECT e.id, e.component_id FROM genealogy_edges e"
                " WHERE e.parent_id = :root AND (:all_edges OR e.removed_at IS NULL)"
                " UNION ALL"
                " SELECT e.id, e.component_id FROM genealogy_edges e"
                " JOIN tree t ON e.parent_id = t.component_id"
                " WHERE :all_edges OR e.removed_at IS NULL"
                ") SELECT id FROM tree"
            ),
            {"root": root_id, "all_edges": include_removed},
        )
        .scalars()
        .all()
    )
    found = db.get_many(session, EdgeRow, EdgeRow.id, ids)
    return sorted(found, key=lambda e: (e.installed_at, e.id))


def nodes_by_ids(session: Session, ids: Iterable[int]) -> dict[int, NodeRow]:
    """Nodes by id; those this session already holds (an install just wrote or locked
    them) are not read again."""
    result: dict[int, NodeRow] = {}
    missing = []
    for node_id in set(ids):
        held = session.identity_map.get(identity_key(NodeRow, node_id))
        if isinstance(held, NodeRow):
            result[node_id] = held
        else:
            missing.append(node_id)
    result.update((r.id, r) for r in db.get_many(session, NodeRow, NodeRow.id, missing))
    return result


def add_edges(
    session: Session,
    parent: NodeRow,
    components: Sequence[tuple[str, NodeRow, float]],
    operation: str | None,
    actor: str,
    at: datetime,
) -> list[EdgeRow]:
    """Records installations of (edge id, component, quantity) into one parent and folds
    them into the ancestry: a few statements however many components."""
    edges = [
        EdgeRow(
            id=edge_id,
            parent_id=parent.id,
            component_id=component.id,
            quantity=quantity,
            operation=operation,
            installed_at=at,
            installed_by=actor,
        )
        for edge_id, component, quantity in components
    ]
    db.bulk_insert(
        session,
        EdgeRow,
        [
            {
                "id": e.id,
                "parent_id": e.parent_id,
                "component_id": e.component_id,
                "quantity": e.quantity,
                "operation": e.operation,
                "installed_at": e.installed_at,
                "installed_by": e.installed_by,
            }
            for e in edges
        ],
    )
    for _, component, _ in components:
        if component.kind == "UNIT":
            component.installed_in_id = parent.id
    session.flush()
    link_all(session, parent.id, [e.component_id for e in edges])
    return edges


def add_edge(
    session: Session,
    edge_id: str,
    parent: NodeRow,
    component: NodeRow,
    quantity: float,
    operation: str | None,
    actor: str,
    at: datetime,
) -> EdgeRow:
    """One installation: add_edges of one."""
    return add_edges(session, parent, [(edge_id, component, quantity)], operation, actor, at)[0]


def remove_edge(
    session: Session, edge: EdgeRow, component: NodeRow, actor: str, reason: str, at: datetime
) -> EdgeRow:
    """Closes an installation (history kept) and takes it out of the ancestry."""
    edge.removed_at, edge.removed_by, edge.removal_reason = at, actor, reason
    if component.kind == "UNIT":
        component.installed_in_id = None
    session.flush()
    unlink(session, edge.parent_id, edge.component_id)
    return edge


class ImportProvenanceRow(ImportProvenance, Base):
    """Where an imported fact (a build, a genealogy edge, an operation record) came
    from: batch, file and row, and when it was recorded here."""


def count_import_provenance(session: Session, batch_id: str) -> list[tuple[str, str, int]]:
    """(file, entity type, count) of a batch's facts still present: a provenance row
    counts only while the build, edge or record it names is there."""
    unit_entity = UnitRow.sku + literal(":") + UnitRow.serial
    facts = (
        ("unit_build", UnitRow, unit_entity),
        ("component_link", EdgeRow, EdgeRow.id),
        ("operation", OperationRow, OperationRow.id),
    )
    found: list[tuple[str, str, int]] = []
    for entity_type, model, entity_id in facts:
        query = (
            select(ImportProvenanceRow.file, func.count())
            .join(model, entity_id == ImportProvenanceRow.entity_id)
            .where(
                ImportProvenanceRow.batch_id == batch_id,
                ImportProvenanceRow.entity_type == entity_type,
            )
            .group_by(ImportProvenanceRow.file)
        )
        found += [(f, entity_type, int(n)) for f, n in session.execute(query)]
    return sorted(found)


def import_provenance_ids(session: Session, batch_id: str, entity_type: str) -> list[str]:
    return list(
        session.scalars(
            select(ImportProvenanceRow.entity_id)
            .where(
                ImportProvenanceRow.batch_id == batch_id,
                ImportProvenanceRow.entity_type == entity_type,
            )
            .order_by(ImportProvenanceRow.entity_id)
        )
    )


def edges_by_ids(session: Session, ids: Sequence[str]) -> list[EdgeRow]:
    found: list[EdgeRow] = []
    for part in db.chunks(sorted(set(ids))):
        found += session.scalars(select(EdgeRow).where(EdgeRow.id.in_(part)))
    return found


def edges_touching(session: Session, node_ids: Sequence[int]) -> list[EdgeRow]:
    """Every edge (current or removed) with one of these nodes as parent or component."""
    found: dict[str, EdgeRow] = {}
    for part in db.chunks(sorted(set(node_ids))):
        for column in (EdgeRow.parent_id, EdgeRow.component_id):
            found.update(
                (e.id, e) for e in session.scalars(select(EdgeRow).where(column.in_(part)))
            )
    return list(found.values())


def operations_by_ids(session: Session, ids: Sequence[str]) -> list[OperationRow]:
    found: list[OperationRow] = []
    for part in db.chunks(sorted(set(ids))):
        found += session.scalars(select(OperationRow).where(OperationRow.id.in_(part)))
    return found


def delete_rows(session: Session, rows: Sequence[Any]) -> None:
    for row in rows:
        session.delete(row)
    session.flush()


def contains_itself(session: Session, node_id: int) -> bool:
    """A unit in its own ancestry: a loop, which the install rules never let happen."""
    return session.get(AncestryRow, (node_id, node_id)) is not None


# --- migration imports: set-based writes of a whole call ---------------------------------


def add_import_provenance(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    db.bulk_insert(session, ImportProvenanceRow, rows)


def ancestry_among(session: Session, node_ids: Sequence[int]) -> list[tuple[int, int]]:
    """The stored (ancestor, descendant) pairs with both ends among these nodes."""
    found: list[tuple[int, int]] = []
    for part in db.chunks(sorted(set(node_ids))):
        for ancestor, descendant in session.execute(
            select(AncestryRow.ancestor_id, AncestryRow.descendant_id).where(
                AncestryRow.ancestor_id.in_(part), AncestryRow.descendant_id.in_(node_ids)
            )
        ):
            found.append((int(ancestor), int(descendant)))
    return found


def insert_edges(session: Session, edges: Sequence[EdgeRow | NewEdge]) -> None:
    """Edges (current or already removed) in one insert."""
    columns = (
        "id",
        "parent_id",
        "component_id",
        "quantity",
        "operation",
        "installed_at",
        "installed_by",
        "removed_at",
        "removed_by",
        "removal_reason",
    )
    db.bulk_insert(session, EdgeRow, [{c: getattr(e, c) for c in columns} for e in edges])


# The ancestry paths of many new current edges, none on a path through another of
# them (see production.imports): every (ancestor-or-self of a parent,
# descendant-or-self of its component) pair gains paths(up) * paths(down) * times.
_LINK_EDGES_SQL = text(
    """
WITH e(parent, component, times) AS (
    SELECT * FROM unnest(CAST(:parents AS bigint[]), CAST(:components AS bigint[]),
                         CAST(:times AS bigint[]))
), up(parent, id, paths) AS (
    SELECT DISTINCT parent, parent, CAST(1 AS bigint) FROM e
    UNION ALL
    SELECT a.descendant_id, a.ancestor_id, a.paths FROM genealogy_ancestry a
    WHERE a.descendant_id IN (SELECT parent FROM e)
), down(component, id, paths) AS (
    SELECT DISTINCT component, component, CAST(1 AS bigint) FROM e
    UNION ALL
    SELECT a.ancestor_id, a.descendant_id, a.paths FROM genealogy_ancestry a
    WHERE a.ancestor_id IN (SELECT component FROM e)
)
INSERT INTO genealogy_ancestry (ancestor_id, descendant_id, paths, ancestor_sku, ancestor_key)
SELECT up.id, down.id, SUM(up.paths * down.paths * e.times), n.sku, n.key
FROM e JOIN up ON up.parent = e.parent JOIN down ON down.component = e.component
JOIN genealogy_nodes n ON n.id = up.id
GROUP BY up.id, down.id, n.sku, n.key
ON CONFLICT (ancestor_id, descendant_id)
DO UPDATE SET paths = genealogy_ancestry.paths + excluded.paths
"""
)


def link_edges(session: Session, edges: Sequence[tuple[int, int, int]]) -> None:
    """Folds new current (parent, component, times) edges, no two on one path, into the
    ancestry: one statement on PostgreSQL; one per parent elsewhere."""
    if not edges:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _LINK_EDGES_SQL,
            {
                "parents": [p for p, _, _ in edges],
                "components": [c for _, c, _ in edges],
                "times": [t for _, _, t in edges],
            },
        )
        return
    by_parent: dict[int, list[int]] = {}
    for parent, component, times in edges:
        by_parent.setdefault(parent, []).extend([component] * times)
    for parent, components in by_parent.items():
        link_all(session, parent, components)


def insert_operations(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    db.bulk_insert(session, OperationRow, rows)


# --- a trace's facts: Core statements built once, plain rows ------------------------------
# A trace reads the same few shapes on every call: each is built here once, run with its
# keys bound (`db.rows_among`), and read as rows, not ORM instances (about half of a
# small read's CPU went to the ORM's execution and its objects).

NODES = cast(Table, NodeRow.__table__)
EDGES = cast(Table, EdgeRow.__table__)
ANCESTRY = cast(Table, AncestryRow.__table__)
WORK_ORDERS = cast(Table, WorkOrderRow.__table__)


class NodeName(NamedTuple):
    """A genealogy node as a link's answer names it."""

    kind: str
    sku: str
    key: str


def _unit_nodes_among() -> Any:
    """The unit nodes whose (sku, serial) are among the bound values."""
    return tuple_(NODES.c.sku, NODES.c.key).in_(bindparam(db.PREBUILT_VALUES, expanding=True))


def _subtree_links_statement() -> Any:
    """Every edge below the bound units, `last_level` + 1 levels of them, each with the
    level it is first met at and both its ends, in (level, installed_at, id) order."""
    every = bindparam("all_edges", type_=Boolean)
    roots = select(NODES.c.id).where(NODES.c.kind == "UNIT", _unit_nodes_among())
    tree = (
        select(EDGES.c.id, EDGES.c.component_id, literal(0, Integer).label("level"))
        .where(EDGES.c.parent_id.in_(roots), or_(every, EDGES.c.removed_at.is_(None)))
        .cte("tree", recursive=True)
    )
    deeper = EDGES.alias("deeper")
    tree = tree.union_all(
        select(deeper.c.id, deeper.c.component_id, tree.c.level + 1)
        .join(tree, deeper.c.parent_id == tree.c.component_id)
        .where(tree.c.level < bindparam("last_level"), or_(every, deeper.c.removed_at.is_(None)))
    )
    first = select(tree.c.id, func.min(tree.c.level).label("level")).group_by(tree.c.id).subquery()
    parent, component = NODES.alias("parent"), NODES.alias("component")
    return (
        select(
            first.c.level,
            *EDGES.c,
            parent.c.sku.label("parent_sku"),
            parent.c.key.label("parent_key"),
            component.c.kind.label("component_kind"),
            component.c.sku.label("component_sku"),
            component.c.key.label("component_key"),
        )
        .select_from(first)
        .join(EDGES, EDGES.c.id == first.c.id)
        .join(parent, parent.c.id == EDGES.c.parent_id)
        .join(component, component.c.id == EDGES.c.component_id)
    )


_SUBTREE_LINKS = _subtree_links_statement()


def subtree_links(
    session: Session, units: Sequence[tuple[str, str]], levels: int, include_removed: bool
) -> list[tuple[Any, int, NodeName, NodeName]]:
    """The edges of the units (level 0) and of their components, `levels` levels in all,
    each with the level it is first met at and its two ends, in (level, installed_at, id)
    order: one statement however deep."""
    if not units or levels < 1:
        return []
    rows = db.rows_among(
        session, _SUBTREE_LINKS, units, all_edges=include_removed, last_level=levels - 1
    )
    first: dict[str, Any] = {}
    for row in rows:  # an edge met from roots of two chunks: its first level
        if row.id not in first or row.level < first[row.id].level:
            first[row.id] = row
    return [
        (
            row,
            row.level,
            NodeName("UNIT", row.parent_sku, row.parent_key),
            NodeName(row.component_kind, row.component_sku, row.component_key),
        )
        for row in sorted(first.values(), key=lambda r: (r.level, r.installed_at, r.id))
    ]


_UNIT_ROWS = db.where_among(select(*UNITS.c), UNITS.c.sku, UNITS.c.serial)


def unit_rows(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The rows (units' columns) of the units commissioned here, in key order."""
    return sorted(db.rows_among(session, _UNIT_ROWS, keys), key=lambda r: (r.sku, r.serial))


@dataclass(frozen=True)
class UnitNode:
    """A unit in genealogy: the unit it is installed in now, and (when read) every lot
    inside it at any depth."""

    sku: str
    key: str
    holder: tuple[str, str] | None
    lots: list[tuple[str, str]]


def _unit_nodes_statement(with_lots: bool) -> Any:
    holder, lot = NODES.alias("holder"), NODES.alias("lot")
    columns = [NODES.c.sku, NODES.c.key, holder.c.sku.label("holder_sku"), holder.c.key]
    joined = NODES.outerjoin(holder, holder.c.id == NODES.c.installed_in_id)
    if with_lots:
        columns += [lot.c.sku.label("lot_sku"), lot.c.key.label("lot_key")]
        lots = ANCESTRY.join(lot, and_(lot.c.id == ANCESTRY.c.descendant_id, lot.c.kind == "LOT"))
        joined = joined.outerjoin(lots, ANCESTRY.c.ancestor_id == NODES.c.id)
    return (
        select(*columns[:3], columns[3].label("holder_key"), *columns[4:])
        .select_from(joined)
        .where(NODES.c.kind == "UNIT", _unit_nodes_among())
    )


_UNIT_NODES = _unit_nodes_statement(with_lots=False)
_UNIT_NODES_WITH_LOTS = _unit_nodes_statement(with_lots=True)


def unit_nodes(
    session: Session, keys: Sequence[tuple[str, str]], with_lots: bool = False
) -> list[UnitNode]:
    """The units of these in genealogy, in key order, each with the unit it is installed
    in and, `with_lots`, every lot inside it in key order: one statement."""
    found: dict[tuple[str, str], UnitNode] = {}
    for row in db.rows_among(session, _UNIT_NODES_WITH_LOTS if with_lots else _UNIT_NODES, keys):
        node = found.get((row.sku, row.key))
        if node is None:
            holder = (row.holder_sku, row.holder_key) if row.holder_sku is not None else None
            node = found[(row.sku, row.key)] = UnitNode(row.sku, row.key, holder, [])
        if with_lots and row.lot_sku is not None:
            node.lots.append((row.lot_sku, row.lot_key))
    return [UnitNode(n.sku, n.key, n.holder, sorted(n.lots)) for _, n in sorted(found.items())]


_OPERATIONS_OF_UNITS = db.where_among(
    select(*OPERATIONS.c, UNITS.c.sku.label("unit_sku"), UNITS.c.serial.label("unit_serial")).join(
        UNITS, UNITS.c.id == OPERATIONS.c.unit_id
    ),
    UNITS.c.sku,
    UNITS.c.serial,
)


def operations_of_units(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The operation records of the units (with `unit_sku`, `unit_serial`), unit by unit
    in key order, each unit's by (finished_at, id)."""
    rows = db.rows_among(session, _OPERATIONS_OF_UNITS, keys)
    return sorted(rows, key=lambda r: (r.unit_sku, r.unit_serial, r.finished_at, r.id))


_WORK_ORDERS_OF_UNITS = select(*WORK_ORDERS.c).where(
    WORK_ORDERS.c.id.in_(db.where_among(select(UNITS.c.work_order_id), UNITS.c.sku, UNITS.c.serial))
)


def work_orders_of_units(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The work orders the units were built on, by id."""
    return sorted(db.rows_among(session, _WORK_ORDERS_OF_UNITS, keys), key=lambda r: r.id)
