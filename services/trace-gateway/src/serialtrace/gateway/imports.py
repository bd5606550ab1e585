"""Migration import batches in the graph: `importBatches` and `importBatch(id)`, read
from masterdata, which owns them (the gateway keeps no domain data)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from serialtrace.common.protomap import enum_str
from serialtrace.common.timeutil import from_timestamp
from serialtrace.gateway.context import Ctx, GatewayContext
from serialtrace.gateway.types.enums import ImportBatchState
from serialtrace.masterdata.v1 import masterdata_pb2 as md


@strawberry.type
class ImportFileCount:
    file: str
    rows: int
    applied: int


@strawberry.type
class ImportBatch:
    id: strawberry.ID
    name: str
    state: ImportBatchState
    files: list[ImportFileCount]
    created_by: str
    created_at: datetime

    @staticmethod
    def of(message: md.ImportBatch) -> ImportBatch:
        created = from_timestamp(message.created_at)
        assert created is not None  # every stored batch has its creation time
        return ImportBatch(
            id=strawberry.ID(message.id),
            name=message.name,
            state=ImportBatchState[enum_str(md.ImportBatchState, message.state)],
            files=[
                ImportFileCount(file=f.file, rows=f.rows, applied=f.applied) for f in message.files
            ],
            created_by=message.created_by,
            created_at=created,
        )


def _ctx(info: Ctx) -> GatewayContext:
    return info.context


@strawberry.type
class ImportQueries:
    @strawberry.field(description="Every migration import batch, newest first.")
    async def import_batches(self, info: Ctx) -> list[ImportBatch]:
        _ctx(info).caller()
        reply = await _ctx(info).calls.read(
            "masterdata", "ListImportBatches", md.ListImportBatchesRequest()
        )
        return [ImportBatch.of(b) for b in reply.batches]

    @strawberry.field
    async def import_batch(self, info: Ctx, id: strawberry.ID) -> ImportBatch | None:
        _ctx(info).caller()
        reply = await _ctx(info).calls.read(
            "masterdata", "BatchGetImportBatches", md.BatchGetImportBatchesRequest(ids=[str(id)])
        )
        return ImportBatch.of(reply.batches[0]) if reply.batches else None
