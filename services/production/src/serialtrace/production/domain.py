"""Production rules: plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.validation import REASON, check_code, check_free_text
from serialtrace.production.v1.production_enums import BuildStatus

MAX_COMMISSION = 10_000


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


# --- where completed units enter stock -------------------------------------------------

# Deeper location trees than this are not walked looking for a warehouse above a line.
MAX_LOCATION_DEPTH = 16
# Kinds of location stock is kept in (masterdata's LocationKind names).
STOCK_LOCATION_KINDS = ("WAREHOUSE", "BIN")


@dataclass(frozen=True)
class Place:
    """A masterdata location as production needs it: its kind and its parent."""

    code: str
    kind: str
    parent_code: str


def nearest_warehouse(ancestry: Sequence[Place]) -> str | None:
    """The first WAREHOUSE above a line; `ancestry` is the line, its parent, and so on."""
    return next((p.code for p in ancestry[1:] if p.kind == "WAREHOUSE"), None)


def choose_output_location(
    given: str, line: str, warehouse_above_line: str | None, configured: str | None
) -> str:
    """Where a work order's completed units enter stock: the location it names, else the
    nearest warehouse above its line, else the service's configured finished-goods
    location; with none of them the work order is refused, saying what to set."""
    if given:
        return check_code(given, "output location code")
    if warehouse_above_line:
        return warehouse_above_line
    if configured:
        return configured
    above = f"above its line {line[:60]!r}" if line else "above a line given with it"
    raise InvalidArgument(
        "the work order needs an output location, where its completed units enter stock: "
        f"give outputLocationCode (output_location_code over gRPC), put a WAREHOUSE {above} "
        "in masterdata's location tree, or set WAREHOUSE_FINISHED_GOODS_LOCATION for the "
        "production service"
    )


def check_output_location(code: str, place: Place | None, named_by: str) -> str:
    """The output location exists and is one stock is kept in (a warehouse or a bin)."""
    if place is None:
        raise NotFound(f"output location {code[:60]!r} (from {named_by}) is not in masterdata")
    if place.kind not in STOCK_LOCATION_KINDS:
        raise FailedPrecondition(
            f"output location {code} (from {named_by}) is a {place.kind}; completed units "
            f"enter stock in a {' or a '.join(STOCK_LOCATION_KINDS)}"
        )
    return code


def enters_stock_on_completion(installed_in_parent: bool) -> bool:
    """A completed unit is received into stock, unless it is already built into a parent:
    it then travels inside that parent, whose own completion stocks it."""
    return not installed_in_parent
