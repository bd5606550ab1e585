"""The LedgerService every service serves: read and verify its own audit ledger."""

from __future__ import annotations

from typing import Any

from serialtrace.common import ledger
from serialtrace.common.auth import Role, roles
from serialtrace.common.db import Database
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2, core_pb2_grpc

AUDIT_READERS = roles(Role.AUDITOR, Role.QUALITY)


def entry_message(service: str, entry: ledger.Entry) -> core_pb2.AuditEntry:
    return core_pb2.AuditEntry(
        service=service,
        seq=entry.seq,
        at=to_timestamp(entry.at),
        actor=entry.actor,
        action=entry.action,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        payload_json=entry.payload,
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )


class LedgerServicer(core_pb2_grpc.LedgerServiceServicer):
    def __init__(self, service: str, database: Database) -> None:
        self.service, self.database = service, database

    def ListAuditEntries(
        self, request: core_pb2.ListAuditEntriesRequest, context: Any
    ) -> core_pb2.ListAuditEntriesResponse:
        with self.database.reader() as session:
            entries = ledger.entries_for(
                session, request.entity_type, request.entity_ids, request.limit
            )
        return core_pb2.ListAuditEntriesResponse(
            entries=[entry_message(self.service, e) for e in entries]
        )

    def VerifyLedger(
        self, request: core_pb2.VerifyLedgerRequest, context: Any
    ) -> core_pb2.VerifyLedgerResponse:
        with self.database.reader() as session:
            result = ledger.verify(session)
        return core_pb2.VerifyLedgerResponse(
            service=self.service,
            entries=result.entries,
            ok=result.ok,
            head_hash=result.head_hash or "",
            first_broken_seq=result.first_broken_seq or 0,
            problem=result.problem or "",
        )


def ledger_service(service: str, database: Database) -> GrpcService:
    servicer = LedgerServicer(service, database)
    return GrpcService(
        descriptor=core_pb2.DESCRIPTOR.services_by_name["LedgerService"],
        method_roles={"ListAuditEntries": AUDIT_READERS, "VerifyLedger": AUDIT_READERS},
        add_to_server=lambda server: core_pb2_grpc.add_LedgerServiceServicer_to_server(
            servicer, server
        ),
    )
