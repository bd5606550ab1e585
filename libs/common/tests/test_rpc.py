"""RPCs declared once: roles from the .proto, one table mapped to servicer methods."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from serialtrace.common import rpc
from serialtrace.common.auth import ANY_ROLE, Role
from serialtrace.common.db import Database
from serialtrace.common.errors import InvalidArgument
from serialtrace.core.v1 import core_pb2
from serialtrace.core.v1 import core_pb2_grpc as core_grpc

LEDGER = core_pb2.DESCRIPTOR.services_by_name["LedgerService"]


def test_roles_are_read_from_the_rpc_declaration_with_admin_always_allowed() -> None:
    assert rpc.roles_of(LEDGER, "SignCheckpoint") == {Role.AUDITOR, Role.ADMIN}
    assert rpc.roles_of(LEDGER, "ListAuditEntries") == {Role.AUDITOR, Role.QUALITY, Role.ADMIN}
    assert set(rpc.method_roles(LEDGER)) == {m.name for m in LEDGER.methods}


def test_every_rpc_of_every_service_declares_its_access() -> None:
    from serialtrace.epcis.v1 import epcis_pb2
    from serialtrace.masterdata.v1 import masterdata_pb2
    from serialtrace.production.v1 import production_pb2
    from serialtrace.quality.v1 import quality_pb2
    from serialtrace.warehouse.v1 import warehouse_pb2

    for module in (masterdata_pb2, production_pb2, quality_pb2, warehouse_pb2, epcis_pb2, core_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for method, allowed in rpc.method_roles(service).items():
                assert Role.ADMIN in allowed, method
                # A read says any role; a write names who may make it.
                assert allowed == ANY_ROLE or len(allowed) < len(ANY_ROLE), method


class _Ledger(rpc.Servicer, core_grpc.LedgerServiceServicer):
    pass


def _entries(s: Any, session: Session, request: core_pb2.ListAuditEntriesRequest) -> Any:
    value = session.execute(text("SELECT 41 + 1")).scalar_one()
    return core_pb2.ListAuditEntriesResponse(
        entries=[core_pb2.AuditEntry(seq=value, entity_id=i) for i in request.entity_ids]
    )


def _unused(s: Any, request: Any) -> Any:
    raise AssertionError("not called")


TABLE: dict[str, rpc.Rpc] = {
    "ListAuditEntries": rpc.read(_entries, batch="entity_ids", most=2, what="entities"),
    **{m.name: rpc.custom(_unused) for m in LEDGER.methods if m.name != "ListAuditEntries"},
}


def test_a_read_runs_in_a_read_session_within_its_batch_bound(tmp_path: Path) -> None:
    rpc.implement(_Ledger, LEDGER, TABLE)
    servicer = _Ledger(Database(f"sqlite:///{tmp_path / 'rpc.db'}"))
    reply = servicer.ListAuditEntries(core_pb2.ListAuditEntriesRequest(entity_ids=["a", "b"]), None)
    assert [(e.seq, e.entity_id) for e in reply.entries] == [(42, "a"), (42, "b")]
    with pytest.raises(InvalidArgument, match="at most 2 entities per call, got 3"):
        servicer.ListAuditEntries(
            core_pb2.ListAuditEntriesRequest(entity_ids=["a", "b", "c"]), None
        )


def test_a_table_must_answer_every_rpc_and_only_those() -> None:
    missing = {k: v for k, v in TABLE.items() if k != "VerifyLedger"}
    with pytest.raises(RuntimeError, match="lacks \\['VerifyLedger'\\]"):
        rpc.implement(_Ledger, LEDGER, missing)
    extra = {**TABLE, "DropLedger": rpc.custom(_unused)}
    with pytest.raises(RuntimeError, match="names unknown \\['DropLedger'\\]"):
        rpc.implement(_Ledger, LEDGER, extra)
