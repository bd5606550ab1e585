"""GS1 codes as scanners and labels produce them."""

from __future__ import annotations

import pytest

from serialtrace.common import gs1
from serialtrace.common.gs1 import Gs1Error, ScanCodeKind


@pytest.mark.parametrize(
    "code",
    [
        "09506000134352",
        "4006381333931",
        "96385074",
        "036000291452",
        "106141412345678908",
        "9520123456788",
    ],
)
def test_known_valid_codes_have_valid_check_digits(code: str) -> None:
    assert gs1.has_valid_check_digit(code)


def test_gtin_is_normalized_to_14_digits_and_a_wrong_check_digit_names_the_right_one() -> None:
    assert gs1.normalize_gtin("96385074") == "00000096385074"
    assert gs1.normalize_gtin("036000291452") == "00036000291452"
    with pytest.raises(Gs1Error, match="check digit 3, expected 2"):
        gs1.normalize_gtin("09506000134353")
    with pytest.raises(Gs1Error, match="8 or 12 or 13 or 14 digits"):
        gs1.normalize_gtin("123")


@pytest.mark.parametrize("prefix", ["0614141", "06141411", "061414123", "0614141234"])
def test_made_ssccs_are_valid_18_digit_codes(prefix: str) -> None:
    sscc = gs1.make_sscc(prefix, 42, extension_digit=3)
    assert len(sscc) == 18 and sscc.startswith("3" + prefix)
    assert gs1.validate_sscc(sscc) == sscc


def test_sscc_serial_reference_must_fit() -> None:
    with pytest.raises(Gs1Error, match="does not fit"):
        gs1.make_sscc("0614141234", 10**6)
    with pytest.raises(Gs1Error, match="check digit"):
        gs1.validate_sscc("106141412345678909")


def test_bracketed_and_raw_element_strings_parse_alike() -> None:
    expected = {"01": "09506000134352", "21": "SN123", "10": "LOT1"}
    assert gs1.parse_element_string("(01)09506000134352(21)SN123(10)LOT1") == expected
    assert gs1.parse_element_string("010950600013435221SN123\x1d10LOT1") == expected
    assert gs1.parse_element_string("]d2010950600013435221SN123<GS>10LOT1") == expected
    assert gs1.parse_element_string("]C1010950600013435221SN123{GS}10LOT1") == expected


def test_fixed_length_ais_need_no_separator() -> None:
    assert gs1.parse_element_string("01095060001343521726123110LOT9") == {
        "01": "09506000134352",
        "17": "261231",
        "10": "LOT9",
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("(01)09506000134353", "check digit"),
        ("(17)261331", "YYMMDD"),
        ("(10)" + "X" * 21, "at most 20"),
        ("(21)SN 1", "character set 82"),
        ("(01)09506000134352(01)09506000134352", "twice"),
        ("(99)ABC", "unknown application identifier"),
        ("(01)0950600013435", "expects 14"),
        ("", "empty"),
    ],
)
def test_malformed_element_strings_say_what_is_wrong(code: str, message: str) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.parse_element_string(code)


def test_digital_links_on_any_host_with_query_ais_and_alpha_keys() -> None:
    assert gs1.parse_digital_link("https://id.gs1.org/01/09506000134352/21/SN%2F1") == {
        "01": "09506000134352",
        "21": "SN/1",
    }
    assert gs1.parse_digital_link(
        "https://brand.example/products/gtin/96385074/lot/L7?17=261231&x=1"
    ) == {"01": "00000096385074", "10": "L7", "17": "261231"}
    with pytest.raises(Gs1Error, match="primary key"):
        gs1.parse_digital_link("https://example.com/about")
    with pytest.raises(Gs1Error, match="check digit"):
        gs1.parse_digital_link("https://id.gs1.org/01/09506000134353")


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("(01)09506000134352(21)SN123", ScanCodeKind.UNIT),
        ("010950600013435210LOT42", ScanCodeKind.LOT),
        ("(00)106141412345678908", ScanCodeKind.PACKAGE),
        ("106141412345678908", ScanCodeKind.PACKAGE),
        ("https://id.gs1.org/01/09506000134352", ScanCodeKind.PRODUCT),
        ("AA:BB:CC:DD:EE:FF", ScanCodeKind.ALIAS),
        ("SN-123", ScanCodeKind.ALIAS),
        ("'; DROP TABLE units;--", ScanCodeKind.ALIAS),
    ],
)
def test_a_scan_is_classified_by_what_it_names(code: str, kind: ScanCodeKind) -> None:
    assert gs1.parse_scan(code).kind is kind


@pytest.mark.parametrize(
    "code", ["(01)09506000134353(21)X", "106141412345678909", "https://id.gs1.org/01/123"]
)
def test_malformed_gs1_raises_instead_of_falling_back_to_an_alias(code: str) -> None:
    with pytest.raises(Gs1Error):
        gs1.parse_scan(code)


def test_format_puts_the_primary_key_first() -> None:
    assert (
        gs1.format_element_string({"21": "S", "01": "09506000134352"}) == "(01)09506000134352(21)S"
    )
