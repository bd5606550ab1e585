"""The ledger's gRPC messages and who may ask for what, without a database: what the
gateway needs to read ledgers (an evidence package) and what `ledger_api` serves them
with, kept apart so the gateway does not load SQLAlchemy through the servicer."""

from __future__ import annotations

from serialtrace.common import ledger_entries
from serialtrace.common.access import roles_of
from serialtrace.common.checkpoints import Checkpoint
from serialtrace.common.errors import InvalidArgument
from serialtrace.common.timeutil import from_timestamp, to_timestamp
from serialtrace.core.v1 import core_pb2

LEDGER = core_pb2.DESCRIPTOR.services_by_name["LedgerService"]
# As core.proto declares them: who reads the audit trail, who signs a checkpoint.
AUDIT_READERS = roles_of(LEDGER, "ListAuditEntries")
CHECKPOINT_SIGNERS = roles_of(LEDGER, "SignCheckpoint")


def entry_message(service: str, entry: ledger_entries.Entry) -> core_pb2.AuditEntry:
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


def checkpoint_message(checkpoint: Checkpoint) -> core_pb2.LedgerCheckpoint:
    return core_pb2.LedgerCheckpoint(
        service=checkpoint.service,
        seq=checkpoint.seq,
        hash=checkpoint.hash,
        signed_at=to_timestamp(checkpoint.signed_at),
        key_id=checkpoint.key_id,
        signature=checkpoint.signature,
    )


def checkpoint_of(message: core_pb2.LedgerCheckpoint) -> Checkpoint:
    signed_at = from_timestamp(message.signed_at)
    if signed_at is None:
        raise InvalidArgument(f"checkpoint at seq {message.seq} has no signed_at")
    return Checkpoint(
        service=message.service,
        seq=message.seq,
        hash=message.hash,
        signed_at=signed_at,
        key_id=message.key_id,
        signature=message.signature,
    )
