"""Masterdata use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import validation
from serialtrace.common.db import Database, bulk_insert
from serialtrace.common.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ServiceError,
)
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.models import created_now
from serialtrace.common.provenance import Provenance
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import parse_enum
from serialtrace.masterdata import domain, store
from serialtrace.masterdata.v1 import masterdata_enums as enums
from serialtrace.masterdata.v1.masterdata_enums import PartyKind, Uniqueness


def create_product(uow: UnitOfWork, spec: domain.ProductSpec) -> store.ProductRow:
    session = uow.session
    if store.product(session, spec.sku) is not None:
        raise Conflict(f"product {spec.sku} already exists")
    if spec.gtin and store.products(session, gtins=[spec.gtin]):
        raise Conflict(f"GTIN {spec.gtin} already belongs to another product")
    row = store.ProductRow(
        sku=spec.sku,
        name=spec.name,
        kind=spec.kind.value,
        tracking=spec.tracking.value,
        gtin=spec.gtin,
        serial_pattern=spec.serial_pattern,
        serial_template=spec.serial_template,
        uniqueness=spec.uniqueness.value,
        required_attributes=list(spec.required_attributes),
        next_serial=1,
        **created_now(uow.actor),
    )
    session.add(row)
    uow.record(
        "product.created",
        "product",
        spec.sku,
        {
            "sku": spec.sku,
            "name": spec.name,
            "kind": row.kind,
            "tracking": row.tracking,
            "gtin": spec.gtin,
            "serial_pattern": spec.serial_pattern,
            "serial_template": spec.serial_template,
            "uniqueness": row.uniqueness,
            "required_attributes": row.required_attributes,
        },
    )
    return row


def _product_or_raise(session: Session, sku: str, *, for_update: bool = False) -> store.ProductRow:
    row = store.product(session, sku, for_update=for_update)
    if row is None:
        raise NotFound(f"no product with SKU {sku!r}")
    return row


def create_bom_revision(
    uow: UnitOfWork,
    sku: str,
    revision: str,
    effective_from: datetime | None,
    items: Sequence[tuple[str, float]],
) -> store.BomRevisionRow:
    session = uow.session
    domain.validate_revision(revision)
    domain.validate_bom_items(sku, items)
    _product_or_raise(session, sku)
    known = {p.sku for p in store.products(session, skus=[s for s, _ in items])}
    unknown = [s for s, _ in items if s not in known]
    if unknown:
        raise NotFound(f"BOM items name unknown SKUs: {', '.join(unknown)}")
    if store.bom_revisions(session, keys=[(sku, revision)]):
        raise Conflict(f"BOM revision {sku} rev {revision} already exists; create a new revision")
    row = store.BomRevisionRow(
        sku=sku,
        revision=revision,
        effective_from=effective_from,
        **created_now(uow.actor),
    )
    session.add(row)
    session.flush()
    session.add_all(
        store.BomItemRow(
            sku=sku, revision=revision, item_sku=item_sku, quantity=quantity, position=i
        )
        for i, (item_sku, quantity) in enumerate(items)
    )
    uow.record(
        "bom_revision.created",
        "bom_revision",
        f"{sku}@{revision}",
        {
            "sku": sku,
            "revision": revision,
            "effective_from": effective_from,
            "items": [{"sku": s, "quantity": q} for s, q in items],
        },
    )
    return row


def approve_bom_revision(
    uow: UnitOfWork, sku: str, revision: str, meaning: str
) -> store.BomRevisionRow:
    meaning = domain.validate_meaning(meaning)
    rows = store.bom_revisions(uow.session, keys=[(sku, revision)])
    if not rows:
        raise NotFound(f"no BOM revision {revision} of {sku}")
    row = rows[0]
    if row.approved_by:
        raise FailedPrecondition(
            f"BOM revision {sku} rev {revision} was already approved by {row.approved_by}"
        )
    row.approved_by, row.approved_at, row.approval_meaning = uow.actor, utcnow(), meaning
    uow.record(
        "bom_revision.approved",
        "bom_revision",
        f"{sku}@{revision}",
        {"sku": sku, "revision": revision, "by": uow.actor, "meaning": meaning},
    )
    return row


def create_party(uow: UnitOfWork, code: str, name: str, kind: str, gln: str = "") -> store.PartyRow:
    validation.check_code(code, "party code")
    name = domain.check_name(name, "party name")
    party_kind = parse_enum(PartyKind, kind, "party kind")
    normalized_gln = domain.validate_gln(gln)
    if uow.session.get(store.PartyRow, code) is not None:
        raise Conflict(f"party {code} already exists")
    if normalized_gln and store.by_glns(uow.session, store.PartyRow, [normalized_gln]):
        raise Conflict(f"GLN {normalized_gln} already belongs to another party")
    row = store.PartyRow(code=code, name=name, kind=party_kind.value, gln=normalized_gln)
    uow.session.add(row)
    payload = {"code": code, "name": name, "kind": row.kind}
    uow.record("party.created", "party", code, payload | ({"gln": row.gln} if row.gln else {}))
    return row


def create_location(
    uow: UnitOfWork, code: str, name: str, kind: str, gln: str, parent_code: str
) -> store.LocationRow:
    session = uow.session
    validation.check_code(code, "location code")
    name = domain.check_name(name, "location name")
    location_kind = parse_enum(enums.LocationKind, kind, "location kind")
    normalized_gln = domain.validate_gln(gln)
    if session.get(store.LocationRow, code) is not None:
        raise Conflict(f"location {code} already exists")
    if parent_code and session.get(store.LocationRow, parent_code) is None:
        raise NotFound(f"parent location {parent_code!r} does not exist")
    if normalized_gln and session.query(store.LocationRow).filter_by(gln=normalized_gln).first():
        raise Conflict(f"GLN {normalized_gln} already belongs to another location")
    row = store.LocationRow(
        code=code,
        name=name,
        kind=location_kind.value,
        gln=normalized_gln,
        parent_code=parent_code or None,
    )
    session.add(row)
    uow.record(
        "location.created",
        "location",
        code,
        {
            "code": code,
            "name": name,
            "kind": row.kind,
            "gln": normalized_gln,
            "parent_code": parent_code or None,
        },
    )
    return row


def allocate_serials(uow: UnitOfWork, sku: str, count: int) -> list[str]:
    """Draws `count` serials from the product's numbering sequence (no units registered)."""
    serials = _draw(uow.session, sku, count)
    uow.record(
        "serials.allocated",
        "product",
        sku,
        {"sku": sku, "count": count, "first": serials[0], "last": serials[-1]},
    )
    return serials


def _draw(session: Session, sku: str, count: int) -> list[str]:
    domain.check_count(count)
    product = _product_or_raise(session, sku)
    domain.require_serial_tracked(sku, product.tracking)
    if not product.serial_template:
        raise FailedPrecondition(f"product {sku} has no serial template; give explicit serials")
    template = domain.SerialTemplate.parse(product.serial_template)
    first = store.take_serial_numbers(session, sku, count)
    return [template.render(n) for n in range(first, first + count)]


@dataclass(frozen=True)
class Registration:
    sku: str
    serials: Sequence[str]
    count: int
    attributes_json: str
    source: str


def register_units(uow: UnitOfWork, reg: Registration) -> list[store.UnitRow]:
    """Registers many units in one transaction: validated, deduplicated, bulk-inserted."""
    session = uow.session
    if reg.serials and reg.count:
        raise InvalidArgument("give either serials or count, not both")
    if not reg.serials and not reg.count:
        raise InvalidArgument("give the serials to register, or a count to generate")
    source = parse_enum(enums.UnitSource, reg.source, "unit source")
    product = _product_or_raise(session, reg.sku)
    domain.require_serial_tracked(reg.sku, product.tracking)
    attributes = domain.parse_attributes(reg.attributes_json, product.required_attributes)
    serials = list(reg.serials) if reg.serials else _draw(session, reg.sku, reg.count)
    domain.check_serials(reg.sku, product.serial_pattern or domain.DEFAULT_SERIAL_PATTERN, serials)

    is_global = product.uniqueness == Uniqueness.GLOBAL
    store.lock_global_serials(session, exclusive=is_global)
    clashes = (
        store.serials_under_other_products(session, reg.sku, serials)
        if is_global
        else store.globally_claimed(session, serials)
    )
    if clashes:
        shown = ", ".join(f"{s} ({sku})" for sku, s in clashes[:10])
        raise Conflict(
            f"serials must be globally unique and already exist under other products: {shown}"
            if is_global
            else f"serials are claimed globally by other products: {shown}"
        )

    now = utcnow()
    rows = [
        {
            "sku": reg.sku,
            "serial": s,
            "source": source.value,
            "attributes": attributes,
            "created_at": now,
            "created_by": uow.actor,
        }
        for s in serials
    ]
    inserted = store.insert_new_units(session, rows, claim_globally=is_global)
    if len(inserted) != len(serials):  # raising rolls the whole batch back
        taken = sorted(set(serials) - {u.serial for u in inserted})
        raise Conflict(
            f"{len(taken)} serial(s) of {reg.sku} already exist: {', '.join(taken[:10])}"
        )
    for serial in serials:
        uow.record(
            "unit.registered",
            "unit",
            unit_entity(reg.sku, serial),
            {"sku": reg.sku, "serial": serial, "source": source.value, "attributes": attributes},
        )
    by_serial = {u.serial: u for u in inserted}
    return [by_serial[s] for s in serials]


def add_unit_alias(uow: UnitOfWork, sku: str, serial: str, kind: str, value: str) -> store.UnitRow:
    kind, value = domain.normalize_alias(kind, value)
    session = uow.session
    unit = _unit_or_raise(session, sku, serial)
    existing = store.alias(session, kind, value)
    if existing is not None:
        if existing.unit_id == unit.id:
            return unit
        owner = store.units_by_ids(session, [existing.unit_id])[existing.unit_id]
        raise Conflict(f"alias {kind}={value} already identifies unit {owner.sku}/{owner.serial}")
    session.add(
        store.UnitAliasRow(kind=kind, value=value, unit_id=unit.id, **created_now(uow.actor))
    )
    uow.record(
        "unit.alias_added",
        "unit",
        unit_entity(sku, serial),
        {"sku": sku, "serial": serial, "kind": kind, "value": value},
    )
    return unit


def _unit_or_raise(session: Session, sku: str, serial: str) -> store.UnitRow:
    rows = store.units_by_keys(session, [(sku, serial)])
    if not rows:
        raise NotFound(f"no unit {sku}/{serial}")
    return rows[0]


def register_lot(
    uow: UnitOfWork,
    sku: str,
    lot_number: str,
    supplier_code: str,
    supplier_lot_number: str,
    produced_at: datetime | None,
    expires_at: datetime | None,
    provenance: Provenance | None = None,
) -> store.LotRow:
    session = uow.session
    lot = domain.NewLot(
        sku, lot_number, supplier_code, supplier_lot_number, produced_at, expires_at
    )
    domain.validate_lot_number(lot_number)
    domain.check_dates(produced_at, expires_at)
    product = _product_or_raise(session, sku)
    supplier = session.get(store.PartyRow, supplier_code) if supplier_code else None
    exists = bool(store.lots_by_keys(session, [(sku, lot_number)]))
    _check_new_lot(lot, product, supplier, exists)
    row = _lot_row(uow, lot)
    session.add(row)
    _record_lot(uow, lot, provenance)
    if provenance is not None:
        _add_provenance(uow, "lot", lot_entity(sku, lot_number), provenance)
    return row


def _check_new_lot(
    lot: domain.NewLot, product: store.ProductRow, supplier: store.PartyRow | None, exists: bool
) -> None:
    """The rules of a new lot that need its product, its supplier (when it names one)
    and whether the lot exists, as read by the caller."""
    domain.require_lot_tracked(lot.sku, product.tracking)
    if lot.supplier_code:
        if supplier is None:
            raise NotFound(f"no supplier with code {lot.supplier_code!r}")
        if supplier.kind != PartyKind.SUPPLIER:
            raise FailedPrecondition(
                f"party {lot.supplier_code} is a {supplier.kind}, not a SUPPLIER"
            )
    if exists:
        raise Conflict(f"lot {lot.lot_number} of {lot.sku} already exists")
    if len(lot.supplier_lot_number) > 100:
        raise InvalidArgument("supplier lot number is longer than 100 characters")


def _lot_row(uow: UnitOfWork, lot: domain.NewLot) -> store.LotRow:
    return store.LotRow(
        sku=lot.sku,
        lot_number=lot.lot_number,
        supplier_code=lot.supplier_code or None,
        supplier_lot_number=lot.supplier_lot_number or None,
        produced_at=lot.produced_at,
        expires_at=lot.expires_at,
        **created_now(uow.actor),
    )


def _record_lot(uow: UnitOfWork, lot: domain.NewLot, provenance: Provenance | None) -> None:
    uow.record(
        "lot.registered",
        "lot",
        lot_entity(lot.sku, lot.lot_number),
        {
            "sku": lot.sku,
            "lot_number": lot.lot_number,
            "supplier_code": lot.supplier_code or None,
            "supplier_lot_number": lot.supplier_lot_number or None,
            "produced_at": lot.produced_at,
            "expires_at": lot.expires_at,
            **({"provenance": provenance.payload()} if provenance else {}),
        },
    )


def import_lots(
    uow: UnitOfWork, lots: Sequence[tuple[domain.NewLot, Provenance]]
) -> list[store.LotRow | ServiceError]:
    """Registers many imported lots under register_lot's rules, each refused alone,
    with their products, suppliers, batches and existing lots read once for the call
    (not a savepoint and four reads per lot); the rest written together."""
    session = uow.session
    products = {p.sku: p for p in store.products(session, skus=sorted({n.sku for n, _ in lots}))}
    codes = sorted({n.supplier_code for n, _ in lots if n.supplier_code})
    suppliers = {p.code: p for p in store.by_codes(session, store.PartyRow, codes)}
    keys = sorted({(n.sku, n.lot_number) for n, _ in lots})
    existing = {(r.sku, r.lot_number) for r in store.lots_by_keys(session, keys)}
    batches = {b.id: b for b in store.import_batches(session, {w.batch_id for _, w in lots})}
    outcomes: list[store.LotRow | ServiceError] = []
    provenance_rows: list[dict[str, Any]] = []
    for lot, where in lots:
        key = (lot.sku, lot.lot_number)
        try:
            domain.validate_lot_number(lot.lot_number)
            domain.check_dates(lot.produced_at, lot.expires_at)
            product = products.get(lot.sku)
            if product is None:
                raise NotFound(f"no product with SKU {lot.sku!r}")
            _check_new_lot(lot, product, suppliers.get(lot.supplier_code), key in existing)
            _check_applying(batches.get(where.batch_id), where)
        except ServiceError as refusal:
            outcomes.append(refusal)
            continue
        existing.add(key)  # a second row of the same lot in this call is refused
        row = _lot_row(uow, lot)
        session.add(row)
        _record_lot(uow, lot, where)
        provenance_rows.append(where.columns("lot", lot_entity(*key)))
        outcomes.append(row)
    session.flush()  # the lots before the provenance rows that name them
    bulk_insert(session, store.ProvenanceRow, provenance_rows)
    return outcomes


def units_with_aliases(
    session: Session, units: Sequence[store.UnitRow]
) -> list[tuple[store.UnitRow, list[store.UnitAliasRow]]]:
    aliases = store.aliases_of(session, [u.id for u in units])
    return [(u, aliases.get(u.id, [])) for u in units]


def resolve_aliases(
    session: Session, aliases: Sequence[tuple[str, str]]
) -> list[tuple[str, str, store.UnitRow]]:
    """(kind, value, unit) for each alias that resolves; malformed ones never resolve.

    An empty kind matches the value under any kind (what a scanner reads carries no
    kind), so it may resolve to several units; the caller decides what that means.
    """
    found: list[tuple[str, str, Any]] = []
    rows = []
    for kind, value in aliases:
        any_kind = not kind.strip()
        try:
            kind, value = domain.normalize_alias(kind if not any_kind else "ANY", value)
        except InvalidArgument:
            continue
        if any_kind:
            rows.extend(store.aliases_with_value(session, value))
            continue
        row = store.alias(session, kind, value)
        if row is not None:
            rows.append(row)
    units = store.units_by_ids(session, [r.unit_id for r in rows])
    for row in rows:
        found.append((row.kind, row.value, units[row.unit_id]))
    return found


# --- reads --------------------------------------------------------------------------------


def products(session: Session, skus: Sequence[str], gtins: Sequence[str]) -> list[store.ProductRow]:
    return store.products(session, skus, domain.gtins_to_look_up(gtins))


@dataclass(frozen=True)
class BomRevision:
    row: Any  # a store.BomRevisionRow, or a row of its columns
    items: Sequence[store.BomItemRow | store.BomItem]


def bom_revisions(
    session: Session, skus: Sequence[str], keys: Sequence[tuple[str, str]]
) -> list[BomRevision]:
    """Every revision of these products, and these (sku, revision) ones, with items."""
    return with_items(session, store.bom_revisions(session, skus, keys))


def with_items(session: Session, rows: Sequence[store.BomRevisionRow]) -> list[BomRevision]:
    items = store.bom_items(session, [(r.sku, r.revision) for r in rows])
    return [BomRevision(r, items.get((r.sku, r.revision), [])) for r in rows]


def parties(session: Session, codes: Sequence[str]) -> list[store.PartyRow]:
    return store.by_codes(session, store.PartyRow, codes)


def locations(session: Session, codes: Sequence[str]) -> list[store.LocationRow]:
    return store.by_codes(session, store.LocationRow, codes)


def locations_with_ancestors(session: Session, codes: Sequence[str]) -> list[Any]:
    """These locations and every location above them (rows with LocationRow's columns),
    by code: one statement however deep the tree."""
    return store.locations_and_above(session, codes)


def by_gln(
    session: Session, glns: Sequence[str]
) -> tuple[list[store.LocationRow], list[store.PartyRow]]:
    """The locations and the parties the GLNs name."""
    return (
        store.by_glns(session, store.LocationRow, glns),
        store.by_glns(session, store.PartyRow, glns),
    )


def units(
    session: Session, keys: Sequence[UnitKey]
) -> list[tuple[store.UnitRow, list[store.UnitAliasRow], store.ProvenanceRow | None]]:
    """Each unit with its aliases and, when a migration import created it, its origin."""
    found = units_with_aliases(session, store.units_by_keys(session, keys))
    origins = store.provenance(session, "unit", [unit_entity(u.sku, u.serial) for u, _ in found])
    return [(u, a, origins.get(unit_entity(u.sku, u.serial))) for u, a in found]


def units_by_serial(
    session: Session, serial: str
) -> list[tuple[store.UnitRow, list[store.UnitAliasRow]]]:
    return units_with_aliases(session, store.units_by_serial(session, serial))


def lots(
    session: Session, keys: Sequence[LotKey]
) -> list[tuple[store.LotRow, store.ProvenanceRow | None]]:
    """Each lot and, when a migration import created it, its origin."""
    rows = store.lots_by_keys(session, keys)
    origins = store.provenance(session, "lot", [lot_entity(r.sku, r.lot_number) for r in rows])
    return [(r, origins.get(lot_entity(r.sku, r.lot_number))) for r in rows]


# --- a trace's facts: each read one statement of plain rows (store's trace section) ------


@dataclass(frozen=True)
class TracedEntities:
    """A trace's units (each with its aliases) and lots, each with the origin of those a
    migration import created."""

    units: list[tuple[Any, list[store.Alias], store.Origin | None]]
    lots: list[tuple[Any, store.Origin | None]]


def traced_units_and_lots(
    session: Session, units: Sequence[UnitKey], lots: Sequence[LotKey]
) -> TracedEntities:
    """The units with their aliases and the lots, in key order, and their origins: three
    statements (the origins of units and lots in one)."""
    unit_rows = store.units_with_alias_rows(session, units) if units else []
    lot_rows = store.lot_rows(session, lots) if lots else []
    unit_ids = [unit_entity(u.sku, u.serial) for u, _ in unit_rows]
    lot_ids = [lot_entity(x.sku, x.lot_number) for x in lot_rows]
    entities = [("unit", i) for i in unit_ids] + [("lot", i) for i in lot_ids]
    origins = store.origins(session, entities) if entities else {}
    return TracedEntities(
        [
            (u, aliases, origins.get(("unit", i)))
            for (u, aliases), i in zip(unit_rows, unit_ids, strict=True)
        ],
        [(x, origins.get(("lot", i))) for x, i in zip(lot_rows, lot_ids, strict=True)],
    )


def traced_products(session: Session, skus: Sequence[str]) -> list[Any]:
    return store.product_rows(session, skus)


def traced_bom_revisions(session: Session, skus: Sequence[str]) -> list[BomRevision]:
    """Every revision of these products with its items, by (sku, revision)."""
    return [BomRevision(row, items) for row, items in store.boms_with_items(session, skus)]


def traced_parties(session: Session, codes: Sequence[str]) -> list[Any]:
    return store.party_rows(session, codes)


@dataclass(frozen=True)
class Gs1KeyFound:
    product: store.ProductRow | None
    unit: tuple[store.UnitRow, list[store.UnitAliasRow], store.ProvenanceRow | None] | None
    lot: tuple[store.LotRow, store.ProvenanceRow | None] | None


def resolve_gs1_key(database: Database, gtin: str, serial: str, lot_number: str) -> Gs1KeyFound:
    """The product with this GTIN and, when given, its unit `serial` and lot `lot_number`."""
    normalized = domain.gtins_to_look_up([gtin])
    if not normalized:
        return Gs1KeyFound(None, None, None)
    found = store.gs1_key(database, normalized[0], serial or None, lot_number or None)
    unit = (found.unit, found.aliases, found.unit_origin) if found.unit is not None else None
    lot = (found.lot, found.lot_origin) if found.lot is not None else None
    return Gs1KeyFound(found.product, unit, lot)


def import_batches(
    session: Session, ids: Sequence[str] | None = None
) -> list[store.ImportBatchRow]:
    """The given import batches (every one when `ids` is None), newest first."""
    return store.import_batches(session, ids)


def imported_facts(
    session: Session, batch_id: str, entity_type: str, after: str, size: int
) -> tuple[list[str], bool]:
    """A page of the entity ids of one type an import batch created, and whether more
    follow (one query for size + 1)."""
    ids = store.provenance_ids(session, batch_id, entity_type, after, size + 1)
    return ids[:size], len(ids) > size


# --- migration imports -------------------------------------------------------------------


def _add_provenance(uow: UnitOfWork, entity_type: str, entity_id: str, where: Provenance) -> None:
    _check_applying(uow.session.get(store.ImportBatchRow, where.batch_id), where)
    uow.session.add(store.ProvenanceRow(**where.columns(entity_type, entity_id)))


def _check_applying(batch: store.ImportBatchRow | None, where: Provenance) -> None:
    """Facts are imported into a batch that exists and is APPLYING."""
    if batch is None:
        raise NotFound(f"no import batch {where.batch_id!r}")
    if batch.state != enums.ImportBatchState.APPLYING:
        raise FailedPrecondition(
            f"import batch {where.batch_id} is {batch.state}; facts are imported while APPLYING"
        )


def _files_payload(files: Sequence[tuple[str, int, int]]) -> list[dict[str, Any]]:
    return [{"file": f, "rows": r, "applied": a} for f, r, a in files]


def create_import_batch(
    uow: UnitOfWork, name: str, content_sha256: str, files: Sequence[tuple[str, int, int]]
) -> store.ImportBatchRow:
    """A new batch, CHECKED: its files have been read and passed the dry run."""
    import secrets

    name = domain.check_name(name, "import batch name")
    if len(content_sha256) != 64 or any(c not in "0123456789abcdef" for c in content_sha256):
        raise InvalidArgument("content_sha256 must be 64 lower-case hex digits")
    domain.check_import_files(files)
    now = utcnow()
    row = store.ImportBatchRow(
        id=f"IMP-{secrets.token_hex(6).upper()}",
        name=name,
        state=enums.ImportBatchState.CHECKED.value,
        content_sha256=content_sha256,
        files=_files_payload(files),
        created_at=now,
        created_by=uow.actor,
        updated_at=now,
    )
    uow.session.add(row)
    uow.record(
        "import_batch.created",
        "import_batch",
        row.id,
        {"name": name, "content_sha256": content_sha256, "files": row.files},
    )
    return row


def set_import_batch_state(
    uow: UnitOfWork, batch_id: str, state: str, applied: Sequence[tuple[str, int]]
) -> store.ImportBatchRow:
    rows = store.import_batches(uow.session, [batch_id])
    if not rows:
        raise NotFound(f"no import batch {batch_id!r}")
    row = rows[0]
    target = domain.check_import_transition(batch_id, row.state, state)
    counts = {f: n for f, n in applied}
    unknown = sorted(set(counts) - {f["file"] for f in row.files})
    if unknown:
        raise InvalidArgument(f"import batch {batch_id} has no file {unknown[0]!r}")
    files = [{**f, "applied": counts.get(f["file"], f["applied"])} for f in row.files]
    before = row.state
    row.state, row.files, row.updated_at = target.value, files, utcnow()
    uow.record(
        "import_batch.state_changed",
        "import_batch",
        batch_id,
        {"from": before, "to": target.value, "files": files},
    )
    return row


@dataclass(frozen=True)
class ImportedUnit:
    sku: str
    serial: str
    attributes_json: str
    aliases: tuple[tuple[str, str], ...]
    source: str
    created_at: datetime | None
    provenance: Provenance


def import_units(
    uow: UnitOfWork, items: Sequence[ImportedUnit]
) -> list[store.UnitRow | ServiceError]:
    """Registers many units, each with its own attributes, aliases, legacy creation time
    and provenance; an item that breaks a rule is refused alone, before anything of it
    is written."""
    session = uow.session
    outcomes: list[store.UnitRow | ServiceError | None] = [None] * len(items)
    products = {p.sku: p for p in store.products(session, skus=[i.sku for i in items])}
    batch_ids = {i.provenance.batch_id for i in items}
    batches = {b.id: b for b in store.import_batches(session, batch_ids)}
    seen: set[tuple[str, str]] = set()
    alias_claims: dict[tuple[str, str], int] = {}
    checked: list[tuple[int, ImportedUnit, dict[str, Any], str, tuple[tuple[str, str], ...]]] = []
    for n, item in enumerate(items):
        try:
            product = products.get(item.sku)
            if product is None:
                raise NotFound(f"no product with SKU {item.sku!r}")
            domain.require_serial_tracked(item.sku, product.tracking)
            domain.check_serials(
                item.sku, product.serial_pattern or domain.DEFAULT_SERIAL_PATTERN, [item.serial]
            )
            attributes = domain.parse_attributes(item.attributes_json, product.required_attributes)
            source = parse_enum(enums.UnitSource, item.source, "unit source").value
            aliases = tuple(domain.normalize_alias(k, v) for k, v in item.aliases)
            batch = batches.get(item.provenance.batch_id)
            if batch is None:
                raise NotFound(f"no import batch {item.provenance.batch_id!r}")
            if batch.state != enums.ImportBatchState.APPLYING:
                raise FailedPrecondition(
                    f"import batch {batch.id} is {batch.state}; units are imported while APPLYING"
                )
            if (item.sku, item.serial) in seen:
                raise Conflict(f"unit {item.sku}/{item.serial} is twice in this call")
            for pair in aliases:
                if pair in alias_claims:
                    raise Conflict(f"alias {pair[0]}={pair[1]} is given to two units")
            seen.add((item.sku, item.serial))
            for pair in aliases:
                alias_claims[pair] = n
            checked.append((n, item, attributes, source, aliases))
        except ServiceError as refusal:
            outcomes[n] = refusal
    taken = store.aliases_taken(session, list(alias_claims))
    global_skus = {s for s, p in products.items() if p.uniqueness == Uniqueness.GLOBAL}
    store.lock_global_serials(session, exclusive=bool(global_skus))
    serials = [item.serial for _, item, _, _, _ in checked]
    claimed = {s: sku for sku, s in store.globally_claimed(session, serials)}
    elsewhere: dict[str, set[str]] = {}
    for sku in {item.sku for _, item, _, _, _ in checked if item.sku in global_skus}:
        for other, serial in store.serials_under_other_products(session, sku, serials):
            elsewhere.setdefault(serial, set()).add(other)
    ready = []
    for n, item, attributes, source, aliases in checked:
        clash = next((p for p in aliases if p in taken), None)
        if clash is not None:
            outcomes[n] = Conflict(f"alias {clash[0]}={clash[1]} already identifies another unit")
        elif item.serial in claimed and claimed[item.serial] != item.sku:
            outcomes[n] = Conflict(
                f"serial {item.serial} is claimed globally by {claimed[item.serial]}"
            )
        elif item.sku in global_skus and elsewhere.get(item.serial, set()) - {item.sku}:
            outcomes[n] = Conflict(
                f"serial {item.serial} must be globally unique and exists under another product"
            )
        else:
            ready.append((n, item, attributes, source, aliases))
    now = utcnow()
    inserted = {
        (u.sku, u.serial): u
        for u in store.insert_new_units(
            session,
            [
                {
                    "sku": item.sku,
                    "serial": item.serial,
                    "source": source,
                    "attributes": attributes,
                    "created_at": item.created_at or now,
                    "created_by": uow.actor,
                }
                for _, item, attributes, source, _ in ready
            ],
            claim_globally=False,
        )
    }
    if global_skus:
        bulk_insert(
            session,
            store.GlobalSerialRow,
            [{"serial": s, "sku": sku} for (sku, s) in inserted if sku in global_skus],
        )
    # The aliases and provenance rows go in as one insert each after the loop (not
    # ORM objects flushed one by one).
    alias_rows: list[dict[str, Any]] = []
    provenance_rows: list[dict[str, Any]] = []
    for n, item, attributes, source, aliases in ready:
        unit = inserted.get((item.sku, item.serial))
        if unit is None:
            outcomes[n] = Conflict(f"unit {item.sku}/{item.serial} already exists")
            continue
        alias_rows += (
            {"kind": k, "value": v, "unit_id": unit.id, "created_at": now, "created_by": uow.actor}
            for k, v in aliases
        )
        entity = unit_entity(item.sku, item.serial)
        provenance_rows.append(item.provenance.columns("unit", entity) | {"recorded_at": now})
        uow.record(
            "unit.imported",
            "unit",
            entity,
            {
                "sku": item.sku,
                "serial": item.serial,
                "source": source,
                "attributes": attributes,
                "aliases": [{"kind": k, "value": v} for k, v in aliases],
                "created_at": item.created_at,
                "provenance": item.provenance.payload(),
            },
        )
        outcomes[n] = unit
    bulk_insert(session, store.UnitAliasRow, alias_rows)
    bulk_insert(session, store.ProvenanceRow, provenance_rows)
    return [o if o is not None else Conflict("not imported") for o in outcomes]


def mark_imported(uow: UnitOfWork, entity_type: str, entity_id: str, where: Provenance) -> None:
    """Records, in the transaction that created it, that an entity came from an import
    (its provenance row and an audit entry naming batch, file and row)."""
    _add_provenance(uow, entity_type, entity_id, where)
    uow.record(f"{entity_type}.imported", entity_type, entity_id, {"provenance": where.payload()})


def count_imported_facts(session: Session, batch_id: str) -> list[tuple[str, str, int]]:
    """(file, entity type, count) of the registry entries an import batch created."""
    if session.get(store.ImportBatchRow, batch_id) is None:
        raise NotFound(f"no import batch {batch_id!r}")
    return store.count_provenance(session, batch_id)


ROLLBACK_STATES = frozenset(
    {
        enums.ImportBatchState.APPLYING,
        enums.ImportBatchState.APPLIED,
        enums.ImportBatchState.VERIFIED,
    }
)


@dataclass(frozen=True)
class ImportedRegistry:
    """What an import batch created in the registry, by key."""

    products: list[str]
    parties: list[str]
    locations: list[str]
    boms: list[tuple[str, str]]
    lots: list[tuple[str, str]]
    units: list[tuple[str, str]]

    @staticmethod
    def of(session: Session, batch_id: str) -> ImportedRegistry:
        def ids(kind: str) -> list[str]:
            return store.provenance_ids(session, batch_id, kind)

        def pairs(kind: str, sep: str) -> list[tuple[str, str]]:
            return [(i.split(sep, 1)[0], i.split(sep, 1)[1]) for i in ids(kind)]

        return ImportedRegistry(
            ids("product"),
            ids("party"),
            ids("location"),
            pairs("bom_revision", "@"),
            pairs("lot", ":"),
            pairs("unit", ":"),
        )


def import_dependents(session: Session, facts: ImportedRegistry) -> list[str]:
    """Registry entries recorded outside the batch that refer to what it created."""
    found: list[str] = []
    refer = store.rows_referring
    units = set(facts.units)
    lots = set(facts.lots)
    boms = set(facts.boms)
    for name, rows in (
        (
            "unit",
            refer(
                session,
                store.UnitRow.sku,
                facts.products,
                (store.UnitRow.sku, store.UnitRow.serial),
                units,
            ),
        ),
        (
            "lot",
            refer(
                session,
                store.LotRow.sku,
                facts.products,
                (store.LotRow.sku, store.LotRow.lot_number),
                lots,
            ),
        ),
        (
            "lot",
            refer(
                session,
                store.LotRow.supplier_code,
                facts.parties,
                (store.LotRow.sku, store.LotRow.lot_number),
                lots,
            ),
        ),
        (
            "BOM revision",
            refer(
                session,
                store.BomRevisionRow.sku,
                facts.products,
                (store.BomRevisionRow.sku, store.BomRevisionRow.revision),
                boms,
            ),
        ),
        (
            "BOM revision",
            refer(
                session,
                store.BomItemRow.item_sku,
                facts.products,
                (store.BomItemRow.sku, store.BomItemRow.revision),
                boms,
            ),
        ),
        (
            "location",
            refer(
                session,
                store.LocationRow.parent_code,
                facts.locations,
                (store.LocationRow.code,),
                set(facts.locations),
            ),
        ),
    ):
        found += [f"{name} {row} (recorded outside this batch)" for row in rows]
    return sorted(set(found))


def roll_back_import(
    uow: UnitOfWork, batch_id: str, dry_run: bool
) -> tuple[list[str], list[tuple[str, int]]]:
    """(dependents, taken back per entity type). Nothing changes while anything depends
    on the batch's entries; else each is taken back with its own audit entry and the
    batch becomes ROLLED_BACK."""
    session = uow.session
    rows = store.import_batches(session, [batch_id])
    if not rows:
        raise NotFound(f"no import batch {batch_id!r}")
    batch = rows[0]
    if batch.state not in ROLLBACK_STATES:
        raise FailedPrecondition(f"import batch {batch_id} is {batch.state}; nothing to roll back")
    facts = ImportedRegistry.of(session, batch_id)
    dependents = import_dependents(session, facts)
    if dependents or dry_run:
        return dependents, []
    unit_rows = store.units_by_keys(session, facts.units)
    unit_ids = [u.id for u in unit_rows]
    store.delete_by_keys(session, store.UnitAliasRow, [store.UnitAliasRow.unit_id], unit_ids)
    store.delete_by_keys(
        session,
        store.GlobalSerialRow,
        [store.GlobalSerialRow.serial],
        [u.serial for u in unit_rows if (u.sku, u.serial) in set(facts.units)],
    )
    store.delete_by_keys(session, store.UnitRow, [store.UnitRow.id], unit_ids)
    store.delete_by_keys(
        session, store.LotRow, [store.LotRow.sku, store.LotRow.lot_number], facts.lots
    )
    store.delete_by_keys(
        session, store.BomItemRow, [store.BomItemRow.sku, store.BomItemRow.revision], facts.boms
    )
    store.delete_by_keys(
        session,
        store.BomRevisionRow,
        [store.BomRevisionRow.sku, store.BomRevisionRow.revision],
        facts.boms,
    )
    store.delete_by_keys(session, store.LocationRow, [store.LocationRow.code], facts.locations)
    store.delete_by_keys(session, store.PartyRow, [store.PartyRow.code], facts.parties)
    store.delete_by_keys(session, store.ProductRow, [store.ProductRow.sku], facts.products)
    taken: list[tuple[str, int]] = []
    for entity_type, ids in (
        ("unit", [unit_entity(*k) for k in facts.units]),
        ("lot", [lot_entity(*k) for k in facts.lots]),
        ("bom_revision", [f"{s}@{r}" for s, r in facts.boms]),
        ("location", facts.locations),
        ("party", facts.parties),
        ("product", facts.products),
    ):
        for entity_id in ids:
            uow.record(
                f"{entity_type}.import_rolled_back",
                entity_type,
                entity_id,
                {"import_batch_id": batch_id},
            )
        if ids:
            taken.append((entity_type, len(ids)))
    set_import_batch_state(uow, batch_id, enums.ImportBatchState.ROLLED_BACK.value, [])
    return [], taken
