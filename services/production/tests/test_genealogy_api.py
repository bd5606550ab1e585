"""Genealogy over gRPC: install rules that fail before anything is written, rework,
completion, and the backward and forward traces."""

from __future__ import annotations

from typing import Any

import grpc
from sqlalchemy import func, select

from serialtrace.common import ledger
from serialtrace.common.testing import rpc_error, sql_engine, statements_run, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production import store
from serialtrace.production.v1 import production_pb2 as pb

Suite = Any  # the `suite` fixture (conftest.Suite)


def ukey(sku: str, serial: str) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=sku, serial=serial)


def lkey(sku: str, lot: str) -> core_pb2.LotKey:
    return core_pb2.LotKey(sku=sku, lot_number=lot)


def counts(suite: Suite) -> tuple[int, int]:
    """(genealogy edges, ledger entries) in production's database."""
    engine = sql_engine(suite.production_db)
    try:
        with engine.connect() as conn:
            edges = conn.execute(select(func.count()).select_from(store.EdgeRow)).scalar_one()
            head = conn.execute(select(func.count()).select_from(ledger.audit_ledger)).scalar_one()
            return int(edges), int(head)
    finally:
        engine.dispose()


def test_a_component_not_in_the_bom_is_refused_before_anything_else(suite: Suite) -> None:
    sku = suite.product_with_bom()
    other = suite.product_with_bom()
    [serial] = suite.commission(suite.work_order(sku))
    before = counts(suite)
    error = rpc_error(
        suite.as_role("operator").InstallComponent,
        pb.InstallComponentRequest(
            parent=ukey(sku, serial),
            component_lot=core_pb2.LotQuantity(
                lot=lkey(suite.bom(other).material, "L1"), quantity=1
            ),
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "not in BOM revision A" in error.details()
    assert counts(suite) == before


def test_install_fails_closed_when_quality_is_unreachable(suite: Suite) -> None:
    sku = suite.product_with_bom()
    material = suite.bom(sku).material
    suite.md("operator").RegisterLot(
        md.RegisterLotRequest(lot=md.Lot(sku=material, lot_number="L-UNREACH"))
    )
    [serial] = suite.commission(suite.work_order(sku))
    before = counts(suite)
    error = rpc_error(
        suite.as_role("operator").InstallComponent,
        pb.InstallComponentRequest(
            parent=ukey(sku, serial),
            component_lot=core_pb2.LotQuantity(lot=lkey(material, "L-UNREACH"), quantity=2),
            idempotency_key=unique("k"),
        ),
    )
    assert error.code() == grpc.StatusCode.UNAVAILABLE and "quality" in error.details()
    assert counts(suite) == before
    tree = (
        suite.as_role("viewer")
        .GetComponentTree(pb.GetComponentTreeRequest(unit=ukey(sku, serial)))
        .links
    )
    assert list(tree) == []


def test_a_serialized_component_in_another_unit_is_refused_naming_that_unit(suite: Suite) -> None:
    sku = suite.product_with_bom()
    part = suite.bom(sku).part
    suite.md("planner").RegisterUnits(
        md.RegisterUnitsRequest(sku=part, serials=["C-1"], source=md.UNIT_SOURCE_PURCHASED)
    )
    first, second = suite.commission(suite.work_order(sku), count=2)
    suite.seed_edge((sku, first), "UNIT", (part, "C-1"))
    error = rpc_error(
        suite.as_role("operator").InstallComponent,
        pb.InstallComponentRequest(parent=ukey(sku, second), component_unit=ukey(part, "C-1")),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert f"{sku}/{first}" in error.details()
    builds = (
        suite.as_role("viewer")
        .BatchGetUnitBuilds(pb.BatchGetUnitBuildsRequest(units=[ukey(part, "C-1")]))
        .builds
    )
    assert [(b.installed_in.sku, b.installed_in.serial) for b in builds] == [(sku, first)]


def test_three_level_trace_and_where_used_over_grpc(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [unit] = suite.commission(suite.work_order(sku))
    sub, lot_a, lot_b = ("SUB", unique("S")), ("RESIN", unique("A")), ("GLUE", unique("B"))
    suite.seed_edge(sub, "LOT", lot_a, 2)
    suite.seed_edge((sku, unit), "UNIT", sub)
    suite.seed_edge((sku, unit), "LOT", lot_b, 1)
    viewer = suite.as_role("viewer")
    lots = viewer.BatchGetMaterialLots(
        pb.BatchGetMaterialLotsRequest(units=[ukey(sku, unit)])
    ).units
    assert sorted((k.sku, k.lot_number) for k in lots[0].lots) == sorted([lot_a, lot_b])
    used = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(*lot_a), count_total=True))
    assert [(u.sku, u.serial) for u in used.units] == [(sku, unit)] and used.total_count == 1
    tree = viewer.GetComponentTree(pb.GetComponentTreeRequest(unit=ukey(sku, unit))).links
    assert len(tree) == 3


def test_rework_shows_the_replacement_and_keeps_the_removed_link(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [unit] = suite.commission(suite.work_order(sku))
    old_sub, new_sub = ("SUB", unique("OLD")), ("SUB", unique("NEW"))
    old_lot, new_lot = ("RESIN", unique("OL")), ("RESIN", unique("NL"))
    suite.seed_edge(old_sub, "LOT", old_lot)
    suite.seed_edge(new_sub, "LOT", new_lot)
    suite.seed_edge((sku, unit), "UNIT", old_sub)
    removed = (
        suite.as_role("operator", sub="rita")
        .RemoveComponent(
            pb.RemoveComponentRequest(
                parent=ukey(sku, unit), component_unit=ukey(*old_sub), reason="failed leak test"
            )
        )
        .link
    )
    assert (removed.removed_by, removed.removal_reason) == ("rita", "failed leak test")
    suite.seed_edge((sku, unit), "UNIT", new_sub)
    viewer = suite.as_role("viewer")
    current = viewer.BatchGetComponents(pb.BatchGetComponentsRequest(units=[ukey(sku, unit)]))
    assert [ln.component_unit.serial for ln in current.links] == [new_sub[1]]
    history = viewer.BatchGetComponents(
        pb.BatchGetComponentsRequest(units=[ukey(sku, unit)], include_removed=True)
    ).links
    assert sorted(ln.component_unit.serial for ln in history) == sorted([old_sub[1], new_sub[1]])
    assert [ln.removal_reason for ln in history if ln.removed_by] == ["failed leak test"]
    used = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(*old_lot)))
    assert (sku, unit) not in [(u.sku, u.serial) for u in used.units]
    again = rpc_error(
        suite.as_role("operator").RemoveComponent,
        pb.RemoveComponentRequest(
            parent=ukey(sku, unit), component_unit=ukey(*old_sub), reason="again"
        ),
    )
    assert again.code() == grpc.StatusCode.NOT_FOUND


def test_where_used_pages_with_tokens_and_a_total(suite: Suite) -> None:
    lot = ("RESIN", unique("PAGED"))
    parents = [("FG-PAGE", f"U{n:03d}") for n in range(25)]
    for parent in parents:
        suite.seed_edge(parent, "LOT", lot)
    viewer = suite.as_role("viewer")
    seen, token = [], ""
    while True:
        page = viewer.WhereUsed(
            pb.WhereUsedRequest(lot=lkey(*lot), page_size=10, page_token=token, count_total=True)
        )
        assert page.total_count == 25
        seen += [(u.sku, u.serial) for u in page.units]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == parents
    bad = rpc_error(viewer.WhereUsed, pb.WhereUsedRequest(lot=lkey(*lot), page_token="x"))
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_where_used_pages_in_sku_then_serial_order_and_counts_only_when_asked(
    suite: Suite,
) -> None:
    lot = ("RESIN", unique("ORDER"))
    # Installed out of key order, in two SKUs: the answer is in (sku, serial) order.
    parents = [("FG-ORD-B", "U2"), ("FG-ORD-A", "U9"), ("FG-ORD-B", "U1"), ("FG-ORD-A", "U10")]
    for parent in parents:
        suite.seed_edge(parent, "LOT", lot)
    viewer = suite.as_role("viewer")
    page = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(*lot), page_size=3))
    assert [(u.sku, u.serial) for u in page.units] == sorted(parents)[:3]
    assert page.total_count == 0 and page.next_page_token  # not counted: not asked
    rest = viewer.WhereUsed(
        pb.WhereUsedRequest(lot=lkey(*lot), page_token=page.next_page_token, count_total=True)
    )
    assert [(u.sku, u.serial) for u in rest.units] == sorted(parents)[3:]
    assert rest.total_count == 4 and not rest.next_page_token


def test_where_used_in_key_columns_gives_the_same_pages_as_two_lists(suite: Suite) -> None:
    lot = ("RESIN", unique("COLUMNS"))
    parents = [("FG-COL-B", "U2"), ("FG-COL-A", "U9"), ("FG-COL-B", "U1"), ("FG-COL-A", "U10")]
    for parent in parents:
        suite.seed_edge(parent, "LOT", lot)
    viewer = suite.as_role("viewer")
    page = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(*lot), page_size=3, key_columns=True))
    assert not page.units  # the keys come as columns only
    columns = page.unit_columns
    assert list(zip(columns.skus, columns.serials, strict=True)) == sorted(parents)[:3]
    rest = viewer.WhereUsed(
        pb.WhereUsedRequest(
            lot=lkey(*lot), page_token=page.next_page_token, key_columns=True, count_total=True
        )
    )
    assert (list(rest.unit_columns.skus), list(rest.unit_columns.serials)) == (["FG-COL-B"], ["U2"])
    assert rest.total_count == 4 and not rest.next_page_token


def test_complete_needs_every_route_operation_passed_and_the_bom_satisfied(suite: Suite) -> None:
    sku = suite.product_with_bom()
    product = suite.bom(sku)
    suite.as_role("planner").SetRoute(
        pb.SetRouteRequest(route=pb.Route(sku=sku, operations=["ASSY", "LEAK-TEST"]))
    )
    [unit] = suite.commission(suite.work_order(sku))
    operator = suite.as_role("operator")
    operator.RecordOperation(
        pb.RecordOperationRequest(
            unit=ukey(sku, unit), operation="ASSY", station="S1", result=core_pb2.RESULT_PASS
        )
    )
    operator.RecordOperation(
        pb.RecordOperationRequest(
            unit=ukey(sku, unit), operation="LEAK-TEST", station="S2", result=core_pb2.RESULT_FAIL
        )
    )
    complete = pb.CompleteUnitRequest(unit=ukey(sku, unit))
    error = rpc_error(operator.CompleteUnit, complete)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "LEAK-TEST" in error.details() and "ASSY" not in error.details().split("BOM")[0]
    assert f"{product.part}: 0 of 1" in error.details()
    operator.RecordOperation(
        pb.RecordOperationRequest(
            unit=ukey(sku, unit), operation="LEAK-TEST", station="S2", result=core_pb2.RESULT_PASS
        )
    )
    suite.seed_edge((sku, unit), "UNIT", (product.part, unique("P")))
    suite.seed_edge((sku, unit), "LOT", (product.material, unique("M")), 1)
    error = rpc_error(operator.CompleteUnit, complete)
    assert f"{product.material}: 1 of 2" in error.details() and "LEAK-TEST" not in error.details()
    suite.seed_edge((sku, unit), "LOT", (product.material, unique("M")), 1)
    build = operator.CompleteUnit(complete).build
    assert build.status == pb.BUILD_STATUS_COMPLETE and build.completed_at.seconds > 0


def test_where_used_can_include_intermediate_units(suite: Suite) -> None:
    sku = suite.product_with_bom()
    [unit] = suite.commission(suite.work_order(sku))
    sub, lot = ("SUB", unique("S")), ("RESIN", unique("I"))
    suite.seed_edge(sub, "LOT", lot)
    suite.seed_edge((sku, unit), "UNIT", sub)
    used = suite.as_role("viewer").WhereUsed(
        pb.WhereUsedRequest(lot=lkey(*lot), include_intermediate=True, count_total=True)
    )
    assert sorted((u.sku, u.serial) for u in used.units) == sorted([sub, (sku, unit)])
    assert used.total_count == 2


def test_where_used_of_a_lot_nobody_registered_is_not_found(suite: Suite) -> None:
    viewer = suite.as_role("viewer")
    missing = rpc_error(viewer.WhereUsed, pb.WhereUsedRequest(lot=lkey("RESIN", unique("NONE"))))
    assert missing.code() == grpc.StatusCode.NOT_FOUND and "lot" in missing.details()
    nobody = rpc_error(viewer.WhereUsed, pb.WhereUsedRequest(unit=ukey("FG", unique("NONE"))))
    assert nobody.code() == grpc.StatusCode.NOT_FOUND
    # A lot masterdata knows but nothing contains yet: truly nothing affected.
    material = suite.bom(suite.product_with_bom()).material
    lot = unique("FRESH")
    suite.md("operator").RegisterLot(
        md.RegisterLotRequest(lot=md.Lot(sku=material, lot_number=lot))
    )
    fresh = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(material, lot)))
    assert (list(fresh.units), fresh.total_count) == ([], 0)


def test_where_used_lists_units_by_sku_then_serial_on_every_page(suite: Suite) -> None:
    lot = ("RESIN", unique("ORDER"))
    wanted = sorted((sku, f"S{n:02d}") for sku in ("FG-ORD-B", "FG-ORD-A") for n in range(7))
    # Installed in an order that is neither: node ids would list them differently.
    for parent in sorted(wanted, key=lambda k: (k[1][::-1], k[0]), reverse=True):
        suite.seed_edge(parent, "LOT", lot)
    viewer = suite.as_role("viewer")
    seen, token, pages = [], "", 0
    while True:
        page = viewer.WhereUsed(pb.WhereUsedRequest(lot=lkey(*lot), page_size=4, page_token=token))
        seen += [(u.sku, u.serial) for u in page.units]
        token, pages = page.next_page_token, pages + 1
        if not token:
            break
    assert seen == wanted and pages == 4


def test_trace_facts_walk_the_tree_to_the_depth_asked_in_the_same_statements(
    suite: Suite,
) -> None:
    sku = suite.product_with_bom()
    [unit] = suite.commission(suite.work_order(sku))
    top, sub, inner = (sku, unit), ("SUB", unique("S")), ("SUB", unique("I"))
    lot_top, lot_sub, lot_inner = (("RESIN", unique(x)) for x in ("T", "S", "I"))
    old = ("SUB", unique("OLD"))
    suite.seed_edge(inner, "LOT", lot_inner)
    suite.seed_edge(sub, "UNIT", inner)
    suite.seed_edge(sub, "LOT", lot_sub)
    suite.seed_edge(top, "UNIT", old)
    suite.as_role("operator").RemoveComponent(
        pb.RemoveComponentRequest(parent=ukey(*top), component_unit=ukey(*old), reason="leak")
    )
    suite.seed_edge(top, "UNIT", sub)
    suite.seed_edge(top, "LOT", lot_top)
    viewer = suite.as_role("viewer")

    def facts(depth: int, removed: bool = False) -> pb.GetTraceFactsResponse:
        request = pb.GetTraceFactsRequest(
            units=[ukey(*top)], depth=depth, components=True, include_removed=removed
        )
        reply: pb.GetTraceFactsResponse = viewer.GetTraceFacts(request)
        return reply

    def edges(reply: pb.GetTraceFactsResponse) -> set[tuple[str, str]]:
        return {
            (link.parent.serial, link.component_unit.serial or link.component_lot.lot_number)
            for link in reply.links
        }

    level0 = {(top[1], sub[1]), (top[1], lot_top[1])}
    level1 = {(sub[1], inner[1]), (sub[1], lot_sub[1])}
    level2 = {(inner[1], lot_inner[1])}
    assert edges(facts(0)) == level0
    assert edges(facts(1)) == level0 | level1
    assert edges(facts(2)) == edges(facts(5)) == level0 | level1 | level2
    assert edges(facts(1, removed=True)) == level0 | level1 | {(top[1], old[1])}
    # The links of one parent in installation order (the gateway shows them so).
    assert [
        link.component_unit.serial or link.component_lot.lot_number for link in facts(0).links
    ] == [sub[1], lot_top[1]]
    # However deep the walk, the same few statements.
    assert statements_run(lambda: facts(0)) == statements_run(lambda: facts(2))
