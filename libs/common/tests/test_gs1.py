"""GS1 codes as labels carry them and handheld scanners read them."""

from __future__ import annotations

import random
import string
from datetime import UTC, date, datetime
from typing import Any

import pytest

from serialtrace.common import gs1
from serialtrace.common.gs1 import Gs1Error, ScanCode, ScanCodeKind

GTIN = "09506000134352"  # the GS1 example GTIN
SSCC = "106141412345678908"  # the GS1 example SSCC
GLN = "9520123456788"
GTIN8 = "00000096385074"  # the EAN-8 96385074 as a GTIN-14
NO_KEYS = (None, None, None)  # gtin, serial, lot
GS = "\x1d"  # the group separator a scanner sends for FNC1


# --- check digits ---------------------------------------------------------------------

KNOWN_VALID_CODES = [
    pytest.param("09506000134352", 2, id="GTIN-14"),
    pytest.param("4006381333931", 1, id="EAN-13"),
    pytest.param("96385074", 4, id="EAN-8"),
    pytest.param("036000291452", 2, id="UPC-A"),
    pytest.param("106141412345678908", 8, id="SSCC"),
    pytest.param("9520123456788", 8, id="GLN"),
]


@pytest.mark.parametrize(("code", "digit"), KNOWN_VALID_CODES)
def test_check_digit_of_known_codes_is_computed_from_their_body(code: str, digit: int) -> None:
    assert gs1.gs1_check_digit(code[:-1]) == digit == int(code[-1])


@pytest.mark.parametrize(("code", "digit"), KNOWN_VALID_CODES)
def test_known_codes_have_valid_check_digits_and_altered_ones_do_not(code: str, digit: int) -> None:
    assert gs1.has_valid_check_digit(code)
    assert not gs1.has_valid_check_digit(code[:-1] + str((digit + 1) % 10))


@pytest.mark.parametrize(
    "code", ["", "7", "12A4", "\uff10\uff19\uff15", "\u0661\u0662", " 96385074"]
)
def test_has_valid_check_digit_is_false_for_non_codes_and_never_raises(code: str) -> None:
    assert not gs1.has_valid_check_digit(code)


@pytest.mark.parametrize("body", ["", "12-3", "²"])
def test_check_digit_of_a_non_numeric_body_raises_gs1_error(body: str) -> None:
    with pytest.raises(Gs1Error, match="digits only"):
        gs1.gs1_check_digit(body)


# --- GTIN, GLN, SSCC --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("09506000134352", "09506000134352"),
        ("4006381333931", "04006381333931"),
        ("96385074", "00000096385074"),
        ("036000291452", "00036000291452"),
        (" 4006381333931\n", "04006381333931"),
    ],
)
def test_normalize_gtin_accepts_gtin_8_12_13_14_and_returns_14_digits(
    value: str, normalized: str
) -> None:
    assert gs1.normalize_gtin(value) == normalized
    assert gs1.has_valid_check_digit(normalized)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("09506000134353", "GTIN 09506000134353 has check digit 3, expected 2"),
        ("4006381333932", "has check digit 2, expected 1"),
        ("123", "GTIN must be 8, 12, 13 or 14 digits, got 3"),
        ("095060001343520", "got 15"),
        ("0950600013435X", "digits only"),
        ("", "digits only"),
    ],
)
def test_normalize_gtin_rejects_with_a_message_saying_what_is_wrong(
    value: str, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.normalize_gtin(value)


def test_validate_gln_accepts_a_valid_gln_and_names_the_expected_check_digit() -> None:
    assert gs1.validate_gln(GLN) == GLN
    with pytest.raises(Gs1Error, match="GLN 9520123456781 has check digit 1, expected 8"):
        gs1.validate_gln("9520123456781")
    with pytest.raises(Gs1Error, match="GLN must be 13 digits, got 14"):
        gs1.validate_gln("09520123456788")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("106141412345678909", "SSCC 106141412345678909 has check digit 9, expected 8"),
        ("10614141234567890", "SSCC must be 18 digits, got 17"),
        ("00" + SSCC, "SSCC must be 18 digits, got 20"),
        ("(00)" + SSCC, "digits only"),
    ],
)
def test_validate_sscc_is_strict_about_18_digits_and_the_check_digit(
    value: str, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.validate_sscc(value)


def test_validate_sscc_returns_a_valid_sscc_unchanged() -> None:
    assert gs1.validate_sscc(SSCC) == SSCC


def test_make_sscc_reproduces_the_gs1_example() -> None:
    assert gs1.make_sscc("0614141", 234567890, extension_digit=1) == SSCC


@pytest.mark.parametrize("prefix", ["0614141", "06141411", "061414123", "0614141234"])
@pytest.mark.parametrize("serial", ["smallest", "largest"])
def test_make_sscc_round_trips_through_validate_sscc_for_7_to_10_digit_prefixes(
    prefix: str, serial: str
) -> None:
    room = 16 - len(prefix)
    reference = 0 if serial == "smallest" else 10**room - 1
    sscc = gs1.make_sscc(prefix, reference, extension_digit=3)
    assert len(sscc) == 18
    assert sscc.startswith("3" + prefix)
    assert int(sscc[1 + len(prefix) : 17]) == reference
    assert gs1.validate_sscc(sscc) == sscc


@pytest.mark.parametrize("prefix", ["0614141", "06141411", "061414123", "0614141234"])
def test_make_sscc_raises_when_the_serial_reference_overflows_its_digits(prefix: str) -> None:
    room = 16 - len(prefix)
    with pytest.raises(Gs1Error, match=f"does not fit in the {room} digits"):
        gs1.make_sscc(prefix, 10**room)


@pytest.mark.parametrize(
    ("prefix", "reference", "extension", "message"),
    [
        ("061414", 1, 0, "7 to 10 digits"),
        ("06141412345", 1, 0, "7 to 10 digits"),
        ("06141A1", 1, 0, "7 to 10 digits"),
        ("0614141", -1, 0, "does not fit"),
        ("0614141", 1, 10, "extension digit must be 0-9"),
        ("0614141", 1, -1, "extension digit must be 0-9"),
        ("0614141", 1, True, "extension digit must be 0-9"),
    ],
)
def test_make_sscc_rejects_malformed_inputs(
    prefix: str, reference: int, extension: int, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.make_sscc(prefix, reference, extension)


# --- element strings ------------------------------------------------------------------

UNIT_WITH_LOT = {"01": GTIN, "21": "SN123", "10": "LOT1"}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("(01)09506000134352(21)SN123(10)LOT1", id="bracketed"),
        pytest.param("01" + GTIN + "21SN123" + GS + "10LOT1", id="raw-GS"),
        pytest.param(GS + "01" + GTIN + "21SN123" + GS + "10LOT1" + GS, id="raw-extra-GS"),
        pytest.param("]d2" + "01" + GTIN + "21SN123<GS>10LOT1", id="datamatrix-<GS>"),
        pytest.param("]C1" + "01" + GTIN + "21SN123{GS}10LOT1", id="gs1-128-{GS}"),
        pytest.param("]Q3" + "01" + GTIN + "21SN123" + GS + "10LOT1", id="qr"),
        pytest.param("]e0" + "01" + GTIN + "21SN123" + GS + "10LOT1", id="databar"),
    ],
)
def test_bracketed_and_raw_element_strings_parse_to_the_same_dict(text: str) -> None:
    assert gs1.parse_element_string(text) == UNIT_WITH_LOT


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(00)106141412345678908", {"00": SSCC}),
        ("(01)09506000134352(10)LOT42(17)261231", {"01": GTIN, "10": "LOT42", "17": "261231"}),
        ("(414)9520123456788(7003)2612312359", {"414": GLN, "7003": "2612312359"}),
        (
            "(00)106141412345678908(02)09506000134352(37)24(400)PO-77/A",
            {"00": SSCC, "02": GTIN, "37": "24", "400": "PO-77/A"},
        ),
        ("(21)SN\\(1)", {"21": "SN(1)"}),
        ("(240)A!\"%&'\\()*+,-./:;<=>?_z", {"240": "A!\"%&'()*+,-./:;<=>?_z"}),
        (
            "(91)ACME-1(22)CPV(235)TPX(253)1234567890128X",
            {"91": "ACME-1", "22": "CPV", "235": "TPX", "253": "1234567890128X"},
        ),
        (
            "(3103)001250(3922)0299(8003)01234567890128",
            {"3103": "001250", "3922": "0299", "8003": "01234567890128"},
        ),
    ],
)
def test_bracketed_element_strings_read_every_supported_format(
    text: str, expected: dict[str, str]
) -> None:
    # Syntax only: several of these AIs need a GTIN beside them on a real label.
    assert gs1.parse_element_string(text, check_associations=False) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "01" + GTIN + "17261231" + "10LOT9",
            {"01": GTIN, "17": "261231", "10": "LOT9"},
            id="gtin-date-lot",
        ),
        pytest.param(
            "00" + SSCC + "01" + GTIN + "11260101" + "2001" + "15251231" + "21SN",
            {"00": SSCC, "01": GTIN, "11": "260101", "20": "01", "15": "251231", "21": "SN"},
            id="sscc-gtin-dates-variant",
        ),
        pytest.param(
            "410" + GLN + "414" + GLN + "21X", {"410": GLN, "414": GLN, "21": "X"}, id="glns"
        ),
    ],
)
def test_predefined_length_ais_need_no_separator(text: str, expected: dict[str, str]) -> None:
    assert gs1.parse_element_string(text, check_associations=False) == expected


def test_variable_length_ai_runs_to_the_separator_or_the_end() -> None:
    assert gs1.parse_element_string("10LOT1\x1d21SN\x1d3012345678", check_associations=False) == {
        "10": "LOT1",
        "21": "SN",
        "30": "12345678",
    }


def test_7003_is_fixed_length_but_not_predefined_so_it_ends_at_a_separator() -> None:
    assert gs1.parse_element_string("01" + GTIN + "7003" + "2612312359" + GS + "10L") == {
        "01": GTIN,
        "7003": "2612312359",
        "10": "L",
    }
    with pytest.raises(Gs1Error, match=r"AI \(7003\) .*at most 10 digits"):
        gs1.parse_element_string("01" + GTIN + "7003" + "2612312359" + "10L")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("]E04006381333931", "04006381333931"), ("]E496385074", "00000096385074")],
)
def test_ean_symbology_identifiers_carry_a_bare_gtin(text: str, expected: str) -> None:
    assert gs1.read_scan(text) == {"01": expected}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(01)09506000134353", r"AI \(01\) GTIN: 09506000134353 has check digit 3, expected 2"),
        ("(00)106141412345678909", "has check digit 9, expected 8"),
        ("(02)09506000134353", "has check digit 3, expected 2"),
        ("(410)9520123456781", "has check digit 1, expected 8"),
        ("(414)9520123456781", "has check digit 1, expected 8"),
        ("(01)0950600013435", r"AI \(01\) GTIN expects 14 digits, got '0950600013435'"),
        ("(01)09506000134352(17)2501", r"AI \(17\) USE BY or EXPIRY expects 6 digits, got '2501'"),
        ("(17)261331", "month 13 is not 01-12"),
        ("(11)260001", "month 00 is not 01-12"),
        ("(15)260132", "day 32 is not 00-31"),
        ("(17)260230", "day 30 is not 00-28 for month 02"),
        ("(17)250229", "day 29 is not 00-28"),
        ("(7003)2612310060", "not a time of day"),
        ("(7003)2612002359", "day 00 is not 01-31"),
        ("(17)26A231", "digits only"),
        ("(37)1O", "digits only"),
        ("(10)" + "X" * 21, r"AI \(10\) BATCH/LOT allows at most 20 characters, got 21"),
        ("(21)" + "X" * 21, "at most 20 characters"),
        ("(250)" + "X" * 31, "at most 30 characters"),
        ("(400)" + "X" * 31, "at most 30 characters"),
        ("(30)123456789", "at most 8 digits"),
        ("(21)SN 1", "contains ' ', which is outside the GS1 character set 82"),
        ("(21)SN#1", "contains '#'"),
        ("(10)L\u00f6t", "contains '\u00f6'"),
        ("(21)A$B", "contains '\\$'"),
        ("(21)", r"AI \(21\) SERIAL has no value"),
        ("(01)09506000134352(01)09506000134353", r"AI \(01\) GTIN appears twice with different"),
        ("(21)A(10)B(21)C", r"AI \(21\) SERIAL appears twice with different values"),
        ("(89)ABC", r"unknown application identifier \(89\)"),
        ("(99x)ABC", r"unknown application identifier \(99x\)"),
        ("(01", "never closed"),
        ("8912345", "no known application identifier starts at position 0"),
        ("01" + GTIN + "8005123", r"AI \(8005\) PRICE PER UNIT expects 6 digits"),
        ("01095060001343", "expects 14 characters, got 12"),
        ("01" + GTIN + GS + "AB", "no known application identifier starts at position 17"),
        ("", "empty"),
        ("   ", "no known application identifier starts at position 0"),
        ("(01)09506000134352(21)SN1 ", "contains ' '"),
        ("01" + GTIN + "21SN1 ", "contains ' '"),
        ("(01)09506000134352(02)09506000134352(37)1", "must not appear together"),
        (
            "(01)09506000134352(37)1(00)106141412345678908",
            r"must not appear together with AI \(37\)",
        ),
        ("(01)09506000134352(250)SEC", r"AI \(250\) SECONDARY SERIAL needs \(21\)"),
        ("(10)LOT1", r"AI \(10\) BATCH/LOT needs \(01\) or \(02\)"),
        ("]d2", "empty"),
        ("<GS>", "no application identifiers"),
        ("]X9123", "symbology identifier ]X9 does not carry GS1 element strings"),
        ("]E0400638133393", "symbology identifier ]E0 does not carry GS1 element strings"),
    ],
)
def test_malformed_element_strings_raise_a_message_saying_what_is_wrong(
    text: str, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.parse_element_string(text)


@pytest.mark.parametrize(
    "date", ["260100", "280229", "000229", "261231", "260430", "991231", "250228"]
)
def test_real_dates_and_day_00_for_end_of_month_are_accepted(date: str) -> None:
    assert gs1.parse_element_string(f"(01){GTIN}(17){date}") == {"01": GTIN, "17": date}


def test_identical_repeated_ais_count_once() -> None:
    # Two reads of one label joined, or the same AI on two carriers of one item.
    text = f"(01){GTIN}(21)SN1(01){GTIN}"
    assert gs1.parse_element_string(text) == {"01": GTIN, "21": "SN1"}


def test_format_element_string_puts_primary_keys_first_then_ais_in_order() -> None:
    ais = {"21": "S", "17": "261231", "10": "L", "01": GTIN, "00": SSCC}
    assert gs1.format_element_string(ais) == (
        "(00)106141412345678908(01)09506000134352(10)L(17)261231(21)S"
    )


@pytest.mark.parametrize(
    "text",
    [
        "01" + GTIN + "21SN123" + GS + "10LOT1",
        "https://id.gs1.org/01/09506000134352/10/L%2F1?17=261231&linkType=all",
        "00106141412345678908",
    ],
)
def test_format_element_string_round_trips_through_parsing(text: str) -> None:
    ais = gs1.parse_scan(text).ais
    assert gs1.parse_element_string(gs1.format_element_string(ais)) == ais


@pytest.mark.parametrize(
    ("ais", "message"),
    [
        ({}, "no application identifiers"),
        ({"01": "09506000134353"}, "expected 2"),
        ({"89": "x"}, "unknown application identifier"),
        ({"21": "a b"}, "character set 82"),
    ],
)
def test_format_element_string_refuses_what_could_not_be_read_back(
    ais: dict[str, str], message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.format_element_string(ais)


# --- Digital Link ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        pytest.param(
            "https://id.gs1.org/01/09506000134352/21/SN123",
            {"01": GTIN, "21": "SN123"},
            id="id.gs1.org-unit",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/10/LOT42",
            {"01": GTIN, "10": "LOT42"},
            id="lot",
        ),
        pytest.param("https://id.gs1.org/00/106141412345678908", {"00": SSCC}, id="sscc"),
        pytest.param("https://id.gs1.org/414/9520123456788", {"414": GLN}, id="gln"),
        pytest.param(
            "https://example.com/some/prefix/01/09506000134352/21/SN123",
            {"01": GTIN, "21": "SN123"},
            id="custom-host-with-prefix",
        ),
        pytest.param(
            "http://example.com/gtin/lookup/01/09506000134352",
            {"01": GTIN},
            id="prefix-that-looks-like-a-key",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/21/SN%2F1%25%28x%29",
            {"01": GTIN, "21": "SN/1%(x)"},
            id="percent-encoding",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/10/LOT42?17=261231&linkType=gs1:pip&utm_source=x",
            {"01": GTIN, "10": "LOT42", "17": "261231"},
            id="query-ais-merged",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/21/A+B?99=C%2BD",
            {"01": GTIN, "21": "A+B", "99": "C+D"},
            id="plus-is-data-in-the-path-and-percent-encoded-in-the-query",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/22/V1/10/L1?3103=000195&3922=0299&17=201225",
            {"01": GTIN, "22": "V1", "10": "L1", "3103": "000195", "3922": "0299", "17": "201225"},
            id="qualifiers-in-the-path-data-attributes-in-the-query",
        ),
        pytest.param(
            "https://id.gs1.org/01/09506000134352/235/TPX1?10=L1",
            {"01": GTIN, "235": "TPX1", "10": "L1"},
            id="tpx-qualifier-leaves-the-lot-an-attribute",
        ),
        pytest.param(
            "https://id.gs1.org/01/96385074", {"01": "00000096385074"}, id="gtin-8-normalized"
        ),
        pytest.param("https://id.gs1.org/01/4006381333931", {"01": "04006381333931"}, id="gtin-13"),
        pytest.param("https://id.gs1.org/01/036000291452", {"01": "00036000291452"}, id="gtin-12"),
        pytest.param(
            "https://brand.example/gtin/96385074/ser/S1",
            {"01": "00000096385074", "21": "S1"},
            id="alpha-gtin-ser",
        ),
        pytest.param(
            "https://brand.example/gtin/96385074/lot/L7?exp=1&17=261231",
            {"01": "00000096385074", "10": "L7", "17": "261231"},
            id="alpha-gtin-lot",
        ),
        pytest.param(
            "https://brand.example/sscc/106141412345678908", {"00": SSCC}, id="alpha-sscc"
        ),
        pytest.param(
            "HTTPS://ID.GS1.ORG/01/09506000134352#fragment", {"01": GTIN}, id="case-fragment"
        ),
    ],
)
def test_digital_links_on_any_host_parse_to_validated_ais(
    uri: str, expected: dict[str, str]
) -> None:
    assert gs1.parse_digital_link(uri) == expected


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("https://id.gs1.org/01/09506000134353", "09506000134353 has check digit 3"),
        ("https://id.gs1.org/01/123", "GTIN expects 14 digits, got '123'"),
        ("https://id.gs1.org/00/106141412345678909", "has check digit 9, expected 8"),
        ("https://id.gs1.org/01/09506000134352/21/SN%201", "character set 82"),
        ("https://id.gs1.org/01/09506000134352/21/%FF", "not valid percent-encoded UTF-8"),
        ("https://id.gs1.org/01/09506000134352/21/A%00", "NUL"),
        ("https://id.gs1.org/01/09506000134352//21/S1", "no GS1 primary key"),
        ("https://id.gs1.org/01/09506000134352/21/", "empty value in the URI path"),
        (
            "https://id.gs1.org/01/09506000134352?10=L1",
            r"\(10\) BATCH/LOT qualifies \(01\) and belongs in the path",
        ),
        ("https://id.gs1.org/01/09506000134352?21=S1", r"\(21\) SERIAL qualifies \(01\)"),
        ("https://id.gs1.org/01/09506000134352/10/L1/22/V1", "not a valid key and qualifiers"),
        ("https://id.gs1.org/01/09506000134352/235/T/21/S", "not a valid key and qualifiers"),
        ("https://id.gs1.org/01/09506000134352/21/" + "X" * 21, "at most 20"),
        ("https://id.gs1.org/01/09506000134352?17=261331", "month 13"),
        (
            "https://id.gs1.org/01/09506000134352?17=",
            r"AI \(17\) USE BY or EXPIRY has an empty value",
        ),
        ("https://id.gs1.org/01/09506000134352?89=1", r"unknown application identifier \(89\)"),
        ("https://id.gs1.org/01/09506000134352?99=A&99=B", "appears more than once"),
        ("https://id.gs1.org/01/09506000134352/17/261231", "not a valid key and qualifiers"),
        ("https://id.gs1.org/01/09506000134352/89/x", "no GS1 primary key"),
        ("https://id.gs1.org/01/09506000134352/21", "no GS1 primary key"),
        ("https://example.com/about", "no GS1 primary key"),
        ("https://example.com/", "no GS1 primary key"),
        ("ftp://id.gs1.org/01/09506000134352", "must start with http:// or https://"),
        ("id.gs1.org/01/09506000134352", "must start with http"),
        ("HtTpS://id.gs1.org/01/09506000134352", "must start with http"),
        ("https:///01/09506000134352", "needs a host and a path"),
        ("https://[::1/01/09506000134352", "not a domain name"),
        ("https://id.gs1.org/01/09506000134352/21/S N", "cannot hold unencoded"),
    ],
)
def test_malformed_digital_links_raise_a_message_saying_what_is_wrong(
    uri: str, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.parse_digital_link(uri)


# --- what a scanner read --------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "gtin", "serial", "lot", "sscc"),
    [
        ("(01)09506000134352(21)SN123", ScanCodeKind.UNIT, GTIN, "SN123", None, None),
        ("01" + GTIN + "21SN123", ScanCodeKind.UNIT, GTIN, "SN123", None, None),
        ("]d201" + GTIN + "21SN1<GS>10L", ScanCodeKind.UNIT, GTIN, "SN1", "L", None),
        ("https://id.gs1.org/01/09506000134352/21/S", ScanCodeKind.UNIT, GTIN, "S", None, None),
        ("(01)09506000134352(10)LOT42(17)261231", ScanCodeKind.LOT, GTIN, None, "LOT42", None),
        ("01" + GTIN + "10LOT42", ScanCodeKind.LOT, GTIN, None, "LOT42", None),
        ("https://x.example/gtin/96385074/lot/7", ScanCodeKind.LOT, GTIN8, None, "7", None),
        ("(00)106141412345678908", ScanCodeKind.PACKAGE, None, None, None, SSCC),
        ("00106141412345678908", ScanCodeKind.PACKAGE, None, None, None, SSCC),
        ("106141412345678908", ScanCodeKind.PACKAGE, None, None, None, SSCC),
        ("https://id.gs1.org/00/106141412345678908", ScanCodeKind.PACKAGE, None, None, None, SSCC),
        ("(00)106141412345678908(02)09506000134352(37)9", ScanCodeKind.PACKAGE, *NO_KEYS, SSCC),
        ("https://id.gs1.org/01/09506000134352", ScanCodeKind.PRODUCT, GTIN, None, None, None),
        ("0109506000134352", ScanCodeKind.PRODUCT, GTIN, None, None, None),
        ("]E04006381333931", ScanCodeKind.PRODUCT, "04006381333931", None, None, None),
        ("17261231" + "01" + GTIN + "21SN", ScanCodeKind.UNIT, GTIN, "SN", None, None),
    ],
)  # fmt: skip
def test_parse_scan_classifies_gs1_by_what_it_names(
    code: str,
    kind: ScanCodeKind,
    gtin: str | None,
    serial: str | None,
    lot: str | None,
    sscc: str | None,
) -> None:
    scan = gs1.parse_scan(code)
    assert (scan.kind, scan.gtin, scan.serial, scan.lot, scan.sscc) == (
        kind,
        gtin,
        serial,
        lot,
        sscc,
    )
    assert scan.ais[{ScanCodeKind.PACKAGE: "00"}.get(kind, "01")] == (sscc or gtin)


@pytest.mark.parametrize(
    "code",
    [
        "AA:BB:CC:DD:EE:FF",
        "SN-123",
        "353918057345671",  # an IMEI: 15 digits
        "4006381333931",  # digits without an AI or an EAN symbology identifier
        "12345678901234567",  # 17 digits
        "9912345678901234",  # 16 digits that do not read as GS1
        "customer tag #42",
        "'; DROP TABLE units;--",
        "Robert'); DROP TABLE students;--",
        "http:/not-a-link",
        "<script>alert(1)</script>",
        "]C0SN-123",  # plain Code 128 with a symbology identifier
    ],
)
def test_parse_scan_treats_what_is_not_gs1_as_an_alias_with_only_raw_set(code: str) -> None:
    assert gs1.parse_scan(code) == ScanCode(kind=ScanCodeKind.ALIAS, raw=code.removeprefix("]C0"))


def test_parse_scan_strips_line_breaks_but_spaces_are_data() -> None:
    assert gs1.parse_scan("SN-123\r\n") == ScanCode(kind=ScanCodeKind.ALIAS, raw="SN-123")
    scan = gs1.parse_scan("(01)09506000134352(21)SN123\r\n")
    assert scan.raw == "(01)09506000134352(21)SN123"
    assert scan.ais == {"01": GTIN, "21": "SN123"}
    with pytest.raises(Gs1Error, match="contains ' '"):
        gs1.parse_scan("(01)09506000134352(21)SN123 ")


def test_parse_scan_reads_a_digital_link_behind_a_plain_qr_symbology_identifier() -> None:
    scan = gs1.parse_scan("]Q1https://id.gs1.org/01/09506000134352/21/SN123")
    assert (scan.kind, scan.raw) == (
        ScanCodeKind.UNIT,
        "https://id.gs1.org/01/09506000134352/21/SN123",
    )


def test_scan_codes_are_frozen_and_hashable() -> None:
    scan = gs1.parse_scan("(01)09506000134352(21)SN123")
    assert hash(scan) == hash(gs1.parse_scan("(01)09506000134352(21)SN123"))
    with pytest.raises(AttributeError):
        scan.serial = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("(01)09506000134353(21)X", "has check digit 3, expected 2"),
        ("(01)09506000134352(21)'; DROP TABLE x;--", "character set 82"),
        ("(17)261231(89)X", "unknown application identifier"),
        ("(555) 123-4567", "unknown application identifier"),
        ("106141412345678909", "SSCC 106141412345678909 has check digit 9, expected 8"),
        ("00106141412345678909", "has check digit 9, expected 8"),
        ("01" + "09506000134353" + "21SN", "has check digit 3, expected 2"),
        ("01" + GTIN + "17261399", "month 13"),
        ("01" + GTIN + GS + "21" + "X" * 25, "at most 20"),
        ("]d201" + GTIN + "21A B", "character set 82"),
        ("SN1<GS>X", "no known application identifier"),
        ("https://id.gs1.org/01/123", "GTIN expects 14 digits"),
        ("https://id.gs1.org/01/09506000134353/21/S", "expected 2"),
        ("https://example.com/about/us", "no GS1 primary key"),
        ("https://id.gs1.org/414/9520123456788", r"holds \(414\) but no SSCC \(00\) or GTIN"),
        ("(10)LOT1", r"BATCH/LOT needs \(01\)"),
        ("(02)09506000134352(37)10", r"COUNT needs \(00\)"),
        ("(91)INTERNAL", r"holds \(91\) but no SSCC"),
        ("", "empty"),
        ("\r\n", "empty"),
        ("]Q1", "only the symbology identifier"),
    ],
)
def test_parse_scan_raises_for_malformed_gs1_instead_of_falling_back_to_an_alias(
    code: str, message: str
) -> None:
    with pytest.raises(Gs1Error, match=message):
        gs1.parse_scan(code)


def test_parse_scan_only_ever_raises_gs1_error_on_arbitrary_input() -> None:
    # Fragments that steer the parser into each of its branches, glued together at random.
    pieces = [
        "(", ")", "(01)", "(00)", "(17)", "(99x)", "]d2", "]E0", "]Q1", "]", "\x1d", "<GS>",
        "{GS}", "01", "00", "21", "10", "7003", "17", GTIN, SSCC, "https://", "http://",
        "id.gs1.org/", "/01/", "/gtin/", "?", "&", "=", "%", "%FF", "%2F", "[", "::1",
        "'; DROP TABLE units;--", "\u00e9", "\u0663", "\x00", " ", "0", "9",
    ]  # fmt: skip
    rng = random.Random(20240601)
    alphabet = string.printable + "\x1d\u00e9\u2603"
    for _ in range(3000):
        if rng.random() < 0.7:
            code = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))
        else:
            code = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        try:
            scan = gs1.parse_scan(code)
        except Gs1Error:
            continue
        assert scan.kind is ScanCodeKind.ALIAS or scan.gtin or scan.sscc, code


def test_a_compressed_digital_link_is_read_like_its_uncompressed_form() -> None:
    # GS1's example: https://example.com/some/other/path/info/01/09780345418913/21/12345
    assert gs1.parse_digital_link("https://example.com/some/other/path/info/DBHKVAdpQgowOQ") == {
        "01": "09780345418913",
        "21": "12345",
    }
    with pytest.raises(Gs1Error, match="no GS1 primary key"):
        gs1.parse_digital_link("https://example.com/NotCompressedAtAll")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("]J101" + GTIN + "21SN1", {"01": GTIN, "21": "SN1"}),
        ("]E412345670", {"01": "00000012345670"}),
        ("]J0https://id.gs1.org/01/09506000134352", {"01": GTIN}),
        ("]C0PLAIN-CODE-128", None),
        ("]Q1HtTpS://id.gs1.org/01/09506000134352", None),  # mixed case: not a Digital Link
    ],
)
def test_read_scan_strips_the_symbology_identifier(
    code: str, expected: dict[str, str] | None
) -> None:
    assert gs1.read_scan(code) == expected


def test_every_ai_has_its_gs1_data_title() -> None:
    assert gs1.ai_title("10") == "BATCH/LOT"
    assert gs1.ai_title("3103") == "NET WEIGHT (kg)"
    assert gs1.ai_title("99") == "INTERNAL"
    with pytest.raises(Gs1Error, match=r"unknown application identifier \(89\)"):
        gs1.ai_title("89")


def test_expiry_date_reads_day_00_as_the_last_day_of_the_month() -> None:
    assert gs1.expiry_date({"17": "280200"}) == date(2028, 2, 29)
    assert gs1.expiry_date({"17": "261231"}) == date(2026, 12, 31)
    assert gs1.expiry_date({"10": "L"}) is None


def test_a_digital_link_puts_key_qualifiers_in_the_path_and_attributes_in_the_query() -> None:
    ais = {"17": "271231", "21": "SN1/2%", "01": "09506000134352", "10": "L7", "3103": "001250"}
    uri = gs1.format_digital_link(ais)
    assert uri == ("https://id.gs1.org/01/09506000134352/10/L7/21/SN1%2F2%25?17=271231&3103=001250")
    assert gs1.parse_digital_link(uri) == ais
    assert gs1.format_digital_link({"00": "106141412345678908"}, "https://example.com/") == (
        "https://example.com/00/106141412345678908"
    )
    with pytest.raises(gs1.Gs1Error, match="primary key"):
        gs1.format_digital_link({"91": "COMPANY-INTERNAL"})


def test_an_expiry_is_read_once_per_value_and_year(monkeypatch: pytest.MonkeyPatch) -> None:
    from biip.gs1_element_strings import GS1ElementString

    reads: list[str] = []
    real_parse = GS1ElementString.parse

    def counted(value: str, **options: Any) -> Any:
        reads.append(value)
        return real_parse(value, **options)

    monkeypatch.setattr(GS1ElementString, "parse", counted)
    gs1._expiry_date.cache_clear()
    value = "391130"
    for _ in range(3):
        assert gs1.expiry_date({"17": value}) == gs1._expiry_date(value, datetime.now(tz=UTC).year)
    assert reads == ["17" + value]
    # Another year slides the century from elsewhere: read again, not remembered.
    gs1._expiry_date(value, datetime.now(tz=UTC).year + 1)
    assert reads == ["17" + value] * 2
    # A value that is no date is refused every time, and never remembered.
    for _ in range(2):
        with pytest.raises(Gs1Error, match="is not a date"):
            gs1.expiry_date({"17": "271340"})
    assert reads.count("17271340") == 2
