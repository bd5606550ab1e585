"""The query planner: from a `unit` or `lot` query's selection, the few calls behind it.

Much as a federated gateway plans `_entities` fetches, one per subgraph per dependency
level, the planner reads which fields the query selects (fragments included) and fills
the request's Facts in three rounds:

1. production, once: builds, work orders, operations and components of the unit and of
   every unit below it to the depth the query's `components { unit { ... } }` reach;
2. warehouse and quality, side by side, for every unit and lot that round found;
3. masterdata, for those units and lots, their products, and the locations and parties
   the first rounds named (each location with the locations above it), as soon as the
   warehouse has answered: only production and the warehouse name them, so masterdata
   does not wait for quality.

Each service's audit-ledger entries come in its own reply. A service the query selects
nothing of is not called; a failed service fails only its own fields.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    value_from_ast_untyped,
)

from serialtrace.common.errors import ServiceError
from serialtrace.gateway.backends import SERVICES
from serialtrace.gateway.execution import field_nodes, fragments_of
from serialtrace.gateway.facts import OWNER, Facts, LotRef, UnitRef, Wants, lot_ref, unit_ref
from serialtrace.gateway.types.audit import AUDIT_READERS

# The kinds of fact each field of Unit and Lot reads (auditTrail: every ledger's).
UNIT_FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "product": ("product",),
    "attributes": ("unit",),
    "aliases": ("unit",),
    "createdAt": ("unit",),
    "provenance": ("unit",),
    "buildStatus": ("build", "unit"),
    "workOrder": ("work_order",),
    "operations": ("operations",),
    "components": ("components",),
    "installedIn": ("build",),
    "materialLots": ("lots_in",),
    "custodyStatus": ("unit_stock",),
    "location": ("unit_stock",),
    "movements": ("movements",),
    "package": ("unit_package",),
    "shipment": ("unit_shipment",),
    "qualityStatus": ("unit_status",),
    "inspections": ("unit_inspections",),
    "holds": ("unit_holds",),
    "recalls": ("unit_recalls",),
    "auditTrail": tuple(f"audit:{s}" for s in SERVICES),
}
LOT_FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "product": ("product",),
    "supplier": ("lot",),
    "supplierLotNumber": ("lot",),
    "expiresAt": ("lot",),
    "receivedAt": ("lot_stock",),
    "quantityOnHand": ("lot_stock",),
    "stock": ("lot_stock",),
    "qualityStatus": ("lot_status",),
    "inspections": ("lot_inspections",),
    "holds": ("lot_holds",),
}


class Selections:
    """Walks the query's own syntax tree (fragments spread in): cheaper than building
    strawberry's selected_fields, which a full trace would ask for some 600 nodes of.
    It starts from strawberry's public `Info` (the operation, the field's path, the
    variables) and the document's fragments as the execution found them."""

    def __init__(self, info: Any) -> None:
        self.fragments: Mapping[str, FragmentDefinitionNode] = fragments_of(info.operation)
        self.variables: dict[str, Any] = info.variable_values
        self.top: list[FieldNode] = field_nodes(info.operation, self.fragments, info.path)

    def fields(self, nodes: Iterable[FieldNode]) -> Iterable[FieldNode]:
        """The fields selected under `nodes`."""
        for node in nodes:
            if node.selection_set is not None:
                yield from self._spread(node.selection_set.selections)

    def _spread(self, selections: Iterable[Any]) -> Iterable[FieldNode]:
        for selection in selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self._spread(fragment.selection_set.selections)
            elif isinstance(selection, InlineFragmentNode):
                yield from self._spread(selection.selection_set.selections)

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self.variables)
        return None


@dataclass
class Need:
    """What a query selects of units and lots, summed over every genealogy level."""

    unit_kinds: set[str] = field(default_factory=set)
    lot_kinds: set[str] = field(default_factory=set)
    # Unit or Lot field -> the names selected under it (e.g. "location" -> {"parent"}).
    unit_sub: dict[str, set[str]] = field(default_factory=dict)
    lot_sub: dict[str, set[str]] = field(default_factory=dict)
    depth: int = 0  # levels of `components { unit }` below the first units
    component_lots: bool = False  # `components { lot { ... } }` somewhere

    def add_unit(self, query: Selections, nodes: Iterable[FieldNode], level: int) -> None:
        for selected in query.fields(nodes):
            name = selected.name.value
            kinds = UNIT_FIELD_KINDS.get(name, ())
            if name == "components" and query.argument(selected, "includeRemoved"):
                kinds = ("all_components",)
            self.unit_kinds.update(kinds)
            below = list(query.fields([selected]))
            self.unit_sub.setdefault(name, set()).update(s.name.value for s in below)
            if name == "components":
                for link_field in below:
                    if link_field.name.value == "unit" and link_field.selection_set:
                        self.depth = max(self.depth, level + 1)
                        self.add_unit(query, [link_field], level + 1)
                    elif link_field.name.value == "lot" and link_field.selection_set:
                        self.component_lots = True
                        self.add_lot(query, [link_field])
            elif name == "materialLots":
                self.add_lot(query, [selected])
            elif name == "package":
                parents = [f for f in below if f.name.value == "parent"]
                # The parent's fields count as the package's.
                self.unit_sub[name].update(s.name.value for s in query.fields(parents))
                if "shipment" in self.unit_sub[name]:
                    self.unit_kinds.add("unit_shipment")  # the shipments of the packages

    def add_lot(self, query: Selections, nodes: Iterable[FieldNode]) -> None:
        for selected in query.fields(nodes):
            name = selected.name.value
            self.lot_kinds.update(LOT_FIELD_KINDS.get(name, ()))
            below = {s.name.value for s in query.fields([selected])}
            self.lot_sub.setdefault(name, set()).update(below)

    def of(self, service: str, kinds: Iterable[str]) -> list[str]:
        return [k for k in kinds if OWNER[k] == service]


async def prefetch(
    info: Any, units: Sequence[UnitRef] = (), lots: Sequence[LotRef] = (), as_lots: bool = False
) -> None:
    """Fills the request's facts for the field being resolved, which returns `units`
    (or, with `as_lots`, `lots`) with the selection it has."""
    need, query = Need(), Selections(info)
    if as_lots:
        need.add_lot(query, query.top)
    else:
        need.add_unit(query, query.top, 0)
        need.unit_kinds.add("unit")  # whether the unit exists at all
    if not _reads_audit(info):
        need.unit_kinds -= set(UNIT_FIELD_KINDS["auditTrail"])
    facts: Facts = info.context.facts

    # 1. production: the genealogy below the units, and their production facts.
    production = need.of("production", need.unit_kinds)
    if units and production:
        await facts.fetch({k: set(units) for k in production}, depth=need.depth)
    all_units = facts.subtree(units, need.depth)
    all_lots = list(lots)
    if need.component_lots:
        all_lots += [
            lot_ref(link.component_lot)
            for u in all_units
            for link in facts.links.get(u, ())
            if link.HasField("component_lot")
        ]
    if "materialLots" in need.unit_sub:
        all_lots += [lot for u in all_units for lot in facts.material_lots.get(u, ())]
    all_lots = list(dict.fromkeys(all_lots))

    # 2. warehouse and quality, side by side; 3. masterdata as soon as the warehouse has
    # answered: it names the locations and parties masterdata is asked for, quality none.
    stock: Wants = {}
    quality: Wants = {}
    for service, wants in (("warehouse", stock), ("quality", quality)):
        wants.update((k, set(all_units)) for k in need.of(service, need.unit_kinds))
        wants.update((k, set(all_lots)) for k in need.of(service, need.lot_kinds))

    async def stock_then_masterdata() -> None:
        if stock:
            await facts.fetch(stock)
        master = _masterdata_wants(facts, need, all_units, all_lots, as_lots)
        if master:
            await facts.fetch(master)

    if quality:
        await asyncio.gather(facts.fetch(quality), stock_then_masterdata())
    else:
        await stock_then_masterdata()


def _masterdata_wants(
    facts: Facts,
    need: Need,
    all_units: Sequence[UnitRef],
    all_lots: Sequence[LotRef],
    as_lots: bool,
) -> Wants:
    """What masterdata is asked for: the units, lots and products, and the locations and
    parties the production and warehouse facts name."""
    master: Wants = {k: set(all_units) for k in need.of("masterdata", need.unit_kinds)}
    master.pop("product", None)
    if "lot" in need.lot_kinds or as_lots:
        master["lot"] = set(all_lots)
    skus = set()
    if "product" in need.unit_kinds:
        skus |= {sku for sku, _ in all_units}
    if "product" in need.lot_kinds:
        skus |= {sku for sku, _ in all_lots}
    if skus:
        master["product"] = skus
        if "bomRevisions" in need.unit_sub.get("product", set()) | need.lot_sub.get(
            "product", set()
        ):
            master["bom"] = skus
    locations, parties = _codes_named(facts, need, all_units, all_lots)
    if locations:
        master["location"] = locations
    if parties:
        master["party"] = parties
    return master


def _codes_named(
    facts: Facts, need: Need, units: Sequence[UnitRef], lots: Sequence[LotRef]
) -> tuple[set[str], set[str]]:
    """The locations and parties the selected fields name, from what is fetched so far."""
    locations: set[str] = set()
    parties: set[str] = set()
    sub = need.unit_sub
    stock = [facts.unit_stock[u] for u in units if u in facts.unit_stock]
    if "location" in sub:
        locations |= {s.location_code for s in stock}
    moves = sub.get("movements", set())
    for unit in units if moves & {"fromLocation", "toLocation"} else ():
        for m in facts.movements.get(unit, ()):
            locations |= {m.from_location_code, m.to_location_code}
    if "location" in sub.get("package", ()):
        locations |= {p.location_code for p in facts.packages.values()}
    if "outputLocation" in sub.get("workOrder", ()):
        locations |= {w.output_location_code for w in facts.work_orders.values()}
    if "location" in need.lot_sub.get("stock", ()):
        for lot in lots:
            if lot in facts.lot_stock:
                locations |= {level.location_code for level in facts.lot_stock[lot].levels}
    if "customer" in sub.get("shipment", ()):
        parties |= {s.customer_code for s in facts.shipments.values()}
    return locations - {""}, parties - {""}


def _reads_audit(info: Any) -> bool:
    principal = info.context.principal
    try:
        if principal is None:
            return False
        principal.require(AUDIT_READERS, "auditTrail")
    except ServiceError:
        return False
    return True


__all__ = ["Need", "prefetch", "unit_ref"]
