"""Quality: inspections, nonconformances, holds and recalls."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from serialtrace.common.protomap import enum_value
from serialtrace.gateway.context import Ctx
from serialtrace.gateway.facts import UnitRef, unit_ref
from serialtrace.gateway.types.audit import Signature
from serialtrace.gateway.types.connections import PageInfo, connection_edges, page_window
from serialtrace.gateway.types.enums import (
    Disposition,
    InspectionKind,
    QualityStatus,
    RecallStatus,
    RecallUnitState,
    Result,
)
from serialtrace.gateway.types.masterdata import Location, Party, location_of, party_of
from serialtrace.gateway.types.messages import (
    FromMessage,
    by_ids,
    from_proto,
    mapped,
    named_field,
)
from serialtrace.gateway.types.unit import Unit
from serialtrace.gateway.types.warehouse import Shipment, shipment_of
from serialtrace.quality.v1 import quality_pb2 as qa


@strawberry.type
class Inspection(FromMessage):
    id: strawberry.ID
    kind: InspectionKind
    result: Result
    inspector: str
    at: datetime
    measurements: JSON


@strawberry.type
class Nonconformance(FromMessage):
    id: strawberry.ID
    description: str
    disposition: Disposition | None
    opened_by: str
    opened_at: datetime


@strawberry.type
class Hold:
    id: strawberry.ID
    reason: str
    placed_by: str
    placed_at: datetime
    active: bool
    release: Signature | None
    unit_count: int

    @staticmethod
    def of(message: qa.Hold) -> Hold:
        return mapped(
            Hold, message, release=Signature.of(message.release, message.HasField("release"))
        )


def quality_status_of(
    info: Ctx, kind: str, key: Hashable, statuses: Mapping[Any, int]
) -> QualityStatus:
    """A unit's or lot's quality status (`unit_status` or `lot_status`); UNKNOWN, with
    the error at the field, when quality cannot say."""
    return info.context.facts.read(
        info,
        kind,
        key,
        lambda: (
            from_proto(QualityStatus, qa.QualityStatus, statuses.get(key, 0)) or QualityStatus.OK
        ),
        fallback=QualityStatus.UNKNOWN,
    )


def inspections_of(
    info: Ctx, kind: str, key: Hashable, inspections: Mapping[Any, list[qa.Inspection]]
) -> list[Inspection]:
    return info.context.facts.read(
        info, kind, key, lambda: [Inspection.of(i) for i in inspections.get(key, ())], fallback=[]
    )


def holds_covering(
    info: Ctx, kind: str, key: Hashable, hold_ids: Mapping[Any, list[str]]
) -> list[Hold]:
    """The active holds on a unit or lot (`unit_holds` or `lot_holds`)."""
    return info.context.facts.read(
        info, kind, key, lambda: holds_of(info, hold_ids.get(key, [])), fallback=[]
    )


def holds_of(info: Ctx, hold_ids: list[str]) -> list[Hold]:
    return by_ids(info, "hold", hold_ids, lambda facts: facts.holds, Hold.of, fallback=[])


@strawberry.type
class RecallCount(FromMessage):
    state: RecallUnitState
    count: int


@strawberry.type
class RecallItem:
    state: RecallUnitState
    unit_key: strawberry.Private[UnitRef]
    location_code: strawberry.Private[str]
    customer_code: strawberry.Private[str]
    shipment_id: strawberry.Private[str]

    @strawberry.field
    def unit(self) -> Unit:
        return Unit.ref(self.unit_key)

    location = named_field(Location, location_of, "location_code")
    customer = named_field(Party, party_of, "customer_code")
    shipment = named_field(Shipment, shipment_of, "shipment_id")

    @staticmethod
    def of(message: qa.RecallItem) -> RecallItem:
        return mapped(RecallItem, message, unit_key=unit_ref(message.unit))


@strawberry.type
class RecallItemEdge:
    cursor: str
    node: RecallItem


@strawberry.type
class RecallItemConnection:
    edges: list[RecallItemEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Recall:
    id: strawberry.ID
    reason: str
    status: RecallStatus
    created_at: datetime
    created_by: str
    scope_computed_in_ms: int
    counts: list[RecallCount]

    @strawberry.field
    async def affected(
        self,
        info: Ctx,
        first: int | None = 100,
        after: str | None = None,
        state: RecallUnitState | None = None,
    ) -> RecallItemConnection:
        token, skip, size = page_window(info, first, after)
        request = qa.ListRecallItemsRequest(
            recall_id=self.id,
            state=enum_value(qa.RecallUnitState, state.value if state else ""),
            page_size=size,
            page_token=token,
        )
        reply = await info.context.calls.read("quality", "ListRecallItems", request)
        edges, page_info = connection_edges(list(reply.items), token, skip, reply.next_page_token)
        return RecallItemConnection(
            edges=[RecallItemEdge(cursor=c, node=RecallItem.of(i)) for c, i in edges],
            page_info=page_info,
            total_count=reply.total_count,
        )

    @staticmethod
    def of(message: qa.Recall) -> Recall:
        return mapped(Recall, message, counts=[RecallCount.of(c) for c in message.counts])
