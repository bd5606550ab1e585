"""production's governance facts: units whose BOM is not installed or whose route is
not recorded, COMPLETE units with an unsatisfied BOM, and every unit it refers to."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from serialtrace.common.governance_api import Fact, GovernanceFacts
from serialtrace.common.ledger import unit_entity
from serialtrace.production import domain, store
from serialtrace.production.peers import Masterdata
from serialtrace.production.v1.production_enums import BuildStatus


def facts_with(masterdata: Masterdata) -> Callable[[Session], GovernanceFacts]:
    def facts(session: Session) -> GovernanceFacts:
        return production_facts(session, masterdata)

    return facts


def production_facts(session: Session, masterdata: Masterdata) -> GovernanceFacts:
    """Set-based: every unit, its passing operations and its installed quantities come
    in one query each, and only the comparison with the BOM and route is done here."""
    routes = {r.sku: list(r.operations) for r in session.scalars(select(store.RouteRow))}
    orders = {w.id: (w.sku, w.bom_revision) for w in session.scalars(select(store.WorkOrderRow))}
    boms: dict[tuple[str, str], dict[str, float] | None] = {}
    built, complete = 0, 0
    bom_short: list[str] = []
    route_short: list[str] = []
    complete_short: list[str] = []
    refs: list[str] = []
    passed = store.passed_operations_of_every_unit(session)
    installed = store.installed_quantities_of_every_unit(session)
    units = session.execute(
        select(
            store.UnitRow.id,
            store.UnitRow.sku,
            store.UnitRow.serial,
            store.UnitRow.status,
            store.UnitRow.work_order_id,
        ).order_by(store.UnitRow.id)
    )
    for unit_id, sku, serial, status, work_order_id in units:
        key = unit_entity(sku, serial)
        refs.append(key)
        if status == BuildStatus.SCRAPPED.value:
            continue
        built += 1
        revision = orders[work_order_id]
        if revision not in boms:
            found = masterdata.bom_revision(*revision)
            boms[revision] = found.items if found is not None else None
        items = boms[revision]
        have = installed.get((sku, serial), {})
        short = items is None or bool(domain.bom_shortfalls(items, have))
        if short:
            bom_short.append(key)
        if domain.missing_operations(routes.get(sku, []), passed.get(unit_id, ())):
            route_short.append(key)
        if status == BuildStatus.COMPLETE.value:
            complete += 1
            if short:
                complete_short.append(key)
    for sku, serial in session.execute(
        select(store.NodeRow.sku, store.NodeRow.key).where(store.NodeRow.kind == "UNIT")
    ):
        refs.append(unit_entity(sku, serial))
    return GovernanceFacts(
        [
            Fact("units_bom_not_installed", built, bom_short),
            Fact("units_route_not_recorded", built, route_short),
            Fact("complete_units_bom_unsatisfied", complete, complete_short),
            Fact("unit_refs", len(set(refs)), refs),
        ]
    )
