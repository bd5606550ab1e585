"""The GovernanceService every service serves: the facts behind the data-governance
indicators that only that service can see. Each service hands in its own provider
(a function of a read session); the gateway combines the four answers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common.access import method_roles
from serialtrace.common.db import Database
from serialtrace.common.server import GrpcService
from serialtrace.common.timeutil import to_timestamp
from serialtrace.core.v1 import core_pb2, core_pb2_grpc

# Offender keys one fact set carries at most (the count is always exact).
MAX_OFFENDERS = 200_000


@dataclass(frozen=True)
class Fact:
    """A check over `population` things; `offenders` are the keys that fail it."""

    name: str
    population: int
    offenders: list[str]


@dataclass(frozen=True)
class RecallTiming:
    recall_id: str
    scope_ms: int
    created_at: datetime
    resolved_at: datetime | None


@dataclass
class GovernanceFacts:
    facts: list[Fact] = field(default_factory=list)
    recalls: list[RecallTiming] = field(default_factory=list)


Provider = Callable[[Session], GovernanceFacts]


def fact_message(fact: Fact) -> core_pb2.FactSet:
    offenders = sorted(set(fact.offenders))
    return core_pb2.FactSet(
        name=fact.name,
        population=fact.population,
        offender_count=len(offenders),
        offenders=offenders[:MAX_OFFENDERS],
        truncated=len(offenders) > MAX_OFFENDERS,
    )


def facts_message(found: GovernanceFacts) -> core_pb2.GetGovernanceFactsResponse:
    return core_pb2.GetGovernanceFactsResponse(
        facts=[fact_message(f) for f in found.facts],
        recalls=[
            core_pb2.RecallTiming(
                recall_id=r.recall_id,
                scope_ms=r.scope_ms,
                created_at=to_timestamp(r.created_at),
                resolved_at=to_timestamp(r.resolved_at),
            )
            for r in found.recalls
        ],
    )


def chunked(items: Iterable[Any], size: int = 1000) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class GovernanceServicer(core_pb2_grpc.GovernanceServiceServicer):
    def __init__(self, database: Database, provider: Provider) -> None:
        self.database, self.provider = database, provider

    def GetGovernanceFacts(
        self, request: core_pb2.GetGovernanceFactsRequest, context: Any
    ) -> core_pb2.GetGovernanceFactsResponse:
        with self.database.reader() as session:
            return facts_message(self.provider(session))


GOVERNANCE = core_pb2.DESCRIPTOR.services_by_name["GovernanceService"]


def governance_service(database: Database, provider: Provider) -> GrpcService:
    servicer = GovernanceServicer(database, provider)
    return GrpcService(
        descriptor=GOVERNANCE,
        method_roles=method_roles(GOVERNANCE),
        add_to_server=lambda server: core_pb2_grpc.add_GovernanceServiceServicer_to_server(
            servicer, server
        ),
    )
