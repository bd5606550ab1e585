"""The direct-SQL floor: each read figure's answer computed straight from the four
services' tables with psycopg (bound parameters only), in the same run as the graph.

Plain SQL a hand-written monolith would send: one statement per kind of fact, the
services' own indexes, no caching; the genealogy reads use production's maintained
ancestry (genealogy_ancestry) as the service does. Whatever the graph adds on top —
HTTP, GraphQL, gRPC hops, per-service processes — is the ratio beside each figure.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from serialtrace.bench.answers import Key, LotFacts, TraceFacts, UnitFacts, canonical, quantity
from serialtrace.bench.databases import Pool

# --- production: genealogy, builds, operations ------------------------------------------

_NODE = "SELECT id FROM genealogy_nodes WHERE kind = %s AND sku = %s AND key = %s"

# Current edges below a unit, two levels down. The levels are spelled out: a recursive
# CTE's row estimate (thousands) made PostgreSQL hash every node, 80 ms at 100,000 units.
_TREE = """
WITH level1 AS (
    SELECT 1 AS depth, e.* FROM genealogy_edges e
    WHERE e.parent_id = %(root)s AND e.removed_at IS NULL
), tree AS (
    SELECT * FROM level1
  UNION ALL
    SELECT 2, e.* FROM genealogy_edges e
    WHERE e.parent_id IN (SELECT component_id FROM level1) AND e.removed_at IS NULL
)
SELECT e.depth, p.sku, p.key, c.id, c.kind, c.sku, c.key, e.quantity, e.operation,
       e.installed_at, e.installed_by, e.removed_at, e.removed_by, e.removal_reason
FROM tree e
JOIN genealogy_nodes p ON p.id = e.parent_id
JOIN genealogy_nodes c ON c.id = e.component_id
ORDER BY e.depth, e.installed_at, e.id
"""

_BUILDS = """
SELECT u.sku, u.serial, u.status, w.id, w.sku, w.quantity, w.bom_revision, w.line, w.status
FROM units u JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON u.sku = k.sku AND u.serial = k.key
LEFT JOIN work_orders w ON w.id = u.work_order_id
"""

_OPERATIONS = """
SELECT u.sku, u.serial, o.id, o.operation, o.station, o.operator, o.started_at, o.finished_at,
       o.result, o.measurements, o.approved_by, o.approved_at, o.approval_meaning
FROM units u JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON u.sku = k.sku AND u.serial = k.key
JOIN operation_records o ON o.unit_id = u.id
ORDER BY o.finished_at, o.id
"""

_INSTALLED_IN = """
SELECT n.id, p.sku, p.key FROM genealogy_nodes n
LEFT JOIN genealogy_nodes p ON p.id = n.installed_in_id WHERE n.id = ANY(%s)
"""

_MATERIAL_LOTS = """
SELECT a.ancestor_id, n.sku, n.key FROM genealogy_ancestry a
JOIN genealogy_nodes n ON n.id = a.descendant_id
WHERE a.ancestor_id = ANY(%s) AND n.kind = 'LOT' ORDER BY n.sku, n.key
"""

# Top-level units (installed in nothing) containing a lot at any depth: all of them, the
# first page in (sku, serial) order, or how many.
_WHERE_USED_ALL = """
SELECT n.sku, n.key FROM genealogy_ancestry a JOIN genealogy_nodes n ON n.id = a.ancestor_id
WHERE a.descendant_id = (SELECT id FROM genealogy_nodes WHERE kind = 'LOT' AND sku = %s
                         AND key = %s)
  AND n.installed_in_id IS NULL
"""
_WHERE_USED_PAGE = _WHERE_USED_ALL + "ORDER BY a.ancestor_sku, a.ancestor_key LIMIT %s"
_WHERE_USED_COUNT = """
SELECT count(*) FROM genealogy_ancestry a JOIN genealogy_nodes n ON n.id = a.ancestor_id
WHERE a.descendant_id = (SELECT id FROM genealogy_nodes WHERE kind = 'LOT' AND sku = %s
                         AND key = %s)
  AND n.installed_in_id IS NULL
"""

# --- warehouse -------------------------------------------------------------------------

_UNIT_STOCK = """
SELECT s.sku, s.serial, s.custody, s.location_code, s.package_sscc, s.shipment_id
FROM unit_stock s JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON s.sku = k.sku AND s.serial = k.key
"""

_MOVEMENTS = """
SELECT m.unit_sku, m.unit_serial, m.kind, m.at, m.by, m.from_location, m.to_location, m.reference
FROM movements m JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON m.unit_sku = k.sku AND m.unit_serial = k.key
ORDER BY m.seq
"""

_PACKAGES = """
SELECT p.sscc, p.kind, p.location_code, p.shipment_id, q.sscc, q.kind, q.location_code
FROM packages p LEFT JOIN packages q ON q.sscc = p.parent_sscc WHERE p.sscc = ANY(%s)
"""

_SHIPMENTS = """
SELECT id, customer_code, shipped_at, carrier, tracking_number, unit_count
FROM shipments WHERE id = ANY(%s)
"""

_LOT_STOCK = """
SELECT l.sku, l.lot_number, l.received_at, s.location_code, s.quantity
FROM lots l JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON l.sku = k.sku AND l.lot_number = k.key
LEFT JOIN lot_stock s ON s.sku = l.sku AND s.lot_number = l.lot_number AND s.quantity > 0
ORDER BY s.location_code
"""

_WHEREABOUTS = """
SELECT s.sku, s.serial, s.custody, s.location_code, s.shipment_id, sh.customer_code
FROM unit_stock s JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON s.sku = k.sku AND s.serial = k.key
LEFT JOIN shipments sh ON sh.id = s.shipment_id
"""

# --- quality ---------------------------------------------------------------------------

# The active holds' columns a trace shows, after the key they are found by. Constant SQL
# text (no input is formatted in); every value is a bound parameter.
_HOLD = """h.id, h.reason, h.placed_by, h.placed_at, h.active,
       h.released_by, h.released_at, h.release_meaning, h.unit_count"""

# The units a hold covers (the units it names and every unit containing one).
_UNIT_HOLDS = f"""
SELECT c.sku, c.serial, {_HOLD}
FROM hold_coverage c JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON c.sku = k.sku AND c.serial = k.key
JOIN holds h ON h.id = c.hold_id AND h.active
"""  # noqa: S608

_LOT_HOLDS = f"""
SELECT s.sku, s.key, {_HOLD}
FROM hold_subjects s JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON s.sku = k.sku AND s.key = k.key
JOIN holds h ON h.id = s.hold_id AND h.active
WHERE s.subject_kind = 'LOT'
"""  # noqa: S608

_INSPECTIONS = """
SELECT i.subject_kind, i.sku, i.key, i.id, i.kind, i.result, i.inspector, i.at, i.measurements
FROM inspections i
JOIN unnest(%(kinds)s::text[], %(skus)s::text[], %(keys)s::text[]) AS k(kind, sku, key)
  ON i.subject_kind = k.kind AND i.sku = k.sku AND i.key = k.key
ORDER BY i.at, i.id
"""

_SCRAPPED = """
SELECT s.subject_kind, s.sku, s.key
FROM nonconformance_subjects s
JOIN unnest(%(kinds)s::text[], %(skus)s::text[], %(keys)s::text[]) AS k(kind, sku, key)
  ON s.subject_kind = k.kind AND s.sku = k.sku AND s.key = k.key
JOIN nonconformances n ON n.id = s.ncr_id AND n.disposition = 'SCRAP'
"""

_RECALLS = """
SELECT i.sku, i.serial, r.id, r.reason, r.status, r.created_at, r.created_by,
       r.scope_computed_in_ms
FROM recall_items i JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON i.sku = k.sku AND i.serial = k.key
JOIN recalls r ON r.id = i.recall_id
"""

_RECALL_COUNTS = """
SELECT recall_id, state, count(*) FROM recall_items WHERE recall_id = ANY(%s)
GROUP BY recall_id, state
"""

# --- masterdata ------------------------------------------------------------------------

_UNITS = """
SELECT u.id, u.sku, u.serial, u.source, u.attributes, u.created_at
FROM units u JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON u.sku = k.sku AND u.serial = k.key
"""

_ALIASES = "SELECT unit_id, kind, value FROM unit_aliases WHERE unit_id = ANY(%s)"

_PRODUCTS = """
SELECT sku, name, kind, tracking, gtin, serial_pattern, uniqueness, required_attributes
FROM products WHERE sku = ANY(%s)
"""

_BOMS = """
SELECT r.sku, r.revision, r.effective_from, r.approved_by, r.approved_at, r.approval_meaning,
       i.item_sku, i.quantity
FROM bom_revisions r
LEFT JOIN bom_items i ON i.sku = r.sku AND i.revision = r.revision
WHERE r.sku = ANY(%s) ORDER BY r.sku, r.revision, i.position
"""

_LOTS = """
SELECT l.sku, l.lot_number, l.supplier_code, l.supplier_lot_number, l.expires_at
FROM lots l JOIN unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)
  ON l.sku = k.sku AND l.lot_number = k.key
"""

_PARTIES = "SELECT code, name, kind FROM parties WHERE code = ANY(%s)"

_LOCATIONS = """
SELECT l.code, l.name, l.kind, l.gln, p.code, p.name, p.kind
FROM locations l LEFT JOIN locations p ON p.code = l.parent_code WHERE l.code = ANY(%s)
"""

# --- every service: the audit ledger ---------------------------------------------------

_AUDIT = """
SELECT entity_id, seq, at, actor, action, entity_type, payload, prev_hash, hash
FROM audit_ledger WHERE entity_type = 'unit' AND entity_id = ANY(%s)
ORDER BY seq LIMIT 10000
"""


def _keys(keys: Iterable[Key]) -> dict[str, list[str]]:
    ordered = sorted(set(keys))
    return {"skus": [k[0] for k in ordered], "keys": [k[1] for k in ordered]}


def _subjects(units: Iterable[Key], lots: Iterable[Key]) -> dict[str, list[str]]:
    subjects = sorted({("UNIT", *u) for u in units} | {("LOT", *lot) for lot in lots})
    return {
        "kinds": [s[0] for s in subjects],
        "skus": [s[1] for s in subjects],
        "keys": [s[2] for s in subjects],
    }


def _all(connection: psycopg.Connection[Any], query: str, params: Any = None) -> list[Any]:
    return connection.execute(query, params).fetchall()


def _by_key(rows: Iterable[Any], width: int = 2) -> dict[Any, list[Any]]:
    """Rows grouped by their first `width` columns (a (sku, key) pair by default)."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[tuple(row[:width])].append(row)
    return grouped


@dataclass
class _Trace:
    """Everything one trace fetched, filled one database at a time."""

    root: Key
    units: list[Key] = field(default_factory=list)  # the root and the units below it
    lots: set[Key] = field(default_factory=set)
    components: dict[Key, list[tuple[str, str, str, float]]] = field(default_factory=dict)
    node_of: dict[Key, int] = field(default_factory=dict)
    builds: dict[Key, Any] = field(default_factory=dict)
    operations: dict[Any, list[Any]] = field(default_factory=dict)
    installed_in: dict[Key, Key | None] = field(default_factory=dict)
    material_lots: dict[Key, list[Key]] = field(default_factory=dict)
    stock: dict[Key, Any] = field(default_factory=dict)
    movements: dict[Any, list[Any]] = field(default_factory=dict)
    packages: dict[str, Any] = field(default_factory=dict)
    shipments: dict[str, Any] = field(default_factory=dict)
    lot_stock: dict[Any, list[Any]] = field(default_factory=dict)
    unit_holds: dict[Any, list[Any]] = field(default_factory=dict)
    lot_holds: dict[Any, list[Any]] = field(default_factory=dict)
    inspections: dict[Any, list[Any]] = field(default_factory=dict)
    scrapped: set[tuple[str, str, str]] = field(default_factory=set)
    recalls: dict[Any, list[Any]] = field(default_factory=dict)
    recall_counts: dict[Any, list[Any]] = field(default_factory=dict)
    registry: dict[Key, Any] = field(default_factory=dict)
    aliases: dict[Any, list[Any]] = field(default_factory=dict)
    products: dict[str, Any] = field(default_factory=dict)
    boms: dict[Any, list[Any]] = field(default_factory=dict)
    lot_registry: dict[Key, Any] = field(default_factory=dict)
    parties: dict[str, Any] = field(default_factory=dict)
    locations: dict[str, Any] = field(default_factory=dict)
    audit: dict[Key, list[tuple[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def _production(c: psycopg.Connection[Any], t: _Trace) -> None:
    t.units.append(t.root)
    found = c.execute(_NODE, ("UNIT", *t.root)).fetchone()
    edges = _all(c, _TREE, {"root": found[0]}) if found else []  # no node: no components
    if found:
        t.node_of[t.root] = found[0]
    for _depth, p_sku, p_key, c_id, c_kind, c_sku, c_key, qty, *_link in edges:
        t.components.setdefault((p_sku, p_key), []).append((c_kind, c_sku, c_key, quantity(qty)))
        if c_kind == "UNIT":
            t.units.append((c_sku, c_key))
            t.node_of[(c_sku, c_key)] = c_id
        else:
            t.lots.add((c_sku, c_key))
    units = _keys(t.units)
    t.builds = {(r[0], r[1]): r for r in _all(c, _BUILDS, units)}
    t.operations = _by_key(_all(c, _OPERATIONS, units))
    key_of = {node: key for key, node in t.node_of.items()}
    t.installed_in = {
        key_of[r[0]]: (r[1], r[2]) if r[1] else None
        for r in _all(c, _INSTALLED_IN, (list(key_of),))
    }
    for node, sku, number in _all(c, _MATERIAL_LOTS, (list(key_of),)):
        t.material_lots.setdefault(key_of[node], []).append((sku, number))
        t.lots.add((sku, number))


def _warehouse(c: psycopg.Connection[Any], t: _Trace) -> None:
    t.stock = {(r[0], r[1]): r for r in _all(c, _UNIT_STOCK, _keys(t.units))}
    t.movements = _by_key(_all(c, _MOVEMENTS, _keys(t.units)))
    ssccs = sorted({s[4] for s in t.stock.values() if s[4]})
    if ssccs:
        t.packages = {r[0]: r for r in _all(c, _PACKAGES, (ssccs,))}
    shipments = {s[5] for s in t.stock.values() if s[5]} | {
        p[3] for p in t.packages.values() if p[3]
    }
    if shipments:
        t.shipments = {r[0]: r for r in _all(c, _SHIPMENTS, (sorted(shipments),))}
    t.lot_stock = _by_key(_all(c, _LOT_STOCK, _keys(t.lots)))


def _quality(c: psycopg.Connection[Any], t: _Trace) -> None:
    t.unit_holds = _by_key(_all(c, _UNIT_HOLDS, _keys(t.units)))
    t.lot_holds = _by_key(_all(c, _LOT_HOLDS, _keys(t.lots)))
    subjects = _subjects(t.units, t.lots)
    t.inspections = _by_key(_all(c, _INSPECTIONS, subjects), width=3)
    t.scrapped = {(r[0], r[1], r[2]) for r in _all(c, _SCRAPPED, subjects)}
    t.recalls = _by_key(_all(c, _RECALLS, _keys(t.units)))
    recall_ids = sorted({r[2] for rows in t.recalls.values() for r in rows})
    if recall_ids:
        t.recall_counts = _by_key(_all(c, _RECALL_COUNTS, (recall_ids,)), width=1)


def _masterdata(c: psycopg.Connection[Any], t: _Trace) -> None:
    t.registry = {(r[1], r[2]): r for r in _all(c, _UNITS, _keys(t.units))}
    t.aliases = _by_key(_all(c, _ALIASES, ([r[0] for r in t.registry.values()],)), width=1)
    unit_skus = sorted({u[0] for u in t.units})
    product_skus = sorted(set(unit_skus) | {k[0] for k in t.lots})
    t.products = {r[0]: r for r in _all(c, _PRODUCTS, (product_skus,))}
    t.boms = _by_key(_all(c, _BOMS, (unit_skus,)), width=1)
    t.lot_registry = {(r[0], r[1]): r for r in _all(c, _LOTS, _keys(t.lots))}
    parties = {r[2] for r in t.lot_registry.values() if r[2]} | {s[1] for s in t.shipments.values()}
    t.parties = {r[0]: r for r in _all(c, _PARTIES, (sorted(parties),))}
    locations = (
        {s[3] for s in t.stock.values() if s[3]}
        | {code for rows in t.movements.values() for m in rows for code in (m[5], m[6]) if code}
        | {code for p in t.packages.values() for code in (p[2], p[6]) if code}
        | {r[3] for rows in t.lot_stock.values() for r in rows if r[3]}
    )
    t.locations = {r[0]: r for r in _all(c, _LOCATIONS, (sorted(locations),))}


def _audit(c: psycopg.Connection[Any], service: str, t: _Trace) -> None:
    entity_ids = {f"{sku}:{serial}": (sku, serial) for sku, serial in t.units}
    for row in _all(c, _AUDIT, (list(entity_ids),)):
        t.audit[entity_ids[row[0]]].append((service, row))


# Owners in the order a trace needs them: genealogy first (which units and lots), then
# whereabouts (which locations and customers), quality, and the registry last.
_PHASES = (
    ("production", _production),
    ("warehouse", _warehouse),
    ("quality", _quality),
    ("masterdata", _masterdata),
)


def trace(pool: Pool, root: Key) -> TraceFacts:
    """queries.TRACE's answer, fetched with plain SQL; returns its comparable facts."""
    t = _Trace(root)
    for service, phase in _PHASES:
        with pool.use(service) as connection:
            phase(connection, t)
            _audit(connection, service, t)
    return _facts(t)


def _status(held: bool, scrapped: bool) -> str:
    return "ON_HOLD" if held else "REJECTED" if scrapped else "OK"


def _facts(t: _Trace) -> TraceFacts:
    units: dict[Key, UnitFacts] = {}
    for key in t.units:
        build, stock, registry = t.builds.get(key), t.stock.get(key), t.registry.get(key)
        package = t.packages.get(stock[4]) if stock and stock[4] else None
        shipment = t.shipments.get(stock[5]) if stock and stock[5] else None
        if build is not None:
            build_status: str | None = build[2]
        else:
            build_status = "PURCHASED" if registry and registry[3] == "PURCHASED" else None
        units[key] = UnitFacts(
            components=tuple(sorted(t.components.get(key, []))),
            material_lots=tuple(sorted(t.material_lots.get(key, []))),
            operations=tuple(sorted(op[2] for op in t.operations.get(key, []))),
            build_status=build_status,
            work_order=build[3] if build else None,
            installed_in=t.installed_in.get(key),
            attributes=canonical(registry[4] if registry else {}),
            aliases=tuple(
                sorted((a[1], a[2]) for a in t.aliases.get((registry[0],) if registry else (), []))
            ),
            custody=stock[2] if stock else "NONE",
            location=stock[3] if stock else None,
            package=package[0] if package else None,
            pallet=package[4] if package else None,
            shipment=shipment[0] if shipment else None,
            customer=shipment[1] if shipment else None,
            movements=tuple((m[2], m[5], m[6]) for m in t.movements.get(key, [])),
            quality=_status(bool(t.unit_holds.get(key)), ("UNIT", *key) in t.scrapped),
            holds=tuple(sorted(h[2] for h in t.unit_holds.get(key, []))),
            inspections=tuple(sorted(i[3] for i in t.inspections.get(("UNIT", *key), []))),
            recalls=tuple(sorted(r[2] for r in t.recalls.get(key, []))),
            audit=tuple(sorted((service, row[1], row[8]) for service, row in t.audit.get(key, []))),
        )
    lots: dict[Key, LotFacts] = {}
    for key in t.lots:
        registry = t.lot_registry.get(key)
        levels = [r for r in t.lot_stock.get(key, []) if r[3] is not None]
        lots[key] = LotFacts(
            supplier=registry[2] if registry else None,
            supplier_lot=registry[3] if registry else None,
            on_hand=quantity(sum(r[4] for r in levels)),
            quality=_status(bool(t.lot_holds.get(key)), ("LOT", *key) in t.scrapped),
            holds=tuple(sorted(h[2] for h in t.lot_holds.get(key, []))),
        )
    return TraceFacts(root=t.root, units=units, lots=lots)


# --- where-used and recall ----------------------------------------------------------


def where_used_page(pool: Pool, lot: Key, first: int) -> list[Key]:
    """The first page of top-level units containing the lot, in the service's order."""
    with pool.use("production") as production:
        return [(r[0], r[1]) for r in _all(production, _WHERE_USED_PAGE, (*lot, first))]


def where_used_count(pool: Pool, lot: Key) -> int:
    with pool.use("production") as production:
        row = production.execute(_WHERE_USED_COUNT, lot).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class RecallFloor:
    affected: int
    counts: dict[str, int]  # by recall state
    scope_ms: float  # scope and whereabouts (the part scopeComputedInMs covers)
    total_ms: float  # plus writing the recall, its items and the hold (rolled back)


def _recall_state(custody: str | None) -> str:
    if custody in ("SHIPPED", "IN_STOCK", "RETURNED"):
        return str(custody)
    return "IN_PRODUCTION"


def recall(pool: Pool, lot: Key) -> RecallFloor:
    """createRecall's work on a lot in plain SQL: the affected top-level units, where each
    one is (custody, location, customer), then the recall, its items, a hold over the
    unshipped ones — written in one transaction that is rolled back, so nothing stays."""
    started = time.perf_counter()
    with pool.use("production") as production:
        scope = [(r[0], r[1]) for r in _all(production, _WHERE_USED_ALL, lot)]
    with pool.use("warehouse") as warehouse:
        where = {(r[0], r[1]): r for r in _all(warehouse, _WHEREABOUTS, _keys(scope))}
    items = []
    for key in sorted(scope):
        place = where.get(key)
        state = _recall_state(place[2] if place else None)
        items.append((*key, state, *(place[3:6] if place else (None, None, None))))
    unshipped = [(i[0], i[1]) for i in items if i[2] in ("IN_PRODUCTION", "IN_STOCK")]
    scope_ms = (time.perf_counter() - started) * 1000
    with pool.use("quality") as quality:
        _write_recall(quality, items, unshipped)
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item[2]] += 1
    return RecallFloor(
        affected=len(items),
        counts=dict(counts),
        scope_ms=scope_ms,
        total_ms=(time.perf_counter() - started) * 1000,
    )


def _write_recall(
    quality: psycopg.Connection[Any], items: Sequence[tuple[Any, ...]], unshipped: list[Key]
) -> None:
    recall_id, hold_id = f"RC-BENCH-{uuid.uuid4().hex[:8]}", f"H-BENCH-{uuid.uuid4().hex[:8]}"
    held = _keys(unshipped)
    with quality.transaction():
        quality.execute(
            "INSERT INTO holds (id, reason, placed_by, placed_at, active, unit_count) "
            "VALUES (%s, 'benchmark floor', 'bench', now(), true, %s)",
            (hold_id, len(unshipped)),
        )
        quality.execute(
            "INSERT INTO hold_subjects (hold_id, subject_kind, sku, key) "
            "SELECT %(hold)s, 'UNIT', k.sku, k.key "
            "FROM unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)",
            {"hold": hold_id, **held},
        )
        quality.execute(
            "INSERT INTO hold_coverage (hold_id, sku, serial) "
            "SELECT %(hold)s, k.sku, k.key "
            "FROM unnest(%(skus)s::text[], %(keys)s::text[]) AS k(sku, key)",
            {"hold": hold_id, **held},
        )
        quality.execute(
            "INSERT INTO recalls (id, reason, status, created_at, created_by, "
            "scope_computed_in_ms, hold_id) "
            "VALUES (%s, 'benchmark floor', 'OPEN', now(), 'bench', 0, %s)",
            (recall_id, hold_id),
        )
        quality.execute(
            "INSERT INTO recall_items (recall_id, sku, serial, state, location_code, "
            "customer_code, shipment_id) "
            "SELECT %(recall)s, i.* FROM unnest(%(skus)s::text[], %(serials)s::text[], "
            "%(states)s::text[], %(locations)s::text[], %(customers)s::text[], "
            "%(shipments)s::text[]) AS i",
            {
                "recall": recall_id,
                "skus": [i[0] for i in items],
                "serials": [i[1] for i in items],
                "states": [i[2] for i in items],
                "locations": [i[3] for i in items],
                "customers": [i[4] for i in items],
                "shipments": [i[5] for i in items],
            },
        )
        raise psycopg.Rollback  # leaves the block with nothing written


# Finished units in a fixed, spread-out order; those without the lot first.
_TRACE_SAMPLE = """
SELECT n.sku, n.key FROM genealogy_nodes n
WHERE n.kind = 'UNIT' AND n.sku = %(sku)s AND n.installed_in_id IS NULL
ORDER BY EXISTS (
    SELECT 1 FROM genealogy_ancestry a
    WHERE a.ancestor_id = n.id AND a.descendant_id = (
        SELECT id FROM genealogy_nodes WHERE kind = 'LOT' AND sku = %(lot_sku)s AND key = %(lot)s
    )
), md5(n.key)
LIMIT %(count)s
"""


def trace_sample(pool: Pool, finished_sku: str, lot: Key, count: int) -> list[Key]:
    """Finished units to trace, spread over the dataset in a fixed order; units without
    `lot` first, so a recall of that lot leaves the next run's traces unchanged."""
    params = {"sku": finished_sku, "lot_sku": lot[0], "lot": lot[1], "count": count}
    with pool.use("production") as production:
        return [(r[0], r[1]) for r in _all(production, _TRACE_SAMPLE, params)]
