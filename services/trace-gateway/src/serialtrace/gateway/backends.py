"""The gateway's gRPC clients: one asyncio channel per service, shared by all requests.

Every call carries the caller's bearer token, has a deadline, and is a child span of
the GraphQL operation. Reads are retried while a service is unreachable; writes never
are (a retry of a write is the client's decision, with its idempotency key).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter

from serialtrace.common.client import CHANNEL_OPTIONS
from serialtrace.common.errors import ServiceError, from_rpc_error, is_verdict
from serialtrace.core.v1 import core_pb2, core_pb2_grpc
from serialtrace.epcis.v1 import epcis_pb2_grpc
from serialtrace.masterdata.v1 import masterdata_pb2_grpc
from serialtrace.production.v1 import production_pb2_grpc
from serialtrace.quality.v1 import quality_pb2_grpc
from serialtrace.warehouse.v1 import warehouse_pb2_grpc

# The graph's services (its audit trails and ledger checks span these) and every service
# the gateway calls (EPCIS under /epcis too): channels, stubs and readiness.
SERVICES = ("masterdata", "production", "warehouse", "quality")
ALL_SERVICES = (*SERVICES, "epcis")
_STUBS: dict[str, Any] = {
    "masterdata": masterdata_pb2_grpc.MasterdataServiceStub,
    "production": production_pb2_grpc.ProductionServiceStub,
    "warehouse": warehouse_pb2_grpc.WarehouseServiceStub,
    "quality": quality_pb2_grpc.QualityServiceStub,
    "epcis": epcis_pb2_grpc.EpcisServiceStub,
}
_SERVICE_OF_STUB: dict[type, str] = {
    masterdata_pb2_grpc.MasterdataServiceStub: "serialtrace.masterdata.v1.MasterdataService",
    production_pb2_grpc.ProductionServiceStub: "serialtrace.production.v1.ProductionService",
    warehouse_pb2_grpc.WarehouseServiceStub: "serialtrace.warehouse.v1.WarehouseService",
    quality_pb2_grpc.QualityServiceStub: "serialtrace.quality.v1.QualityService",
    epcis_pb2_grpc.EpcisServiceStub: "serialtrace.epcis.v1.EpcisService",
    core_pb2_grpc.LedgerServiceStub: "serialtrace.core.v1.LedgerService",
    core_pb2_grpc.GovernanceServiceStub: "serialtrace.core.v1.GovernanceService",
}
# Governance facts read whole tables; they get longer than an ordinary read.
GOVERNANCE_DEADLINE_SECONDS = 120.0
_TRACER = trace.get_tracer("serialtrace.gateway.grpc")
# Backoff between read attempts while a service is unreachable (then give up).
READ_RETRY_BACKOFF = (0.05, 0.2)

GRPC_CLIENT_CALLS = Counter(
    "serialtrace_gateway_grpc_client_calls_total",
    "gRPC calls the gateway made, by service, method and status",
    ["service", "method", "code"],
)


class Backends:
    """Channels and stubs for the services. Create inside the running event loop."""

    def __init__(
        self, addrs: Mapping[str, str], read_deadline: float, write_deadline: float
    ) -> None:
        self.read_deadline, self.write_deadline = read_deadline, write_deadline
        self.channels = {
            name: grpc.aio.insecure_channel(
                addrs[name],
                options=CHANNEL_OPTIONS,
            )
            for name in ALL_SERVICES
        }
        self.stubs = {name: _STUBS[name](self.channels[name]) for name in ALL_SERVICES}
        self.ledgers = {
            name: core_pb2_grpc.LedgerServiceStub(self.channels[name]) for name in ALL_SERVICES
        }
        self._health = {
            name: health_pb2_grpc.HealthStub(self.channels[name]) for name in ALL_SERVICES
        }
        self.governance = {
            name: core_pb2_grpc.GovernanceServiceStub(self.channels[name]) for name in SERVICES
        }

    async def readiness(self) -> dict[str, str]:
        """Each service's gRPC health status (or why it could not be asked)."""

        async def check(name: str) -> str:
            try:
                reply = await self._health[name].Check(health_pb2.HealthCheckRequest(), timeout=2)
            except grpc.aio.AioRpcError as error:
                return error.code().name
            return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))

        statuses = await asyncio.gather(*(check(name) for name in ALL_SERVICES))
        return dict(zip(ALL_SERVICES, statuses, strict=True))

    async def close(self) -> None:
        await asyncio.gather(*(channel.close(grace=None) for channel in self.channels.values()))


class Calls:
    """One GraphQL request's view of the services: its token and its operation span."""

    def __init__(self, backends: Backends, bearer: str | None) -> None:
        self.backends = backends
        self.metadata = (("authorization", f"Bearer {bearer}"),) if bearer else ()
        self.span: trace.Span | None = None  # set when the operation starts

    async def read(self, service: str, rpc: str, request: Any) -> Any:
        return await self._with_retries(self.backends.stubs[service], service, rpc, request)

    async def read_ledger(self, service: str, rpc: str, request: Any) -> Any:
        return await self._with_retries(self.backends.ledgers[service], service, rpc, request)

    async def read_governance(self, service: str) -> Any:
        """One service's governance facts (no retry: the caller asks again)."""
        stub = self.backends.governance[service]
        request = core_pb2.GetGovernanceFactsRequest()
        return await self._read_whole_tables(stub, service, "GetGovernanceFacts", request)

    async def verify_whole_ledger(self, service: str) -> Any:
        """One service's whole ledger verified, for the indicators (as long a read)."""
        stub, request = self.backends.ledgers[service], core_pb2.VerifyLedgerRequest()
        return await self._read_whole_tables(stub, service, "VerifyLedger", request)

    async def _read_whole_tables(self, stub: Any, service: str, rpc: str, request: Any) -> Any:
        deadline = max(self.backends.read_deadline, GOVERNANCE_DEADLINE_SECONDS)
        try:
            return await self._call(stub, service, rpc, request, deadline)
        except _Unreachable as unreachable:
            raise unreachable.error from None

    async def write(self, service: str, rpc: str, request: Any) -> Any:
        stub = self.backends.stubs[service]
        try:
            return await self._call(stub, service, rpc, request, self.backends.write_deadline)
        except _Unreachable as unreachable:
            raise unreachable.error from None

    async def _with_retries(self, stub: Any, service: str, rpc: str, request: Any) -> Any:
        for backoff in (*READ_RETRY_BACKOFF, None):
            try:
                return await self._call(stub, service, rpc, request, self.backends.read_deadline)
            except _Unreachable as unreachable:
                if backoff is None:
                    raise unreachable.error from None
                await asyncio.sleep(backoff)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _call(self, stub: Any, service: str, rpc: str, request: Any, timeout: float) -> Any:
        """One call: a client span (child of the operation span, which DataLoader batches
        do not inherit: they run in tasks of their own) whose context travels in the
        metadata, and a count by outcome. Done here rather than by channel interceptors:
        grpc.aio's interceptor machinery cost the gateway a fifth of a trace's CPU."""
        parent = trace.set_span_in_context(self.span) if self.span else None
        method = stub_method_name(stub, rpc)
        code = grpc.StatusCode.OK
        with _TRACER.start_as_current_span(
            method,
            context=parent,
            kind=SpanKind.CLIENT,
            attributes={
                "rpc.system": "grpc",
                "rpc.service": method.split("/")[1],
                "rpc.method": rpc,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            metadata = (*self.metadata, *carrier.items())
            try:
                return await getattr(stub, rpc)(request, timeout=timeout, metadata=metadata)
            except grpc.aio.AioRpcError as error:
                code = error.code()
                span.set_status(Status(StatusCode.ERROR, f"{code.name}: {error.details()}"))
                mapped = from_rpc_error(error, service)
                if code == grpc.StatusCode.UNAVAILABLE and not is_verdict(error):
                    raise _Unreachable(mapped) from None
                raise mapped from None
            finally:
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                GRPC_CLIENT_CALLS.labels(service, rpc, code.name).inc()


def stub_method_name(stub: Any, rpc: str) -> str:
    """`/package.Service/Method`, as the server names its span."""
    return f"/{_SERVICE_OF_STUB[type(stub)]}/{rpc}"


class _Unreachable(Exception):
    """The service did not answer at all (as opposed to answering UNAVAILABLE itself)."""

    def __init__(self, error: ServiceError) -> None:
        super().__init__(error.message)
        self.error = error
