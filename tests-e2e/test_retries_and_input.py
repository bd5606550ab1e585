"""Idempotent retries, concurrent scans of one serial, and bad input over the mutations —
all through the gateway process, checked against every service's audit ledger."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from serialtrace.common.testing import unique
from serialtrace.testing import (
    ADMIN,
    AUDITOR,
    OPERATOR,
    PLANNER,
    QUALITY,
    VIEWER,
    GraphClient,
    GraphFactory,
    ProcessSuite,
    codes,
)


def ledger_counts(url: str) -> dict[str, int]:
    """Entries per service ledger; every one must verify."""
    result = GraphClient(url, AUDITOR).data("{ verifyAuditLedgers { service ok entries } }")
    rows = result["verifyAuditLedgers"]
    assert all(r["ok"] for r in rows), rows
    return {r["service"]: r["entries"] for r in rows}


@pytest.fixture(scope="module")
def factory(suite: ProcessSuite) -> GraphFactory:
    built = GraphFactory(GraphClient(suite.url))
    built.setup_master_data()
    return built


def test_every_mutation_sent_twice_with_its_key_changes_nothing_the_second_time(
    suite: ProcessSuite, factory: GraphFactory
) -> None:
    key = unique("idem")

    def twice(bearer: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        client = factory.as_(bearer)
        variables = {**variables, "key": f"{key}-{len(seen)}"}
        first = client.data(query, variables)
        before = ledger_counts(suite.url)
        second = client.data(query, variables)
        assert second == first, query
        assert ledger_counts(suite.url) == before, f"a replay wrote something: {query}"
        seen.append(query)
        return first

    seen: list[str] = []
    t = factory.tag
    twice(
        ADMIN,
        """mutation($key: String, $c: String!) { createParty(idempotencyKey: $key,
             input: {code: $c, name: "Idem Co", kind: CUSTOMER}) { code } }""",
        {"c": f"{t}-IDC"},
    )
    twice(
        ADMIN,
        """mutation($key: String, $c: String!) { createLocation(idempotencyKey: $key,
             input: {code: $c, name: "Idem bin", kind: BIN}) { code } }""",
        {"c": f"{t}-IDL"},
    )
    twice(
        ADMIN,
        """mutation($key: String, $s: String!) { createProduct(idempotencyKey: $key,
             input: {sku: $s, name: "Idem", kind: COMPONENT, tracking: LOT}) { sku } }""",
        {"s": f"{t}-IDP"},
    )
    order = twice(
        PLANNER,
        """mutation($key: String, $s: String!, $out: String!) { createWorkOrder(
             idempotencyKey: $key, input: {sku: $s, quantity: 2, bomRevision: "A",
             outputLocationCode: $out}) { id } }""",
        {"s": factory.sub, "out": factory.bin},
    )["createWorkOrder"]
    units = twice(
        PLANNER,
        """mutation($key: String, $wo: ID!) { commissionUnits(idempotencyKey: $key,
             input: {workOrderId: $wo, serials: ["I-1", "I-2"]}) { sku serial } }""",
        {"wo": order["id"]},
    )["commissionUnits"]
    unit = units[0]
    twice(
        OPERATOR,
        """mutation($key: String, $u: UnitKey!) { recordOperation(idempotencyKey: $key,
             input: {unit: $u, operation: "OP", station: "S", result: PASS}) { id } }""",
        {"u": unit},
    )
    twice(
        OPERATOR,
        """mutation($key: String, $u: UnitKey!, $l: LotQuantity!) { installComponent(
             idempotencyKey: $key, input: {parent: $u, lot: $l}) { quantity } }""",
        {"u": unit, "l": {"sku": factory.resin, "lotNumber": factory.lot, "quantity": 2}},
    )
    twice(
        OPERATOR,
        """mutation($key: String, $u: UnitKey!) { completeUnit(idempotencyKey: $key, unit: $u) {
             buildStatus } }""",
        {"u": unit},
    )
    twice(
        OPERATOR,
        """mutation($key: String, $u: UnitKey!, $v: String!) { addUnitAlias(idempotencyKey: $key,
             unit: $u, kind: "TAG", value: $v) { serial } }""",
        {"u": unit, "v": unique("T")},
    )
    twice(
        QUALITY,
        """mutation($key: String, $u: UnitKey!) { recordInspection(idempotencyKey: $key,
             input: {kind: IN_PROCESS, unit: $u, result: PASS}) { id } }""",
        {"u": unit},
    )
    hold = twice(
        QUALITY,
        """mutation($key: String, $u: [UnitKey!]) { placeHold(idempotencyKey: $key,
             input: {reason: "check", units: $u}) { id } }""",
        {"u": [units[1]]},
    )["placeHold"]
    twice(
        QUALITY,
        """mutation($key: String, $id: ID!) { releaseHold(idempotencyKey: $key, id: $id,
             meaning: "checked") { active } }""",
        {"id": hold["id"]},
    )
    twice(
        OPERATOR,
        """mutation($key: String, $u: [UnitKey!], $to: String!) { moveStock(idempotencyKey: $key,
             input: {units: $u, toLocationCode: $to}) { kind } }""",
        {"u": [unit], "to": factory.warehouse},  # completion stocked it in the bin
    )
    carton = twice(
        OPERATOR,
        """mutation($key: String, $u: [UnitKey!]) { pack(idempotencyKey: $key,
             input: {kind: CARTON, units: $u}) { sscc } }""",
        {"u": [unit]},
    )["pack"]["sscc"]
    twice(
        OPERATOR,
        """mutation($key: String, $p: [String!], $c: String!) { createShipment(
             idempotencyKey: $key, input: {customerCode: $c, packages: $p}) { unitCount } }""",
        {"p": [carton], "c": factory.customer},
    )
    recall = twice(
        QUALITY,
        """mutation($key: String, $l: [LotKey!]) { createRecall(idempotencyKey: $key,
             input: {reason: "resin", lots: $l}) { id counts { state count } } }""",
        {"l": [{"sku": factory.resin, "lotNumber": factory.lot}]},
    )["createRecall"]
    twice(
        QUALITY,
        """mutation($key: String, $r: ID!, $u: UnitKey!) { updateRecallItem(idempotencyKey: $key,
             recallId: $r, unit: $u, state: RECOVERED) { state } }""",
        {"r": recall["id"], "u": unit},
    )
    assert len(seen) == 17


def test_a_replayed_scan_batch_writes_nothing_twice(
    suite: ProcessSuite, factory: GraphFactory
) -> None:
    (unit,) = factory.commission(factory.sub, [unique("RB")])
    key = unique("batch")
    scans = [
        {
            "idempotencyKey": f"{key}-{n}",
            "action": {
                "recordOperation": {
                    "unit": unit,
                    "operation": f"OP{n}",
                    "station": "S",
                    "result": "PASS",
                }
            },
        }
        for n in range(20)
    ]
    batch = """mutation($s: [ScanInput!]!) { submitScans(scans: $s) { ok errorCode } }"""
    operator = factory.as_(OPERATOR)
    assert all(o["ok"] for o in operator.data(batch, {"s": scans})["submitScans"])
    before = ledger_counts(suite.url)
    assert all(o["ok"] for o in operator.data(batch, {"s": scans})["submitScans"])
    assert ledger_counts(suite.url) == before
    ops = factory.as_(VIEWER).data(
        "query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) { "
        "operations { operation } } }",
        unit,
    )["unit"]["operations"]
    assert len(ops) == 20


def test_sixteen_clients_scanning_one_serial_at_once(
    suite: ProcessSuite, factory: GraphFactory
) -> None:
    (parent,) = factory.commission(factory.fg, [unique("CP")])
    (component,) = factory.commission(factory.sub, [unique("CC")])
    operator = factory.as_(OPERATOR)
    outcomes: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        for i in range(5):
            result = operator.execute(
                """mutation($u: UnitKey!, $op: String!, $k: String) { recordOperation(
                     idempotencyKey: $k, input: {unit: $u, operation: $op, station: "S",
                     result: PASS}) { id } }""",
                {"u": parent, "op": f"C{n}-{i}", "k": f"{parent['serial']}-{n}-{i}"},
            )
            with lock:
                outcomes.append(("op", not result.get("errors")))
        result = operator.execute(
            """mutation($p: UnitKey!, $c: UnitKey!) { installComponent(
                 input: {parent: $p, component: $c}) { quantity } }""",
            {"p": parent, "c": component},
        )
        with lock:
            outcomes.append(("install", not result.get("errors")))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [ok for kind, ok in outcomes if kind == "op"] == [True] * 80
    assert sum(ok for kind, ok in outcomes if kind == "install") == 1
    unit = factory.as_(VIEWER).data(
        """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
             operations { operation } components { unit { serial } } } }""",
        parent,
    )["unit"]
    assert len(unit["operations"]) == 80
    assert len({o["operation"] for o in unit["operations"]}) == 80
    assert unit["components"] == [{"unit": {"serial": component["serial"]}}]
    ledger_counts(suite.url)  # every chain still verifies


LONG = "x" * 5000
INJECTION = "'; DROP TABLE units; --"


def bad_inputs(f: GraphFactory, work_order: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(caller, mutation, variables, expected code) — each must change nothing."""
    unit = {"sku": f.sub, "serial": "NOT-THERE"}
    lot = {"sku": f.resin, "lotNumber": f.lot, "quantity": 1}
    return [
        (ADMIN, 'mutation { createProduct(input: {sku: "A"}) { sku } }', {}, "BAD_USER_INPUT"),
        (
            ADMIN,
            'mutation($q: Float!) { createBomRevision(input: {sku: "A", revision: "A", '
            'items: [{sku: "B", quantity: $q}]}) { sku } }',
            {"q": "many"},
            "BAD_USER_INPUT",
        ),
        (
            ADMIN,
            "mutation($n: String!) { createParty(input: {code: $n, name: $n, kind: SUPPLIER}) "
            "{ code } }",
            {"n": LONG},
            "BAD_USER_INPUT",
        ),
        (
            ADMIN,
            'mutation($n: String!) { createProduct(input: {sku: $n, name: "x", kind: MATERIAL, '
            "tracking: LOT}) { sku } }",
            {"n": INJECTION},
            "BAD_USER_INPUT",
        ),
        (
            ADMIN,
            'mutation { createProduct(input: {sku: "GT1", name: "x", kind: MATERIAL, '
            'tracking: LOT, gtin: "12345678901234"}) { sku } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            PLANNER,
            'mutation { createWorkOrder(input: {sku: "NOPE", quantity: 1, bomRevision: "A"})'
            " { id } }",
            {},
            "NOT_FOUND",
        ),
        (
            PLANNER,
            "mutation($wo: ID!, $s: [String!]) { commissionUnits(input: {workOrderId: $wo, "
            "serials: $s}) { serial } }",
            {"wo": work_order, "s": [f"S{n}" for n in range(20_000)]},
            "BAD_USER_INPUT",
        ),
        (
            OPERATOR,
            'mutation($u: UnitKey!) { recordOperation(input: {unit: $u, operation: "OP", '
            'station: "S", result: PASS}) { id } }',
            {"u": unit},
            "NOT_FOUND",
        ),
        (
            OPERATOR,
            'mutation($u: UnitKey!) { recordOperation(input: {unit: $u, operation: "OP", '
            'station: "S", result: MAYBE}) { id } }',
            {"u": unit},
            "BAD_USER_INPUT",
        ),
        (
            OPERATOR,
            "mutation($u: UnitKey!, $m: JSON) { recordOperation(input: {unit: $u, "
            'operation: "OP", station: "S", result: PASS, measurements: $m}) { id } }',
            {"u": unit, "m": [1, 2]},
            "BAD_USER_INPUT",
        ),
        (
            OPERATOR,
            "mutation($u: UnitKey!, $l: LotQuantity!) { installComponent(input: {parent: $u, "
            "lot: $l}) { quantity } }",
            {"u": unit, "l": lot},
            "NOT_FOUND",
        ),
        (
            OPERATOR,
            "mutation($l: [LotQuantity!], $to: String!) { moveStock(input: {lots: $l, "
            "toLocationCode: $to}) { kind } }",
            {"l": [lot], "to": "NO-SUCH-BIN"},
            "NOT_FOUND",
        ),
        (
            OPERATOR,
            'mutation { pack(input: {kind: CARTON, sscc: "123456789012345678"}) { sscc } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            OPERATOR,
            "mutation($c: String!) { createShipment(input: {customerCode: $c, "
            'packages: ["106141412345678908"]}) { id } }',
            {"c": f.customer},
            "NOT_FOUND",
        ),
        (
            OPERATOR,
            'mutation { receiveLot(input: {sku: "NOPE", lotNumber: "L", quantity: -5, '
            'supplierCode: "X", locationCode: "Y"}) { sku } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            QUALITY,
            'mutation { placeHold(input: {reason: "nothing named"}) { id } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            QUALITY,
            'mutation { releaseHold(id: "no-such-hold", meaning: "ok") { id } }',
            {},
            "NOT_FOUND",
        ),
        (
            QUALITY,
            'mutation { createRecall(input: {reason: "", lots: []}) { id } }',
            {},
            "BAD_USER_INPUT",
        ),
        (
            VIEWER,
            'mutation { createParty(input: {code: "V", name: "V", kind: SUPPLIER}) { code } }',
            {},
            "FORBIDDEN",
        ),
        (
            OPERATOR,
            "mutation($s: [ScanInput!]!) { submitScans(scans: $s) { ok } }",
            {"s": [{"idempotencyKey": "k", "action": {}}]},
            "BAD_USER_INPUT",
        ),
    ]


def test_bad_input_gets_its_specific_code_and_writes_nothing(
    suite: ProcessSuite, factory: GraphFactory
) -> None:
    work_order = factory.as_(PLANNER).data(
        """mutation($s: String!, $out: String!) { createWorkOrder(input: {sku: $s, quantity: 1,
             bomRevision: "A", outputLocationCode: $out}) { id } }""",
        {"s": factory.sub, "out": factory.bin},
    )["createWorkOrder"]["id"]
    before = ledger_counts(suite.url)
    failures = []
    for caller, mutation, variables, expected in bad_inputs(factory, work_order):
        result = factory.as_(caller).execute(mutation, variables)
        got = codes(result.get("errors", []))
        message = (result.get("errors") or [{}])[0].get("message", "")
        if got[:1] != [expected] or "Traceback" in message:
            failures.append((mutation[:70], expected, got, message[:200]))
    assert not failures, failures
    assert ledger_counts(suite.url) == before
