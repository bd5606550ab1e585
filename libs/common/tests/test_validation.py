"""Input checks shared by every service."""

from enum import StrEnum

import pytest

from serialtrace.common.errors import InvalidArgument
from serialtrace.common.validation import (
    key_after,
    key_page_token,
    page_size,
    parse_enum,
    parse_json_object,
)


class Color(StrEnum):
    RED = "RED"


def test_enum_names_are_parsed_or_the_allowed_ones_listed() -> None:
    assert parse_enum(Color, "RED", "color") is Color.RED
    with pytest.raises(InvalidArgument, match="color is required: one of RED"):
        parse_enum(Color, "", "color")


def test_json_objects_only_within_the_size_limit() -> None:
    assert parse_json_object("", "measurements") == {}
    assert parse_json_object('{"v": 1}', "measurements") == {"v": 1}
    for text, message in (
        ("[1]", "JSON object"),
        ("{", "not valid JSON"),
        ('{"x": "' + "y" * 100 + '"}', "larger than 50 bytes"),
    ):
        with pytest.raises(InvalidArgument, match=message):
            parse_json_object(text, "measurements", max_bytes=50)


def test_page_sizes_and_key_tokens_round_trip() -> None:
    assert page_size(0, 1000) == 100 and page_size(7, 1000) == 7
    with pytest.raises(InvalidArgument, match="1 to 1000"):
        page_size(1001, 1000)
    assert key_after(key_page_token(("SKU-1", "SN:with:colons"))) == ("SKU-1", "SN:with:colons")
    assert key_after("") is None
    with pytest.raises(InvalidArgument, match="page_token"):
        key_after("garbage")
