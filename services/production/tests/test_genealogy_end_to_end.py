"""Genealogy built only through real installs, with all four services running: lots are
issued from warehouse stock and checked against quality's holds."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from threading import Barrier
from typing import Any

import grpc
import pytest

from serialtrace.common.testing import (
    Caller,
    TestDatabases,
    rpc_error,
    start_services,
    token,
    unique,
)
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc


@pytest.fixture(scope="module")
def calls(test_databases: TestDatabases) -> Iterator[dict[str, Any]]:
    running = start_services(test_databases, ["masterdata", "production", "warehouse", "quality"])
    channels = {n: grpc.insecure_channel(a) for n, a in running.addrs.items()}
    yield {
        "admin": Caller(
            md_grpc.MasterdataServiceStub(channels["masterdata"]), token("ada", "admin")
        ),
        "line": Caller(
            pp_grpc.ProductionServiceStub(channels["production"]),
            token("olga", "operator", "planner"),
        ),
        "stores": Caller(
            wh_grpc.WarehouseServiceStub(channels["warehouse"]), token("wes", "operator")
        ),
        "quality": Caller(
            qa_grpc.QualityServiceStub(channels["quality"]), token("quinn", "quality")
        ),
    }
    for channel in channels.values():
        channel.close()
    running.stop()


@dataclass
class Plant:
    """A site with stock: resin (two lots) and screws (one lot) received, 10 of each;
    a subassembly made of resin, a finished product made of the subassembly and screws."""

    line: Caller
    stores: Caller
    quality: Caller
    sub: str
    fg: str
    old_resin: core_pb2.LotKey
    new_resin: core_pb2.LotKey
    screw_lot: core_pb2.LotKey
    location: str
    supplier: str

    def receive(self, *lots: core_pb2.LotKey) -> list[core_pb2.LotKey]:
        """10 of each lot into the site's stores."""
        for lot in lots:
            self.stores.ReceiveLot(
                wh.ReceiveLotRequest(
                    lot=lot, quantity=10, supplier_code=self.supplier, location_code=self.location
                )
            )
        return list(lots)

    def receive_resin_lots(self, count: int) -> list[core_pb2.LotKey]:
        return self.receive(
            *(core_pb2.LotKey(sku=self.old_resin.sku, lot_number=unique("R")) for _ in range(count))
        )

    def build(self, sku: str, count: int) -> list[core_pb2.UnitKey]:
        wo = self.line.CreateWorkOrder(
            pp.CreateWorkOrderRequest(
                sku=sku, quantity=count, bom_revision="A", output_location_code=self.location
            )
        ).work_order.id
        return list(
            self.line.CommissionUnits(
                pp.CommissionUnitsRequest(work_order_id=wo, count=count)
            ).units
        )

    def install(self, parent: core_pb2.UnitKey, **component: Any) -> None:
        self.line.InstallComponent(pp.InstallComponentRequest(parent=parent, **component))

    def on_hand(self, *lots: core_pb2.LotKey) -> list[float]:
        stock = self.stores.BatchGetLotStock(wh.BatchGetLotStockRequest(lots=lots)).lots
        by_number = {s.lot.lot_number: s.quantity_on_hand for s in stock}
        return [by_number[lot.lot_number] for lot in lots]

    def lots_in(self, u: core_pb2.UnitKey) -> set[str]:
        [entry] = self.line.BatchGetMaterialLots(pp.BatchGetMaterialLotsRequest(units=[u])).units
        return {k.lot_number for k in entry.lots}


@pytest.fixture
def plant(calls: dict[str, Any]) -> Plant:
    admin, line, stores = calls["admin"], calls["line"], calls["stores"]
    loc, supplier = unique("WH"), unique("SUP")
    admin.CreateLocation(
        md.CreateLocationRequest(
            location=md.Location(code=loc, name="Stores", kind=md.LOCATION_KIND_WAREHOUSE)
        )
    )
    admin.CreateParty(
        md.CreatePartyRequest(
            party=md.Party(code=supplier, name="Supplier", kind=md.PARTY_KIND_SUPPLIER)
        )
    )
    resin, screws, sub, fg = (unique(p) for p in ("RESIN", "SCREW", "SUB", "FG"))
    for sku in (resin, screws):
        admin.CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku, name=sku, kind=md.PRODUCT_KIND_MATERIAL, tracking=md.TRACKING_MODE_LOT
                )
            )
        )
    for sku, kind, items in (
        (sub, md.PRODUCT_KIND_SUBASSEMBLY, [resin]),
        (fg, md.PRODUCT_KIND_FINISHED, [sub, screws]),
    ):
        admin.CreateProduct(
            md.CreateProductRequest(
                product=md.Product(
                    sku=sku,
                    name=sku,
                    kind=kind,
                    tracking=md.TRACKING_MODE_SERIAL,
                    serial_template="S{seq:05d}",
                )
            )
        )
        admin.CreateBomRevision(
            md.CreateBomRevisionRequest(
                sku=sku, revision="A", items=[md.BomItem(sku=i, quantity=1) for i in items]
            )
        )
        Caller(admin._stub, token("quinn", "quality")).ApproveBomRevision(
            md.ApproveBomRevisionRequest(sku=sku, revision="A", meaning="released")
        )
    old_resin, new_resin, screw_lot = (
        core_pb2.LotKey(sku=resin, lot_number=unique("A")),
        core_pb2.LotKey(sku=resin, lot_number=unique("B")),
        core_pb2.LotKey(sku=screws, lot_number=unique("S")),
    )
    plant = Plant(
        line, stores, calls["quality"], sub, fg, old_resin, new_resin, screw_lot, loc, supplier
    )
    plant.receive(old_resin, new_resin, screw_lot)
    return plant


def test_three_level_trace_rework_and_where_used_through_real_installs(plant: Plant) -> None:
    line, build, install, lots_in = plant.line, plant.build, plant.install, plant.lots_in
    sub, fg = plant.sub, plant.fg
    old_resin, new_resin, screw_lot = plant.old_resin, plant.new_resin, plant.screw_lot

    old_sub, new_sub = build(sub, 2)
    [unit] = build(fg, 1)
    install(old_sub, component_lot=core_pb2.LotQuantity(lot=old_resin, quantity=1))
    install(new_sub, component_lot=core_pb2.LotQuantity(lot=new_resin, quantity=1))
    install(unit, component_unit=old_sub)
    install(unit, component_lot=core_pb2.LotQuantity(lot=screw_lot, quantity=1))

    def used_in(lot: core_pb2.LotKey) -> list[tuple[str, str]]:
        return [(u.sku, u.serial) for u in line.WhereUsed(pp.WhereUsedRequest(lot=lot)).units]

    assert lots_in(unit) == {old_resin.lot_number, screw_lot.lot_number}
    # The top-level unit, not the subassembly.
    assert used_in(old_resin) == [(unit.sku, unit.serial)]
    assert plant.on_hand(old_resin) == [9]  # issued from stock by the install

    line.RemoveComponent(
        pp.RemoveComponentRequest(
            parent=unit, component_unit=old_sub, reason="resin voids found in X-ray"
        )
    )
    install(unit, component_unit=new_sub)
    current = line.GetComponentTree(pp.GetComponentTreeRequest(unit=unit)).links
    assert new_sub.serial in {ln.component_unit.serial for ln in current}
    assert old_sub.serial not in {ln.component_unit.serial for ln in current}
    history = line.GetComponentTree(
        pp.GetComponentTreeRequest(unit=unit, include_removed=True)
    ).links
    removed = [ln for ln in history if ln.removed_by]
    assert [(ln.component_unit.serial, ln.removal_reason) for ln in removed] == [
        (old_sub.serial, "resin voids found in X-ray")
    ]
    assert lots_in(unit) == {new_resin.lot_number, screw_lot.lot_number}
    assert used_in(old_resin) == [(old_sub.sku, old_sub.serial)]  # loose again after rework
    assert used_in(new_resin) == [(unit.sku, unit.serial)]


def test_a_kit_installs_every_component_or_none(plant: Plant) -> None:
    line = plant.line
    [sub_a, sub_b] = plant.build(plant.sub, 2)
    [unit] = plant.build(plant.fg, 1)
    plant.install(sub_a, component_lot=core_pb2.LotQuantity(lot=plant.old_resin, quantity=1))
    screws = pp.ComponentToInstall(lot=core_pb2.LotQuantity(lot=plant.screw_lot, quantity=4))
    kit = pp.InstallComponentsRequest(
        parent=unit,
        components=[pp.ComponentToInstall(unit=sub_a), screws],
        operation="ASSEMBLY",
        idempotency_key=unique("kit"),
    )
    before = plant.on_hand(plant.screw_lot)

    # A hold on one component refuses the whole kit: nothing installed, nothing issued.
    hold = plant.quality.PlaceHold(
        qa.PlaceHoldRequest(reason="torque audit", lots=[plant.screw_lot])
    ).hold
    error = rpc_error(line.InstallComponents, kit)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and hold.id in error.details()
    assert plant.on_hand(plant.screw_lot) == before
    assert not line.BatchGetComponents(pp.BatchGetComponentsRequest(units=[unit])).links
    plant.quality.ReleaseHold(qa.ReleaseHoldRequest(id=hold.id, meaning="audit passed"))

    # More screws than on hand: the warehouse refuses, production writes nothing either.
    too_many = pp.InstallComponentsRequest(
        parent=unit,
        components=[
            pp.ComponentToInstall(unit=sub_a),
            pp.ComponentToInstall(lot=core_pb2.LotQuantity(lot=plant.screw_lot, quantity=99)),
        ],
    )
    error = rpc_error(line.InstallComponents, too_many)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert plant.screw_lot.lot_number in error.details()
    assert not line.BatchGetComponents(pp.BatchGetComponentsRequest(units=[unit])).links

    for components, code, words in (
        ([], grpc.StatusCode.INVALID_ARGUMENT, "at least one component"),
        ([screws, pp.ComponentToInstall()], grpc.StatusCode.INVALID_ARGUMENT, "component 2"),
        (
            [pp.ComponentToInstall(unit=sub_b), pp.ComponentToInstall(unit=sub_b)],
            grpc.StatusCode.FAILED_PRECONDITION,
            "listed twice",
        ),
        (
            [screws, pp.ComponentToInstall(unit=unit)],
            grpc.StatusCode.FAILED_PRECONDITION,
            "in itself",
        ),
    ):
        error = rpc_error(
            line.InstallComponents,
            pp.InstallComponentsRequest(parent=unit, components=components),
        )
        assert (error.code(), words in error.details()) == (code, True), error.details()

    links = line.InstallComponents(kit).links
    assert [
        (ln.component_unit.serial, ln.component_lot.lot_number, ln.quantity) for ln in links
    ] == [
        (sub_a.serial, "", 1),
        ("", plant.screw_lot.lot_number, 4),
    ]
    assert {ln.operation for ln in links} == {"ASSEMBLY"}
    assert plant.lots_in(unit) == {plant.old_resin.lot_number, plant.screw_lot.lot_number}
    assert plant.on_hand(plant.screw_lot) == [before[0] - 4]
    # Replayed with its key: the same links, nothing issued twice.
    assert line.InstallComponents(kit).links == links
    assert plant.on_hand(plant.screw_lot) == [before[0] - 4]


def _kit(parent: core_pb2.UnitKey, lot: core_pb2.LotKey, quantity: float) -> Any:
    return pp.InstallComponentsRequest(
        parent=parent,
        components=[pp.ComponentToInstall(lot=core_pb2.LotQuantity(lot=lot, quantity=quantity))],
        operation="SMT",
        idempotency_key=unique("kit"),
    )


def test_kits_into_many_parents_each_go_in_whole_or_not_at_all(plant: Plant) -> None:
    line = plant.line
    sub_a, sub_b, sub_c = plant.build(plant.sub, 3)
    hold = plant.quality.PlaceHold(
        qa.PlaceHoldRequest(reason="resin audit", lots=[plant.new_resin])
    ).hold
    kits = [
        _kit(sub_a, plant.old_resin, 2),
        _kit(sub_b, plant.new_resin, 1),  # held
        _kit(sub_c, plant.old_resin, 99),  # more than on hand
    ]
    before = plant.on_hand(plant.old_resin, plant.new_resin)

    first = line.InstallKits(pp.InstallKitsRequest(kits=kits)).outcomes
    assert [o.WhichOneof("outcome") for o in first] == ["installed", "error", "error"]
    [link] = first[0].installed.links
    assert (link.parent.serial, link.component_lot.lot_number, link.quantity) == (
        sub_a.serial,
        plant.old_resin.lot_number,
        2,
    )
    assert first[1].error.code == "FAILED_PRECONDITION" and hold.id in first[1].error.message
    assert first[2].error.code == "FAILED_PRECONDITION"
    assert plant.old_resin.lot_number in first[2].error.message
    assert plant.lots_in(sub_a) == {plant.old_resin.lot_number}
    assert not line.BatchGetComponents(pp.BatchGetComponentsRequest(units=[sub_b, sub_c])).links
    assert plant.on_hand(plant.old_resin, plant.new_resin) == [before[0] - 2, before[1]]

    # Each kit's key is kept as if it had been sent alone: a lone retry of the first kit
    # replays it; the refused kits were not stored, so once the hold is released the same
    # batch installs the held kit and replays the first, issuing nothing twice.
    assert line.InstallComponents(kits[0]).links == first[0].installed.links
    plant.quality.ReleaseHold(qa.ReleaseHoldRequest(id=hold.id, meaning="audit passed"))
    again = line.InstallKits(pp.InstallKitsRequest(kits=kits)).outcomes
    assert again[0] == first[0]
    assert again[1].WhichOneof("outcome") == "installed"
    assert again[2].error.code == "FAILED_PRECONDITION"
    assert plant.on_hand(plant.old_resin, plant.new_resin) == [before[0] - 2, before[1] - 1]

    too_many = pp.InstallKitsRequest(kits=[_kit(sub_c, plant.old_resin, 1)] * 101)
    error = rpc_error(line.InstallKits, too_many)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "100 kits" in error.details()
    viewer = Caller(line._stub, token("vera", "viewer"))
    error = rpc_error(viewer.InstallKits, pp.InstallKitsRequest(kits=[kits[2]]))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def _install_at_once(line: Caller, barrier: Barrier, kits: list[Any]) -> list[str | None]:
    barrier.wait()
    outcomes = line.InstallKits(pp.InstallKitsRequest(kits=kits)).outcomes
    return [o.WhichOneof("outcome") for o in outcomes]


def test_two_batches_sharing_new_lots_in_opposite_orders_both_install(plant: Plant) -> None:
    # Each batch meets lots no unit holds yet, so each must create their genealogy nodes.
    # Created kit by kit, one batch's first lot is the other's last and each waits on the
    # other's uncommitted insert: PostgreSQL kills one as a deadlock.
    for _ in range(3):
        lots = plant.receive_resin_lots(8)
        subs = plant.build(plant.sub, 2 * len(lots))
        batches = [
            [_kit(sub, lot, 1) for sub, lot in zip(subs[: len(lots)], lots, strict=True)],
            [_kit(sub, lot, 1) for sub, lot in zip(subs[len(lots) :], lots[::-1], strict=True)],
        ]
        together = partial(_install_at_once, plant.line, Barrier(len(batches)))
        with ThreadPoolExecutor(len(batches)) as pool:
            results = list(pool.map(together, batches))
        assert results == [["installed"] * len(lots)] * 2
        assert plant.on_hand(*lots) == [8] * len(lots)


def test_completions_in_one_call_each_report_their_own_outcome(plant: Plant) -> None:
    line = plant.line
    ready, short = plant.build(plant.sub, 2)
    plant.install(ready, component_lot=core_pb2.LotQuantity(lot=plant.old_resin, quantity=1))
    stranger = core_pb2.UnitKey(sku=plant.sub, serial=unique("NOPE"))
    items = [
        pp.CompleteUnitRequest(unit=u, idempotency_key=unique("done"))
        for u in (ready, short, ready, stranger)
    ]

    outcomes = line.CompleteUnits(pp.CompleteUnitsRequest(items=items)).outcomes
    assert outcomes[0].build.unit == ready
    assert outcomes[0].build.status == pp.BUILD_STATUS_COMPLETE
    assert outcomes[1].error.code == "FAILED_PRECONDITION"
    assert "BOM revision A not satisfied" in outcomes[1].error.message
    # The same unit again under another key: its build closed a moment ago in this batch.
    assert outcomes[2].error.code == "FAILED_PRECONDITION"
    assert "build is closed" in outcomes[2].error.message
    assert outcomes[3].error.code == "NOT_FOUND" and stranger.serial in outcomes[3].error.message
    builds = line.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=[ready, short])).builds
    assert {b.unit.serial: b.status for b in builds} == {
        ready.serial: pp.BUILD_STATUS_COMPLETE,
        short.serial: pp.BUILD_STATUS_COMMISSIONED,
    }
    # Only the completed one entered stock, at its work order's output location.
    stock = plant.stores.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=[ready, short]))
    assert [(u.unit, u.custody, u.location_code) for u in stock.units] == [
        (ready, wh.CUSTODY_STATUS_IN_STOCK, plant.location)
    ]

    # Replayed: the completion answers as it did; a lone CompleteUnit with its key too.
    again = line.CompleteUnits(pp.CompleteUnitsRequest(items=items)).outcomes
    assert again[0] == outcomes[0] and again[1].error.code == "FAILED_PRECONDITION"
    assert line.CompleteUnit(items[0]).build == outcomes[0].build
    [receipt] = plant.stores.BatchGetMovements(wh.BatchGetMovementsRequest(units=[ready])).movements
    assert (receipt.kind, receipt.to_location_code) == (wh.MOVEMENT_KIND_RECEIVE, plant.location)
    assert receipt.work_order_id == builds[0].work_order_id

    error = rpc_error(line.CompleteUnits, pp.CompleteUnitsRequest(items=[items[1]] * 1001))
    assert (
        error.code() == grpc.StatusCode.INVALID_ARGUMENT and "1000 completions" in error.details()
    )
    viewer = Caller(line._stub, token("vera", "viewer"))
    error = rpc_error(viewer.CompleteUnits, pp.CompleteUnitsRequest(items=[items[1]]))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
