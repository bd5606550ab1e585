"""Production tables and the queries over them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

CHUNK = 500

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class RouteRow(Base):
    """The operations a product must pass before completion."""

    __tablename__ = "routes"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    operations: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))


class WorkOrderRow(Base):
    __tablename__ = "work_orders"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    bom_revision: Mapped[str] = mapped_column(String(20))
    line: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    commissioned_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class UnitRow(Base):
    """A unit commissioned here: its build status and work order."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("sku", "serial"),)
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    sku: Mapped[str] = mapped_column(String(64))
    serial: Mapped[str] = mapped_column(String(100))
    work_order_id: Mapped[str] = mapped_column(ForeignKey("work_orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OperationRow(Base):
    __tablename__ = "operation_records"
    __table_args__ = (Index("ix_operation_records_unit", "unit_id", "finished_at"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    operation: Mapped[str] = mapped_column(String(64))
    station: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(4))
    measurements: Mapped[dict[str, Any]] = mapped_column(JSON)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_meaning: Mapped[str | None] = mapped_column(String(500))


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def work_order(session: Session, wo_id: str, *, for_update: bool = False) -> WorkOrderRow | None:
    query = select(WorkOrderRow).where(WorkOrderRow.id == wo_id)
    return session.scalars(query.with_for_update() if for_update else query).first()


def work_orders(session: Session, ids: Iterable[str]) -> list[WorkOrderRow]:
    found: list[WorkOrderRow] = []
    for part in chunks(sorted(set(ids))):
        found += session.scalars(select(WorkOrderRow).where(WorkOrderRow.id.in_(part)))
    return found


def routes(session: Session, skus: Iterable[str]) -> list[RouteRow]:
    found: list[RouteRow] = []
    for part in chunks(sorted(set(skus))):
        found += session.scalars(select(RouteRow).where(RouteRow.sku.in_(part)))
    return found


def insert_units(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    session.execute(insert(UnitRow), list(rows))


def units_by_keys(
    session: Session, keys: Sequence[tuple[str, str]], *, for_update: bool = False
) -> list[UnitRow]:
    """Units by (sku, serial), one `sku = … AND serial IN (…)` query per SKU and chunk."""
    by_sku: dict[str, list[str]] = {}
    for sku, serial in set(keys):
        by_sku.setdefault(sku, []).append(serial)
    found: list[UnitRow] = []
    for sku, serials in sorted(by_sku.items()):
        for part in chunks(sorted(serials)):
            query = select(UnitRow).where(UnitRow.sku == sku, UnitRow.serial.in_(part))
            found += session.scalars(query.with_for_update() if for_update else query)
    return found


def operations_of(session: Session, unit_ids: Sequence[int]) -> list[OperationRow]:
    found: list[OperationRow] = []
    for part in chunks(sorted(set(unit_ids))):
        found += session.scalars(
            select(OperationRow)
            .where(OperationRow.unit_id.in_(part))
            .order_by(OperationRow.finished_at, OperationRow.id)
        )
    return found


def passed_operations(session: Session, unit_id: int) -> set[str]:
    return set(
        session.scalars(
            select(OperationRow.operation).where(
                OperationRow.unit_id == unit_id, OperationRow.result == "PASS"
            )
        )
    )


def units_by_ids(session: Session, ids: Iterable[int]) -> dict[int, UnitRow]:
    result: dict[int, UnitRow] = {}
    for part in chunks(sorted(set(ids))):
        result.update(
            (r.id, r) for r in session.scalars(select(UnitRow).where(UnitRow.id.in_(part)))
        )
    return result


def unit_keys_of(session: Session, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (sku, serial) keys production already knows."""
    return {(u.sku, u.serial) for u in units_by_keys(session, keys)}
