"""OpenTelemetry tracing, Prometheus RED metrics and JSON logs carrying the trace id."""

from __future__ import annotations

import json
import logging
import sys
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter, Histogram, start_http_server

if TYPE_CHECKING:  # the gateway has no database and never loads SQLAlchemy (~16 MB)
    from sqlalchemy import Engine

_lock = threading.Lock()
_provider: TracerProvider | None = None


def red_metrics(
    request: str,
    what: str,
    labels: Sequence[str],
    outcome: str,
    buckets: Sequence[float],
) -> tuple[Counter, Histogram]:
    """The rate/errors counter (by `labels` and `outcome`) and the latency histogram (by
    `labels`) of one kind of request, named `serialtrace_<request>s_total` and
    `serialtrace_<request>_duration_seconds`."""
    requests = Counter(
        f"serialtrace_{request}s_total",
        f"{what}s served, by {', '.join(labels)} and {outcome}",
        [*labels, outcome],
    )
    latency = Histogram(
        f"serialtrace_{request}_duration_seconds",
        f"{what} latency",
        list(labels),
        buckets=tuple(buckets),
    )
    return requests, latency


GRPC_REQUESTS, GRPC_LATENCY = red_metrics(
    "grpc_request",
    "gRPC request",
    ["service", "method"],
    outcome="code",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class _RecordedWhenExported(Sampler):
    """The default sampling (parent-based, always on) once a span processor is installed;
    before that, no span is recorded: with no exporter nothing would read one, and a
    recorded span (its attributes, events, the processors' calls) cost about a tenth of
    a scan's CPU in a process. An unrecorded span still has its trace id (the caller's,
    or a new one) and a span id of its own, so trace context crosses services, the
    graph answers its `traceId` and log lines carry it all the same."""

    def __init__(self) -> None:
        self.exporting = False
        self._sampled = ParentBased(ALWAYS_ON)

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        sampler = self._sampled if self.exporting else ALWAYS_OFF
        return sampler.should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"RecordedWhenExported{{{self._sampled.get_description()}}}"


class _Provider(TracerProvider):
    """A tracer provider whose spans are recorded once it has a span processor."""

    def __init__(self, resource: Resource) -> None:
        self._recorded = _RecordedWhenExported()
        super().__init__(sampler=self._recorded, resource=resource)

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self._recorded.exporting = True


def new_provider(process_name: str) -> TracerProvider:
    """A tracer provider for `process_name` whose spans are recorded once it has a span
    processor (`setup_tracing` installs one as the process's own)."""
    return _Provider(resource=Resource.create({"service.name": f"serialtrace-{process_name}"}))


def setup_tracing(process_name: str, otlp_endpoint: str | None) -> TracerProvider:
    """Installs the process's tracer provider once; exports over OTLP when configured.
    Spans are recorded only once a span processor exports them (`_RecordedWhenExported`)."""
    global _provider
    with _lock:
        if _provider is None:
            provider = new_provider(process_name)
            if otlp_endpoint:
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                    OTLPSpanExporter,
                )

                provider.add_span_processor(
                    BatchSpanProcessor(
                        OTLPSpanExporter(
                            endpoint=otlp_endpoint, insecure=otlp_endpoint.startswith("http://")
                        )
                    )
                )
            trace.set_tracer_provider(provider)
            _provider = provider
        return _provider


def instrument_engine(engine: Engine, provider: TracerProvider) -> None:
    """A span per SQL statement, child of the span that issued it (the gRPC server
    span), named by its first keyword, carrying the statement's text.

    Our own two listeners rather than opentelemetry-instrumentation-sqlalchemy's
    EngineTracer, which costs about 200 µs of CPU a statement (it parses the statement
    and the URL each time and keeps pool metrics), doubling a write's SQL cost here;
    these cost a fraction of that, and none when there is no span to be a child of."""
    from sqlalchemy import event

    statements = _StatementSpans(provider.get_tracer("serialtrace.sql"), engine)
    _STATEMENT_SPANS[engine] = statements

    @event.listens_for(engine, "before_cursor_execute")
    def _start(*args: Any) -> None:  # conn, cursor, statement, parameters, context, many
        statement, context = args[2], args[4]
        if context is not None:
            context._serialtrace_span = statements.start(statement)

    @event.listens_for(engine, "after_cursor_execute")
    def _end(*args: Any) -> None:
        context = args[4]
        span = getattr(context, "_serialtrace_span", None)
        if span is not None:
            context._serialtrace_span = None
            span.end()

    @event.listens_for(engine, "handle_error")
    def _failed(error: Any) -> None:
        span = getattr(error.execution_context, "_serialtrace_span", None)
        if span is not None:
            error.execution_context._serialtrace_span = None
            span.set_status(Status(StatusCode.ERROR, type(error.original_exception).__name__))
            span.end()


class _StatementSpans:
    """The spans of one engine's statements (see `instrument_engine`)."""

    def __init__(self, tracer: trace.Tracer, engine: Engine) -> None:
        self.tracer = tracer
        self.base = {"db.system": engine.dialect.name, "db.name": engine.url.database or ""}

    def start(self, statement: str) -> trace.Span | None:
        """A started span of `statement`, or None outside a recorded span."""
        if not trace.get_current_span().is_recording():
            return None
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        return self.tracer.start_span(
            f"{operation} {self.base['db.name']}",
            kind=SpanKind.CLIENT,
            attributes={**self.base, "db.statement": statement},
            record_exception=False,
        )


_STATEMENT_SPANS: weakref.WeakKeyDictionary[Engine, _StatementSpans] = weakref.WeakKeyDictionary()


@contextmanager
def statement_span(engine: Engine, statement: str) -> Iterator[None]:
    """The span `instrument_engine` gives a statement, for one sent to the driver directly
    (serialtrace.common.db's reads without the ORM); nothing if `engine` is not
    instrumented or no span is being recorded."""
    statements = _STATEMENT_SPANS.get(engine)
    span = statements.start(statement) if statements is not None else None
    if span is None:
        yield
        return
    try:
        yield
    except BaseException as error:
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        raise
    finally:
        span.end()


def shutdown_tracing() -> None:
    if _provider is not None:
        _provider.shutdown()


def current_trace_id() -> str:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else ""


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace and span id of the current span."""

    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def format(self, record: logging.LogRecord) -> str:
        context = trace.get_current_span().get_span_context()
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "service": self.process_name,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def setup_logging(process_name: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process_name))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def start_metrics_server(port: int) -> None:
    """Serves /metrics in Prometheus text format (port 0 disables it)."""
    if port > 0:
        start_http_server(port, addr="0.0.0.0")  # noqa: S104 - scraped from outside the pod
