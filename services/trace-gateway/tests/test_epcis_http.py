"""EPCIS 2.0 over HTTP under /epcis, against a real suite (the EPCIS service included):
capture jobs and their error behaviours, limits, auth, and queries whose every answer is
an EPCISQueryDocument valid against the 2.0.1 schema."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import grpc
import pytest

from serialtrace.common.epc import to_digital_link
from serialtrace.common.gs1 import gs1_check_digit
from serialtrace.common.testing import Caller, TestDatabases, token, unique
from serialtrace.core.v1 import core_pb2
from serialtrace.epcis.event_hash import event_hash
from serialtrace.epcis.testing import document, object_event, serial, sgtin
from serialtrace.epcis.validation import validate_document
from serialtrace.masterdata.v1 import masterdata_pb2 as md
from serialtrace.masterdata.v1 import masterdata_pb2_grpc as md_grpc
from serialtrace.production.v1 import production_pb2 as pp
from serialtrace.production.v1 import production_pb2_grpc as pp_grpc
from serialtrace.quality.v1 import quality_pb2 as qa
from serialtrace.quality.v1 import quality_pb2_grpc as qa_grpc
from serialtrace.testing import RunningSuite, start_suite
from serialtrace.warehouse.v1 import warehouse_pb2 as wh
from serialtrace.warehouse.v1 import warehouse_pb2_grpc as wh_grpc

_GTINS = itertools.count(int(time.time() * 1000))
CAPTURE_LIMIT = 60  # events; small, so that a test can go over it
OPERATOR, VIEWER = token("olga", "operator"), token("vic", "viewer")
PLANT = token("pat", "operator", "planner", "quality")  # may commission, pack, inspect


@pytest.fixture(scope="module")
def suite(test_databases: TestDatabases) -> Iterator[RunningSuite]:
    running = start_suite(test_databases, GATEWAY_EPCIS_CAPTURE_LIMIT=str(CAPTURE_LIMIT))
    yield running
    running.stop()


class Reply:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.raw = status, headers, body

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def call(
    suite: RunningSuite,
    method: str,
    path: str,
    body: Any = None,
    bearer: str | None = OPERATOR,
    headers: dict[str, str] | None = None,
) -> Reply:
    base = suite.gateway.url.removesuffix("/graphql")
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("content-type", "application/ld+json")
    if bearer:
        request.add_header("authorization", f"Bearer {bearer}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.headers, error.read())


def capture(
    suite: RunningSuite, doc: Any, behaviour: str | None = None, bearer: str = OPERATOR
) -> dict[str, Any]:
    headers = {"GS1-Capture-Error-Behaviour": behaviour} if behaviour else {}
    reply = call(suite, "POST", "/epcis/capture", doc, bearer=bearer, headers=headers)
    assert reply.status == 202, reply.raw
    location = reply.headers["Location"]
    assert location.startswith("/epcis/capture/")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = call(suite, "GET", location, bearer=VIEWER).json
        if not job["running"]:
            return dict(job)
        time.sleep(0.02)
    raise AssertionError("the capture did not finish")


def query(suite: RunningSuite, path: str = "/epcis/events", **parameters: str) -> Reply:
    reply = call(
        suite, "GET", f"{path}?{urlencode(parameters)}" if parameters else path, bearer=VIEWER
    )
    if reply.status == 200:
        assert validate_document(reply.json) == []
        assert reply.json["type"] == "EPCISQueryDocument"
    return reply


def event_list(reply: Reply) -> list[dict[str, Any]]:
    return list(reply.json["epcisBody"]["queryResults"]["resultsBody"]["eventList"])


def test_options_advertise_the_capture_limits(suite: RunningSuite) -> None:
    reply = call(suite, "OPTIONS", "/epcis/capture", bearer=None)
    assert reply.status == 204
    assert reply.headers["GS1-EPCIS-Capture-Limit"] == str(CAPTURE_LIMIT)
    assert int(reply.headers["GS1-EPCIS-Capture-File-Size-Limit"]) > 0
    assert reply.headers["GS1-Capture-Error-Behaviour"] == "rollback, proceed"


def test_a_captured_document_is_answered_as_a_valid_query_document(suite: RunningSuite) -> None:
    epc = sgtin(serial())
    first = object_event(epc, bizStep="arriving", disposition="active", action="ADD")
    second = object_event(epc)
    job = capture(suite, document(first, second))
    assert (job["success"], job["captureErrorBehaviour"], job["errors"]) == (True, "rollback", [])
    assert "finishedAt" in job
    found = event_list(query(suite, MATCH_epc=epc))
    assert [e["eventID"] for e in found] == [event_hash(first), event_hash(second)]
    # The same EPC as a Digital Link finds the same events; so does /epcs/{epc}/events.
    assert event_list(query(suite, MATCH_epc=to_digital_link(epc))) == found
    assert event_list(query(suite, f"/epcis/epcs/{quote(epc, safe='')}/events")) == found
    # And the same document again changes nothing.
    assert capture(suite, document(first, second))["capturedCount"] == 0
    assert len(event_list(query(suite, MATCH_epc=epc))) == 2


def test_rollback_refuses_an_invalid_document_naming_the_failing_path(suite: RunningSuite) -> None:
    epc = sgtin(serial())
    doc = document(object_event(epc), object_event(epc, disposition="in_transport"))
    reply = call(suite, "POST", "/epcis/capture", doc)
    assert reply.status == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json["type"] == "epcisException:ValidationException"
    assert [(e["eventIndex"], e["pointer"]) for e in reply.json["errors"]] == [
        (1, "/epcisBody/eventList/1/disposition")
    ]
    assert event_list(query(suite, MATCH_epc=epc)) == []


def test_proceed_captures_the_valid_events_and_reports_the_others(suite: RunningSuite) -> None:
    epc = sgtin(serial())
    doc = document(object_event(epc, action="CREATE"), object_event(epc))
    job = capture(suite, doc, "proceed")
    assert (job["success"], job["captureErrorBehaviour"], job["capturedCount"]) == (
        False,
        "proceed",
        1,
    )
    assert [e["pointer"] for e in job["errors"]] == ["/epcisBody/eventList/0/action"]
    assert len(event_list(query(suite, MATCH_epc=epc))) == 1


def test_limits_media_type_and_behaviour_header_are_enforced(suite: RunningSuite) -> None:
    too_many = document(*(object_event() for _ in range(CAPTURE_LIMIT + 1)))
    reply = call(suite, "POST", "/epcis/capture", too_many)
    assert (reply.status, reply.json["type"]) == (
        413,
        "epcisException:CaptureLimitExceededException",
    )
    plain = call(suite, "POST", "/epcis/capture", b"{}", headers={"content-type": "text/plain"})
    assert plain.status == 415
    odd = call(
        suite, "POST", "/epcis/capture", document(), headers={"GS1-Capture-Error-Behaviour": "all"}
    )
    assert odd.status == 400 and "rollback or proceed" in odd.json["detail"]
    broken = call(suite, "POST", "/epcis/capture", b"{not json")
    assert broken.status == 400 and "not JSON" in broken.json["detail"]


def test_a_viewer_can_query_but_not_capture_and_no_token_is_401(suite: RunningSuite) -> None:
    assert call(suite, "POST", "/epcis/capture", document(), bearer=VIEWER).status == 403
    assert call(suite, "POST", "/epcis/events", object_event(), bearer=VIEWER).status == 403
    assert call(suite, "GET", "/epcis/events", bearer=None).status == 401
    assert call(suite, "GET", "/epcis/events", bearer=VIEWER).status == 200


def test_one_event_is_created_once(suite: RunningSuite) -> None:
    event = object_event(sgtin(serial()))
    created = call(suite, "POST", "/epcis/events", event)
    assert created.status == 201
    assert created.headers["Location"] == f"/epcis/events/{quote(event_hash(event), safe='')}"
    again = call(suite, "POST", "/epcis/events", event)
    assert (again.status, again.json["type"]) == (
        409,
        "epcisException:ResourceAlreadyExistsException",
    )
    found = query(suite, created.headers["Location"])
    assert [e["eventID"] for e in event_list(found)] == [event_hash(event)]
    missing = query(
        suite, "/epcis/events/" + quote("urn:uuid:00000000-0000-4000-8000-000000000000")
    )
    assert missing.status == 404


def test_pages_follow_the_link_header(suite: RunningSuite) -> None:
    epc = sgtin(serial())
    events = [object_event(epc, eventTime=f"2024-05-01T10:0{n}:00Z") for n in range(5)]
    assert capture(suite, document(*events))["success"]
    seen: list[str] = []
    path = f"/epcis/events?{urlencode({'MATCH_epc': epc, 'perPage': 2})}"
    pages = 0
    while path:
        reply = call(suite, "GET", path, bearer=VIEWER)
        assert reply.status == 200 and validate_document(reply.json) == []
        seen += [e["eventID"] for e in event_list(reply)]
        pages += 1
        link = reply.headers.get("Link")
        path = link.split(">")[0].lstrip("<") if link else ""
        if link:
            assert link.endswith('rel="next"')
    assert pages == 3
    assert seen == [event_hash(e) for e in events]


def test_every_standard_parameter_filters(suite: RunningSuite) -> None:
    tag = serial()
    unit, parent, lot = (
        sgtin(tag),
        f"urn:epc:id:sscc:4012345.{int(tag[1:].split('x')[0]):010d}",
        sgtin(tag + "in"),
    )
    output = sgtin(tag + "out")
    place = "urn:epc:id:sgln:4012345.00002.0"
    shipped = object_event(unit, eventTime="2024-06-01T10:00:00Z", bizLocation={"id": place})
    packed = {
        "type": "AggregationEvent",
        "eventTime": "2024-06-02T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": parent,
        "childEPCs": [unit],
        "action": "ADD",
        "bizStep": "loading",  # loading has no effect here (packing would pack the unit)
        "disposition": "in_progress",
        "readPoint": {"id": "urn:epc:id:sgln:4012345.00003.0"},
    }
    transformed = {
        "type": "TransformationEvent",
        "eventTime": "2024-06-03T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputEPCList": [lot],
        "outputEPCList": [output, unit],
        "bizStep": "commissioning",
    }
    assert capture(suite, document(shipped, packed, transformed))["success"]
    ids = {event_hash(shipped): "shipped", event_hash(packed): "packed",
           event_hash(transformed): "transformed"}  # fmt: skip

    def names(**parameters: str) -> list[str]:
        reply = query(suite, MATCH_anyEPC=unit, **parameters)
        assert reply.status == 200, reply.raw
        return [ids[e["eventID"]] for e in event_list(reply)]

    assert names() == ["shipped", "packed", "transformed"]
    assert names(eventType="AggregationEvent|TransformationEvent") == ["packed", "transformed"]
    assert names(EQ_action="ADD") == ["packed"]
    assert names(EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping") == ["shipped"]
    assert names(EQ_disposition="in_progress") == ["packed"]
    assert names(EQ_bizLocation=to_digital_link(place)) == ["shipped"]
    assert names(EQ_readPoint="urn:epc:id:sgln:4012345.00003.0") == ["packed"]
    assert names(GE_eventTime="2024-06-02T00:00:00Z") == ["packed", "transformed"]
    assert names(LT_eventTime="2024-06-02T00:00:00Z") == ["shipped"]
    assert names(GE_recordTime="2999-01-01T00:00:00Z") == []
    assert names(GE_recordTime="2000-01-01T00:00:00Z") == ["shipped", "packed", "transformed"]
    for parameter, value, expected in [
        ("MATCH_epc", unit, ["shipped", "packed"]),
        ("MATCH_parentID", parent, ["packed"]),
        ("MATCH_inputEPC", lot, ["transformed"]),
        ("MATCH_outputEPC", output, ["transformed"]),
    ]:
        reply = query(suite, **{parameter: value})
        assert [ids[e["eventID"]] for e in event_list(reply)] == expected, parameter


def test_bad_query_parameters_are_refused_with_a_reason(suite: RunningSuite) -> None:
    unknown = query(suite, EQ_colour="red")
    assert unknown.status == 400 and "EQ_colour" in unknown.json["detail"]
    bad_time = query(suite, GE_eventTime="yesterday")
    assert bad_time.status == 400 and "GE_eventTime" in bad_time.json["detail"]
    bad_page = query(suite, perPage="5000")
    assert bad_page.status == 400 and "perPage" in bad_page.json["detail"]
    bad_token = query(suite, nextPageToken="forged")
    assert bad_token.status == 400 and "nextPageToken" in bad_token.json["detail"]


# --- events acting in the suite -------------------------------------------------------------


def _product_with_gtin(suite: RunningSuite, bom: list[str] | None = None) -> tuple[str, str]:
    """A serialised product with a fresh GTIN (and an approved BOM of `bom`): (sku, gtin)."""
    body = f"40{next(_GTINS) % 10**11:011d}"
    gtin = body + str(gs1_check_digit(body))
    sku = unique("EPC")
    masterdata = Caller(
        md_grpc.MasterdataServiceStub(grpc.insecure_channel(suite.services.addrs["masterdata"])),
        token("ada", "admin"),
    )
    masterdata.CreateProduct(
        md.CreateProductRequest(
            product=md.Product(
                sku=sku, name=sku, kind=md.PRODUCT_KIND_FINISHED,
                tracking=md.TRACKING_MODE_SERIAL, gtin=gtin, serial_pattern="[A-Z0-9]{1,20}",
            )
        )
    )  # fmt: skip
    if bom:
        masterdata.CreateBomRevision(
            md.CreateBomRevisionRequest(
                sku=sku, revision="A", items=[md.BomItem(sku=i, quantity=1) for i in bom]
            )
        )
        masterdata.ApproveBomRevision(
            md.ApproveBomRevisionRequest(sku=sku, revision="A", meaning="released")
        )
    return sku, gtin


def _units(suite: RunningSuite, sku: str, serials: list[str]) -> list[str]:
    masterdata = Caller(
        md_grpc.MasterdataServiceStub(grpc.insecure_channel(suite.services.addrs["masterdata"])),
        token("vic", "viewer"),
    )
    reply = masterdata.BatchGetUnits(
        md.BatchGetUnitsRequest(keys=[core_pb2.UnitKey(sku=sku, serial=s) for s in serials])
    )
    return sorted(u.serial for u in reply.units)


def test_commissioning_registers_units_and_inspecting_records_inspections(
    suite: RunningSuite,
) -> None:
    sku, gtin = _product_with_gtin(suite)
    epcs = [f"https://id.gs1.org/01/{gtin}/21/S{n}" for n in (1, 2)]
    commissioned = object_event(*epcs, action="ADD", bizStep="commissioning", disposition="active")
    inspected = object_event(
        epcs[0],
        bizStep="inspecting",
        disposition="non_conformant",
        eventTime="2024-05-01T11:00:00Z",
    )
    # An operator may commission but not inspect: nothing applies (rollback).
    refused = capture(suite, document(commissioned, inspected))
    assert [(e["eventIndex"], e["code"]) for e in refused["errors"]] == [(1, "PERMISSION_DENIED")]
    assert _units(suite, sku, ["S1", "S2"]) == []
    job = capture(suite, document(commissioned, inspected), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), json.dumps(job["errors"])
    assert _units(suite, sku, ["S1", "S2"]) == ["S1", "S2"]
    quality = Caller(
        qa_grpc.QualityServiceStub(grpc.insecure_channel(suite.services.addrs["quality"])),
        token("vic", "viewer"),
    )
    inspections = quality.BatchGetInspections(
        qa.BatchGetInspectionsRequest(units=[core_pb2.UnitKey(sku=sku, serial="S1")])
    ).inspections
    assert [i.result for i in inspections] == [core_pb2.RESULT_FAIL]
    # Captured again: the events are stored once and the units registered once.
    assert capture(suite, document(commissioned, inspected), bearer=PLANT)["capturedCount"] == 0


def test_rollback_applies_nothing_when_one_event_breaks_a_rule(suite: RunningSuite) -> None:
    sku, gtin = _product_with_gtin(suite)
    good = object_event(
        f"https://id.gs1.org/01/{gtin}/21/R1", action="ADD", bizStep="commissioning"
    )
    unknown_unit = object_event(
        f"https://id.gs1.org/01/{gtin}/21/R9", bizStep="inspecting", disposition="conformant"
    )
    job = capture(suite, document(good, unknown_unit), bearer=PLANT)
    assert (job["success"], job["capturedCount"]) == (False, 0)
    assert [(e["eventIndex"], e["code"]) for e in job["errors"]] == [(1, "FAILED_PRECONDITION")]
    assert "not registered" in job["errors"][0]["message"]
    assert _units(suite, sku, ["R1"]) == []
    assert event_list(query(suite, MATCH_epc=good["epcList"][0])) == []
    # With proceed the commissioning applies and the inspection is reported.
    job = capture(suite, document(good, unknown_unit), "proceed", bearer=PLANT)
    assert (job["success"], job["capturedCount"]) == (False, 1)
    assert _units(suite, sku, ["R1"]) == ["R1"]


def test_the_roles_each_effect_needs_are_its_owners_roles() -> None:
    from serialtrace.epcis.peers import EFFECT_CALLS
    from serialtrace.masterdata.api import METHOD_ROLES as MASTERDATA
    from serialtrace.production.api import METHOD_ROLES as PRODUCTION
    from serialtrace.quality.api import METHOD_ROLES as QUALITY
    from serialtrace.warehouse.api import METHOD_ROLES as WAREHOUSE

    owners = {
        "masterdata": MASTERDATA,
        "production": PRODUCTION,
        "quality": QUALITY,
        "warehouse": WAREHOUSE,
    }
    for service, rpc, allowed in EFFECT_CALLS.values():
        assert owners[service][rpc] == allowed, rpc


@pytest.mark.parametrize("step", ["installing", "transformation"])
def test_installing_records_genealogy_in_production(suite: RunningSuite, step: str) -> None:
    """An AssociationEvent installing, or a TransformationEvent whose input is consumed
    into one output unit, installs the component in production."""
    component_sku, component_gtin = _product_with_gtin(suite)
    parent_sku, parent_gtin = _product_with_gtin(suite, bom=[component_sku])
    parent = f"https://id.gs1.org/01/{parent_gtin}/21/P1"
    component = f"https://id.gs1.org/01/{component_gtin}/21/C1"
    production = Caller(
        pp_grpc.ProductionServiceStub(grpc.insecure_channel(suite.services.addrs["production"])),
        token("pat", "planner"),
    )
    # The component is bought: received into stores (which registers it), by the warehouse.
    admin = Caller(
        md_grpc.MasterdataServiceStub(grpc.insecure_channel(suite.services.addrs["masterdata"])),
        token("ada", "admin"),
    )
    store, supplier = unique("LOC"), unique("SUP")
    admin.CreateLocation(
        md.CreateLocationRequest(
            location=md.Location(code=store, name=store, kind=md.LOCATION_KIND_WAREHOUSE)
        )
    )
    order = production.CreateWorkOrder(
        pp.CreateWorkOrderRequest(
            sku=parent_sku, quantity=1, bom_revision="A", line="L1", output_location_code=store
        )
    ).work_order
    built = object_event(
        parent,
        action="ADD",
        bizStep="commissioning",
        bizTransactionList=[
            {
                "type": "prodorder",
                "bizTransaction": f"urn:epcglobal:cbv:bt:4012345000009:{order.id}",
            }
        ],
    )
    admin.CreateParty(
        md.CreatePartyRequest(
            party=md.Party(code=supplier, name=supplier, kind=md.PARTY_KIND_SUPPLIER)
        )
    )
    warehouse = Caller(
        wh_grpc.WarehouseServiceStub(grpc.insecure_channel(suite.services.addrs["warehouse"])),
        token("olga", "operator"),
    )
    warehouse.ReceiveUnits(
        wh.ReceiveUnitsRequest(
            sku=component_sku, serials=["C1"], supplier_code=supplier, location_code=store
        )
    )
    installing = {
        "type": "AssociationEvent",
        "eventTime": "2024-05-01T12:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "parentID": parent,
        "childEPCs": [component],
        "action": "ADD",
        "bizStep": "installing",
    }
    transformation = {
        "type": "TransformationEvent",
        "eventTime": "2024-05-01T12:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "inputEPCList": [component],
        "outputEPCList": [parent],
        "bizStep": "assembling",
    }
    consumed = installing if step == "installing" else transformation
    job = capture(suite, document(built, consumed), bearer=PLANT)
    assert (job["success"], job["errors"]) == (True, []), json.dumps(job["errors"])
    components = production.BatchGetComponents(
        pp.BatchGetComponentsRequest(units=[core_pb2.UnitKey(sku=parent_sku, serial="P1")])
    )
    assert [(c.component_unit.sku, c.component_unit.serial) for c in components.links] == [
        (component_sku, "C1")
    ]
