"""Masterdata rules as plain functions (no I/O)."""

import pytest

from serialtrace.common.errors import InvalidArgument
from serialtrace.masterdata import domain


def test_serial_template_renders_zero_padded_counter() -> None:
    template = domain.SerialTemplate.parse("SN-{seq:06d}-X")
    assert template.render(42) == "SN-000042-X"
    assert domain.SerialTemplate.parse("{seq}").render(7) == "7"


@pytest.mark.parametrize(
    "text", ["SN", "SN{seq}{seq}", "SN{seq:6d}", "{x}{seq}", "{seq.__class__}"]
)
def test_malformed_templates_are_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        domain.SerialTemplate.parse(text)


def test_check_serials_names_offenders_and_repeats() -> None:
    with pytest.raises(InvalidArgument, match="AB"):
        domain.check_serials("S", r"\d+", ["12", "AB"])
    with pytest.raises(InvalidArgument, match=r"repeated.*12"):
        domain.check_serials("S", r"\d+", ["12", "12"])


def test_attributes_must_be_an_object_with_required_names() -> None:
    assert domain.parse_attributes('{"a": 1}', ["a"]) == {"a": 1}
    with pytest.raises(InvalidArgument, match="JSON object"):
        domain.parse_attributes("[1]", [])
    with pytest.raises(InvalidArgument, match="missing: b"):
        domain.parse_attributes('{"a": 1}', ["a", "b"])


def test_alias_kind_is_upper_cased_and_value_trimmed() -> None:
    assert domain.normalize_alias(" mac ", " aa:bb ") == ("MAC", "aa:bb")
    with pytest.raises(InvalidArgument):
        domain.normalize_alias("mac", "")


def test_a_unit_lacks_a_required_attribute_when_it_is_absent_null_or_blank() -> None:
    required = ["color", "firmware", "batch"]
    attributes = {"color": "red", "firmware": " ", "batch": None}
    assert domain.missing_attributes(attributes, required) == ["firmware", "batch"]
    assert domain.missing_attributes({"color": 0}, ["color"]) == []


def test_a_gtin_lookup_normalizes_to_14_digits_and_skips_invalid_gtins() -> None:
    # 4006381333931 is a valid GTIN-13; the last digit of the second is wrong.
    assert domain.gtins_to_look_up(["4006381333931", "4006381333932", "nope"]) == ["04006381333931"]
