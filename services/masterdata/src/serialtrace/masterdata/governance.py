"""masterdata's governance facts: which units lack a required attribute, and every unit
it knows (the gateway checks the other services' references against them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from serialtrace.common.governance_api import Fact, GovernanceFacts
from serialtrace.common.ledger import unit_entity
from serialtrace.masterdata import domain
from serialtrace.masterdata.store import ProductRow, UnitRow


def facts(session: Session) -> GovernanceFacts:
    required = {
        sku: list(names or [])
        for sku, names in session.execute(select(ProductRow.sku, ProductRow.required_attributes))
    }
    population, offenders, known = 0, [], []
    rows = session.execute(
        select(UnitRow.sku, UnitRow.serial, UnitRow.attributes).execution_options(yield_per=5000)
    )
    for sku, serial, attributes in rows:
        population += 1
        known.append(unit_entity(sku, serial))
        if domain.missing_attributes(attributes or {}, required.get(sku, [])):
            offenders.append(unit_entity(sku, serial))
    return GovernanceFacts(
        [
            Fact("units_missing_required_attributes", population, offenders),
            Fact("unit_keys", population, known),
        ]
    )
