"""One `unit` query makes one trace whose spans come from all five processes, exported
over OTLP to a receiver this test runs (opentelemetry-proto's collector service)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from serialtrace.common.testing import TestDatabases, free_port
from serialtrace.testing import (
    AUDITOR,
    SERVICE_NAMES,
    TRACE,
    GraphClient,
    GraphFactory,
    ProcessSuite,
    build_and_ship,
)


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    """Keeps every exported span as (service.name, span)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def Export(self, request: Any, context: Any) -> Any:
        with self.lock:
            for resource_spans in request.resource_spans:
                attributes = {
                    a.key: a.value.string_value for a in resource_spans.resource.attributes
                }
                for scope in resource_spans.scope_spans:
                    self.spans += [(attributes["service.name"], s) for s in scope.spans]
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
def traced_suite(
    test_databases: TestDatabases, tmp_path: Path
) -> Iterator[tuple[ProcessSuite, Receiver]]:
    receiver = Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    port = free_port()
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    databases = {name: test_databases.create(name) for name in SERVICE_NAMES}
    suite = ProcessSuite(
        tmp_path, databases, OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{port}"
    )
    suite.start()
    yield suite, receiver
    suite.stop()
    server.stop(0)


def test_one_unit_query_is_one_trace_across_all_five_processes(
    traced_suite: tuple[ProcessSuite, Receiver],
) -> None:
    suite, receiver = traced_suite
    factory = GraphFactory(GraphClient(suite.url))
    built = build_and_ship(factory)
    result = factory.as_(AUDITOR).execute(TRACE, built["fg"])
    assert not result.get("errors")
    trace_id = bytes.fromhex(result["extensions"]["traceId"])

    expected = {f"serialtrace-{name}" for name in (*SERVICE_NAMES, "gateway")}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with receiver.lock:
            spans = [(svc, s) for svc, s in receiver.spans if s.trace_id == trace_id]
        # Each process exports in its own batches: wait for all five and the root span.
        names = {s.name for _, s in spans}
        if {svc for svc, _ in spans} >= expected and "graphql query Trace" in names:
            break
        time.sleep(0.2)
    assert {svc for svc, _ in spans} == expected

    by_id = {s.span_id: (svc, s) for svc, s in spans}
    roots = [s for _, s in spans if not s.parent_span_id]
    assert [r.name for r in roots] == ["graphql query Trace"]
    # Every other span's parent is in the same trace (no orphans across processes).
    assert all(s.parent_span_id in by_id for _, s in spans if s.parent_span_id)
    # Each service's server spans are children of the gateway's gRPC client spans...
    for svc, span in spans:
        if svc != "serialtrace-gateway" and span.kind == span.SPAN_KIND_SERVER:
            parent_service, parent = by_id[span.parent_span_id]
            assert parent.kind == parent.SPAN_KIND_CLIENT
            assert parent_service == "serialtrace-gateway"
            # ...which are children of the one operation span.
            assert parent.parent_span_id == roots[0].span_id
    # And SQL spans hang under the service that ran them.
    sql = [(svc, s) for svc, s in spans if s.name.split(" ")[0] in {"SELECT", "INSERT"}]
    assert sql and all(by_id[s.parent_span_id][0] == svc for svc, s in sql)
