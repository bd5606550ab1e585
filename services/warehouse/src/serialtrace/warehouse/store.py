"""Warehouse tables and the queries over them (bulk paths for bulk work)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from serialtrace.common.db import NAMING_CONVENTION, bulk_insert, chunks, key_clauses, upsert_insert

Key = tuple[str, str]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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


class UnitStockRow(Base):
    __tablename__ = "unit_stock"
    __table_args__ = (
        Index("ix_unit_stock_package", "package_sscc"),
        Index("ix_unit_stock_location", "location_code", "sku", "serial"),
    )
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[str] = mapped_column(String(100), primary_key=True)
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


class PackageRow(Base):
    __tablename__ = "packages"
    sscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    parent_sscc: Mapped[str | None] = mapped_column(ForeignKey("packages.sscc"), index=True)
    location_code: Mapped[str | None] = mapped_column(String(64))
    shipment_id: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
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


class ShipmentUnitRow(Base):
    __tablename__ = "shipment_units"
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipments.id"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    serial: Mapped[str] = mapped_column(String(100), primary_key=True)


class CounterRow(Base):
    """Monotonic counters, e.g. the serial reference of generated SSCCs."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


def units(
    session: Session, keys: Sequence[Key], *, for_update: bool = False
) -> dict[Key, UnitStockRow]:
    found: dict[Key, UnitStockRow] = {}
    for clause in key_clauses(UnitStockRow.sku, UnitStockRow.serial, keys):
        query = select(UnitStockRow).where(clause)
        for row in session.scalars(query.with_for_update() if for_update else query):
            found[(row.sku, row.serial)] = row
    return found


def insert_new_units(session: Session, rows: Sequence[dict[str, Any]]) -> set[Key]:
    """Inserts unit stock rows not present yet; returns the (sku, serial) inserted."""
    return {
        (r.sku, r.serial)
        for r in bulk_insert(
            session,
            UnitStockRow,
            rows,
            conflict_columns=("sku", "serial"),
            returning=("sku", "serial"),
        )
    }


def add_movements(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert(session, MovementRow, rows)


def movements_of(session: Session, keys: Sequence[Key]) -> list[MovementRow]:
    found: list[MovementRow] = []
    for clause in key_clauses(MovementRow.unit_sku, MovementRow.unit_serial, keys):
        found += session.scalars(select(MovementRow).where(clause))
    return sorted(found, key=lambda m: m.seq)


def production_receipts(session: Session, keys: Sequence[Key]) -> dict[Key, MovementRow]:
    """The RECEIVE from production of each of these units that has one."""
    found: dict[Key, MovementRow] = {}
    for clause in key_clauses(MovementRow.unit_sku, MovementRow.unit_serial, keys):
        query = select(MovementRow).where(
            clause, MovementRow.kind == "RECEIVE", MovementRow.work_order_id.is_not(None)
        )
        for row in session.scalars(query):
            found.setdefault((row.unit_sku or "", row.unit_serial or ""), row)
    return found


def lots(session: Session, keys: Sequence[Key]) -> dict[Key, LotRow]:
    """Received lots by (sku, lot number), one query per 500."""
    found: dict[Key, LotRow] = {}
    for clause in key_clauses(LotRow.sku, LotRow.lot_number, keys):
        found.update(
            ((r.sku, r.lot_number), r) for r in session.scalars(select(LotRow).where(clause))
        )
    return found


def lot_stock(
    session: Session, lots: Sequence[Key], *, for_update: bool = False
) -> dict[Key, list[LotStockRow]]:
    """Each lot's stock by location; one query per 500 lots, locked in key order if
    `for_update` (so two transactions locking overlapping lots queue, not deadlock)."""
    wanted = sorted(set(lots))
    result: dict[Key, list[LotStockRow]] = {lot: [] for lot in wanted}
    for clause in key_clauses(LotStockRow.sku, LotStockRow.lot_number, wanted):
        query = (
            select(LotStockRow)
            .where(clause)
            .order_by(LotStockRow.sku, LotStockRow.lot_number, LotStockRow.location_code)
        )
        for row in session.scalars(query.with_for_update() if for_update else query):
            result[(row.sku, row.lot_number)].append(row)
    return result


def add_lot_stock(session: Session, sku: str, number: str, location: str, quantity: float) -> None:
    statement = upsert_insert(session, LotStockRow).values(
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
        upsert_insert(session, CounterRow).values(name=name, value=0).on_conflict_do_nothing()
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
    found: dict[str, PackageRow] = {}
    for part in chunks(sorted(set(ssccs))):
        query = select(PackageRow).where(PackageRow.sscc.in_(part))
        for row in session.scalars(query.with_for_update() if for_update else query):
            found[row.sscc] = row
    return found


def children(session: Session, ssccs: Sequence[str]) -> tuple[list[PackageRow], list[UnitStockRow]]:
    """Direct contents of these packages: child packages and units."""
    kids: list[PackageRow] = []
    contents: list[UnitStockRow] = []
    for part in chunks(sorted(set(ssccs))):
        kids += session.scalars(
            select(PackageRow).where(PackageRow.parent_sscc.in_(part)).order_by(PackageRow.sscc)
        )
        contents += session.scalars(
            select(UnitStockRow)
            .where(UnitStockRow.package_sscc.in_(part))
            .order_by(UnitStockRow.sku, UnitStockRow.serial)
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


def add_shipment_units(session: Session, shipment_id: str, keys: Sequence[Key]) -> None:
    bulk_insert(
        session,
        ShipmentUnitRow,
        [{"shipment_id": shipment_id, "sku": s, "serial": n} for s, n in keys],
    )


def shipments(session: Session, ids: Iterable[str]) -> list[ShipmentRow]:
    found: list[ShipmentRow] = []
    for part in chunks(sorted(set(ids))):
        found += session.scalars(select(ShipmentRow).where(ShipmentRow.id.in_(part)))
    return found


def shipment_units(
    session: Session, shipment_id: str, limit: int, after: Key | None
) -> tuple[list[Key], int]:
    query = select(ShipmentUnitRow.sku, ShipmentUnitRow.serial).where(
        ShipmentUnitRow.shipment_id == shipment_id
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(tuple_(ShipmentUnitRow.sku, ShipmentUnitRow.serial) > after)
    rows = session.execute(
        query.order_by(ShipmentUnitRow.sku, ShipmentUnitRow.serial).limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows], int(total)


def units_at(
    session: Session, location: str, limit: int, after: Key | None
) -> tuple[list[UnitStockRow], int]:
    query = select(UnitStockRow).where(
        UnitStockRow.location_code == location, UnitStockRow.custody == "IN_STOCK"
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(tuple_(UnitStockRow.sku, UnitStockRow.serial) > after)
    rows = list(session.scalars(query.order_by(UnitStockRow.sku, UnitStockRow.serial).limit(limit)))
    return rows, int(total)
