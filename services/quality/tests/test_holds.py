"""Holds that contain precisely, and what they block, across real services."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from serialtrace.common.testing import Caller, rpc_error, token, unique
from serialtrace.core.v1 import core_pb2, core_pb2_grpc
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.quality.v1 import quality_pb2 as qa

Plant = Any  # the `plant` fixture (conftest.Plant)


def ukey(key: tuple[str, str]) -> core_pb2.UnitKey:
    return core_pb2.UnitKey(sku=key[0], serial=key[1])


def lkey(key: tuple[str, str]) -> core_pb2.LotKey:
    return core_pb2.LotKey(sku=key[0], lot_number=key[1])


def status(plant: Plant, unit: tuple[str, str]) -> str:
    [s] = (
        plant.quality("viewer")
        .BatchGetQualityStatus(qa.BatchGetQualityStatusRequest(units=[ukey(unit)]))
        .statuses
    )
    return str(qa.QualityStatus.Name(s.status))


def assembly(plant: Plant) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    """A finished unit holding a subassembly that contains a raw lot: (fg, sub, lot)."""
    sub_sku = plant.product(md.PRODUCT_KIND_SUBASSEMBLY, [])
    fg_sku = plant.product(md.PRODUCT_KIND_FINISHED, [sub_sku])
    lot = plant.lot()
    [sub_serial], [fg_serial] = plant.build(sub_sku), plant.build(fg_sku)
    sub, fg = (sub_sku, sub_serial), (fg_sku, fg_serial)
    plant.seed_lot_in(sub, lot)
    plant.install(fg, sub)  # a real install: production asks quality whether sub is held
    return fg, sub, lot


def test_a_hold_on_a_raw_lot_holds_the_finished_unit_and_release_needs_quality(
    plant: Plant,
) -> None:
    fg, sub, lot = assembly(plant)
    hold = (
        plant.quality("quality")
        .PlaceHold(qa.PlaceHoldRequest(reason="supplier reported contamination", lots=[lkey(lot)]))
        .hold
    )
    assert hold.active and hold.unit_count == 2  # the subassembly and the finished unit
    assert status(plant, fg) == "QUALITY_STATUS_ON_HOLD"
    checks = (
        plant.quality("viewer")
        .BatchCheckHolds(qa.BatchCheckHoldsRequest(units=[ukey(fg), ukey(sub)], lots=[lkey(lot)]))
        .checks
    )
    assert [(c.held, list(c.hold_ids)) for c in checks] == [(True, [hold.id])] * 3

    denied = rpc_error(
        plant.quality("operator").ReleaseHold,
        qa.ReleaseHoldRequest(id=hold.id, meaning="looks fine"),
    )
    assert denied.code() == grpc.StatusCode.PERMISSION_DENIED
    released = (
        plant.quality("quality", sub="quinn")
        .ReleaseHold(qa.ReleaseHoldRequest(id=hold.id, meaning="released after re-inspection"))
        .hold
    )
    assert not released.active
    assert (released.release.by, released.release.meaning) == (
        "quinn",
        "released after re-inspection",
    )
    assert status(plant, fg) == "QUALITY_STATUS_OK"
    again = rpc_error(
        plant.quality("quality").ReleaseHold, qa.ReleaseHoldRequest(id=hold.id, meaning="twice")
    )
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_held_subassembly_stays_held_after_rework_and_cannot_be_installed_elsewhere(
    plant: Plant,
) -> None:
    fg, sub, lot = assembly(plant)
    plant.quality("quality").PlaceHold(qa.PlaceHoldRequest(reason="bad resin", lots=[lkey(lot)]))
    plant.production("operator").RemoveComponent(
        pp.RemoveComponentRequest(parent=ukey(fg), component_unit=ukey(sub), reason="rework")
    )
    [other] = plant.build(fg[0])
    error = rpc_error(plant.install, (fg[0], other), sub)
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "held" in error.details() and sub[1] in error.details()


def test_installing_a_held_lot_is_refused_before_any_stock_is_issued(plant: Plant) -> None:
    material = plant.lot()
    sku = plant.product(md.PRODUCT_KIND_FINISHED, [material[0]])
    [serial] = plant.build(sku)
    hold = (
        plant.quality("quality")
        .PlaceHold(qa.PlaceHoldRequest(reason="expired", lots=[lkey(material)]))
        .hold
    )
    error = rpc_error(
        plant.production("operator").InstallComponent,
        pp.InstallComponentRequest(
            parent=core_pb2.UnitKey(sku=sku, serial=serial),
            component_lot=core_pb2.LotQuantity(lot=lkey(material), quantity=1),
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert hold.id in error.details()


def test_twenty_concurrent_installs_of_one_component_let_exactly_one_through(plant: Plant) -> None:
    sub_sku = plant.product(md.PRODUCT_KIND_SUBASSEMBLY, [])
    fg_sku = plant.product(md.PRODUCT_KIND_FINISHED, [sub_sku])
    [sub_serial] = plant.build(sub_sku)
    parents = plant.build(fg_sku, count=20)

    def attempt(serial: str) -> str:
        try:
            plant.install((fg_sku, serial), (sub_sku, sub_serial))
            return "ok"
        except grpc.RpcError as error:
            return error.code().name

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, parents))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {"FAILED_PRECONDITION"}
    builds = (
        plant.production("viewer")
        .BatchGetUnitBuilds(
            pp.BatchGetUnitBuildsRequest(units=[core_pb2.UnitKey(sku=sub_sku, serial=sub_serial)])
        )
        .builds
    )
    assert builds[0].installed_in.serial == parents[outcomes.index("ok")]


def test_production_unreachable_while_placing_a_lot_hold_writes_no_hold(
    plant: Plant, quality_without_production: Any
) -> None:
    lot = plant.lot()
    error = rpc_error(
        quality_without_production.PlaceHold,
        qa.PlaceHoldRequest(reason="x", lots=[lkey(lot)], idempotency_key=unique("k")),
    )
    assert error.code() == grpc.StatusCode.UNAVAILABLE and "production" in error.details()
    checks = quality_without_production.BatchCheckHolds(
        qa.BatchCheckHoldsRequest(lots=[lkey(lot)])
    ).checks
    assert not checks[0].held


def test_masterdata_unreachable_while_placing_a_hold_writes_no_hold(
    plant: Plant, quality_without_masterdata: Any
) -> None:
    lot = plant.lot()
    error = rpc_error(
        quality_without_masterdata.PlaceHold,
        qa.PlaceHoldRequest(reason="x", lots=[lkey(lot)], idempotency_key=unique("k")),
    )
    assert error.code() == grpc.StatusCode.UNAVAILABLE and "masterdata" in error.details()
    checks = quality_without_masterdata.BatchCheckHolds(
        qa.BatchCheckHoldsRequest(lots=[lkey(lot)])
    ).checks
    assert not checks[0].held


def test_a_hold_on_units_or_lots_that_exist_nowhere_is_not_found_and_names_them(
    plant: Plant,
) -> None:
    fg, _, lot = assembly(plant)
    quality = plant.quality("quality")
    ghost_unit, ghost_lot = (fg[0], unique("GHOST")), (lot[0], unique("NOLOT"))
    ledger = Caller(
        core_pb2_grpc.LedgerServiceStub(plant.channels["quality"]), token("a", "auditor")
    )
    entries = ledger.VerifyLedger(core_pb2.VerifyLedgerRequest()).entries
    error = rpc_error(
        quality.PlaceHold,
        qa.PlaceHoldRequest(
            reason="suspect", units=[ukey(fg), ukey(ghost_unit)], lots=[lkey(lot), lkey(ghost_lot)]
        ),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert ghost_unit[1] in error.details() and ghost_lot[1] in error.details()
    assert fg[1] not in error.details()  # only the missing ones are named
    assert ledger.VerifyLedger(core_pb2.VerifyLedgerRequest()).entries == entries
    assert status(plant, fg) == "QUALITY_STATUS_OK"


def test_a_hold_needs_a_reason_and_a_subject(plant: Plant) -> None:
    quality = plant.quality("quality")
    assert (
        rpc_error(quality.PlaceHold, qa.PlaceHoldRequest(reason="x")).code()
        == grpc.StatusCode.INVALID_ARGUMENT
    )
    assert (
        rpc_error(
            quality.PlaceHold, qa.PlaceHoldRequest(units=[core_pb2.UnitKey(sku="A", serial="B")])
        ).code()
        == grpc.StatusCode.INVALID_ARGUMENT
    )


def test_releasing_a_hold_records_each_subject_released_and_whether_another_hold_keeps_it(
    plant: Plant,
) -> None:
    fg, sub, lot = assembly(plant)
    quality = plant.quality("quality")
    on_units = quality.PlaceHold(
        qa.PlaceHoldRequest(reason="suspect build", units=[ukey(fg), ukey(sub)])
    ).hold
    on_lot = quality.PlaceHold(qa.PlaceHoldRequest(reason="bad resin", lots=[lkey(lot)])).hold
    quality.ReleaseHold(qa.ReleaseHoldRequest(id=on_units.id, meaning="rebuilt and retested"))
    ledger = Caller(
        core_pb2_grpc.LedgerServiceStub(plant.channels["quality"]), token("a", "auditor")
    )
    ids = [f"{fg[0]}:{fg[1]}", f"{sub[0]}:{sub[1]}"]
    released = [
        (e.entity_id, json.loads(e.payload_json))
        for e in ledger.ListAuditEntries(
            core_pb2.ListAuditEntriesRequest(entity_type="unit", entity_ids=ids)
        ).entries
        if e.action == "hold.released_from"
    ]
    # Both units were released from the first hold; the lot's hold still covers both.
    assert sorted(released) == sorted((i, {"hold": on_units.id, "still_held": True}) for i in ids)
    quality.ReleaseHold(qa.ReleaseHoldRequest(id=on_lot.id, meaning="supplier cleared it"))
    lot_entries = ledger.ListAuditEntries(
        core_pb2.ListAuditEntriesRequest(entity_type="lot", entity_ids=[f"{lot[0]}:{lot[1]}"])
    ).entries
    [lot_released] = [e for e in lot_entries if e.action == "hold.released_from"]
    assert json.loads(lot_released.payload_json) == {"hold": on_lot.id, "still_held": False}
    assert status(plant, fg) == "QUALITY_STATUS_OK"
