"""The warehouse's rules as plain functions: no database, no server."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import FailedPrecondition, InvalidArgument
from serialtrace.common.keys import UnitKey
from serialtrace.warehouse import domain
from serialtrace.warehouse.domain import PackageKind

A, B, C = UnitKey("FG", "1"), UnitKey("FG", "2"), UnitKey("PART", "9")


def test_units_in_stock_complete_and_not_held_may_ship() -> None:
    custody = {A: "IN_STOCK", C: "IN_STOCK"}
    assert domain.shipment_problems(custody, complete={A}, purchased={C}, held={}) == []


def test_every_reason_a_shipment_is_refused_is_named_in_key_order() -> None:
    custody = {B: "ISSUED", A: "IN_STOCK", C: "IN_STOCK"}
    problems = domain.shipment_problems(
        custody, complete={B}, purchased=set(), held={"unit FG/2": ["H-1", "H-2"]}
    )
    assert problems == [
        "FG/2 is ISSUED",
        "FG/1 is not COMPLETE",
        "PART/9 is not COMPLETE",
        "unit FG/2 is on hold (H-1, H-2)",
    ]


def test_a_refused_shipment_counts_its_problems_and_shows_twenty() -> None:
    refusal = domain.shipment_refusal([f"p{n}" for n in range(25)])
    assert isinstance(refusal, FailedPrecondition)
    assert "25 problem(s)" in str(refusal) and "p19" in str(refusal) and "p20" not in str(refusal)


def test_only_loose_stock_on_hand_moves() -> None:
    domain.require_in_stock("unit FG/1", "IN_STOCK")
    with pytest.raises(FailedPrecondition, match="is SHIPPED, not IN_STOCK"):
        domain.require_in_stock("unit FG/1", "SHIPPED")
    with pytest.raises(FailedPrecondition, match="packed in 0001"):
        domain.require_in_stock("unit FG/1", "IN_STOCK", "0001")
    domain.require_in_stock("unit FG/1", "IN_STOCK", "0001", allow_packed=True)


def test_cartons_hold_units_and_pallets_never_go_inside_a_package() -> None:
    domain.check_nesting(PackageKind.CARTON, [])
    domain.check_nesting(PackageKind.PALLET, ["CARTON"])
    with pytest.raises(FailedPrecondition, match="a carton holds units only"):
        domain.check_nesting(PackageKind.CARTON, ["CARTON"])
    with pytest.raises(FailedPrecondition, match="a pallet cannot go inside"):
        domain.check_nesting(PackageKind.PALLET, ["PALLET"])


def test_a_lot_issues_at_most_what_is_on_hand() -> None:
    domain.check_lot_available("lot L/1", on_hand=5, requested=5)
    with pytest.raises(FailedPrecondition, match="has 5 on hand; 6 requested"):
        domain.check_lot_available("lot L/1", on_hand=5, requested=6)


@pytest.mark.parametrize("quantity", [0, -1, float("nan"), float("inf")])
def test_a_quantity_is_a_positive_finite_number(quantity: float) -> None:
    with pytest.raises(InvalidArgument, match="must be a positive number"):
        domain.check_quantity(quantity)
