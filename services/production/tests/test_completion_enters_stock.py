"""Completion is the goods receipt from production: the work order's output location,
and what happens to stock when the warehouse goes away in the middle of completing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import grpc
import psycopg
import pytest

from serialtrace.common.testing import (
    Caller,
    RunningServices,
    TestDatabases,
    rpc_error,
    start_service,
    start_services,
    token,
    unique,
)
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.main import service as production_service
from serialtrace.production.v1 import production_pb2 as pb
from serialtrace.production.v1 import production_pb2_grpc as pb_grpc
from serialtrace.warehouse.main import service as warehouse_service
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

from .conftest import Suite, create_location

# --- choosing the output location ------------------------------------------------------


def _order(suite: Suite, planner: Caller, **fields: Any) -> Any:
    sku = suite.products[-1].sku
    return planner.CreateWorkOrder(
        pb.CreateWorkOrderRequest(sku=sku, quantity=1, bom_revision="A", **fields)
    ).work_order


@pytest.fixture(scope="module")
def without_default(suite: Suite, test_databases: TestDatabases) -> Iterator[Caller]:
    """Production with no WAREHOUSE_FINISHED_GOODS_LOCATION, on suite's masterdata."""
    with pytest.MonkeyPatch.context() as env:
        env.delenv("WAREHOUSE_FINISHED_GOODS_LOCATION", raising=False)
        running = start_service(
            production_service,
            test_databases.create("production"),
            MASTERDATA_ADDR=suite.masterdata.address,
        )
    channel = grpc.insecure_channel(running.address)
    yield Caller(pb_grpc.ProductionServiceStub(channel), token("pat", "planner"))
    channel.close()
    running.stop(0)


def test_a_work_order_gets_the_location_named_else_the_warehouse_above_its_line(
    suite: Suite, without_default: Caller
) -> None:
    suite.product_with_bom()
    site = create_location(suite.md_channel, md.LOCATION_KIND_SITE)
    stores = create_location(suite.md_channel, md.LOCATION_KIND_WAREHOUSE, site)
    hall = create_location(suite.md_channel, md.LOCATION_KIND_BIN, stores)
    line = create_location(suite.md_channel, md.LOCATION_KIND_LINE, hall)
    bare_line = create_location(suite.md_channel, md.LOCATION_KIND_LINE, site)
    planner = suite.as_role("planner")

    assert _order(suite, planner, line=line, output_location_code=hall).output_location_code == hall
    # Two levels up, past a bin: the nearest WAREHOUSE.
    assert _order(suite, planner, line=line).output_location_code == stores
    # No warehouse above the line: the configured default.
    assert _order(suite, planner, line=bare_line).output_location_code == suite.finished_goods
    assert _order(suite, planner).output_location_code == suite.finished_goods
    [read] = planner.BatchGetWorkOrders(
        pb.BatchGetWorkOrdersRequest(ids=[_order(suite, planner, line=line).id])
    ).work_orders
    assert read.output_location_code == stores

    # Without a default configured, the same work order is refused, saying what to set.
    assert _order(suite, without_default, line=line).output_location_code == stores
    for fields in ({"line": bare_line}, {}):
        error = rpc_error(partial(_order, suite, without_default, **fields))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        for remedy in ("outputLocationCode", "WAREHOUSE above", "WAREHOUSE_FINISHED_GOODS"):
            assert remedy in error.details()


def test_the_output_location_must_exist_and_hold_stock(suite: Suite) -> None:
    suite.product_with_bom()
    planner = suite.as_role("planner")
    missing = rpc_error(partial(_order, suite, planner, output_location_code="NOWHERE-1"))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and "NOWHERE-1" in missing.details()
    line = create_location(suite.md_channel, md.LOCATION_KIND_LINE)
    wrong = rpc_error(partial(_order, suite, planner, output_location_code=line))
    assert wrong.code() == grpc.StatusCode.FAILED_PRECONDITION and "is a LINE" in wrong.details()


def test_a_default_location_that_does_not_exist_is_not_found_naming_the_setting(
    suite: Suite, test_databases: TestDatabases
) -> None:
    suite.product_with_bom()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WAREHOUSE_FINISHED_GOODS_LOCATION", "GONE-FG")
        running = start_service(
            production_service,
            test_databases.create("production"),
            MASTERDATA_ADDR=suite.masterdata.address,
        )
    try:
        with grpc.insecure_channel(running.address) as channel:
            planner = Caller(pb_grpc.ProductionServiceStub(channel), token("pat", "planner"))
            error = rpc_error(_order, suite, planner)
            assert error.code() == grpc.StatusCode.NOT_FOUND
            assert "GONE-FG" in error.details()
            assert "WAREHOUSE_FINISHED_GOODS_LOCATION" in error.details()
    finally:
        running.stop(0)


# --- completing while the warehouse goes away ------------------------------------------


@dataclass
class Line:
    """All four services; a product of one resin lot, built on a line under a warehouse."""

    running: RunningServices
    channels: dict[str, grpc.Channel]
    sku: str
    lot: core_pb2.LotKey
    stores: str

    def call(self, service: str, stub: Any, *roles: str) -> Caller:
        return Caller(stub(self.channels[service]), token("olga", *roles))

    @property
    def production(self) -> Caller:
        return self.call("production", pb_grpc.ProductionServiceStub, "operator", "planner")

    @property
    def warehouse(self) -> Caller:
        return self.call("warehouse", wh_grpc.WarehouseServiceStub, "operator")

    def stop_warehouse(self) -> None:
        self.running.servers["warehouse"].stop(0)

    def restart_warehouse(self) -> None:
        env = {f"{n.upper()}_ADDR": a for n, a in self.running.addrs.items()}
        self.running.servers["warehouse"] = start_service(
            warehouse_service, self.running.databases["warehouse"], **env
        )

    def ready_units(self, count: int) -> list[core_pb2.UnitKey]:
        """Units with their resin installed: ready to complete (the product has no route)."""
        wo = self.production.CreateWorkOrder(
            pb.CreateWorkOrderRequest(
                sku=self.sku, quantity=count, bom_revision="A", line=self.line
            )
        ).work_order
        assert wo.output_location_code == self.stores  # the warehouse above the line
        units = list(
            self.production.CommissionUnits(
                pb.CommissionUnitsRequest(work_order_id=wo.id, count=count)
            ).units
        )
        kits = [
            pb.InstallComponentsRequest(
                parent=u,
                components=[
                    pb.ComponentToInstall(lot=core_pb2.LotQuantity(lot=self.lot, quantity=1))
                ],
            )
            for u in units
        ]
        for start in range(0, count, 100):
            outcomes = self.production.InstallKits(
                pb.InstallKitsRequest(kits=kits[start : start + 100])
            ).outcomes
            assert {o.WhichOneof("outcome") for o in outcomes} == {"installed"}
        return units

    line: str = ""

    def statuses(self, units: list[core_pb2.UnitKey]) -> dict[str, int]:
        builds = self.production.BatchGetUnitBuilds(
            pb.BatchGetUnitBuildsRequest(units=units)
        ).builds
        return {b.unit.serial: b.status for b in builds}

    def stock(self, units: list[core_pb2.UnitKey]) -> dict[str, tuple[int, str]]:
        rows = self.warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=units)).units
        return {r.unit.serial: (r.custody, r.location_code) for r in rows}

    def receipts(self, units: list[core_pb2.UnitKey]) -> dict[str, int]:
        moves = self.warehouse.BatchGetMovements(wh.BatchGetMovementsRequest(units=units))
        counts: dict[str, int] = {}
        for m in moves.movements:
            if m.kind == wh.MOVEMENT_KIND_RECEIVE and m.work_order_id:
                counts[m.unit.serial] = counts.get(m.unit.serial, 0) + 1
        return counts

    def assert_no_complete_unit_outside_stock(self, units: list[core_pb2.UnitKey]) -> None:
        stock = self.stock(units)
        for serial, status in self.statuses(units).items():
            if status == pb.BUILD_STATUS_COMPLETE:
                assert stock.get(serial, (0, ""))[0] == wh.CUSTODY_STATUS_IN_STOCK, serial

    def assert_converged(self, units: list[core_pb2.UnitKey]) -> None:
        """Every unit COMPLETE, in stock at the output location, received exactly once."""
        assert set(self.statuses(units).values()) == {pb.BUILD_STATUS_COMPLETE}
        in_stock = (wh.CUSTODY_STATUS_IN_STOCK, self.stores)
        assert self.stock(units) == {u.serial: in_stock for u in units}
        assert self.receipts(units) == {u.serial: 1 for u in units}


@pytest.fixture(scope="module")
def line(test_databases: TestDatabases) -> Iterator[Line]:
    running = start_services(test_databases, ["masterdata", "production", "warehouse", "quality"])
    channels = {n: grpc.insecure_channel(a) for n, a in running.addrs.items()}
    admin = Caller(md_grpc.MasterdataServiceStub(channels["masterdata"]), token("ada", "admin"))
    stores = create_location(channels["masterdata"], md.LOCATION_KIND_WAREHOUSE)
    line_code = create_location(channels["masterdata"], md.LOCATION_KIND_LINE, stores)
    supplier, resin, sku = unique("SUP"), unique("RESIN"), unique("FG")
    admin.CreateParty(
        md.CreatePartyRequest(party=md.Party(code=supplier, name="S", kind=md.PARTY_KIND_SUPPLIER))
    )
    admin.CreateProduct(
        md.CreateProductRequest(
            product=md.Product(
                sku=resin,
                name="Resin",
                kind=md.PRODUCT_KIND_MATERIAL,
                tracking=md.TRACKING_MODE_LOT,
            )
        )
    )
    admin.CreateProduct(
        md.CreateProductRequest(
            product=md.Product(
                sku=sku,
                name="Pump",
                kind=md.PRODUCT_KIND_FINISHED,
                tracking=md.TRACKING_MODE_SERIAL,
                serial_template="C{seq:06d}",
            )
        )
    )
    admin.CreateBomRevision(
        md.CreateBomRevisionRequest(
            sku=sku, revision="A", items=[md.BomItem(sku=resin, quantity=1)]
        )
    )
    Caller(admin._stub, token("quinn", "quality")).ApproveBomRevision(
        md.ApproveBomRevisionRequest(sku=sku, revision="A", meaning="released")
    )
    lot = core_pb2.LotKey(sku=resin, lot_number=unique("L"))
    built = Line(running, channels, sku, lot, stores, line_code)
    built.warehouse.ReceiveLot(
        wh.ReceiveLotRequest(lot=lot, quantity=5000, supplier_code=supplier, location_code=stores)
    )
    yield built
    for channel in channels.values():
        channel.close()
    running.stop()


def _retried(call: Any, request: Any) -> Any:
    """As a client retries: again after UNAVAILABLE (the restarted warehouse takes up to
    a second to be reached again), for at most 15 seconds."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return call(request)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _completions(units: list[core_pb2.UnitKey]) -> pb.CompleteUnitsRequest:
    return pb.CompleteUnitsRequest(
        items=[pb.CompleteUnitRequest(unit=u, idempotency_key=unique("done")) for u in units]
    )


def test_completed_units_can_be_packed_and_shipped_at_once(line: Line) -> None:
    units = line.ready_units(3)
    outcomes = line.production.CompleteUnits(_completions(units)).outcomes
    assert {o.build.status for o in outcomes} == {pb.BUILD_STATUS_COMPLETE}
    line.assert_converged(units)
    carton = line.warehouse.Pack(wh.PackRequest(kind=wh.PACKAGE_KIND_CARTON, units=units))
    assert carton.package.location_code == line.stores


def test_with_the_warehouse_stopped_completion_writes_nothing_and_a_retry_converges(
    line: Line,
) -> None:
    units = line.ready_units(10)
    first, second = _completions(units[:5]), _completions(units[5:])
    line.production.CompleteUnits(first)
    line.stop_warehouse()
    try:
        error = rpc_error(line.production.CompleteUnits, second)
        assert error.code() == grpc.StatusCode.UNAVAILABLE and "warehouse" in error.details()
        lone = rpc_error(line.production.CompleteUnit, second.items[0])
        assert lone.code() == grpc.StatusCode.UNAVAILABLE
        statuses = line.statuses(units)
        assert {statuses[u.serial] for u in units[5:]} == {pb.BUILD_STATUS_COMMISSIONED}
    finally:
        line.restart_warehouse()
    line.assert_no_complete_unit_outside_stock(units)
    # The retry, with the same keys, completes and receives the rest; the first half
    # replays its answers.
    again = _retried(line.production.CompleteUnits, first).outcomes
    assert {o.build.status for o in again} == {pb.BUILD_STATUS_COMPLETE}
    retried = _retried(line.production.CompleteUnits, second).outcomes
    assert {o.build.status for o in retried} == {pb.BUILD_STATUS_COMPLETE}
    line.assert_converged(units)


def _warehouse_backends_waiting(admin: psycopg.Connection[Any], database: str) -> int:
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
        (database,),
    ).fetchone()
    return int(row[0]) if row else 0


def test_the_warehouse_stopped_in_the_middle_of_a_batch_leaves_no_complete_unit_outside_stock(
    line: Line, test_databases: TestDatabases
) -> None:
    """The warehouse is stopped while it is receiving a 200-unit batch (held on a table
    lock until then), so production never hears back. Whatever the warehouse wrote, no
    unit is COMPLETE outside stock, and the same batch retried converges."""
    if test_databases.kind != "postgresql":
        pytest.skip("holds the warehouse on a PostgreSQL table lock")
    units = line.ready_units(200)
    batch = _completions(units)
    url = line.running.databases["warehouse"]
    database = url.rsplit("/", 1)[1]
    outcome: list[Any] = []

    def complete() -> None:
        try:
            outcome.append(line.production.CompleteUnits(batch))
        except grpc.RpcError as error:
            outcome.append(error)

    with psycopg.connect(url) as blocker, psycopg.connect(url, autocommit=True) as admin:
        blocker.execute("LOCK TABLE unit_stock IN EXCLUSIVE MODE")  # inserts wait on it
        caller = threading.Thread(target=complete)
        caller.start()
        deadline = time.monotonic() + 30
        while not _warehouse_backends_waiting(admin, database):
            assert time.monotonic() < deadline, "the warehouse never reached its insert"
            time.sleep(0.05)
        line.stop_warehouse()  # mid-call: the receipt is in flight, its answer is lost
        caller.join(timeout=30)
        blocker.rollback()  # the stopped server's transaction may now finish, or not
        deadline = time.monotonic() + 30
        while _warehouse_backends_waiting(admin, database):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    try:
        [error] = outcome
        assert isinstance(error, grpc.RpcError), "production must not answer without stock"
        assert error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL)
        statuses = line.statuses(units)
        assert pb.BUILD_STATUS_COMPLETE not in statuses.values()
    finally:
        line.restart_warehouse()
    line.assert_no_complete_unit_outside_stock(units)
    retried = _retried(line.production.CompleteUnits, batch).outcomes
    assert {o.build.status for o in retried} == {pb.BUILD_STATUS_COMPLETE}
    line.assert_converged(units)
