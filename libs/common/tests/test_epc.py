"""EPC URNs ⇄ GS1 Digital Link URIs for the four identifier kinds EPCIS events carry."""

from __future__ import annotations

import pytest

from serialtrace.common.epc import (
    EpcError,
    EpcKind,
    canonical_digital_link,
    parse_epc,
    to_digital_link,
    to_urn,
)

DL = "https://id.gs1.org"
ROUND_TRIPS = [
    # (EPC URN, canonical Digital Link, kind)
    ("urn:epc:id:sgtin:0614141.107346.2017", f"{DL}/01/10614141073464/21/2017", EpcKind.SGTIN),
    ("urn:epc:id:sgtin:4012345.011111.A%2FB", f"{DL}/01/04012345111118/21/A%2FB", EpcKind.SGTIN),
    (
        "urn:epc:class:lgtin:4012345.012345.998877",
        f"{DL}/01/04012345123456/10/998877",
        EpcKind.LGTIN,
    ),
    ("urn:epc:id:sscc:0614141.1234567890", f"{DL}/00/106141412345678908", EpcKind.SSCC),
    ("urn:epc:id:sgln:0614141.07346.1234", f"{DL}/414/0614141073467/254/1234", EpcKind.SGLN),
    ("urn:epc:id:sgln:4012345.00001.0", f"{DL}/414/4012345000016", EpcKind.SGLN),
]


@pytest.mark.parametrize(("urn", "link", "kind"), ROUND_TRIPS)
def test_urn_to_digital_link_and_back(urn: str, link: str, kind: EpcKind) -> None:
    assert parse_epc(urn).kind is kind
    assert to_digital_link(urn) == link
    assert canonical_digital_link(urn) == link
    prefix_length = len(urn.rsplit(":", 1)[1].split(".")[0])
    assert to_urn(link, prefix_length) == urn
    assert parse_epc(link) == parse_epc(urn).__class__(kind, *_keys(urn))


def _keys(urn: str) -> tuple[str, str]:
    parsed = parse_epc(urn)
    return parsed.key, parsed.qualifier


def test_digital_links_of_any_host_and_short_names_are_canonicalised() -> None:
    assert (
        to_digital_link("https://example.com/products/gtin/614141073467/ser/2017?linkType=all")
        == f"{DL}/01/00614141073467/21/2017"
    )
    # The serial is the finer identity: the lot is dropped.
    assert (
        canonical_digital_link(f"{DL}/01/04012345123456/10/L1/21/S1")
        == f"{DL}/01/04012345123456/21/S1"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("urn:epc:id:sgtin:0614141.10734.2017", "indicator and item reference"),
        ("urn:epc:id:sscc:0614141.12345", "extension and serial reference"),
        (f"{DL}/01/10614141073465/21/2017", "not a valid GTIN"),
        (f"{DL}/01/10614141073464", "names a product"),
        ("urn:epc:id:sgtin:0614141.107346." + "x" * 21, "1 to 20 GS1 characters"),
        ("ACME-42", "expected an EPC URN"),
    ],
)
def test_bad_identifiers_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(EpcError, match=fragment):
        parse_epc(text)


def test_an_error_echoes_at_most_100_characters() -> None:
    with pytest.raises(EpcError) as caught:
        parse_epc("z" * 500)
    assert "z" * 101 not in str(caught.value)


def test_a_digital_link_needs_the_company_prefix_length_for_a_urn() -> None:
    with pytest.raises(EpcError, match="company prefix length"):
        to_urn(f"{DL}/00/106141412345678908")


def test_values_that_are_no_gs1_key_have_no_canonical_form() -> None:
    assert canonical_digital_link("http://transaction.acme.com/po/12345678") is None
    assert canonical_digital_link("urn:epc:id:sgtin:bad") is None
