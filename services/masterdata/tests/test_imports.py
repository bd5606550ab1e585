"""Migration imports in masterdata: batches and their states, units and lots with their
legacy times and provenance, each item standing alone."""

from __future__ import annotations

import json
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from serialtrace.common.testing import rpc_error, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as pb

Masterdata = Any  # the `masterdata` fixture (conftest.Masterdata)
SHA = "ab" * 32


def new_batch(
    masterdata: Masterdata, state: int = pb.IMPORT_BATCH_STATE_APPLYING
) -> pb.ImportBatch:
    batch = masterdata.admin.CreateImportBatch(
        pb.CreateImportBatchRequest(
            name=unique("wave"),
            content_sha256=SHA,
            files=[pb.ImportFileCount(file="units.csv", rows=3)],
        )
    ).batch
    assert batch.state == pb.IMPORT_BATCH_STATE_CHECKED and batch.created_by == "ada"
    if state != pb.IMPORT_BATCH_STATE_CHECKED:
        batch = masterdata.admin.SetImportBatchState(
            pb.SetImportBatchStateRequest(id=batch.id, state=state)
        ).batch
    return batch


def imported(sku: str, serial: str, batch: str, row: int, **fields: Any) -> pb.ImportedUnit:
    return pb.ImportedUnit(
        sku=sku,
        serial=serial,
        source=pb.UNIT_SOURCE_COMMISSIONED,
        provenance=pb.Provenance(import_batch_id=batch, file="units.csv", row=row),
        idempotency_key=f"{batch}:units.csv:{row}",
        **fields,
    )


def test_units_keep_their_legacy_time_attributes_aliases_and_provenance(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product(serial_pattern=r"CT\d{4}")
    batch = new_batch(masterdata)
    legacy = Timestamp(seconds=1_500_000_000)
    reply = masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(
            items=[
                imported(
                    sku,
                    "CT0001",
                    batch.id,
                    2,
                    attributes_json='{"colour": "红"}',
                    aliases=[pb.UnitAlias(kind="MAC", value="00-1B-63-84-45-E6")],
                    created_at=legacy,
                ),
                imported(sku, "BAD", batch.id, 3),
                imported(sku, "CT0002", batch.id, 4),
            ]
        )
    )
    outcomes = [o.WhichOneof("outcome") for o in reply.outcomes]
    assert outcomes == ["unit", "error", "unit"]
    assert reply.outcomes[1].error.code == "INVALID_ARGUMENT"
    [unit] = masterdata.admin.BatchGetUnits(
        pb.BatchGetUnitsRequest(keys=[core_pb2.UnitKey(sku=sku, serial="CT0001")])
    ).units
    assert unit.created_at.seconds == legacy.seconds
    assert json.loads(unit.attributes_json) == {"colour": "红"}
    assert [(a.kind, a.value) for a in unit.aliases] == [("MAC", "00-1B-63-84-45-E6")]
    assert (unit.provenance.import_batch_id, unit.provenance.file, unit.provenance.row) == (
        batch.id,
        "units.csv",
        2,
    )
    entries = (
        masterdata.ledger("auditor")
        .ListAuditEntries(
            core_pb2.ListAuditEntriesRequest(entity_type="unit", entity_ids=[f"{sku}:CT0001"])
        )
        .entries
    )
    assert [e.action for e in entries] == ["unit.imported"]
    assert json.loads(entries[0].payload_json)["provenance"] == {
        "import_batch_id": batch.id,
        "file": "units.csv",
        "row": 2,
    }


def test_an_item_sent_again_is_answered_as_before_and_writes_nothing(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product()
    batch = new_batch(masterdata)
    first = masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(items=[imported(sku, "A1", batch.id, 2)])
    )
    again = masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(
            items=[imported(sku, "A1", batch.id, 2), imported(sku, "A2", batch.id, 3)]
        )
    )
    assert again.outcomes[0] == first.outcomes[0]
    assert again.outcomes[1].WhichOneof("outcome") == "unit"
    assert masterdata.unit_rows(sku) == 2


def test_nothing_is_imported_into_a_batch_that_is_not_applying(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    batch = new_batch(masterdata, pb.IMPORT_BATCH_STATE_CHECKED)
    reply = masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(items=[imported(sku, "A1", batch.id, 2)])
    )
    assert reply.outcomes[0].error.code == "FAILED_PRECONDITION"
    assert masterdata.unit_rows(sku) == 0


def test_batch_states_move_only_forward_and_list_newest_first(masterdata: Masterdata) -> None:
    batch = new_batch(masterdata)
    applied = masterdata.admin.SetImportBatchState(
        pb.SetImportBatchStateRequest(
            id=batch.id,
            state=pb.IMPORT_BATCH_STATE_APPLIED,
            files=[pb.ImportFileCount(file="units.csv", applied=3)],
        )
    ).batch
    assert [(f.file, f.rows, f.applied) for f in applied.files] == [("units.csv", 3, 3)]
    error = rpc_error(
        masterdata.admin.SetImportBatchState,
        pb.SetImportBatchStateRequest(id=batch.id, state=pb.IMPORT_BATCH_STATE_CHECKED),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    later = new_batch(masterdata)
    listed = [
        b.id
        for b in masterdata.as_role("viewer")
        .ListImportBatches(pb.ListImportBatchesRequest())
        .batches
    ]
    assert listed.index(later.id) < listed.index(batch.id)


def test_only_an_admin_creates_import_batches(masterdata: Masterdata) -> None:
    error = rpc_error(
        masterdata.as_role("operator").CreateImportBatch,
        pb.CreateImportBatchRequest(name="w", content_sha256=SHA),
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def test_rollback_takes_back_the_batch_unless_something_recorded_since_refers_to_it(
    masterdata: Masterdata,
) -> None:
    batch = new_batch(masterdata)
    sku = unique("SKU")
    masterdata.admin.CreateProduct(
        pb.CreateProductRequest(
            product=pb.Product(
                sku=sku,
                name="导入",
                kind=pb.PRODUCT_KIND_FINISHED,
                tracking=pb.TRACKING_MODE_SERIAL,
            ),
            provenance=pb.Provenance(import_batch_id=batch.id, file="products.csv", row=2),
        )
    )
    masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(
            items=[
                imported(
                    sku, "R1", batch.id, 2, aliases=[pb.UnitAlias(kind="MAC", value=unique("M"))]
                )
            ]
        )
    )
    masterdata.register(sku, "LIVE-1")  # recorded outside the batch, on its product
    dry = masterdata.admin.RollBackImport(
        pb.RollBackImportRequest(import_batch_id=batch.id, dry_run=True)
    )
    assert [d.split(" (")[0] for d in dry.dependents] == [f"unit {sku}/LIVE-1"]
    error = rpc_error(
        masterdata.admin.RollBackImport, pb.RollBackImportRequest(import_batch_id=batch.id)
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and "LIVE-1" in error.details()
    assert masterdata.unit_rows(sku) == 2

    other = new_batch(masterdata)
    own = unique("SKU")
    masterdata.admin.CreateProduct(
        pb.CreateProductRequest(
            product=pb.Product(
                sku=own, name="x", kind=pb.PRODUCT_KIND_FINISHED, tracking=pb.TRACKING_MODE_SERIAL
            ),
            provenance=pb.Provenance(import_batch_id=other.id, file="products.csv", row=2),
        )
    )
    masterdata.admin.ImportUnits(pb.ImportUnitsRequest(items=[imported(own, "R1", other.id, 2)]))
    done = masterdata.admin.RollBackImport(
        pb.RollBackImportRequest(import_batch_id=other.id, idempotency_key=unique("rb"))
    )
    assert {(c.entity_type, c.count) for c in done.taken_back} == {("unit", 1), ("product", 1)}
    assert masterdata.unit_rows(own) == 0
    entries = (
        masterdata.ledger("auditor")
        .ListAuditEntries(
            core_pb2.ListAuditEntriesRequest(entity_type="unit", entity_ids=[f"{own}:R1"])
        )
        .entries
    )
    assert [e.action for e in entries] == ["unit.imported", "unit.import_rolled_back"]
    [rolled] = masterdata.admin.BatchGetImportBatches(
        pb.BatchGetImportBatchesRequest(ids=[other.id])
    ).batches
    assert rolled.state == pb.IMPORT_BATCH_STATE_ROLLED_BACK


def _gtin(seed: int) -> str:
    from serialtrace.common.gs1 import gs1_check_digit

    body = f"0950{seed % 10**9:09d}"
    return body + str(gs1_check_digit(body))


def test_a_gs1_key_resolves_to_the_unit_and_lot_their_own_reads_answer(
    masterdata: Masterdata,
) -> None:
    """ResolveGs1Key reads the product, the unit and the lot in one statement: the unit
    comes with every alias and its origin, the lot with its origin, as BatchGetUnits and
    BatchGetLots give them."""
    seed = int(unique("x")[2:], 16)
    unit_gtin, lot_gtin = _gtin(seed), _gtin(seed + 1)
    sku = masterdata.serial_product(gtin=unit_gtin)
    material = masterdata.lot_product(gtin=lot_gtin)
    batch = new_batch(masterdata)
    aliases = [pb.UnitAlias(kind="MAC", value=unique("M")), pb.UnitAlias(kind="IMEI", value="1")]
    masterdata.admin.ImportUnits(
        pb.ImportUnitsRequest(items=[imported(sku, "G1", batch.id, 2, aliases=aliases)])
    )
    masterdata.register(sku, "G2")
    masterdata.admin.ImportLots(
        pb.ImportLotsRequest(
            items=[
                pb.ImportedLot(
                    lot=pb.Lot(sku=material, lot_number="L1"),
                    provenance=pb.Provenance(import_batch_id=batch.id, file="lots.csv", row=7),
                    idempotency_key=unique("lot"),
                )
            ]
        )
    )
    operator = masterdata.as_role("operator")

    def resolved(gtin: str, serial: str = "", lot: str = "") -> pb.ResolveGs1KeyResponse:
        request = pb.ResolveGs1KeyRequest(gtin=gtin, serial=serial, lot_number=lot)
        return operator.ResolveGs1Key(request)

    def unit(serial: str) -> pb.Unit:
        keys = [core_pb2.UnitKey(sku=sku, serial=serial)]
        return operator.BatchGetUnits(pb.BatchGetUnitsRequest(keys=keys)).units[0]

    imported_unit = resolved(unit_gtin, "G1", "L1")
    assert imported_unit.product.sku == sku and not imported_unit.HasField("lot")
    assert imported_unit.unit == unit("G1")
    assert sorted((a.kind, a.value) for a in imported_unit.unit.aliases) == sorted(
        (a.kind, a.value) for a in aliases
    )
    assert imported_unit.unit.provenance.row == 2
    assert resolved(unit_gtin, "G2").unit == unit("G2")
    assert not resolved(unit_gtin, "NONE").HasField("unit")
    assert resolved(unit_gtin).product.sku == sku
    [lot] = operator.BatchGetLots(
        pb.BatchGetLotsRequest(keys=[core_pb2.LotKey(sku=material, lot_number="L1")])
    ).lots
    found_lot = resolved(lot_gtin, "G1", "L1")
    assert found_lot.lot == lot and lot.provenance.file == "lots.csv"
    assert found_lot.product.sku == material and not found_lot.HasField("unit")
    assert not resolved(_gtin(seed + 2)).HasField("product")
    assert not resolved("not a GTIN", "G1").HasField("product")


def test_each_imported_lot_stands_alone_and_the_rest_are_written(masterdata: Masterdata) -> None:
    """One ImportLots call: a good lot, the same lot again in another row, a lot of an
    unknown product and one of a serial-tracked product each get their own answer; only
    the good one exists afterwards, with its provenance."""
    material = masterdata.lot_product()
    serialized = masterdata.serial_product()
    batch = new_batch(masterdata)

    def lot(sku: str, number: str, row: int) -> pb.ImportedLot:
        return pb.ImportedLot(
            lot=pb.Lot(sku=sku, lot_number=number),
            provenance=pb.Provenance(import_batch_id=batch.id, file="lots.csv", row=row),
            idempotency_key=f"{batch.id}:lots.csv:{row}",
        )

    reply = masterdata.admin.ImportLots(
        pb.ImportLotsRequest(
            items=[
                lot(material, "L1", 2),
                lot(material, "L1", 3),
                lot(unique("NOPE"), "L2", 4),
                lot(serialized, "L3", 5),
            ]
        )
    )
    assert reply.outcomes[0].WhichOneof("outcome") == "lot"
    assert reply.outcomes[0].lot.provenance.row == 2
    assert [o.error.code for o in reply.outcomes[1:]] == [
        "ALREADY_EXISTS",
        "NOT_FOUND",
        "FAILED_PRECONDITION",
    ]
    keys = [core_pb2.LotKey(sku=material, lot_number="L1")]
    [stored] = masterdata.admin.BatchGetLots(pb.BatchGetLotsRequest(keys=keys)).lots
    assert stored.provenance.file == "lots.csv" and stored.provenance.row == 2
    counts = masterdata.admin.CountImportedFacts(
        pb.CountImportedFactsRequest(import_batch_id=batch.id)
    ).counts
    assert [(c.entity_type, c.count) for c in counts] == [("lot", 1)]
