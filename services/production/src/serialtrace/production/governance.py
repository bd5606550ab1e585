"""production's governance facts: units whose BOM is not installed or whose route is
not recorded, COMPLETE units with an unsatisfied BOM, and every unit it refers to."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from serialtrace.common.governance_api import Fact, GovernanceFacts, chunked
from serialtrace.common.ledger import unit_entity
from serialtrace.production import domain, store, usecases
from serialtrace.production.domain import BuildStatus
from serialtrace.production.peers import Masterdata


def facts_with(masterdata: Masterdata) -> Callable[[Session], GovernanceFacts]:
    def facts(session: Session) -> GovernanceFacts:
        return production_facts(session, masterdata)

    return facts


def production_facts(session: Session, masterdata: Masterdata) -> GovernanceFacts:
    routes = {r.sku: list(r.operations) for r in session.scalars(select(store.RouteRow))}
    orders = {w.id: w for w in session.scalars(select(store.WorkOrderRow))}
    boms: dict[tuple[str, str], dict[str, float] | None] = {}
    built, complete = 0, 0
    bom_short: list[str] = []
    route_short: list[str] = []
    complete_short: list[str] = []
    refs: list[str] = []
    units = session.scalars(select(store.UnitRow).order_by(store.UnitRow.id))
    for batch in chunked(units, 1000):
        passed = store.passed_operations(session, [u.id for u in batch])
        installed = usecases._installed_by_sku(session, [(u.sku, u.serial) for u in batch])
        for unit in batch:
            key = unit_entity(unit.sku, unit.serial)
            refs.append(key)
            if unit.status == BuildStatus.SCRAPPED.value:
                continue
            built += 1
            order = orders[unit.work_order_id]
            revision = (order.sku, order.bom_revision)
            if revision not in boms:
                found = masterdata.bom_revision(*revision)
                boms[revision] = found.items if found is not None else None
            items = boms[revision]
            have = installed.get((unit.sku, unit.serial), {})
            short = items is None or bool(domain.bom_shortfalls(items, have))
            if short:
                bom_short.append(key)
            if domain.missing_operations(routes.get(unit.sku, []), passed[unit.id]):
                route_short.append(key)
            if unit.status == BuildStatus.COMPLETE.value:
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
