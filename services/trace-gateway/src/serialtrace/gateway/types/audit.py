"""Signatures, audit ledger entries, ledger verification and evidence packages."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.access import roles_of
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway.types.messages import FromMessage, required_time

# Who may read the audit trail: the roles every service's LedgerService declares for it.
AUDIT_READERS = roles_of(core_pb2.DESCRIPTOR.services_by_name["LedgerService"], "ListAuditEntries")


@strawberry.type
class Signature:
    by: str
    at: datetime
    meaning: str

    @staticmethod
    def of(message: core_pb2.Signature, is_set: bool) -> Signature | None:
        if not is_set or not message.by:
            return None
        return Signature(by=message.by, at=required_time(message.at), meaning=message.meaning)


@strawberry.type
class AuditEntry(FromMessage):
    service: str
    seq: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    payload: JSON
    prev_hash: str
    hash: str


@strawberry.type
class LedgerVerification:
    service: str
    entries: int
    ok: bool
    head_hash: str | None
    first_broken_seq: int | None
    problem: str | None = strawberry.field(
        default=None, description="What is wrong at the first broken entry."
    )
    checkpoints: int = strawberry.field(
        default=0, description="Signed checkpoints the chain was checked against."
    )
    last_checkpoint_seq: int | None = strawberry.field(
        default=None, description="The newest signed checkpoint's head seq."
    )
    last_checkpoint_at: datetime | None = strawberry.field(
        default=None, description="When the newest checkpoint was signed."
    )
    unsigned_entries: int = strawberry.field(
        default=0, description="Entries after the newest checkpoint: chained, not yet signed."
    )
    key_id: str | None = strawberry.field(
        default=None,
        description="SHA-256 of the public key the checkpoints were checked with.",
    )


@strawberry.type(description="A built evidence package; download it within 10 minutes.")
class EvidencePackage:
    file_name: str
    sha256: str = strawberry.field(description="SHA-256 (hex) of the zip.")
    size_bytes: int
    download_url: str = strawberry.field(
        description="Path on this gateway (GET, with the same bearer token as the query)."
    )
