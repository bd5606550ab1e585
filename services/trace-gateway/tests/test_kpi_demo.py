"""`serialtrace kpi` on the demo factory says what `governance` says."""

from __future__ import annotations

import argparse
import io
import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from serialtrace.common.evidence_cli import KPI_QUERY, run_kpi
from serialtrace.common.testing import TEST_JWT_SECRET, TestDatabases
from serialtrace.gateway.demo import load_demo
from serialtrace.testing import AUDITOR, GraphClient, RunningSuite, start_suite

DEMO_UNITS = 40  # a pallet shipped, one in stock under the resin hold, as in `make run`


@pytest.fixture(scope="module")
def demo(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    running = start_suite(test_databases, GATEWAY_GOVERNANCE_INTERVAL_SECONDS="0")
    load_demo(running.url, TEST_JWT_SECRET, log=lambda _: None, units=DEMO_UNITS)
    yield running
    running.stop()


def kpi(suite: RunningSuite, *flags: str) -> tuple[int, str]:
    env = {
        "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
        "GATEWAY_PORT": str(urllib.parse.urlsplit(suite.url).port),
    }
    printed = io.StringIO()
    args = argparse.Namespace(token=AUDITOR, json="--json" in flags)
    return run_kpi(args, env, printed), printed.getvalue()


def without_times(found: dict[str, Any]) -> dict[str, Any]:
    """The indicators less when each check was computed (each request computes anew)."""
    return {
        **found,
        "consistency": [
            {k: v for k, v in check.items() if k != "computedAt"} for check in found["consistency"]
        ],
    }


def test_kpi_prints_what_governance_answers_on_the_demo_data(demo: RunningSuite) -> None:
    graph = GraphClient(demo.url, AUDITOR).data(KPI_QUERY)["governance"]
    assert graph["units"] == 2 * DEMO_UNITS  # widgets and the boards inside them

    code, printed = kpi(demo, "--json")
    assert code == 0
    assert without_times(json.loads(printed)) == without_times(graph)

    code, table = kpi(demo)
    assert code == (0 if all(c["ok"] for c in graph["consistency"]) else 1)
    lines = table.splitlines()
    share = f"{graph['completeness'] * 100:.1f}% of {graph['units']} units"
    assert f"{'completeness':<22} {share}" in lines
    traceability = f"{graph['changeTraceability'] * 100:.1f}% of ledger entries"
    assert f"{'change traceability':<22} {traceability}" in lines
    for check in graph["consistency"]:
        verdict = "ok" if check["ok"] else f"{check['offenderCount']} offender(s)"
        assert f"  {'✓' if check['ok'] else '✗'} {check['name']}: {verdict}" in lines
