"""Every metric the Grafana dashboard in deploy/ plots is one that a running process
exports on its /metrics: the gateway, and each gRPC service on its metrics port."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from serialtrace.common.testing import TestDatabases, free_port
from serialtrace.testing import AUDITOR, SUITE_SERVICES, GraphClient, ProcessSuite

DASHBOARD = Path(__file__).parents[1] / "deploy" / "grafana" / "governance-dashboard.json"
# The series a Prometheus metric family is scraped as, besides its own name.
SERIES_SUFFIXES = ("", "_total", "_sum", "_count", "_bucket", "_created")


@pytest.fixture(scope="module")
def suite_with_metrics(
    test_databases: TestDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ProcessSuite, dict[str, int]]]:
    ports = {name: free_port() for name in SUITE_SERVICES}
    running = ProcessSuite(
        tmp_path_factory.mktemp("metrics"),
        {name: test_databases.create(name) for name in SUITE_SERVICES},
        **{f"{name.upper()}_METRICS_PORT": str(port) for name, port in ports.items()},
    )
    running.start()
    yield running, ports
    running.stop()


def exported(url: str) -> set[str]:
    """The series names one process's /metrics declares (families with no sample yet
    count too: their # TYPE line is there)."""
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - our own process
        text = reply.read().decode()
    families = set(re.findall(r"^# TYPE (\w+) ", text, flags=re.MULTILINE))
    return {f"{family}{suffix}" for family in families for suffix in SERIES_SUFFIXES}


def test_every_metric_on_the_dashboard_is_exported_by_a_running_process(
    suite_with_metrics: tuple[ProcessSuite, dict[str, int]],
) -> None:
    suite, ports = suite_with_metrics
    # Calls every service, and sets the gauges.
    GraphClient(suite.url, AUDITOR).data("{ governance { completeness } }")
    by_process = {"gateway": exported(suite.url.removesuffix("/graphql") + "/metrics")}
    for name, port in ports.items():
        by_process[name] = exported(f"http://127.0.0.1:{port}/metrics")
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    plotted = {name for expr in exprs for name in re.findall(r"serialtrace_[a-z0-9_]+", expr)}
    everywhere = set().union(*by_process.values())
    assert plotted and plotted <= everywhere, plotted - everywhere
    # The RED panels: every gRPC service exports its request counter and latency.
    for name in SUITE_SERVICES:
        assert {
            "serialtrace_grpc_requests_total",
            "serialtrace_grpc_request_duration_seconds_bucket",
        } <= by_process[name], name
    assert "serialtrace_governance_completeness" in by_process["gateway"]
