"""GS1 labels through the real suite: rendered, decoded by a real barcode reader
(zxing-cpp), and scanned back through the graph to the same unit or package; the
HTTP label routes; and what `scan` reports beside what it found."""

from __future__ import annotations

import base64
import io
import secrets
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import zxingcpp
from PIL import Image

from serialtrace.testing import (
    ADMIN,
    OPERATOR,
    PLANNER,
    VIEWER,
    GraphClient,
    GraphFactory,
    RunningSuite,
    build_and_ship,
    codes,
    gtin_for,
    unique,
)

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
UNIT_LABEL = """query($sku: String!, $serial: String!, $f: LabelFormat) {
  unit(sku: $sku, serial: $serial) { label(format: $f) { format contentType data encodes } }
}"""
SCAN = """query($c: String!) {
  scan(code: $c) {
    kind unit { sku serial } lot { sku lotNumber } package { sscc }
    elements { ai title value } warnings
  }
}"""


@pytest.fixture(scope="module")
def built(suite: RunningSuite) -> dict[str, Any]:
    factory = GraphFactory(GraphClient(suite.url))
    return {"factory": factory, **build_and_ship(factory)}


def _decode_png(data: str) -> str:
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    (barcode,) = zxingcpp.read_barcodes(image)
    return barcode.text


def test_a_unit_label_decodes_and_scans_back_to_the_same_unit(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    factory, fg = built["factory"], built["fg"]
    viewer = factory.as_(VIEWER)
    label = viewer.data(UNIT_LABEL, {"sku": fg["sku"], "serial": fg["serial"], "f": "PNG"})
    label = label["unit"]["label"]
    assert label["contentType"] == "image/png"
    assert label["encodes"] == f"(01){factory.fg_gtin}(21){fg['serial']}"

    decoded = _decode_png(label["data"])
    assert decoded == label["encodes"]
    scanned = viewer.data(SCAN, {"c": decoded})["scan"]
    assert scanned["kind"] == "UNIT"
    assert scanned["unit"] == {"sku": fg["sku"], "serial": fg["serial"]}
    assert scanned["elements"] == [
        {"ai": "01", "title": "GTIN", "value": factory.fg_gtin},
        {"ai": "21", "title": "SERIAL", "value": fg["serial"]},
    ]
    assert scanned["warnings"] == []


def test_a_digital_link_qr_unit_label_decodes_and_scans_back_to_the_same_unit(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    factory, fg = built["factory"], built["fg"]
    viewer = factory.as_(VIEWER)
    label = viewer.data(
        """query($sku: String!, $serial: String!) { unit(sku: $sku, serial: $serial) {
             label(format: PNG, symbol: DIGITAL_LINK_QR) { data encodes } } }""",
        {"sku": fg["sku"], "serial": fg["serial"]},
    )["unit"]["label"]
    uri = f"https://id.gs1.org/01/{factory.fg_gtin}/21/{fg['serial']}"
    assert label["encodes"] == uri
    image = Image.open(io.BytesIO(base64.b64decode(label["data"])))
    (barcode,) = zxingcpp.read_barcodes(image)
    assert (barcode.format, barcode.text) == (zxingcpp.BarcodeFormat.QRCode, uri)
    scanned = viewer.data(SCAN, {"c": barcode.text})["scan"]
    assert (scanned["kind"], scanned["unit"]) == (
        "UNIT",
        {"sku": fg["sku"], "serial": fg["serial"]},
    )

    # The same from the printing station's route; a symbol it does not know is refused.
    base = f"{suite.url.removesuffix('/graphql')}/labels/unit/{fg['sku']}/{fg['serial']}"
    status, _, png = _get(base + ".png?symbol=qr", VIEWER)
    (printed,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert (status, printed.text) == (200, uri)
    status, _, zpl = _get(base + ".zpl?symbol=qr", VIEWER)
    assert status == 200 and f"^FDMA,{uri}^FS".encode() in zpl
    status, _, refused = _get(base + ".png?symbol=aztec", VIEWER)
    assert status == 400 and b"symbol=qr" in refused


def test_a_pallet_label_decodes_and_scans_back_to_the_same_package(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    viewer = built["factory"].as_(VIEWER)
    pallet = built["pallet"]
    label = viewer.data(
        """query($c: String!) { scan(code: $c) { package {
             label(format: PNG) { contentType data encodes } } } }""",
        {"c": f"(00){pallet}"},
    )["scan"]["package"]["label"]
    assert label["encodes"] == f"(00){pallet}"
    decoded = _decode_png(label["data"])
    assert decoded == f"(00){pallet}"
    scanned = viewer.data(SCAN, {"c": decoded})["scan"]
    assert (scanned["kind"], scanned["package"]) == ("PACKAGE", {"sscc": pallet})
    assert scanned["elements"] == [{"ai": "00", "title": "SSCC", "value": pallet}]


def _get(url: str, bearer: str | None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 - the gateway under test, on 127.0.0.1
    if bearer:
        request.add_header("authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers["content-type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read()


def test_labels_over_http_in_every_format_for_any_role(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    base = suite.url.removesuffix("/graphql")
    fg, factory = built["fg"], built["factory"]
    unit_url = f"{base}/labels/unit/{fg['sku']}/{fg['serial']}"

    status, kind, png = _get(unit_url + ".png", VIEWER)
    assert (status, kind) == (200, "image/png")
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert barcode.text == f"(01){factory.fg_gtin}(21){fg['serial']}"

    status, kind, svg = _get(unit_url + ".svg", OPERATOR)
    assert (status, kind.split(";")[0]) == (200, "image/svg+xml")
    texts = [t.text for t in ET.fromstring(svg).iter(SVG_TEXT)]  # noqa: S314 - our own SVG
    assert f"GTIN (01) {factory.fg_gtin}" in texts and f"SERIAL (21) {fg['serial']}" in texts

    status, kind, pdf = _get(unit_url + ".pdf", VIEWER)
    assert (status, kind, pdf[:5]) == (200, "application/pdf", b"%PDF-")

    status, kind, zpl = _get(unit_url + ".zpl", VIEWER)
    assert status == 200 and zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    assert f"^FD~101{factory.fg_gtin}21{fg['serial']}^FS".encode() in zpl

    status, kind, zpl = _get(f"{base}/labels/package/{built['pallet']}.zpl", VIEWER)
    assert status == 200 and f"^FD(00){built['pallet']}^FS".encode() in zpl

    assert _get(unit_url + ".png", None)[0] == 401
    assert _get(unit_url + ".gif", VIEWER)[0] == 400
    assert _get(f"{base}/labels/unit/{fg['sku']}/NO-SUCH-UNIT.png", VIEWER)[0] == 404
    assert _get(f"{base}/labels/package/106141412345678908.svg", VIEWER)[0] == 404


def test_a_lot_label_whose_expiry_disagrees_with_the_lot_is_reported(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    factory = built["factory"]
    sku, lot, gtin = unique("MED"), unique("L"), gtin_for(secrets.randbelow(900_000) + 100_000)
    factory.as_(ADMIN).data(
        """mutation($sku: String!, $gtin: String!) {
          createProduct(input: {sku: $sku, name: "Saline", kind: MATERIAL, tracking: LOT,
                                gtin: $gtin}) { sku } }""",
        {"sku": sku, "gtin": gtin},
    )
    factory.as_(OPERATOR).data(
        """mutation($sku: String!, $lot: String!, $sup: String!, $bin: String!) {
          receiveLot(input: {sku: $sku, lotNumber: $lot, quantity: 10, supplierCode: $sup,
                             locationCode: $bin, expiresAt: "2027-03-31T00:00:00Z"}) {
            quantityOnHand } }""",
        {"sku": sku, "lot": lot, "sup": factory.supplier, "bin": factory.bin},
    )
    viewer = factory.as_(VIEWER)

    matching = viewer.data(SCAN, {"c": f"(01){gtin}(17)270331(10){lot}"})["scan"]
    assert (matching["kind"], matching["lot"]) == ("LOT", {"sku": sku, "lotNumber": lot})
    assert matching["warnings"] == []
    assert {"ai": "17", "title": "USE BY or EXPIRY", "value": "270331"} in matching["elements"]
    # Day 00 is the last day of the month: the same expiry.
    assert viewer.data(SCAN, {"c": f"(01){gtin}(17)270300(10){lot}"})["scan"]["warnings"] == []

    wrong = viewer.data(SCAN, {"c": f"(01){gtin}(17)270228(10){lot}"})["scan"]
    assert wrong["kind"] == "LOT"
    assert wrong["warnings"] == [
        f"the label's expiry (17) 2027-02-28 disagrees with lot {sku}/{lot}, "
        "which expires 2027-03-31"
    ]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("(01)09506000134352(02)09506000134352(37)1", "must not appear together"),
        ("(01)09506000134352(250)X", "needs (21)"),
        ("https://id.gs1.org/01/09506000134352?21=S1", "belongs in the path"),
        ("(01)09506000134352(21)S1 ", "contains ' '"),
    ],
)
def test_scan_refuses_what_gs1_forbids_as_bad_user_input(
    suite: RunningSuite, code: str, expected: str
) -> None:
    errors = GraphClient(suite.url, VIEWER).errors(SCAN, {"c": code})
    assert codes(errors) == ["BAD_USER_INPUT"]
    assert expected in errors[0]["message"]


def test_scan_accepts_symbology_identifiers_and_data_attributes(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    factory, fg = built["factory"], built["fg"]
    viewer = factory.as_(VIEWER)
    unit = {"sku": fg["sku"], "serial": fg["serial"]}
    for code in (
        f"]d201{factory.fg_gtin}21{fg['serial']}",
        f"]C101{factory.fg_gtin}21{fg['serial']}",
        f"]Q1https://id.gs1.org/01/{factory.fg_gtin}/21/{fg['serial']}?3103=000195",
        f"(01){factory.fg_gtin}(21){fg['serial']}(01){factory.fg_gtin}",
    ):
        assert viewer.data(SCAN, {"c": code})["scan"]["unit"] == unit, code


def test_a_unit_label_carries_the_lot_and_expiry_its_attributes_record(
    suite: RunningSuite, built: dict[str, Any]
) -> None:
    factory = built["factory"]
    planner = factory.as_(PLANNER)
    order = planner.data(
        """mutation($sku: String!, $out: String) {
          createWorkOrder(input: {sku: $sku, quantity: 1, bomRevision: "A",
                                  outputLocationCode: $out}) { id } }""",
        {"sku": factory.fg, "out": factory.bin},
    )["createWorkOrder"]
    serial = unique("W")
    planner.data(
        """mutation($wo: ID!, $serials: [String!]) {
          commissionUnits(input: {workOrderId: $wo, serials: $serials,
                                  attributes: {lot: "B-42", expiry: "2027-06-30"}}) { serial }
        }""",
        {"wo": order["id"], "serials": [serial]},
    )
    label = factory.as_(VIEWER).data(UNIT_LABEL, {"sku": factory.fg, "serial": serial, "f": "PNG"})[
        "unit"
    ]["label"]
    assert label["encodes"] == f"(01){factory.fg_gtin}(10)B-42(17)270630(21){serial}"
    decoded = _decode_png(label["data"])
    scanned = factory.as_(VIEWER).data(SCAN, {"c": decoded})["scan"]
    assert scanned["unit"] == {"sku": factory.fg, "serial": serial}
    assert [e["ai"] for e in scanned["elements"]] == ["01", "10", "17", "21"]
