"""The warehouse gRPC servicer: proto ⇄ use-case mapping and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common.auth import ANY_ROLE, Role, roles
from serialtrace.common.db import Database
from serialtrace.common.errors import NotFound
from serialtrace.common.protomap import enum_str, enum_value, present
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.common.uow import Mutations, UnitOfWork
from serialtrace.common.validation import key_after, key_page_token, page_size
from serialtrace.core.v1 import core_pb2
from serialtrace.warehouse import domain, store, usecases
from serialtrace.warehouse.config import WarehouseOptions
from serialtrace.warehouse.store import Key
from serialtrace.warehouse.v1 import warehouse_pb2 as pb
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as pb_grpc

OPERATORS = roles(Role.OPERATOR)
METHOD_ROLES: dict[str, frozenset[Role]] = {
    **{
        m: OPERATORS
        for m in (
            "ReceiveLot",
            "ReceiveUnits",
            "ReceiveFromProduction",
            "MoveStock",
            "IssueToProduction",
            "IssueManyToProduction",
            "Pack",
            "Unpack",
            "CreateShipment",
            "ReturnUnit",
        )
    },
    **{
        m: ANY_ROLE
        for m in (
            "BatchGetUnitStock",
            "BatchGetMovements",
            "BatchGetLotStock",
            "BatchGetPackages",
            "BatchGetShipments",
            "ListShipmentUnits",
            "ListUnitsAtLocation",
        )
    },
}
MAX_PAGE = 10_000


def _units(keys: Any) -> list[Key]:
    return [(k.sku, k.serial) for k in keys]


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
        message.unit.CopyFrom(core_pb2.UnitKey(sku=get("unit_sku"), serial=get("unit_serial")))
    if get("lot_sku"):
        message.lot.CopyFrom(
            core_pb2.LotQuantity(
                lot=core_pb2.LotKey(sku=get("lot_sku"), lot_number=get("lot_number")),
                quantity=get("quantity") or 0,
            )
        )
    return message


def unit_stock_message(row: store.UnitStockRow) -> pb.UnitStock:
    return pb.UnitStock(
        unit=core_pb2.UnitKey(sku=row.sku, serial=row.serial),
        custody=enum_value(pb.CustodyStatus, row.custody),
        location_code=row.location_code or "",
        package_sscc=row.package_sscc or "",
        shipment_id=row.shipment_id or "",
    )


def lot_stock_messages(session: Session, lots: list[Key]) -> list[pb.LotStock]:
    levels = store.lot_stock(session, lots)
    received = store.lots(session, lots)
    result = []
    for key in lots:
        lot = received.get(key)
        if lot is None:
            continue
        rows = [r for r in levels.get(key, []) if r.quantity > 0]
        result.append(
            pb.LotStock(
                lot=core_pb2.LotKey(sku=key[0], lot_number=key[1]),
                quantity_on_hand=sum(r.quantity for r in rows),
                levels=[
                    pb.StockLevel(location_code=r.location_code, quantity=r.quantity) for r in rows
                ],
                received_at=to_timestamp(lot.received_at),
            )
        )
    return result


def package_message(session: Session, row: store.PackageRow) -> pb.Package:
    kids, contents = store.children(session, [row.sscc])
    return pb.Package(
        sscc=row.sscc,
        kind=enum_value(pb.PackageKind, row.kind),
        parent_sscc=row.parent_sscc or "",
        location_code=row.location_code or "",
        shipment_id=row.shipment_id or "",
        units=[core_pb2.UnitKey(sku=u.sku, serial=u.serial) for u in contents],
        package_ssccs=[k.sscc for k in kids],
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


class WarehouseServicer(pb_grpc.WarehouseServiceServicer):
    def __init__(
        self, database: Database, peers: usecases.Peers, options: WarehouseOptions
    ) -> None:
        self.database, self.peers, self.options = database, peers, options
        self.mutations = Mutations(database)

    def ReceiveLot(self, request: pb.ReceiveLotRequest, context: Any) -> pb.ReceiveLotResponse:
        def handler(uow: UnitOfWork) -> pb.ReceiveLotResponse:
            key = usecases.receive_lot(
                uow,
                self.peers,
                (request.lot.sku, request.lot.lot_number),
                request.quantity,
                request.supplier_code,
                request.supplier_lot_number,
                from_timestamp(request.expires_at),
                request.location_code,
                request.idempotency_key,
            )
            uow.session.flush()
            return pb.ReceiveLotResponse(stock=lot_stock_messages(uow.session, [key])[0])

        return self.mutations.run("ReceiveLot", request, pb.ReceiveLotResponse, handler)

    def ReceiveUnits(
        self, request: pb.ReceiveUnitsRequest, context: Any
    ) -> pb.ReceiveUnitsResponse:
        def handler(uow: UnitOfWork) -> pb.ReceiveUnitsResponse:
            keys = usecases.receive_units(
                uow,
                self.peers,
                request.sku,
                list(request.serials),
                request.supplier_code,
                request.location_code,
                request.lot_number,
                request.idempotency_key,
            )
            return pb.ReceiveUnitsResponse(
                units=[
                    pb.UnitStock(
                        unit=core_pb2.UnitKey(sku=s, serial=n),
                        custody=pb.CUSTODY_STATUS_IN_STOCK,
                        location_code=request.location_code,
                    )
                    for s, n in keys
                ]
            )

        return self.mutations.run("ReceiveUnits", request, pb.ReceiveUnitsResponse, handler)

    def ReceiveFromProduction(
        self, request: pb.ReceiveFromProductionRequest, context: Any
    ) -> pb.ReceiveFromProductionResponse:
        receipts = [
            usecases.ProductionReceipt(
                (r.unit.sku, r.unit.serial), r.location_code, r.work_order_id
            )
            for r in request.receipts
        ]
        return self.mutations.run(
            "ReceiveFromProduction",
            request,
            pb.ReceiveFromProductionResponse,
            lambda uow: pb.ReceiveFromProductionResponse(
                movements=[
                    movement_message(m)
                    for m in usecases.receive_from_production(uow, self.peers, receipts)
                ]
            ),
        )

    def MoveStock(self, request: pb.MoveStockRequest, context: Any) -> pb.MoveStockResponse:
        lots = [((q.lot.sku, q.lot.lot_number), q.quantity) for q in request.lots]
        return self.mutations.run(
            "MoveStock",
            request,
            pb.MoveStockResponse,
            lambda uow: pb.MoveStockResponse(
                movements=[
                    movement_message(m)
                    for m in usecases.move_stock(
                        uow,
                        self.peers,
                        _units(request.units),
                        lots,
                        list(request.package_ssccs),
                        request.from_location_code,
                        request.to_location_code,
                    )
                ]
            ),
        )

    def IssueToProduction(
        self, request: pb.IssueToProductionRequest, context: Any
    ) -> pb.IssueToProductionResponse:
        unit = (request.unit.sku, request.unit.serial) if present(request, "unit") else None
        lot = (request.lot.lot.sku, request.lot.lot.lot_number) if present(request, "lot") else None
        return self.mutations.run(
            "IssueToProduction",
            request,
            pb.IssueToProductionResponse,
            lambda uow: pb.IssueToProductionResponse(
                movement=movement_message(
                    usecases.issue_to_production(
                        uow, unit, lot, request.lot.quantity, request.reference
                    )
                )
            ),
        )

    def IssueManyToProduction(
        self, request: pb.IssueManyToProductionRequest, context: Any
    ) -> pb.IssueManyToProductionResponse:
        lines = [
            usecases.IssueLine(
                (line.unit.sku, line.unit.serial) if present(line, "unit") else None,
                (line.lot.lot.sku, line.lot.lot.lot_number) if present(line, "lot") else None,
                line.lot.quantity,
                line.reference,
                line.only_if_in_stock,
            )
            for line in request.lines
        ]
        return self.mutations.run(
            "IssueManyToProduction",
            request,
            pb.IssueManyToProductionResponse,
            lambda uow: pb.IssueManyToProductionResponse(
                movements=[
                    movement_message(m) for m in usecases.issue_many_to_production(uow, lines)
                ]
            ),
        )

    def Pack(self, request: pb.PackRequest, context: Any) -> pb.PackResponse:
        def handler(uow: UnitOfWork) -> pb.PackResponse:
            package = usecases.pack(
                uow,
                self.options,
                request.sscc,
                enum_str(pb.PackageKind, request.kind),
                _units(request.units),
                list(request.package_ssccs),
            )
            uow.session.flush()
            return pb.PackResponse(package=package_message(uow.session, package))

        return self.mutations.run("Pack", request, pb.PackResponse, handler)

    def Unpack(self, request: pb.UnpackRequest, context: Any) -> pb.UnpackResponse:
        def handler(uow: UnitOfWork) -> pb.UnpackResponse:
            package = usecases.unpack(uow, request.sscc)
            uow.session.flush()
            return pb.UnpackResponse(package=package_message(uow.session, package))

        return self.mutations.run("Unpack", request, pb.UnpackResponse, handler)

    def CreateShipment(
        self, request: pb.CreateShipmentRequest, context: Any
    ) -> pb.CreateShipmentResponse:
        return self.mutations.run(
            "CreateShipment",
            request,
            pb.CreateShipmentResponse,
            lambda uow: pb.CreateShipmentResponse(
                shipment=shipment_message(
                    usecases.create_shipment(
                        uow,
                        self.peers,
                        request.customer_code,
                        _units(request.units),
                        list(request.package_ssccs),
                        request.carrier,
                        request.tracking_number,
                    )
                )
            ),
        )

    def ReturnUnit(self, request: pb.ReturnUnitRequest, context: Any) -> pb.ReturnUnitResponse:
        return self.mutations.run(
            "ReturnUnit",
            request,
            pb.ReturnUnitResponse,
            lambda uow: pb.ReturnUnitResponse(
                unit=unit_stock_message(
                    usecases.return_unit(
                        uow,
                        self.peers,
                        (request.unit.sku, request.unit.serial),
                        request.rma_number,
                        request.reason,
                        request.location_code,
                    )
                )
            ),
        )

    # --- reads -------------------------------------------------------------------------

    def BatchGetUnitStock(
        self, request: pb.BatchGetUnitStockRequest, context: Any
    ) -> pb.BatchGetUnitStockResponse:
        domain.check_batch(len(request.units), "units")
        with self.database.reader() as session:
            rows = store.units(session, _units(request.units))
            return pb.BatchGetUnitStockResponse(
                units=[unit_stock_message(rows[k]) for k in sorted(rows)]
            )

    def BatchGetMovements(
        self, request: pb.BatchGetMovementsRequest, context: Any
    ) -> pb.BatchGetMovementsResponse:
        domain.check_batch(len(request.units), "units")
        with self.database.reader() as session:
            return pb.BatchGetMovementsResponse(
                movements=[
                    movement_message(m) for m in store.movements_of(session, _units(request.units))
                ]
            )

    def BatchGetLotStock(
        self, request: pb.BatchGetLotStockRequest, context: Any
    ) -> pb.BatchGetLotStockResponse:
        domain.check_batch(len(request.lots), "lots")
        with self.database.reader() as session:
            return pb.BatchGetLotStockResponse(
                lots=lot_stock_messages(session, [(k.sku, k.lot_number) for k in request.lots])
            )

    def BatchGetPackages(
        self, request: pb.BatchGetPackagesRequest, context: Any
    ) -> pb.BatchGetPackagesResponse:
        domain.check_batch(len(request.ssccs), "packages")
        with self.database.reader() as session:
            found = store.packages(session, request.ssccs)
            return pb.BatchGetPackagesResponse(
                packages=[package_message(session, p) for p in found.values()]
            )

    def BatchGetShipments(
        self, request: pb.BatchGetShipmentsRequest, context: Any
    ) -> pb.BatchGetShipmentsResponse:
        domain.check_batch(len(request.ids), "shipments")
        with self.database.reader() as session:
            return pb.BatchGetShipmentsResponse(
                shipments=[shipment_message(s) for s in store.shipments(session, request.ids)]
            )

    def ListShipmentUnits(
        self, request: pb.ListShipmentUnitsRequest, context: Any
    ) -> pb.ListShipmentUnitsResponse:
        size, after = page_size(request.page_size, MAX_PAGE), key_after(request.page_token)
        with self.database.reader() as session:
            keys, total = store.shipment_units(session, request.shipment_id, size, after)
            more = len(keys) == size and bool(
                store.shipment_units(session, request.shipment_id, 1, keys[-1])[0]
            )
            return pb.ListShipmentUnitsResponse(
                units=[core_pb2.UnitKey(sku=s, serial=n) for s, n in keys],
                total_count=total,
                next_page_token=key_page_token(keys[-1]) if more else "",
            )

    def ListUnitsAtLocation(
        self, request: pb.ListUnitsAtLocationRequest, context: Any
    ) -> pb.ListUnitsAtLocationResponse:
        size, after = page_size(request.page_size, MAX_PAGE), key_after(request.page_token)
        if self.peers.masterdata.missing_locations([request.location_code]):
            raise NotFound(f"unknown location {request.location_code!r}")
        with self.database.reader() as session:
            rows, total = store.units_at(session, request.location_code, size, after)
            more = len(rows) == size and bool(
                store.units_at(session, request.location_code, 1, (rows[-1].sku, rows[-1].serial))[
                    0
                ]
            )
            return pb.ListUnitsAtLocationResponse(
                units=[unit_stock_message(r) for r in rows],
                total_count=total,
                next_page_token=key_page_token((rows[-1].sku, rows[-1].serial)) if more else "",
            )


def grpc_services(
    database: Database, peers: usecases.Peers, options: WarehouseOptions
) -> list[GrpcService]:
    servicer = WarehouseServicer(database, peers, options)
    return [
        GrpcService(
            descriptor=pb.DESCRIPTOR.services_by_name["WarehouseService"],
            method_roles=METHOD_ROLES,
            add_to_server=lambda server: pb_grpc.add_WarehouseServiceServicer_to_server(
                servicer, server
            ),
        )
    ]
