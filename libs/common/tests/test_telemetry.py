"""Tracing: spans are recorded only when something exports them, and trace context
crosses processes either way."""

from __future__ import annotations

from opentelemetry import propagate
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from serialtrace.common import telemetry


def test_without_an_exporter_spans_are_not_recorded_but_their_trace_ids_travel() -> None:
    tracer = telemetry.new_provider("tests").get_tracer("tests")
    with tracer.start_as_current_span("graphql") as root:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    assert not root.is_recording() and root.get_span_context().is_valid
    assert format(root.get_span_context().trace_id, "032x") in carrier["traceparent"]
    # The next process continues the caller's trace, with a span id of its own.
    with tracer.start_as_current_span("served", context=propagate.extract(carrier)) as served:
        assert served.get_span_context().trace_id == root.get_span_context().trace_id
        assert served.get_span_context().span_id != root.get_span_context().span_id


def test_once_a_processor_exports_spans_every_span_is_recorded_in_its_trace() -> None:
    provider = telemetry.new_provider("tests")
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    with tracer.start_as_current_span("graphql") as root:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    with tracer.start_as_current_span("served", context=propagate.extract(carrier)):
        pass
    finished = exporter.get_finished_spans()
    assert [s.name for s in finished] == ["graphql", "served"]
    assert {s.context.trace_id for s in finished} == {root.get_span_context().trace_id}
    assert finished[1].parent is not None
    assert finished[1].parent.span_id == root.get_span_context().span_id
