"""The LedgerService every service serves: read, verify and checkpoint its own audit ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common import checkpoint_store, ledger
from serialtrace.common.access import method_roles
from serialtrace.common.auth import current_principal
from serialtrace.common.db import Database
from serialtrace.common.errors import InvalidArgument
from serialtrace.common.ledger_messages import (
    AUDIT_READERS,
    LEDGER,
    checkpoint_message,
    checkpoint_of,
    entry_message,
)
from serialtrace.common.server import GrpcService
from serialtrace.common.signing import Signer
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2, core_pb2_grpc

# Checkpoints a caller may bring to one VerifyLedger call.
MAX_SUPPLIED_CHECKPOINTS = 10_000


def unit_entries(
    service: str, session: Session, units: Iterable[tuple[str, str]]
) -> list[core_pb2.AuditEntry]:
    """This service's ledger entries about these units, oldest first, for a trace's fact
    reply: the audit trail comes with the facts instead of in a call of its own, to the
    same readers ListAuditEntries serves (PERMISSION_DENIED for anyone else)."""
    current_principal().require(AUDIT_READERS, "the audit trail")
    ids = [f"{sku}:{serial}" for sku, serial in units]
    return [entry_message(service, e) for e in ledger.entries_for(session, "unit", ids)]


class LedgerServicer(core_pb2_grpc.LedgerServiceServicer):
    def __init__(self, service: str, database: Database, signer: Signer) -> None:
        self.service, self.database, self.signer = service, database, signer

    def ListAuditEntries(
        self, request: core_pb2.ListAuditEntriesRequest, context: Any
    ) -> core_pb2.ListAuditEntriesResponse:
        with self.database.reader() as session:
            entries = ledger.entries_for(
                session,
                request.entity_type,
                request.entity_ids,
                request.limit,
                lot_uses_in=request.lot_uses_in_units,
            )
        return core_pb2.ListAuditEntriesResponse(
            entries=[entry_message(self.service, e) for e in entries]
        )

    def VerifyLedger(
        self, request: core_pb2.VerifyLedgerRequest, context: Any
    ) -> core_pb2.VerifyLedgerResponse:
        if len(request.checkpoints) > MAX_SUPPLIED_CHECKPOINTS:
            raise InvalidArgument(
                f"checkpoints: at most {MAX_SUPPLIED_CHECKPOINTS} a call, "
                f"got {len(request.checkpoints)}"
            )
        # Checkpoints of other services in a shared file are not this ledger's business.
        supplied = [checkpoint_of(c) for c in request.checkpoints if c.service == self.service]
        with self.database.reader() as session:
            report = checkpoint_store.verify(
                session, self.service, self.signer.public_key, supplied
            )
        latest = report.latest_checkpoint
        return core_pb2.VerifyLedgerResponse(
            service=self.service,
            entries=report.chain.entries,
            ok=report.ok,
            head_hash=report.chain.head_hash or "",
            first_broken_seq=report.first_broken_seq or 0,
            problem=report.problem or "",
            checkpoints=report.checkpoints,
            last_checkpoint_seq=latest.seq if latest else 0,
            last_checkpoint_at=to_timestamp(latest.signed_at) if latest else None,
            unsigned_entries=report.unsigned_entries,
            key_id=report.key_id,
        )

    def SignCheckpoint(
        self, request: core_pb2.SignCheckpointRequest, context: Any
    ) -> core_pb2.SignCheckpointResponse:
        with self.database.transaction() as session:
            checkpoint = checkpoint_store.sign_head(session, self.service, self.signer)
        return core_pb2.SignCheckpointResponse(
            checkpoint=checkpoint_message(checkpoint) if checkpoint else None,
            public_key_pem=self.signer.public_key_pem,
        )

    def ListCheckpoints(
        self, request: core_pb2.ListCheckpointsRequest, context: Any
    ) -> core_pb2.ListCheckpointsResponse:
        with self.database.reader() as session:
            stored = checkpoint_store.stored_checkpoints(session, self.service)
        return core_pb2.ListCheckpointsResponse(
            checkpoints=[checkpoint_message(c) for c in stored],
            public_key_pem=self.signer.public_key_pem,
        )

    def ListLedgerRange(
        self, request: core_pb2.ListLedgerRangeRequest, context: Any
    ) -> core_pb2.ListLedgerRangeResponse:
        if request.from_seq < 1 or request.to_seq < request.from_seq:
            raise InvalidArgument(
                "from_seq must be at least 1 and to_seq at least from_seq, got "
                f"{request.from_seq}..{request.to_seq}"
            )
        with self.database.reader() as session:
            entries = ledger.entries_between(session, request.from_seq, request.to_seq)
        return core_pb2.ListLedgerRangeResponse(
            entries=[entry_message(self.service, e) for e in entries]
        )


def ledger_service(service: str, database: Database, signer: Signer) -> GrpcService:
    servicer = LedgerServicer(service, database, signer)
    return GrpcService(
        descriptor=LEDGER,
        method_roles=method_roles(LEDGER),
        add_to_server=lambda server: core_pb2_grpc.add_LedgerServiceServicer_to_server(
            servicer, server
        ),
    )
