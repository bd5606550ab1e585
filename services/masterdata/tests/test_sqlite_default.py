"""The zero-setup default stays honest: the core rules also hold on embedded SQLite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
import pytest

from serialtrace.common.testing import rpc_error, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.masterdata.v1 import masterdata_pb2 as pb

Masterdata = Any


def test_sqlite_duplicate_serial_conflicts_and_batch_is_all_or_nothing(
    masterdata_sqlite: Masterdata,
) -> None:
    md = masterdata_sqlite
    sku = md.serial_product()
    md.register(sku, "S1")
    head = md.ledger_head()
    error = rpc_error(md.register, sku, "S2", "S1")
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert md.unit_rows(sku) == 1 and md.ledger_head() == head


def test_sqlite_concurrent_allocation_and_ledger_chain(masterdata_sqlite: Masterdata) -> None:
    md = masterdata_sqlite
    sku = md.serial_product(serial_template="Q{seq:06d}")
    planner = md.as_role("planner")
    with ThreadPoolExecutor(max_workers=8) as pool:
        batches = list(
            pool.map(
                lambda _: list(
                    planner.AllocateSerials(pb.AllocateSerialsRequest(sku=sku, count=50)).serials
                ),
                range(8),
            )
        )
    assert len({s for b in batches for s in b}) == 400
    result = md.ledger("auditor").VerifyLedger(core_pb2.VerifyLedgerRequest())
    assert result.ok and result.entries == md.ledger_head()


def test_sqlite_idempotent_retry_and_update_refused(masterdata_sqlite: Masterdata) -> None:
    md = masterdata_sqlite
    request = pb.CreatePartyRequest(
        party=pb.Party(code=unique("P"), name="P", kind=pb.PARTY_KIND_CUSTOMER),
        idempotency_key=unique("k"),
    )
    assert md.admin.CreateParty(request) == md.admin.CreateParty(request)
    from sqlalchemy import text

    from serialtrace.common.testing import sql_engine

    engine = sql_engine(md.database_url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_ledger"))
    engine.dispose()
