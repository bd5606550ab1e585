"""The graph's contract, auth, errors, limits, batching, partial results and telemetry,
against four real services and a real gateway."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from serialtrace.common import telemetry
from serialtrace.common.testing import TestDatabases, unique
from serialtrace.gateway.app import GatewayView
from serialtrace.gateway.backends import Calls
from serialtrace.gateway.mutations import MUTATIONS
from serialtrace.gateway.schema import SNAPSHOT, printed_schema
from serialtrace.testing import (
    ADMIN,
    AUDITOR,
    OPERATOR,
    PLANNER,
    QUALITY,
    VIEWER,
    GraphClient,
    GraphFactory,
    KeptAliveGraphClient,
    RunningSuite,
    codes,
    start_suite,
)


def graph(suite: RunningSuite, bearer: str | None = None) -> GraphClient:
    return GraphClient(suite.url, bearer)


# --- schema ---------------------------------------------------------------------------


def test_committed_schema_snapshot_matches_the_code() -> None:
    assert SNAPSHOT.read_text() == printed_schema(), (
        "services/trace-gateway/schema.graphql is stale: run "
        "`.venv/bin/python -m serialtrace.gateway.schema` and review the diff"
    )


def test_gateway_roles_match_the_services_own_roles() -> None:
    from serialtrace.masterdata.api import METHOD_ROLES as md_roles
    from serialtrace.production.api import METHOD_ROLES as pp_roles
    from serialtrace.quality.api import METHOD_ROLES as qa_roles
    from serialtrace.warehouse.api import METHOD_ROLES as wh_roles

    owners = {"masterdata": md_roles, "production": pp_roles, "warehouse": wh_roles}
    owners["quality"] = qa_roles
    for mutation, (service, rpc, allowed) in MUTATIONS.items():
        assert owners[service][rpc] == allowed, mutation


# --- auth -----------------------------------------------------------------------------


def test_no_token_is_unauthenticated_and_a_bad_token_says_why(suite: RunningSuite) -> None:
    errors = graph(suite).errors('{ product(sku: "X") { sku } }')
    assert codes(errors) == ["UNAUTHENTICATED"]
    assert "Bearer" in errors[0]["message"]
    errors = graph(suite, "not-a-jwt").errors('{ product(sku: "X") { sku } }')
    assert codes(errors) == ["UNAUTHENTICATED"]
    assert "not valid" in errors[0]["message"]
    errors = graph(suite).errors(
        'mutation { createParty(input: {code: "P", name: "P", kind: SUPPLIER}) { code } }'
    )
    assert codes(errors) == ["UNAUTHENTICATED"]


_CREATE_PARTY = """mutation($code: String!, $gln: String) {
  createParty(input: {code: $code, name: "Resin Supplier", kind: SUPPLIER, gln: $gln}) {
    code gln } }"""


def test_create_party_sets_a_gln_checked_and_unique(suite: RunningSuite) -> None:
    admin = graph(suite, ADMIN)
    first, second, plain = unique("P"), unique("P"), unique("P")
    gln = "4098765000010"  # 409876500001 and its check digit, 0
    created = admin.data(_CREATE_PARTY, {"code": first, "gln": gln})["createParty"]
    assert created == {"code": first, "gln": gln}
    assert admin.data(_CREATE_PARTY, {"code": plain})["createParty"] == {"code": plain, "gln": None}

    errors = admin.errors(_CREATE_PARTY, {"code": second, "gln": "4098765000017"})
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert "GLN" in errors[0]["message"] and "check digit" in errors[0]["message"]
    errors = admin.errors(_CREATE_PARTY, {"code": second, "gln": gln})
    assert codes(errors) == ["CONFLICT"]
    assert f"GLN {gln} already belongs to another party" in errors[0]["message"]
    # Neither refusal created the party.
    assert admin.data(_CREATE_PARTY, {"code": second})["createParty"]["code"] == second


def test_operator_cannot_release_a_hold_and_quality_can(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    hold = factory.as_(QUALITY).data(
        """mutation($lots: [LotKey!]) { placeHold(input: {reason: "suspect resin", lots: $lots}) {
             id active } }""",
        {"lots": [{"sku": factory.resin, "lotNumber": factory.lot}]},
    )["placeHold"]
    release = """mutation($id: ID!) { releaseHold(id: $id, meaning: "re-inspected OK") {
                   active release { by meaning } } }"""
    errors = factory.as_(OPERATOR).errors(release, {"id": hold["id"]})
    assert codes(errors) == ["FORBIDDEN"]
    assert "quality" in errors[0]["message"]
    released = factory.as_(QUALITY).data(release, {"id": hold["id"]})["releaseHold"]
    assert released == {"active": False, "release": {"by": "quinn", "meaning": "re-inspected OK"}}


def test_auditor_reads_audit_trails_and_verifies_ledgers_an_operator_cannot(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, ["AUD-1"])
    trail_query = """query($sku: String!, $serial: String!) {
        unit(sku: $sku, serial: $serial) { serial auditTrail { service action } } }"""
    trail = factory.as_(AUDITOR).data(trail_query, unit)["unit"]["auditTrail"]
    assert {e["service"] for e in trail} >= {"masterdata", "production"}

    ledger = factory.as_(AUDITOR).data(
        """query($id: String!) {
          auditTrail(service: "masterdata", entityType: "product", entityId: $id) { action }
          verifyAuditLedgers { service ok entries headHash firstBrokenSeq }
        }""",
        {"id": factory.fg},
    )
    assert [e["action"] for e in ledger["auditTrail"]] == ["product.created"]
    assert [v["service"] for v in ledger["verifyAuditLedgers"]] == [
        "masterdata",
        "production",
        "warehouse",
        "quality",
        "epcis",
    ]
    assert all(v["ok"] and v["firstBrokenSeq"] is None for v in ledger["verifyAuditLedgers"])

    # An operator sees the rest of the unit; only the audit trail is refused.
    result = factory.as_(OPERATOR).execute(trail_query, unit)
    assert result["data"]["unit"]["serial"] == "AUD-1"
    assert result["data"]["unit"]["auditTrail"] == []
    assert codes(result["errors"]) == ["FORBIDDEN"]
    assert result["errors"][0]["path"] == ["unit", "auditTrail"]
    errors = factory.as_(OPERATOR).errors("{ verifyAuditLedgers { ok } }")
    assert codes(errors) == ["FORBIDDEN"]


# --- errors and input -----------------------------------------------------------------


def test_errors_carry_the_services_verdict_as_a_code(suite: RunningSuite) -> None:
    admin = graph(suite, ADMIN)
    sku = unique("ERR")
    create = """mutation($sku: String!, $name: String!) {
        createProduct(input: {sku: $sku, name: $name, kind: COMPONENT, tracking: SERIAL},
                      idempotencyKey: "k1") { sku name } }"""
    assert admin.data(create, {"sku": sku, "name": "A"})["createProduct"]["name"] == "A"
    # A retry with the same key and input answers the first result again.
    assert admin.data(create, {"sku": sku, "name": "A"})["createProduct"]["name"] == "A"
    # The same key with a different input is CONFLICT.
    assert codes(admin.errors(create, {"sku": sku, "name": "B"})) == ["CONFLICT"]
    bad_gtin = admin.errors(
        """mutation { createProduct(input: {sku: "G1", name: "G", kind: COMPONENT,
             tracking: SERIAL, gtin: "09506000134353"}) { sku } }"""
    )
    assert codes(bad_gtin) == ["BAD_USER_INPUT"]
    assert "check digit" in bad_gtin[0]["message"]
    missing = graph(suite, PLANNER).errors(
        """mutation { createWorkOrder(input: {sku: "NOPE", quantity: 1, bomRevision: "A"}) {
             id } }"""
    )
    assert codes(missing) == ["NOT_FOUND"]
    wrong_type = admin.errors("{ product(sku: 12) { sku } }")
    assert codes(wrong_type) == ["BAD_USER_INPUT"]
    unknown_field = admin.errors('{ product(sku: "X") { colour } }')
    assert codes(unknown_field) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("(01)09506000134353(21)X1", "check digit"),
        ("(99", "("),
        ("https://id.gs1.org/01/123/21/X", "GTIN"),
        ("(00)123456789012345670", "check digit"),
    ],
)
def test_bad_scans_are_bad_user_input_saying_what_is_wrong(
    suite: RunningSuite, code: str, expected: str
) -> None:
    errors = graph(suite, VIEWER).errors(
        "query($c: String!) { scan(code: $c) { kind } }", {"c": code}
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert expected in errors[0]["message"]


def test_scan_falls_back_to_aliases_and_serials(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, [unique("SCN")])
    mac = unique("00:1B:44:11")
    factory.as_(OPERATOR).data(
        """mutation($u: UnitKey!, $v: String!) {
             addUnitAlias(unit: $u, kind: "MAC", value: $v) { aliases { kind value } } }""",
        {"u": unit, "v": mac},
    )
    scan = "query($c: String!) { scan(code: $c) { kind unit { sku serial } } }"
    viewer = factory.as_(VIEWER)
    assert viewer.data(scan, {"c": mac})["scan"]["unit"] == unit
    assert viewer.data(scan, {"c": unit["serial"]})["scan"]["unit"] == unit
    assert codes(viewer.errors(scan, {"c": "NEVER-SEEN-123"})) == ["NOT_FOUND"]
    by_alias = viewer.data(
        'query($v: String!) { unitByAlias(kind: "mac", value: $v) { serial } }', {"v": mac}
    )
    assert by_alias["unitByAlias"]["serial"] == unit["serial"]


def test_a_scanning_station_keeps_one_connection_across_its_scans(suite: RunningSuite) -> None:
    # A station keeps its HTTP connection open: the gateway answers each request on it,
    # errors included, and leaves it open (the scan bench's kept-alive figure rests on it).
    station = KeptAliveGraphClient(suite.url, VIEWER)
    scan = "query($c: String!) { scan(code: $c) { kind } }"
    try:
        assert station.data("{ __typename }") == {"__typename": "Query"}
        assert codes(station.errors(scan, {"c": "(01)09506000134353(21)X1"})) == ["BAD_USER_INPUT"]
        assert station.execute("{ nope }")["errors"]
        assert station.data("{ __typename }") == {"__typename": "Query"}
        assert station.connections == 1
    finally:
        station.close()


def test_submit_scans_runs_items_in_order_with_their_own_outcomes(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, [unique("SS")])
    operator = factory.as_(OPERATOR)
    batch = """mutation($scans: [ScanInput!]!) {
        submitScans(scans: $scans) { idempotencyKey ok errorCode message } }"""
    key = unique("scan")

    def op(n: int, result: str = "PASS") -> dict[str, Any]:
        return {
            "idempotencyKey": f"{key}-{n}",
            "action": {
                "recordOperation": {
                    "unit": unit,
                    "operation": f"OP{n}",
                    "station": "S1",
                    "result": result,
                }
            },
        }

    ghost = {
        "idempotencyKey": f"{key}-ghost",
        "action": {
            "recordOperation": {
                "unit": {"sku": unit["sku"], "serial": "GHOST"},
                "operation": "OP",
                "station": "S1",
                "result": "PASS",
            }
        },
    }
    inspect = {
        "idempotencyKey": f"{key}-insp",
        "action": {"recordInspection": {"kind": "IN_PROCESS", "unit": unit, "result": "PASS"}},
    }
    scans = [op(1), ghost, op(2), inspect, op(3, "FAIL")]
    outcomes = operator.data(batch, {"scans": scans})["submitScans"]
    assert [(o["idempotencyKey"], o["ok"], o["errorCode"]) for o in outcomes] == [
        (f"{key}-1", True, None),
        (f"{key}-ghost", False, "NOT_FOUND"),
        (f"{key}-2", True, None),
        (f"{key}-insp", False, "FORBIDDEN"),  # operators do not record inspections
        (f"{key}-3", True, None),
    ]
    # The whole batch replayed (a dropped response) writes nothing twice.
    again = operator.data(batch, {"scans": scans})["submitScans"]
    assert [o["ok"] for o in again] == [o["ok"] for o in outcomes]
    ops = factory.as_(VIEWER).data(
        "query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) { "
        "operations { operation result } } }",
        unit,
    )["unit"]["operations"]
    assert ops == [
        {"operation": "OP1", "result": "PASS"},
        {"operation": "OP2", "result": "PASS"},
        {"operation": "OP3", "result": "FAIL"},
    ]
    both = {"idempotencyKey": f"{key}-x", "action": {"recordOperation": None}}
    errors = operator.errors(batch, {"scans": [both]})
    assert codes(errors) == ["BAD_USER_INPUT"]


def test_consecutive_operation_scans_reach_production_in_one_call(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    units = factory.commission(factory.sub, [unique("SB"), unique("SB")])
    batch = """mutation($scans: [ScanInput!]!) {
        submitScans(scans: $scans) { idempotencyKey ok errorCode message } }"""
    key = unique("scan")

    def op(n: int, unit: dict[str, str], measurements: Any = None) -> dict[str, Any]:
        record = {"unit": unit, "operation": "ICT", "station": "S1", "result": "PASS"}
        if measurements is not None:
            record["measurements"] = measurements
        return {"idempotencyKey": f"{key}-{n}", "action": {"recordOperation": record}}

    scans = [op(n, units[n % 2], {"n": n}) for n in range(40)]
    scans[7] = op(7, units[1], "not an object")  # rejected in the gateway, not sent
    scans[9] = op(9, {"sku": units[0]["sku"], "serial": "GHOST"})
    calls = _count_calls(graph(suite, OPERATOR), batch, {"scans": scans})
    assert calls == {"production": 1}
    outcomes = graph(suite, OPERATOR).data(batch, {"scans": scans})["submitScans"]
    assert [o["idempotencyKey"] for o in outcomes] == [s["idempotencyKey"] for s in scans]
    failed = {o["idempotencyKey"]: o["errorCode"] for o in outcomes if not o["ok"]}
    assert failed == {f"{key}-7": "BAD_USER_INPUT", f"{key}-9": "NOT_FOUND"}
    recorded = graph(suite, VIEWER).data(
        "query($a: String!, $b: String!, $sku: String!) { "
        "a: unit(sku: $sku, serial: $a) { operations { measurements } } "
        "b: unit(sku: $sku, serial: $b) { operations { measurements } } }",
        {"sku": units[0]["sku"], "a": units[0]["serial"], "b": units[1]["serial"]},
    )
    # Each good scan recorded once, in order, though the batch was sent twice.
    assert [r["measurements"]["n"] for r in recorded["a"]["operations"]] == [
        n for n in range(0, 40, 2) if n != 9
    ]
    assert [r["measurements"]["n"] for r in recorded["b"]["operations"]] == [
        n for n in range(1, 40, 2) if n not in (7, 9)
    ]
    # A viewer may not record operations: every item says so, nothing is written.
    refused = graph(suite, VIEWER).data(batch, {"scans": [op(100 + n, units[0]) for n in range(3)]})
    assert {o["errorCode"] for o in refused["submitScans"]} == {"FORBIDDEN"}


# --- limits ---------------------------------------------------------------------------


def test_a_depth_20_query_is_refused(suite: RunningSuite) -> None:
    nested = "sku"
    for _ in range(20):
        nested = f"installedIn {{ {nested} }}"
    errors = graph(suite, VIEWER).errors(f'{{ unit(sku: "A", serial: "B") {{ {nested} }} }}')
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert "exceeds maximum operation depth" in errors[0]["message"]


def test_a_500_alias_query_is_refused(suite: RunningSuite) -> None:
    fields = " ".join(f"a{n}: __typename" for n in range(500))
    errors = graph(suite, VIEWER).errors(f"{{ {fields} }}")
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert "aliases" in errors[0]["message"]


def _view(suite: RunningSuite) -> GatewayView:
    """The running gateway's /graphql view (the gateway runs in this process)."""
    app: Starlette = suite.gateway.server.config.app
    return next(r.endpoint for r in app.routes if isinstance(r, Route) and r.path == "/graphql")


def test_a_document_sent_again_is_not_parsed_or_validated_again(suite: RunningSuite) -> None:
    documents = _view(suite).schema.documents
    query = f"{{ {unique('q').replace('-', '_')}: __typename }}"
    before = (documents.parsed, documents.validated)
    for _ in range(3):
        assert graph(suite, VIEWER).data(query)
    assert (documents.parsed - before[0], documents.validated - before[1]) == (1, 1)
    # Another text is a document of its own.
    assert graph(suite, VIEWER).data(query.replace("__typename", " __typename"))
    assert (documents.parsed - before[0], documents.validated - before[1]) == (2, 2)


def test_a_document_over_a_limit_is_refused_every_time(suite: RunningSuite) -> None:
    documents = _view(suite).schema.documents
    deep = "sku"
    for _ in range(20):
        deep = f"installedIn {{ {deep} }}"
    refused = {
        f'{{ unit(sku: "{unique("d")}", serial: "B") {{ {deep} }} }}': "maximum operation depth",
        "{ " + " ".join(["__typename"] * 6000) + " }": "more than 5000 tokens",
        "{ unit(sku: ": "Syntax Error",
    }
    for query, reason in refused.items():
        for _ in range(2):
            errors = graph(suite, VIEWER).errors(query)
            assert reason in errors[0]["message"], errors
    # The valid-but-too-deep one is kept with its errors; the unparsable ones are not.
    too_deep, too_long, broken = refused
    assert documents._entries[too_deep].errors
    assert too_long not in documents._entries
    assert broken not in documents._entries


def _bare(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without its trace id (a new one per request)."""
    answer = json.loads(json.dumps(answer))
    answer.get("extensions", {}).pop("traceId", None)
    for error in answer.get("errors", []):
        error.get("extensions", {}).pop("traceId", None)
    return answer


def _post(suite: RunningSuite, body: bytes, content_type: str = "application/json") -> Any:
    request = urllib.request.Request(  # noqa: S310 - the gateway under test, on 127.0.0.1
        suite.url,
        data=body,
        method="POST",
        headers={"content-type": content_type, "authorization": f"Bearer {VIEWER}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers["content-type"], _bare(json.load(response))
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


POSTED = [
    {"query": "{ __typename }"},
    {"query": "query A { __typename } query B { a: __typename }", "operationName": "B"},
    {"query": "query A { __typename } query B { a: __typename }"},  # which one? a 400
    {"query": "query A { __typename }", "operationName": "Z"},
    {"query": "{ nothing }"},
    {"query": "{ unit(sku: "},
    {"query": 'query Q($s: String!) { unit(sku: $s, serial: "x") { sku } }', "variables": {}},
    {"query": '{ product(sku: "NONE") { sku } }', "extensions": {"x": 1}},
    {"query": ""},
    {"query": "{ __typename }", "variables": []},
    {"query": 7},
    [{"query": "{ __typename }"}],
]


def test_a_posted_operation_is_answered_as_strawberrys_view_answers_it(
    suite: RunningSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    bodies = [json.dumps(p).encode() for p in POSTED] + [b"{not json", b""]
    cases = [(b, "application/json") for b in bodies]
    cases += [(bodies[0], "application/json; charset=utf-8"), (bodies[0], "text/plain")]
    views: list[str] = []
    monkeypatch.setattr(GatewayView, "run", _counted(GatewayView.run, views))
    ours = [_post(suite, body, kind) for body, kind in cases]
    judged_by_strawberry = len(views)
    monkeypatch.setattr(GatewayView, "__call__", GraphQL.__call__)  # strawberry's alone
    theirs = [_post(suite, body, kind) for body, kind in cases]
    assert ours == theirs
    assert ours[0][:2] == (200, "application/json")
    # Only what is not one operation in a JSON object went through strawberry's view:
    # the empty, non-string and batched queries, the variables list, the bad bodies and
    # the other content type.
    assert judged_by_strawberry == 7


def _counted(run: Any, calls: list[str]) -> Any:
    async def counted(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(request.method)
        return await run(self, request, *args, **kwargs)

    return counted


def test_connection_page_size_is_capped(suite: RunningSuite) -> None:
    errors = graph(suite, VIEWER).errors(
        '{ whereUsed(sku: "A", lotNumber: "B", first: 100000) { totalCount } }'
    )
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert "first must be 1 to 1000" in errors[0]["message"]


# --- batching -------------------------------------------------------------------------


def _calls_by_service() -> dict[str, float]:
    totals: dict[str, float] = {}
    for metric in REGISTRY.collect():
        if metric.name == "serialtrace_gateway_grpc_client_calls":
            for sample in metric.samples:
                if sample.name.endswith("_total"):
                    service = sample.labels["service"]
                    totals[service] = totals.get(service, 0) + sample.value
    return totals


def _count_calls(client: GraphClient, query: str, variables: dict[str, Any]) -> dict[str, float]:
    before = _calls_by_service()
    client.data(query, variables)
    after = _calls_by_service()
    return {s: after.get(s, 0) - before.get(s, 0) for s in after if after[s] != before.get(s, 0)}


FULL_TRACE = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
  sku attributes aliases { kind } createdAt product { name bomRevisions { revision } }
  buildStatus workOrder { id } operations { id approval { by } } installedIn { sku }
  components { quantity lot { sku supplier { code } quantityOnHand qualityStatus holds { id } }
    unit { sku buildStatus custodyStatus qualityStatus
      components { quantity lot { sku supplier { code } } }
      materialLots { lotNumber } operations { id } inspections { id } movements { kind } } }
  materialLots { sku supplier { code } }
  custodyStatus location { code parent { code } } movements { kind toLocation { code } }
  package { sscc } shipment { id customer { code } }
  qualityStatus inspections { id } holds { id } recalls { id }
  auditTrail { service seq } } }"""


def test_a_two_level_trace_costs_a_fixed_number_of_calls_per_service(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    subs = factory.commission(factory.sub, [unique("BS") for _ in range(3)])
    (fg,) = factory.commission(factory.fg, [unique("BF")])
    for sub in subs:
        factory.install_lot(factory.sub, sub["serial"], 1)
    # Three subassemblies inside one finished unit (the BOM allows one; trace shape only).
    operator = factory.as_(OPERATOR)
    operator.data(
        """mutation($p: UnitKey!, $c: UnitKey!) {
             installComponent(input: {parent: $p, component: $c}) { quantity } }""",
        {"p": fg, "c": subs[0]},
    )
    factory.install_lot(factory.fg, fg["serial"], 1)
    calls = _count_calls(factory.as_(AUDITOR), FULL_TRACE, fg)
    # The plan: one call per service for the whole two-level trace, each service's
    # audit-ledger entries in its own reply, whatever the number of nodes.
    assert calls == {"masterdata": 1, "production": 1, "warehouse": 1, "quality": 1}, calls


def test_a_query_asking_for_little_calls_only_the_services_it_reads(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, [unique("LT")])
    factory.install_lot(factory.sub, unit["serial"], 1)
    viewer = factory.as_(VIEWER)
    one = "query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) { %s } }"
    assert _count_calls(viewer, one % "serial", unit) == {"masterdata": 1}
    assert _count_calls(viewer, one % "custodyStatus", unit) == {"masterdata": 1, "warehouse": 1}
    lots = "components { lot { lotNumber qualityStatus } }"
    assert _count_calls(viewer, one % lots, unit) == {
        "masterdata": 1,
        "production": 1,
        "quality": 1,
    }


def test_a_trace_after_a_write_shows_the_write(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    (unit,) = factory.commission(factory.sub, [unique("FR")])
    trace = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
      operations { operation } components { quantity } holds { reason } qualityStatus
      auditTrail { service action } } }"""
    auditor = factory.as_(AUDITOR)
    before = auditor.data(trace, unit)["unit"]
    assert (before["operations"], before["components"], before["holds"]) == ([], [], [])
    factory.as_(OPERATOR).data(
        """mutation($u: UnitKey!) { recordOperation(input: {unit: $u, operation: "TEST",
             station: "S1", result: PASS}) { id } }""",
        {"u": unit},
    )
    factory.install_lot(factory.sub, unit["serial"], 1)
    factory.as_(QUALITY).data(
        'mutation($u: UnitKey!) { placeHold(input: {reason: "fresh", units: [$u]}) { id } }',
        {"u": unit},
    )
    after = auditor.data(trace, unit)["unit"]
    assert after["operations"] == [{"operation": "TEST"}]
    assert len(after["components"]) == 1
    assert (after["holds"], after["qualityStatus"]) == ([{"reason": "fresh"}], "ON_HOLD")

    def entries(trail: list[dict[str, str]], service: str) -> int:
        return sum(1 for e in trail if e["service"] == service)

    for service in ("production", "quality"):
        assert entries(after["auditTrail"], service) > entries(before["auditTrail"], service)


def test_a_page_of_where_used_units_costs_the_same_calls_as_one(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    units = factory.commission(factory.fg, [unique("WU") for _ in range(25)])
    for unit in units:
        factory.install_lot(factory.fg, unit["serial"], 1)
    page = """query($sku: String!, $lot: String!, $first: Int) {
        whereUsed(sku: $sku, lotNumber: $lot, first: $first) { totalCount
          edges { node { serial buildStatus custodyStatus location { code } qualityStatus
                         shipment { customer { code } } workOrder { id } } } } }"""
    variables = {"sku": factory.resin, "lot": factory.lot}
    viewer = factory.as_(VIEWER)
    one = _count_calls(viewer, page, {**variables, "first": 1})
    many = _count_calls(viewer, page, {**variables, "first": 25})
    assert many == one, (one, many)
    result = viewer.data(page, {**variables, "first": 25})["whereUsed"]
    assert result["totalCount"] == 25 and len(result["edges"]) == 25


def test_where_used_counts_only_when_total_count_is_asked_and_pages_in_serial_order(
    suite: RunningSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    serials = [f"WO-{n}" for n in (3, 1, 4, 2)]
    for unit in factory.commission(factory.fg, serials):
        factory.install_lot(factory.fg, unit["serial"], 1)
    # A spy on the gateway's reads (the real call still goes to production): which
    # where-used requests asked production to count.
    asked: list[bool] = []
    read = Calls.read

    async def spy(self: Calls, service: str, rpc: str, request: Any) -> Any:
        if rpc == "WhereUsed":
            asked.append(request.count_total)
        return await read(self, service, rpc, request)

    monkeypatch.setattr(Calls, "read", spy)
    viewer, variables = factory.as_(VIEWER), {"sku": factory.resin, "lot": factory.lot}
    page = viewer.data(
        """query($sku: String!, $lot: String!) {
             whereUsed(sku: $sku, lotNumber: $lot, first: 3) { edges { node { serial } } } }""",
        variables,
    )["whereUsed"]
    assert [e["node"]["serial"] for e in page["edges"]] == sorted(serials)[:3]
    counted = viewer.data(
        """query($sku: String!, $lot: String!) { whereUsed(sku: $sku, lotNumber: $lot) {
             ...Counted } } fragment Counted on UnitConnection { totalCount }""",
        variables,
    )["whereUsed"]
    assert counted["totalCount"] == 4
    nested = viewer.data(
        """query($sku: String!, $lot: String!) { lot(sku: $sku, lotNumber: $lot) {
             whereUsed(first: 1) { totalCount } } }""",
        variables,
    )["lot"]["whereUsed"]
    assert nested["totalCount"] == 4
    assert asked == [False, True, True]
    unknown = viewer.errors(
        '{ whereUsed(sku: "NO-SUCH-SKU", lotNumber: "NO-SUCH-LOT") { totalCount } }'
    )
    assert codes(unknown) == ["NOT_FOUND"]


def test_cursors_page_through_where_used_without_gaps(suite: RunningSuite) -> None:
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    units = factory.commission(factory.sub, [f"PG-{n:02d}" for n in range(7)])
    for unit in units:
        factory.install_lot(factory.sub, unit["serial"], 1)
    page = """query($sku: String!, $lot: String!, $after: String) {
        whereUsed(sku: $sku, lotNumber: $lot, first: 3, after: $after) { totalCount
          pageInfo { hasNextPage endCursor } edges { cursor node { serial } } } }"""
    seen, after, viewer = [], None, factory.as_(VIEWER)
    while True:
        result = viewer.data(page, {"sku": factory.resin, "lot": factory.lot, "after": after})
        connection = result["whereUsed"]
        seen += [e["node"]["serial"] for e in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(u["serial"] for u in units)
    # Resuming from a middle edge's cursor continues right after that edge.
    first = viewer.data(page, {"sku": factory.resin, "lot": factory.lot, "after": None})
    middle = first["whereUsed"]["edges"][1]["cursor"]
    resumed = viewer.data(page, {"sku": factory.resin, "lot": factory.lot, "after": middle})
    assert resumed["whereUsed"]["edges"][0]["node"]["serial"] == seen[2]
    bad = viewer.errors(page, {"sku": factory.resin, "lot": factory.lot, "after": "garbage"})
    assert codes(bad) == ["BAD_USER_INPUT"]


# --- observability --------------------------------------------------------------------


def test_operation_span_is_the_parent_of_every_grpc_client_span(suite: RunningSuite) -> None:
    exporter = InMemorySpanExporter()
    telemetry.setup_tracing("gateway", None).add_span_processor(SimpleSpanProcessor(exporter))
    factory = GraphFactory(graph(suite))
    factory.setup_master_data()
    exporter.clear()
    result = factory.as_(VIEWER).execute(
        "query Look($sku: String!) { product(sku: $sku) { bomRevisions { revision } } "
        'lot(sku: $sku, lotNumber: "L") { sku } }',
        {"sku": factory.fg},
    )
    trace_id = result["extensions"]["traceId"]
    spans = [
        s for s in exporter.get_finished_spans() if format(s.context.trace_id, "032x") == trace_id
    ]
    (operation,) = [s for s in spans if s.name == "graphql query Look"]
    # The gateway's gRPC client spans (the services' own SQL spans are CLIENT spans too).
    clients = [s for s in spans if s.kind.name == "CLIENT" and s.attributes.get("rpc.system")]
    servers = {s.context.span_id for s in spans if s.kind.name == "SERVER" and s != operation}
    clients = [s for s in clients if s.parent and s.parent.span_id not in servers]
    assert len(clients) == 3
    assert {s.attributes.get("rpc.method") for s in clients} == {"GetTraceFacts"}
    assert all(s.parent and s.parent.span_id == operation.context.span_id for s in clients)


def test_health_readiness_and_metrics(suite: RunningSuite) -> None:
    base = suite.url.rsplit("/", 1)[0]
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
        assert response.read() == b"ok"
    with urllib.request.urlopen(f"{base}/readyz", timeout=5) as response:  # noqa: S310
        ready = json.loads(response.read())
    assert ready == {
        "ready": True,
        "services": {
            s: "SERVING" for s in ("masterdata", "production", "warehouse", "quality", "epcis")
        },
    }
    graph(suite, VIEWER).data('query Ping { product(sku: "none") { sku } }')
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310
        metrics = response.read().decode()
    assert 'serialtrace_graphql_operations_total{operation="Ping",outcome="ok",type="query"}' in (
        metrics
    )
    assert "serialtrace_gateway_grpc_client_calls_total" in metrics


# --- partial results ------------------------------------------------------------------


def test_a_service_down_leaves_the_rest_of_the_trace_and_fails_writes_closed(
    test_databases: TestDatabases,
) -> None:
    suite = start_suite(test_databases)
    try:
        factory = GraphFactory(graph(suite))
        factory.setup_master_data()
        (unit,) = factory.commission(factory.sub, ["DOWN-1"])
        factory.install_lot(factory.sub, "DOWN-1", 1)
        suite.services.servers["warehouse"].stop(0)
        result = factory.as_(VIEWER).execute(
            """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
                 serial buildStatus qualityStatus custodyStatus movements { kind }
                 location { code }
                 materialLots { ...L } components { lot { ...L } } } }
               fragment L on Lot { lotNumber qualityStatus stock { quantity } }
               """,
            unit,
        )
        data = result["data"]["unit"]
        assert data["serial"] == "DOWN-1"
        assert data["buildStatus"] == "COMMISSIONED"
        assert data["qualityStatus"] == "OK"
        assert (data["custodyStatus"], data["movements"], data["location"]) == ("UNKNOWN", [], None)
        # The same lot twice: each time the answer it can give, and the error at its path.
        lot = {"lotNumber": factory.lot, "qualityStatus": "OK", "stock": []}
        assert data["materialLots"] == [lot]
        assert data["components"] == [{"lot": lot}]
        failed = {tuple(e["path"]): e["extensions"]["code"] for e in result["errors"]}
        assert failed == {
            ("unit", "custodyStatus"): "UNAVAILABLE",
            ("unit", "movements"): "UNAVAILABLE",
            ("unit", "location"): "UNAVAILABLE",
            ("unit", "materialLots", 0, "stock"): "UNAVAILABLE",
            ("unit", "components", 0, "lot", "stock"): "UNAVAILABLE",
        }
        assert all("warehouse" in e["message"] for e in result["errors"])
        errors = factory.as_(OPERATOR).errors(
            """mutation($sub: String!, $bin: String!) { receiveUnits(input: {sku: $sub,
                 serials: ["R1"], supplierCode: "X", locationCode: $bin}) { serial } }""",
            {"sub": factory.sub, "bin": factory.bin},
        )
        assert codes(errors) == ["UNAVAILABLE"]
    finally:
        suite.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not made for Windows")
def test_the_gateway_serves_on_uvloop(suite: RunningSuite) -> None:
    """The event loop in C (a third of a trivial request's CPU, see main.event_loop)."""
    listening = suite.gateway.server.servers
    assert listening and all(type(s).__module__.startswith("uvloop") for s in listening)
    assert GraphClient(suite.url, VIEWER).data("{ __typename }") == {"__typename": "Query"}
