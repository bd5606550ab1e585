"""Label rendering alone (no services): every format, read back by a real decoder."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from serialtrace.common.gs1 import Gs1Error
from serialtrace.gateway.labels import LabelFormat, Symbol, render

SVG_TEXT = "{http://www.w3.org/2000/svg}text"
UNIT = {"01": "09506000134352", "21": "SN123", "10": "LOT(7)", "17": "261200"}


def test_a_unit_label_with_lot_and_expiry_decodes_to_what_it_says_it_encodes() -> None:
    label = render(Symbol.DATAMATRIX, UNIT, "Widget", LabelFormat.PNG)
    assert label.encodes == "(01)09506000134352(10)LOT\\(7)(17)261200(21)SN123"
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(label.body)))
    assert barcode.format == zxingcpp.BarcodeFormat.DataMatrix
    assert barcode.symbology_identifier == "]d2"  # GS1 DataMatrix: FNC1 in first position
    assert barcode.text == "(01)09506000134352(10)LOT(7)(17)261200(21)SN123"


def test_a_pallet_label_is_gs1_128() -> None:
    label = render(Symbol.GS1_128, {"00": "106141412345678908"}, "Pallet", LabelFormat.PNG)
    (barcode,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(label.body)))
    assert (barcode.symbology_identifier, barcode.text) == ("]C1", "(00)106141412345678908")


def test_svg_and_pdf_carry_the_data_titles_and_zpl_the_fnc1_data() -> None:
    svg = render(Symbol.DATAMATRIX, UNIT, "Widget", LabelFormat.SVG).body
    texts = [t.text for t in ET.fromstring(svg).iter(SVG_TEXT)]  # noqa: S314 - our own SVG
    assert texts == [
        "Widget",
        "GTIN (01) 09506000134352",
        "BATCH/LOT (10) LOT(7)",
        "USE BY or EXPIRY (17) 261200",
        "SERIAL (21) SN123",
    ]
    pdf = render(Symbol.DATAMATRIX, UNIT, "Widget", LabelFormat.PDF).body
    assert pdf.startswith(b"%PDF-") and b"USE BY or EXPIRY \\(17\\) 261200" in pdf
    zpl = render(Symbol.DATAMATRIX, UNIT, "Widget_^~", LabelFormat.ZPL).body.decode()
    # (10) has no predefined length, so FNC1 (~1) ends it; (17) does not need one.
    assert "^FD~10109506000134352" + "10LOT(7)~1" + "17261200" + "21SN123^FS" in zpl
    assert "^FH^FDWidget_5F_5E_7E^FS" in zpl  # text cannot end a ZPL field early


@pytest.mark.parametrize(
    "ais", [{"01": "09506000134353", "21": "S"}, {"21": "S"}, {"01": "09506000134352", "21": "S 1"}]
)
def test_data_gs1_forbids_is_never_rendered(ais: dict[str, str]) -> None:
    with pytest.raises(Gs1Error):
        render(Symbol.DATAMATRIX, ais, "x", LabelFormat.SVG)
