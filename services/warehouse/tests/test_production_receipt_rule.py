"""When a unit production completed enters stock: warehouse's rule, without I/O."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import FailedPrecondition
from serialtrace.warehouse.domain import is_in_stock, needs_production_receipt


def test_a_unit_the_warehouse_has_never_seen_enters_stock() -> None:
    assert needs_production_receipt("unit A/1", None, None, "WO-1")


def test_a_unit_received_from_the_same_work_order_is_not_received_again() -> None:
    # Even after it moved on (shipped, issued): the first receipt stands.
    for custody in ("IN_STOCK", "SHIPPED", "ISSUED"):
        assert not needs_production_receipt("unit A/1", custody, "WO-1", "WO-1")


def test_a_unit_from_another_work_order_or_held_for_another_reason_is_refused() -> None:
    with pytest.raises(FailedPrecondition) as other_order:
        needs_production_receipt("unit A/1", "IN_STOCK", "WO-1", "WO-2")
    assert "WO-1, not WO-2" in other_order.value.message
    with pytest.raises(FailedPrecondition) as purchased:
        needs_production_receipt("unit A/1", "IN_STOCK", None, "WO-2")
    assert "unit A/1 is already known to the warehouse (IN_STOCK)" in purchased.value.message


def test_only_stock_on_hand_counts_as_in_stock() -> None:
    assert is_in_stock("IN_STOCK")
    assert not any(is_in_stock(c) for c in (None, "ISSUED", "SHIPPED", "RETURNED", "NONE"))
