"""The masterdata gRPC servicer: one table of RPCs, each mapped proto ⇄ use case.

Who may call each RPC is declared in masterdata.proto; `serialtrace.common.rpc` serves
the table (idempotency, audit and transaction for writes, a read session and the batch
bound for reads).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from serialtrace.common import rpc
from serialtrace.common.db import Database
from serialtrace.common.keys import lot_keys, unit_key, unit_keys
from serialtrace.common.keys import unit_message as unit_key_message
from serialtrace.common.protomap import enum_str, enum_value
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import UnitOfWork
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata import domain, store, usecases
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as pb_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["MasterdataService"]
METHOD_ROLES = rpc.method_roles(SERVICE)


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
    if row.approved_by and row.approved_at:
        message.approval.CopyFrom(
            core_pb2.Signature(
                by=row.approved_by, at=to_timestamp(row.approved_at), meaning=row.approval_meaning
            )
        )
    return message


def unit_message(row: store.UnitRow, aliases: Sequence[store.UnitAliasRow]) -> pb.Unit:
    from serialtrace.common.ledger import canonical_json

    return pb.Unit(
        sku=row.sku,
        serial=row.serial,
        attributes_json=canonical_json(row.attributes or {}),
        aliases=[pb.UnitAlias(kind=a.kind, value=a.value) for a in aliases],
        source=enum_value(pb.UnitSource, row.source),
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
    )


def lot_message(row: store.LotRow) -> pb.Lot:
    return pb.Lot(
        sku=row.sku,
        lot_number=row.lot_number,
        supplier_code=row.supplier_code or "",
        supplier_lot_number=row.supplier_lot_number or "",
        produced_at=to_timestamp(row.produced_at),
        expires_at=to_timestamp(row.expires_at),
        created_at=to_timestamp(row.created_at),
    )


def party_message(row: store.PartyRow) -> pb.Party:
    return pb.Party(code=row.code, name=row.name, kind=enum_value(pb.PartyKind, row.kind))


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
    return pb.CreateProductResponse(product=product_message(usecases.create_product(uow, spec)))


def batch_get_products(
    s: S, session: Session, r: pb.BatchGetProductsRequest
) -> pb.BatchGetProductsResponse:
    rows = usecases.products(session, list(r.skus), list(r.gtins))
    return pb.BatchGetProductsResponse(products=[product_message(x) for x in rows])


def create_bom_revision(
    s: S, uow: UnitOfWork, r: pb.CreateBomRevisionRequest
) -> pb.CreateBomRevisionResponse:
    items = [(i.sku, i.quantity) for i in r.items]
    row = usecases.create_bom_revision(
        uow, r.sku, r.revision, from_timestamp(r.effective_from), items
    )
    [bom] = usecases.with_items(uow.session, [row])
    return pb.CreateBomRevisionResponse(bom_revision=bom_message(bom))


def approve_bom_revision(
    s: S, uow: UnitOfWork, r: pb.ApproveBomRevisionRequest
) -> pb.ApproveBomRevisionResponse:
    row = usecases.approve_bom_revision(uow, r.sku, r.revision, r.meaning)
    [bom] = usecases.with_items(uow.session, [row])
    return pb.ApproveBomRevisionResponse(bom_revision=bom_message(bom))


def batch_get_bom_revisions(
    s: S, session: Session, r: pb.BatchGetBomRevisionsRequest
) -> pb.BatchGetBomRevisionsResponse:
    boms = usecases.bom_revisions(session, list(r.skus), [(k.sku, k.revision) for k in r.keys])
    return pb.BatchGetBomRevisionsResponse(bom_revisions=[bom_message(b) for b in boms])


# --- parties and locations ------------------------------------------------------------------


def create_party(s: S, uow: UnitOfWork, r: pb.CreatePartyRequest) -> pb.CreatePartyResponse:
    p = r.party
    row = usecases.create_party(uow, p.code, p.name, enum_str(pb.PartyKind, p.kind))
    return pb.CreatePartyResponse(party=party_message(row))


def batch_get_parties(
    s: S, session: Session, r: pb.BatchGetPartiesRequest
) -> pb.BatchGetPartiesResponse:
    rows = usecases.parties(session, list(r.codes))
    return pb.BatchGetPartiesResponse(parties=[party_message(x) for x in rows])


def create_location(
    s: S, uow: UnitOfWork, r: pb.CreateLocationRequest
) -> pb.CreateLocationResponse:
    loc = r.location
    row = usecases.create_location(
        uow, loc.code, loc.name, enum_str(pb.LocationKind, loc.kind), loc.gln, loc.parent_code
    )
    return pb.CreateLocationResponse(location=location_message(row))


def batch_get_locations(
    s: S, session: Session, r: pb.BatchGetLocationsRequest
) -> pb.BatchGetLocationsResponse:
    rows = usecases.locations(session, list(r.codes))
    return pb.BatchGetLocationsResponse(locations=[location_message(x) for x in rows])


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
    return pb.RegisterUnitsResponse(units=[unit_message(u, []) for u in units])


def batch_get_units(s: S, session: Session, r: pb.BatchGetUnitsRequest) -> pb.BatchGetUnitsResponse:
    found = usecases.units(session, unit_keys(r.keys))
    return pb.BatchGetUnitsResponse(units=[unit_message(u, a) for u, a in found])


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
    rows = usecases.lots(session, lot_keys(r.keys))
    return pb.BatchGetLotsResponse(lots=[lot_message(x) for x in rows])


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
    "BatchGetProducts": rpc.read(batch_get_products, batch=("skus", "gtins"), what="keys"),
    "BatchGetBomRevisions": rpc.read(batch_get_bom_revisions, batch=("skus", "keys"), what="keys"),
    "BatchGetParties": rpc.read(batch_get_parties, batch="codes"),
    "BatchGetLocations": rpc.read(batch_get_locations, batch="codes"),
    "BatchGetUnits": rpc.read(batch_get_units, batch="keys"),
    "FindUnitsBySerial": rpc.read(find_units_by_serial),
    "ResolveAliases": rpc.read(resolve_aliases, batch="aliases"),
    "BatchGetLots": rpc.read(batch_get_lots, batch="keys"),
}
rpc.implement(MasterdataServicer, SERVICE, RPCS)


def grpc_services(database: Database) -> list[GrpcService]:
    servicer = MasterdataServicer(database)
    return [
        rpc.grpc_service(
            SERVICE,
            lambda server: pb_grpc.add_MasterdataServiceServicer_to_server(servicer, server),
        )
    ]
