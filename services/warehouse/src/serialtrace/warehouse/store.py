"""Warehouse tables and the queries over them (bulk paths for bulk work)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, literal, select, tuple_, union_all, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import CheckConstraint, ForeignKey, Index
from sqlalchemy.types import DateTime, Float, Integer, String

from serialtrace.common import db
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.models import Created, ImportProvenance, KeyedByUnit, service_metadata
from serialtrace.common.provenance import count_by_file


class Base(DeclarativeBase):
    metadata = service_metadata()


class LotRow(Base):
    __tablename__ = "lots"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LotStockRow(Base):
    """Quantity of a lot on hand at one location; the database refuses negatives too."""

    __tablename__ = "lot_stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    location_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class UnitStockRow(KeyedByUnit, Base):
    __tablename__ = "unit_stock"
    __table_args__ = (
        Index("ix_unit_stock_package", "package_sscc"),
        Index("ix_unit_stock_location", "location_code", "sku", "serial"),
    )
    custody: Mapped[str] = mapped_column(String(10))
    location_code: Mapped[str | None] = mapped_column(String(64))
    package_sscc: Mapped[str | None] = mapped_column(String(18))
    shipment_id: Mapped[str | None] = mapped_column(String(40))


class MovementRow(Base):
    __tablename__ = "movements"
    __table_args__ = (Index("ix_movements_unit", "unit_sku", "unit_serial", "seq"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str] = mapped_column(String(200))
    from_location: Mapped[str | None] = mapped_column(String(64))
    to_location: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(300))
    unit_sku: Mapped[str | None] = mapped_column(String(64))
    unit_serial: Mapped[str | None] = mapped_column(String(100))
    lot_sku: Mapped[str | None] = mapped_column(String(64))
    lot_number: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[float | None] = mapped_column(Float)
    package_sscc: Mapped[str | None] = mapped_column(String(18))
    # Set on a RECEIVE from production: the work order the unit was built under.
    work_order_id: Mapped[str | None] = mapped_column(String(40))


class PackageRow(Created, Base):
    __tablename__ = "packages"
    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    parent_sscc: Mapped[str | None] = mapped_column(ForeignKey("packages.sscc"), index=True)
    location_code: Mapped[str | None] = mapped_column(String(64))
    shipment_id: Mapped[str | None] = mapped_column(String(40))
    unpacked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ShipmentRow(Base):
    __tablename__ = "shipments"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_code: Mapped[str] = mapped_column(String(64))
    shipped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    unit_count: Mapped[int] = mapped_column(Integer)
    shipped_by: Mapped[str] = mapped_column(String(200))


class ShipmentUnitRow(KeyedByUnit, Base):
    __tablename__ = "shipment_units"
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id"), primary_key=True)


class CounterRow(Base):
    """Monotonic counters, e.g. the serial reference of generated SSCCs."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# --- the reads of a trace's facts and of the batch lookups: statements built once -------
# (db.where_among), rows as plain tuples; each read one statement however many keys.

_UNIT_STOCK = db.where_among(
    select(UnitStockRow.__table__), UnitStockRow.sku, UnitStockRow.serial
).order_by(UnitStockRow.sku, UnitStockRow.serial)
_MOVEMENTS = db.where_among(
    select(MovementRow.__table__), MovementRow.unit_sku, MovementRow.unit_serial
).order_by(MovementRow.seq)
# Each received lot with its stock by location (a lot with none: one row, no location).
_LOTS_WITH_STOCK = db.where_among(
    select(
        LotRow.sku,
        LotRow.lot_number,
        LotRow.received_at,
        LotStockRow.location_code,
        LotStockRow.quantity,
    ).outerjoin(
        LotStockRow,
        (LotStockRow.sku == LotRow.sku) & (LotStockRow.lot_number == LotRow.lot_number),
    ),
    LotRow.sku,
    LotRow.lot_number,
).order_by(LotRow.sku, LotRow.lot_number, LotStockRow.location_code)
_SHIPMENTS = db.where_among(select(ShipmentRow.__table__), ShipmentRow.id)


# The packages asked for and every package they sit in (db.with_ancestors).
_PACKAGE_CHAIN = db.with_ancestors(cast(Table, PackageRow.__table__), "sscc", "parent_sscc")
# The direct contents of packages: child packages ("P", parent, sscc, "") and units
# ("U", package, sku, serial), in one statement.
_PACKAGE_CONTENTS = union_all(
    db.where_among(
        select(
            literal("P").label("kind"),
            PackageRow.parent_sscc.label("package"),
            PackageRow.sscc.label("first"),
            literal("").label("second"),
        ),
        PackageRow.parent_sscc,
    ),
    db.where_among(
        select(
            literal("U"),
            UnitStockRow.package_sscc,
            UnitStockRow.sku,
            UnitStockRow.serial,
        ),
        UnitStockRow.package_sscc,
    ),
)


def unit_stock_rows(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The stock record of each unit the warehouse knows, in key order."""
    return sorted(db.rows_among(session, _UNIT_STOCK, keys), key=lambda r: (r.sku, r.serial))


def movement_rows(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The movements of these units, oldest first."""
    return sorted(db.rows_among(session, _MOVEMENTS, keys), key=lambda m: m.seq)


def lots_with_stock(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """(sku, lot_number, received_at, location_code, quantity) of each received lot and
    location it has stock at (location and quantity None for a lot with no stock row)."""
    return db.rows_among(session, _LOTS_WITH_STOCK, keys)


def shipment_rows(session: Session, ids: Iterable[str]) -> list[Any]:
    return db.rows_among(session, _SHIPMENTS, ids)


def package_chain_rows(session: Session, ssccs: Iterable[str]) -> list[Any]:
    """These packages and every package they sit in, by SSCC."""
    wanted = sorted(set(ssccs))
    if not wanted:
        return []
    return db.rows_among(session, _PACKAGE_CHAIN, wanted)


def package_content_rows(session: Session, ssccs: Iterable[str]) -> list[Any]:
    """(kind "P" or "U", package, sscc or sku, "" or serial) of what these packages
    hold directly."""
    return db.rows_among(session, _PACKAGE_CONTENTS, ssccs)


def units(
    session: Session, keys: Sequence[tuple[str, str]], *, for_update: bool = False
) -> dict[UnitKey, UnitStockRow]:
    rows = db.get_many_by_key(
        session, UnitStockRow, UnitStockRow.sku, UnitStockRow.serial, keys, for_update=for_update
    )
    return {UnitKey(r.sku, r.serial): r for r in rows}


def whereabouts(
    session: Session, keys: Sequence[tuple[str, str]]
) -> list[tuple[str, str, str, str | None, str | None, str | None]]:
    """(sku, serial, custody, location, shipment, customer) of each unit known here, in
    key order: plain columns in one statement, for a recall's tens of thousands."""
    query = select(
        UnitStockRow.sku,
        UnitStockRow.serial,
        UnitStockRow.custody,
        UnitStockRow.location_code,
        UnitStockRow.shipment_id,
        ShipmentRow.customer_code,
    ).outerjoin(ShipmentRow, ShipmentRow.id == UnitStockRow.shipment_id)
    rows = db.rows_by_key(session, query, UnitStockRow.sku, UnitStockRow.serial, keys)
    return sorted((r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows)


def insert_new_units(session: Session, rows: Sequence[dict[str, Any]]) -> set[UnitKey]:
    """Inserts unit stock rows not present yet; returns the (sku, serial) inserted."""
    return {
        UnitKey(r.sku, r.serial)
        for r in db.bulk_insert(
            session,
            UnitStockRow,
            rows,
            conflict_columns=("sku", "serial"),
            returning=("sku", "serial"),
        )
    }


def add_movements(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    db.bulk_insert(session, MovementRow, rows)


def movements_of(session: Session, keys: Sequence[tuple[str, str]]) -> list[MovementRow]:
    rows = db.get_many_by_key(
        session, MovementRow, MovementRow.unit_sku, MovementRow.unit_serial, keys
    )
    return sorted(rows, key=lambda m: m.seq)


def production_receipts(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[UnitKey, MovementRow]:
    """The RECEIVE from production of each of these units that has one."""
    found: dict[UnitKey, MovementRow] = {}
    receipt = (MovementRow.kind == "RECEIVE", MovementRow.work_order_id.is_not(None))
    for row in db.get_many_by_key(
        session, MovementRow, MovementRow.unit_sku, MovementRow.unit_serial, keys, where=receipt
    ):
        found.setdefault(UnitKey(row.unit_sku or "", row.unit_serial or ""), row)
    return found


def lots(session: Session, keys: Sequence[tuple[str, str]]) -> dict[LotKey, LotRow]:
    """Received lots by (sku, lot number), one query per 500."""
    rows = db.get_many_by_key(session, LotRow, LotRow.sku, LotRow.lot_number, keys)
    return {LotKey(r.sku, r.lot_number): r for r in rows}


def lot_stock(
    session: Session, lots: Sequence[tuple[str, str]], *, for_update: bool = False
) -> dict[LotKey, list[LotStockRow]]:
    """Each lot's stock by location; one query per 500 lots, locked in key order if
    `for_update` (so two transactions locking overlapping lots queue, not deadlock)."""
    wanted = sorted({LotKey(*lot) for lot in lots})
    result: dict[LotKey, list[LotStockRow]] = {lot: [] for lot in wanted}
    order = (LotStockRow.sku, LotStockRow.lot_number, LotStockRow.location_code)
    for row in db.get_many_by_key(
        session,
        LotStockRow,
        LotStockRow.sku,
        LotStockRow.lot_number,
        wanted,
        order_by=order,
        for_update=for_update,
    ):
        result[LotKey(row.sku, row.lot_number)].append(row)
    return result


def add_lot_stock(session: Session, sku: str, number: str, location: str, quantity: float) -> None:
    statement = db.upsert_insert(session, LotStockRow).values(
        sku=sku, lot_number=number, location_code=location, quantity=quantity
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["sku", "lot_number", "location_code"],
            set_={"quantity": LotStockRow.quantity + quantity},
        )
    )


def next_counter(session: Session, name: str) -> int:
    session.execute(
        db.upsert_insert(session, CounterRow).values(name=name, value=0).on_conflict_do_nothing()
    )
    return int(
        session.execute(
            update(CounterRow)
            .where(CounterRow.name == name)
            .values(value=CounterRow.value + 1)
            .returning(CounterRow.value)
        ).scalar_one()
    )


def packages(
    session: Session, ssccs: Iterable[str], *, for_update: bool = False
) -> dict[str, PackageRow]:
    rows = db.get_many(session, PackageRow, PackageRow.sscc, ssccs, for_update=for_update)
    return {r.sscc: r for r in rows}


def children(session: Session, ssccs: Sequence[str]) -> tuple[list[PackageRow], list[UnitStockRow]]:
    """Direct contents of these packages: child packages and units (two queries per
    500 packages, however many packages)."""
    kids = db.get_many(
        session, PackageRow, PackageRow.parent_sscc, ssccs, order_by=(PackageRow.sscc,)
    )
    contents = db.get_many(
        session,
        UnitStockRow,
        UnitStockRow.package_sscc,
        ssccs,
        order_by=(UnitStockRow.sku, UnitStockRow.serial),
    )
    return kids, contents


def explode(session: Session, ssccs: Sequence[str]) -> tuple[list[PackageRow], list[UnitStockRow]]:
    """Every package and unit inside these packages, at any depth (one query per level)."""
    all_packages: list[PackageRow] = []
    all_units: list[UnitStockRow] = []
    level = list(ssccs)
    while level:
        kids, contents = children(session, level)
        all_packages += kids
        all_units += contents
        level = [k.sscc for k in kids]
    return all_packages, all_units


def add_shipment_units(session: Session, shipment_id: str, keys: Sequence[tuple[str, str]]) -> None:
    db.bulk_insert(
        session,
        ShipmentUnitRow,
        [{"shipment_id": shipment_id, "sku": s, "serial": n} for s, n in keys],
    )


def shipments(session: Session, ids: Iterable[str]) -> list[ShipmentRow]:
    return db.get_many(session, ShipmentRow, ShipmentRow.id, ids)


def shipment_units(
    session: Session, shipment_id: str, limit: int, after: tuple[str, str] | None
) -> tuple[list[UnitKey], bool, int]:
    """A page of a shipment's units in key order, whether more follow, and the total."""
    query = select(ShipmentUnitRow.sku, ShipmentUnitRow.serial).where(
        ShipmentUnitRow.shipment_id == shipment_id
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(tuple_(ShipmentUnitRow.sku, ShipmentUnitRow.serial) > after)
    rows, more = db.first_page(
        session, query.order_by(ShipmentUnitRow.sku, ShipmentUnitRow.serial), limit, rows=True
    )
    return [UnitKey(r[0], r[1]) for r in rows], more, int(total)


def units_at(
    session: Session, location: str, limit: int, after: tuple[str, str] | None
) -> tuple[list[UnitStockRow], bool, int]:
    """A page of the units in stock at a location in key order, whether more follow,
    and the total."""
    query = select(UnitStockRow).where(
        UnitStockRow.location_code == location, UnitStockRow.custody == "IN_STOCK"
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(tuple_(UnitStockRow.sku, UnitStockRow.serial) > after)
    rows, more = db.first_page(
        session, query.order_by(UnitStockRow.sku, UnitStockRow.serial), limit
    )
    return rows, more, int(total)


def stock_by_location(
    session: Session, codes: Sequence[str]
) -> tuple[dict[str, int], dict[str, tuple[int, float]]]:
    """Per location: units in stock, and (lots, quantity) on hand. Two grouped queries
    per 500 locations (the unit_stock location index serves the first)."""
    units_in_stock: dict[str, int] = {}
    lots_on_hand: dict[str, tuple[int, float]] = {}
    for part in db.chunks(sorted(set(codes))):
        for code, count in session.execute(
            select(UnitStockRow.location_code, func.count())
            .where(UnitStockRow.location_code.in_(part), UnitStockRow.custody == "IN_STOCK")
            .group_by(UnitStockRow.location_code)
        ):
            units_in_stock[code] = int(count)
        for code, count, quantity in session.execute(
            select(LotStockRow.location_code, func.count(), func.sum(LotStockRow.quantity))
            .where(LotStockRow.location_code.in_(part), LotStockRow.quantity > 0)
            .group_by(LotStockRow.location_code)
        ):
            lots_on_hand[code] = (int(count), float(quantity or 0))
    return units_in_stock, lots_on_hand


# --- migration imports ---------------------------------------------------------------------


class ImportProvenanceRow(ImportProvenance, Base):
    """Where an imported fact (a unit into stock, a unit shipped) came from: batch, file
    and row, the movement the import wrote for it, and when it was recorded here."""

    movement_seq: Mapped[int] = mapped_column(Integer)


def add_unit_movements(session: Session, rows: Sequence[dict[str, Any]]) -> dict[UnitKey, int]:
    """Inserts movements of distinct units; returns each unit's movement seq."""
    returned = db.bulk_insert(
        session, MovementRow, rows, returning=("seq", "unit_sku", "unit_serial")
    )
    return {UnitKey(r.unit_sku, r.unit_serial): r.seq for r in returned}


def add_lot_movements(session: Session, rows: Sequence[dict[str, Any]]) -> dict[LotKey, int]:
    """Inserts movements of distinct lots; returns each lot's movement seq."""
    returned = db.bulk_insert(
        session, MovementRow, rows, returning=("seq", "lot_sku", "lot_number")
    )
    return {LotKey(r.lot_sku, r.lot_number): r.seq for r in returned}


def lot_movements(session: Session, keys: Sequence[tuple[str, str]]) -> list[MovementRow]:
    """The movements of these lots, oldest first."""
    rows = db.get_many_by_key(
        session, MovementRow, MovementRow.lot_sku, MovementRow.lot_number, keys
    )
    return sorted(rows, key=lambda m: m.seq)


def insert_new_lots(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Received lots not known yet (a lot already received keeps its first time)."""
    db.bulk_insert(session, LotRow, rows, conflict_columns=("sku", "lot_number"))


def take_lot_stock(
    session: Session, sku: str, number: str, location: str, quantity: float
) -> float | None:
    """Takes `quantity` of a lot off its stock at a location; the quantity left, or
    None when the location holds less than that (nothing changed then)."""
    row = session.get(LotStockRow, (sku, number, location), with_for_update=True)
    if row is None or row.quantity < quantity - 1e-9:
        return None
    left = max(row.quantity - quantity, 0.0)
    if left <= 1e-9:
        session.delete(row)
        return 0.0
    row.quantity = left
    return left


def delete_lots_without_stock(session: Session, keys: Sequence[tuple[str, str]]) -> None:
    """Received-lot rows of these lots that no longer have a stock row anywhere."""
    session.flush()
    for clause in db.key_clauses(LotRow.sku, LotRow.lot_number, sorted(set(keys))):
        session.execute(
            delete(LotRow).where(
                clause,
                ~select(LotStockRow.sku)
                .where(LotStockRow.sku == LotRow.sku, LotStockRow.lot_number == LotRow.lot_number)
                .exists(),
            )
        )


def add_import_provenance(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    db.bulk_insert(session, ImportProvenanceRow, rows)


def import_provenance(
    session: Session, batch_id: str, entity_type: str | None = None
) -> list[ImportProvenanceRow]:
    query = select(ImportProvenanceRow).where(ImportProvenanceRow.batch_id == batch_id)
    if entity_type is not None:
        query = query.where(ImportProvenanceRow.entity_type == entity_type)
    return list(session.scalars(query.order_by(ImportProvenanceRow.movement_seq)))


def count_import_provenance(session: Session, batch_id: str) -> list[tuple[str, str, int]]:
    return count_by_file(session, ImportProvenanceRow, batch_id)


def shipments_for_update(session: Session, ids: Iterable[str]) -> dict[str, ShipmentRow]:
    return {
        r.id: r for r in db.get_many(session, ShipmentRow, ShipmentRow.id, ids, for_update=True)
    }


def delete_movements(session: Session, seqs: Sequence[int]) -> None:
    for part in db.chunks(sorted(set(seqs))):
        session.execute(delete(MovementRow).where(MovementRow.seq.in_(part)))


def shipment_memberships(
    session: Session, keys: Sequence[tuple[str, str]]
) -> list[ShipmentUnitRow]:
    """The shipments these units are in (each row names shipment and unit)."""
    return db.get_many_by_key(
        session, ShipmentUnitRow, ShipmentUnitRow.sku, ShipmentUnitRow.serial, keys
    )


def delete_shipments(session: Session, shipment_ids: Sequence[str]) -> None:
    """Shipments with their unit rows (a rolled-back import's)."""
    for part in db.chunks(sorted(set(shipment_ids))):
        session.execute(delete(ShipmentUnitRow).where(ShipmentUnitRow.shipment_id.in_(part)))
        session.execute(delete(ShipmentRow).where(ShipmentRow.id.in_(part)))


def delete_unit_stock(session: Session, keys: Sequence[tuple[str, str]]) -> None:
    for clause in db.key_clauses(UnitStockRow.sku, UnitStockRow.serial, sorted(set(keys))):
        session.execute(delete(UnitStockRow).where(clause))
