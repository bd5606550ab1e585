"""The graph: queries, mutations, limits, and one span and metric per operation."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.types import ExecutionContext

from serialtrace.common.telemetry import red_metrics
from serialtrace.gateway.bounds import Bounds, InputOutOfBounds
from serialtrace.gateway.config import GatewaySettings
from serialtrace.gateway.context import GatewayContext
from serialtrace.gateway.documents import Documents
from serialtrace.gateway.errors import is_unexpected
from serialtrace.gateway.execution import FastExecution, call_resolvers_directly
from serialtrace.gateway.governance import record_trace_latency
from serialtrace.gateway.mutations import Mutation
from serialtrace.gateway.queries import Query
from serialtrace.gateway.schema_check import SNAPSHOT

log = logging.getLogger(__name__)

OPERATIONS, OPERATION_LATENCY = red_metrics(
    "graphql_operation",
    "GraphQL operation",
    ["type", "operation"],
    outcome="outcome",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Made once: `trace.get_tracer` looks the provider up and builds a tracer each time,
# about 4% of a trivial request's CPU when done per operation.
_TRACER = trace.get_tracer("serialtrace.gateway")
_METRIC_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class GatewayOperation(SchemaExtension):
    """Our own part of every operation, in one extension (each one costs strawberry
    hooks to find and enter per request): one server span per operation, parent of
    every gRPC call it makes (the trace id goes back in `extensions.traceId`), RED
    metrics per operation name, the trace latency governance reports
    (`governance.record_trace_latency`), each query text parsed (within the token
    limit) and validated (with the depth and alias limits) once
    (serialtrace.gateway.documents), and every argument within its bounds
    (serialtrace.gateway.bounds) before execution starts, so a request out of bounds
    calls no service at all."""

    def on_operation(self) -> Iterator[None]:
        context: GatewayContext = self.execution_context.context
        span = _TRACER.start_span("graphql", kind=SpanKind.SERVER, context=context.parent_trace)
        context.calls.span = span
        context.trace_id = format(span.get_span_context().trace_id, "032x")
        started = time.perf_counter()
        try:
            yield
        finally:
            kind, name = self._labels()
            result = self.execution_context.result
            failed = bool((result and result.errors) or context.partial_errors)
            span.update_name(f"graphql {kind} {name}")
            span.set_attribute("graphql.operation.type", kind)
            span.set_attribute("graphql.operation.name", name)
            elapsed = time.perf_counter() - started
            OPERATIONS.labels(kind, name, "error" if failed else "ok").inc()
            OPERATION_LATENCY.labels(kind, name).observe(elapsed)
            span.end()
            record_trace_latency(self.execution_context, elapsed * 1000)

    def _labels(self) -> tuple[str, str]:
        context: ExecutionContext = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # unparsable documents have no type
            kind = "invalid"
        name = context.operation_name or "anonymous"
        return kind, name if _METRIC_NAME.fullmatch(name) else "other"

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:  # strawberry refuses a request without one itself
            schema: GatewaySchema = context.schema  # type: ignore[assignment]
            context.graphql_document = schema.documents.parse(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if context.query and document is not None:
            schema: GatewaySchema = context.schema  # type: ignore[assignment]
            context.pre_execution_errors = schema.documents.validate(
                context.query, document, context.validation_rules
            )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            schema: GatewaySchema = context.schema  # type: ignore[assignment]
            try:
                schema.bounds.check(context.query or "", document, context.variables)
            except InputOutOfBounds as error:
                context.result = GraphQLExecutionResult(data=None, errors=[error.graphql_error()])
        yield


DOCUMENT_CACHE_SIZE = 256  # distinct query texts kept parsed and validated


class GatewaySchema(strawberry.Schema):
    def __init__(self, *args: Any, limits: GatewaySettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bounds = Bounds(self._schema, DOCUMENT_CACHE_SIZE)
        rules = [
            *QueryDepthLimiter(max_depth=limits.max_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=limits.max_aliases).validation_rules,
        ]
        self.documents = Documents(self._schema, rules, limits.max_tokens, DOCUMENT_CACHE_SIZE)
        call_resolvers_directly(self._schema, self.config.info_class)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Verdicts (bad input, not found, unavailable...) are the client's business;
        # only bugs are logged, with their stack trace.
        for error in errors:
            if is_unexpected(error):
                log.error("unhandled error resolving %s", error.path, exc_info=error.original_error)


def build_schema(settings: GatewaySettings | None = None) -> GatewaySchema:
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        execution_context_class=FastExecution,
        extensions=[GatewayOperation],
        limits=settings or GatewaySettings.from_env({}),
    )


def printed_schema() -> str:
    return build_schema().as_str() + "\n"


def main() -> None:
    """`python -m serialtrace.gateway.schema` rewrites the committed SDL snapshot."""
    SNAPSHOT.write_text(printed_schema())
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()


__all__ = ["SNAPSHOT", "GatewaySchema", "build_schema", "printed_schema"]
