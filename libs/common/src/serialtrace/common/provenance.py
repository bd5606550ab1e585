"""Where an imported fact came from: the import batch, the file and the row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from serialtrace.common.errors import FailedPrecondition, InvalidArgument

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

    def payload(self) -> dict[str, Any]:
        """As audit entries carry it."""
        return {"import_batch_id": self.batch_id, "file": self.file, "row": self.row}


def refuse_rollback(batch_id: str, dependents: Sequence[str]) -> None:
    """FAILED_PRECONDITION naming (the first 20 of) the facts recorded since that rest
    on an import batch, when there are any: its rollback would break them."""
    if dependents:
        raise FailedPrecondition(
            f"{len(dependents)} fact(s) recorded since depend on import batch "
            f"{batch_id}: {'; '.join(dependents[:20])}"
        )
