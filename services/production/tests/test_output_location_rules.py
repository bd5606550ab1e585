"""Where completed units enter stock: production's rules, without I/O."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.production.domain import (
    Place,
    check_output_location,
    choose_output_location,
    enters_stock_on_completion,
    nearest_warehouse,
)

LINE = Place("L1", "LINE", "HALL")
HALL = Place("HALL", "BIN", "WH-A")
WAREHOUSE = Place("WH-A", "WAREHOUSE", "SITE")
SITE = Place("SITE", "SITE", "")


def test_the_nearest_warehouse_above_the_line_is_found_and_the_line_itself_does_not_count() -> None:
    assert nearest_warehouse([LINE, HALL, WAREHOUSE, SITE]) == "WH-A"
    assert nearest_warehouse([LINE, SITE]) is None
    assert nearest_warehouse([Place("WH-L", "WAREHOUSE", "")]) is None  # no ancestor
    assert nearest_warehouse([]) is None


def test_the_location_given_wins_then_the_warehouse_above_the_line_then_the_default() -> None:
    assert choose_output_location("FG-1", "L1", "WH-A", "FG-DEFAULT") == "FG-1"
    assert choose_output_location("", "L1", "WH-A", "FG-DEFAULT") == "WH-A"
    assert choose_output_location("", "L1", None, "FG-DEFAULT") == "FG-DEFAULT"


def test_with_no_way_to_choose_the_work_order_is_refused_saying_what_to_set() -> None:
    with pytest.raises(InvalidArgument) as refused:
        choose_output_location("", "L1", None, None)
    message = refused.value.message
    for remedy in ("outputLocationCode", "WAREHOUSE above its line 'L1'", "WAREHOUSE_FINISHED"):
        assert remedy in message
    with pytest.raises(InvalidArgument) as no_line:
        choose_output_location("", "", None, None)
    assert "above a line given with it" in no_line.value.message


def test_a_given_code_must_be_a_valid_code_and_is_echoed_at_most_60_characters() -> None:
    with pytest.raises(InvalidArgument) as bad:
        choose_output_location("no spaces allowed" + "x" * 200, "", None, None)
    assert "output location code" in bad.value.message and len(bad.value.message) < 200


def test_the_output_location_must_exist_and_hold_stock() -> None:
    assert check_output_location("WH-A", WAREHOUSE, "outputLocationCode") == "WH-A"
    assert check_output_location("HALL", HALL, "outputLocationCode") == "HALL"
    with pytest.raises(NotFound) as missing:
        check_output_location("NOPE", None, "WAREHOUSE_FINISHED_GOODS_LOCATION")
    assert "'NOPE'" in missing.value.message
    assert "WAREHOUSE_FINISHED_GOODS_LOCATION" in missing.value.message
    for place in (LINE, SITE):
        with pytest.raises(FailedPrecondition) as wrong:
            check_output_location(place.code, place, "outputLocationCode")
        assert f"is a {place.kind}" in wrong.value.message


def test_a_unit_already_built_into_a_parent_does_not_enter_stock_on_completion() -> None:
    assert enters_stock_on_completion(installed_in_parent=False)
    assert not enters_stock_on_completion(installed_in_parent=True)
