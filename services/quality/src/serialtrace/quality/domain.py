"""Quality rules: plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from serialtrace.common.errors import FailedPrecondition, InvalidArgument, NotFound
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.validation import (
    MAX_BATCH,
    quote,
)
from serialtrace.quality.v1.quality_enums import InspectionKind, QualityStatus, RecallUnitState

# Units and lots one hold, recall or batch read may name: the shared batch bound.
MAX_SUBJECTS = MAX_BATCH

# Where a recalled unit is; the contract's RecallUnitState, by its domain name.
RecallState = RecallUnitState


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


def check_release(active: bool, released_by: str | None, hold_id: str) -> None:
    if not active:
        raise FailedPrecondition(f"hold {hold_id} was already released by {released_by}")


def status_of(on_hold: bool, scrapped: bool) -> QualityStatus:
    """ON_HOLD while an active hold covers it, REJECTED after a SCRAP disposition, else OK."""
    if on_hold:
        return QualityStatus.ON_HOLD
    return QualityStatus.REJECTED if scrapped else QualityStatus.OK


# A recall stays open while any item is still out there or in our hands unresolved.
OPEN_STATES = frozenset({RecallState.IN_PRODUCTION, RecallState.IN_STOCK, RecallState.SHIPPED})
# Items are resolved by marking them RECOVERED or DESTROYED.
RESOLUTIONS = frozenset({RecallState.RECOVERED, RecallState.DESTROYED})


def hold_coverage(
    subjects: Iterable[tuple[str, str]], containing: Iterable[Iterable[tuple[str, str]]]
) -> set[tuple[str, str]]:
    """The units a hold covers: the units it names and every unit that contains one of
    its units or lots at any depth (`containing`, one list per named unit or lot)."""
    covered = set(subjects)
    for units in containing:
        covered.update(units)
    return covered


def recall_scope(
    units: Mapping[UnitKey, Sequence[tuple[str, str]]],
    lots: Mapping[LotKey, Sequence[tuple[str, str]]],
) -> list[tuple[str, str]]:
    """The top-level units a recall affects, in key order: every top-level unit a
    recalled lot or unit went into; a recalled unit that went into nothing recalls
    itself. `units` and `lots` map each recalled subject to the top-level units that
    contain it."""
    affected: set[tuple[str, str]] = set()
    for above in lots.values():
        affected.update(above)
    for unit, above in units.items():
        affected.update(above or [unit])
    return sorted(affected)


def recall_state(custody: str | None) -> RecallState:
    """Where an affected unit is, from the warehouse's custody (None: never in stock)."""
    if custody == "SHIPPED":
        return RecallState.SHIPPED
    if custody == "IN_STOCK":
        return RecallState.IN_STOCK
    if custody == "RETURNED":
        return RecallState.RETURNED
    return RecallState.IN_PRODUCTION  # being built, or issued into a parent


def still_to_hold(states: Mapping[tuple[str, str], RecallState]) -> list[tuple[str, str]]:
    """The affected units a recall's hold covers: those still in our hands (in
    production or in stock), not those shipped or returned, in key order."""
    return sorted(
        u for u, s in states.items() if s in (RecallState.IN_PRODUCTION, RecallState.IN_STOCK)
    )


def recall_is_complete(counts: Mapping[str, int]) -> bool:
    """A recall is complete once no item is open (in production, in stock or shipped
    and not yet recovered or destroyed); `counts` is items per state."""
    return not any(counts.get(s.value) for s in OPEN_STATES)


def check_resolution(state: RecallState) -> RecallState:
    if state not in RESOLUTIONS:
        raise InvalidArgument("a recall item is resolved as RECOVERED or DESTROYED")
    return state
