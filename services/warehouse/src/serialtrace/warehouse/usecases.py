"""Warehouse use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from serialtrace.common import gs1
from serialtrace.common.db import Page
from serialtrace.common.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import (
    REASON,
    REFERENCE,
    check_batch,
    check_free_text,
    check_text,
    parse_enum,
)
from serialtrace.warehouse import domain, store
from serialtrace.warehouse.config import WarehouseOptions
from serialtrace.warehouse.domain import Custody
from serialtrace.warehouse.peers import Masterdata, Production, Quality
from serialtrace.warehouse.v1.warehouse_enums import MovementKind, PackageKind


@dataclass(frozen=True)
class Peers:
    masterdata: Masterdata
    production: Production
    quality: Quality


def _derived_key(key: str) -> str:
    """The key for a call to another service, so a retry is applied there once too."""
    return f"warehouse:{key or uuid.uuid4().hex}"


def _movement(
    uow: UnitOfWork,
    kind: MovementKind,
    at: datetime,
    *,
    unit: UnitKey | None = None,
    lot: LotKey | None = None,
    quantity: float | None = None,
    sscc: str | None = None,
    source: str | None = None,
    to: str | None = None,
    reference: str | None = None,
    work_order: str | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "at": at,
        "by": uow.actor,
        "from_location": source,
        "to_location": to,
        "reference": reference,
        "unit_sku": unit[0] if unit else None,
        "unit_serial": unit[1] if unit else None,
        "lot_sku": lot[0] if lot else None,
        "lot_number": lot[1] if lot else None,
        "quantity": quantity,
        "package_sscc": sscc,
        "work_order_id": work_order,
    }


def _unit_leaving(
    uow: UnitOfWork,
    kind: MovementKind,
    at: datetime,
    unit: UnitKey,
    row: store.UnitStockRow,
    reference: str,
) -> dict[str, Any]:
    """The movement of a unit out of the warehouse (issued or shipped) from where its
    stock row has it, in the package it is in (shipped packages go whole)."""
    return _movement(
        uow,
        kind,
        at,
        unit=unit,
        source=row.location_code,
        sscc=row.package_sscc,
        reference=reference,
    )


def _require_location(peers: Peers, *codes: str) -> None:
    missing = peers.masterdata.missing_locations([c for c in codes if c])
    if missing:
        raise NotFound(f"unknown location(s): {', '.join(missing)}")


def _require_party(peers: Peers, code: str, kind: str) -> None:
    found = peers.masterdata.party_kind(code)
    if found is None:
        raise NotFound(f"no party with code {code!r}")
    if found != kind:
        raise FailedPrecondition(f"party {code} is a {found}, not a {kind}")


def receive_lot(
    uow: UnitOfWork,
    peers: Peers,
    lot: LotKey,
    quantity: float,
    supplier: str,
    supplier_lot: str,
    expires_at: datetime | None,
    location: str,
    key: str,
) -> LotKey:
    domain.check_quantity(quantity)
    _require_location(peers, location)
    _require_party(peers, supplier, "SUPPLIER")
    sku, number = lot
    if not peers.masterdata.lot_exists(sku, number):
        peers.masterdata.register_lot(
            sku, number, supplier, supplier_lot, expires_at, _derived_key(key)
        )
    now = utcnow()
    if uow.session.get(store.LotRow, lot) is None:
        uow.session.add(store.LotRow(sku=sku, lot_number=number, received_at=now))
    store.add_lot_stock(uow.session, sku, number, location, quantity)
    received = _movement(
        uow,
        MovementKind.RECEIVE,
        now,
        lot=lot,
        quantity=quantity,
        to=location,
        reference=f"supplier {supplier}",
    )
    store.add_movements(uow.session, [received])
    uow.record(
        "lot.received",
        "lot",
        lot_entity(sku, number),
        {"quantity": quantity, "location": location, "supplier": supplier},
    )
    return lot


def receive_units(
    uow: UnitOfWork,
    peers: Peers,
    sku: str,
    serials: Sequence[str],
    supplier: str,
    location: str,
    lot_number: str,
    key: str,
) -> list[UnitKey]:
    """Purchased serialized units: registered in masterdata, then in stock, in bulk."""
    if not serials:
        raise InvalidArgument("give the serials received")
    check_batch(len(serials), "serials")
    _require_location(peers, location)
    _require_party(peers, supplier, "SUPPLIER")
    peers.masterdata.register_purchased(sku, serials, _derived_key(key))
    now = utcnow()
    inserted = store.insert_new_units(
        uow.session,
        [
            {
                "sku": sku,
                "serial": s,
                "custody": Custody.IN_STOCK.value,
                "location_code": location,
                "package_sscc": None,
                "shipment_id": None,
            }
            for s in serials
        ],
    )
    if len(inserted) != len(serials):
        known = sorted(set(serials) - {serial for _, serial in inserted})
        raise FailedPrecondition(f"already in the warehouse: {', '.join(known[:10])}")
    reference = f"supplier {supplier}" + (f" lot {lot_number}" if lot_number else "")
    store.add_movements(
        uow.session,
        [
            _movement(
                uow,
                MovementKind.RECEIVE,
                now,
                unit=UnitKey(sku, s),
                to=location,
                reference=reference,
            )
            for s in serials
        ],
    )
    for serial in serials:
        uow.record(
            "unit.received",
            "unit",
            unit_entity(sku, serial),
            {"location": location, "supplier": supplier, "lot": lot_number or None},
        )
    return [UnitKey(sku, s) for s in serials]


@dataclass(frozen=True)
class ProductionReceipt:
    unit: UnitKey
    location: str
    work_order_id: str


def receive_from_production(
    uow: UnitOfWork, peers: Peers, receipts: Sequence[ProductionReceipt]
) -> list[dict[str, Any] | store.MovementRow]:
    """Completed units into stock at their work orders' output locations, all or none,
    in bulk. A unit already received from the same work order (a completion retried after
    its answer was lost) is not received again: its first RECEIVE is the answer."""
    if not receipts:
        raise InvalidArgument("give the completed units to receive")
    check_batch(len(receipts), "receipts")
    keys = [r.unit for r in receipts]
    if len(set(keys)) < len(keys):
        raise InvalidArgument("a unit is listed twice; each unit enters stock once")
    for r in receipts:
        label = f"unit {r.unit[0][:40]}/{r.unit[1][:40]}"
        if not r.location:
            raise InvalidArgument(f"{label}: give the location it enters stock at")
        if not r.work_order_id:
            raise InvalidArgument(f"{label}: give the work order it was built under")
    _require_location(peers, *sorted({r.location for r in receipts}))
    stock = store.units(uow.session, sorted(keys), for_update=True)
    earlier = store.production_receipts(uow.session, keys)
    fresh = [
        r
        for r in receipts
        if domain.needs_production_receipt(
            f"unit {r.unit[0]}/{r.unit[1]}",
            stock[r.unit].custody if r.unit in stock else None,
            earlier[r.unit].work_order_id if r.unit in earlier else None,
            r.work_order_id,
        )
    ]
    inserted = store.insert_new_units(
        uow.session,
        [
            {
                "sku": r.unit[0],
                "serial": r.unit[1],
                "custody": Custody.IN_STOCK.value,
                "location_code": r.location,
                "package_sscc": None,
                "shipment_id": None,
            }
            for r in fresh
        ],
    )
    if len(inserted) != len(fresh):  # another call took one of them in first
        taken = sorted({r.unit for r in fresh} - inserted)
        raise Conflict(
            f"entered the warehouse concurrently: {', '.join(f'{s}/{n}' for s, n in taken[:10])};"
            " nothing was received, retry"
        )
    now = utcnow()
    new_moves = {
        r.unit: _movement(
            uow,
            MovementKind.RECEIVE,
            now,
            unit=r.unit,
            to=r.location,
            reference=f"work order {r.work_order_id}",
            work_order=r.work_order_id,
        )
        for r in fresh
    }
    store.add_movements(uow.session, list(new_moves.values()))
    for r in fresh:
        uow.record(
            "unit.received",
            "unit",
            unit_entity(*r.unit),
            {"location": r.location, "work_order": r.work_order_id},
        )
    return [new_moves[r.unit] if r.unit in new_moves else earlier[r.unit] for r in receipts]


def move_stock(
    uow: UnitOfWork,
    peers: Peers,
    units: Sequence[UnitKey],
    lots: Sequence[tuple[LotKey, float]],
    ssccs: Sequence[str],
    source: str,
    to: str,
) -> list[dict[str, Any]]:
    """Moves units, lot quantities and whole packages (with everything inside).

    Completed units enter stock when production completes them (receive_from_production);
    a COMPLETE unit the warehouse has never seen (completed before completions received
    units into stock) is still taken into stock here, after production confirms it."""
    if not (units or lots or ssccs):
        raise InvalidArgument("give the units, lots or packages to move")
    if not to:
        raise InvalidArgument("give the location to move to")
    check_batch(len(units) + len(lots) + len(ssccs), "items")
    _require_location(peers, to, source)
    now, moves = utcnow(), []
    stock = store.units(uow.session, units, for_update=True)
    new = [u for u in units if u not in stock]
    if new:
        done, _ = peers.production.complete(new)
        not_done = [f"{s}/{n}" for s, n in new if (s, n) not in done]
        if not_done:
            raise FailedPrecondition(
                f"not in stock and not COMPLETE in production: {', '.join(not_done[:10])}"
            )
        store.insert_new_units(
            uow.session,
            [
                {
                    "sku": s,
                    "serial": n,
                    "custody": Custody.IN_STOCK.value,
                    "location_code": None,
                    "package_sscc": None,
                    "shipment_id": None,
                }
                for s, n in new
            ],
        )
        stock = store.units(uow.session, units, for_update=True)
    for key in units:
        row = stock[key]
        domain.require_in_stock(f"unit {key[0]}/{key[1]}", row.custody, row.package_sscc)
        if source and row.location_code and row.location_code != source:
            raise FailedPrecondition(
                f"unit {key[0]}/{key[1]} is at {row.location_code}, not {source}"
            )
        moves.append(
            _movement(uow, MovementKind.MOVE, now, unit=key, source=row.location_code, to=to)
        )
        row.location_code = to
    for lot, quantity in lots:
        domain.check_quantity(quantity)
        if not source:
            raise InvalidArgument("moving a lot quantity needs the location it comes from")
        rows = [
            r
            for r in store.lot_stock(uow.session, [lot], for_update=True)[lot]
            if r.location_code == source
        ]
        domain.check_lot_available(
            f"lot {lot[0]}/{lot[1]} at {source}", rows[0].quantity if rows else 0.0, quantity
        )
        rows[0].quantity -= quantity
        uow.session.flush()
        store.add_lot_stock(uow.session, lot[0], lot[1], to, quantity)
        moves.append(
            _movement(uow, MovementKind.MOVE, now, lot=lot, quantity=quantity, source=source, to=to)
        )
    if ssccs:
        found = store.packages(uow.session, ssccs, for_update=True)
        for sscc in ssccs:
            package = _live_package(found, sscc)
            if package.parent_sscc:
                raise FailedPrecondition(
                    f"package {sscc} is inside {package.parent_sscc}; move that one"
                )
            inner, contents = store.explode(uow.session, [sscc])
            for p in (package, *inner):
                p.location_code = to
            for row in contents:
                moves.append(
                    _movement(
                        uow,
                        MovementKind.MOVE,
                        now,
                        unit=UnitKey(row.sku, row.serial),
                        source=row.location_code,
                        to=to,
                        sscc=sscc,
                    )
                )
                row.location_code = to
    store.add_movements(uow.session, moves)
    for move in moves:
        entity = (
            ("unit", unit_entity(move["unit_sku"], move["unit_serial"]))
            if move["unit_sku"]
            else ("lot", lot_entity(move["lot_sku"], move["lot_number"]))
        )
        uow.record(
            "stock.moved",
            *entity,
            {"from": move["from_location"], "to": to, "quantity": move["quantity"]},
        )
    return moves


def _live_package(found: dict[str, store.PackageRow], sscc: str) -> store.PackageRow:
    package = found.get(sscc)
    if package is None or package.unpacked_at is not None:
        raise NotFound(f"no package {sscc}")
    if package.shipment_id:
        raise FailedPrecondition(f"package {sscc} has shipped ({package.shipment_id})")
    return package


@dataclass(frozen=True)
class IssueLine:
    unit: UnitKey | None
    lot: LotKey | None
    quantity: float
    reference: str
    only_if_in_stock: bool = False


def issue_to_production(
    uow: UnitOfWork, unit: UnitKey | None, lot: LotKey | None, quantity: float, reference: str
) -> dict[str, Any]:
    """A unit leaves stock, or a lot quantity is consumed; never below zero on hand."""
    [move] = issue_many_to_production(uow, [IssueLine(unit, lot, quantity, reference)])
    assert move is not None  # only lines `only_if_in_stock` are ever skipped
    return move


def issue_many_to_production(
    uow: UnitOfWork, lines: Sequence[IssueLine]
) -> list[dict[str, Any] | None]:
    """Every line issued, or none: one read of the stock involved, locked in key order
    (so concurrent kits on the same lots queue instead of deadlocking), then the lines
    in order against it, so two lines of one lot cannot together exceed what is on hand.
    A line `only_if_in_stock` whose unit is not in stock is skipped (None)."""
    if not lines:
        raise InvalidArgument("give at least one unit or lot to issue")
    check_batch(len(lines), "issue lines")
    for n, line in enumerate(lines):
        where = f"line {n + 1}: " if len(lines) > 1 else ""
        if (line.unit is None) == (line.lot is None):
            raise InvalidArgument(f"{where}issue exactly one of a unit and a lot quantity")
        if line.lot is not None:
            domain.check_quantity(line.quantity, f"{where}quantity")
    units = store.units(
        uow.session, sorted({ln.unit for ln in lines if ln.unit is not None}), for_update=True
    )
    lots = store.lot_stock(
        uow.session, [ln.lot for ln in lines if ln.lot is not None], for_update=True
    )
    now = utcnow()
    moves = [_issue_line(uow, line, now, units, lots) for line in lines]
    store.add_movements(uow.session, [m for m in moves if m is not None])
    return moves


def _issue_line(
    uow: UnitOfWork,
    line: IssueLine,
    now: datetime,
    units: dict[UnitKey, store.UnitStockRow],
    lots: dict[LotKey, list[store.LotStockRow]],
) -> dict[str, Any] | None:
    if line.unit is not None:
        unit = line.unit
        row = units.get(unit)
        if line.only_if_in_stock and not domain.is_in_stock(row.custody if row else None):
            return None  # a unit straight from its line into its parent
        if row is None:
            raise NotFound(f"unit {unit[0]}/{unit[1]} is not in the warehouse")
        domain.require_in_stock(f"unit {unit[0]}/{unit[1]}", row.custody, row.package_sscc)
        move = _unit_leaving(uow, MovementKind.ISSUE, now, unit, row, line.reference)
        row.custody, row.location_code = Custody.ISSUED.value, None
        uow.record("unit.issued", "unit", unit_entity(*unit), {"reference": line.reference})
        return move
    assert line.lot is not None
    lot, quantity = line.lot, line.quantity
    rows = lots[lot]
    if not rows:
        raise NotFound(f"lot {lot[0]}/{lot[1]} has never been received")
    domain.check_lot_available(f"lot {lot[0]}/{lot[1]}", sum(r.quantity for r in rows), quantity)
    remaining, sources = quantity, []
    for level in rows:
        take = min(level.quantity, remaining)
        if take > 0:
            level.quantity -= take
            remaining -= take
            sources.append(level.location_code)
    uow.record(
        "lot.issued", "lot", lot_entity(*lot), {"quantity": quantity, "reference": line.reference}
    )
    return _movement(
        uow,
        MovementKind.ISSUE,
        now,
        lot=lot,
        quantity=quantity,
        source=",".join(sources),
        reference=line.reference,
    )


def pack(
    uow: UnitOfWork,
    options: WarehouseOptions,
    sscc: str,
    kind: str,
    units: Sequence[UnitKey],
    child_ssccs: Sequence[str],
) -> store.PackageRow:
    package_kind = parse_enum(PackageKind, kind, "package kind")
    if not (units or child_ssccs):
        raise InvalidArgument("a package needs units or packages to hold")
    check_batch(len(units) + len(child_ssccs), "items")
    if sscc:
        sscc = domain.check_sscc(sscc)
        if store.packages(uow.session, [sscc]):
            raise FailedPrecondition(f"SSCC {sscc} is already in use")
    else:
        sscc = gs1.make_sscc(options.gs1_company_prefix, store.next_counter(uow.session, "sscc"))
    stock = store.units(uow.session, units, for_update=True)
    missing = [f"{s}/{n}" for s, n in units if (s, n) not in stock]
    if missing:
        raise FailedPrecondition(
            "not in stock (built units enter it when production completes them, bought "
            f"ones when they are received): {', '.join(missing[:10])}"
        )
    found = store.packages(uow.session, child_ssccs, for_update=True)
    kids = [_live_package(found, c) for c in child_ssccs]
    domain.check_nesting(package_kind, [k.kind for k in kids])
    locations = set()
    for key in units:
        row = stock[key]
        domain.require_in_stock(f"unit {key[0]}/{key[1]}", row.custody, row.package_sscc)
        locations.add(row.location_code)
    for kid in kids:
        if kid.parent_sscc:
            raise FailedPrecondition(f"package {kid.sscc} is already inside {kid.parent_sscc}")
        locations.add(kid.location_code)
    if len(locations) > 1:
        raise FailedPrecondition(
            f"contents are at different locations: {', '.join(sorted(str(x) for x in locations))}"
        )
    now = utcnow()
    package = store.PackageRow(
        sscc=sscc,
        kind=package_kind.value,
        parent_sscc=None,
        location_code=locations.pop() if locations else None,
        created_at=now,
        created_by=uow.actor,
    )
    uow.session.add(package)
    uow.session.flush()
    for key in units:
        stock[key].package_sscc = sscc
    for kid in kids:
        kid.parent_sscc = sscc
    store.add_movements(
        uow.session,
        [
            _movement(
                uow,
                MovementKind.PACK,
                now,
                unit=key,
                sscc=sscc,
                source=stock[key].location_code,
                to=stock[key].location_code,
            )
            for key in units
        ],
    )
    uow.record(
        "package.packed",
        "package",
        sscc,
        {
            "kind": package_kind.value,
            "units": [f"{s}/{n}" for s, n in units],
            "packages": list(child_ssccs),
        },
    )
    return package


def unpack(uow: UnitOfWork, sscc: str) -> store.PackageRow:
    sscc = domain.check_sscc(sscc)
    package = _live_package(store.packages(uow.session, [sscc], for_update=True), sscc)
    kids, contents = store.children(uow.session, [sscc])
    now = utcnow()
    for kid in kids:
        kid.parent_sscc = None
    for row in contents:
        row.package_sscc = None
    package.unpacked_at = now
    store.add_movements(
        uow.session,
        [
            _movement(
                uow,
                MovementKind.UNPACK,
                now,
                unit=UnitKey(r.sku, r.serial),
                sscc=sscc,
                source=r.location_code,
                to=r.location_code,
            )
            for r in contents
        ],
    )
    uow.record("package.unpacked", "package", sscc, {"units": len(contents), "packages": len(kids)})
    return package


def create_shipment(
    uow: UnitOfWork,
    peers: Peers,
    customer: str,
    units: Sequence[UnitKey],
    ssccs: Sequence[str],
    carrier: str,
    tracking: str,
) -> store.ShipmentRow:
    """Ships units and packages (everything inside, at any depth) if every unit is in
    stock, COMPLETE in production or PURCHASED, and not held; otherwise nothing ships."""
    if not (units or ssccs):
        raise InvalidArgument("a shipment needs units or packages")
    carrier = check_text(carrier.strip(), "carrier", REFERENCE)
    tracking = check_text(tracking.strip(), "tracking number", REFERENCE)
    _require_party(peers, customer, "CUSTOMER")
    found = store.packages(uow.session, ssccs, for_update=True)
    top = [_live_package(found, s) for s in ssccs]
    inner, packed = store.explode(uow.session, ssccs)
    stock = store.units(uow.session, units, for_update=True)
    missing = [f"{s}/{n}" for s, n in units if (s, n) not in stock]
    if missing:
        raise FailedPrecondition(f"not in stock: {', '.join(missing[:10])}")
    rows = {**{UnitKey(r.sku, r.serial): r for r in packed}, **stock}
    keys = sorted(rows)
    done, known = peers.production.complete(keys)
    unbuilt = [k for k in keys if k not in done]
    purchased = peers.masterdata.purchased([k for k in unbuilt if k not in known])
    held = peers.quality.held(keys)
    problems = domain.shipment_problems(
        {k: r.custody for k, r in rows.items()}, done, purchased, held
    )
    if problems:
        raise domain.shipment_refusal(problems)
    now = utcnow()
    shipment = store.ShipmentRow(
        id=f"SH-{uuid.uuid4().hex[:12].upper()}",
        customer_code=customer,
        shipped_at=now,
        carrier=carrier or None,
        tracking_number=tracking or None,
        unit_count=len(keys),
        shipped_by=uow.actor,
    )
    uow.session.add(shipment)
    uow.session.flush()
    moves = []
    for key in keys:
        row = rows[key]
        reference = f"shipment {shipment.id} to {customer}"
        moves.append(_unit_leaving(uow, MovementKind.SHIP, now, key, row, reference))
        row.custody, row.location_code, row.shipment_id = (Custody.SHIPPED.value, None, shipment.id)
    for package in (*top, *inner):
        package.shipment_id, package.location_code = shipment.id, None
    store.add_shipment_units(uow.session, shipment.id, keys)
    store.add_movements(uow.session, moves)
    for key in keys:
        uow.record(
            "unit.shipped",
            "unit",
            unit_entity(*key),
            {"shipment": shipment.id, "customer": customer},
        )
    return shipment


def return_unit(
    uow: UnitOfWork, peers: Peers, unit: UnitKey, rma: str, reason: str, location: str
) -> store.UnitStockRow:
    rma = check_free_text(rma, "RMA number", REFERENCE)
    reason = check_free_text(reason, "return reason", REASON)
    _require_location(peers, location)
    row = store.units(uow.session, [unit], for_update=True).get(unit)
    if row is None or row.custody != Custody.SHIPPED:
        state = row.custody if row else "unknown to the warehouse"
        raise FailedPrecondition(
            f"unit {unit[0]}/{unit[1]} is {state}; only shipped units come back"
        )
    now = utcnow()
    shipment = row.shipment_id
    row.custody, row.location_code = Custody.IN_STOCK.value, location
    row.package_sscc, row.shipment_id = None, None
    store.add_movements(
        uow.session,
        [
            _movement(
                uow,
                MovementKind.RETURN,
                now,
                unit=unit,
                to=location,
                reference=f"RMA {rma}: {reason}",
            )
        ],
    )
    uow.record(
        "unit.returned",
        "unit",
        unit_entity(*unit),
        {"rma": rma, "reason": reason, "location": location, "shipment": shipment},
    )
    return row


# --- reads --------------------------------------------------------------------------------


def unit_stock(session: Session, units: Sequence[UnitKey]) -> list[Any]:
    """The stock record of each unit the warehouse knows, in key order (rows with the
    columns of store.UnitStockRow)."""
    return store.unit_stock_rows(session, units)


def whereabouts(
    session: Session, units: Sequence[tuple[str, str]]
) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    """Where each known unit is and, once shipped, to whom, in key order."""
    return store.whereabouts(session, units)


def movements(session: Session, units: Sequence[UnitKey]) -> list[Any]:
    """The units' movements, oldest first (rows with the columns of store.MovementRow)."""
    return store.movement_rows(session, units)


@dataclass(frozen=True)
class LotStock:
    key: LotKey
    levels: list[Any]  # locations with a positive quantity: location_code, quantity
    received_at: datetime


def lot_stock(session: Session, lots: Sequence[LotKey]) -> list[LotStock]:
    """Each received lot's quantity by location, in the order asked (one statement)."""
    levels: dict[LotKey, list[Any]] = {}
    received: dict[LotKey, datetime] = {}
    for row in store.lots_with_stock(session, lots):
        key = LotKey(row.sku, row.lot_number)
        received[key] = row.received_at
        levels.setdefault(key, [])
        if row.quantity is not None and row.quantity > 0:
            levels[key].append(row)
    return [
        LotStock(key, levels[key], received[key])
        for key in dict.fromkeys(LotKey(*lot) for lot in lots)
        if key in received
    ]


@dataclass(frozen=True)
class PackageContents:
    row: Any  # a store.PackageRow, or a row with its columns
    packages: list[Any]  # the packages directly inside it (each with its .sscc)
    units: list[Any]  # the units directly inside it (each with .sku and .serial)


def package_contents(
    session: Session, packages: Sequence[store.PackageRow]
) -> list[PackageContents]:
    """Each package with its direct contents: the same two queries for any number."""
    kids, contents = store.children(session, [p.sscc for p in packages])
    return [
        PackageContents(
            p,
            [k for k in kids if k.parent_sscc == p.sscc],
            [u for u in contents if u.package_sscc == p.sscc],
        )
        for p in packages
    ]


def packages(session: Session, ssccs: Sequence[str]) -> list[PackageContents]:
    return package_contents(session, list(store.packages(session, ssccs).values()))


def package_chains(session: Session, ssccs: Sequence[str]) -> list[PackageContents]:
    """These packages and every package they sit in, each with its direct contents: two
    statements however deep the packing."""
    chain = store.package_chain_rows(session, ssccs)
    kids: dict[str, list[Any]] = {p.sscc: [] for p in chain}
    units: dict[str, list[Any]] = {p.sscc: [] for p in chain}
    for kind, package, first, second in store.package_content_rows(session, list(kids)):
        if kind == "P":
            kids[package].append(_Sscc(first))
        else:
            units[package].append(UnitKey(first, second))
    return [
        PackageContents(p, sorted(kids[p.sscc]), sorted(units[p.sscc]))
        for p in sorted(chain, key=lambda p: p.sscc)
    ]


class _Sscc(NamedTuple):
    sscc: str


def shipments(session: Session, ids: Sequence[str]) -> list[Any]:
    """Shipments by id (rows with the columns of store.ShipmentRow)."""
    return store.shipment_rows(session, ids)


def shipment_units(
    session: Session, shipment_id: str, size: int, after: tuple[str, str] | None
) -> Page[UnitKey]:
    return Page(*store.shipment_units(session, shipment_id, size, after))


def units_at_location(
    session: Session, peers: Peers, location: str, size: int, after: tuple[str, str] | None
) -> Page[store.UnitStockRow]:
    if peers.masterdata.missing_locations([location]):
        raise NotFound(f"unknown location {location!r}")
    return Page(*store.units_at(session, location, size, after))


@dataclass(frozen=True)
class LocationStockSummary:
    location_code: str
    units_in_stock: int
    lots_on_hand: int
    lot_quantity_on_hand: float


def location_stock_summaries(session: Session, codes: Sequence[str]) -> list[LocationStockSummary]:
    """The stock at each location asked for, in code order; zeros where there is none."""
    units, lots = store.stock_by_location(session, codes)
    return [
        LocationStockSummary(code, units.get(code, 0), *lots.get(code, (0, 0.0)))
        for code in sorted(set(codes))
    ]
