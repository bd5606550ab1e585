"""The golden path through the graph alone: build, test, approve, pack, ship — then one
`unit` query answers every question of the README's opening paragraph, and `whereUsed` on the
raw lot finds the shipped unit and its customer."""

from __future__ import annotations

from serialtrace.common import gs1
from serialtrace.testing import (
    AUDITOR,
    OPERATOR,
    QUALITY,
    TRACE,
    VIEWER,
    GraphClient,
    GraphFactory,
    RunningSuite,
    build_and_ship,
)


def test_one_unit_query_answers_every_question_and_where_used_finds_the_customer(
    suite: RunningSuite,
) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    built = build_and_ship(factory)
    fg, sub = built["fg"], built["sub"]

    unit = factory.as_(AUDITOR).data(TRACE, fg)["unit"]

    # What is inside it, at every level, and from which supplier's lot.
    assert unit["buildStatus"] == "COMPLETE"
    assert unit["attributes"] == {"color": "blue"}
    assert unit["product"]["gtin"] == factory.fg_gtin
    assert {c["unit"]["serial"] for c in unit["components"] if c["unit"]} == {sub["serial"]}
    inner = next(c["unit"] for c in unit["components"] if c["unit"])
    assert inner["buildStatus"] == "COMPLETE"
    assert [c["lot"]["lotNumber"] for c in inner["components"]] == [factory.lot]
    lot_link = next(c for c in unit["components"] if c["lot"])
    assert lot_link["lot"]["supplier"]["code"] == factory.supplier
    assert lot_link["lot"]["supplierLotNumber"] == "S-778"
    assert lot_link["installedBy"] == "olga"
    assert unit["materialLots"] == [
        {
            "sku": factory.resin,
            "lotNumber": factory.lot,
            "supplier": {"code": factory.supplier},
            "receivedAt": unit["materialLots"][0]["receivedAt"],
        }
    ]
    assert unit["materialLots"][0]["receivedAt"]
    assert unit["workOrder"]["line"] == factory.line
    assert unit["workOrder"]["outputLocation"] == {"code": factory.bin}

    # Where it was tested, with what result, by whom, and who approved it.
    (test,) = [op for op in unit["operations"] if op["operation"] == "FINAL_TEST"]
    assert (test["station"], test["result"], test["operator"]) == ("TEST-3", "PASS", "olga")
    assert test["measurements"] == {"voltage": 12.02, "ok": True}
    assert test["approval"]["by"] == "quinn"
    assert test["approval"]["meaning"] == "test record reviewed"
    assert [(i["kind"], i["result"], i["inspector"]) for i in unit["inspections"]] == [
        ("FINAL", "PASS", "quinn")
    ]

    # When and to whom it shipped, and the path it travelled.
    assert unit["custodyStatus"] == "SHIPPED"
    assert unit["shipment"]["customer"] == {"code": factory.customer, "name": "ACME Retail"}
    assert unit["shipment"]["carrier"] == "DHL"
    assert unit["package"]["sscc"] == built["carton"]
    assert unit["package"]["parent"] == {"sscc": built["pallet"], "kind": "PALLET"}
    # Completion was its goods receipt: straight from the line into packing and shipping.
    kinds = [m["kind"] for m in unit["movements"]]
    assert kinds == ["RECEIVE", "PACK", "SHIP"]
    receipt = unit["movements"][0]
    assert receipt["toLocation"] == {"code": factory.bin}
    assert receipt["reference"] == f"work order {unit['workOrder']['id']}"
    assert unit["qualityStatus"] == "OK"

    # The audit trail comes from every service that touched the unit, in time order.
    trail = unit["auditTrail"]
    assert {e["service"] for e in trail} == {"masterdata", "production", "warehouse", "quality"}
    assert [e["at"] for e in trail] == sorted(e["at"] for e in trail)
    assert all(e["entityId"] == f"{fg['sku']}:{fg['serial']}" for e in trail)

    # Forward: the raw lot reaches the shipped unit and says to whom it went.
    used = factory.as_(VIEWER).data(
        """query($sku: String!, $lot: String!) {
          whereUsed(sku: $sku, lotNumber: $lot) {
            totalCount
            edges { node { sku serial custodyStatus shipment { customer { code } } } }
          }
        }""",
        {"sku": factory.resin, "lot": factory.lot},
    )["whereUsed"]
    assert used["totalCount"] == 1
    node = used["edges"][0]["node"]
    assert (node["sku"], node["serial"]) == (fg["sku"], fg["serial"])
    assert node["shipment"]["customer"]["code"] == factory.customer

    # The same unit, lot and pallet reached by scanning their GS1 codes.
    viewer = factory.as_(VIEWER)
    element = f"(01){factory.fg_gtin}(21){fg['serial']}"
    link = f"https://id.gs1.org/01/{factory.fg_gtin}/21/{fg['serial']}"
    raw = f"01{factory.fg_gtin}21{fg['serial']}"
    for code in (element, link, raw):
        scanned = viewer.data(
            "query($c: String!) { scan(code: $c) { kind unit { sku serial } } }", {"c": code}
        )["scan"]
        assert scanned == {"kind": "UNIT", "unit": {"sku": fg["sku"], "serial": fg["serial"]}}
    pallet = viewer.data(
        "query($c: String!) { scan(code: $c) { kind package { sscc packages { sscc } } } }",
        {"c": f"(00){built['pallet']}"},
    )["scan"]
    assert pallet["package"]["packages"] == [{"sscc": built["carton"]}]
    assert gs1.validate_sscc(built["pallet"]) == built["pallet"]


def test_rework_returns_recalls_and_the_remaining_reads(suite: RunningSuite) -> None:
    factory = GraphFactory(GraphClient(suite.url))
    built = build_and_ship(factory)
    fg, sub = built["fg"], built["sub"]
    operator, quality, viewer = (factory.as_(b) for b in (OPERATOR, QUALITY, VIEWER))

    # A return puts the unit back in stock; rework removes its board with a reason.
    returned = operator.data(
        """mutation($u: UnitKey!, $loc: String!) { returnUnit(input: {unit: $u,
             rmaNumber: "RMA-9", reason: "rattles", locationCode: $loc}) {
             custodyStatus location { code } } }""",
        {"u": fg, "loc": factory.bin},
    )["returnUnit"]
    assert returned == {"custodyStatus": "IN_STOCK", "location": {"code": factory.bin}}
    # Rework happens before completion: a second widget gets a board, then loses it.
    (fg,) = factory.commission(factory.fg, ["W-0002"])
    (sub,) = factory.commission(factory.sub, ["B-0002"])
    operator.data(
        """mutation($p: UnitKey!, $c: UnitKey!) { installComponent(input: {parent: $p,
             component: $c}) { quantity } }""",
        {"p": fg, "c": sub},
    )
    factory.install_lot(factory.fg, fg["serial"], 1)
    removed = operator.data(
        """mutation($p: UnitKey!, $c: UnitKey!) { removeComponent(input: {parent: $p,
             component: $c, reason: "cracked board"}) { removedBy removalReason } }""",
        {"p": fg, "c": sub},
    )["removeComponent"]
    assert removed == {"removedBy": "olga", "removalReason": "cracked board"}
    links = viewer.data(
        """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
             now: components { unit { serial } }
             all: components(includeRemoved: true) { unit { serial } removalReason } } }""",
        fg,
    )["unit"]
    assert [c["unit"] for c in links["now"]] == [None]  # only the resin lot is left
    assert {"unit": {"serial": sub["serial"]}, "removalReason": "cracked board"} in links["all"]

    nc = quality.data(
        """mutation($u: [UnitKey!]) { openNonconformance(input: {units: $u,
             description: "cracked board", disposition: REWORK}) { description disposition
             openedBy } }""",
        {"u": [sub]},
    )["openNonconformance"]
    assert nc == {"description": "cracked board", "disposition": "REWORK", "openedBy": "quinn"}

    recall = quality.data(
        """mutation($l: [LotKey!]) { createRecall(input: {reason: "resin", lots: $l}) {
             id status counts { state count } } }""",
        {"l": [{"sku": factory.resin, "lotNumber": factory.lot}]},
    )["createRecall"]
    read = viewer.data(
        """query($id: ID!) { recall(id: $id) { reason status
             affected(first: 10) { totalCount edges { node { state unit { serial } } } } } }""",
        {"id": recall["id"]},
    )["recall"]
    assert read["status"] == "OPEN" and read["affected"]["totalCount"] >= 1

    # The returned widget goes into a new carton, which is then unpacked again.
    shipped_carton = viewer.data(
        "query($s: String!) { package(sscc: $s) { kind shipment { id } } }",
        {"s": built["carton"]},
    )["package"]
    assert shipped_carton["kind"] == "CARTON" and shipped_carton["shipment"]
    widget = {"sku": factory.fg, "serial": "W-0001"}
    carton = operator.data(
        "mutation($u: [UnitKey!]) { pack(input: {kind: CARTON, units: $u}) { sscc } }",
        {"u": [widget]},
    )["pack"]["sscc"]
    unpacked = operator.data("mutation($s: String!) { unpack(sscc: $s) { sscc } }", {"s": carton})[
        "unpack"
    ]
    assert unpacked["sscc"] == carton
    assert (
        viewer.data("query($s: String!) { package(sscc: $s) { units { serial } } }", {"s": carton})[
            "package"
        ]["units"]
        == []
    )

    found = viewer.data(
        "query($s: String!) { findUnits(serial: $s) { sku serial } }", {"s": "W-0001"}
    )["findUnits"]
    assert {"sku": factory.fg, "serial": "W-0001"} in found
    lot = viewer.data(
        """query($sku: String!, $lot: String!) { lot(sku: $sku, lotNumber: $lot) {
             product { kind } supplier { code } quantityOnHand stock { quantity location { code } }
             qualityStatus whereUsed { totalCount } } }""",
        {"sku": factory.resin, "lot": factory.lot},
    )["lot"]
    assert lot["supplier"] == {"code": factory.supplier}
    assert lot["quantityOnHand"] == 1000 - 4
    assert lot["stock"] == [{"quantity": 996.0, "location": {"code": factory.bin}}]

    received = operator.data(
        """mutation($sku: String!, $sup: String!, $loc: String!) { receiveUnits(input: {
             sku: $sku, serials: ["P-1", "P-2"], supplierCode: $sup, locationCode: $loc}) {
             serial buildStatus custodyStatus } }""",
        {"sku": factory.sub, "sup": factory.supplier, "loc": factory.bin},
    )["receiveUnits"]
    assert received == [
        {"serial": "P-1", "buildStatus": "PURCHASED", "custodyStatus": "IN_STOCK"},
        {"serial": "P-2", "buildStatus": "PURCHASED", "custodyStatus": "IN_STOCK"},
    ]
