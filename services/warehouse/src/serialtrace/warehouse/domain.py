"""Warehouse rules: plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from serialtrace.common import gs1
from serialtrace.common.errors import FailedPrecondition, InvalidArgument
from serialtrace.common.keys import UnitKey
from serialtrace.warehouse.v1.warehouse_enums import CustodyStatus, PackageKind

# Where a unit stands with the warehouse; the contract's CustodyStatus, by its domain name.
Custody = CustodyStatus


def check_quantity(quantity: float, what: str = "quantity") -> float:
    if not quantity > 0 or quantity != quantity or quantity == float("inf"):
        raise InvalidArgument(f"{what} must be a positive number, got {quantity}")
    return quantity


def check_sscc(sscc: str) -> str:
    try:
        return gs1.validate_sscc(sscc)
    except gs1.Gs1Error as exc:
        raise InvalidArgument(str(exc)) from None


def require_in_stock(
    label: str, custody: str, package: str | None = None, allow_packed: bool = False
) -> None:
    """Only stock on hand moves, packs, is issued or ships."""
    if custody != Custody.IN_STOCK:
        raise FailedPrecondition(f"{label} is {custody}, not IN_STOCK")
    if package and not allow_packed:
        raise FailedPrecondition(f"{label} is packed in {package}; move the package or unpack it")


def is_in_stock(custody: str | None) -> bool:
    return custody == Custody.IN_STOCK


def needs_production_receipt(
    label: str, custody: str | None, received_from: str | None, work_order_id: str
) -> bool:
    """Whether a unit production completed enters stock now. Yes the first time; no if it
    came in from this same work order already (a retried completion converges); refused
    if the warehouse holds it for any other reason, since a unit is built only once."""
    if received_from is not None:
        if received_from == work_order_id:
            return False
        raise FailedPrecondition(
            f"{label} was received from work order {received_from}, not {work_order_id[:40]}"
        )
    if custody is not None:
        raise FailedPrecondition(
            f"{label} is already known to the warehouse ({custody}); a unit built here "
            "enters stock from production once"
        )
    return True


def check_nesting(kind: PackageKind, child_kinds: list[str]) -> None:
    """Cartons hold units; pallets hold cartons (and loose units)."""
    if kind is PackageKind.CARTON and child_kinds:
        raise FailedPrecondition("a carton holds units only; put cartons on a pallet")
    if PackageKind.PALLET in child_kinds:
        raise FailedPrecondition("a pallet cannot go inside another package")


def check_lot_available(label: str, on_hand: float, requested: float) -> None:
    if requested > on_hand + 1e-9:
        raise FailedPrecondition(f"{label} has {on_hand:g} on hand; {requested:g} requested")


def lot_balance_holds(received: float, issued: float, on_hand: float) -> bool:
    """Whether a lot's stock is what its movements say: received - issued = on hand."""
    return abs((received - issued) - on_hand) <= 1e-6 * max(1.0, abs(received))


def shipment_problems(
    custody: Mapping[UnitKey, str],
    complete: Collection[UnitKey],
    purchased: Collection[UnitKey],
    held: Mapping[str, Sequence[str]],
) -> list[str]:
    """Why these units may not ship, each in words; empty when all of them may.

    A unit ships only if it is IN_STOCK, its build is COMPLETE in production (or it was
    bought in, PURCHASED), and no hold covers it. `custody` is each unit's custody,
    `held` each held unit's label with the ids of the holds on it.
    """
    keys = sorted(custody)
    problems = [
        f"{k.sku}/{k.serial} is {custody[k]}" for k in keys if custody[k] != Custody.IN_STOCK
    ]
    problems += [
        f"{k.sku}/{k.serial} is not COMPLETE"
        for k in keys
        if k not in complete and k not in purchased
    ]
    problems += [f"{name} is on hold ({', '.join(ids)})" for name, ids in sorted(held.items())]
    return problems


def shipment_refusal(problems: Sequence[str]) -> FailedPrecondition:
    """The one error a refused shipment raises: how many problems, the first 20."""
    return FailedPrecondition(
        f"nothing shipped; {len(problems)} problem(s): {'; '.join(problems[:20])}"
    )
