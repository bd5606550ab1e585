"""Faults with real processes: a service killed mid-run (partial traces, fail-closed
checks, recovery with nothing half-written), the gateway killed during a scan batch,
and a tampered audit row."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest

from serialtrace.common.testing import backend, unique
from serialtrace.testing import (
    ADMIN,
    AUDITOR,
    OPERATOR,
    VIEWER,
    GraphClient,
    GraphFactory,
    ProcessSuite,
    codes,
)

TRACE = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
  serial buildStatus operations { operation } custodyStatus location { code }
  movements { kind } qualityStatus holds { id } } }"""
LOT_ON_HAND = """query($sku: String!, $lot: String!) { lot(sku: $sku, lotNumber: $lot) {
  quantityOnHand } }"""
INSTALL_LOT = """mutation($p: UnitKey!, $l: LotQuantity!, $k: String) { installComponent(
  input: {parent: $p, lot: $l}, idempotencyKey: $k) { quantity } }"""
SHIP = """mutation($c: String!, $u: [UnitKey!], $k: String) { createShipment(
  input: {customerCode: $c, units: $u}, idempotencyKey: $k) { id unitCount } }"""


def retry_while_unavailable(
    client: GraphClient, query: str, variables: dict[str, Any], seconds: float = 10
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        result = client.execute(query, variables)
        if not result.get("errors"):
            data: dict[str, Any] = result["data"]
            return data
        if codes(result["errors"]) != ["UNAVAILABLE"] or time.monotonic() > deadline:
            raise AssertionError(result)
        time.sleep(0.2)


COMPLETE = """mutation($u: UnitKey!, $k: String) { completeUnit(unit: $u, idempotencyKey: $k) {
  buildStatus custodyStatus location { code } } }"""


def ready_to_ship(factory: GraphFactory) -> dict[str, Any]:
    """A COMPLETE finished unit in stock (with its subassembly and resin): completion
    put it there, in the warehouse above the line."""
    fg = ready_to_complete(factory)
    factory.as_(OPERATOR).data(COMPLETE, {"u": fg})
    return fg


def ready_to_complete(factory: GraphFactory) -> dict[str, Any]:
    """A finished unit with its subassembly and resin installed, not yet completed."""
    (sub,) = factory.commission(factory.sub, [unique("FS")])
    (fg,) = factory.commission(factory.fg, [unique("FF")])
    operator = factory.as_(OPERATOR)
    factory.install_lot(factory.sub, sub["serial"], 2)
    operator.data("mutation($u: UnitKey!) { completeUnit(unit: $u) { serial } }", {"u": sub})
    operator.data(
        """mutation($p: UnitKey!, $c: UnitKey!) { installComponent(input: {parent: $p,
             component: $c}) { quantity } }""",
        {"p": fg, "c": sub},
    )
    factory.install_lot(factory.fg, fg["serial"], 1)
    return fg


def test_killed_services_degrade_reads_fail_writes_closed_and_recover(
    suite: ProcessSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    fg = ready_to_ship(factory)
    pending = ready_to_complete(factory)
    viewer, operator = factory.as_(VIEWER), factory.as_(OPERATOR)
    lot = {"sku": factory.resin, "lot": factory.lot}
    on_hand = viewer.data(LOT_ON_HAND, lot)["lot"]["quantityOnHand"]

    # Warehouse down: the trace keeps every other service's fields.
    suite.kill("warehouse")
    result = viewer.execute(TRACE, fg)
    unit = result["data"]["unit"]
    assert (unit["buildStatus"], unit["qualityStatus"]) == ("COMPLETE", "OK")
    assert (unit["custodyStatus"], unit["movements"], unit["location"]) == ("UNKNOWN", [], None)
    assert {tuple(e["path"][1:]) for e in result["errors"]} == {
        ("custodyStatus",),
        ("movements",),
        ("location",),
    }
    assert set(codes(result["errors"])) == {"UNAVAILABLE"}
    assert all("warehouse" in e["message"] for e in result["errors"])
    errors = operator.errors(SHIP, {"c": factory.customer, "u": [fg]})
    assert codes(errors) == ["UNAVAILABLE"]
    # Completing needs the warehouse too (it is the goods receipt): refused, not written.
    completion = {"u": pending, "k": unique("done")}
    errors = operator.errors(COMPLETE, completion)
    assert codes(errors) == ["UNAVAILABLE"] and "warehouse" in errors[0]["message"]
    assert viewer.execute(TRACE, pending)["data"]["unit"]["buildStatus"] != "COMPLETE"
    suite.start("warehouse")
    # Retried with its key once the warehouse is back: COMPLETE and in stock, once.
    done = retry_while_unavailable(operator, COMPLETE, completion)["completeUnit"]
    assert done == {
        "buildStatus": "COMPLETE",
        "custodyStatus": "IN_STOCK",
        "location": {"code": factory.warehouse},
    }
    assert viewer.data(TRACE, pending)["unit"]["movements"] == [{"kind": "RECEIVE"}]

    # Quality down: installs and shipments fail closed, naming quality.
    (other,) = factory.commission(factory.sub, [unique("FQ")])
    suite.kill("quality")
    variables = {
        "p": other,
        "l": {"sku": factory.resin, "lotNumber": factory.lot, "quantity": 2},
    }
    errors = operator.errors(INSTALL_LOT, variables)
    assert codes(errors) == ["UNAVAILABLE"] and "quality" in errors[0]["message"]
    errors = operator.errors(SHIP, {"c": factory.customer, "u": [fg]})
    assert codes(errors) == ["UNAVAILABLE"] and "quality" in errors[0]["message"]
    assert viewer.data(LOT_ON_HAND, lot)["lot"]["quantityOnHand"] == on_hand
    suite.start("quality")

    # Both back: everything works, and only the successful install consumed resin. The
    # services' channels to a restarted peer reconnect within about a second; a client
    # retries UNAVAILABLE with the same idempotency key meanwhile, as scanners do.
    retry_while_unavailable(operator, INSTALL_LOT, {**variables, "k": unique("inst")})
    shipped = retry_while_unavailable(
        operator, SHIP, {"c": factory.customer, "u": [fg], "k": unique("ship")}
    )["createShipment"]
    assert shipped["unitCount"] == 1
    assert viewer.data(LOT_ON_HAND, lot)["lot"]["quantityOnHand"] == on_hand - 2
    assert viewer.data(TRACE, fg)["unit"]["custodyStatus"] == "SHIPPED"
    ledgers = factory.as_(AUDITOR).data("{ verifyAuditLedgers { ok } }")
    assert all(v["ok"] for v in ledgers["verifyAuditLedgers"])


def test_gateway_killed_during_a_scan_batch_then_replayed_applies_each_scan_once(
    suite: ProcessSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, [unique("GK")])
    key = unique("gk")

    def scan(n: int) -> dict[str, Any]:
        # Every fifth scan an inspection: the gateway sends each run of four operation
        # records as one call, so the batch is 400 calls and a kill lands between them.
        if n % 5 == 4:
            action = {"recordInspection": {"kind": "IN_PROCESS", "unit": unit, "result": "PASS"}}
        else:
            action = {
                "recordOperation": {
                    "unit": unit,
                    "operation": f"OP{n:03d}",
                    "station": "S",
                    "result": "PASS",
                }
            }
        return {"idempotencyKey": f"{key}-{n}", "action": action}

    scans = [scan(n) for n in range(1000)]
    operation_codes = sorted(f"OP{n:03d}" for n in range(1000) if n % 5 != 4)
    batch = "mutation($s: [ScanInput!]!) { submitScans(scans: $s) { ok errorCode } }"
    count = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
                 operations { operation } inspections { id } } }"""
    scanner, viewer = factory.as_(ADMIN), factory.as_(VIEWER)  # operator and inspector

    def send_and_lose_the_response() -> None:
        with contextlib.suppress(OSError):  # the connection dies with the gateway
            scanner.execute(batch, {"s": scans}, timeout=120)

    sender = threading.Thread(target=send_and_lose_the_response)
    sender.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        recorded = len(viewer.data(count, unit)["unit"]["operations"])
        if recorded >= 10:
            break
        time.sleep(0.05)
    suite.kill("gateway")  # the client never gets its response
    sender.join(timeout=30)
    partial = recorded
    assert 10 <= partial < len(operation_codes)
    suite.start("gateway")
    outcomes = scanner.data(batch, {"s": scans})["submitScans"]
    assert all(o["ok"] for o in outcomes)
    found = viewer.data(count, unit)["unit"]
    assert sorted(o["operation"] for o in found["operations"]) == operation_codes
    assert len(found["inspections"]) == 200


@pytest.mark.skipif(backend()[0] != "postgresql", reason="tampers with a PostgreSQL row")
def test_a_tampered_audit_row_is_named_by_service_and_sequence(suite: ProcessSuite) -> None:
    import psycopg

    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    url = suite.databases["warehouse"]
    with psycopg.connect(url, autocommit=True) as conn:
        # The triggers refuse UPDATE; someone with superuser rights can switch them off.
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE audit_ledger SET actor = 'mallory' WHERE seq = 1")
    report = factory.as_(AUDITOR).data(
        "{ verifyAuditLedgers { service ok firstBrokenSeq problem } }"
    )["verifyAuditLedgers"]
    broken = {r["service"]: r for r in report if not r["ok"]}
    assert list(broken) == ["warehouse"]
    assert broken["warehouse"]["firstBrokenSeq"] == 1
    assert "altered" in broken["warehouse"]["problem"]


DEEP_TRACE = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
  serial buildStatus custodyStatus qualityStatus holds { id } auditTrail { service }
  components { quantity lot { lotNumber qualityStatus }
    unit { serial buildStatus qualityStatus inspections { id }
      components { lot { lotNumber quantityOnHand } } } } } }"""


def test_quality_killed_leaves_a_two_level_trace_with_errors_at_its_fields(
    suite: ProcessSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    factory.setup_master_data()
    fg = ready_to_ship(factory)
    auditor = factory.as_(AUDITOR)
    suite.kill("quality")
    try:
        result = auditor.execute(DEEP_TRACE, fg)
    finally:
        suite.start("quality")
    unit = result["data"]["unit"]
    assert (unit["buildStatus"], unit["custodyStatus"]) == ("COMPLETE", "IN_STOCK")
    assert (unit["qualityStatus"], unit["holds"]) == ("UNKNOWN", [])
    (sub,) = [c["unit"] for c in unit["components"] if c["unit"]]
    (lot,) = [c["lot"] for c in unit["components"] if c["lot"]]
    assert (sub["buildStatus"], sub["qualityStatus"], sub["inspections"]) == (
        "COMPLETE",
        "UNKNOWN",
        [],
    )
    assert lot["qualityStatus"] == "UNKNOWN"
    assert [c["lot"]["lotNumber"] for c in sub["components"]] == [factory.lot]
    # The other ledgers' entries stay; quality's part is missing, with its error.
    assert {"production", "warehouse"} <= {e["service"] for e in unit["auditTrail"]}
    assert "quality" not in {e["service"] for e in unit["auditTrail"]}
    paths = {tuple("*" if isinstance(p, int) else p for p in e["path"]) for e in result["errors"]}
    assert paths == {
        ("unit", "qualityStatus"),
        ("unit", "holds"),
        ("unit", "auditTrail"),
        ("unit", "components", "*", "lot", "qualityStatus"),
        ("unit", "components", "*", "unit", "qualityStatus"),
        ("unit", "components", "*", "unit", "inspections"),
    }
    assert set(codes(result["errors"])) == {"UNAVAILABLE"}
    assert all("quality" in e["message"] for e in result["errors"])
    # Back up: the same trace is whole again.
    again = retry_while_unavailable(auditor, DEEP_TRACE, fg)["unit"]
    assert again["qualityStatus"] == "OK"
