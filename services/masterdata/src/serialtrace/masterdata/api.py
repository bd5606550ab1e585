"""The masterdata gRPC servicer: one table of RPCs, each mapped proto ⇄ use case.

Who may call each RPC is declared in masterdata.proto; `serialtrace.common.rpc` serves
the table (idempotency, audit and transaction for writes, a read session and the batch
bound for reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.orm import Session

from serialtrace.common import ledger_api, provenance, rpc
from serialtrace.common.db import Database
from serialtrace.common.errors import ServiceError, item_outcomes
from serialtrace.common.keys import lot_keys, unit_key, unit_keys
from serialtrace.common.keys import unit_message as unit_key_message
from serialtrace.common.protomap import copy_signature, enum_str, enum_value
from serialtrace.common.provenance import Provenance
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import page_size
from serialtrace.masterdata import domain, store, usecases
from serialtrace.masterdata.config import SERVICE_NAME
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as pb_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["MasterdataService"]


class MasterdataServicer(rpc.Servicer, pb_grpc.MasterdataServiceServicer):
    pass


S = MasterdataServicer

# --- proto messages of masterdata's rows --------------------------------------------------


def product_message(row: store.ProductRow) -> pb.Product:
    return pb.Product(
        sku=row.sku,
        name=row.name,
        kind=enum_value(pb.ProductKind, row.kind),
        tracking=enum_value(pb.TrackingMode, row.tracking),
        gtin=row.gtin or "",
        serial_pattern=row.serial_pattern or "",
        serial_template=row.serial_template or "",
        uniqueness=enum_value(pb.Uniqueness, row.uniqueness),
        required_attributes=row.required_attributes,
        created_at=to_timestamp(row.created_at),
    )


def bom_message(bom: usecases.BomRevision) -> pb.BomRevision:
    row, items = bom.row, bom.items
    message = pb.BomRevision(
        sku=row.sku,
        revision=row.revision,
        effective_from=to_timestamp(row.effective_from),
        items=[pb.BomItem(sku=i.item_sku, quantity=i.quantity) for i in items],
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
    )
    copy_signature(message.approval, row.approved_by, row.approved_at, row.approval_meaning)
    return message


def provenance_message(row: store.ProvenanceRow | store.Origin | None) -> pb.Provenance | None:
    if row is None:
        return None
    return pb.Provenance(import_batch_id=row.batch_id, file=row.file, row=row.row)


def import_batch_message(row: store.ImportBatchRow) -> pb.ImportBatch:
    return pb.ImportBatch(
        id=row.id,
        name=row.name,
        state=enum_value(pb.ImportBatchState, row.state),
        files=[
            pb.ImportFileCount(file=f["file"], rows=f["rows"], applied=f["applied"])
            for f in row.files
        ],
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
        updated_at=to_timestamp(row.updated_at),
        content_sha256=row.content_sha256,
    )


def unit_message(
    row: store.UnitRow,
    aliases: Sequence[store.UnitAliasRow | store.Alias],
    provenance: store.ProvenanceRow | store.Origin | None = None,
) -> pb.Unit:
    from serialtrace.common.ledger import canonical_json

    return pb.Unit(
        sku=row.sku,
        serial=row.serial,
        attributes_json=canonical_json(row.attributes or {}),
        aliases=[pb.UnitAlias(kind=a.kind, value=a.value) for a in aliases],
        source=enum_value(pb.UnitSource, row.source),
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
        provenance=provenance_message(provenance),
    )


def registered_messages(rows: Sequence[store.UnitRow]) -> list[pb.Unit]:
    """`unit_message` of each of a registration's new units (no aliases, no provenance
    yet). Their attributes, source, time and author repeat from one unit to the next, so
    each is converted once per run of equal values: for a commission of 5,000 units the
    conversions were nearly half of masterdata's CPU."""
    from serialtrace.common.ledger import canonical_json

    messages: list[pb.Unit] = []
    attributes: Any = object()  # equal to no row's attributes
    attributes_json = ""
    source: tuple[str, Any] = ("", 0)
    created: tuple[datetime | None, Timestamp | None] = (None, None)
    for row in rows:
        if row.attributes != attributes:
            attributes, attributes_json = row.attributes, canonical_json(row.attributes or {})
        if row.source != source[0]:
            source = (row.source, enum_value(pb.UnitSource, row.source))
        if row.created_at != created[0]:
            created = (row.created_at, to_timestamp(row.created_at))
        messages.append(
            pb.Unit(
                sku=row.sku,
                serial=row.serial,
                attributes_json=attributes_json,
                source=source[1],
                created_at=created[1],
                created_by=row.created_by,
            )
        )
    return messages


def lot_message(
    row: store.LotRow, provenance: store.ProvenanceRow | store.Origin | None = None
) -> pb.Lot:
    return pb.Lot(
        sku=row.sku,
        lot_number=row.lot_number,
        supplier_code=row.supplier_code or "",
        supplier_lot_number=row.supplier_lot_number or "",
        produced_at=to_timestamp(row.produced_at),
        expires_at=to_timestamp(row.expires_at),
        created_at=to_timestamp(row.created_at),
        provenance=provenance_message(provenance),
    )


def party_message(row: store.PartyRow) -> pb.Party:
    return pb.Party(
        code=row.code, name=row.name, kind=enum_value(pb.PartyKind, row.kind), gln=row.gln or ""
    )


def location_message(row: store.LocationRow) -> pb.Location:
    return pb.Location(
        code=row.code,
        name=row.name,
        kind=enum_value(pb.LocationKind, row.kind),
        gln=row.gln or "",
        parent_code=row.parent_code or "",
    )


# --- products and BOMs --------------------------------------------------------------------


def create_product(s: S, uow: UnitOfWork, r: pb.CreateProductRequest) -> pb.CreateProductResponse:
    p = r.product
    spec = domain.validate_product(
        p.sku,
        p.name,
        enum_str(pb.ProductKind, p.kind),
        enum_str(pb.TrackingMode, p.tracking),
        p.gtin,
        p.serial_pattern,
        p.serial_template,
        enum_str(pb.Uniqueness, p.uniqueness),
        list(p.required_attributes),
    )
    row = _imported(uow, r, "product", usecases.create_product(uow, spec), spec.sku)
    return pb.CreateProductResponse(product=product_message(row))


def create_bom_revision(
    s: S, uow: UnitOfWork, r: pb.CreateBomRevisionRequest
) -> pb.CreateBomRevisionResponse:
    items = [(i.sku, i.quantity) for i in r.items]
    row = usecases.create_bom_revision(
        uow, r.sku, r.revision, from_timestamp(r.effective_from), items
    )
    _imported(uow, r, "bom_revision", row, f"{row.sku}@{row.revision}")
    [bom] = usecases.with_items(uow.session, [row])
    return pb.CreateBomRevisionResponse(bom_revision=bom_message(bom))


def approve_bom_revision(
    s: S, uow: UnitOfWork, r: pb.ApproveBomRevisionRequest
) -> pb.ApproveBomRevisionResponse:
    row = usecases.approve_bom_revision(uow, r.sku, r.revision, r.meaning)
    [bom] = usecases.with_items(uow.session, [row])
    return pb.ApproveBomRevisionResponse(bom_revision=bom_message(bom))


def bom_keys(keys: Iterable[pb.BomRevisionKey]) -> list[tuple[str, str]]:
    return [(k.sku, k.revision) for k in keys]


# --- parties and locations ------------------------------------------------------------------


def create_party(s: S, uow: UnitOfWork, r: pb.CreatePartyRequest) -> pb.CreatePartyResponse:
    p = r.party
    row = usecases.create_party(uow, p.code, p.name, enum_str(pb.PartyKind, p.kind), p.gln)
    _imported(uow, r, "party", row, p.code)
    return pb.CreatePartyResponse(party=party_message(row))


def create_location(
    s: S, uow: UnitOfWork, r: pb.CreateLocationRequest
) -> pb.CreateLocationResponse:
    loc = r.location
    row = usecases.create_location(
        uow, loc.code, loc.name, enum_str(pb.LocationKind, loc.kind), loc.gln, loc.parent_code
    )
    _imported(uow, r, "location", row, loc.code)
    return pb.CreateLocationResponse(location=location_message(row))


def batch_get_by_gln(
    s: S, session: Session, r: pb.BatchGetByGlnRequest
) -> pb.BatchGetByGlnResponse:
    locations, parties = usecases.by_gln(session, list(r.glns))
    return pb.BatchGetByGlnResponse(
        locations=[location_message(x) for x in locations],
        parties=[party_message(x) for x in parties],
    )


# --- units ----------------------------------------------------------------------------------


def allocate_serials(
    s: S, uow: UnitOfWork, r: pb.AllocateSerialsRequest
) -> pb.AllocateSerialsResponse:
    return pb.AllocateSerialsResponse(serials=usecases.allocate_serials(uow, r.sku, r.count))


def register_units(s: S, uow: UnitOfWork, r: pb.RegisterUnitsRequest) -> pb.RegisterUnitsResponse:
    registration = usecases.Registration(
        sku=r.sku,
        serials=list(r.serials),
        count=r.count,
        attributes_json=r.attributes_json,
        source=enum_str(pb.UnitSource, r.source),
    )
    units = usecases.register_units(uow, registration)
    return pb.RegisterUnitsResponse(units=registered_messages(units))


def batch_get_units(s: S, session: Session, r: pb.BatchGetUnitsRequest) -> pb.BatchGetUnitsResponse:
    found = usecases.units(session, unit_keys(r.keys))
    return pb.BatchGetUnitsResponse(units=[unit_message(u, a, o) for u, a, o in found])


def get_trace_facts(s: S, session: Session, r: pb.GetTraceFactsRequest) -> pb.GetTraceFactsResponse:
    reply = pb.GetTraceFactsResponse()
    if r.units or r.lots:
        found = usecases.traced_units_and_lots(session, unit_keys(r.units), lot_keys(r.lots))
        reply.units.extend(unit_message(u, a, o) for u, a, o in found.units)
        reply.lots.extend(lot_message(x, o) for x, o in found.lots)
    if r.product_skus:
        rows = usecases.traced_products(session, list(r.product_skus))
        reply.products.extend(product_message(x) for x in rows)
    if r.bom_skus:
        boms = usecases.traced_bom_revisions(session, list(r.bom_skus))
        reply.bom_revisions.extend(bom_message(b) for b in boms)
    parties = {*r.party_codes, *(x.supplier_code for x in reply.lots if x.supplier_code)}
    if parties:
        rows = usecases.traced_parties(session, sorted(parties))
        reply.parties.extend(party_message(x) for x in rows)
    if r.location_codes:
        rows = usecases.locations_with_ancestors(session, list(r.location_codes))
        reply.locations.extend(location_message(x) for x in rows)
    if r.audit_entries:
        reply.audit_entries.extend(
            ledger_api.unit_entries(SERVICE_NAME, session, unit_keys(r.units))
        )
    return reply


def find_units_by_serial(
    s: S, session: Session, r: pb.FindUnitsBySerialRequest
) -> pb.FindUnitsBySerialResponse:
    found = usecases.units_by_serial(session, r.serial)
    return pb.FindUnitsBySerialResponse(units=[unit_message(u, a) for u, a in found])


def add_unit_alias(s: S, uow: UnitOfWork, r: pb.AddUnitAliasRequest) -> pb.AddUnitAliasResponse:
    key = unit_key(r.unit)
    unit = usecases.add_unit_alias(uow, key.sku, key.serial, r.alias.kind, r.alias.value)
    uow.session.flush()
    [(row, aliases)] = usecases.units_with_aliases(uow.session, [unit])
    return pb.AddUnitAliasResponse(unit=unit_message(row, aliases))


def resolve_aliases(
    s: S, session: Session, r: pb.ResolveAliasesRequest
) -> pb.ResolveAliasesResponse:
    found = usecases.resolve_aliases(session, [(a.kind, a.value) for a in r.aliases])
    return pb.ResolveAliasesResponse(
        resolved=[
            pb.ResolvedAlias(
                alias=pb.UnitAlias(kind=kind, value=value),
                unit=unit_key_message((unit.sku, unit.serial)),
            )
            for kind, value, unit in found
        ]
    )


# --- lots -----------------------------------------------------------------------------------


def register_lot(s: S, uow: UnitOfWork, r: pb.RegisterLotRequest) -> pb.RegisterLotResponse:
    lot = r.lot
    row = usecases.register_lot(
        uow,
        lot.sku,
        lot.lot_number,
        lot.supplier_code,
        lot.supplier_lot_number,
        from_timestamp(lot.produced_at),
        from_timestamp(lot.expires_at),
    )
    return pb.RegisterLotResponse(lot=lot_message(row))


def batch_get_lots(s: S, session: Session, r: pb.BatchGetLotsRequest) -> pb.BatchGetLotsResponse:
    found = usecases.lots(session, lot_keys(r.keys))
    return pb.BatchGetLotsResponse(lots=[lot_message(x, o) for x, o in found])


def resolve_gs1_key(s: S, r: pb.ResolveGs1KeyRequest) -> pb.ResolveGs1KeyResponse:
    # No session: one statement read directly (a scan is on a scanner's critical path).
    found = usecases.resolve_gs1_key(s.database, r.gtin, r.serial, r.lot_number)
    reply = pb.ResolveGs1KeyResponse()
    if found.product is not None:
        reply.product.CopyFrom(product_message(found.product))
    if found.unit is not None:
        reply.unit.CopyFrom(unit_message(*found.unit))
    if found.lot is not None:
        reply.lot.CopyFrom(lot_message(*found.lot))
    return reply


# --- migration imports ----------------------------------------------------------------------


def create_import_batch(
    s: S, uow: UnitOfWork, r: pb.CreateImportBatchRequest
) -> pb.CreateImportBatchResponse:
    files = [(f.file, f.rows, f.applied) for f in r.files]
    row = usecases.create_import_batch(uow, r.name, r.content_sha256, files)
    return pb.CreateImportBatchResponse(batch=import_batch_message(row))


def set_import_batch_state(
    s: S, uow: UnitOfWork, r: pb.SetImportBatchStateRequest
) -> pb.SetImportBatchStateResponse:
    applied = [(f.file, f.applied) for f in r.files]
    state = enum_str(pb.ImportBatchState, r.state)
    row = usecases.set_import_batch_state(uow, r.id, state, applied)
    return pb.SetImportBatchStateResponse(batch=import_batch_message(row))


def list_import_batches(
    s: S, session: Session, r: pb.ListImportBatchesRequest
) -> pb.ListImportBatchesResponse:
    rows = usecases.import_batches(session)
    return pb.ListImportBatchesResponse(batches=[import_batch_message(x) for x in rows])


def import_units(s: S, r: pb.ImportUnitsRequest) -> pb.ImportUnitsResponse:
    domain.check_import_items(len(r.items))

    def handle(uow: Any, fresh: list[pb.ImportedUnit]) -> list[pb.Unit | ServiceError]:
        items = [
            usecases.ImportedUnit(
                sku=i.sku,
                serial=i.serial,
                attributes_json=i.attributes_json,
                aliases=tuple((a.kind, a.value) for a in i.aliases),
                source=enum_str(pb.UnitSource, i.source),
                created_at=from_timestamp(i.created_at) if i.HasField("created_at") else None,
                provenance=Provenance.of(i.provenance),
            )
            for i in fresh
        ]
        done = usecases.import_units(uow, items)
        uow.session.flush()
        units = [u for u in done if not isinstance(u, ServiceError)]
        aliases = dict(
            ((u.sku, u.serial), a) for u, a in usecases.units_with_aliases(uow.session, units)
        )
        return [
            d
            if isinstance(d, ServiceError)
            else unit_message(d, aliases.get((d.sku, d.serial), []), _origin(i.provenance))
            for d, i in zip(done, items, strict=True)
        ]

    outcomes = s.mutations.run_each("ImportUnits", list(r.items), pb.Unit, handle)
    return pb.ImportUnitsResponse(outcomes=item_outcomes(pb.ImportUnitOutcome, "unit", outcomes))


def import_lots(s: S, r: pb.ImportLotsRequest) -> pb.ImportLotsResponse:
    domain.check_import_items(len(r.items))

    def handle(uow: Any, fresh: list[pb.ImportedLot]) -> list[pb.Lot | ServiceError]:
        answers: list[pb.Lot | ServiceError] = []
        lots: list[tuple[domain.NewLot, Provenance]] = []
        for item in fresh:
            lot = item.lot
            try:
                where = Provenance.of(item.provenance)
            except ServiceError as refusal:
                answers.append(refusal)
                continue
            new = domain.NewLot(
                lot.sku,
                lot.lot_number,
                lot.supplier_code,
                lot.supplier_lot_number,
                from_timestamp(lot.produced_at) if lot.HasField("produced_at") else None,
                from_timestamp(lot.expires_at) if lot.HasField("expires_at") else None,
            )
            lots.append((new, where))
            answers.append(_PENDING)
        done = iter(usecases.import_lots(uow, lots))
        origins = iter(where for _, where in lots)
        return [a if a is not _PENDING else _lot_answer(next(done), next(origins)) for a in answers]

    outcomes = s.mutations.run_each("ImportLots", list(r.items), pb.Lot, handle)
    return pb.ImportLotsResponse(outcomes=item_outcomes(pb.ImportLotOutcome, "lot", outcomes))


# A placeholder for an item of ImportLots whose answer the use case gives.
_PENDING = pb.Lot()


def _lot_answer(done: store.LotRow | ServiceError, where: Provenance) -> pb.Lot | ServiceError:
    return done if isinstance(done, ServiceError) else lot_message(done, _origin(where))


def list_imported_facts(
    s: S, session: Session, r: pb.ListImportedFactsRequest
) -> pb.ListImportedFactsResponse:
    size = page_size(r.page_size, domain.MAX_BATCH, 1_000)
    ids, more = usecases.imported_facts(
        session, r.import_batch_id, r.entity_type, r.page_token, size
    )
    return pb.ListImportedFactsResponse(entity_ids=ids, next_page_token=ids[-1] if more else "")


T = TypeVar("T")


def _imported(uow: Any, request: Any, entity_type: str, created: T, entity_id: str) -> T:
    """`created`, marked with the request's provenance when an import sent it."""
    if request.HasField("provenance"):
        usecases.mark_imported(uow, entity_type, entity_id, Provenance.of(request.provenance))
    return created


def _origin(where: Provenance) -> store.ProvenanceRow:
    return store.ProvenanceRow(batch_id=where.batch_id, file=where.file, row=where.row)


RPCS: dict[str, rpc.Rpc] = {
    "CreateProduct": rpc.write(create_product),
    "CreateBomRevision": rpc.write(create_bom_revision),
    "ApproveBomRevision": rpc.write(approve_bom_revision),
    "CreateParty": rpc.write(create_party),
    "CreateLocation": rpc.write(create_location),
    "AllocateSerials": rpc.write(allocate_serials),
    "RegisterUnits": rpc.write(register_units),
    "AddUnitAlias": rpc.write(add_unit_alias),
    "RegisterLot": rpc.write(register_lot),
    "BatchGetProducts": rpc.lookup(
        usecases.products, ("skus", "gtins"), product_message, what="keys"
    ),
    "BatchGetBomRevisions": rpc.lookup(
        usecases.bom_revisions, ("skus", "keys"), bom_message, keys=(list, bom_keys), what="keys"
    ),
    "BatchGetParties": rpc.lookup(usecases.parties, "codes", party_message),
    "BatchGetLocations": rpc.lookup(usecases.locations, "codes", location_message),
    "BatchGetByGln": rpc.read(batch_get_by_gln, batch="glns"),
    "BatchGetUnits": rpc.read(batch_get_units, batch="keys"),
    "FindUnitsBySerial": rpc.read(find_units_by_serial),
    "ResolveAliases": rpc.read(resolve_aliases, batch="aliases"),
    "BatchGetLots": rpc.read(batch_get_lots, batch="keys"),
    "GetTraceFacts": rpc.read(
        get_trace_facts,
        batch=("units", "lots", "product_skus", "bom_skus", "party_codes", "location_codes"),
        what="keys",
    ),
    "ResolveGs1Key": rpc.custom(resolve_gs1_key),
    "CreateImportBatch": rpc.write(create_import_batch),
    "SetImportBatchState": rpc.write(set_import_batch_state),
    "ListImportBatches": rpc.read(list_import_batches),
    "BatchGetImportBatches": rpc.lookup(usecases.import_batches, "ids", import_batch_message),
    "ImportUnits": rpc.custom(import_units),
    "ImportLots": rpc.custom(import_lots),
    "ListImportedFacts": rpc.read(list_imported_facts),
    **provenance.import_rpcs(usecases.count_imported_facts, usecases.roll_back_import, pb),
}
# Who may call each RPC, as its .proto declares it (the auth interceptor checks it).
METHOD_ROLES = rpc.implement(MasterdataServicer, SERVICE, RPCS)


def grpc_services(database: Database) -> list[GrpcService]:
    servicer = MasterdataServicer(database)
    return [rpc.grpc_service(SERVICE, pb_grpc, servicer)]
