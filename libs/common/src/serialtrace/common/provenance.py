"""Where an imported fact came from: the import batch, the file and the row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serialtrace.common import rpc
from serialtrace.common.errors import FailedPrecondition, InvalidArgument
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork

Counted = TypeVar("Counted")

# Batch ids are "IMP-" and 12 hex digits; the stores keep them in columns of this width.
MAX_BATCH_ID = 40
MAX_FILE_NAME = 200


class ProvenanceMessage(Protocol):
    """Any proto message naming a batch, a file and a row (each service has its own)."""

    import_batch_id: str
    file: str
    row: int


@dataclass(frozen=True)
class Provenance:
    batch_id: str
    file: str
    row: int

    @staticmethod
    def of(message: ProvenanceMessage) -> Provenance:
        """The provenance an import sent, or INVALID_ARGUMENT when a part is missing."""
        if not message.import_batch_id or not message.file or message.row < 1:
            raise InvalidArgument("an imported item needs its provenance: batch id, file and row")
        return Provenance(
            message.import_batch_id[:MAX_BATCH_ID], message.file[:MAX_FILE_NAME], message.row
        )

    def columns(self, entity_type: str, entity_id: str) -> dict[str, Any]:
        """The row of a service's import_provenance table for one imported entity."""
        return {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "batch_id": self.batch_id,
            "file": self.file,
            "row": self.row,
            "recorded_at": utcnow(),
        }

    def payload(self) -> dict[str, Any]:
        """As audit entries carry it."""
        return {"import_batch_id": self.batch_id, "file": self.file, "row": self.row}


def count_by_file(session: Session, model: Any, batch_id: str) -> list[tuple[str, str, int]]:
    """(file, entity type, count) of an import batch's rows in a service's provenance
    table (`model`), in file and entity type order."""
    query = (
        select(model.file, model.entity_type, func.count())
        .where(model.batch_id == batch_id)
        .group_by(model.file, model.entity_type)
        .order_by(model.file, model.entity_type)
    )
    return [(f, t, int(n)) for f, t, n in session.execute(query)]


def fact_count(message: Callable[..., Counted]) -> Callable[[tuple[str, str, int]], Counted]:
    """Maps (file, entity type, count) to a service's ImportedFactCount message."""
    return lambda c: message(file=c[0], entity_type=c[1], count=c[2])


def import_rpcs(
    count: Callable[[Session, str], Sequence[tuple[str, str, int]]],
    roll_back: Callable[[UnitOfWork, str, bool], tuple[Sequence[str], Sequence[tuple[str, int]]]],
    pb: Any,
) -> dict[str, rpc.Rpc]:
    """The CountImportedFacts and RollBackImport entries of a service's RPC table:
    `count(session, batch_id)` gives (file, entity type, count), `roll_back(uow,
    batch_id, dry_run)` (dependents, taken back per entity type); `pb` is the service's
    proto module (its ImportedFactCount and RollBackImportResponse)."""

    def roll_back_import(servicer: Any, uow: UnitOfWork, request: Any) -> Any:
        outcome = roll_back(uow, request.import_batch_id, request.dry_run)
        return rollback_reply(
            pb.RollBackImportResponse,
            pb.ImportedFactCount,
            request.import_batch_id,
            request.dry_run,
            outcome,
        )

    return {
        "CountImportedFacts": rpc.lookup(
            count, "import_batch_id", fact_count(pb.ImportedFactCount)
        ),
        "RollBackImport": rpc.write(roll_back_import),
    }


def rollback_reply(
    response: Callable[..., Counted],
    count: Callable[..., Any],
    batch_id: str,
    dry_run: bool,
    outcome: tuple[Sequence[str], Sequence[tuple[str, int]]],
) -> Counted:
    """A service's RollBackImportResponse from its (dependents, taken back per entity
    type); refused, naming the dependents, unless it was a dry run."""
    dependents, taken = outcome
    if not dry_run:
        refuse_rollback(batch_id, dependents)
    return response(
        dependents=list(dependents),
        taken_back=[count(entity_type=t, count=n) for t, n in taken],
    )


def refuse_rollback(batch_id: str, dependents: Sequence[str]) -> None:
    """FAILED_PRECONDITION naming (the first 20 of) the facts recorded since that rest
    on an import batch, when there are any: its rollback would break them."""
    if dependents:
        raise FailedPrecondition(
            f"{len(dependents)} fact(s) recorded since depend on import batch "
            f"{batch_id}: {'; '.join(dependents[:20])}"
        )
