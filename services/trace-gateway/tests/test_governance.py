"""The `governance` indicators against the real services: each consistency check holds
on the golden path and names its offender once the data is made to break it."""

from __future__ import annotations

import argparse
import asyncio
import io
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from serialtrace.common.evidence_cli import run_kpi
from serialtrace.common.testing import TEST_JWT_SECRET, TestDatabases, backend, sql_engine
from serialtrace.common.timeutil import utcnow
from serialtrace.core.v1 import core_pb2
from serialtrace.gateway import governance
from serialtrace.testing import (
    AUDITOR,
    OPERATOR,
    QUALITY,
    TRACE,
    GraphClient,
    GraphFactory,
    RunningSuite,
    build_and_ship,
    codes,
    start_suite,
)

QUERY = """{ governance { completeness units changeTraceability traceP50Ms traceP95Ms
  recallScopeMsMean recallHandlingHoursMean auditPreparationMsLast computedAt
  recalls { recallId scopeMs handlingHours }
  consistency { name ok offenderCount offenders(first: 5) computedAt cached } } }"""

postgres_only = pytest.mark.skipif(backend()[0] != "postgresql", reason="edits rows directly")


@pytest.fixture(scope="module")
def suite(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    # Its own suite: this module breaks the data. The gauges refresh every second.
    running = start_suite(test_databases, GATEWAY_GOVERNANCE_INTERVAL_SECONDS="1")
    yield running
    running.stop()


def indicators(suite: RunningSuite) -> dict[str, Any]:
    found: dict[str, Any] = GraphClient(suite.url, AUDITOR).data(QUERY)["governance"]
    found["checks"] = {c["name"]: c for c in found["consistency"]}
    return found


def kpi(suite: RunningSuite) -> tuple[int, str]:
    url = urllib.parse.urlsplit(suite.url)
    env = {"SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET, "GATEWAY_PORT": str(url.port)}
    printed = io.StringIO()
    code = run_kpi(argparse.Namespace(token=AUDITOR, json=False), env, printed)
    return code, printed.getvalue()


def sql(suite: RunningSuite, service: str, statement: str, **params: Any) -> None:
    engine = sql_engine(suite.services.databases[service])
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


def test_only_auditors_quality_and_admins_read_the_indicators(suite: RunningSuite) -> None:
    assert codes(GraphClient(suite.url, OPERATOR).errors(QUERY)) == ["FORBIDDEN"]
    assert GraphClient(suite.url, QUALITY).data("{ governance { completeness } }")


@postgres_only
def test_indicators_hold_on_the_golden_path_and_name_what_breaks_them(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    built = build_and_ship(factory)
    fg, sub = built["fg"], built["sub"]
    fg_key, sub_key = f"{fg['sku']}:{fg['serial']}", f"{sub['sku']}:{sub['serial']}"
    factory.as_(AUDITOR).data(TRACE, fg)  # one timed trace

    clean = indicators(suite)
    assert all(check["ok"] for check in clean["consistency"]), clean["consistency"]
    assert list(clean["checks"]) == [
        governance.UNITS_EXIST,
        governance.LOT_BALANCE,
        governance.COMPLETE_BOM,
        governance.SHIPPED_HELD,
    ]
    assert clean["units"] == 2 and clean["completeness"] == 1.0
    # Facts this small are computed in well under a second: fresh on every request.
    assert not any(check["cached"] for check in clean["consistency"])
    assert min(c["computedAt"] for c in clean["consistency"]) >= clean["computedAt"]
    assert clean["traceP50Ms"] is not None and clean["traceP95Ms"] >= clean["traceP50Ms"]
    assert clean["changeTraceability"] < 1.0  # nothing is signed yet
    code, printed = kpi(suite)
    assert code == 0, printed
    assert "completeness           100.0% of 2 units" in printed

    for service in ("masterdata", "production", "warehouse", "quality"):
        suite_ledger(suite, service).SignCheckpoint(core_pb2.SignCheckpointRequest())
    assert indicators(suite)["changeTraceability"] == 1.0
    assert REGISTRY.get_sample_value("serialtrace_governance_change_traceability") == 1.0

    # Someone removes the subassembly from masterdata, and the resin lot's stock drifts.
    sql(
        suite,
        "masterdata",
        "DELETE FROM unit_aliases WHERE unit_id IN "
        "(SELECT id FROM units WHERE sku = :s AND serial = :n)",
        s=sub["sku"],
        n=sub["serial"],
    )
    sql(
        suite,
        "masterdata",
        "DELETE FROM units WHERE sku = :s AND serial = :n",
        s=sub["sku"],
        n=sub["serial"],
    )
    sql(
        suite,
        "warehouse",
        "UPDATE lot_stock SET quantity = quantity + 5 WHERE sku = :s",
        s=factory.resin,
    )
    # A broken migration leaves the warehouse holding a unit masterdata never registered.
    sql(
        suite,
        "warehouse",
        "INSERT INTO unit_stock (sku, serial, custody, location_code) "
        "VALUES (:s, 'GHOST-1', 'IN_STOCK', :bin)",
        s=fg["sku"],
        bin=factory.bin,
    )
    # The finished unit loses its subassembly behind production's back.
    sql(
        suite,
        "production",
        "UPDATE genealogy_edges SET removed_at = :at, removed_by = 'x', removal_reason = 'x' "
        "WHERE component_id IN (SELECT id FROM genealogy_nodes WHERE sku = :s AND key = :n)",
        at=utcnow(),
        s=sub["sku"],
        n=sub["serial"],
    )
    # And a hold covering the finished unit was in force when it shipped.
    placed = utcnow() - timedelta(days=1)
    sql(
        suite,
        "quality",
        "INSERT INTO holds (id, reason, placed_by, placed_at, active, unit_count) "
        "VALUES ('H-GOV', 'suspect', 'q', :at, true, 1)",
        at=placed,
    )
    sql(
        suite,
        "quality",
        "INSERT INTO hold_coverage (hold_id, sku, serial) VALUES ('H-GOV', :s, :n)",
        s=fg["sku"],
        n=fg["serial"],
    )

    broken = indicators(suite)
    checks = broken["checks"]
    assert checks[governance.UNITS_EXIST]["offenders"] == sorted([f"{fg['sku']}:GHOST-1", sub_key])
    assert checks[governance.LOT_BALANCE]["offenders"] == [f"{factory.resin}:{factory.lot}"]
    assert checks[governance.COMPLETE_BOM]["offenders"] == [fg_key]
    assert checks[governance.SHIPPED_HELD]["offenders"] == [fg_key]
    assert not any(c["ok"] for c in broken["consistency"])
    code, printed = kpi(suite)
    assert code == 1 and f"✗ {governance.SHIPPED_HELD}: 1 offender(s)" in printed
    assert f"      {fg_key}" in printed
    assert broken["completeness"] == 0.0  # the subassembly is gone; the unit lacks its BOM
    assert (
        REGISTRY.get_sample_value(
            "serialtrace_governance_consistency_offenders", {"check": governance.SHIPPED_HELD}
        )
        == 1.0
    )


def test_recall_scope_and_handling_times(suite: RunningSuite) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    factory.commission(factory.fg, ["R-1"])
    factory.install_lot(factory.fg, "R-1", 1)
    recall = factory.as_(QUALITY).data(
        """mutation($lot: LotKey!) { createRecall(input: {reason: "resin", lots: [$lot],
             holdStock: true}) { id scopeComputedInMs } }""",
        {"lot": {"sku": factory.resin, "lotNumber": factory.lot}},
    )["createRecall"]
    found = {r["recallId"]: r for r in indicators(suite)["recalls"]}
    assert found[recall["id"]]["scopeMs"] == recall["scopeComputedInMs"]
    assert found[recall["id"]]["handlingHours"] is None  # its unit is not resolved yet
    assert indicators(suite)["recallScopeMsMean"] is not None


def suite_ledger(suite: RunningSuite, service: str) -> Any:
    import grpc

    from serialtrace.common.testing import Caller
    from serialtrace.core.v1 import core_pb2_grpc

    channel = grpc.insecure_channel(suite.services.addrs[service])
    return Caller(core_pb2_grpc.LedgerServiceStub(channel), AUDITOR)


def test_the_rules_without_io() -> None:
    assert governance.percentile([], 50) is None
    assert governance.percentile([10, 20, 30, 40], 50) == 25
    assert governance.percentile([5.0], 95) == 5.0
    assert governance.completeness(0) == 1.0
    assert governance.completeness(4, ["a", "b"], ["b", "c"]) == 0.25
    assert governance.change_traceability([(True, 10, 8), (False, 10, 10)]) == 0.4
    assert governance.change_traceability([]) == 1.0
    shipped = ["A:1|2026-12-01T10:00:00.000000Z", "A:2|2026-12-01T10:00:00.000000Z"]
    windows = [
        "A:1|2026-12-01T09:00:00.000000Z|",  # active when A:1 shipped
        "A:2|2026-12-01T08:00:00.000000Z|2026-12-01T09:00:00.000000Z",  # released before
    ]
    assert governance.held_at_shipping(shipped, windows) == ["A:1"]


def test_slow_facts_are_kept_with_their_time_until_they_expire_or_are_refreshed() -> None:
    now = [0.0]
    kept = governance.SlowResults(slow=1.0, max_age=300, clock=lambda: now[0])
    computations: list[str] = []

    async def slow() -> int:
        computations.append("slow")
        now[0] += 2.5  # what reading a whole large table costs
        return len(computations)

    async def fast() -> int:
        computations.append("fast")
        return len(computations)

    def get(name: str, compute: Any, refresh: bool = False) -> governance.Computed:
        return asyncio.run(kept.get(name, compute, refresh))

    first = get("facts:production", slow)
    assert (first.value, first.seconds, first.cached) == (1, 2.5, False)
    now[0] += 299
    again = get("facts:production", slow)
    assert (again.value, again.cached, again.computed_at) == (1, True, first.computed_at)
    refreshed = get("facts:production", slow, refresh=True)
    assert (refreshed.value, refreshed.cached) == (2, False)
    assert refreshed.computed_at > first.computed_at
    now[0] += 301  # older than max_age: computed again
    assert get("facts:production", slow).value == 3
    # What is cheap is never kept: always fresh.
    assert [get("facts:masterdata", fast).cached for _ in range(2)] == [False, False]
    assert computations == ["slow", "slow", "slow", "fast", "fast"]


def test_the_gateway_refreshes_the_gauges_on_its_own(suite: RunningSuite) -> None:
    governance.COMPLETENESS.set(-1)
    deadline = time.monotonic() + 10
    while REGISTRY.get_sample_value("serialtrace_governance_completeness") == -1:
        assert time.monotonic() < deadline, "the gauges were not refreshed"
        time.sleep(0.1)
    refreshed = REGISTRY.get_sample_value("serialtrace_governance_completeness")
    assert refreshed is not None and 0 <= refreshed <= 1
