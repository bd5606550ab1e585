"""The warehouse gRPC servicer: one table of RPCs, each mapped proto ⇄ use case.

Who may call each RPC is declared in warehouse.proto; `serialtrace.common.rpc` serves
the table (idempotency, audit and transaction for writes, a read session and the batch
bound for reads).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import keys, ledger_api, provenance, rpc
from serialtrace.common.db import Database
from serialtrace.common.errors import InvalidArgument, ServiceError, item_error
from serialtrace.common.protomap import copied, enum_str, enum_value, present
from serialtrace.common.provenance import Provenance
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import check_batch, key_after, key_page_token, page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.warehouse import imports, store, usecases
from serialtrace.warehouse.config import SERVICE_NAME, WarehouseOptions
from serialtrace.warehouse.v1 import warehouse_pb2 as pb
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as pb_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["WarehouseService"]


@dataclass(eq=False)
class WarehouseServicer(rpc.Servicer, pb_grpc.WarehouseServiceServicer):
    peers: usecases.Peers
    options: WarehouseOptions


S = WarehouseServicer

# --- proto messages of the warehouse's rows ---------------------------------------------


def movement_message(row: dict[str, Any] | store.MovementRow | None, seq: int = 0) -> pb.Movement:
    # Movements come back as rows when read and as the dicts just inserted when written;
    # an issue line skipped because its unit was not in stock has none (an empty message).
    if row is None:
        return pb.Movement()
    get: Callable[[str], Any] = (
        row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    )
    message = pb.Movement(
        id=str(seq or get("seq") or ""),
        kind=enum_value(pb.MovementKind, get("kind")),
        at=to_timestamp(get("at")),
        by=get("by"),
        from_location_code=get("from_location") or "",
        to_location_code=get("to_location") or "",
        reference=get("reference") or "",
        package_sscc=get("package_sscc") or "",
        work_order_id=get("work_order_id") or "",
    )
    if get("unit_sku"):
        message.unit.CopyFrom(keys.unit_message((get("unit_sku"), get("unit_serial"))))
    if get("lot_sku"):
        message.lot.CopyFrom(
            core_pb2.LotQuantity(
                lot=keys.lot_message((get("lot_sku"), get("lot_number"))),
                quantity=get("quantity") or 0,
            )
        )
    return message


def movement_messages(rows: Any) -> list[pb.Movement]:
    return [movement_message(m) for m in rows]


def unit_stock_message(row: store.UnitStockRow) -> pb.UnitStock:
    return pb.UnitStock(
        unit=keys.unit_message((row.sku, row.serial)),
        custody=enum_value(pb.CustodyStatus, row.custody),
        location_code=row.location_code or "",
        package_sscc=row.package_sscc or "",
        shipment_id=row.shipment_id or "",
    )


def lot_stock_message(lot: usecases.LotStock) -> pb.LotStock:
    return pb.LotStock(
        lot=keys.lot_message(lot.key),
        quantity_on_hand=sum(r.quantity for r in lot.levels),
        levels=[
            pb.StockLevel(location_code=r.location_code, quantity=r.quantity) for r in lot.levels
        ],
        received_at=to_timestamp(lot.received_at),
    )


def package_message(package: usecases.PackageContents) -> pb.Package:
    row = package.row
    return pb.Package(
        sscc=row.sscc,
        kind=enum_value(pb.PackageKind, row.kind),
        parent_sscc=row.parent_sscc or "",
        location_code=row.location_code or "",
        shipment_id=row.shipment_id or "",
        units=[keys.unit_message((u.sku, u.serial)) for u in package.units],
        package_ssccs=[k.sscc for k in package.packages],
        created_at=to_timestamp(row.created_at),
    )


def shipment_message(row: store.ShipmentRow) -> pb.Shipment:
    return pb.Shipment(
        id=row.id,
        customer_code=row.customer_code,
        shipped_at=to_timestamp(row.shipped_at),
        carrier=row.carrier or "",
        tracking_number=row.tracking_number or "",
        unit_count=row.unit_count,
        shipped_by=row.shipped_by,
    )


def _lot_quantity(message: core_pb2.LotQuantity) -> tuple[keys.LotKey, float]:
    return keys.lot_key(message.lot), message.quantity


# --- writes -------------------------------------------------------------------------------


def receive_lot(s: S, uow: UnitOfWork, r: pb.ReceiveLotRequest) -> pb.ReceiveLotResponse:
    key = usecases.receive_lot(
        uow,
        s.peers,
        keys.lot_key(r.lot),
        r.quantity,
        r.supplier_code,
        r.supplier_lot_number,
        from_timestamp(r.expires_at),
        r.location_code,
        r.idempotency_key,
    )
    uow.session.flush()
    return pb.ReceiveLotResponse(stock=lot_stock_message(usecases.lot_stock(uow.session, [key])[0]))


def receive_units(s: S, uow: UnitOfWork, r: pb.ReceiveUnitsRequest) -> pb.ReceiveUnitsResponse:
    received = usecases.receive_units(
        uow,
        s.peers,
        r.sku,
        list(r.serials),
        r.supplier_code,
        r.location_code,
        r.lot_number,
        r.idempotency_key,
    )
    return pb.ReceiveUnitsResponse(
        units=[
            pb.UnitStock(
                unit=keys.unit_message(k),
                custody=pb.CUSTODY_STATUS_IN_STOCK,
                location_code=r.location_code,
            )
            for k in received
        ]
    )


def receive_from_production(
    s: S, uow: UnitOfWork, r: pb.ReceiveFromProductionRequest
) -> pb.ReceiveFromProductionResponse:
    receipts = [
        usecases.ProductionReceipt(keys.unit_key(x.unit), x.location_code, x.work_order_id)
        for x in r.receipts
    ]
    return pb.ReceiveFromProductionResponse(
        movements=movement_messages(usecases.receive_from_production(uow, s.peers, receipts))
    )


def move_stock(s: S, uow: UnitOfWork, r: pb.MoveStockRequest) -> pb.MoveStockResponse:
    moved = usecases.move_stock(
        uow,
        s.peers,
        keys.unit_keys(r.units),
        [_lot_quantity(q) for q in r.lots],
        list(r.package_ssccs),
        r.from_location_code,
        r.to_location_code,
    )
    return pb.MoveStockResponse(movements=movement_messages(moved))


def _issue_line(line: Any) -> usecases.IssueLine:
    return usecases.IssueLine(
        keys.unit_key(line.unit) if present(line, "unit") else None,
        keys.lot_key(line.lot.lot) if present(line, "lot") else None,
        line.lot.quantity,
        line.reference,
        getattr(line, "only_if_in_stock", False),
    )


def issue_to_production(
    s: S, uow: UnitOfWork, r: pb.IssueToProductionRequest
) -> pb.IssueToProductionResponse:
    line = _issue_line(r)
    issued = usecases.issue_to_production(uow, line.unit, line.lot, line.quantity, line.reference)
    return pb.IssueToProductionResponse(movement=movement_message(issued))


def issue_many_to_production(
    s: S, uow: UnitOfWork, r: pb.IssueManyToProductionRequest
) -> pb.IssueManyToProductionResponse:
    issued = usecases.issue_many_to_production(uow, [_issue_line(x) for x in r.lines])
    return pb.IssueManyToProductionResponse(movements=movement_messages(issued))


def pack(s: S, uow: UnitOfWork, r: pb.PackRequest) -> pb.PackResponse:
    package = usecases.pack(
        uow,
        s.options,
        r.sscc,
        enum_str(pb.PackageKind, r.kind),
        keys.unit_keys(r.units),
        list(r.package_ssccs),
    )
    uow.session.flush()
    return pb.PackResponse(
        package=package_message(usecases.package_contents(uow.session, [package])[0])
    )


def unpack(s: S, uow: UnitOfWork, r: pb.UnpackRequest) -> pb.UnpackResponse:
    package = usecases.unpack(uow, r.sscc)
    uow.session.flush()
    return pb.UnpackResponse(
        package=package_message(usecases.package_contents(uow.session, [package])[0])
    )


def create_shipment(
    s: S, uow: UnitOfWork, r: pb.CreateShipmentRequest
) -> pb.CreateShipmentResponse:
    shipment = usecases.create_shipment(
        uow,
        s.peers,
        r.customer_code,
        keys.unit_keys(r.units),
        list(r.package_ssccs),
        r.carrier,
        r.tracking_number,
    )
    return pb.CreateShipmentResponse(shipment=shipment_message(shipment))


def return_unit(s: S, uow: UnitOfWork, r: pb.ReturnUnitRequest) -> pb.ReturnUnitResponse:
    row = usecases.return_unit(
        uow, s.peers, keys.unit_key(r.unit), r.rma_number, r.reason, r.location_code
    )
    return pb.ReturnUnitResponse(unit=unit_stock_message(row))


# --- reads --------------------------------------------------------------------------------


def batch_get_whereabouts(
    s: S, session: Session, r: pb.BatchGetWhereaboutsRequest
) -> pb.BatchGetWhereaboutsResponse:
    if present(r, "unit_columns"):
        if r.units:
            raise InvalidArgument("give units or unit_columns, not both")
        return pb.BatchGetWhereaboutsResponse(
            columns=whereabouts_columns(
                usecases.whereabouts(
                    session, keys.unit_keys_of_columns(r.unit_columns, "unit_columns")
                )
            )
        )
    return pb.BatchGetWhereaboutsResponse(
        units=[
            pb.Whereabouts(
                unit=keys.unit_message((sku, serial)),
                custody=enum_value(pb.CustodyStatus, custody),
                location_code=location or "",
                shipment_id=shipment or "",
                customer_code=customer or "",
            )
            for sku, serial, custody, location, shipment, customer in usecases.whereabouts(
                session, keys.unit_keys(r.units)
            )
        ]
    )


# "IN_STOCK" → CUSTODY_STATUS_IN_STOCK (enum_value's answer, looked up once per name).
_CUSTODY_VALUES: dict[str, Any] = {
    name.removeprefix("CUSTODY_STATUS_"): value for name, value in pb.CustodyStatus.items()
}


def whereabouts_columns(
    rows: Sequence[tuple[str, str, str, str | None, str | None, str | None]],
) -> pb.WhereaboutsColumns:
    """(sku, serial, custody, location, shipment, customer) rows as parallel lists: each
    list set in one call, where a message per unit cost a recall's 30,000 of them."""
    skus, serials, custodies, locations, shipments, customers = [
        list(column) for column in zip(*rows, strict=True)
    ] or [[] for _ in range(6)]
    return pb.WhereaboutsColumns(
        units=core_pb2.UnitKeyColumns(skus=skus, serials=serials),
        custodies=[_CUSTODY_VALUES[c] for c in custodies],
        location_codes=[v or "" for v in locations],
        shipment_ids=[v or "" for v in shipments],
        customer_codes=[v or "" for v in customers],
    )


def batch_get_movements(
    s: S, session: Session, r: pb.BatchGetMovementsRequest
) -> pb.BatchGetMovementsResponse:
    rows = usecases.movements(session, keys.unit_keys(r.units))
    return pb.BatchGetMovementsResponse(movements=movement_messages(rows))


def get_trace_facts(s: S, session: Session, r: pb.GetTraceFactsRequest) -> pb.GetTraceFactsResponse:
    units = keys.unit_keys(r.units)
    reply = pb.GetTraceFactsResponse()
    if r.unit_stock or r.packages or r.shipments:
        reply.unit_stock.extend(unit_stock_message(x) for x in usecases.unit_stock(session, units))
    if r.movements:
        reply.movements.extend(movement_messages(usecases.movements(session, units)))
    if r.lot_stock:
        reply.lot_stock.extend(
            lot_stock_message(x) for x in usecases.lot_stock(session, keys.lot_keys(r.lots))
        )
    ssccs = {*r.package_ssccs}
    if r.packages:
        ssccs |= {x.package_sscc for x in reply.unit_stock if x.package_sscc}
    reply.packages.extend(
        package_message(p) for p in usecases.package_chains(session, sorted(ssccs))
    )
    shipments = {*r.shipment_ids}
    if r.shipments:
        shipments |= {x.shipment_id for x in reply.unit_stock if x.shipment_id}
        shipments |= {x.shipment_id for x in reply.packages if x.shipment_id}
    if shipments:
        rows = usecases.shipments(session, sorted(shipments))
        reply.shipments.extend(shipment_message(x) for x in rows)
    if r.audit_entries:
        reply.audit_entries.extend(ledger_api.unit_entries(SERVICE_NAME, session, units))
    return reply


def location_stock_summary_message(x: usecases.LocationStockSummary) -> pb.LocationStockSummary:
    return pb.LocationStockSummary(
        **copied(x, "location_code", "units_in_stock", "lots_on_hand", "lot_quantity_on_hand")
    )


def list_shipment_units(
    s: S, session: Session, r: pb.ListShipmentUnitsRequest
) -> pb.ListShipmentUnitsResponse:
    size, after = page_size(r.page_size), key_after(r.page_token)
    page = usecases.shipment_units(session, r.shipment_id, size, after)
    return pb.ListShipmentUnitsResponse(
        units=[keys.unit_message(k) for k in page.items],
        total_count=page.total,
        next_page_token=key_page_token(page.items[-1]) if page.more else "",
    )


def list_units_at_location(
    s: S, session: Session, r: pb.ListUnitsAtLocationRequest
) -> pb.ListUnitsAtLocationResponse:
    size, after = page_size(r.page_size), key_after(r.page_token)
    page = usecases.units_at_location(session, s.peers, r.location_code, size, after)
    last = page.items[-1] if page.items else None
    return pb.ListUnitsAtLocationResponse(
        units=[unit_stock_message(x) for x in page.items],
        total_count=page.total,
        next_page_token=key_page_token((last.sku, last.serial)) if page.more and last else "",
    )


# --- migration imports (admin only): each item with its own key and outcome ---------------


def _time(message: Any, field: str) -> datetime | None:
    return from_timestamp(getattr(message, field)) if message.HasField(field) else None


def _stock_outcomes(outcome: Any, outcomes: Sequence[pb.UnitStock | ServiceError]) -> list[Any]:
    return [
        outcome(error=item_error(o)) if isinstance(o, ServiceError) else outcome(unit=o)
        for o in outcomes
    ]


def import_stock(s: S, r: pb.ImportStockRequest) -> pb.ImportStockResponse:
    check_batch(len(r.items), "imported stock items", imports.MAX_IMPORT_ITEMS)

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedStock]) -> list[Any]:
        done = imports.import_stock(
            uow,
            s.peers.masterdata,
            [
                imports.ImportedStock(
                    keys.unit_key(i.unit),
                    i.location_code,
                    _time(i, "received_at"),
                    Provenance.of(i.provenance),
                )
                for i in fresh
            ],
        )
        return [d if isinstance(d, ServiceError) else unit_stock_message(d) for d in done]

    outcomes = s.mutations.run_each("ImportStock", r.items, pb.UnitStock, handle)
    return pb.ImportStockResponse(outcomes=_stock_outcomes(pb.ImportStockOutcome, outcomes))


def import_lot_stock(s: S, r: pb.ImportLotStockRequest) -> pb.ImportLotStockResponse:
    check_batch(len(r.items), "imported lot stock items", imports.MAX_IMPORT_ITEMS)

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedLotStock]) -> list[Any]:
        done = imports.import_lot_stock(
            uow,
            s.peers.masterdata,
            [
                imports.ImportedLotStock(
                    keys.lot_key(i.lot.lot),
                    i.lot.quantity,
                    i.location_code,
                    _time(i, "received_at"),
                    Provenance.of(i.provenance),
                )
                for i in fresh
            ],
        )
        uow.session.flush()
        stock = {
            x.key: x
            for x in usecases.lot_stock(
                uow.session, [d for d in done if isinstance(d, keys.LotKey)]
            )
        }
        return [d if isinstance(d, ServiceError) else lot_stock_message(stock[d]) for d in done]

    outcomes = s.mutations.run_each("ImportLotStock", r.items, pb.LotStock, handle)
    return pb.ImportLotStockResponse(
        outcomes=[
            pb.ImportLotStockOutcome(error=item_error(o))
            if isinstance(o, ServiceError)
            else pb.ImportLotStockOutcome(lot=o)
            for o in outcomes
        ]
    )


def _imported_shipment(i: pb.ImportedShipment) -> imports.ImportedShipment:
    shipped_at = _time(i, "shipped_at")
    if shipped_at is None:
        raise InvalidArgument("an imported shipment needs its shipped_at")
    return imports.ImportedShipment(
        keys.unit_key(i.unit),
        i.customer_code,
        shipped_at,
        i.carrier.strip(),
        i.tracking_number.strip(),
        i.sscc.strip(),
        Provenance.of(i.provenance),
    )


def import_shipments(s: S, r: pb.ImportShipmentsRequest) -> pb.ImportShipmentsResponse:
    check_batch(len(r.items), "imported shipment rows", imports.MAX_IMPORT_ITEMS)

    def handle(uow: UnitOfWork, fresh: list[pb.ImportedShipment]) -> list[Any]:
        done = imports.import_shipments(
            uow, s.peers.masterdata, s.peers.quality, [_imported_shipment(i) for i in fresh]
        )
        return [d if isinstance(d, ServiceError) else unit_stock_message(d) for d in done]

    outcomes = s.mutations.run_each("ImportShipments", r.items, pb.UnitStock, handle)
    return pb.ImportShipmentsResponse(outcomes=_stock_outcomes(pb.ImportShipmentOutcome, outcomes))


def verify_imported_stock(
    s: S, session: Session, r: pb.VerifyImportedStockRequest
) -> pb.VerifyImportedStockResponse:
    facts, problems = imports.verify_stock(session, r.import_batch_id)
    return pb.VerifyImportedStockResponse(facts=facts, problems=problems)


RPCS: dict[str, rpc.Rpc] = {
    "ReceiveLot": rpc.write(receive_lot),
    "ReceiveUnits": rpc.write(receive_units),
    "ReceiveFromProduction": rpc.write(receive_from_production),
    "MoveStock": rpc.write(move_stock),
    "IssueToProduction": rpc.write(issue_to_production),
    "IssueManyToProduction": rpc.write(issue_many_to_production),
    "Pack": rpc.write(pack),
    "Unpack": rpc.write(unpack),
    "CreateShipment": rpc.write(create_shipment),
    "ReturnUnit": rpc.write(return_unit),
    "BatchGetUnitStock": rpc.lookup(usecases.unit_stock, "units", unit_stock_message),
    "BatchGetWhereabouts": rpc.read(batch_get_whereabouts, batch="units"),
    "BatchGetMovements": rpc.read(batch_get_movements, batch="units"),
    "BatchGetLotStock": rpc.lookup(usecases.lot_stock, "lots", lot_stock_message),
    "BatchGetPackages": rpc.lookup(usecases.packages, "ssccs", package_message, what="packages"),
    "BatchGetShipments": rpc.lookup(usecases.shipments, "ids", shipment_message, what="shipments"),
    "GetTraceFacts": rpc.read(
        get_trace_facts, batch=("units", "lots", "package_ssccs", "shipment_ids"), what="keys"
    ),
    "BatchGetLocationStockSummaries": rpc.lookup(
        usecases.location_stock_summaries,
        "location_codes",
        location_stock_summary_message,
        what="locations",
    ),
    "ListShipmentUnits": rpc.read(list_shipment_units),
    "ListUnitsAtLocation": rpc.read(list_units_at_location),
    "ImportStock": rpc.custom(import_stock),
    "ImportShipments": rpc.custom(import_shipments),
    "ImportLotStock": rpc.custom(import_lot_stock),
    **provenance.import_rpcs(imports.count_imported_facts, imports.roll_back_import, pb),
    "VerifyImportedStock": rpc.read(verify_imported_stock),
}
# Who may call each RPC, as its .proto declares it (the auth interceptor checks it).
METHOD_ROLES = rpc.implement(WarehouseServicer, SERVICE, RPCS)


def grpc_services(
    database: Database, peers: usecases.Peers, options: WarehouseOptions
) -> list[GrpcService]:
    servicer = WarehouseServicer(database, peers, options)
    return [rpc.grpc_service(SERVICE, pb_grpc, servicer)]
