"""Work orders, commissioning through masterdata, operation records and approvals."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from sqlalchemy import func, select, text

from serialtrace.common import ledger
from serialtrace.common.testing import Caller, rpc_error, sql_engine, start_service, token, unique
from serialtrace.core.v1 import core_pb2, core_pb2_grpc
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.main import service as production_service
from serialtrace.production.store import OperationRow
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc

Suite = Any  # the `suite` fixture (conftest.Suite)


def key(sku: str, serial: str) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=sku, serial=serial)


def builds(suite: Suite, sku: str, serials: list[str]) -> dict[str, str]:
    found = (
        suite.as_role("viewer")
        .BatchGetUnitBuilds(pb.BatchGetUnitBuildsRequest(units=[key(sku, s) for s in serials]))
        .builds
    )
    return {b.unit.serial: pb.BuildStatus.Name(b.status) for b in found}


def test_a_work_order_needs_an_existing_approved_bom_revision(suite: Suite) -> None:
    planner = suite.as_role("planner")
    draft = suite.product_with_bom(approve=False)
    error = rpc_error(
        planner.CreateWorkOrder, pb.CreateWorkOrderRequest(sku=draft, quantity=5, bom_revision="A")
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "not approved" in error.details()
    error = rpc_error(
        planner.CreateWorkOrder, pb.CreateWorkOrderRequest(sku=draft, quantity=5, bom_revision="Z")
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    sku = suite.product_with_bom()
    wo = planner.CreateWorkOrder(
        pb.CreateWorkOrderRequest(sku=sku, quantity=5, bom_revision="A", line="L1")
    ).work_order
    assert (wo.sku, wo.quantity, wo.status) == (sku, 5, pb.WORK_ORDER_STATUS_RELEASED)
    assert (
        rpc_error(
            suite.as_role("operator").CreateWorkOrder,
            pb.CreateWorkOrderRequest(sku=sku, quantity=1, bom_revision="A"),
        ).code()
        == grpc.StatusCode.PERMISSION_DENIED
    )


def test_commissioning_5000_units_registers_them_in_masterdata_in_one_call(suite: Suite) -> None:
    sku = suite.product_with_bom()
    wo = suite.work_order(sku, quantity=5000)
    serials = suite.commission(wo, count=5000)
    assert len(set(serials)) == 5000 and serials[0] == "P0000001"
    registered = (
        suite.md("viewer")
        .BatchGetUnits(md.BatchGetUnitsRequest(keys=[key(sku, s) for s in serials[:50]]))
        .units
    )
    assert len(registered) == 50 and all(
        u.source == md.UNIT_SOURCE_COMMISSIONED for u in registered
    )
    assert set(builds(suite, sku, serials[:50]).values()) == {"BUILD_STATUS_COMMISSIONED"}
    order = suite.as_role("viewer").BatchGetWorkOrders(pb.BatchGetWorkOrdersRequest(ids=[wo]))
    assert order.work_orders[0].commissioned_count == 5000


def test_a_work_order_never_commissions_more_than_its_quantity(suite: Suite) -> None:
    sku = suite.product_with_bom()
    wo = suite.work_order(sku, quantity=3)
    suite.commission(wo, count=2)
    error = rpc_error(suite.commission, wo, 2)
    assert (
        error.code() == grpc.StatusCode.FAILED_PRECONDITION and "1 unit(s) left" in error.details()
    )


def test_explicit_serials_are_validated_by_masterdata_and_nothing_is_half_written(
    suite: Suite,
) -> None:
    sku = suite.product_with_bom()
    wo = suite.work_order(sku, quantity=5)
    error = rpc_error(
        suite.as_role("planner").CommissionUnits,
        pb.CommissionUnitsRequest(work_order_id=wo, serials=["P0000001", "BAD"]),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "BAD" in error.details()
    assert builds(suite, sku, ["P0000001"]) == {}
    order = suite.as_role("viewer").BatchGetWorkOrders(pb.BatchGetWorkOrdersRequest(ids=[wo]))
    assert order.work_orders[0].commissioned_count == 0


def test_a_retried_commission_returns_the_same_units_once_in_both_services(suite: Suite) -> None:
    sku = suite.product_with_bom()
    wo = suite.work_order(sku, quantity=10)
    retry_key = unique("commission")
    first = suite.commission(wo, count=3, key=retry_key)
    assert suite.commission(wo, count=3, key=retry_key) == first
    order = suite.as_role("viewer").BatchGetWorkOrders(pb.BatchGetWorkOrdersRequest(ids=[wo]))
    assert order.work_orders[0].commissioned_count == 3
    assert suite.commission(wo, count=1) == ["P0000004"]


def test_first_operation_moves_the_unit_in_process_and_records_the_operator(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [serial] = suite.commission(suite.work_order(sku), count=1)
    record = (
        suite.as_role("operator", sub="olga")
        .RecordOperation(
            pb.RecordOperationRequest(
                unit=key(sku, serial),
                operation="LEAK-TEST",
                station="ST-4",
                result=core_pb2.RESULT_PASS,
                measurements_json='{"bar": 2.5, "ok": true}',
            )
        )
        .record
    )
    assert (record.operator, record.operation, record.station) == ("olga", "LEAK-TEST", "ST-4")
    assert record.measurements_json == '{"bar":2.5,"ok":true}'
    assert builds(suite, sku, [serial]) == {serial: "BUILD_STATUS_IN_PROCESS"}
    listed = (
        suite.as_role("viewer")
        .BatchGetOperations(pb.BatchGetOperationsRequest(units=[key(sku, serial)]))
        .records
    )
    assert [r.id for r in listed] == [record.id]


def test_approval_is_an_e_signature_by_quality_only(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [serial] = suite.commission(suite.work_order(sku), count=1)
    record = (
        suite.as_role("operator")
        .RecordOperation(
            pb.RecordOperationRequest(
                unit=key(sku, serial),
                operation="FINAL",
                station="ST-9",
                result=core_pb2.RESULT_PASS,
            )
        )
        .record
    )
    approve = pb.ApproveOperationRequest(id=record.id, meaning="reviewed test results")
    assert (
        rpc_error(suite.as_role("operator").ApproveOperation, approve).code()
        == grpc.StatusCode.PERMISSION_DENIED
    )
    approved = suite.as_role("quality", sub="quinn").ApproveOperation(approve).record
    assert (approved.approval.by, approved.approval.meaning) == ("quinn", "reviewed test results")
    assert approved.approval.at.seconds > 0
    again = rpc_error(suite.as_role("quality").ApproveOperation, approve)
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION and "quinn" in again.details()


def test_operation_input_errors_are_specific(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [serial] = suite.commission(suite.work_order(sku), count=1)
    operator = suite.as_role("operator")
    cases = [
        (
            pb.RecordOperationRequest(
                unit=key(sku, "P9999999"), operation="OP", station="S", result=core_pb2.RESULT_PASS
            ),
            grpc.StatusCode.NOT_FOUND,
        ),
        (
            pb.RecordOperationRequest(unit=key(sku, serial), operation="OP", station="S"),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            pb.RecordOperationRequest(
                unit=key(sku, serial),
                operation="OP",
                station="S",
                result=core_pb2.RESULT_FAIL,
                measurements_json="[1]",
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (
            pb.RecordOperationRequest(
                unit=key(sku, serial),
                operation="'; DROP TABLE units;--",
                station="S",
                result=core_pb2.RESULT_PASS,
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
    ]
    for request, code in cases:
        assert rpc_error(operator.RecordOperation, request).code() == code
    assert builds(suite, sku, [serial]) == {serial: "BUILD_STATUS_COMMISSIONED"}


def test_routes_are_set_by_planners_and_read_back(suite: Suite) -> None:
    sku = suite.product_with_bom()
    suite.as_role("planner").SetRoute(
        pb.SetRouteRequest(route=pb.Route(sku=sku, operations=["ASSY", "LEAK-TEST", "FINAL"]))
    )
    got = suite.as_role("viewer").BatchGetRoutes(pb.BatchGetRoutesRequest(skus=[sku])).routes
    assert [list(r.operations) for r in got] == [["ASSY", "LEAK-TEST", "FINAL"]]
    error = rpc_error(
        suite.as_role("planner").SetRoute,
        pb.SetRouteRequest(route=pb.Route(sku="NO-SUCH-SKU", operations=["A"])),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_masterdata_unreachable_means_unavailable_and_nothing_written(
    production_without_masterdata: Any,
) -> None:
    error = rpc_error(
        production_without_masterdata.CreateWorkOrder,
        pb.CreateWorkOrderRequest(sku="ANY", quantity=1, bom_revision="A"),
    )
    assert error.code() == grpc.StatusCode.UNAVAILABLE and "masterdata" in error.details()


def test_where_used_needs_exactly_one_target(suite: Suite) -> None:
    error = rpc_error(suite.as_role("viewer").WhereUsed, pb.WhereUsedRequest())
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


def _operations_and_entries(suite: Suite) -> tuple[int, int]:
    engine = sql_engine(suite.production_db)
    try:
        with engine.connect() as conn:
            records = conn.execute(select(func.count()).select_from(OperationRow)).scalar_one()
            entries = conn.execute(select(func.count()).select_from(ledger.audit_ledger))
            return int(records), int(entries.scalar_one())
    finally:
        engine.dispose()


def test_a_batch_of_operation_records_reports_each_item_and_writes_only_the_good_ones(
    suite: Suite,
) -> None:
    sku = suite.product_with_bom()
    serials = suite.commission(suite.work_order(sku), count=3)
    operator = suite.as_role("operator", sub="olga")

    def item(
        serial: str, op: str = "ICT", item_key: str = "", measurements: str = '{"v": 1}'
    ) -> pb.RecordOperationRequest:
        return pb.RecordOperationRequest(
            unit=key(sku, serial),
            operation=op,
            station="ST-1",
            result=core_pb2.RESULT_PASS,
            measurements_json=measurements,
            idempotency_key=item_key,
        )

    alone_key = unique("op")
    alone = operator.RecordOperation(item(serials[2], "FLASH", alone_key)).record
    before = _operations_and_entries(suite)
    repeat_key = unique("op")
    items = [
        item(serials[0], "ICT", unique("op")),
        item("NO-SUCH-UNIT"),
        item(serials[1], "bad code!"),
        item(serials[1], "ICT", repeat_key),
        item(serials[1], "ICT", repeat_key),  # the same item twice: recorded once
        item(serials[2], "FLASH", alone_key),  # sent alone before: its first answer
        item(serials[2], "ICT", alone_key),  # that key for another request: CONFLICT
        item(serials[0], "AOI", measurements="{not json"),
    ]
    outcomes = operator.RecordOperations(pb.RecordOperationsRequest(items=items)).outcomes
    kinds = [o.WhichOneof("outcome") for o in outcomes]
    assert kinds == ["record", "error", "error", "record", "record", "record", "error", "error"]
    assert [o.error.code for o in outcomes if o.HasField("error")] == [
        "NOT_FOUND",
        "INVALID_ARGUMENT",
        "ALREADY_EXISTS",
        "INVALID_ARGUMENT",
    ]
    assert "NO-SUCH-UNIT" in outcomes[1].error.message
    assert outcomes[3].record == outcomes[4].record
    assert outcomes[5].record == alone
    assert outcomes[0].record.operator == "olga"
    # Two new records (each with its entry, plus one status change per unit started).
    records, entries = _operations_and_entries(suite)
    assert (records - before[0], entries - before[1]) == (2, 4)
    assert builds(suite, sku, serials[:2]) == {
        serials[0]: "BUILD_STATUS_IN_PROCESS",
        serials[1]: "BUILD_STATUS_IN_PROCESS",
    }

    # Each item's key is its own: the whole batch again writes nothing new, and an item
    # retried alone gets its answer from the batch.
    again = operator.RecordOperations(pb.RecordOperationsRequest(items=items)).outcomes
    assert [o.record for o in again] == [o.record for o in outcomes]
    assert operator.RecordOperation(items[3]).record == outcomes[3].record
    assert _operations_and_entries(suite) == (records, entries)

    error = rpc_error(
        operator.RecordOperations,
        pb.RecordOperationsRequest(items=[item(serials[0])] * 1001),
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "1000" in error.details()
    error = rpc_error(
        suite.as_role("viewer").RecordOperations,
        pb.RecordOperationsRequest(items=[item(serials[0])]),
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _operations_and_entries(suite) == (records, entries)


def test_32_concurrent_writers_on_two_replicas_leave_one_chain_without_gaps(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single records (their entries hashed by the database, in the COMMIT's round trip)
    and batches of 20 (40 entries, hashed here), from 32 writers at once, half of them
    through a second production server on the same database, each with a worker per
    writer: one chain, every seq once, every record with its entry."""
    if not suite.production_db.startswith("postgresql"):
        pytest.skip("the lock and the one-round-trip append are PostgreSQL's")
    writers, singles, batch = 32, 3, 20
    sku = suite.product_with_bom()
    wo = suite.work_order(sku, quantity=writers * (batch + 1))
    serials = suite.commission(wo, count=writers * (batch + 1))
    monkeypatch.setenv("WAREHOUSE_FINISHED_GOODS_LOCATION", suite.finished_goods)
    replica = start_service(
        production_service,
        suite.production_db,
        MASTERDATA_ADDR=suite.masterdata.address,
        QUALITY_ADDR="127.0.0.1:1",
        WAREHOUSE_ADDR=suite.warehouse.address,
        PRODUCTION_GRPC_WORKERS=str(writers),
    )
    replica_channel = grpc.insecure_channel(replica.address)
    bearer = token("olga", "operator")
    start_together = threading.Barrier(writers)

    def operation(serial: str, n: int) -> pb.RecordOperationRequest:
        return pb.RecordOperationRequest(
            unit=key(sku, serial), operation=f"OP-{n}", station="ST-1", result=core_pb2.RESULT_PASS
        )

    def write(w: int) -> list[str]:
        channel = replica_channel if w % 2 else suite.channel
        operator = Caller(pb_grpc.ProductionServiceStub(channel), bearer)
        mine = serials[w * (batch + 1) : (w + 1) * (batch + 1)]
        start_together.wait()
        ids = [operator.RecordOperation(operation(mine[0], n)).record.id for n in range(singles)]
        outcomes = operator.RecordOperations(
            pb.RecordOperationsRequest(items=[operation(s, 0) for s in mine[1:]])
        ).outcomes
        return ids + [o.record.id for o in outcomes]

    try:
        with ThreadPoolExecutor(max_workers=writers) as pool:
            written = {i for ids in pool.map(write, range(writers)) for i in ids}
    finally:
        replica_channel.close()
        replica.stop(0)
    auditor = Caller(core_pb2_grpc.LedgerServiceStub(suite.channel), token("audrey", "auditor"))
    result = auditor.VerifyLedger(core_pb2.VerifyLedgerRequest())
    engine = sql_engine(suite.production_db)
    try:
        with engine.connect() as conn:
            seqs = [row[0] for row in conn.execute(text("SELECT seq FROM audit_ledger"))]
            recorded = {
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT payload::json->>'id' FROM audit_ledger "
                        "WHERE action = 'operation.recorded'"
                    )
                )
            }
            stored = conn.execute(
                select(func.count()).select_from(OperationRow).where(OperationRow.id.in_(written))
            ).scalar_one()
    finally:
        engine.dispose()
    assert len(written) == writers * (singles + batch)
    assert result.ok, result.problem
    assert sorted(seqs) == list(range(1, len(seqs) + 1))  # one chain, no gaps
    assert written <= recorded  # every record has its entry
    assert stored == len(written)  # and every entry its record
