"""Production's rules as plain functions (routes, commissioning, operations, installs,
completion and where completed units enter stock): no database, no server."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.production import domain
from serialtrace.production.domain import (
    BuildStatus,
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


# --- routes, commissioning and operations ---------------------------------------------


def test_a_route_names_each_operation_once_with_valid_codes() -> None:
    assert domain.check_route(["SMT", "TEST"]) == ["SMT", "TEST"]
    with pytest.raises(InvalidArgument, match="operations repeated in the route: SMT"):
        domain.check_route(["SMT", "TEST", "SMT"])
    with pytest.raises(InvalidArgument, match="at most 100 operations"):
        domain.check_route([f"OP{n}" for n in range(101)])


def test_a_work_order_never_commissions_more_than_it_was_released_for() -> None:
    domain.check_commission_size("WO-1", open_quantity=5, requested=5)
    with pytest.raises(FailedPrecondition, match="has 2 unit\\(s\\) left to commission; 3"):
        domain.check_commission_size("WO-1", open_quantity=2, requested=3)


def test_the_first_operation_puts_a_unit_in_process_and_a_scrapped_unit_takes_none() -> None:
    assert domain.status_after_operation("COMMISSIONED") is BuildStatus.IN_PROCESS
    assert domain.status_after_operation("IN_PROCESS") is BuildStatus.IN_PROCESS
    with pytest.raises(FailedPrecondition, match="scrapped"):
        domain.status_after_operation("SCRAPPED")


def test_completion_waits_for_every_route_operation_in_route_order() -> None:
    assert domain.missing_operations(["SMT", "AOI", "TEST"], ["AOI"]) == ["SMT", "TEST"]
    assert domain.missing_operations(["SMT"], ["SMT", "EXTRA"]) == []


# --- installs -------------------------------------------------------------------------


def test_only_what_the_bom_allows_is_installed() -> None:
    domain.check_in_bom("PSU", "PUMP", "A", {"PSU": 1})
    with pytest.raises(FailedPrecondition, match="BOARD is not in BOM revision A of PUMP"):
        domain.check_in_bom("BOARD", "PUMP", "A", {"PSU": 1})


def test_bom_shortfalls_say_what_is_missing_for_a_person() -> None:
    assert domain.bom_shortfalls({"PSU": 1, "SCREW": 4}, {"SCREW": 2.5}) == [
        "PSU: 0 of 1 installed",
        "SCREW: 2.5 of 4 installed",
    ]
    assert domain.bom_shortfalls({"PSU": 1}, {"PSU": 1}) == []


@pytest.mark.parametrize("quantity", [0, -2, float("nan"), float("inf")])
def test_an_installed_lot_quantity_is_positive_and_finite(quantity: float) -> None:
    with pytest.raises(InvalidArgument, match="positive number"):
        domain.check_lot_quantity(quantity)


def test_a_removal_and_an_approval_each_need_their_words() -> None:
    assert domain.check_reason("  failed leak test ") == "failed leak test"
    with pytest.raises(InvalidArgument, match="a removal needs a reason"):
        domain.check_reason("   ")
    with pytest.raises(InvalidArgument, match="an approval needs a meaning"):
        domain.check_meaning("")
