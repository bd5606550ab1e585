"""Quality rules: plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.validation import (
    REASON,
    TextLimit,
    check_free_text,
    parse_json_object,
    quote,
)

MAX_SUBJECTS = 10_000
MAX_MEASUREMENTS_BYTES = 65_536


class InspectionKind(StrEnum):
    INCOMING = "INCOMING"
    IN_PROCESS = "IN_PROCESS"
    FINAL = "FINAL"


class Result(StrEnum):
    PASS = "PASS"  # noqa: S105 - an inspection result, not a password
    FAIL = "FAIL"


class Disposition(StrEnum):
    REWORK = "REWORK"
    SCRAP = "SCRAP"
    USE_AS_IS = "USE_AS_IS"
    RETURN_TO_SUPPLIER = "RETURN_TO_SUPPLIER"


class QualityStatus(StrEnum):
    OK = "OK"
    ON_HOLD = "ON_HOLD"
    REJECTED = "REJECTED"


def check_text(value: str, what: str, limit: TextLimit = REASON) -> str:
    """Required free text (a reason, a meaning, a description), stripped."""
    return check_free_text(value, what, limit)


def check_subjects(units: int, lots: int, what: str) -> None:
    if units + lots == 0:
        raise InvalidArgument(f"{what} needs at least one unit or lot")
    if units + lots > MAX_SUBJECTS:
        raise InvalidArgument(f"{what} takes at most {MAX_SUBJECTS} units and lots")


def check_all_exist(
    unknown_units: Sequence[tuple[str, str]], unknown_lots: Sequence[tuple[str, str]]
) -> None:
    """NOT_FOUND naming (the first few of) the units and lots nobody registered."""
    named = [f"unit {quote(f'{s}/{n}', 80)}" for s, n in unknown_units] + [
        f"lot {quote(f'{s}/{n}', 80)}" for s, n in unknown_lots
    ]
    if named:
        more = f" and {len(named) - 5} more" if len(named) > 5 else ""
        raise NotFound(
            f"masterdata has no record of {', '.join(named[:5])}{more}; check the keys "
            "(units are commissioned or received, lots received, before they can be held)"
        )


def check_inspection_subject(kind: InspectionKind, has_unit: bool, has_lot: bool) -> None:
    """Incoming inspections are of lots; in-process and final ones are of units."""
    if has_unit == has_lot:
        raise InvalidArgument("an inspection is of exactly one unit or one lot")
    if kind is InspectionKind.INCOMING and not has_lot:
        raise InvalidArgument("an INCOMING inspection is of a received lot")
    if kind is not InspectionKind.INCOMING and not has_unit:
        raise InvalidArgument(f"an {kind.value} inspection is of a unit")


def parse_measurements(text: str) -> dict[str, Any]:
    return parse_json_object(text, "measurements", MAX_MEASUREMENTS_BYTES)


def check_release(active: bool, released_by: str | None, hold_id: str) -> None:
    if not active:
        raise FailedPrecondition(f"hold {hold_id} was already released by {released_by}")


def status_of(on_hold: bool, scrapped: bool) -> QualityStatus:
    """ON_HOLD while an active hold covers it, REJECTED after a SCRAP disposition, else OK."""
    if on_hold:
        return QualityStatus.ON_HOLD
    return QualityStatus.REJECTED if scrapped else QualityStatus.OK


class RecallState(StrEnum):
    IN_PRODUCTION = "IN_PRODUCTION"
    IN_STOCK = "IN_STOCK"
    SHIPPED = "SHIPPED"
    RETURNED = "RETURNED"
    RECOVERED = "RECOVERED"
    DESTROYED = "DESTROYED"


# A recall stays open while any item is still out there or in our hands unresolved.
OPEN_STATES = frozenset({RecallState.IN_PRODUCTION, RecallState.IN_STOCK, RecallState.SHIPPED})
# Items are resolved by marking them RECOVERED or DESTROYED.
RESOLUTIONS = frozenset({RecallState.RECOVERED, RecallState.DESTROYED})


def recall_state(custody: str | None) -> RecallState:
    """Where an affected unit is, from the warehouse's custody (None: never in stock)."""
    if custody == "SHIPPED":
        return RecallState.SHIPPED
    if custody == "IN_STOCK":
        return RecallState.IN_STOCK
    if custody == "RETURNED":
        return RecallState.RETURNED
    return RecallState.IN_PRODUCTION  # being built, or issued into a parent


def check_resolution(state: RecallState) -> RecallState:
    if state not in RESOLUTIONS:
        raise InvalidArgument("a recall item is resolved as RECOVERED or DESTROYED")
    return state
