"""What a trace answered, reduced to comparable facts, so the graph's answer and the
direct-SQL answer of the same run can be checked equal (same units, lots, operations,
whereabouts, holds, audit entries…), not merely both fast."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Key = tuple[str, str]  # (sku, serial) or (sku, lot number)


@dataclass(frozen=True)
class UnitFacts:
    components: tuple[tuple[str, str, str, float], ...]  # sorted (UNIT|LOT, sku, key, qty)
    material_lots: tuple[Key, ...]  # sorted
    operations: tuple[str, ...]  # sorted ids
    build_status: str | None
    work_order: str | None
    installed_in: Key | None
    attributes: str  # canonical JSON
    aliases: tuple[Key, ...]  # sorted (kind, value)
    custody: str
    location: str | None
    package: str | None
    pallet: str | None
    shipment: str | None
    customer: str | None
    movements: tuple[tuple[str, str | None, str | None], ...]  # in order: kind, from, to
    quality: str
    holds: tuple[str, ...]
    inspections: tuple[str, ...]
    recalls: tuple[str, ...]
    audit: tuple[tuple[str, int, str], ...]  # sorted (service, seq, hash)


@dataclass(frozen=True)
class LotFacts:
    supplier: str | None
    supplier_lot: str | None
    on_hand: float
    quality: str
    holds: tuple[str, ...]


@dataclass(frozen=True)
class TraceFacts:
    root: Key
    units: dict[Key, UnitFacts]  # the unit and every unit two levels below it
    lots: dict[Key, LotFacts]  # every lot met: components and material lots


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def quantity(value: float) -> float:
    return round(float(value), 6)


def _code(value: dict[str, Any] | None) -> str | None:
    return value["code"] if value else None


def _lot_facts(lot: dict[str, Any]) -> LotFacts:
    return LotFacts(
        supplier=_code(lot["supplier"]),
        supplier_lot=lot["supplierLotNumber"],
        on_hand=quantity(lot["quantityOnHand"]),
        quality=lot["qualityStatus"],
        holds=tuple(sorted(h["id"] for h in lot["holds"])),
    )


def from_graph(unit: dict[str, Any]) -> TraceFacts:
    """The facts of the graph's answer to queries.TRACE (`data["unit"]`)."""
    units: dict[Key, UnitFacts] = {}
    lots: dict[Key, LotFacts] = {}

    def visit(node: dict[str, Any]) -> None:
        links = node.get("components", [])
        components = []
        for link in links:
            if link["unit"]:
                child = link["unit"]
                components.append(
                    ("UNIT", child["sku"], child["serial"], quantity(link["quantity"]))
                )
                visit(child)
            if link["lot"]:
                lot = link["lot"]
                components.append(("LOT", lot["sku"], lot["lotNumber"], quantity(link["quantity"])))
                lots[(lot["sku"], lot["lotNumber"])] = _lot_facts(lot)
        for lot in node["materialLots"]:
            lots[(lot["sku"], lot["lotNumber"])] = _lot_facts(lot)
        package = node["package"]
        units[(node["sku"], node["serial"])] = UnitFacts(
            components=tuple(sorted(components)),
            material_lots=tuple(
                sorted((lot["sku"], lot["lotNumber"]) for lot in node["materialLots"])
            ),
            operations=tuple(sorted(op["id"] for op in node["operations"])),
            build_status=node["buildStatus"],
            work_order=node["workOrder"]["id"] if node["workOrder"] else None,
            installed_in=(
                (node["installedIn"]["sku"], node["installedIn"]["serial"])
                if node["installedIn"]
                else None
            ),
            attributes=canonical(node["attributes"]),
            aliases=tuple(sorted((a["kind"], a["value"]) for a in node["aliases"])),
            custody=node["custodyStatus"],
            location=_code(node["location"]),
            package=package["sscc"] if package else None,
            pallet=package["parent"]["sscc"] if package and package["parent"] else None,
            shipment=node["shipment"]["id"] if node["shipment"] else None,
            customer=_code(node["shipment"]["customer"]) if node["shipment"] else None,
            movements=tuple(
                (m["kind"], _code(m["fromLocation"]), _code(m["toLocation"]))
                for m in node["movements"]
            ),
            quality=node["qualityStatus"],
            holds=tuple(sorted(h["id"] for h in node["holds"])),
            inspections=tuple(sorted(i["id"] for i in node["inspections"])),
            recalls=tuple(sorted(r["id"] for r in node["recalls"])),
            audit=tuple(sorted((e["service"], e["seq"], e["hash"]) for e in node["auditTrail"])),
        )

    visit(unit)
    return TraceFacts(root=(unit["sku"], unit["serial"]), units=units, lots=lots)


def differences(graph: TraceFacts, sql: TraceFacts) -> list[str]:
    """Where the two answers disagree (empty when they agree), for error messages."""
    found = []
    if graph.root != sql.root:
        found.append(f"root {graph.root} != {sql.root}")
    for name, left, right in (("unit", graph.units, sql.units), ("lot", graph.lots, sql.lots)):
        for key in sorted(set(left) | set(right)):
            a, b = left.get(key), right.get(key)
            if a is None or b is None:
                found.append(f"{name} {key}: only in {'sql' if a is None else 'graph'}")
            elif a != b:
                fields = [f for f in vars(a) if getattr(a, f) != getattr(b, f)]
                found += [
                    f"{name} {key} {f}: {getattr(a, f)!r} != {getattr(b, f)!r}" for f in fields
                ]
    return found
