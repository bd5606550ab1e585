"""Audit ledger, idempotency, auth and all-or-nothing writes, through the real service."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest
from sqlalchemy import text

from serialtrace.common.ledger import unit_entity
from serialtrace.common.testing import (
    Caller,
    TestDatabases,
    backend,
    rpc_error,
    sql_engine,
    start_service,
    token,
    unique,
)
from serialtrace.core.v1 import core_pb2, core_pb2_grpc
from serialtrace.masterdata.main import service
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc

Masterdata = Any  # the `masterdata` fixture (conftest.Masterdata)
postgres_only = pytest.mark.skipif(backend()[0] != "postgresql", reason="needs PostgreSQL")


def verify(md: Masterdata) -> core_pb2.VerifyLedgerResponse:
    return md.ledger("auditor").VerifyLedger(core_pb2.VerifyLedgerRequest())


def party(code: str, name: str = "Acme") -> pb.Party:
    return pb.Party(code=code, name=name, kind=pb.PARTY_KIND_SUPPLIER)


def test_every_change_is_in_the_ledger_and_the_chain_verifies(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    masterdata.register(sku, "L1", "L2")
    entries = (
        masterdata.ledger("auditor")
        .ListAuditEntries(
            core_pb2.ListAuditEntriesRequest(
                entity_type="unit", entity_ids=[unit_entity(sku, "L1")]
            )
        )
        .entries
    )
    assert [(e.action, e.actor) for e in entries] == [("unit.registered", "alice")]
    assert entries[0].service == "masterdata" and len(entries[0].hash) == 64
    result = verify(masterdata)
    assert result.ok and result.first_broken_seq == 0
    assert result.entries == masterdata.ledger_head()


def test_eight_concurrent_writers_leave_one_unbroken_chain(masterdata: Masterdata) -> None:
    before = masterdata.ledger_head()
    admin = masterdata.admin

    def create(n: int) -> None:
        for i in range(10):
            admin.CreateParty(pb.CreatePartyRequest(party=party(unique(f"C{n}-{i}"))))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(8)))
    assert masterdata.ledger_head() == before + 80
    result = verify(masterdata)
    assert result.ok, result.problem


@postgres_only
def test_32_concurrent_writers_leave_one_chain_without_gaps(
    test_databases: TestDatabases,
) -> None:
    # Its own server with a worker per writer, so all 32 are inside a transaction at
    # once and queue on the ledger's lock, not in the server's thread pool.
    writers, calls = 32, 5
    running = start_service(
        service, test_databases.create("masterdata"), MASTERDATA_GRPC_WORKERS=str(writers)
    )
    channel = grpc.insecure_channel(running.address)
    try:
        admin = Caller(masterdata_pb2_grpc.MasterdataServiceStub(channel), token("ada", "admin"))
        start_together = threading.Barrier(writers)

        def create(n: int) -> list[str]:
            start_together.wait()
            codes = [f"W{n:02d}-{i}" for i in range(calls)]
            for code in codes:
                admin.CreateParty(pb.CreatePartyRequest(party=party(code)))
            return codes

        with ThreadPoolExecutor(max_workers=writers) as pool:
            created = {code for codes in pool.map(create, range(writers)) for code in codes}
        auditor = Caller(core_pb2_grpc.LedgerServiceStub(channel), token("audrey", "auditor"))
        result = auditor.VerifyLedger(core_pb2.VerifyLedgerRequest())
        engine = sql_engine(running.database.url)
        try:
            with engine.connect() as conn:
                seqs = [row[0] for row in conn.execute(text("SELECT seq FROM audit_ledger"))]
                recorded = {
                    row[0]
                    for row in conn.execute(
                        text("SELECT entity_id FROM audit_ledger WHERE action = 'party.created'")
                    )
                }
        finally:
            engine.dispose()
    finally:
        channel.close()
        running.stop(0)
    assert result.ok, result.problem
    assert result.entries == writers * calls
    assert sorted(seqs) == list(range(1, writers * calls + 1))  # one chain, no gaps
    assert recorded == created  # every change has its entry


@postgres_only
def test_the_database_refuses_to_update_or_delete_ledger_rows(masterdata: Masterdata) -> None:
    masterdata.admin.CreateParty(pb.CreatePartyRequest(party=party(unique("P"))))
    engine = sql_engine(masterdata.database_url)
    try:
        for statement in (
            "UPDATE audit_ledger SET actor = 'mallory'",
            "DELETE FROM audit_ledger",
            "TRUNCATE audit_ledger",
        ):
            with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        engine.dispose()


@postgres_only
def test_a_row_changed_behind_the_triggers_is_reported_as_the_first_broken_link(
    fresh_masterdata: Masterdata,
) -> None:
    # Own database: tampering must not break the chain other tests verify.
    for md in [fresh_masterdata]:
        for n in range(5):
            md.admin.CreateParty(pb.CreatePartyRequest(party=party(f"T{n}")))
        assert verify(md).ok
        engine = sql_engine(md.database_url)
        try:
            with engine.begin() as conn:  # a superuser disables the guard, edits, re-enables
                conn.execute(text("ALTER TABLE audit_ledger DISABLE TRIGGER USER"))
                conn.execute(
                    text(
                        "UPDATE audit_ledger SET payload = replace(payload, 'Acme', "
                        "'Evil') WHERE seq = 3"
                    )
                )
                conn.execute(text("ALTER TABLE audit_ledger ENABLE TRIGGER USER"))
        finally:
            engine.dispose()
        result = verify(md)
        assert not result.ok
        assert result.first_broken_seq == 3
        assert "altered" in result.problem


def test_a_retry_with_the_same_key_returns_the_first_response_and_writes_nothing(
    masterdata: Masterdata,
) -> None:
    sku = masterdata.serial_product(serial_template="K{seq:05d}")
    key = unique("key")
    request = pb.RegisterUnitsRequest(
        sku=sku, count=3, source=pb.UNIT_SOURCE_COMMISSIONED, idempotency_key=key
    )
    planner = masterdata.as_role("planner")
    first = planner.RegisterUnits(request)
    head = masterdata.ledger_head()
    second = planner.RegisterUnits(request)
    assert second == first
    assert masterdata.unit_rows(sku) == 3
    assert masterdata.ledger_head() == head


def test_the_same_key_with_a_different_request_is_a_conflict(masterdata: Masterdata) -> None:
    key = unique("key")
    admin = masterdata.admin
    admin.CreateParty(pb.CreatePartyRequest(party=party(unique("A")), idempotency_key=key))
    head = masterdata.ledger_head()
    error = rpc_error(
        admin.CreateParty, pb.CreatePartyRequest(party=party(unique("B")), idempotency_key=key)
    )
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "different request" in error.details()
    assert masterdata.ledger_head() == head


def test_concurrent_retries_with_one_key_apply_once(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product(serial_template="C{seq:05d}")
    request = pb.RegisterUnitsRequest(
        sku=sku, count=5, source=pb.UNIT_SOURCE_COMMISSIONED, idempotency_key=unique("key")
    )
    planner = masterdata.as_role("planner")
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(lambda _: planner.RegisterUnits(request), range(8)))
    assert all(r == responses[0] for r in responses)
    assert masterdata.unit_rows(sku) == 5


def test_no_token_is_unauthenticated(masterdata: Masterdata) -> None:
    caller = Caller(masterdata_pb2_grpc.MasterdataServiceStub(masterdata.channel), None)
    error = rpc_error(caller.BatchGetProducts, pb.BatchGetProductsRequest(skus=["X"]))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    forged = Caller(masterdata_pb2_grpc.MasterdataServiceStub(masterdata.channel), "not.a.jwt")
    assert (
        rpc_error(forged.BatchGetProducts, pb.BatchGetProductsRequest()).code()
        == grpc.StatusCode.UNAUTHENTICATED
    )


def test_a_viewer_cannot_create_a_product(masterdata: Masterdata) -> None:
    sku = unique("V")
    error = rpc_error(
        masterdata.as_role("viewer").CreateProduct,
        pb.CreateProductRequest(
            product=pb.Product(
                sku=sku, name="x", kind=pb.PRODUCT_KIND_FINISHED, tracking=pb.TRACKING_MODE_SERIAL
            )
        ),
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "admin" in error.details()
    found = masterdata.as_role("viewer").BatchGetProducts(pb.BatchGetProductsRequest(skus=[sku]))
    assert not found.products


def test_only_quality_or_admin_approve_a_bom_and_the_signature_is_recorded(
    masterdata: Masterdata,
) -> None:
    parent, part = masterdata.serial_product(), masterdata.serial_product()
    masterdata.admin.CreateBomRevision(
        pb.CreateBomRevisionRequest(
            sku=parent, revision="A", items=[pb.BomItem(sku=part, quantity=1)]
        )
    )
    approve = pb.ApproveBomRevisionRequest(sku=parent, revision="A", meaning="released for build")
    error = rpc_error(masterdata.as_role("operator").ApproveBomRevision, approve)
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    approved = masterdata.as_role("quality", sub="quinn").ApproveBomRevision(approve).bom_revision
    assert (approved.approval.by, approved.approval.meaning) == ("quinn", "released for build")
    again = rpc_error(masterdata.as_role("quality").ApproveBomRevision, approve)
    assert again.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_failed_batch_leaves_no_rows_and_no_audit_entry(masterdata: Masterdata) -> None:
    sku = masterdata.serial_product()
    masterdata.register(sku, "DUP")
    head = masterdata.ledger_head()
    error = rpc_error(masterdata.register, sku, "NEW1", "NEW2", "DUP")
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert masterdata.unit_rows(sku) == 1
    assert masterdata.ledger_head() == head


def test_unknown_references_are_not_found(masterdata: Masterdata) -> None:
    admin = masterdata.admin
    error = rpc_error(
        admin.CreateLocation,
        pb.CreateLocationRequest(
            location=pb.Location(
                code=unique("BIN"), name="Bin", kind=pb.LOCATION_KIND_BIN, parent_code="NOPE"
            )
        ),
    )
    assert error.code() == grpc.StatusCode.NOT_FOUND and "NOPE" in error.details()
    error = rpc_error(masterdata.register, "NO-SUCH-SKU", "S1")
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_another_users_key_never_replays_their_response(masterdata: Masterdata) -> None:
    key = unique("shared-key")
    request = pb.CreatePartyRequest(party=party(unique("K")), idempotency_key=key)
    masterdata.as_role("admin", sub="alice").CreateParty(request)
    error = rpc_error(masterdata.as_role("admin", sub="mallory").CreateParty, request)
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
