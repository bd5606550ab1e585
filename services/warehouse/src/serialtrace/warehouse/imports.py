"""Migration imports into the warehouse: units of a legacy system into stock at their
location, and their legacy shipments, each with its source time and its provenance
(batch, file, row).

Each item is checked alone (a refused one writes nothing) and the rest are written
together: one insert of stock rows, one of movements, one of provenance rows per call.
Every imported fact keeps the movement the import wrote for it, so a rollback takes
back exactly those movements and a verify finds them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.provenance import Provenance
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import REFERENCE, check_text
from serialtrace.warehouse import domain, store
from serialtrace.warehouse.domain import Custody
from serialtrace.warehouse.peers import Masterdata, Quality
from serialtrace.warehouse.v1.warehouse_enums import MovementKind

MAX_IMPORT_ITEMS = 1_000
STOCK, SHIPMENT, LOT_STOCK = "unit_stock", "shipment_unit", "lot_stock"


def _entity_id(unit: UnitKey) -> str:
    return f"{unit.sku}:{unit.serial}"


def _unit_of(entity_id: str) -> UnitKey:
    sku, serial = entity_id.split(":", 1)
    return UnitKey(sku, serial)


def _lot_of(entity_id: str) -> LotKey:
    sku, number = entity_id.split(":", 1)
    return LotKey(sku, number)


def shipment_id(
    batch_id: str, customer: str, shipped_at: datetime, carrier: str, tracking: str
) -> str:
    """One shipment per batch, customer, time, carrier and tracking number, whichever
    call its rows arrive in; the batch id in it says which import made it."""
    digest = hashlib.sha256(
        f"{customer}\n{shipped_at.isoformat()}\n{carrier}\n{tracking}".encode()
    ).hexdigest()[:8]
    return f"SH-{batch_id[:28]}-{digest.upper()}"


def _write_facts(
    uow: UnitOfWork,
    entity_type: str,
    facts: Sequence[tuple[UnitKey, Provenance, dict[str, Any]]],
) -> None:
    """The movements of these facts, their provenance rows with each movement's seq."""
    seqs = store.add_unit_movements(uow.session, [m for _, _, m in facts])
    now = utcnow()
    store.add_import_provenance(
        uow.session,
        [
            {
                "entity_type": entity_type,
                "entity_id": _entity_id(unit),
                "batch_id": where.batch_id,
                "file": where.file,
                "row": where.row,
                "movement_seq": seqs[unit],
                "recorded_at": now,
            }
            for unit, where, _ in facts
        ],
    )


def _movement(
    uow: UnitOfWork, kind: MovementKind, unit: UnitKey | None, at: datetime, **fields: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": kind.value,
        "at": at,
        "by": uow.actor,
        "from_location": None,
        "to_location": None,
        "reference": None,
        "unit_sku": unit.sku if unit else None,
        "unit_serial": unit.serial if unit else None,
        "lot_sku": None,
        "lot_number": None,
        "quantity": None,
        "package_sscc": None,
        "work_order_id": None,
    }
    row.update(fields)
    return row


# --- stock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedStock:
    unit: UnitKey
    location: str
    received_at: datetime | None
    provenance: Provenance


def import_stock(
    uow: UnitOfWork, masterdata: Masterdata, items: Sequence[ImportedStock]
) -> list[store.UnitStockRow | ServiceError]:
    """Imported units into stock at their locations, at the legacy system's time."""
    session = uow.session
    missing = set(masterdata.missing_locations(sorted({i.location for i in items if i.location})))
    known = store.units(session, sorted({i.unit for i in items}), for_update=True)
    outcomes: list[store.UnitStockRow | ServiceError] = []
    fresh: list[tuple[ImportedStock, store.UnitStockRow]] = []
    seen: set[UnitKey] = set()
    for item in items:
        label = f"unit {item.unit.sku[:40]}/{item.unit.serial[:40]}"
        try:
            if not item.location:
                raise InvalidArgument(f"{label}: give the location it is in stock at")
            if item.location in missing:
                raise NotFound(f"{label}: unknown location {item.location[:64]!r}")
            if item.unit in known or item.unit in seen:
                where = known.get(item.unit)
                raise Conflict(
                    f"the warehouse already knows {label}"
                    + (f" ({where.custody})" if where is not None else "")
                )
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        seen.add(item.unit)
        row = store.UnitStockRow(
            sku=item.unit.sku,
            serial=item.unit.serial,
            custody=Custody.IN_STOCK.value,
            location_code=item.location,
            package_sscc=None,
            shipment_id=None,
        )
        fresh.append((item, row))
        outcomes.append(row)
    if not fresh:
        return outcomes
    inserted = store.insert_new_units(
        session,
        [
            {
                "sku": r.sku,
                "serial": r.serial,
                "custody": r.custody,
                "location_code": r.location_code,
                "package_sscc": None,
                "shipment_id": None,
            }
            for _, r in fresh
        ],
    )
    if len(inserted) != len(fresh):
        raise Conflict("units entered the warehouse concurrently; nothing was imported, retry")
    now = utcnow()
    facts = []
    for item, _ in fresh:
        at = item.received_at or now
        origin = item.provenance
        reference = f"import {origin.batch_id} {origin.file}:{origin.row}"
        facts.append(
            (
                item.unit,
                item.provenance,
                _movement(
                    uow,
                    MovementKind.RECEIVE,
                    item.unit,
                    at,
                    to_location=item.location,
                    reference=reference[:300],
                ),
            )
        )
        uow.record(
            "stock.imported",
            "unit",
            unit_entity(*item.unit),
            {
                "location": item.location,
                "received_at": item.received_at,
                "provenance": item.provenance.payload(),
            },
        )
    _write_facts(uow, STOCK, facts)
    return outcomes


# --- lot stock -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedLotStock:
    lot: LotKey
    quantity: float
    location: str
    received_at: datetime | None
    provenance: Provenance


def import_lot_stock(
    uow: UnitOfWork, masterdata: Masterdata, items: Sequence[ImportedLotStock]
) -> list[LotKey | ServiceError]:
    """Quantities of imported lots into stock at their locations, each a RECEIVE
    movement at the legacy system's time that the import keeps (so a rollback takes
    back exactly that quantity)."""
    session = uow.session
    missing_locations = set(
        masterdata.missing_locations(sorted({i.location for i in items if i.location}))
    )
    missing_lots = masterdata.missing_lots(sorted({i.lot for i in items}))
    outcomes: list[LotKey | ServiceError] = []
    fresh: list[ImportedLotStock] = []
    seen: set[LotKey] = set()
    for item in items:
        label = f"lot {item.lot.sku[:40]}/{item.lot.lot_number[:40]}"
        try:
            domain.check_quantity(item.quantity)
            if not item.location:
                raise InvalidArgument(f"{label}: give the location its stock is at")
            if item.location in missing_locations:
                raise NotFound(f"{label}: unknown location {item.location[:64]!r}")
            if item.lot in missing_lots:
                raise NotFound(f"{label} is not registered in masterdata")
            if item.lot in seen:
                raise Conflict(f"{label} is twice in this call")
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        seen.add(item.lot)
        fresh.append(item)
        outcomes.append(item.lot)
    if not fresh:
        return outcomes
    now = utcnow()
    store.insert_new_lots(
        session,
        [{"sku": i.lot.sku, "lot_number": i.lot.lot_number, "received_at": now} for i in fresh],
    )
    moves = []
    for item in fresh:
        store.add_lot_stock(
            session, item.lot.sku, item.lot.lot_number, item.location, item.quantity
        )
        origin = item.provenance
        reference = f"import {origin.batch_id} {origin.file}:{origin.row}"
        moves.append(
            _movement(
                uow,
                MovementKind.RECEIVE,
                None,
                item.received_at or now,
                lot_sku=item.lot.sku,
                lot_number=item.lot.lot_number,
                quantity=item.quantity,
                to_location=item.location,
                reference=reference[:300],
            )
        )
        uow.record(
            "lot_stock.imported",
            "lot",
            lot_entity(*item.lot),
            {
                "quantity": item.quantity,
                "location": item.location,
                "received_at": item.received_at,
                "provenance": item.provenance.payload(),
            },
        )
    seqs = store.add_lot_movements(session, moves)
    store.add_import_provenance(
        session,
        [
            {
                **i.provenance.columns(LOT_STOCK, lot_entity(*i.lot)),
                "recorded_at": now,
                "movement_seq": seqs[i.lot],
            }
            for i in fresh
        ],
    )
    return outcomes


# --- shipments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedShipment:
    unit: UnitKey
    customer: str
    shipped_at: datetime
    carrier: str
    tracking: str
    sscc: str
    provenance: Provenance


def _check_shipment(item: ImportedShipment, customers: dict[str, str | None]) -> None:
    check_text(item.carrier, "carrier", REFERENCE)
    check_text(item.tracking, "tracking number", REFERENCE)
    if item.sscc:
        domain.check_sscc(item.sscc)
    kind = customers.get(item.customer)
    if kind is None:
        raise NotFound(f"no party with code {item.customer[:64]!r}")
    if kind != "CUSTOMER":
        raise FailedPrecondition(f"party {item.customer[:64]} is a {kind}, not a CUSTOMER")


def import_shipments(
    uow: UnitOfWork, masterdata: Masterdata, quality: Quality, items: Sequence[ImportedShipment]
) -> list[store.UnitStockRow | ServiceError]:
    """Imported units as shipped, at the legacy system's time, grouped into one
    shipment per batch, customer, time, carrier and tracking number. A unit already
    shipped or held now is refused."""
    session = uow.session
    customers = {c: masterdata.party_kind(c) for c in sorted({i.customer for i in items})}
    keys = sorted({i.unit for i in items})
    held = quality.held(keys)
    stock = store.units(session, keys, for_update=True)
    outcomes: list[store.UnitStockRow | ServiceError] = []
    fresh: list[tuple[ImportedShipment, str]] = []
    seen: set[UnitKey] = set()
    for item in items:
        label = f"unit {item.unit.sku[:40]}/{item.unit.serial[:40]}"
        try:
            _check_shipment(item, customers)
            row = stock.get(item.unit)
            if item.unit in seen or (row is not None and row.custody == Custody.SHIPPED):
                raise FailedPrecondition(f"{label} is shipped already")
            if (hold := held.get(f"{item.unit.sku}/{item.unit.serial}")) is not None:
                raise FailedPrecondition(f"{label} is held ({', '.join(hold)})")
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        seen.add(item.unit)
        ids = shipment_id(
            item.provenance.batch_id, item.customer, item.shipped_at, item.carrier, item.tracking
        )
        fresh.append((item, ids))
        outcomes.append(
            store.UnitStockRow(
                sku=item.unit.sku,
                serial=item.unit.serial,
                custody=Custody.SHIPPED.value,
                location_code=None,
                package_sscc=None,
                shipment_id=ids,
            )
        )
    if not fresh:
        return outcomes
    shipments = store.shipments_for_update(session, {s for _, s in fresh})
    new_stock = [
        {
            "sku": i.unit.sku,
            "serial": i.unit.serial,
            "custody": Custody.SHIPPED.value,
            "location_code": None,
            "package_sscc": None,
            "shipment_id": s,
        }
        for i, s in fresh
        if i.unit not in stock
    ]
    if len(store.insert_new_units(session, new_stock)) != len(new_stock):
        raise Conflict("units entered the warehouse concurrently; nothing was imported, retry")
    facts = []
    members: dict[str, list[UnitKey]] = {}
    for item, sid in fresh:
        if sid not in shipments:
            shipments[sid] = store.ShipmentRow(
                id=sid,
                customer_code=item.customer,
                shipped_at=item.shipped_at,
                carrier=item.carrier or None,
                tracking_number=item.tracking or None,
                unit_count=0,
                shipped_by=uow.actor,
            )
            session.add(shipments[sid])
        shipments[sid].unit_count += 1
        members.setdefault(sid, []).append(item.unit)
        row = stock.get(item.unit)
        source = None
        if row is not None:
            source = row.location_code
            row.custody, row.location_code, row.shipment_id = Custody.SHIPPED.value, None, sid
        facts.append(
            (
                item.unit,
                item.provenance,
                _movement(
                    uow,
                    MovementKind.SHIP,
                    item.unit,
                    item.shipped_at,
                    from_location=source,
                    package_sscc=item.sscc or None,
                    reference=f"shipment {sid} to {item.customer}"[:300],
                ),
            )
        )
        uow.record(
            "shipment.imported",
            "unit",
            unit_entity(*item.unit),
            {
                "shipment": sid,
                "customer": item.customer,
                "shipped_at": item.shipped_at,
                "carrier": item.carrier or None,
                "tracking_number": item.tracking or None,
                "sscc": item.sscc or None,
                "provenance": item.provenance.payload(),
            },
        )
    session.flush()  # the shipments before the rows that name them
    for sid, units in members.items():
        store.add_shipment_units(session, sid, units)
    _write_facts(uow, SHIPMENT, facts)
    return outcomes


# --- count, verify, rollback -----------------------------------------------------------------


def count_imported_facts(session: Session, batch_id: str) -> list[tuple[str, str, int]]:
    """How many facts of an import batch the warehouse holds: (file, entity type, count)."""
    return store.count_import_provenance(session, batch_id)


def _movements_by_seq(session: Session, units: Sequence[UnitKey]) -> dict[int, store.MovementRow]:
    return {m.seq: m for m in store.movements_of(session, sorted(set(units)))}


def verify_stock(session: Session, batch_id: str) -> tuple[int, list[str]]:
    """(facts checked, problems): each imported fact's movement, stock row and, for a
    shipment, its place in the shipment are still there."""
    facts = store.import_provenance(session, batch_id)
    unit_facts = [f for f in facts if f.entity_type != LOT_STOCK]
    lot_facts = [f for f in facts if f.entity_type == LOT_STOCK]
    units = [_unit_of(f.entity_id) for f in unit_facts]
    moves = _movements_by_seq(session, units)
    stock = store.units(session, units)
    prefix = f"SH-{batch_id[:28]}-"
    shipped = {
        UnitKey(r.sku, r.serial)
        for r in store.shipment_memberships(session, units)
        if r.shipment_id.startswith(prefix)
    }
    problems: list[str] = []
    for fact in unit_facts:
        unit = _unit_of(fact.entity_id)
        what = f"{unit.sku}/{unit.serial} ({fact.file}:{fact.row})"
        kind = "receipt" if fact.entity_type == STOCK else "shipment"
        if fact.movement_seq not in moves:
            problems.append(f"{what}: its imported {kind} movement is missing")
        if unit not in stock:
            problems.append(f"{what}: the warehouse does not know the unit")
        elif fact.entity_type == SHIPMENT and unit not in shipped:
            problems.append(f"{what}: not in its shipment")
    problems += _verify_lot_stock(session, lot_facts)
    return len(facts), problems


def _verify_lot_stock(session: Session, facts: Sequence[store.ImportProvenanceRow]) -> list[str]:
    """Each imported lot quantity's movement is there and its location still holds
    some of the lot."""
    lots = sorted({_lot_of(f.entity_id) for f in facts})
    moves = {m.seq: m for m in store.lot_movements(session, lots)}
    levels = store.lot_stock(session, lots)
    problems = []
    for fact in facts:
        lot = _lot_of(fact.entity_id)
        what = f"lot {lot.sku}/{lot.lot_number} ({fact.file}:{fact.row})"
        move = moves.get(fact.movement_seq)
        if move is None:
            problems.append(f"{what}: its imported receipt movement is missing")
        elif not any(
            r.location_code == move.to_location and r.quantity > 0 for r in levels.get(lot, [])
        ):
            problems.append(f"{what}: no stock of it at {move.to_location}")
    return problems


def import_dependents(session: Session, batch_id: str) -> list[str]:
    """Movements recorded since the batch on one of its units or lots, other than its
    own, and lot stock that no longer covers what the batch received."""
    facts = store.import_provenance(session, batch_id)
    if not facts:
        return []
    ours = {f.movement_seq for f in facts}
    first = min(ours)
    units = [_unit_of(f.entity_id) for f in facts if f.entity_type != LOT_STOCK]
    lot_facts = [f for f in facts if f.entity_type == LOT_STOCK]
    moves = _movements_by_seq(session, units)
    found = [
        f"{m.unit_sku}/{m.unit_serial} {m.kind} at {m.at.isoformat()} (movement {seq})"
        for seq, m in sorted(moves.items())
        if seq > first and seq not in ours
    ]
    if not lot_facts:
        return found
    lots = sorted({_lot_of(f.entity_id) for f in lot_facts})
    lot_moves = store.lot_movements(session, lots)
    found += [
        f"lot {m.lot_sku}/{m.lot_number} {m.kind} of {m.quantity:g} at {m.at.isoformat()} "
        f"(movement {m.seq})"
        for m in lot_moves
        if m.seq > first and m.seq not in ours
    ]
    by_seq = {m.seq: m for m in lot_moves}
    levels = store.lot_stock(session, lots)
    for fact in lot_facts:
        move = by_seq.get(fact.movement_seq)
        if move is None:
            continue
        lot = _lot_of(fact.entity_id)
        here = sum(r.quantity for r in levels[lot] if r.location_code == move.to_location)
        if here < (move.quantity or 0) - 1e-9:
            found.append(
                f"lot {lot.sku}/{lot.lot_number} has {here:g} at {move.to_location}, "
                f"less than the {move.quantity:g} the batch received"
            )
    return found


def roll_back_import(
    uow: UnitOfWork, batch_id: str, dry_run: bool
) -> tuple[list[str], list[tuple[str, int]]]:
    """(dependents, taken back per entity type): nothing changes while anything depends
    on the batch's facts; else its shipments and stock are taken back, each with its own
    audit entry. A unit in stock before the batch shipped it is back where it was."""
    session = uow.session
    dependents = import_dependents(session, batch_id)
    if dependents or dry_run:
        return dependents, []
    facts = store.import_provenance(session, batch_id)
    lot_facts = [f for f in facts if f.entity_type == LOT_STOCK]
    _roll_back_lot_stock(uow, batch_id, lot_facts)
    facts = [f for f in facts if f.entity_type != LOT_STOCK]
    stocked = {_unit_of(f.entity_id) for f in facts if f.entity_type == STOCK}
    shipped = [f for f in facts if f.entity_type == SHIPMENT]
    units = sorted({_unit_of(f.entity_id) for f in facts})
    rows = store.units(session, units, for_update=True)
    moves = _movements_by_seq(session, units)
    gone: list[UnitKey] = sorted(stocked)
    shipment_ids: set[str] = set()
    for fact in shipped:
        unit = _unit_of(fact.entity_id)
        row, move = rows.get(unit), moves.get(fact.movement_seq)
        sid = row.shipment_id if row is not None else None
        if sid:
            shipment_ids.add(sid)
        if unit in stocked or move is None or move.from_location is None:
            gone.append(unit)
        elif row is not None:  # in stock before the batch shipped it
            row.custody, row.location_code, row.shipment_id = (
                Custody.IN_STOCK.value,
                move.from_location,
                None,
            )
        uow.record(
            "shipment.import_rolled_back",
            "unit",
            unit_entity(*unit),
            {"import_batch_id": batch_id, "shipment": sid},
        )
    for unit in sorted(stocked):
        uow.record(
            "stock.import_rolled_back", "unit", unit_entity(*unit), {"import_batch_id": batch_id}
        )
    session.flush()
    store.delete_movements(session, [f.movement_seq for f in facts])
    store.delete_shipments(
        session, sorted(s for s in shipment_ids if s.startswith(f"SH-{batch_id[:28]}-"))
    )
    store.delete_unit_stock(session, gone)
    counts = ((SHIPMENT, len(shipped)), (STOCK, len(stocked)), (LOT_STOCK, len(lot_facts)))
    return [], [(t, n) for t, n in counts if n]


def _roll_back_lot_stock(
    uow: UnitOfWork, batch_id: str, facts: Sequence[store.ImportProvenanceRow]
) -> None:
    """Each imported lot quantity off the stock it entered, with its own audit entry
    (import_dependents has found nothing recorded on the lots since)."""
    if not facts:
        return
    session = uow.session
    lots = sorted({_lot_of(f.entity_id) for f in facts})
    moves = {m.seq: m for m in store.lot_movements(session, lots)}
    for fact in facts:
        lot, move = _lot_of(fact.entity_id), moves.get(fact.movement_seq)
        if move is None or move.to_location is None:
            continue  # verify reports it; there is nothing to take back
        quantity = move.quantity or 0.0
        if (
            store.take_lot_stock(session, lot.sku, lot.lot_number, move.to_location, quantity)
            is None
        ):
            raise FailedPrecondition(
                f"lot {lot.sku[:40]}/{lot.lot_number[:40]} has less than {quantity:g} at "
                f"{move.to_location}; it was taken since the import"
            )
        uow.record(
            "lot_stock.import_rolled_back",
            "lot",
            lot_entity(*lot),
            {"import_batch_id": batch_id, "quantity": quantity, "location": move.to_location},
        )
    store.delete_movements(session, sorted(f.movement_seq for f in facts))
    store.delete_lots_without_stock(session, lots)
