"""The synthetic factory generator, against the four real services: what it builds is
checked through the services' own read APIs, not through the generator's report."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from serialtrace.bench.factory import (
    FINISHED_ROUTE,
    MATERIALS,
    RECALL,
    SUB_ROUTE,
    FactoryError,
    FactoryPlan,
    FactoryReport,
    build_factory,
    factory_exists,
    plan_factory,
)
from serialtrace.common.testing import Caller, TestDatabases, start_services, token
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

# In-process services share one interpreter (about one unit a second on two cores), so
# the factory here is small; the benchmark builds the big ones.
UNITS = 20
SEED = 11


@dataclass
class Factory:
    addrs: dict[str, str]
    admin: str
    masterdata: Any
    production: Any
    warehouse: Any
    quality: Any
    existed_before: bool
    report: FactoryReport
    plan: FactoryPlan
    log: list[str]


@pytest.fixture(scope="module")
def factory(test_databases: TestDatabases) -> Iterator[Factory]:
    running = start_services(test_databases, ["masterdata", "production", "warehouse", "quality"])
    channels = {n: grpc.insecure_channel(a) for n, a in running.addrs.items()}
    viewer = token("vera", "viewer")
    admin = token("factory-loader", "admin")
    existed = factory_exists(running.addrs, admin, "FA")
    lines: list[str] = []
    report = build_factory(
        running.addrs,
        admin,
        UNITS,
        seed=SEED,
        prefix="FA",
        workers=4,
        place_hold=True,
        log=lines.append,
    )
    yield Factory(
        addrs=running.addrs,
        admin=admin,
        masterdata=Caller(md_grpc.MasterdataServiceStub(channels["masterdata"]), viewer),
        production=Caller(pp_grpc.ProductionServiceStub(channels["production"]), viewer),
        warehouse=Caller(wh_grpc.WarehouseServiceStub(channels["warehouse"]), viewer),
        quality=Caller(qa_grpc.QualityServiceStub(channels["quality"]), viewer),
        existed_before=existed,
        report=report,
        plan=plan_factory(UNITS, SEED, "FA"),
        log=lines,
    )
    for channel in channels.values():
        channel.close()
    running.stop()


def finished_units(f: Factory) -> list[core_pb2.UnitKey]:
    """Every finished unit, from the work orders production holds, not from the report."""
    serials = [f"FA-F{n:07d}" for n in range(1, UNITS + 1)]
    keys = [core_pb2.UnitKey(sku="FA-FIN", serial=s) for s in serials]
    builds = f.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=keys)).builds
    assert len(builds) == UNITS
    return keys


def test_factory_exists_flips_once_built(factory: Factory) -> None:
    assert factory.existed_before is False
    assert factory_exists(factory.addrs, factory.admin, "FA") is True
    assert factory_exists(factory.addrs, factory.admin, "NOPE") is False


def test_master_data_products_boms_and_gtins(factory: Factory) -> None:
    skus = ["FA-FIN", "FA-SUB", *(f"FA-{m.code}" for m in MATERIALS)]
    products = {
        p.sku: p
        for p in factory.masterdata.BatchGetProducts(md.BatchGetProductsRequest(skus=skus)).products
    }
    assert len(products) == 15 == factory.report.rows["masterdata"]["products"]
    assert products["FA-FIN"].tracking == products["FA-SUB"].tracking == md.TRACKING_MODE_SERIAL
    assert products["FA-FIN"].gtin and products["FA-SUB"].gtin
    lot_tracked = [p for p in products.values() if p.tracking == md.TRACKING_MODE_LOT]
    assert len(lot_tracked) == 13
    boms = factory.masterdata.BatchGetBomRevisions(
        md.BatchGetBomRevisionsRequest(skus=["FA-FIN", "FA-SUB"])
    ).bom_revisions
    items = {b.sku: {i.sku for i in b.items} for b in boms}
    assert all(b.HasField("approval") for b in boms)
    assert len(items["FA-FIN"]) == 9 and "FA-SUB" in items["FA-FIN"]
    assert len(items["FA-SUB"]) == 5
    routes = {
        r.sku: list(r.operations)
        for r in factory.production.BatchGetRoutes(
            pp.BatchGetRoutesRequest(skus=["FA-FIN", "FA-SUB"])
        ).routes
    }
    assert routes == {"FA-FIN": list(FINISHED_ROUTE), "FA-SUB": list(SUB_ROUTE)}


def test_every_unit_is_complete_with_its_components_and_operations(factory: Factory) -> None:
    units = finished_units(factory)
    builds = factory.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=units))
    assert {b.status for b in builds.builds} == {pp.BUILD_STATUS_COMPLETE}
    links = factory.production.BatchGetComponents(pp.BatchGetComponentsRequest(units=units)).links
    by_parent: dict[str, list[pp.ComponentLink]] = defaultdict(list)
    for link in links:
        by_parent[link.parent.serial].append(link)
    subs = []
    for unit in units:
        current = by_parent[unit.serial]
        assert len(current) == 9, unit.serial
        [sub] = [ln.component_unit for ln in current if ln.HasField("component_unit")]
        subs.append(sub)
    assert len({s.serial for s in subs}) == UNITS  # a subassembly in one unit only
    sub_builds = factory.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=subs))
    assert {b.status for b in sub_builds.builds} == {pp.BUILD_STATUS_COMPLETE}
    assert {b.installed_in.sku for b in sub_builds.builds} == {"FA-FIN"}
    sub_links = factory.production.BatchGetComponents(
        pp.BatchGetComponentsRequest(units=subs)
    ).links
    assert Counter(ln.parent.serial for ln in sub_links) == {s.serial: 5 for s in subs}
    assert all(ln.HasField("component_lot") for ln in sub_links)

    records = factory.production.BatchGetOperations(
        pp.BatchGetOperationsRequest(units=units + subs)
    ).records
    ops: dict[str, list[str]] = defaultdict(list)
    for record in records:
        ops[record.unit.serial].append(record.operation)
        assert record.result == core_pb2.RESULT_PASS
        assert json.loads(record.measurements_json)["cycle_s"] > 0
    assert all(sorted(ops[u.serial]) == sorted(FINISHED_ROUTE) for u in units)
    assert all(sorted(ops[s.serial]) == sorted(SUB_ROUTE) for s in subs)
    assert factory.report.rows["production"]["operations"] == len(records)


def test_each_unit_holds_13_lots_as_planned(factory: Factory) -> None:
    units = finished_units(factory)
    found = factory.production.BatchGetMaterialLots(
        pp.BatchGetMaterialLotsRequest(units=units)
    ).units
    lots = {entry.unit.serial: {(k.sku, k.lot_number) for k in entry.lots} for entry in found}
    for n, unit in enumerate(units):
        planned = {factory.plan.lot_of(n, m) for m in range(len(MATERIALS))}
        assert len(planned) == 13
        assert lots[unit.serial] == planned


def test_where_used_of_every_lot_matches_the_plan_and_the_top_lot_is_most_used(
    factory: Factory,
) -> None:
    totals = {}
    for _, sku, number in factory.plan.lots():
        totals[(sku, number)] = factory.production.WhereUsed(
            pp.WhereUsedRequest(
                lot=core_pb2.LotKey(sku=sku, lot_number=number), page_size=1, count_total=True
            )
        ).total_count
    assert totals == factory.plan.usage
    top = factory.report.most_used_lot
    assert totals[top] == max(totals.values())
    assert totals[top] > UNITS / 2  # skewed: with two lots a SKU the top one takes most
    assert sum(totals.values()) == 13 * UNITS


def test_finished_units_are_stocked_packed_and_two_thirds_shipped(factory: Factory) -> None:
    units = finished_units(factory)
    stock = {
        s.unit.serial: s
        for s in factory.warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=units)).units
    }
    first_sku, first_serial = factory.report.sample_units[0]
    assert first_sku == factory.report.finished_sku == "FA-FIN"
    assert stock[first_serial].custody == wh.CUSTODY_STATUS_SHIPPED
    for n, unit in enumerate(units):
        shipped = stock[unit.serial].custody == wh.CUSTODY_STATUS_SHIPPED
        assert shipped == factory.plan.shipped(n), unit.serial
    custody = Counter(s.custody for s in stock.values())
    # 20 units: 2 cartons, each its own pallet; the first pallet shipped.
    assert custody == {wh.CUSTODY_STATUS_SHIPPED: 10, wh.CUSTODY_STATUS_IN_STOCK: 10}
    assert factory.report.rows["warehouse"]["shipped_units"] == 10
    assert {s.location_code for s in stock.values() if s.custody == wh.CUSTODY_STATUS_IN_STOCK} == {
        "FA-BIN-FG"
    }
    cartons = Counter(s.package_sscc for s in stock.values())
    assert sorted(cartons.values()) == [10, 10]
    packages = factory.warehouse.BatchGetPackages(
        wh.BatchGetPackagesRequest(ssccs=list(cartons))
    ).packages
    assert {p.kind for p in packages} == {wh.PACKAGE_KIND_CARTON}
    assert all(p.parent_sscc for p in packages)  # each carton on a pallet
    [shipment_id] = {s.shipment_id for s in stock.values() if s.shipment_id}
    [shipment] = factory.warehouse.BatchGetShipments(
        wh.BatchGetShipmentsRequest(ids=[shipment_id])
    ).shipments
    assert shipment.customer_code == "FA-ACME" and shipment.unit_count == 10


def test_the_hold_is_active_on_a_lot_other_than_the_most_used(factory: Factory) -> None:
    assert factory.report.hold_id
    [hold] = factory.quality.BatchGetHolds(
        qa.BatchGetHoldsRequest(ids=[factory.report.hold_id])
    ).holds
    assert hold.active
    [lot] = [(k.sku, k.lot_number) for k in hold.lots]
    assert lot != factory.report.most_used_lot
    assert hold.unit_count >= factory.plan.usage[lot] >= 1


def test_progress_is_logged_per_phase(factory: Factory) -> None:
    text = "\n".join(factory.log)
    for phase in ("master data", "material lots received", "units built", "packing"):
        assert f"[factory FA] {phase}" in text
    assert "done: 20 units" in text


def test_same_seed_same_lots_and_a_crashed_build_resumes_without_duplicates(
    factory: Factory,
) -> None:
    """A second, smaller factory of the same seed gets the same lots unit by unit. Its
    first attempt dies after the units are built; the re-run replays and finishes."""

    class Crash(Exception):
        pass

    def crash_after_building(line: str) -> None:
        if "units built" in line:
            raise Crash(line)

    with pytest.raises(Crash):
        build_factory(
            factory.addrs, factory.admin, 5, seed=SEED, prefix="FB", log=crash_after_building
        )
    report = build_factory(
        factory.addrs, factory.admin, 5, seed=SEED, prefix="FB", log=lambda _: None
    )
    assert report.rows["production"]["completions"] == 10  # replayed calls count as done

    units = [core_pb2.UnitKey(sku="FB-FIN", serial=f"FB-F{n:07d}") for n in range(1, 6)]
    links = factory.production.BatchGetComponents(pp.BatchGetComponentsRequest(units=units)).links
    assert Counter(ln.parent.serial for ln in links) == {u.serial: 9 for u in units}
    records = factory.production.BatchGetOperations(pp.BatchGetOperationsRequest(units=units))
    assert len(records.records) == 5 * len(FINISHED_ROUTE)

    def lot_numbers(keys: list[core_pb2.UnitKey]) -> list[set[str]]:
        found = factory.production.BatchGetMaterialLots(
            pp.BatchGetMaterialLotsRequest(units=keys)
        ).units
        by_serial = {e.unit.serial: {k.lot_number for k in e.lots} for e in found}
        return [by_serial[k.serial] for k in keys]

    first_five = finished_units(factory)[:5]
    assert lot_numbers(units) == lot_numbers(first_five)
    # Fewer units than a carton: the first one still ships, loose.
    [stock] = factory.warehouse.BatchGetUnitStock(
        wh.BatchGetUnitStockRequest(units=[units[0]])
    ).units
    assert stock.custody == wh.CUSTODY_STATUS_SHIPPED
    assert report.sample_units[0] == ("FB-FIN", units[0].serial)


def test_a_failed_call_raises_naming_the_call(factory: Factory) -> None:
    with pytest.raises(FactoryError) as info:
        build_factory(factory.addrs, token("vera", "viewer"), 1, prefix="FC", log=lambda _: None)
    message = str(info.value)
    assert "masterdata.CreateLocation" in message and "PERMISSION_DENIED" in message


def test_plan_is_deterministic_and_skewed_at_full_size() -> None:
    small = plan_factory(40, seed=3, prefix="X")
    assert small.choices == plan_factory(40, seed=3, prefix="Y").choices
    assert small.choices != plan_factory(40, seed=4, prefix="X").choices
    full = plan_factory(100_000, seed=7, prefix="Z")
    assert sum(len(n) for n in full.lot_numbers) == 300
    top = full.usage[full.most_used_lot]
    assert 20_000 <= top <= 35_000  # at full size a lot reaches ~3k-30k units
    assert full.cartons == 10_000 and full.cartons_per_pallet == 40 and full.pallets == 250
    assert 0.6 <= full.shipped_pallets / full.pallets <= 0.7


def test_completion_stocks_units_and_installing_a_subassembly_issues_it(factory: Factory) -> None:
    """No put-away: each finished unit's path starts with its completion's RECEIVE into
    the finished-goods bin; each subassembly came into the stores on completion and left
    them again when it was installed."""
    units = finished_units(factory)
    builds = factory.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=units))
    work_order = {b.unit.serial: b.work_order_id for b in builds.builds}
    moves = factory.warehouse.BatchGetMovements(wh.BatchGetMovementsRequest(units=units))
    first: dict[str, wh.Movement] = {}
    for m in moves.movements:
        first.setdefault(m.unit.serial, m)
    assert {s: (m.kind, m.to_location_code, m.work_order_id) for s, m in first.items()} == {
        u.serial: (wh.MOVEMENT_KIND_RECEIVE, "FA-BIN-FG", work_order[u.serial]) for u in units
    }
    links = factory.production.BatchGetComponents(pp.BatchGetComponentsRequest(units=units))
    subs = [ln.component_unit for ln in links.links if ln.component_unit.serial]
    assert len(subs) == UNITS
    paths: dict[str, list[tuple[int, str]]] = {}
    for m in factory.warehouse.BatchGetMovements(wh.BatchGetMovementsRequest(units=subs)).movements:
        paths.setdefault(m.unit.serial, []).append(
            (m.kind, m.to_location_code or m.from_location_code)
        )
    assert paths == {
        s.serial: [(wh.MOVEMENT_KIND_RECEIVE, "FA-WH"), (wh.MOVEMENT_KIND_ISSUE, "FA-WH")]
        for s in subs
    }


def test_the_recall_shape_puts_its_one_lot_in_every_unit_and_ships_two_thirds(
    factory: Factory,
) -> None:
    units = 30
    report = build_factory(
        factory.addrs,
        factory.admin,
        units,
        seed=SEED,
        prefix="FR",
        workers=2,
        log=lambda _: None,
        shape=RECALL,
    )
    plan = plan_factory(units, SEED, "FR", RECALL)
    assert report.most_used_lot == plan.most_used_lot == ("FR-CELL", "CELL-001")
    assert plan.usage == {("FR-CELL", "CELL-001"): units}
    used = factory.production.WhereUsed(
        pp.WhereUsedRequest(
            lot=core_pb2.LotKey(sku="FR-CELL", lot_number="CELL-001"), count_total=True
        )
    )
    assert used.total_count == units
    keys = [core_pb2.UnitKey(sku="FR-FIN", serial=f"FR-F{n:07d}") for n in range(1, units + 1)]
    assert sorted((u.sku, u.serial) for u in used.units) == [(k.sku, k.serial) for k in keys]
    builds = factory.production.BatchGetUnitBuilds(pp.BatchGetUnitBuildsRequest(units=keys))
    assert {b.status for b in builds.builds} == {pp.BUILD_STATUS_COMPLETE}
    records = factory.production.BatchGetOperations(pp.BatchGetOperationsRequest(units=keys))
    assert not records.records  # no operation records: the shape is for recalls
    stock = factory.warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=keys)).units
    shipped = sum(s.custody == wh.CUSTODY_STATUS_SHIPPED for s in stock)
    assert len(stock) == units and shipped == sum(plan.shipped(n) for n in range(units)) > 0
