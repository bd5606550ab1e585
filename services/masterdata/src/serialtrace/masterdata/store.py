"""Masterdata tables and the queries over them (bulk paths for bulk work)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, and_, bindparam, delete, func, literal, select, text, tuple_, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column
from sqlalchemy.schema import ForeignKey, ForeignKeyConstraint, Index, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, DateTime, Float, Integer, String

from serialtrace.common import db
from serialtrace.common.db import (
    Database,
    EntityQuery,
    bulk_insert,
    chunks,
    get_many,
    get_many_by_key,
)
from serialtrace.common.models import Created, ImportProvenance, service_metadata
from serialtrace.common.provenance import count_by_file

# PostgreSQL advisory lock that orders registrations against GLOBAL-scope serials.
_GLOBAL_SERIALS_LOCK = 0x5E71A1610B


class Base(DeclarativeBase):
    metadata = service_metadata()


class ProductRow(Created, Base):
    __tablename__ = "products"
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    tracking: Mapped[str] = mapped_column(String(10))
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    serial_pattern: Mapped[str | None] = mapped_column(String(500))
    serial_template: Mapped[str | None] = mapped_column(String(200))
    uniqueness: Mapped[str] = mapped_column(String(10))
    required_attributes: Mapped[list[str]] = mapped_column(JSON)
    # The numbering sequence: the next counter value to hand out.
    next_serial: Mapped[int] = mapped_column(BigInteger, default=1)


class BomRevisionRow(Created, Base):
    __tablename__ = "bom_revisions"
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    revision: Mapped[str] = mapped_column(String(20), primary_key=True)
    effective_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approval_meaning: Mapped[str | None] = mapped_column(String(500))


class BomItemRow(Base):
    __tablename__ = "bom_items"
    __table_args__ = (
        ForeignKeyConstraint(["sku", "revision"], ["bom_revisions.sku", "bom_revisions.revision"]),
    )
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[str] = mapped_column(String(20), primary_key=True)
    item_sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer)


class PartyRow(Base):
    __tablename__ = "parties"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)


class LocationRow(Base):
    __tablename__ = "locations"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("locations.code"))


class UnitRow(Created, Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("sku", "serial"), Index("ix_units_serial", "serial"))
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    serial: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON)


class GlobalSerialRow(Base):
    """Serials of GLOBAL-uniqueness products: claimed across every product."""

    __tablename__ = "global_serials"
    serial: Mapped[str] = mapped_column(String(100), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))


class UnitAliasRow(Created, Base):
    __tablename__ = "unit_aliases"
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Indexed alone too: a scanner reads a value without knowing its kind.
    value: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class LotRow(Created, Base):
    __tablename__ = "lots"
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    supplier_code: Mapped[str | None] = mapped_column(ForeignKey("parties.code"))
    supplier_lot_number: Mapped[str | None] = mapped_column(String(100))
    produced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def products(
    session: Session, skus: Iterable[str] = (), gtins: Iterable[str] = ()
) -> list[ProductRow]:
    found = {r.sku: r for r in get_many(session, ProductRow, ProductRow.sku, skus)}
    found.update((r.sku, r) for r in get_many(session, ProductRow, ProductRow.gtin, gtins))
    return list(found.values())


def product(session: Session, sku: str, *, for_update: bool = False) -> ProductRow | None:
    query = select(ProductRow).where(ProductRow.sku == sku)
    return session.scalars(query.with_for_update() if for_update else query).first()


def take_serial_numbers(session: Session, sku: str, count: int) -> int:
    """Atomically reserves `count` counter values; returns the first one."""
    next_value = session.execute(
        update(ProductRow)
        .where(ProductRow.sku == sku)
        .values(next_serial=ProductRow.next_serial + count)
        .returning(ProductRow.next_serial)
    ).scalar_one()
    return int(next_value) - count


def lock_global_serials(session: Session, exclusive: bool) -> None:
    """GLOBAL registrations run one at a time against every other registration, so a
    serial can never be claimed globally and per product at once (PostgreSQL; SQLite
    writers are serialized already)."""
    if session.get_bind().dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {fn}(:k)"), {"k": _GLOBAL_SERIALS_LOCK})


# The claim checks of a registration as one statement each on PostgreSQL, the serials
# one array parameter: 5,000 serials were ten IN-lists of 500, each compiled by
# SQLAlchemy for its own length, a tenth of masterdata's CPU in a commission.
_UNDER_OTHER_PRODUCTS = (
    "SELECT sku, serial FROM units WHERE serial = ANY(%(serials)b::text[]) AND sku <> %(sku)s"
)
_GLOBALLY_CLAIMED = "SELECT sku, serial FROM global_serials WHERE serial = ANY(%(serials)b::text[])"


def serials_under_other_products(
    session: Session, sku: str, serials: Sequence[str]
) -> list[tuple[str, str]]:
    others = select(UnitRow.sku, UnitRow.serial).where(UnitRow.sku != sku)
    return _pairs_among(session, _UNDER_OTHER_PRODUCTS, others, UnitRow.serial, serials, sku=sku)


def globally_claimed(session: Session, serials: Sequence[str]) -> list[tuple[str, str]]:
    claims = select(GlobalSerialRow.sku, GlobalSerialRow.serial)
    return _pairs_among(session, _GLOBALLY_CLAIMED, claims, GlobalSerialRow.serial, serials)


def _pairs_among(
    session: Session,
    on_postgresql: str,
    elsewhere: Any,
    serial_column: Any,
    serials: Sequence[str],
    **params: Any,
) -> list[tuple[str, str]]:
    """The (sku, serial) rows whose serial is among `serials`: on PostgreSQL the one
    statement `on_postgresql` with the serials as one array, elsewhere the query
    `elsewhere` once per IN_CHUNK serials."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = {"serials": list(serials), **params}
        rows: Iterable[Any] = session.connection().exec_driver_sql(on_postgresql, wanted)
    else:
        rows = [
            row
            for part in chunks(serials)
            for row in session.execute(elsewhere.where(serial_column.in_(part)))
        ]
    return [(row[0], row[1]) for row in rows]


def insert_new_units(
    session: Session, rows: Sequence[dict[str, Any]], claim_globally: bool
) -> list[Any]:
    """Inserts the units that do not exist yet and returns them (as rows with the unit
    columns). Duplicates are found by the unique (sku, serial) index inside the insert
    itself, so the cost does not grow with the table; the caller compares what came
    back with what it asked for."""
    inserted = bulk_insert(
        session,
        UnitRow,
        rows,
        conflict_columns=("sku", "serial"),
        returning=("id", "sku", "serial", "source", "attributes", "created_at", "created_by"),
    )
    if claim_globally and inserted:
        bulk_insert(
            session, GlobalSerialRow, [{"serial": r.serial, "sku": r.sku} for r in inserted]
        )
    return inserted


def units_by_keys(session: Session, keys: Sequence[tuple[str, str]]) -> list[UnitRow]:
    return get_many_by_key(session, UnitRow, UnitRow.sku, UnitRow.serial, keys)


def units_by_serial(session: Session, serial: str) -> list[UnitRow]:
    return list(
        session.scalars(select(UnitRow).where(UnitRow.serial == serial).order_by(UnitRow.sku))
    )


def aliases_of(session: Session, unit_ids: Sequence[int]) -> dict[int, list[UnitAliasRow]]:
    result: dict[int, list[UnitAliasRow]] = {}
    order = (UnitAliasRow.kind, UnitAliasRow.value)
    for row in get_many(session, UnitAliasRow, UnitAliasRow.unit_id, unit_ids, order_by=order):
        result.setdefault(row.unit_id, []).append(row)
    return result


def alias(session: Session, kind: str, value: str) -> UnitAliasRow | None:
    return session.get(UnitAliasRow, (kind, value))


def aliases_with_value(session: Session, value: str) -> list[UnitAliasRow]:
    return list(
        session.scalars(
            select(UnitAliasRow).where(UnitAliasRow.value == value).order_by(UnitAliasRow.kind)
        )
    )


def units_by_ids(session: Session, ids: Iterable[int]) -> dict[int, UnitRow]:
    return {r.id: r for r in get_many(session, UnitRow, UnitRow.id, ids)}


def bom_revisions(
    session: Session, skus: Iterable[str] = (), keys: Iterable[tuple[str, str]] = ()
) -> list[BomRevisionRow]:
    rows = get_many(session, BomRevisionRow, BomRevisionRow.sku, skus)
    rows += get_many_by_key(
        session, BomRevisionRow, BomRevisionRow.sku, BomRevisionRow.revision, keys
    )
    found = {(r.sku, r.revision): r for r in rows}
    return [found[k] for k in sorted(found)]


def bom_items(
    session: Session, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], list[BomItemRow]]:
    result: dict[tuple[str, str], list[BomItemRow]] = {}
    order = (BomItemRow.position,)
    for row in get_many_by_key(
        session, BomItemRow, BomItemRow.sku, BomItemRow.revision, keys, order_by=order
    ):
        result.setdefault((row.sku, row.revision), []).append(row)
    return result


def by_codes(
    session: Session, model: type[PartyRow] | type[LocationRow], codes: Iterable[str]
) -> list[Any]:
    return get_many(session, model, model.code, codes)


# These locations and every location above them (db.with_ancestors).
_LOCATIONS_AND_ABOVE = db.with_ancestors(cast(Table, LocationRow.__table__), "code", "parent_code")


def locations_and_above(session: Session, codes: Iterable[str]) -> list[Any]:
    """Rows (the columns of LocationRow) of these locations and every one above them."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    return db.rows_among(session, _LOCATIONS_AND_ABOVE, wanted)


def by_glns(
    session: Session, model: type[PartyRow] | type[LocationRow], glns: Iterable[str]
) -> list[Any]:
    return get_many(session, model, model.gln, glns)


def lots_by_keys(session: Session, keys: Sequence[tuple[str, str]]) -> list[LotRow]:
    return get_many_by_key(session, LotRow, LotRow.sku, LotRow.lot_number, keys)


# --- migration imports -----------------------------------------------------------------


class ImportBatchRow(Created, Base):
    """One migration wave: its name, state and per-file counts ([{file, rows, applied}])."""

    __tablename__ = "import_batches"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    content_sha256: Mapped[str] = mapped_column(String(64))
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProvenanceRow(ImportProvenance, Base):
    """Where an imported registry entry came from: batch, file and row; and when it was
    recorded here (its own created_at is its time in the legacy system)."""

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("import_batches.id"), primary_key=True, index=True
    )


def import_batches(session: Session, ids: Iterable[str] | None = None) -> list[ImportBatchRow]:
    """The given batches (every batch when `ids` is None), newest first."""
    query = select(ImportBatchRow).order_by(ImportBatchRow.created_at.desc(), ImportBatchRow.id)
    if ids is None:
        return list(session.scalars(query))
    found: list[ImportBatchRow] = []
    for part in chunks(sorted(set(ids))):
        found += session.scalars(query.where(ImportBatchRow.id.in_(part)))
    return sorted(found, key=lambda r: (-r.created_at.timestamp(), r.id))


def provenance(
    session: Session, entity_type: str, entity_ids: Sequence[str]
) -> dict[str, ProvenanceRow]:
    """The latest provenance of each entity (one imported again after a rollback has
    one per batch)."""
    found: dict[str, ProvenanceRow] = {}
    for part in db.chunks(sorted({(entity_type, i) for i in entity_ids})):
        found.update(  # the latest wins
            (r.entity_id, r) for r in session.scalars(_PROVENANCE, {db.PREBUILT_VALUES: list(part)})
        )
    return found


# Built once (db.where_among): an entity's provenance rows, oldest first.
_PROVENANCE = db.where_among(
    select(ProvenanceRow), ProvenanceRow.entity_type, ProvenanceRow.entity_id
).order_by(ProvenanceRow.recorded_at)


@dataclass
class Gs1Key:
    """What `gs1_key` found: each a record of the row's columns by their attribute names
    (`EntityQuery.records`), typed as the mapped class whose columns it holds."""

    product: ProductRow | None = None
    unit: UnitRow | None = None
    aliases: list[UnitAliasRow] = field(default_factory=list)
    unit_origin: ProvenanceRow | None = None
    lot: LotRow | None = None
    lot_origin: ProvenanceRow | None = None


_UNIT_ORIGIN = aliased(ProvenanceRow, name="unit_origin")
_LOT_ORIGIN = aliased(ProvenanceRow, name="lot_origin")
_GS1_KEY = EntityQuery(
    select(ProductRow, UnitRow, UnitAliasRow, _UNIT_ORIGIN, LotRow, _LOT_ORIGIN)
    .outerjoin(
        UnitRow,
        and_(UnitRow.sku == ProductRow.sku, UnitRow.serial == bindparam("serial")),
    )
    .outerjoin(UnitAliasRow, UnitAliasRow.unit_id == UnitRow.id)
    .outerjoin(
        _UNIT_ORIGIN,
        and_(
            _UNIT_ORIGIN.entity_type == "unit",
            _UNIT_ORIGIN.entity_id == UnitRow.sku + ":" + UnitRow.serial,
        ),
    )
    .outerjoin(
        LotRow, and_(LotRow.sku == ProductRow.sku, LotRow.lot_number == bindparam("lot_number"))
    )
    .outerjoin(
        _LOT_ORIGIN,
        and_(
            _LOT_ORIGIN.entity_type == "lot",
            _LOT_ORIGIN.entity_id == LotRow.sku + ":" + LotRow.lot_number,
        ),
    )
    .where(ProductRow.gtin == bindparam("gtin"))
    .order_by(
        UnitAliasRow.kind, UnitAliasRow.value, _UNIT_ORIGIN.recorded_at, _LOT_ORIGIN.recorded_at
    )
)


def gs1_key(database: Database, gtin: str, serial: str | None, lot_number: str | None) -> Gs1Key:
    """The product of a (normalized) GTIN with, when asked, its unit `serial` (with its
    aliases and origin) and its lot `lot_number` (with its origin): one statement without
    a session or ORM instances (`Database.read_entities`), as a scan is on a scanner's
    critical path. Each
    alias and origin is one joined row; origins come oldest first, so the latest wins
    (see `provenance`)."""
    found = Gs1Key()
    params = {"gtin": gtin, "serial": serial, "lot_number": lot_number}  # None matches none
    rows = database.read_entities(_GS1_KEY, params)
    for product, unit, alias, unit_origin, lot, lot_origin in rows:
        found.product, found.unit, found.lot = product, unit, lot
        if alias is not None and alias not in found.aliases:
            found.aliases.append(alias)
        found.unit_origin = unit_origin or found.unit_origin
        found.lot_origin = lot_origin or found.lot_origin
    return found


def aliases_taken(session: Session, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(kind, value) → unit id, for the pairs already in use."""
    rows = get_many_by_key(session, UnitAliasRow, UnitAliasRow.kind, UnitAliasRow.value, pairs)
    return {(r.kind, r.value): r.unit_id for r in rows}


def count_provenance(session: Session, batch_id: str) -> list[tuple[str, str, int]]:
    counts = count_by_file(session, ProvenanceRow, batch_id)
    # A BOM revision is one fact made of many rows (one per item): count its items too.
    items = (
        select(ProvenanceRow.file, func.count())
        .select_from(ProvenanceRow)
        .join(
            BomItemRow,
            ProvenanceRow.entity_id == BomItemRow.sku + literal("@") + BomItemRow.revision,
        )
        .where(ProvenanceRow.batch_id == batch_id, ProvenanceRow.entity_type == "bom_revision")
        .group_by(ProvenanceRow.file)
    )
    counts += [(f, "bom_item", int(n)) for f, n in session.execute(items)]
    return sorted(counts)


def provenance_ids(
    session: Session, batch_id: str, entity_type: str, after: str = "", limit: int | None = None
) -> list[str]:
    """Entity ids of one type an import batch created, in id order (after `after`)."""
    query = (
        select(ProvenanceRow.entity_id)
        .where(
            ProvenanceRow.batch_id == batch_id,
            ProvenanceRow.entity_type == entity_type,
            ProvenanceRow.entity_id > after,
        )
        .order_by(ProvenanceRow.entity_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def delete_by_keys(
    session: Session, model: Any, columns: Sequence[Any], keys: Sequence[Any]
) -> None:
    """DELETE of the rows with these keys (one column, or a tuple of columns)."""
    target = columns[0] if len(columns) == 1 else tuple_(*columns)
    for part in chunks(sorted(set(keys))):
        session.execute(delete(model).where(target.in_(part)))


def rows_referring(
    session: Session, column: Any, values: Sequence[str], key: Sequence[Any], exclude: set[Any]
) -> list[str]:
    """Keys (as text) of rows whose `column` is one of `values`, except those in `exclude`."""
    found: list[str] = []
    for part in chunks(sorted(set(values))):
        for row in session.execute(select(*key).where(column.in_(part))):
            value = tuple(row) if len(row) > 1 else row[0]
            if value not in exclude:
                found.append("/".join(value) if isinstance(value, tuple) else str(value))
    return found


# --- a trace's facts: Core statements built once, plain rows ------------------------------
# A trace reads the same shapes on every call: each is built here once, run with its keys
# bound (`db.rows_among`) and read as rows, not ORM instances; a unit's aliases and a BOM
# revision's items come in their parent's statement (an outer join, one row per child).

UNITS = cast(Table, UnitRow.__table__)
ALIASES = cast(Table, UnitAliasRow.__table__)
LOTS = cast(Table, LotRow.__table__)
PRODUCTS = cast(Table, ProductRow.__table__)
BOM_REVISIONS = cast(Table, BomRevisionRow.__table__)
BOM_ITEMS = cast(Table, BomItemRow.__table__)
PARTIES = cast(Table, PartyRow.__table__)
PROVENANCE = cast(Table, ProvenanceRow.__table__)


class Alias(NamedTuple):
    kind: str
    value: str


class Origin(NamedTuple):
    """Where an imported entity came from (a provenance row's answer)."""

    batch_id: str
    file: str
    row: int


class BomItem(NamedTuple):
    item_sku: str
    quantity: float


_UNITS_WITH_ALIASES = db.where_among(
    select(*UNITS.c, ALIASES.c.kind.label("alias_kind"), ALIASES.c.value.label("alias_value"))
    .select_from(UNITS)
    .outerjoin(ALIASES, ALIASES.c.unit_id == UNITS.c.id),
    UNITS.c.sku,
    UNITS.c.serial,
)


def units_with_alias_rows(
    session: Session, keys: Sequence[tuple[str, str]]
) -> list[tuple[Any, list[Alias]]]:
    """Each unit (a row of its columns) with its aliases in (kind, value) order, in key
    order: one statement."""
    units: dict[tuple[str, str], tuple[Any, list[Alias]]] = {}
    for row in db.rows_among(session, _UNITS_WITH_ALIASES, keys):
        _, aliases = units.setdefault((row.sku, row.serial), (row, []))
        if row.alias_kind is not None:
            aliases.append(Alias(row.alias_kind, row.alias_value))
    return [(row, sorted(aliases)) for _, (row, aliases) in sorted(units.items())]


_ORIGINS = db.where_among(
    select(
        PROVENANCE.c.entity_type,
        PROVENANCE.c.entity_id,
        PROVENANCE.c.batch_id,
        PROVENANCE.c.file,
        PROVENANCE.c.row,
    ).order_by(PROVENANCE.c.recorded_at),
    PROVENANCE.c.entity_type,
    PROVENANCE.c.entity_id,
)


def origins(session: Session, entities: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Origin]:
    """The latest provenance of each (entity type, entity id) imported (one imported
    again after a rollback has one per batch): units and lots in one statement."""
    found: dict[tuple[str, str], Origin] = {}
    for row in db.rows_among(session, _ORIGINS, entities):  # oldest first: the latest wins
        found[(row.entity_type, row.entity_id)] = Origin(row.batch_id, row.file, row.row)
    return found


_LOT_ROWS = db.where_among(select(*LOTS.c), LOTS.c.sku, LOTS.c.lot_number)


def lot_rows(session: Session, keys: Sequence[tuple[str, str]]) -> list[Any]:
    """The lots (rows of their columns), in key order."""
    return sorted(db.rows_among(session, _LOT_ROWS, keys), key=lambda r: (r.sku, r.lot_number))


_PRODUCT_ROWS = db.where_among(select(*PRODUCTS.c), PRODUCTS.c.sku)


def product_rows(session: Session, skus: Iterable[str]) -> list[Any]:
    """The products (rows of their columns), by SKU."""
    return sorted(db.rows_among(session, _PRODUCT_ROWS, skus), key=lambda r: r.sku)


_BOMS_WITH_ITEMS = db.where_among(
    select(
        *BOM_REVISIONS.c,
        BOM_ITEMS.c.item_sku,
        BOM_ITEMS.c.quantity.label("item_quantity"),
        BOM_ITEMS.c.position.label("item_position"),
    )
    .select_from(BOM_REVISIONS)
    .outerjoin(
        BOM_ITEMS,
        and_(
            BOM_ITEMS.c.sku == BOM_REVISIONS.c.sku,
            BOM_ITEMS.c.revision == BOM_REVISIONS.c.revision,
        ),
    ),
    BOM_REVISIONS.c.sku,
)


def boms_with_items(session: Session, skus: Iterable[str]) -> list[tuple[Any, list[BomItem]]]:
    """Every revision of these products (a row of its columns) with its items in
    position order, by (sku, revision): one statement."""
    revisions: dict[tuple[str, str], tuple[Any, list[tuple[int, BomItem]]]] = {}
    for row in db.rows_among(session, _BOMS_WITH_ITEMS, skus):
        _, items = revisions.setdefault((row.sku, row.revision), (row, []))
        if row.item_sku is not None:
            items.append((row.item_position, BomItem(row.item_sku, row.item_quantity)))
    return [
        (row, [item for _, item in sorted(items, key=lambda x: x[0])])
        for _, (row, items) in sorted(revisions.items())
    ]


_PARTY_ROWS = db.where_among(select(*PARTIES.c), PARTIES.c.code)


def party_rows(session: Session, codes: Iterable[str]) -> list[Any]:
    """The parties (rows of their columns), by code."""
    return sorted(db.rows_among(session, _PARTY_ROWS, codes), key=lambda r: r.code)
