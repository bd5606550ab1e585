"""Production rules: plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from serialtrace.common.errors import FailedPrecondition, InvalidArgument
from serialtrace.common.validation import REASON, check_code, check_free_text, parse_json_object

MAX_COMMISSION = 10_000
MAX_MEASUREMENTS_BYTES = 65_536


class BuildStatus(StrEnum):
    COMMISSIONED = "COMMISSIONED"
    IN_PROCESS = "IN_PROCESS"
    COMPLETE = "COMPLETE"
    SCRAPPED = "SCRAPPED"


class WorkOrderStatus(StrEnum):
    RELEASED = "RELEASED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Result(StrEnum):
    PASS = "PASS"  # noqa: S105 - a test result, not a password
    FAIL = "FAIL"


def check_route(operations: Sequence[str]) -> list[str]:
    """The operation codes a product must pass, in order, each once."""
    if len(operations) > 100:
        raise InvalidArgument("a route has at most 100 operations")
    for op in operations:
        check_code(op, "operation code")
    repeated = sorted({op for op in operations if operations.count(op) > 1})
    if repeated:
        raise InvalidArgument(f"operations repeated in the route: {', '.join(repeated)}")
    return list(operations)


def check_quantity(quantity: int) -> int:
    if not 1 <= quantity <= 1_000_000:
        raise InvalidArgument(f"work order quantity must be 1 to 1,000,000, got {quantity}")
    return quantity


def check_commission_size(work_order_id: str, open_quantity: int, requested: int) -> None:
    """A work order never commissions more units than it was released for."""
    if requested > MAX_COMMISSION:
        raise InvalidArgument(f"at most {MAX_COMMISSION} units per call, got {requested}")
    if requested > open_quantity:
        raise FailedPrecondition(
            f"work order {work_order_id} has {open_quantity} unit(s) left to commission; "
            f"{requested} requested"
        )


def parse_measurements(text: str) -> dict[str, Any]:
    return parse_json_object(text, "measurements", MAX_MEASUREMENTS_BYTES)


def check_times(started: datetime | None, finished: datetime) -> None:
    if started is not None and started > finished:
        raise InvalidArgument("an operation cannot finish before it started")


def status_after_operation(status: str) -> BuildStatus:
    """The first operation on a commissioned unit puts it in process."""
    current = BuildStatus(status)
    if current is BuildStatus.SCRAPPED:
        raise FailedPrecondition("the unit is scrapped; no further operations can be recorded")
    return BuildStatus.IN_PROCESS if current is BuildStatus.COMMISSIONED else current


def missing_operations(route: Iterable[str], passed: Iterable[str]) -> list[str]:
    """Route operations without a passing record, in route order."""
    done = set(passed)
    return [op for op in route if op not in done]


def check_meaning(meaning: str) -> str:
    if not meaning.strip():
        raise InvalidArgument(
            "an approval needs a meaning of 1-500 characters, e.g. 'reviewed test results'"
        )
    return check_free_text(meaning, "approval meaning", REASON)


def check_in_bom(
    component_sku: str, parent_sku: str, revision: str, bom_items: dict[str, float]
) -> None:
    if component_sku not in bom_items:
        raise FailedPrecondition(
            f"{component_sku} is not in BOM revision {revision} of {parent_sku} "
            f"(allowed: {', '.join(sorted(bom_items)) or 'nothing'})"
        )


def check_lot_quantity(quantity: float) -> float:
    if not quantity > 0 or quantity != quantity or quantity == float("inf"):
        raise InvalidArgument(
            f"the installed lot quantity must be a positive number, got {quantity}"
        )
    return quantity


def bom_shortfalls(bom_items: dict[str, float], installed: dict[str, float]) -> list[str]:
    """BOM lines not yet satisfied by the unit's current components, for a person."""
    return [
        f"{sku}: {installed.get(sku, 0):g} of {need:g} installed"
        for sku, need in sorted(bom_items.items())
        if installed.get(sku, 0) + 1e-9 < need
    ]


def check_reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidArgument(
            "a removal needs a reason of 1-500 characters, e.g. 'failed leak test, replaced'"
        )
    return check_free_text(reason, "removal reason", REASON)
