"""Quality's rules as plain functions: no database, no server."""

from __future__ import annotations

import pytest

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.quality import domain
from serialtrace.quality.domain import InspectionKind, QualityStatus, RecallState

BOARD, PSU = UnitKey("BOARD", "B1"), UnitKey("PSU", "P1")
PUMP_1, PUMP_2 = UnitKey("PUMP", "1"), UnitKey("PUMP", "2")
RESIN = LotKey("RESIN", "L7")


def test_a_hold_covers_its_units_and_every_unit_that_contains_them() -> None:
    covered = domain.hold_coverage([BOARD], [[PUMP_1], [PUMP_1, PUMP_2], []])
    assert covered == {BOARD, PUMP_1, PUMP_2}


def test_a_recall_reaches_the_top_level_units_and_a_loose_unit_recalls_itself() -> None:
    scope = domain.recall_scope({BOARD: [PUMP_2], PSU: []}, {RESIN: [PUMP_1, PUMP_2]})
    assert scope == [PSU, PUMP_1, PUMP_2]


def test_a_recall_holds_only_what_is_still_in_our_hands() -> None:
    states = {
        PUMP_2: RecallState.IN_STOCK,
        PUMP_1: RecallState.SHIPPED,
        PSU: RecallState.IN_PRODUCTION,
        BOARD: RecallState.RETURNED,
    }
    assert domain.still_to_hold(states) == [PSU, PUMP_2]


def test_a_recall_is_complete_once_no_item_is_open() -> None:
    assert domain.recall_is_complete({"RECOVERED": 3, "DESTROYED": 1, "RETURNED": 2})
    assert not domain.recall_is_complete({"RECOVERED": 3, "SHIPPED": 1})
    assert not domain.recall_is_complete({"IN_STOCK": 1})
    assert domain.recall_is_complete({})


def test_an_item_is_resolved_only_as_recovered_or_destroyed() -> None:
    assert domain.check_resolution(RecallState.DESTROYED) is RecallState.DESTROYED
    with pytest.raises(InvalidArgument, match="RECOVERED or DESTROYED"):
        domain.check_resolution(RecallState.SHIPPED)


@pytest.mark.parametrize(
    ("custody", "state"),
    [
        ("SHIPPED", RecallState.SHIPPED),
        ("IN_STOCK", RecallState.IN_STOCK),
        ("RETURNED", RecallState.RETURNED),
        ("ISSUED", RecallState.IN_PRODUCTION),
        (None, RecallState.IN_PRODUCTION),
    ],
)
def test_a_recalled_unit_is_where_the_warehouse_says(
    custody: str | None, state: RecallState
) -> None:
    assert domain.recall_state(custody) is state


def test_quality_status_puts_a_hold_before_a_scrap() -> None:
    assert domain.status_of(on_hold=True, scrapped=True) is QualityStatus.ON_HOLD
    assert domain.status_of(on_hold=False, scrapped=True) is QualityStatus.REJECTED
    assert domain.status_of(on_hold=False, scrapped=False) is QualityStatus.OK


def test_a_hold_names_what_masterdata_does_not_know() -> None:
    domain.check_all_exist([], [])
    with pytest.raises(NotFound, match="unit 'PUMP/1', lot 'RESIN/L7'"):
        domain.check_all_exist([PUMP_1], [RESIN])


def test_a_hold_is_released_once() -> None:
    domain.check_release(True, None, "H-1")
    with pytest.raises(FailedPrecondition, match="already released by quinn"):
        domain.check_release(False, "quinn", "H-1")


def test_incoming_inspections_are_of_lots_and_the_others_of_units() -> None:
    domain.check_inspection_subject(InspectionKind.INCOMING, has_unit=False, has_lot=True)
    domain.check_inspection_subject(InspectionKind.FINAL, has_unit=True, has_lot=False)
    with pytest.raises(InvalidArgument, match="INCOMING inspection is of a received lot"):
        domain.check_inspection_subject(InspectionKind.INCOMING, has_unit=True, has_lot=False)
    with pytest.raises(InvalidArgument, match="exactly one unit or one lot"):
        domain.check_inspection_subject(InspectionKind.FINAL, has_unit=True, has_lot=True)
