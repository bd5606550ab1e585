"""Masterdata use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import validation
from serialtrace.common.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import parse_enum
from serialtrace.masterdata import domain, store
from serialtrace.masterdata.domain import PartyKind, Uniqueness


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
        created_at=utcnow(),
        created_by=uow.actor,
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
        created_at=utcnow(),
        created_by=uow.actor,
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


def create_party(uow: UnitOfWork, code: str, name: str, kind: str) -> store.PartyRow:
    validation.check_code(code, "party code")
    name = domain.check_name(name, "party name")
    party_kind = parse_enum(PartyKind, kind, "party kind")
    if uow.session.get(store.PartyRow, code) is not None:
        raise Conflict(f"party {code} already exists")
    row = store.PartyRow(code=code, name=name, kind=party_kind.value)
    uow.session.add(row)
    uow.record("party.created", "party", code, {"code": code, "name": name, "kind": row.kind})
    return row


def create_location(
    uow: UnitOfWork, code: str, name: str, kind: str, gln: str, parent_code: str
) -> store.LocationRow:
    session = uow.session
    validation.check_code(code, "location code")
    name = domain.check_name(name, "location name")
    location_kind = parse_enum(domain.LocationKind, kind, "location kind")
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
    source = parse_enum(domain.UnitSource, reg.source, "unit source")
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
        store.UnitAliasRow(
            kind=kind, value=value, unit_id=unit.id, created_at=utcnow(), created_by=uow.actor
        )
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
) -> store.LotRow:
    session = uow.session
    domain.validate_lot_number(lot_number)
    domain.check_dates(produced_at, expires_at)
    product = _product_or_raise(session, sku)
    domain.require_lot_tracked(sku, product.tracking)
    if supplier_code:
        supplier = session.get(store.PartyRow, supplier_code)
        if supplier is None:
            raise NotFound(f"no supplier with code {supplier_code!r}")
        if supplier.kind != PartyKind.SUPPLIER:
            raise FailedPrecondition(f"party {supplier_code} is a {supplier.kind}, not a SUPPLIER")
    if store.lots_by_keys(session, [(sku, lot_number)]):
        raise Conflict(f"lot {lot_number} of {sku} already exists")
    if len(supplier_lot_number) > 100:
        raise InvalidArgument("supplier lot number is longer than 100 characters")
    row = store.LotRow(
        sku=sku,
        lot_number=lot_number,
        supplier_code=supplier_code or None,
        supplier_lot_number=supplier_lot_number or None,
        produced_at=produced_at,
        expires_at=expires_at,
        created_at=utcnow(),
        created_by=uow.actor,
    )
    session.add(row)
    uow.record(
        "lot.registered",
        "lot",
        lot_entity(sku, lot_number),
        {
            "sku": sku,
            "lot_number": lot_number,
            "supplier_code": supplier_code or None,
            "supplier_lot_number": supplier_lot_number or None,
            "produced_at": produced_at,
            "expires_at": expires_at,
        },
    )
    return row


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
    row: store.BomRevisionRow
    items: list[store.BomItemRow]


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


def units(
    session: Session, keys: Sequence[UnitKey]
) -> list[tuple[store.UnitRow, list[store.UnitAliasRow]]]:
    return units_with_aliases(session, store.units_by_keys(session, keys))


def units_by_serial(
    session: Session, serial: str
) -> list[tuple[store.UnitRow, list[store.UnitAliasRow]]]:
    return units_with_aliases(session, store.units_by_serial(session, serial))


def lots(session: Session, keys: Sequence[LotKey]) -> list[store.LotRow]:
    return store.lots_by_keys(session, keys)
