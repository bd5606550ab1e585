"""Quality tables and the queries over them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import ForeignKey, Index
from sqlalchemy.types import JSON, Boolean, DateTime, Integer, String

from serialtrace.common import db
from serialtrace.common.db import chunks, copy_insert, first_page, get_many, rows_by_key
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.models import Created, KeyedByUnit, service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class Subject:
    """What a nonconformance or a hold is about: a unit or a lot, by (kind, sku, key),
    after its owner's id in the primary key."""

    subject_kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)


class InspectionRow(Base):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_subject", "subject_kind", "sku", "key"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    subject_kind: Mapped[str] = mapped_column(String(4))  # UNIT or LOT
    sku: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(100))
    result: Mapped[str] = mapped_column(String(4))
    inspector: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    measurements: Mapped[dict[str, Any]] = mapped_column(JSON)


class NonconformanceRow(Base):
    __tablename__ = "nonconformances"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    description: Mapped[str] = mapped_column(String(2000))
    disposition: Mapped[str | None] = mapped_column(String(20))
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closure_meaning: Mapped[str | None] = mapped_column(String(500))


class NonconformanceSubjectRow(Subject, Base):
    __tablename__ = "nonconformance_subjects"
    __table_args__ = (Index("ix_nonconformance_subjects_subject", "subject_kind", "sku", "key"),)
    ncr_id: Mapped[str] = mapped_column(ForeignKey("nonconformances.id"), primary_key=True)


class HoldRow(Base):
    __tablename__ = "holds"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))
    placed_by: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, index=True)
    released_by: Mapped[str | None] = mapped_column(String(200))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    release_meaning: Mapped[str | None] = mapped_column(String(500))
    unit_count: Mapped[int] = mapped_column(Integer)


class HoldSubjectRow(Subject, Base):
    """What the hold was placed on."""

    __tablename__ = "hold_subjects"
    __table_args__ = (Index("ix_hold_subjects_subject", "subject_kind", "sku", "key"),)
    hold_id: Mapped[str] = mapped_column(ForeignKey("holds.id"), primary_key=True)


class HoldCoverageRow(KeyedByUnit, Base):
    """Every unit a hold covers (held units and every unit containing a held lot or unit
    at any depth), computed when the hold is placed: "is this unit held?" is one lookup."""

    __tablename__ = "hold_coverage"
    __table_args__ = (Index("ix_hold_coverage_unit", "sku", "serial"),)
    hold_id: Mapped[str] = mapped_column(ForeignKey("holds.id"), primary_key=True)


def _by_key(
    session: Session,
    query: Any,
    columns: tuple[Any, Any],
    keys: Sequence[tuple[str, str]],
    built: Any = None,
) -> list[Any]:
    """The rows of `query` for these keys; for a trace's few keys through `built`, the
    same query built once (db.where_among), for a recall's thousands as before (one
    SKU's keys in one index range)."""
    if built is not None and len(keys) <= FEW_KEYS:
        return db.rows_among(session, built, keys)
    return rows_by_key(session, query, columns[0], columns[1], keys)


# Up to this many keys a read goes through its statement built once.
FEW_KEYS = 100


_HOLDS_ON_UNITS = (
    select(HoldCoverageRow.sku, HoldCoverageRow.serial, HoldCoverageRow.hold_id)
    .join(HoldRow, HoldRow.id == HoldCoverageRow.hold_id)
    .where(HoldRow.active)
)
_HOLDS_ON_UNITS_BUILT = db.where_among(_HOLDS_ON_UNITS, HoldCoverageRow.sku, HoldCoverageRow.serial)


def active_holds_on_units(session: Session, units: Sequence[UnitKey]) -> dict[UnitKey, list[str]]:
    columns = (HoldCoverageRow.sku, HoldCoverageRow.serial)
    found = _hold_ids(session, _HOLDS_ON_UNITS, columns, units, _HOLDS_ON_UNITS_BUILT)
    return {UnitKey(*key): ids for key, ids in found.items()}


def _hold_ids(
    session: Session, query: Any, columns: tuple[Any, Any], keys: Sequence[Any], built: Any
) -> dict[tuple[str, str], list[str]]:
    """The ids of the active holds on each of these keys that has one."""
    result: dict[tuple[str, str], list[str]] = {}
    for sku, key, hold_id in _by_key(session, query, columns, keys, built):
        result.setdefault((sku, key), []).append(hold_id)
    return result


_HOLDS_ON_LOTS = (
    select(HoldSubjectRow.sku, HoldSubjectRow.key, HoldSubjectRow.hold_id)
    .join(HoldRow, HoldRow.id == HoldSubjectRow.hold_id)
    .where(HoldRow.active, HoldSubjectRow.subject_kind == "LOT")
)
_HOLDS_ON_LOTS_BUILT = db.where_among(_HOLDS_ON_LOTS, HoldSubjectRow.sku, HoldSubjectRow.key)


def active_holds_on_lots(session: Session, lots: Sequence[LotKey]) -> dict[LotKey, list[str]]:
    columns = (HoldSubjectRow.sku, HoldSubjectRow.key)
    found = _hold_ids(session, _HOLDS_ON_LOTS, columns, lots, _HOLDS_ON_LOTS_BUILT)
    return {LotKey(*key): ids for key, ids in found.items()}


def scrapped(session: Session, kind: str, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    query = (
        select(NonconformanceSubjectRow.sku, NonconformanceSubjectRow.key)
        .join(NonconformanceRow, NonconformanceRow.id == NonconformanceSubjectRow.ncr_id)
        .where(
            NonconformanceRow.disposition == "SCRAP", NonconformanceSubjectRow.subject_kind == kind
        )
    )
    return {
        (r[0], r[1])
        for r in _by_key(
            session, query, (NonconformanceSubjectRow.sku, NonconformanceSubjectRow.key), keys
        )
    }


_SCRAPPED_SUBJECTS = db.where_among(
    select(
        NonconformanceSubjectRow.subject_kind,
        NonconformanceSubjectRow.sku,
        NonconformanceSubjectRow.key,
    )
    .join(NonconformanceRow, NonconformanceRow.id == NonconformanceSubjectRow.ncr_id)
    .where(NonconformanceRow.disposition == "SCRAP"),
    NonconformanceSubjectRow.subject_kind,
    NonconformanceSubjectRow.sku,
    NonconformanceSubjectRow.key,
)
# Rows of the table's columns, not ORM instances: a trace reads them only to answer.
_INSPECTIONS_OF_SUBJECTS = db.where_among(
    select(InspectionRow.__table__),
    InspectionRow.subject_kind,
    InspectionRow.sku,
    InspectionRow.key,
)


def _subjects(
    units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
) -> list[tuple[str, str, str]]:
    return [("UNIT", *u) for u in units] + [("LOT", *lot) for lot in lots]


def scrapped_units_and_lots(
    session: Session, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """`scrapped` of these units and of these lots, in one statement when they are few."""
    if len(units) + len(lots) > FEW_KEYS:
        return scrapped(session, "UNIT", units), scrapped(session, "LOT", lots)
    found: dict[str, set[tuple[str, str]]] = {"UNIT": set(), "LOT": set()}
    for kind, sku, key in db.rows_among(session, _SCRAPPED_SUBJECTS, _subjects(units, lots)):
        found[kind].add((sku, key))
    return found["UNIT"], found["LOT"]


def inspections_of_units_and_lots(
    session: Session, units: Sequence[tuple[str, str]], lots: Sequence[tuple[str, str]]
) -> list[Any]:
    """The inspections of these units, then of these lots, each in time order: one
    statement when they are few."""
    if len(units) + len(lots) > FEW_KEYS:
        return inspections_of(session, "UNIT", units) + inspections_of(session, "LOT", lots)
    rows = db.rows_among(session, _INSPECTIONS_OF_SUBJECTS, _subjects(units, lots))
    in_order = sorted(rows, key=lambda r: (r.at, r.id))
    return [r for r in in_order if r.subject_kind == "UNIT"] + [
        r for r in in_order if r.subject_kind == "LOT"
    ]


def inspections_of(
    session: Session, kind: str, keys: Sequence[tuple[str, str]]
) -> list[InspectionRow]:
    query = select(InspectionRow).where(InspectionRow.subject_kind == kind)
    rows = [r[0] for r in _by_key(session, query, (InspectionRow.sku, InspectionRow.key), keys)]
    return sorted(rows, key=lambda r: (r.at, r.id))


def add_hold(
    session: Session,
    hold: HoldRow,
    subjects: Sequence[tuple[str, str, str]],
    covered: Iterable[tuple[str, str]],
) -> None:
    session.add(hold)
    session.flush()
    # COPY: a recall's hold covers tens of thousands of units, and psycopg dumps the
    # arrays of an unnest insert element by element in Python, COPY's rows in C.
    copy_insert(
        session,
        HoldSubjectRow,
        [{"hold_id": hold.id, "subject_kind": k, "sku": s, "key": v} for k, s, v in subjects],
    )
    copy_insert(
        session, HoldCoverageRow, [{"hold_id": hold.id, "sku": s, "serial": n} for s, n in covered]
    )


def holds(session: Session, ids: Iterable[str]) -> list[HoldRow]:
    return get_many(session, HoldRow, HoldRow.id, ids)


def hold_subjects(session: Session, ids: Iterable[str]) -> dict[str, list[HoldSubjectRow]]:
    result: dict[str, list[HoldSubjectRow]] = {}
    for row in get_many(session, HoldSubjectRow, HoldSubjectRow.hold_id, ids):
        result.setdefault(row.hold_id, []).append(row)
    return result


def ncr_subjects(session: Session, ncr_id: str) -> list[NonconformanceSubjectRow]:
    return list(
        session.scalars(
            select(NonconformanceSubjectRow).where(NonconformanceSubjectRow.ncr_id == ncr_id)
        )
    )


class RecallRow(Created, Base):
    __tablename__ = "recalls"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10))
    scope_computed_in_ms: Mapped[int] = mapped_column(Integer)
    hold_id: Mapped[str | None] = mapped_column(ForeignKey("holds.id"))


class RecallItemRow(KeyedByUnit, Base):
    __tablename__ = "recall_items"
    __table_args__ = (
        Index("ix_recall_items_state", "recall_id", "state", "sku", "serial"),
        Index("ix_recall_items_unit", "sku", "serial"),
    )
    recall_id: Mapped[str] = mapped_column(ForeignKey("recalls.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(15))
    location_code: Mapped[str | None] = mapped_column(String(64))
    customer_code: Mapped[str | None] = mapped_column(String(64))
    shipment_id: Mapped[str | None] = mapped_column(String(40))


def add_recall_items(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    copy_insert(session, RecallItemRow, rows)  # a recall's 30,000: see add_hold


def recall_counts(session: Session, recall_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for part in chunks(sorted(set(recall_ids))):
        for recall_id, state, count in session.execute(
            select(RecallItemRow.recall_id, RecallItemRow.state, func.count())
            .where(RecallItemRow.recall_id.in_(part))
            .group_by(RecallItemRow.recall_id, RecallItemRow.state)
        ):
            result.setdefault(recall_id, {})[state] = int(count)
    return result


def recalls(session: Session, ids: Iterable[str]) -> list[RecallRow]:
    return get_many(session, RecallRow, RecallRow.id, ids)


def recall_items(
    session: Session, recall_id: str, state: str | None, limit: int, after: tuple[str, str] | None
) -> tuple[list[RecallItemRow], bool, int]:
    """A page of a recall's items in key order, whether more follow, and the total."""
    query = select(RecallItemRow).where(RecallItemRow.recall_id == recall_id)
    if state:
        query = query.where(RecallItemRow.state == state)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    if after is not None:
        query = query.where(tuple_(RecallItemRow.sku, RecallItemRow.serial) > after)
    rows, more = first_page(session, query.order_by(RecallItemRow.sku, RecallItemRow.serial), limit)
    return rows, more, int(total)


_RECALLS_OF_UNITS = select(RecallItemRow.sku, RecallItemRow.serial, RecallItemRow.recall_id)
_RECALLS_OF_UNITS_BUILT = db.where_among(_RECALLS_OF_UNITS, RecallItemRow.sku, RecallItemRow.serial)


def recalls_of_units(session: Session, units: Sequence[UnitKey]) -> dict[UnitKey, list[str]]:
    result: dict[UnitKey, list[str]] = {}
    columns = (RecallItemRow.sku, RecallItemRow.serial)
    for sku, serial, recall_id in _by_key(
        session, _RECALLS_OF_UNITS, columns, units, _RECALLS_OF_UNITS_BUILT
    ):
        result.setdefault(UnitKey(sku, serial), []).append(recall_id)
    return result
