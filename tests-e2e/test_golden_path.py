"""The golden path through the graph, with every piece its own process: on PostgreSQL
and on the embedded SQLite default."""

from __future__ import annotations

from pathlib import Path

from serialtrace.testing import (
    AUDITOR,
    TRACE,
    VIEWER,
    GraphClient,
    GraphFactory,
    ProcessSuite,
    build_and_ship,
)


def check_golden_path(url: str) -> None:
    factory = GraphFactory(GraphClient(url))
    built = build_and_ship(factory)
    unit = factory.as_(AUDITOR).data(TRACE, built["fg"])["unit"]
    assert unit["buildStatus"] == "COMPLETE"
    assert unit["custodyStatus"] == "SHIPPED"
    assert unit["shipment"]["customer"]["code"] == factory.customer
    assert [lot["lotNumber"] for lot in unit["materialLots"]] == [factory.lot]
    assert any(op["approval"] for op in unit["operations"])
    assert {e["service"] for e in unit["auditTrail"]} == {
        "masterdata",
        "production",
        "warehouse",
        "quality",
    }
    used = factory.as_(VIEWER).data(
        """query($sku: String!, $lot: String!) { whereUsed(sku: $sku, lotNumber: $lot) {
             totalCount edges { node { serial shipment { customer { code } } } } } }""",
        {"sku": factory.resin, "lot": factory.lot},
    )["whereUsed"]
    assert used["totalCount"] == 1
    assert used["edges"][0]["node"]["shipment"]["customer"]["code"] == factory.customer
    ledgers = factory.as_(AUDITOR).data("{ verifyAuditLedgers { service ok entries } }")
    rows = {v["service"]: v for v in ledgers["verifyAuditLedgers"]}
    assert all(v["ok"] for v in rows.values()) and "epcis" in rows
    # Nothing was captured through EPCIS: its ledger may be empty; the owners' are not.
    assert all(v["entries"] > 0 for name, v in rows.items() if name != "epcis")


def test_golden_path_on_postgresql(suite: ProcessSuite) -> None:
    check_golden_path(suite.url)


def test_golden_path_on_the_embedded_sqlite_default(tmp_path: Path) -> None:
    sqlite_suite = ProcessSuite(tmp_path)  # no database URLs: SQLite files under tmp_path
    sqlite_suite.start()
    try:
        check_golden_path(sqlite_suite.url)
    finally:
        sqlite_suite.stop()
    assert sorted(p.name for p in tmp_path.glob("*.db")) == [
        "epcis.db",
        "masterdata.db",
        "production.db",
        "quality.db",
        "warehouse.db",
    ]
