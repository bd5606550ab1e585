"""BatchGetLocationStockSummaries: how much stock each location holds, in one call."""

from __future__ import annotations

from typing import Any

import grpc

from serialtrace.common.testing import rpc_error, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.warehouse.v1 import warehouse_pb2 as wh

Suite = Any  # the `suite` fixture (conftest.Suite)


def test_each_location_counts_its_units_in_stock_and_lots_on_hand(suite: Suite) -> None:
    loc, loc2, supplier, _ = suite.setup_site()
    sku = suite.product()
    operator = suite.call("warehouse", "operator")
    operator.ReceiveUnits(
        wh.ReceiveUnitsRequest(
            sku=sku, serials=["S1", "S2", "S3"], supplier_code=supplier, location_code=loc
        )
    )
    operator.MoveStock(
        wh.MoveStockRequest(units=[core_pb2.UnitKey(sku=sku, serial="S3")], to_location_code=loc2)
    )
    material = suite.product(tracking=md.TRACKING_MODE_LOT)
    for number, quantity in (("L1", 10.0), ("L2", 2.5)):
        operator.ReceiveLot(
            wh.ReceiveLotRequest(
                lot=core_pb2.LotKey(sku=material, lot_number=number),
                quantity=quantity,
                supplier_code=supplier,
                location_code=loc,
            )
        )
    empty = unique("WH")

    summaries = (
        suite.call("warehouse", "viewer")
        .BatchGetLocationStockSummaries(
            wh.BatchGetLocationStockSummariesRequest(location_codes=[loc2, loc, empty, loc])
        )
        .summaries
    )

    assert [
        (s.location_code, s.units_in_stock, s.lots_on_hand, s.lot_quantity_on_hand)
        for s in summaries
    ] == sorted([(loc, 2, 2, 12.5), (loc2, 1, 0, 0.0), (empty, 0, 0, 0.0)])


def test_a_summary_call_is_bounded_like_every_batch_read(suite: Suite) -> None:
    error = rpc_error(
        suite.call("warehouse", "viewer").BatchGetLocationStockSummaries,
        wh.BatchGetLocationStockSummariesRequest(location_codes=["X"] * 10_001),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "location_codes" in error.details() and "10,000" in error.details()
