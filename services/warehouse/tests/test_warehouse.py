"""Receipts, stock, packing, shipping and returns with the four real services."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from serialtrace.common import gs1
from serialtrace.common.testing import (
    Caller,
    rpc_error,
    start_service,
    statements_run,
    token,
    unique,
)
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.warehouse.main import service as warehouse_service
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

Suite = Any  # the `suite` fixture (conftest.Suite)


def ukey(sku: str, serial: str) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=sku, serial=serial)


def receive(
    suite: Suite, sku: str, serials: list[str], supplier: str, loc: str, key: str = ""
) -> wh.ReceiveUnitsResponse:
    return suite.call("warehouse", "operator").ReceiveUnits(
        wh.ReceiveUnitsRequest(
            sku=sku, serials=serials, supplier_code=supplier, location_code=loc, idempotency_key=key
        )
    )


def custody(suite: Suite, keys: list[core_pb2.UnitKey]) -> dict[str, str]:
    rows = (
        suite.call("warehouse", "viewer")
        .BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=keys))
        .units
    )
    return {r.unit.serial: wh.CustodyStatus.Name(r.custody) for r in rows}


def test_receiving_5000_serials_registers_them_once_with_one_movement_each(suite: Suite) -> None:
    loc, _, supplier, _ = suite.setup_site()
    sku = suite.product()
    serials = [f"R{n:05d}" for n in range(5000)]
    key = unique("receipt")
    assert len(receive(suite, sku, serials, supplier, loc, key).units) == 5000
    registered = (
        suite.call("masterdata", "viewer")
        .BatchGetUnits(md.BatchGetUnitsRequest(keys=[ukey(sku, s) for s in serials]))
        .units
    )
    assert len(registered) == 5000
    assert {u.source for u in registered} == {md.UNIT_SOURCE_PURCHASED}
    moves = (
        suite.call("warehouse", "viewer")
        .BatchGetMovements(wh.BatchGetMovementsRequest(units=[ukey(sku, s) for s in serials]))
        .movements
    )
    assert len(moves) == 5000 and {m.kind for m in moves} == {wh.MOVEMENT_KIND_RECEIVE}
    before = suite.warehouse_state()
    assert len(receive(suite, sku, serials, supplier, loc, key).units) == 5000
    assert suite.warehouse_state() == before


def test_whereabouts_say_where_each_unit_is_and_to_whom_it_shipped(suite: Suite) -> None:
    loc, _, supplier, customer = suite.setup_site()
    sku = suite.product()
    serials = [f"W{n}" for n in (3, 1, 2)]
    receive(suite, sku, serials, supplier, loc)
    shipment = (
        suite.call("warehouse", "operator")
        .CreateShipment(
            wh.CreateShipmentRequest(customer_code=customer, units=[ukey(sku, "W2")], carrier="UPS")
        )
        .shipment
    )
    asked = [ukey(sku, s) for s in [*serials, "NEVER-SEEN"]]
    found = (
        suite.call("warehouse", "viewer")
        .BatchGetWhereabouts(wh.BatchGetWhereaboutsRequest(units=asked))
        .units
    )
    assert [
        (u.unit.serial, u.custody, u.location_code, u.shipment_id, u.customer_code) for u in found
    ] == [
        ("W1", wh.CUSTODY_STATUS_IN_STOCK, loc, "", ""),
        ("W2", wh.CUSTODY_STATUS_SHIPPED, "", shipment.id, customer),
        ("W3", wh.CUSTODY_STATUS_IN_STOCK, loc, "", ""),
    ]


def test_whereabouts_in_columns_answer_in_columns(suite: Suite) -> None:
    loc, _, supplier, customer = suite.setup_site()
    sku = suite.product()
    receive(suite, sku, ["C1", "C2", "C3"], supplier, loc)
    shipment = (
        suite.call("warehouse", "operator")
        .CreateShipment(
            wh.CreateShipmentRequest(customer_code=customer, units=[ukey(sku, "C2")], carrier="UPS")
        )
        .shipment
    )
    viewer = suite.call("warehouse", "viewer")
    asked = core_pb2.UnitKeyColumns(skus=[sku] * 4, serials=["C3", "NEVER-SEEN", "C1", "C2"])
    reply = viewer.BatchGetWhereabouts(wh.BatchGetWhereaboutsRequest(unit_columns=asked))
    assert not reply.units
    found = reply.columns
    assert list(
        zip(
            found.units.skus,
            found.units.serials,
            found.custodies,
            found.location_codes,
            found.shipment_ids,
            found.customer_codes,
            strict=True,
        )
    ) == [
        (sku, "C1", wh.CUSTODY_STATUS_IN_STOCK, loc, "", ""),
        (sku, "C2", wh.CUSTODY_STATUS_SHIPPED, "", shipment.id, customer),
        (sku, "C3", wh.CUSTODY_STATUS_IN_STOCK, loc, "", ""),
    ]
    uneven = core_pb2.UnitKeyColumns(skus=[sku, sku], serials=["C1"])
    empty = core_pb2.UnitKeyColumns(skus=[sku, sku], serials=["C1", ""])
    both = wh.BatchGetWhereaboutsRequest(units=[ukey(sku, "C1")], unit_columns=asked)
    for request, said in (
        (wh.BatchGetWhereaboutsRequest(unit_columns=uneven), "2 skus and 1 serials"),
        (wh.BatchGetWhereaboutsRequest(unit_columns=empty), "unit_columns.serials[1] is required"),
        (both, "not both"),
    ):
        error = rpc_error(viewer.BatchGetWhereabouts, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and said in error.details()


def test_pack_cartons_on_a_pallet_and_ship_the_pallet(suite: Suite) -> None:
    loc, _, supplier, customer = suite.setup_site()
    sku = suite.product()
    serials = [f"P{n:03d}" for n in range(40)]
    receive(suite, sku, serials, supplier, loc)
    operator = suite.call("warehouse", "operator")
    cartons = [
        operator.Pack(
            wh.PackRequest(
                kind=wh.PACKAGE_KIND_CARTON, units=[ukey(sku, s) for s in serials[i : i + 10]]
            )
        ).package
        for i in range(0, 40, 10)
    ]
    assert all(gs1.has_valid_check_digit(c.sscc) and len(c.units) == 10 for c in cartons)
    pallet = operator.Pack(
        wh.PackRequest(kind=wh.PACKAGE_KIND_PALLET, package_ssccs=[c.sscc for c in cartons])
    ).package
    assert sorted(pallet.package_ssccs) == sorted(c.sscc for c in cartons)
    shipment = operator.CreateShipment(
        wh.CreateShipmentRequest(
            customer_code=customer,
            package_ssccs=[pallet.sscc],
            carrier="DHL",
            tracking_number="TRK1",
        )
    ).shipment
    assert shipment.unit_count == 40
    stock = (
        suite.call("warehouse", "viewer")
        .BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=[ukey(sku, s) for s in serials]))
        .units
    )
    assert {(u.custody, u.shipment_id) for u in stock} == {(wh.CUSTODY_STATUS_SHIPPED, shipment.id)}
    moves = (
        suite.call("warehouse", "viewer")
        .BatchGetMovements(wh.BatchGetMovementsRequest(units=[ukey(sku, s) for s in serials]))
        .movements
    )
    assert sum(m.kind == wh.MOVEMENT_KIND_SHIP for m in moves) == 40
    listed = suite.call("warehouse", "viewer").ListShipmentUnits(
        wh.ListShipmentUnitsRequest(shipment_id=shipment.id, page_size=25)
    )
    assert listed.total_count == 40 and len(listed.units) == 25 and listed.next_page_token


def test_a_trace_reads_the_package_chain_in_the_same_statements_however_deep(
    suite: Suite,
) -> None:
    loc, _, supplier, _ = suite.setup_site()
    sku = suite.product()
    serials = ["L0", "D0", "D1"]
    receive(suite, sku, serials, supplier, loc)
    operator = suite.call("warehouse", "operator")
    loose = operator.Pack(
        wh.PackRequest(kind=wh.PACKAGE_KIND_CARTON, units=[ukey(sku, "L0")])
    ).package
    carton = operator.Pack(
        wh.PackRequest(kind=wh.PACKAGE_KIND_CARTON, units=[ukey(sku, s) for s in ("D1", "D0")])
    ).package
    pallet = operator.Pack(
        wh.PackRequest(kind=wh.PACKAGE_KIND_PALLET, package_ssccs=[carton.sscc])
    ).package
    viewer = suite.call("warehouse", "viewer")

    def facts(serial: str) -> wh.GetTraceFactsResponse:
        request = wh.GetTraceFactsRequest(units=[ukey(sku, serial)], packages=True)
        reply: wh.GetTraceFactsResponse = viewer.GetTraceFacts(request)
        return reply

    def chain(reply: wh.GetTraceFactsResponse) -> dict[str, Any]:
        return {
            p.sscc: (p.parent_sscc, list(p.package_ssccs), [u.serial for u in p.units])
            for p in reply.packages
        }

    # The unit's package and every package it sits in, each with its direct contents.
    assert chain(facts("D0")) == {
        carton.sscc: (pallet.sscc, [], ["D0", "D1"]),
        pallet.sscc: ("", [carton.sscc], []),
    }
    assert chain(facts("L0")) == {loose.sscc: ("", [], ["L0"])}
    # A carton on a pallet costs the statements of a lone carton.
    assert statements_run(lambda: facts("L0")) == statements_run(lambda: facts("D0"))


def test_a_package_with_one_held_unit_does_not_ship_at_all(suite: Suite) -> None:
    loc, _, supplier, customer = suite.setup_site()
    sku = suite.product()
    serials = [f"H{n}" for n in range(5)]
    receive(suite, sku, serials, supplier, loc)
    operator = suite.call("warehouse", "operator")
    carton = operator.Pack(
        wh.PackRequest(kind=wh.PACKAGE_KIND_CARTON, units=[ukey(sku, s) for s in serials])
    ).package
    hold = (
        suite.call("quality", "quality")
        .PlaceHold(qa.PlaceHoldRequest(reason="dented", units=[ukey(sku, "H3")]))
        .hold
    )
    error = rpc_error(
        operator.CreateShipment,
        wh.CreateShipmentRequest(customer_code=customer, package_ssccs=[carton.sscc]),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"{sku}/H3" in error.details() and hold.id in error.details()
    assert set(custody(suite, [ukey(sku, s) for s in serials]).values()) == {
        "CUSTODY_STATUS_IN_STOCK"
    }


def test_sixteen_concurrent_issues_never_take_a_lot_below_zero(suite: Suite) -> None:
    loc, _, supplier, _ = suite.setup_site()
    material = suite.product(tracking=md.TRACKING_MODE_LOT)
    lot = core_pb2.LotKey(sku=material, lot_number=unique("L"))
    operator = suite.call("warehouse", "operator")
    operator.ReceiveLot(
        wh.ReceiveLotRequest(lot=lot, quantity=100, supplier_code=supplier, location_code=loc)
    )

    def issue(_: int) -> str:
        try:
            operator.IssueToProduction(
                wh.IssueToProductionRequest(
                    lot=core_pb2.LotQuantity(lot=lot, quantity=10), reference="WO-1"
                )
            )
            return "ok"
        except grpc.RpcError as error:
            return error.code().name

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(issue, range(16)))
    assert outcomes.count("ok") == 10
    assert set(outcomes) - {"ok"} == {"FAILED_PRECONDITION"}
    [stock] = (
        suite.call("warehouse", "viewer")
        .BatchGetLotStock(wh.BatchGetLotStockRequest(lots=[lot]))
        .lots
    )
    assert stock.quantity_on_hand == 0


def test_an_sscc_with_a_wrong_check_digit_is_invalid(suite: Suite) -> None:
    error = rpc_error(
        suite.call("warehouse", "operator").Pack,
        wh.PackRequest(
            sscc="106141412345678909", kind=wh.PACKAGE_KIND_CARTON, units=[ukey("X", "Y")]
        ),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "check digit" in error.details()


def test_a_returned_unit_is_in_stock_again_with_its_path_in_order(suite: Suite) -> None:
    loc, loc2, supplier, customer = suite.setup_site()
    sku = suite.product()
    receive(suite, sku, ["RT1"], supplier, loc)
    operator = suite.call("warehouse", "operator")
    operator.MoveStock(wh.MoveStockRequest(units=[ukey(sku, "RT1")], to_location_code=loc2))
    operator.CreateShipment(
        wh.CreateShipmentRequest(customer_code=customer, units=[ukey(sku, "RT1")])
    )
    returned = operator.ReturnUnit(
        wh.ReturnUnitRequest(
            unit=ukey(sku, "RT1"), rma_number="RMA-7", reason="DOA", location_code=loc
        )
    ).unit
    assert (returned.custody, returned.location_code) == (wh.CUSTODY_STATUS_IN_STOCK, loc)
    moves = (
        suite.call("warehouse", "viewer")
        .BatchGetMovements(wh.BatchGetMovementsRequest(units=[ukey(sku, "RT1")]))
        .movements
    )
    assert [wh.MovementKind.Name(m.kind).removeprefix("MOVEMENT_KIND_") for m in moves] == [
        "RECEIVE",
        "MOVE",
        "SHIP",
        "RETURN",
    ]
    assert "RMA-7" in moves[-1].reference


def test_unknown_locations_and_customers_are_refused(suite: Suite) -> None:
    _, _, supplier, _ = suite.setup_site()
    error = rpc_error(receive, suite, suite.product(), ["Z1"], supplier, "NOWHERE")
    assert error.code() == grpc.StatusCode.NOT_FOUND and "NOWHERE" in error.details()
    error = rpc_error(
        suite.call("warehouse", "operator").CreateShipment,
        wh.CreateShipmentRequest(customer_code=supplier, units=[ukey("A", "B")]),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "CUSTOMER" in error.details()


def test_built_units_ship_only_when_complete_and_lots_install_from_stock(suite: Suite) -> None:
    loc, loc2, supplier, customer = suite.setup_site()
    material = suite.product(tracking=md.TRACKING_MODE_LOT)
    fg = suite.product(items=(material,))
    lot = core_pb2.LotKey(sku=material, lot_number=unique("L"))
    suite.call("warehouse", "operator").ReceiveLot(
        wh.ReceiveLotRequest(lot=lot, quantity=3, supplier_code=supplier, location_code=loc)
    )
    planner = suite.call("production", "planner")
    wo = planner.CreateWorkOrder(
        pp.CreateWorkOrderRequest(sku=fg, quantity=1, bom_revision="A", output_location_code=loc)
    ).work_order.id
    [unit] = planner.CommissionUnits(pp.CommissionUnitsRequest(work_order_id=wo, count=1)).units
    production = suite.call("production", "operator")
    install = pp.InstallComponentRequest(
        parent=unit, component_lot=core_pb2.LotQuantity(lot=lot, quantity=2)
    )
    production.InstallComponent(install)  # issued from stock by the warehouse
    [stock] = (
        suite.call("warehouse", "viewer")
        .BatchGetLotStock(wh.BatchGetLotStockRequest(lots=[lot]))
        .lots
    )
    assert stock.quantity_on_hand == 1
    short = rpc_error(production.InstallComponent, install)
    assert short.code() == grpc.StatusCode.FAILED_PRECONDITION and "1 on hand" in short.details()

    operator = suite.call("warehouse", "operator")
    early = rpc_error(operator.MoveStock, wh.MoveStockRequest(units=[unit], to_location_code=loc))
    assert early.code() == grpc.StatusCode.FAILED_PRECONDITION and "COMPLETE" in early.details()
    production.CompleteUnit(pp.CompleteUnitRequest(unit=unit))
    # Completion was the goods receipt: in stock at the work order's output location.
    [stock_row] = operator.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=[unit])).units
    assert (stock_row.custody, stock_row.location_code) == (wh.CUSTODY_STATUS_IN_STOCK, loc)
    # And it moves like any stock afterwards.
    operator.MoveStock(wh.MoveStockRequest(units=[unit], to_location_code=loc2))
    moves = operator.BatchGetMovements(wh.BatchGetMovementsRequest(units=[unit])).movements
    assert [(m.kind, m.to_location_code, m.work_order_id) for m in moves] == [
        (wh.MOVEMENT_KIND_RECEIVE, loc, wo),
        (wh.MOVEMENT_KIND_MOVE, loc2, ""),
    ]
    assert moves[0].reference == f"work order {wo}"
    # A hold on the raw lot inside the unit blocks its shipment until it is released.
    hold = (
        suite.call("quality", "quality")
        .PlaceHold(qa.PlaceHoldRequest(reason="resin recall check", lots=[lot]))
        .hold
    )
    held = rpc_error(
        operator.CreateShipment, wh.CreateShipmentRequest(customer_code=customer, units=[unit])
    )
    assert held.code() == grpc.StatusCode.FAILED_PRECONDITION and hold.id in held.details()
    suite.call("quality", "quality").ReleaseHold(
        qa.ReleaseHoldRequest(id=hold.id, meaning="lot re-inspected, fine")
    )
    shipped = operator.CreateShipment(
        wh.CreateShipmentRequest(customer_code=customer, units=[unit])
    ).shipment
    assert shipped.unit_count == 1


def test_units_at_a_location_page_with_a_total(suite: Suite) -> None:
    loc, loc2, supplier, _ = suite.setup_site()
    sku = suite.product()
    receive(suite, sku, [f"A{n:02d}" for n in range(12)], supplier, loc)
    viewer = suite.call("warehouse", "viewer")
    first = viewer.ListUnitsAtLocation(
        wh.ListUnitsAtLocationRequest(location_code=loc, page_size=5)
    )
    assert first.total_count == 12 and len(first.units) == 5 and first.next_page_token
    rest = viewer.ListUnitsAtLocation(
        wh.ListUnitsAtLocationRequest(
            location_code=loc, page_size=50, page_token=first.next_page_token
        )
    )
    assert len(rest.units) == 7 and not rest.next_page_token
    assert (
        viewer.ListUnitsAtLocation(wh.ListUnitsAtLocationRequest(location_code=loc2)).total_count
        == 0
    )
    missing = rpc_error(
        viewer.ListUnitsAtLocation, wh.ListUnitsAtLocationRequest(location_code="NOWHERE")
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND


def test_shipping_fails_closed_when_quality_is_unreachable(
    suite: Suite, test_databases: Any
) -> None:
    loc, _, supplier, customer = suite.setup_site()
    sku = suite.product()
    addrs = {n: s.address for n, s in suite.servers.items()}
    lonely = start_service(
        warehouse_service,
        test_databases.create("warehouse"),
        MASTERDATA_ADDR=addrs["masterdata"],
        PRODUCTION_ADDR=addrs["production"],
        QUALITY_ADDR="127.0.0.1:1",
    )
    try:
        with grpc.insecure_channel(lonely.address) as channel:
            operator = Caller(wh_grpc.WarehouseServiceStub(channel), token("wes", "operator"))
            operator.ReceiveUnits(
                wh.ReceiveUnitsRequest(
                    sku=sku, serials=["Q1"], supplier_code=supplier, location_code=loc
                )
            )
            error = rpc_error(
                operator.CreateShipment,
                wh.CreateShipmentRequest(customer_code=customer, units=[ukey(sku, "Q1")]),
            )
            assert error.code() == grpc.StatusCode.UNAVAILABLE and "quality" in error.details()
            [stock] = operator.BatchGetUnitStock(
                wh.BatchGetUnitStockRequest(units=[ukey(sku, "Q1")])
            ).units
            assert stock.custody == wh.CUSTODY_STATUS_IN_STOCK and not stock.shipment_id
    finally:
        lonely.stop(0)


def test_issuing_a_kit_takes_every_line_or_none(suite: Suite) -> None:
    loc, _, supplier, _ = suite.setup_site()
    material = suite.product(tracking=md.TRACKING_MODE_LOT)
    sku = suite.product()
    lot_a, lot_b = (core_pb2.LotKey(sku=material, lot_number=unique("L")) for _ in range(2))
    operator = suite.call("warehouse", "operator")
    for lot in (lot_a, lot_b):
        operator.ReceiveLot(
            wh.ReceiveLotRequest(lot=lot, quantity=10, supplier_code=supplier, location_code=loc)
        )
    receive(suite, sku, ["K1"], supplier, loc)

    def line(lot: core_pb2.LotKey, quantity: float) -> wh.IssueLine:
        return wh.IssueLine(lot=core_pb2.LotQuantity(lot=lot, quantity=quantity), reference="P/1")

    def on_hand() -> dict[str, float]:
        stock = (
            suite.call("warehouse", "viewer")
            .BatchGetLotStock(wh.BatchGetLotStockRequest(lots=[lot_a, lot_b]))
            .lots
        )
        return {s.lot.lot_number: s.quantity_on_hand for s in stock}

    before, moves_before = on_hand(), suite.warehouse_state()
    # Two lines of lot A together exceed what is on hand: nothing of the kit is issued.
    error = rpc_error(
        operator.IssueManyToProduction,
        wh.IssueManyToProductionRequest(
            lines=[
                line(lot_b, 2),
                wh.IssueLine(unit=ukey(sku, "K1"), reference="P/1"),
                line(lot_a, 6),
                line(lot_a, 6),
            ]
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert lot_a.lot_number in error.details()
    assert (on_hand(), suite.warehouse_state()) == (before, moves_before)
    assert custody(suite, [ukey(sku, "K1")]) == {"K1": "CUSTODY_STATUS_IN_STOCK"}

    error = rpc_error(
        operator.IssueManyToProduction,
        wh.IssueManyToProductionRequest(lines=[line(lot_a, 1), wh.IssueLine(reference="P/1")]),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "line 2" in error.details()

    request = wh.IssueManyToProductionRequest(
        lines=[line(lot_a, 6), line(lot_a, 4), wh.IssueLine(unit=ukey(sku, "K1"), reference="P/1")],
        idempotency_key=unique("kit"),
    )
    moves = operator.IssueManyToProduction(request).movements
    assert [(m.kind, m.lot.quantity, m.unit.serial) for m in moves] == [
        (wh.MOVEMENT_KIND_ISSUE, 6, ""),
        (wh.MOVEMENT_KIND_ISSUE, 4, ""),
        (wh.MOVEMENT_KIND_ISSUE, 0, "K1"),
    ]
    assert on_hand() == {lot_a.lot_number: 0, lot_b.lot_number: 10}
    assert custody(suite, [ukey(sku, "K1")]) == {"K1": "CUSTODY_STATUS_ISSUED"}
    state = suite.warehouse_state()
    assert operator.IssueManyToProduction(request).movements == moves  # replayed, not re-issued
    assert suite.warehouse_state() == state


def _receipt(unit: core_pb2.UnitKey, loc: str, wo: str) -> wh.ProductionReceipt:
    return wh.ProductionReceipt(unit=unit, location_code=loc, work_order_id=wo)


def test_a_receipt_from_production_enters_stock_once_per_unit(suite: Suite) -> None:
    loc, loc2, supplier, _ = suite.setup_site()
    sku = suite.product()
    operator = suite.call("warehouse", "operator")
    first, second = ukey(sku, unique("F")), ukey(sku, unique("F"))
    moves = operator.ReceiveFromProduction(
        wh.ReceiveFromProductionRequest(
            receipts=[_receipt(first, loc, "WO-1"), _receipt(second, loc2, "WO-1")],
            idempotency_key=unique("rcv"),
        )
    ).movements
    assert [(m.kind, m.unit, m.to_location_code, m.work_order_id) for m in moves] == [
        (wh.MOVEMENT_KIND_RECEIVE, first, loc, "WO-1"),
        (wh.MOVEMENT_KIND_RECEIVE, second, loc2, "WO-1"),
    ]
    assert custody(suite, [first, second]) == {
        first.serial: "CUSTODY_STATUS_IN_STOCK",
        second.serial: "CUSTODY_STATUS_IN_STOCK",
    }
    before = suite.warehouse_state()

    # Again under another key (a completion retried without its key): nothing new, the
    # first receipt is the answer.
    again = operator.ReceiveFromProduction(
        wh.ReceiveFromProductionRequest(receipts=[_receipt(first, loc, "WO-1")])
    ).movements
    assert [(m.kind, m.unit, m.to_location_code, m.work_order_id) for m in again] == [
        (wh.MOVEMENT_KIND_RECEIVE, first, loc, "WO-1")
    ]
    assert suite.warehouse_state() == before

    # Refusals name the unit and write nothing.
    purchased = ukey(sku, unique("B"))
    receive(suite, sku, [purchased.serial], supplier, loc)
    before = suite.warehouse_state()
    for receipts, code, words in (
        ([], grpc.StatusCode.INVALID_ARGUMENT, "give the completed units"),
        (
            [_receipt(first, loc, "WO-1"), _receipt(first, loc, "WO-1")],
            grpc.StatusCode.INVALID_ARGUMENT,
            "listed twice",
        ),
        ([_receipt(first, "", "WO-1")], grpc.StatusCode.INVALID_ARGUMENT, "location"),
        ([_receipt(first, loc, "")], grpc.StatusCode.INVALID_ARGUMENT, "work order"),
        ([_receipt(ukey(sku, "N1"), "NOWHERE", "WO-2")], grpc.StatusCode.NOT_FOUND, "NOWHERE"),
        ([_receipt(first, loc, "WO-9")], grpc.StatusCode.FAILED_PRECONDITION, "WO-1, not WO-9"),
        ([_receipt(purchased, loc, "WO-9")], grpc.StatusCode.FAILED_PRECONDITION, "once"),
    ):
        error = rpc_error(
            operator.ReceiveFromProduction, wh.ReceiveFromProductionRequest(receipts=receipts)
        )
        assert (error.code(), words in error.details()) == (code, True), error.details()
    assert suite.warehouse_state() == before
    viewer = suite.call("warehouse", "viewer")
    denied = rpc_error(
        viewer.ReceiveFromProduction,
        wh.ReceiveFromProductionRequest(receipts=[_receipt(ukey(sku, "V1"), loc, "WO-3")]),
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
