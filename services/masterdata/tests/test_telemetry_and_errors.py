"""Tracing across the gRPC boundary down to SQL, and errors that never leak internals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from serialtrace.common import telemetry
from serialtrace.common.auth import acting_as, verify_token
from serialtrace.common.client import ServiceClient, open_channel
from serialtrace.common.errors import Unavailable
from serialtrace.common.server import GrpcService, ServiceDefinition, start
from serialtrace.common.testing import (
    TEST_JWT_SECRET,
    Caller,
    TestDatabases,
    rpc_error,
    service_settings,
    token,
)
from serialtrace.masterdata import api
from serialtrace.masterdata.main import service
from serialtrace.masterdata.v1 import masterdata_pb2 as pb
from serialtrace.masterdata.v1 import masterdata_pb2_grpc

Masterdata = Any


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = telemetry.setup_tracing("tests", None)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()


def test_one_trace_runs_from_the_caller_through_the_server_to_sql(
    masterdata: Masterdata, spans: InMemorySpanExporter
) -> None:
    principal = verify_token(TEST_JWT_SECRET, token("tess", "viewer"))
    client = ServiceClient(
        "masterdata",
        masterdata_pb2_grpc.MasterdataServiceStub(open_channel(masterdata.running.address)),
    )
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("caller") as root, acting_as(principal):
        client.BatchGetProducts(pb.BatchGetProductsRequest(skus=["TRACED"]))
    trace_id = root.get_span_context().trace_id
    finished = {
        s.context.span_id: s for s in spans.get_finished_spans() if s.context.trace_id == trace_id
    }
    kinds = {s.kind for s in finished.values()}
    assert trace.SpanKind.CLIENT in kinds and trace.SpanKind.SERVER in kinds
    server = next(s for s in finished.values() if s.kind == trace.SpanKind.SERVER)
    client_span = finished[server.parent.span_id]  # W3C context crossed the wire
    assert client_span.kind == trace.SpanKind.CLIENT
    sql = [s for s in finished.values() if s.attributes and "db.statement" in s.attributes]
    assert sql and all(_descends_from(s, server.context.span_id, finished) for s in sql)


def test_a_sessionless_read_still_traces_its_statement_under_the_server_span(
    masterdata: Masterdata, spans: InMemorySpanExporter
) -> None:
    """ResolveGs1Key reads without the ORM (Database.read_entities): its one statement
    is a span of the call all the same."""
    principal = verify_token(TEST_JWT_SECRET, token("tess", "viewer"))
    client = ServiceClient(
        "masterdata",
        masterdata_pb2_grpc.MasterdataServiceStub(open_channel(masterdata.running.address)),
    )
    with trace.get_tracer("test").start_as_current_span("caller") as root, acting_as(principal):
        client.ResolveGs1Key(pb.ResolveGs1KeyRequest(gtin="09506000134352", serial="S1"))
    trace_id = root.get_span_context().trace_id
    finished = {
        s.context.span_id: s for s in spans.get_finished_spans() if s.context.trace_id == trace_id
    }
    server = next(s for s in finished.values() if s.kind == trace.SpanKind.SERVER)
    # On SQLite every transaction opens with the BEGIN that Database issues itself.
    sql = [
        s
        for s in finished.values()
        if s.attributes and "db.statement" in s.attributes and s.name.split(" ")[0] != "BEGIN"
    ]
    assert [s.name.split(" ")[0] for s in sql] == ["SELECT"]
    assert "FROM products" in str(sql[0].attributes["db.statement"])
    assert _descends_from(sql[0], server.context.span_id, finished)


def _descends_from(span: Any, ancestor: int, spans: dict[int, Any]) -> bool:
    while span.parent is not None:
        if span.parent.span_id == ancestor:
            return True
        span = spans.get(span.parent.span_id)
        if span is None:
            return False
    return False


def test_log_lines_carry_the_trace_id() -> None:
    formatter = telemetry.JsonFormatter("masterdata")
    with trace.get_tracer("test").start_as_current_span("op") as span:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("w",), None)
        line = formatter.format(record)
    assert f'"trace_id": "{format(span.get_span_context().trace_id, "032x")}"' in line
    assert '"message": "hello w"' in line


class _Broken(api.MasterdataServicer):
    def BatchGetProducts(self, request: Any, context: Any) -> Any:
        raise RuntimeError("password=hunter2 at /srv/secret.py line 7")


def test_unexpected_failures_are_internal_with_a_trace_id_and_no_details(
    test_databases: TestDatabases,
) -> None:
    def build(settings: Any, database: Any) -> list[GrpcService]:
        servicer = _Broken(database)
        return [
            GrpcService(
                pb.DESCRIPTOR.services_by_name["MasterdataService"],
                api.METHOD_ROLES,
                lambda s: masterdata_pb2_grpc.add_MasterdataServiceServicer_to_server(servicer, s),
            )
        ]

    broken = ServiceDefinition("masterdata", service.migrations, service.load_settings, build)
    running = start(broken, service_settings("masterdata", test_databases.create("broken")))
    try:
        with grpc.insecure_channel(running.address) as channel:
            caller = Caller(
                masterdata_pb2_grpc.MasterdataServiceStub(channel), token("v", "viewer")
            )
            error = rpc_error(caller.BatchGetProducts, pb.BatchGetProductsRequest())
        assert error.code() == grpc.StatusCode.INTERNAL
        assert "trace id" in error.details()
        assert "hunter2" not in error.details() and "Traceback" not in error.details()
    finally:
        running.stop(0)


def test_an_unreachable_service_is_unavailable_to_its_caller() -> None:
    client = ServiceClient(
        "quality",
        masterdata_pb2_grpc.MasterdataServiceStub(open_channel("127.0.0.1:1")),
        deadline=2,
    )
    with pytest.raises(Unavailable, match="quality service is unavailable"):
        client.BatchGetProducts(pb.BatchGetProductsRequest())
