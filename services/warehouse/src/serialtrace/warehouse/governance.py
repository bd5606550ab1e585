"""warehouse's governance facts: lots whose stock disagrees with their movements,
every unit it refers to, and when each unit shipped (for the held-at-shipping check)."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from serialtrace.common.governance_api import Fact, GovernanceFacts
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.timeutil import iso
from serialtrace.warehouse import domain, store
from serialtrace.warehouse.v1.warehouse_enums import MovementKind

M = store.MovementRow
Stock = store.LotStockRow
Shipped = store.ShipmentUnitRow


def facts(session: Session) -> GovernanceFacts:
    moved: dict[tuple[str, str], list[float]] = {}
    for sku, lot, received, issued in session.execute(
        select(
            M.lot_sku,
            M.lot_number,
            func.sum(case((M.kind == MovementKind.RECEIVE.value, M.quantity), else_=0)),
            func.sum(case((M.kind == MovementKind.ISSUE.value, M.quantity), else_=0)),
        )
        .where(M.lot_sku.is_not(None))
        .group_by(M.lot_sku, M.lot_number)
    ):
        moved[(sku, lot)] = [float(received or 0), float(issued or 0), 0.0]
    for sku, lot, on_hand in session.execute(
        select(
            store.LotStockRow.sku,
            store.LotStockRow.lot_number,
            func.sum(store.LotStockRow.quantity),
        ).group_by(store.LotStockRow.sku, store.LotStockRow.lot_number)
    ):
        moved.setdefault((sku, lot), [0.0, 0.0, 0.0])[2] = float(on_hand or 0)
    off = [
        lot_entity(sku, lot)
        for (sku, lot), (received, issued, on_hand) in moved.items()
        if not domain.lot_balance_holds(received, issued, on_hand)
    ]
    refs = [
        unit_entity(sku, serial)
        for sku, serial in session.execute(
            select(store.UnitStockRow.sku, store.UnitStockRow.serial)
        )
    ]
    shipped = [
        f"{unit_entity(sku, serial)}|{iso(at)}"
        for sku, serial, at in session.execute(
            select(
                store.ShipmentUnitRow.sku,
                store.ShipmentUnitRow.serial,
                store.ShipmentRow.shipped_at,
            ).join(store.ShipmentRow, store.ShipmentRow.id == store.ShipmentUnitRow.shipment_id)
        )
    ]
    refs += [entry.rpartition("|")[0] for entry in shipped]
    return GovernanceFacts(
        [
            Fact("lot_balance_mismatch", len(moved), off),
            Fact("unit_refs", len(set(refs)), refs),
            Fact("shipped_units", len(shipped), shipped),
        ]
    )
