"""Migration imports into production: builds, genealogy with the legacy times and
rework history, operation records with their operator and approval; each item alone."""

from __future__ import annotations

from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common.testing import unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pb

Suite = Any  # the `suite` fixture (conftest.Suite)
T0 = 1_600_000_000


def at(offset: int) -> Timestamp:
    return Timestamp(seconds=T0 + offset)


def origin(row: int, batch: str = "IMP-TEST", file: str = "genealogy.csv") -> pb.ImportProvenance:
    return pb.ImportProvenance(import_batch_id=batch, file=file, row=row)


def key(sku: str, serial: str) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=sku, serial=serial)


def link(parent: core_pb2.UnitKey, row: int, **fields: Any) -> pb.ImportedComponentLink:
    return pb.ImportedComponentLink(
        parent=parent, provenance=origin(row), idempotency_key=unique("k"), **fields
    )


def builds(suite: Suite, *units: core_pb2.UnitKey) -> list[str]:
    reply = suite.as_role("admin").ImportUnitBuilds(
        pb.ImportUnitBuildsRequest(
            items=[
                pb.ImportedUnitBuild(
                    unit=u,
                    status=pb.BUILD_STATUS_COMPLETE,
                    created_at=at(0),
                    provenance=origin(n + 2, file="units.csv"),
                    idempotency_key=unique("b"),
                )
                for n, u in enumerate(units)
            ]
        )
    )
    return [o.WhichOneof("outcome") for o in reply.outcomes]


def test_genealogy_keeps_legacy_times_rework_history_and_the_current_parent(suite: Suite) -> None:
    sku = suite.product_with_bom()
    bom = suite.bom(sku)
    parent, other = key(sku, unique("P")), key(sku, unique("P"))
    part_a, part_b = key(bom.part, unique("A")), key(bom.part, unique("B"))
    lot = core_pb2.LotQuantity(
        lot=core_pb2.LotKey(sku=bom.material, lot_number=unique("L")), quantity=2
    )
    reply = suite.as_role("admin").ImportComponentLinks(
        pb.ImportComponentLinksRequest(
            items=[
                link(
                    parent,
                    2,
                    component_unit=part_a,
                    installed_at=at(10),
                    installed_by="王伟",
                    removed_at=at(20),
                    removal_reason="返工",
                ),
                link(parent, 3, component_unit=part_b, installed_at=at(30), installed_by="王伟"),
                link(parent, 4, component_lot=lot, installed_at=at(31)),
                link(other, 5, component_unit=part_b, installed_at=at(40)),  # second parent
                link(
                    parent, 6, component_unit=key(sku, unique("X")), installed_at=at(41)
                ),  # not in BOM
            ]
        )
    )
    outcomes = [o.WhichOneof("outcome") for o in reply.outcomes]
    assert outcomes == ["link", "link", "link", "error", "error"]
    assert reply.outcomes[3].error.code == "FAILED_PRECONDITION"
    assert reply.outcomes[4].error.code == "FAILED_PRECONDITION"
    links = (
        suite.as_role("viewer")
        .BatchGetComponents(pb.BatchGetComponentsRequest(units=[parent], include_removed=True))
        .links
    )
    by_serial = {e.component_unit.serial or e.component_lot.lot_number: e for e in links}
    removed = by_serial[part_a.serial]
    assert (removed.installed_at.seconds, removed.removed_at.seconds) == (T0 + 10, T0 + 20)
    assert removed.installed_by == "王伟" and removed.removal_reason == "返工"
    assert by_serial[part_b.serial].installed_at.seconds == T0 + 30
    [build] = (
        suite.as_role("viewer")
        .BatchGetUnitBuilds(pb.BatchGetUnitBuildsRequest(units=[part_b]))
        .builds
    )
    assert build.installed_in == parent
    lots = suite.as_role("viewer").BatchGetMaterialLots(
        pb.BatchGetMaterialLotsRequest(units=[parent])
    )
    assert [lot.lot_number for lot in lots.units[0].lots] == [lot.lot.lot_number]


def test_a_past_installation_leaves_the_current_one_alone(suite: Suite) -> None:
    sku = suite.product_with_bom()
    bom = suite.bom(sku)
    first, second = key(sku, unique("P")), key(sku, unique("P"))
    part = key(bom.part, unique("A"))
    reply = suite.as_role("admin").ImportComponentLinks(
        pb.ImportComponentLinksRequest(
            items=[
                link(second, 2, component_unit=part, installed_at=at(50)),
                link(
                    first,
                    3,
                    component_unit=part,
                    installed_at=at(10),
                    removed_at=at(20),
                    removal_reason="moved",
                ),
            ]
        )
    )
    assert [o.WhichOneof("outcome") for o in reply.outcomes] == ["link", "link"]
    [build] = (
        suite.as_role("viewer")
        .BatchGetUnitBuilds(pb.BatchGetUnitBuildsRequest(units=[part]))
        .builds
    )
    assert build.installed_in == second


def test_operations_keep_operator_times_approval_and_count_per_file(suite: Suite) -> None:
    sku = suite.product_with_bom()
    unit = key(sku, unique("P"))
    assert builds(suite, unit) == ["build"]
    assert builds(suite, unit) == ["error"]  # production knows it now
    batch = unique("IMP")
    reply = suite.as_role("admin").ImportOperations(
        pb.ImportOperationsRequest(
            items=[
                pb.ImportedOperation(
                    unit=unit,
                    operation="ICT",
                    station="ICT-01",
                    operator="李娜",
                    started_at=at(100),
                    finished_at=at(160),
                    result=core_pb2.RESULT_PASS,
                    measurements_json='{"v": 3.3}',
                    approval=core_pb2.Signature(by="质检张", at=at(200), meaning="合格"),
                    provenance=origin(2, batch, "operations.csv"),
                    idempotency_key=unique("o"),
                ),
                pb.ImportedOperation(
                    unit=key(sku, "NOBODY"),
                    operation="ICT",
                    station="S",
                    operator="x",
                    finished_at=at(1),
                    result=core_pb2.RESULT_PASS,
                    provenance=origin(3, batch, "operations.csv"),
                ),
            ]
        )
    )
    assert [o.WhichOneof("outcome") for o in reply.outcomes] == ["record", "error"]
    record = reply.outcomes[0].record
    assert (record.operator, record.finished_at.seconds) == ("李娜", T0 + 160)
    assert (record.approval.by, record.approval.at.seconds) == ("质检张", T0 + 200)
    counts = suite.as_role("viewer").CountImportedFacts(
        pb.CountImportedFactsRequest(import_batch_id=batch)
    )
    assert [(c.file, c.entity_type, c.count) for c in counts.counts] == [
        ("operations.csv", "operation", 1)
    ]


def test_rollback_is_refused_while_a_later_installation_rests_on_the_batch(suite: Suite) -> None:
    sku = suite.product_with_bom()
    bom = suite.bom(sku)
    batch = unique("IMP")
    parent, part = key(sku, unique("P")), key(bom.part, unique("A"))
    item = link(parent, 2, component_unit=part, installed_at=at(10))
    item.provenance.import_batch_id = batch
    suite.as_role("admin").ImportComponentLinks(pb.ImportComponentLinksRequest(items=[item]))
    lot = unique("L")
    suite.seed_edge((parent.sku, parent.serial), "LOT", (bom.material, lot), 2.0)  # live, later
    dry = suite.as_role("admin").RollBackImport(
        pb.RollBackImportRequest(import_batch_id=batch, dry_run=True)
    )
    assert len(dry.dependents) == 1 and f"{bom.material}/{lot} installed in" in dry.dependents[0]
    from serialtrace.common.testing import rpc_error

    error = rpc_error(
        suite.as_role("admin").RollBackImport, pb.RollBackImportRequest(import_batch_id=batch)
    )
    assert "installed in" in error.details()
    [build] = (
        suite.as_role("viewer")
        .BatchGetUnitBuilds(pb.BatchGetUnitBuildsRequest(units=[part]))
        .builds
    )
    assert build.installed_in == parent  # nothing was taken back


def test_verify_finds_an_imported_installation_that_no_longer_holds(suite: Suite) -> None:
    from sqlalchemy import update

    from serialtrace.common.db import Database
    from serialtrace.production import store

    sku = suite.product_with_bom()
    bom = suite.bom(sku)
    batch = unique("IMP")
    parent, part = key(sku, unique("P")), key(bom.part, unique("A"))
    item = link(parent, 2, component_unit=part, installed_at=at(10))
    item.provenance.import_batch_id = batch
    suite.as_role("admin").ImportComponentLinks(pb.ImportComponentLinksRequest(items=[item]))
    request = pb.VerifyImportedGenealogyRequest(import_batch_id=batch)
    clean = suite.as_role("viewer").VerifyImportedGenealogy(request)
    assert (clean.links, list(clean.problems)) == (1, [])
    database = Database(suite.production_db)  # damage the row behind the service's back
    try:
        with database.transaction() as session:
            session.execute(
                update(store.NodeRow)
                .where(store.NodeRow.sku == part.sku, store.NodeRow.key == part.serial)
                .values(installed_in_id=None)
            )
    finally:
        database.dispose()
    [problem] = suite.as_role("viewer").VerifyImportedGenealogy(request).problems
    assert part.serial in problem and "current parent" in problem


def _where_used(suite: Suite, lot: core_pb2.LotKey) -> set[str]:
    reply = suite.as_role("viewer").WhereUsed(
        pb.WhereUsedRequest(lot=lot, page_size=100, include_intermediate=True)
    )
    return {u.serial for u in reply.units}


def test_nested_installations_in_one_call_and_across_calls_keep_the_whole_ancestry(
    suite: Suite,
) -> None:
    """A subassembly's lots and the subassembly itself into its parent in one call (the
    set-based write orders them by nesting), then one more lot into a subassembly that
    is already installed: the finished unit contains every lot at any depth."""
    sku = suite.product_with_bom()
    bom = suite.bom(sku)
    suite.md("admin").CreateBomRevision(
        md.CreateBomRevisionRequest(
            sku=bom.part,
            revision="A",
            # The finished product in its own part's BOM: only the loop rule stops it.
            items=[md.BomItem(sku=bom.material, quantity=1), md.BomItem(sku=sku, quantity=1)],
        )
    )
    top, sub = key(sku, unique("F")), key(bom.part, unique("S"))
    first, second = (core_pb2.LotKey(sku=bom.material, lot_number=unique("L")) for _ in "12")
    reply = suite.as_role("admin").ImportComponentLinks(
        pb.ImportComponentLinksRequest(
            items=[
                link(top, 2, component_unit=sub, installed_at=at(20)),
                link(
                    sub,
                    3,
                    component_lot=core_pb2.LotQuantity(lot=first, quantity=1),
                    installed_at=at(10),
                ),
                link(sub, 4, component_unit=top, installed_at=at(30)),  # a loop
            ]
        )
    )
    assert [o.WhichOneof("outcome") for o in reply.outcomes] == ["link", "link", "error"]
    assert "closes a loop" in reply.outcomes[2].error.message
    assert _where_used(suite, first) == {top.serial, sub.serial}
    later = suite.as_role("admin").ImportComponentLinks(
        pb.ImportComponentLinksRequest(
            items=[
                link(
                    sub,
                    5,
                    component_lot=core_pb2.LotQuantity(lot=second, quantity=1),
                    installed_at=at(40),
                )
            ]
        )
    )
    assert later.outcomes[0].WhichOneof("outcome") == "link"
    assert _where_used(suite, second) == {top.serial, sub.serial}
    lots = suite.as_role("viewer").BatchGetMaterialLots(pb.BatchGetMaterialLotsRequest(units=[top]))
    assert sorted(x.lot_number for x in lots.units[0].lots) == sorted(
        [first.lot_number, second.lot_number]
    )
    verified = suite.as_role("viewer").VerifyImportedGenealogy(
        pb.VerifyImportedGenealogyRequest(import_batch_id="IMP-TEST")
    )
    assert not [p for p in verified.problems if sub.serial in p or top.serial in p]
