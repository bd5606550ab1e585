"""The masterdata gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from serialtrace.common import gs1
from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.common.db import Database
from serialtrace.common.errors import FailedPrecondition, InvalidArgument, ServiceError, item_error
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.protomap import enum_str, enum_value
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import Mutations
from serialtrace.common.validation import page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata import domain, store, usecases
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as pb_grpc

METHOD_ROLES: dict[str, frozenset[Role]] = {
    "CreateProduct": roles(),
    "CreateBomRevision": roles(),
    "ApproveBomRevision": roles(Role.QUALITY),
    "CreateParty": roles(),
    "CreateLocation": roles(),
    "AllocateSerials": roles(Role.PLANNER),
    "RegisterUnits": roles(Role.PLANNER, Role.OPERATOR),
    "AddUnitAlias": roles(Role.PLANNER, Role.OPERATOR),
    "RegisterLot": roles(Role.PLANNER, Role.OPERATOR),
    "BatchGetProducts": ANY_ROLE,
    "BatchGetBomRevisions": ANY_ROLE,
    "BatchGetParties": ANY_ROLE,
    "BatchGetLocations": ANY_ROLE,
    "BatchGetUnits": ANY_ROLE,
    "FindUnitsBySerial": ANY_ROLE,
    "ResolveAliases": ANY_ROLE,
    "BatchGetLots": ANY_ROLE,
    "CreateImportBatch": roles(),
    "SetImportBatchState": roles(),
    "ImportUnits": roles(),
    "ImportLots": roles(),
    "ListImportBatches": ANY_ROLE,
    "BatchGetImportBatches": ANY_ROLE,
    "CountImportedFacts": ANY_ROLE,
    "ListImportedFacts": ANY_ROLE,
    "RollBackImport": roles(),
}


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


def bom_message(row: store.BomRevisionRow, items: Sequence[store.BomItemRow]) -> pb.BomRevision:
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


def provenance_message(row: store.ProvenanceRow | None) -> pb.Provenance | None:
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
    aliases: Sequence[store.UnitAliasRow],
    provenance: store.ProvenanceRow | None = None,
) -> pb.Unit:
    from serialtrace.common.ledger import canonical_json

    return pb.Unit(
        provenance=provenance_message(provenance),
        sku=row.sku,
        serial=row.serial,
        attributes_json=canonical_json(row.attributes or {}),
        aliases=[pb.UnitAlias(kind=a.kind, value=a.value) for a in aliases],
        source=enum_value(pb.UnitSource, row.source),
        created_at=to_timestamp(row.created_at),
        created_by=row.created_by,
    )


def lot_message(row: store.LotRow, provenance: store.ProvenanceRow | None = None) -> pb.Lot:
    return pb.Lot(
        provenance=provenance_message(provenance),
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


class MasterdataServicer(pb_grpc.MasterdataServiceServicer):
    def __init__(self, database: Database) -> None:
        self.database = database
        self.mutations = Mutations(database)

    # --- products and BOMs -------------------------------------------------------

    def CreateProduct(
        self, request: pb.CreateProductRequest, context: Any
    ) -> pb.CreateProductResponse:
        p = request.product
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
        return self.mutations.run(
            "CreateProduct",
            request,
            pb.CreateProductResponse,
            lambda uow: pb.CreateProductResponse(
                product=product_message(
                    _imported(uow, request, "product", usecases.create_product(uow, spec), spec.sku)
                )
            ),
        )

    def BatchGetProducts(
        self, request: pb.BatchGetProductsRequest, context: Any
    ) -> pb.BatchGetProductsResponse:
        domain.check_batch(len(request.skus) + len(request.gtins), "keys")
        gtins = []
        for gtin in request.gtins:
            try:
                gtins.append(gs1.normalize_gtin(gtin))
            except gs1.Gs1Error:
                continue  # an invalid GTIN names no product
        with self.database.reader() as session:
            rows = store.products(session, request.skus, gtins)
            return pb.BatchGetProductsResponse(products=[product_message(r) for r in rows])

    def CreateBomRevision(
        self, request: pb.CreateBomRevisionRequest, context: Any
    ) -> pb.CreateBomRevisionResponse:
        items = [(i.sku, i.quantity) for i in request.items]

        def handler(uow: Any) -> pb.CreateBomRevisionResponse:
            row = usecases.create_bom_revision(
                uow, request.sku, request.revision, from_timestamp(request.effective_from), items
            )
            _imported(uow, request, "bom_revision", row, f"{row.sku}@{row.revision}")
            stored = store.bom_items(uow.session, [(row.sku, row.revision)])
            return pb.CreateBomRevisionResponse(
                bom_revision=bom_message(row, stored.get((row.sku, row.revision), []))
            )

        return self.mutations.run(
            "CreateBomRevision", request, pb.CreateBomRevisionResponse, handler
        )

    def ApproveBomRevision(
        self, request: pb.ApproveBomRevisionRequest, context: Any
    ) -> pb.ApproveBomRevisionResponse:
        def handler(uow: Any) -> pb.ApproveBomRevisionResponse:
            row = usecases.approve_bom_revision(uow, request.sku, request.revision, request.meaning)
            items = store.bom_items(uow.session, [(row.sku, row.revision)])
            return pb.ApproveBomRevisionResponse(
                bom_revision=bom_message(row, items.get((row.sku, row.revision), []))
            )

        return self.mutations.run(
            "ApproveBomRevision", request, pb.ApproveBomRevisionResponse, handler
        )

    def BatchGetBomRevisions(
        self, request: pb.BatchGetBomRevisionsRequest, context: Any
    ) -> pb.BatchGetBomRevisionsResponse:
        domain.check_batch(len(request.skus) + len(request.keys), "keys")
        with self.database.reader() as session:
            rows = store.bom_revisions(
                session, request.skus, [(k.sku, k.revision) for k in request.keys]
            )
            items = store.bom_items(session, [(r.sku, r.revision) for r in rows])
            return pb.BatchGetBomRevisionsResponse(
                bom_revisions=[bom_message(r, items.get((r.sku, r.revision), [])) for r in rows]
            )

    # --- parties and locations -----------------------------------------------------

    def CreateParty(self, request: pb.CreatePartyRequest, context: Any) -> pb.CreatePartyResponse:
        p = request.party
        return self.mutations.run(
            "CreateParty",
            request,
            pb.CreatePartyResponse,
            lambda uow: pb.CreatePartyResponse(
                party=party_message(
                    _imported(
                        uow,
                        request,
                        "party",
                        usecases.create_party(uow, p.code, p.name, enum_str(pb.PartyKind, p.kind)),
                        p.code,
                    )
                )
            ),
        )

    def BatchGetParties(
        self, request: pb.BatchGetPartiesRequest, context: Any
    ) -> pb.BatchGetPartiesResponse:
        domain.check_batch(len(request.codes), "codes")
        with self.database.reader() as session:
            rows = store.by_codes(session, store.PartyRow, request.codes)
            return pb.BatchGetPartiesResponse(parties=[party_message(r) for r in rows])

    def CreateLocation(
        self, request: pb.CreateLocationRequest, context: Any
    ) -> pb.CreateLocationResponse:
        loc = request.location
        return self.mutations.run(
            "CreateLocation",
            request,
            pb.CreateLocationResponse,
            lambda uow: pb.CreateLocationResponse(
                location=location_message(
                    _imported(
                        uow,
                        request,
                        "location",
                        usecases.create_location(
                            uow,
                            loc.code,
                            loc.name,
                            enum_str(pb.LocationKind, loc.kind),
                            loc.gln,
                            loc.parent_code,
                        ),
                        loc.code,
                    )
                )
            ),
        )

    def BatchGetLocations(
        self, request: pb.BatchGetLocationsRequest, context: Any
    ) -> pb.BatchGetLocationsResponse:
        domain.check_batch(len(request.codes), "codes")
        with self.database.reader() as session:
            rows = store.by_codes(session, store.LocationRow, request.codes)
            return pb.BatchGetLocationsResponse(locations=[location_message(r) for r in rows])

    # --- units -----------------------------------------------------------------------

    def AllocateSerials(
        self, request: pb.AllocateSerialsRequest, context: Any
    ) -> pb.AllocateSerialsResponse:
        return self.mutations.run(
            "AllocateSerials",
            request,
            pb.AllocateSerialsResponse,
            lambda uow: pb.AllocateSerialsResponse(
                serials=usecases.allocate_serials(uow, request.sku, request.count)
            ),
        )

    def RegisterUnits(
        self, request: pb.RegisterUnitsRequest, context: Any
    ) -> pb.RegisterUnitsResponse:
        registration = usecases.Registration(
            sku=request.sku,
            serials=list(request.serials),
            count=request.count,
            attributes_json=request.attributes_json,
            source=enum_str(pb.UnitSource, request.source),
        )
        return self.mutations.run(
            "RegisterUnits",
            request,
            pb.RegisterUnitsResponse,
            lambda uow: pb.RegisterUnitsResponse(
                units=[unit_message(u, []) for u in usecases.register_units(uow, registration)]
            ),
        )

    def BatchGetUnits(
        self, request: pb.BatchGetUnitsRequest, context: Any
    ) -> pb.BatchGetUnitsResponse:
        domain.check_batch(len(request.keys), "keys")
        with self.database.reader() as session:
            rows = store.units_by_keys(session, [(k.sku, k.serial) for k in request.keys])
            origins = store.provenance(
                session, "unit", [unit_entity(u.sku, u.serial) for u in rows]
            )
            return pb.BatchGetUnitsResponse(
                units=[
                    unit_message(u, a, origins.get(unit_entity(u.sku, u.serial)))
                    for u, a in usecases.units_with_aliases(session, rows)
                ]
            )

    def FindUnitsBySerial(
        self, request: pb.FindUnitsBySerialRequest, context: Any
    ) -> pb.FindUnitsBySerialResponse:
        with self.database.reader() as session:
            rows = store.units_by_serial(session, request.serial)
            return pb.FindUnitsBySerialResponse(
                units=[unit_message(u, a) for u, a in usecases.units_with_aliases(session, rows)]
            )

    def AddUnitAlias(
        self, request: pb.AddUnitAliasRequest, context: Any
    ) -> pb.AddUnitAliasResponse:
        def handler(uow: Any) -> pb.AddUnitAliasResponse:
            unit = usecases.add_unit_alias(
                uow, request.unit.sku, request.unit.serial, request.alias.kind, request.alias.value
            )
            uow.session.flush()
            [(row, aliases)] = usecases.units_with_aliases(uow.session, [unit])
            return pb.AddUnitAliasResponse(unit=unit_message(row, aliases))

        return self.mutations.run("AddUnitAlias", request, pb.AddUnitAliasResponse, handler)

    def ResolveAliases(
        self, request: pb.ResolveAliasesRequest, context: Any
    ) -> pb.ResolveAliasesResponse:
        domain.check_batch(len(request.aliases), "aliases")
        with self.database.reader() as session:
            found = usecases.resolve_aliases(session, [(a.kind, a.value) for a in request.aliases])
            return pb.ResolveAliasesResponse(
                resolved=[
                    pb.ResolvedAlias(
                        alias=pb.UnitAlias(kind=kind, value=value),
                        unit=core_pb2.UnitKey(sku=unit.sku, serial=unit.serial),
                    )
                    for kind, value, unit in found
                ]
            )

    # --- lots ------------------------------------------------------------------------

    def RegisterLot(self, request: pb.RegisterLotRequest, context: Any) -> pb.RegisterLotResponse:
        lot = request.lot
        return self.mutations.run(
            "RegisterLot",
            request,
            pb.RegisterLotResponse,
            lambda uow: pb.RegisterLotResponse(
                lot=lot_message(
                    usecases.register_lot(
                        uow,
                        lot.sku,
                        lot.lot_number,
                        lot.supplier_code,
                        lot.supplier_lot_number,
                        from_timestamp(lot.produced_at),
                        from_timestamp(lot.expires_at),
                    )
                )
            ),
        )

    def BatchGetLots(
        self, request: pb.BatchGetLotsRequest, context: Any
    ) -> pb.BatchGetLotsResponse:
        domain.check_batch(len(request.keys), "keys")
        with self.database.reader() as session:
            rows = store.lots_by_keys(session, [(k.sku, k.lot_number) for k in request.keys])
            origins = store.provenance(
                session, "lot", [lot_entity(r.sku, r.lot_number) for r in rows]
            )
            return pb.BatchGetLotsResponse(
                lots=[lot_message(r, origins.get(lot_entity(r.sku, r.lot_number))) for r in rows]
            )

    # --- migration imports -------------------------------------------------------------

    def CreateImportBatch(
        self, request: pb.CreateImportBatchRequest, context: Any
    ) -> pb.CreateImportBatchResponse:
        files = [(f.file, f.rows, f.applied) for f in request.files]
        return self.mutations.run(
            "CreateImportBatch",
            request,
            pb.CreateImportBatchResponse,
            lambda uow: pb.CreateImportBatchResponse(
                batch=import_batch_message(
                    usecases.create_import_batch(uow, request.name, request.content_sha256, files)
                )
            ),
        )

    def SetImportBatchState(
        self, request: pb.SetImportBatchStateRequest, context: Any
    ) -> pb.SetImportBatchStateResponse:
        applied = [(f.file, f.applied) for f in request.files]
        state = enum_str(pb.ImportBatchState, request.state)
        return self.mutations.run(
            "SetImportBatchState",
            request,
            pb.SetImportBatchStateResponse,
            lambda uow: pb.SetImportBatchStateResponse(
                batch=import_batch_message(
                    usecases.set_import_batch_state(uow, request.id, state, applied)
                )
            ),
        )

    def ListImportBatches(
        self, request: pb.ListImportBatchesRequest, context: Any
    ) -> pb.ListImportBatchesResponse:
        with self.database.reader() as session:
            rows = store.import_batches(session)
            return pb.ListImportBatchesResponse(batches=[import_batch_message(r) for r in rows])

    def BatchGetImportBatches(
        self, request: pb.BatchGetImportBatchesRequest, context: Any
    ) -> pb.BatchGetImportBatchesResponse:
        domain.check_batch(len(request.ids), "ids")
        with self.database.reader() as session:
            rows = store.import_batches(session, list(request.ids))
            return pb.BatchGetImportBatchesResponse(batches=[import_batch_message(r) for r in rows])

    def ImportUnits(self, request: pb.ImportUnitsRequest, context: Any) -> pb.ImportUnitsResponse:
        domain.check_import_items(len(request.items))

        def handle(uow: Any, fresh: list[pb.ImportedUnit]) -> list[pb.Unit | ServiceError]:
            items = [
                usecases.ImportedUnit(
                    sku=i.sku,
                    serial=i.serial,
                    attributes_json=i.attributes_json,
                    aliases=tuple((a.kind, a.value) for a in i.aliases),
                    source=enum_str(pb.UnitSource, i.source),
                    created_at=from_timestamp(i.created_at) if i.HasField("created_at") else None,
                    provenance=_provenance(i.provenance),
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
                else unit_message(
                    d,
                    aliases.get((d.sku, d.serial), []),
                    store.ProvenanceRow(
                        batch_id=i.provenance.batch_id, file=i.provenance.file, row=i.provenance.row
                    ),
                )
                for d, i in zip(done, items, strict=True)
            ]

        outcomes = self.mutations.run_each("ImportUnits", list(request.items), pb.Unit, handle)
        return pb.ImportUnitsResponse(
            outcomes=[
                pb.ImportUnitOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.ImportUnitOutcome(unit=o)
                for o in outcomes
            ]
        )

    def ImportLots(self, request: pb.ImportLotsRequest, context: Any) -> pb.ImportLotsResponse:
        domain.check_import_items(len(request.items))

        def handle(uow: Any, fresh: list[pb.ImportedLot]) -> list[pb.Lot | ServiceError]:
            answers: list[pb.Lot | ServiceError] = []
            for item in fresh:
                lot, where = item.lot, _provenance(item.provenance)
                done = uow.attempt(
                    lambda lot=lot, where=where: usecases.register_lot(
                        uow,
                        lot.sku,
                        lot.lot_number,
                        lot.supplier_code,
                        lot.supplier_lot_number,
                        from_timestamp(lot.produced_at) if lot.HasField("produced_at") else None,
                        from_timestamp(lot.expires_at) if lot.HasField("expires_at") else None,
                        where,
                    )
                )
                answers.append(
                    done
                    if isinstance(done, ServiceError)
                    else lot_message(
                        done,
                        store.ProvenanceRow(
                            batch_id=where.batch_id, file=where.file, row=where.row
                        ),
                    )
                )
            return answers

        outcomes = self.mutations.run_each("ImportLots", list(request.items), pb.Lot, handle)
        return pb.ImportLotsResponse(
            outcomes=[
                pb.ImportLotOutcome(error=item_error(o))
                if isinstance(o, ServiceError)
                else pb.ImportLotOutcome(lot=o)
                for o in outcomes
            ]
        )

    def CountImportedFacts(
        self, request: pb.CountImportedFactsRequest, context: Any
    ) -> pb.CountImportedFactsResponse:
        with self.database.reader() as session:
            counts = usecases.count_imported_facts(session, request.import_batch_id)
            return pb.CountImportedFactsResponse(
                counts=[pb.ImportedFactCount(file=f, entity_type=t, count=n) for f, t, n in counts]
            )

    def ListImportedFacts(
        self, request: pb.ListImportedFactsRequest, context: Any
    ) -> pb.ListImportedFactsResponse:
        size = page_size(request.page_size, domain.MAX_BATCH, 1_000)
        with self.database.reader() as session:
            ids = store.provenance_ids(
                session, request.import_batch_id, request.entity_type, request.page_token, size + 1
            )
        more = len(ids) > size
        return pb.ListImportedFactsResponse(
            entity_ids=ids[:size], next_page_token=ids[size - 1] if more else ""
        )

    def RollBackImport(
        self, request: pb.RollBackImportRequest, context: Any
    ) -> pb.RollBackImportResponse:
        def handler(uow: Any) -> pb.RollBackImportResponse:
            dependents, taken = usecases.roll_back_import(
                uow, request.import_batch_id, request.dry_run
            )
            if dependents and not request.dry_run:
                shown = "; ".join(dependents[:20])
                raise FailedPrecondition(
                    f"{len(dependents)} fact(s) recorded since depend on import batch "
                    f"{request.import_batch_id}: {shown}"
                )
            return pb.RollBackImportResponse(
                dependents=dependents,
                taken_back=[pb.ImportedFactCount(entity_type=t, count=n) for t, n in taken],
            )

        return self.mutations.run("RollBackImport", request, pb.RollBackImportResponse, handler)


T = TypeVar("T")


def _imported(uow: Any, request: Any, entity_type: str, created: T, entity_id: str) -> T:
    """`created`, marked with the request's provenance when an import sent it."""
    if request.HasField("provenance"):
        usecases.mark_imported(uow, entity_type, entity_id, _provenance(request.provenance))
    return created


def _provenance(message: pb.Provenance) -> usecases.Provenance:
    if not message.import_batch_id or not message.file or message.row < 1:
        raise InvalidArgument("an imported item needs its provenance: batch id, file and row")
    return usecases.Provenance(message.import_batch_id, message.file[:200], message.row)


def grpc_services(database: Database) -> list[GrpcService]:
    servicer = MasterdataServicer(database)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["MasterdataService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_MasterdataServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
