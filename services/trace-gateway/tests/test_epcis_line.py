"""EPCIS and the rest of the suite, both ways, against a real suite: the golden path done
through the graph is an EPCIS history of the unit (events implied by the owners' audit
ledgers); a line fed through EPCIS alone traces through the graph like the golden path;
receiving and shipping name places and parties by GLN and keep the warehouse's rules;
a capture with the warehouse down converges when it is back, each event applied once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import grpc
import pytest

from serialtrace.common.cli import installed_services
from serialtrace.common.epc import to_digital_link
from serialtrace.common.gs1 import gs1_check_digit
from serialtrace.common.testing import Caller, TestDatabases, start_service, token, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.core.v1 import core_pb2_grpc as core_grpc
from serialtrace.epcis.event_hash import event_hash
from serialtrace.epcis.testing import document
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.testing import (
    ADMIN,
    AUDITOR,
    PLANNER,
    QUALITY,
    TRACE,
    GraphClient,
    GraphFactory,
    RunningSuite,
    build_and_ship,
    start_suite,
)
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

from .test_epcis_http import call, capture, event_list, query

PLANT = token("pat", "operator", "planner", "quality")
_GLNS = iter(range(int(time.time()) % 10**6, 10**7))


@pytest.fixture(scope="module")
def suite(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    running = start_suite(test_databases)
    yield running
    running.stop()


def _caller(suite: RunningSuite, service: str, stub: Any, bearer: str) -> Caller:
    return Caller(stub(grpc.insecure_channel(suite.services.addrs[service])), bearer)


def _gln() -> str:
    body = f"409{next(_GLNS):09d}"
    return body + str(gs1_check_digit(body))


def _party(suite: RunningSuite, kind: int) -> tuple[str, str]:
    """A new party with a GLN, made through the graph: (code, GLN)."""
    code, gln = unique("P"), _gln()
    GraphClient(suite.url, ADMIN).data(
        """mutation($code: String!, $kind: PartyKind!, $gln: String) {
             createParty(input: {code: $code, name: $code, kind: $kind, gln: $gln}) { gln } }""",
        {"code": code, "kind": md.PartyKind.Name(kind).removeprefix("PARTY_KIND_"), "gln": gln},
    )
    return code, gln


def _location(suite: RunningSuite) -> tuple[str, str]:
    code, gln = unique("L"), _gln()
    _caller(suite, "masterdata", md_grpc.MasterdataServiceStub, ADMIN).CreateLocation(
        md.CreateLocationRequest(
            location=md.Location(code=code, name=code, kind=md.LOCATION_KIND_WAREHOUSE, gln=gln)
        )
    )
    return code, gln


def _trading_plant(
    suite: RunningSuite,
) -> tuple[GraphFactory, tuple[str, str], tuple[str, str], tuple[str, str]]:
    """The master data with every GTIN, a supplier, a customer and a place, each of the
    last three as (code, GLN): what the receiving, shipping and holding tests trade with."""
    factory = GraphFactory(GraphClient(suite.url), every_gtin=True)
    factory.setup_master_data()
    supplier = _party(suite, md.PARTY_KIND_SUPPLIER)
    customer = _party(suite, md.PARTY_KIND_CUSTOMER)
    return factory, supplier, customer, _location(suite)


def _sgtin(gtin: str, serial: str) -> str:
    return f"https://id.gs1.org/01/{gtin}/21/{serial}"


def _sscc() -> str:
    body = f"0409{next(_GLNS):013d}"
    return body + str(gs1_check_digit(body))


def _event(event_type: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": event_type, "eventTime": at, "eventTimeZoneOffset": "+00:00", **fields}


def _history(suite: RunningSuite, epc: str, count: int) -> list[dict[str, Any]]:
    """The events of one EPC, once there are `count` of them (waits for at most 60 s:
    the EPCIS service follows the ledgers every half second)."""
    deadline = time.monotonic() + 60
    while True:
        events = event_list(query(suite, f"/epcis/epcs/{quote(epc, safe='')}/events"))
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def test_the_golden_path_through_the_graph_is_the_units_epcis_history(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url), every_gtin=True)
    built = build_and_ship(factory)
    fg = _sgtin(factory.fg_gtin, built["fg"]["serial"])
    events = _history(suite, fg, 8)
    assert [(e["type"], e["bizStep"]) for e in events] == [
        ("ObjectEvent", "commissioning"),
        ("AssociationEvent", "installing"),  # the board
        ("AssociationEvent", "installing"),  # the resin lot
        ("ObjectEvent", "inspecting"),  # FINAL_TEST
        ("ObjectEvent", "inspecting"),  # the final inspection
        ("ObjectEvent", "storing"),  # completed: into stock at the output location
        ("AggregationEvent", "packing"),  # into the carton
        ("ObjectEvent", "shipping"),
    ], json.dumps(events, indent=1)
    times = [e["eventTime"] for e in events]
    assert times == sorted(times)
    board = _sgtin(factory.sub_gtin or "", built["sub"]["serial"])
    assert events[1]["parentID"] == fg and events[1]["childEPCs"] == [board]
    assert events[2]["childQuantityList"][0]["epcClass"].endswith(f"/10/{factory.lot}")
    assert [e["disposition"] for e in events[3:5]] == ["conformant", "conformant"]
    assert events[6]["parentID"] == to_digital_link(f"https://id.gs1.org/00/{built['carton']}")
    assert events[7]["disposition"] == "in_transit"
    # The pallet holds the carton: its packing names the carton, not the unit.
    carton = to_digital_link(f"https://id.gs1.org/00/{built['carton']}")
    (pallet,) = event_list(query(suite, MATCH_epc=carton, EQ_bizStep="packing"))
    assert pallet["parentID"].endswith(built["pallet"])
    # Each event has a stable ID and is found by it.
    reply = call(suite, "GET", f"/epcis/events/{quote(events[0]['eventID'], safe='')}")
    assert reply.status == 200
    assert event_list(reply)[0]["eventID"] == events[0]["eventID"]


def test_a_line_fed_through_epcis_alone_traces_like_the_golden_path(
    suite: RunningSuite,
) -> None:
    golden = GraphFactory(GraphClient(suite.url), every_gtin=True)
    built = build_and_ship(golden)
    factory = GraphFactory(GraphClient(suite.url), every_gtin=True)
    factory.setup_master_data()
    customer, customer_gln = _party(suite, md.PARTY_KIND_CUSTOMER)
    planner = factory.as_(PLANNER)
    orders = {
        sku: planner.data(
            """mutation($sku: String!, $line: String, $out: String) {
              createWorkOrder(input: {sku: $sku, quantity: 1, bomRevision: "A", line: $line,
                                      outputLocationCode: $out}) { id } }""",
            {"sku": sku, "line": factory.line, "out": out},
        )["createWorkOrder"]["id"]
        for sku, out in ((factory.sub, None), (factory.fg, factory.bin))
    }
    board, widget, sscc = (
        _sgtin(factory.sub_gtin or "", "B-1"),
        _sgtin(factory.fg_gtin, "W-1"),
        _sscc(),
    )
    pgln = f"urn:epc:id:pgln:{customer_gln[:7]}.{customer_gln[7:12]}"  # the URN form, too

    def commissioning(epc: str, order: str, at: str) -> dict[str, Any]:
        transaction = {"type": "prodorder", "bizTransaction": f"urn:epcglobal:cbv:bt:{order}"}
        return _event(
            "ObjectEvent", at, epcList=[epc], action="ADD", bizStep="commissioning",
            disposition="active", bizTransactionList=[transaction],
        )  # fmt: skip

    def observed(epc: str, biz_step: str, at: str, **fields: Any) -> dict[str, Any]:
        return _event(
            "ObjectEvent", at, epcList=[epc], action="OBSERVE", bizStep=biz_step, **fields
        )

    resin = f"https://id.gs1.org/01/{factory.resin_gtin}/10/{factory.lot}"

    def resin_into(epc: str, kilograms: float, at: str) -> dict[str, Any]:
        quantity = [{"epcClass": resin, "quantity": kilograms, "uom": "KGM"}]
        return _event(
            "AssociationEvent", at, parentID=epc, childQuantityList=quantity, action="ADD",
            bizStep="installing",
        )  # fmt: skip

    shipped = observed(
        f"https://id.gs1.org/00/{sscc}", "shipping", "2024-06-01T08:09:00Z",
        disposition="in_transit", destinationList=[{"type": "owning_party", "destination": pgln}],
    )  # fmt: skip
    line = [
        commissioning(board, orders[factory.sub], "2024-06-01T08:00:00Z"),
        commissioning(widget, orders[factory.fg], "2024-06-01T08:00:01Z"),
        resin_into(board, 2, "2024-06-01T08:01:00Z"),
        observed(board, "inspecting", "2024-06-01T08:02:00Z", disposition="conformant"),
        observed(board, "storing", "2024-06-01T08:03:00Z"),
        _event(
            "AssociationEvent",
            "2024-06-01T08:04:00Z",
            parentID=widget,
            childEPCs=[board],
            action="ADD",
            bizStep="assembling",
        ),
        resin_into(widget, 1, "2024-06-01T08:05:00Z"),
        observed(widget, "inspecting", "2024-06-01T08:06:00Z", disposition="conformant"),
        observed(widget, "storing", "2024-06-01T08:07:00Z"),
        _event(
            "AggregationEvent",
            "2024-06-01T08:08:00Z",
            parentID=f"https://id.gs1.org/00/{sscc}",
            childEPCs=[widget],
            action="ADD",
            bizStep="packing",
        ),
        shipped,
    ]
    job = capture(suite, document(*line), bearer=PLANT)
    assert (job["success"], job["errors"], job["capturedCount"]) == (True, [], 11), json.dumps(
        [job["errors"], line], indent=1
    )

    graph = factory.as_(AUDITOR)
    fed = graph.data(TRACE, {"sku": factory.fg, "serial": "W-1"})["unit"]
    reference = graph.data(TRACE, built["fg"])["unit"]

    def shape(unit: dict[str, Any]) -> dict[str, Any]:
        return {
            "buildStatus": unit["buildStatus"],
            "components": sorted(
                (c["unit"]["sku"].rsplit("-", 1)[-1], c["unit"]["buildStatus"])
                for c in unit["components"]
                if c["unit"]
            ),
            "inspected": sorted({i["result"] for i in unit["inspections"]}),
            "custody": unit["custodyStatus"],
            "package": unit["package"]["kind"] if unit["package"] else None,
            "shipped": unit["shipment"]["unitCount"] if unit["shipment"] else None,
            "workOrder": unit["workOrder"]["outputLocation"] is not None,
        }

    assert shape(fed) == shape(reference)
    assert fed["shipment"]["customer"]["code"] == customer
    assert fed["package"]["sscc"] == sscc

    # The follower knows these entries as the captured events' own: none shows twice.
    # A later fact recorded through the graph marks how far it has followed.
    factory.as_(QUALITY).data(
        """mutation($u: UnitKey!) { recordInspection(input: {kind: FINAL, unit: $u,
             result: PASS}) { id } }""",
        {"u": {"sku": factory.fg, "serial": "W-1"}},
    )
    events = _history(suite, widget, 7)
    assert [e["bizStep"] for e in events] == [
        "commissioning",
        "assembling",
        "installing",
        "inspecting",
        "storing",
        "packing",
        "inspecting",  # the one recorded through the graph, implied
    ], json.dumps(events, indent=1)
    assert [e.get("recordTime") for e in events] == sorted(e.get("recordTime") for e in events)


def test_receiving_and_shipping_name_places_and_parties_by_gln(suite: RunningSuite) -> None:
    factory, (_, supplier_gln), (customer, customer_gln), (place, place_gln) = _trading_plant(suite)
    boards = [_sgtin(factory.sub_gtin or "", f"R-{n}") for n in (1, 2)]
    received = _event(
        "ObjectEvent", "2024-06-02T08:00:00Z", epcList=boards, action="ADD",
        bizStep="receiving", disposition="in_progress",
        bizLocation={"id": f"https://id.gs1.org/414/{place_gln}"},
        sourceList=[{"type": "owning_party", "source": f"https://id.gs1.org/417/{supplier_gln}"}],
        quantityList=[{"epcClass": f"https://id.gs1.org/01/{factory.resin_gtin}/10/RL-9",
                       "quantity": 25, "uom": "KGM"}],
    )  # fmt: skip
    job = capture(suite, document(received), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    warehouse = _caller(suite, "warehouse", wh_grpc.WarehouseServiceStub, AUDITOR)
    keys = [core_pb2.UnitKey(sku=factory.sub, serial=f"R-{n}") for n in (1, 2)]
    stock = warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=keys)).units
    assert [(u.custody, u.location_code) for u in stock] == [
        (wh.CUSTODY_STATUS_IN_STOCK, place)
    ] * 2
    (lot,) = warehouse.BatchGetLotStock(
        wh.BatchGetLotStockRequest(lots=[core_pb2.LotKey(sku=factory.resin, lot_number="RL-9")])
    ).lots
    assert lot.quantity_on_hand == 25

    # A held unit does not ship, whichever door: that event is refused, the other ships.
    _caller(suite, "quality", qa_grpc.QualityServiceStub, QUALITY).PlaceHold(
        qa.PlaceHoldRequest(reason="suspect board", units=[keys[1]])
    )
    destination = [
        {"type": "owning_party", "destination": f"https://id.gs1.org/417/{customer_gln}"}
    ]
    shipped = [
        _event(
            "ObjectEvent",
            f"2024-06-02T09:0{n}:00Z",
            epcList=[epc],
            action="OBSERVE",
            bizStep="shipping",
            disposition="in_transit",
            destinationList=destination,
        )
        for n, epc in enumerate(boards)
    ]
    nowhere = {**shipped[0], "destinationList": [{"type": "owning_party",
               "destination": f"https://id.gs1.org/417/{_gln()}"}]}  # fmt: skip
    job = capture(suite, document(*shipped), bearer=PLANT)  # rollback: nothing ships
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "FAILED_PRECONDITION")]
    assert "on hold" in job["errors"][0]["message"]
    job = capture(suite, document(shipped[0], shipped[1], nowhere), "proceed", bearer=PLANT)
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [
        (1, "FAILED_PRECONDITION"),
        (2, "FAILED_PRECONDITION"),
    ]
    assert "no customer has GLN" in job["errors"][1]["message"]
    stock = warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=keys)).units
    assert [u.custody for u in stock] == [wh.CUSTODY_STATUS_SHIPPED, wh.CUSTODY_STATUS_IN_STOCK]
    shipments = warehouse.BatchGetShipments(
        wh.BatchGetShipmentsRequest(ids=[stock[0].shipment_id])
    ).shipments
    assert [s.customer_code for s in shipments] == [customer]
    # A unit production has not completed does not ship either: the warehouse says so.
    unfinished = _sgtin(factory.fg_gtin, "NC-1")
    commissioned = _event(
        "ObjectEvent", "2024-06-02T10:00:00Z", epcList=[unfinished], action="ADD",
        bizStep="commissioning",
    )  # fmt: skip
    job = capture(
        suite, document(commissioned, {**shipped[0], "epcList": [unfinished]}), bearer=PLANT
    )
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "FAILED_PRECONDITION")]


def test_holding_and_recalled_events_act_through_quality_and_a_release_is_refused(
    suite: RunningSuite,
) -> None:
    factory, (_, supplier_gln), (_, customer_gln), (_, place_gln) = _trading_plant(suite)
    boards = [_sgtin(factory.sub_gtin or "", f"H-{n}") for n in (1, 2, 3)]
    resin = f"https://id.gs1.org/01/{factory.resin_gtin}/10/HL-1"
    sscc = _sscc()
    received = _event(
        "ObjectEvent", "2024-07-01T08:00:00Z", epcList=boards, action="ADD",
        bizStep="receiving", bizLocation={"id": f"https://id.gs1.org/414/{place_gln}"},
        sourceList=[{"type": "owning_party", "source": f"https://id.gs1.org/417/{supplier_gln}"}],
        quantityList=[{"epcClass": resin, "quantity": 10, "uom": "KGM"}],
    )  # fmt: skip
    packed = _event(
        "AggregationEvent", "2024-07-01T08:10:00Z", parentID=f"https://id.gs1.org/00/{sscc}",
        childEPCs=[boards[1]], action="ADD", bizStep="packing",
    )  # fmt: skip
    for step in (received, packed):
        job = capture(suite, document(step), bearer=PLANT)
        assert (job["success"], job["errors"]) == (True, []), job["errors"]

    holding = _event(
        "ObjectEvent", "2024-07-01T09:00:00Z", action="OBSERVE", bizStep="holding",
        epcList=[boards[0], f"https://id.gs1.org/00/{sscc}"],
        quantityList=[{"epcClass": resin}], disposition="non_sellable_other",
        persistentDisposition={"set": ["non_sellable_other"]},
    )  # fmt: skip
    quality = _caller(suite, "quality", qa_grpc.QualityServiceStub, AUDITOR)
    units = [core_pb2.UnitKey(sku=factory.sub, serial=f"H-{n}") for n in (1, 2, 3)]
    lot = core_pb2.LotKey(sku=factory.resin, lot_number="HL-1")

    def held() -> dict[str, list[str]]:
        checks = quality.BatchCheckHolds(qa.BatchCheckHoldsRequest(units=units, lots=[lot]))
        found = [c for c in checks.checks if c.held]
        return {c.unit.serial or c.lot.lot_number: list(c.hold_ids) for c in found}

    # Holding is quality's: an operator alone may not, and nothing is held.
    refused = capture(suite, document(holding), bearer=token("olga", "operator"))
    assert [(e["eventIndex"], e["code"]) for e in refused["errors"]] == [(0, "PERMISSION_DENIED")]
    assert held() == {}
    job = capture(suite, document(holding), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    holds = held()
    assert sorted(holds) == ["H-1", "H-2", "HL-1"]  # the named unit, the SSCC's, the lot
    (hold,) = quality.BatchGetHolds(qa.BatchGetHoldsRequest(ids=holds["H-1"])).holds
    assert event_hash(holding) in hold.reason and hold.placed_by == "pat"
    # Captured again: stored once, held once.
    assert capture(suite, document(holding), bearer=PLANT)["capturedCount"] == 0
    assert held() == holds

    # A release cannot carry quality's e-signature: refused, and with rollback the
    # document's other event (a shipment of a unit not held) does not apply either.
    released = _event(
        "ObjectEvent", "2024-07-01T10:00:00Z", action="OBSERVE", bizStep="holding",
        epcList=[boards[0]], disposition="available",
        persistentDisposition={"unset": ["non_sellable_other"]},
    )  # fmt: skip
    shipped = _event(
        "ObjectEvent", "2024-07-01T10:05:00Z", action="OBSERVE", bizStep="shipping",
        epcList=[boards[2]], disposition="in_transit",
        destinationList=[{"type": "owning_party",
                          "destination": f"https://id.gs1.org/417/{customer_gln}"}],
    )  # fmt: skip
    job = capture(suite, document(shipped, released), bearer=PLANT)
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "FAILED_PRECONDITION")]
    assert "releaseHold" in job["errors"][0]["message"], job["errors"]
    assert hold.id in job["errors"][0]["message"]
    assert held() == holds
    warehouse = _caller(suite, "warehouse", wh_grpc.WarehouseServiceStub, AUDITOR)
    (stock,) = warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=units[2:])).units
    assert stock.custody == wh.CUSTODY_STATUS_IN_STOCK
    # Held earlier in the same capture: the later shipping is refused, nothing applies.
    held_then_shipped = {**holding, "epcList": [boards[2]], "quantityList": []}
    job = capture(suite, document(held_then_shipped, shipped), bearer=PLANT)
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "FAILED_PRECONDITION")]
    assert "on hold" in job["errors"][0]["message"]
    assert "H-3" not in held()

    # recalled: quality's recall of the unit, holding it while it is in stock.
    recalled = _event(
        "ObjectEvent", "2024-07-01T11:00:00Z", action="OBSERVE", bizStep="holding",
        epcList=[boards[2]], disposition="recalled",
        persistentDisposition={"set": ["recalled"]},
    )  # fmt: skip
    job = capture(suite, document(recalled), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    (recalls,) = quality.BatchGetUnitRecalls(qa.BatchGetUnitRecallsRequest(units=units[2:])).units
    assert len(recalls.recall_ids) == 1
    assert "H-3" in held()

    # The follower knows quality's entries as these events' own: none shows twice. A
    # later inspection recorded through gRPC marks how far it has followed.
    inspector = _caller(suite, "quality", qa_grpc.QualityServiceStub, QUALITY)
    for unit in (units[0], units[2]):
        inspector.RecordInspection(
            qa.RecordInspectionRequest(
                kind=qa.INSPECTION_KIND_IN_PROCESS, unit=unit, result=core_pb2.RESULT_PASS
            )
        )
    assert [(e["bizStep"], e.get("disposition")) for e in _history(suite, boards[0], 3)] == [
        ("receiving", None),
        ("holding", "non_sellable_other"),
        ("inspecting", "conformant"),
    ]
    assert [(e["bizStep"], e.get("disposition")) for e in _history(suite, boards[2], 3)] == [
        ("receiving", None),
        ("holding", "recalled"),
        ("inspecting", "conformant"),
    ]


def _ledger_sizes(suite: RunningSuite) -> dict[str, int]:
    return {
        name: _caller(suite, name, core_grpc.LedgerServiceStub, AUDITOR)
        .VerifyLedger(core_pb2.VerifyLedgerRequest())
        .entries
        for name in suite.services.addrs
    }


def test_a_capture_with_the_warehouse_down_converges_once_it_is_back(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url), every_gtin=True)
    factory.setup_master_data()
    _supplier, supplier_gln = _party(suite, md.PARTY_KIND_SUPPLIER)
    place, place_gln = _location(suite)
    unit = _sgtin(factory.fg_gtin, "K-1")
    bought = _sgtin(factory.sub_gtin or "", "K-2")
    events = [
        _event("ObjectEvent", "2024-06-03T08:00:00Z", epcList=[unit], action="ADD",
               bizStep="commissioning"),
        _event("ObjectEvent", "2024-06-03T08:01:00Z", epcList=[bought], action="ADD",
               bizStep="receiving", bizLocation={"id": f"https://id.gs1.org/414/{place_gln}"},
               sourceList=[{"type": "owning_party",
                            "source": f"https://id.gs1.org/417/{supplier_gln}"}]),
        _event("ObjectEvent", "2024-06-03T08:02:00Z", epcList=[unit], action="OBSERVE",
               bizStep="inspecting", disposition="conformant"),
    ]  # fmt: skip
    addrs = suite.services.addrs
    suite.services.servers["warehouse"].stop(0)
    try:
        job = capture(suite, document(*events), bearer=PLANT)
        assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "UNAVAILABLE")]
        assert job["capturedCount"] == 3
    finally:
        env = {f"{n.upper()}_ADDR": a for n, a in addrs.items()}
        suite.services.servers["warehouse"] = start_service(
            installed_services()["warehouse"].load(), suite.services.databases["warehouse"], **env
        )
    # Captured again once the warehouse is back: only the receipt still had to apply.
    deadline = time.monotonic() + 30
    while True:
        job = capture(suite, document(*events), bearer=PLANT)
        if job["success"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (job["success"], job["errors"], job["capturedCount"]) == (True, [], 0)
    warehouse = _caller(suite, "warehouse", wh_grpc.WarehouseServiceStub, AUDITOR)
    (stock,) = warehouse.BatchGetUnitStock(
        wh.BatchGetUnitStockRequest(units=[core_pb2.UnitKey(sku=factory.sub, serial="K-2")])
    ).units
    assert (stock.custody, stock.location_code) == (wh.CUSTODY_STATUS_IN_STOCK, place)
    quality = _caller(suite, "quality", qa_grpc.QualityServiceStub, AUDITOR)
    inspections = quality.BatchGetInspections(
        qa.BatchGetInspectionsRequest(units=[core_pb2.UnitKey(sku=factory.fg, serial="K-1")])
    ).inspections
    assert len(inspections) == 1  # applied once, though captured twice
    # The same document a third time writes nothing anywhere.
    before = _ledger_sizes(suite)
    job = capture(suite, document(*events), bearer=PLANT)
    assert (job["success"], job["capturedCount"]) == (True, 0)
    assert _ledger_sizes(suite) == before


def test_returns_destroying_and_lots_transformed_into_several_units_act_in_the_suite(
    suite: RunningSuite,
) -> None:
    factory, (_, supplier_gln), (_, customer_gln), (place, place_gln) = _trading_plant(suite)
    boards = [_sgtin(factory.sub_gtin or "", f"RT-{n}") for n in (1, 2, 3)]
    keys = [core_pb2.UnitKey(sku=factory.sub, serial=f"RT-{n}") for n in (1, 2, 3)]
    at_place = {"id": f"https://id.gs1.org/414/{place_gln}"}
    received = _event(
        "ObjectEvent", "2024-08-01T08:00:00Z", epcList=boards, action="ADD",
        bizStep="receiving", bizLocation=at_place,
        sourceList=[{"type": "owning_party", "source": f"https://id.gs1.org/417/{supplier_gln}"}],
    )  # fmt: skip
    shipped = _event(
        "ObjectEvent", "2024-08-01T09:00:00Z", epcList=boards[:2], action="OBSERVE",
        bizStep="shipping", disposition="in_transit",
        destinationList=[{"type": "owning_party",
                          "destination": f"https://id.gs1.org/417/{customer_gln}"}],
    )  # fmt: skip
    for step in (received, shipped):
        job = capture(suite, document(step), bearer=PLANT)
        assert (job["success"], job["errors"]) == (True, []), job["errors"]
    warehouse = _caller(suite, "warehouse", wh_grpc.WarehouseServiceStub, AUDITOR)

    def custody() -> list[tuple[int, str]]:
        stock = warehouse.BatchGetUnitStock(wh.BatchGetUnitStockRequest(units=keys)).units
        return [(u.custody, u.location_code) for u in stock]

    # A return (receiving, returned, an rma) takes a shipped unit back at the bizLocation.
    rma = [{"type": "rma", "bizTransaction": "urn:epcglobal:cbv:bt:4012345000009:RMA-7"}]

    def returned(epc: str, at: str, **fields: Any) -> dict[str, Any]:
        return _event(
            "ObjectEvent", at, epcList=[epc], action="OBSERVE", bizStep="receiving",
            disposition="returned", bizLocation=at_place, **fields,
        )  # fmt: skip

    back = returned(boards[0], "2024-08-02T08:00:00Z", bizTransactionList=rma)
    never_shipped = returned(boards[2], "2024-08-02T08:01:00Z", bizTransactionList=rma)
    no_rma = returned(boards[1], "2024-08-02T08:02:00Z")
    # Rollback: every event is checked before any applies; two are refused, none returns.
    job = capture(suite, document(back, never_shipped, no_rma), bearer=PLANT)
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [
        (1, "FAILED_PRECONDITION"),
        (2, "FAILED_PRECONDITION"),
    ], job["errors"]
    assert "only shipped units come back" in job["errors"][0]["message"]
    assert "a return needs its RMA" in job["errors"][1]["message"]
    shipped_state = (wh.CUSTODY_STATUS_SHIPPED, "")
    assert custody() == [shipped_state, shipped_state, (wh.CUSTODY_STATUS_IN_STOCK, place)]
    job = capture(suite, document(back), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    assert custody()[0] == (wh.CUSTODY_STATUS_IN_STOCK, place)
    trace = """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
        qualityStatus movements { kind reference } components { quantity lot { lotNumber } } } }"""
    graph = GraphClient(suite.url, AUDITOR)
    moves = graph.data(trace, {"sku": factory.sub, "serial": "RT-1"})["unit"]["movements"]
    assert [m["kind"] for m in moves] == ["RECEIVE", "SHIP", "RETURN"]
    assert moves[-1]["reference"].startswith("RMA RMA-7: ")
    # Captured again: stored once, returned once.
    assert capture(suite, document(back), bearer=PLANT)["capturedCount"] == 0
    moves = graph.data(trace, {"sku": factory.sub, "serial": "RT-1"})["unit"]["movements"]
    assert [m["kind"] for m in moves] == ["RECEIVE", "SHIP", "RETURN"]

    # Destroying is quality's nonconformance, dispositioned SCRAP: the unit is REJECTED.
    destroyed = _event(
        "ObjectEvent", "2024-08-03T08:00:00Z", epcList=[boards[2]], action="OBSERVE",
        bizStep="destroying", disposition="destroyed",
    )  # fmt: skip
    refused = capture(suite, document(destroyed), bearer=token("olga", "operator"))
    assert [(e["eventIndex"], e["code"]) for e in refused["errors"]] == [(0, "PERMISSION_DENIED")]
    status = graph.data(trace, {"sku": factory.sub, "serial": "RT-3"})["unit"]["qualityStatus"]
    assert status == "OK"
    job = capture(suite, document(destroyed), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    status = graph.data(trace, {"sku": factory.sub, "serial": "RT-3"})["unit"]["qualityStatus"]
    assert status == "REJECTED"

    # Lots transformed into two units: each unit is made of an equal share of each lot.
    made = factory.commission(factory.sub, ["TF-1", "TF-2"])
    resin = f"https://id.gs1.org/01/{factory.resin_gtin}/10/{factory.lot}"
    transformed = _event(
        "TransformationEvent", "2024-08-04T08:00:00Z", bizStep="commissioning",
        inputQuantityList=[{"epcClass": resin, "quantity": 4, "uom": "KGM"}],
        outputEPCList=[_sgtin(factory.sub_gtin or "", u["serial"]) for u in made],
    )  # fmt: skip
    job = capture(suite, document(transformed), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), job["errors"]
    for unit in made:
        components = graph.data(trace, unit)["unit"]["components"]
        assert components == [{"quantity": 2.0, "lot": {"lotNumber": factory.lot}}]
    # The installs are the captured event's: the follower implies no installing event.
    # (A later fact recorded through the graph marks how far it has followed.)
    factory.as_(QUALITY).data(
        """mutation($u: UnitKey!) { recordInspection(input: {kind: FINAL, unit: $u,
             result: PASS}) { id } }""",
        {"u": made[0]},
    )
    events = _history(suite, _sgtin(factory.sub_gtin or "", "TF-1"), 3)
    assert sorted((e["type"], e.get("bizStep")) for e in events) == [
        ("ObjectEvent", "commissioning"),
        ("ObjectEvent", "inspecting"),
        ("TransformationEvent", "commissioning"),
    ], json.dumps(events, indent=1)
