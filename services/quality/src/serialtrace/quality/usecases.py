"""Quality use cases: one function per operation, run inside a unit of work."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from serialtrace.common.db import Page
from serialtrace.common.errors import FailedPrecondition, NotFound
from serialtrace.common.keys import LotKey, UnitKey
from serialtrace.common.ledger import lot_entity, unit_entity
from serialtrace.common.models import created_now
from serialtrace.common.timeutil import utcnow
from serialtrace.common.uow import UnitOfWork
from serialtrace.common.validation import (
    DESCRIPTION,
    Result,
    check_free_text,
    parse_enum,
    parse_measurements,
)
from serialtrace.quality import domain, store
from serialtrace.quality.peers import Masterdata, Production, Warehouse, Whereabouts
from serialtrace.quality.v1.quality_enums import Disposition, InspectionKind, QualityStatus


def _entity(kind: str, sku: str, key: str) -> tuple[str, str]:
    return ("unit", unit_entity(sku, key)) if kind == "UNIT" else ("lot", lot_entity(sku, key))


def record_inspection(
    uow: UnitOfWork,
    kind: str,
    unit: UnitKey | None,
    lot: LotKey | None,
    result: str,
    measurements_json: str,
) -> store.InspectionRow:
    inspection_kind = parse_enum(InspectionKind, kind, "inspection kind")
    outcome = parse_enum(Result, result, "result")
    domain.check_inspection_subject(inspection_kind, unit is not None, lot is not None)
    measurements = parse_measurements(measurements_json)
    subject_kind, (sku, key) = ("UNIT", unit) if unit else ("LOT", lot)  # type: ignore[misc]
    row = store.InspectionRow(
        id=f"IN-{uuid.uuid4().hex[:16].upper()}",
        kind=inspection_kind.value,
        subject_kind=subject_kind,
        sku=sku,
        key=key,
        result=outcome.value,
        inspector=uow.actor,
        at=utcnow(),
        measurements=measurements,
    )
    uow.session.add(row)
    uow.record(
        "inspection.recorded",
        *_entity(subject_kind, sku, key),
        {"id": row.id, "kind": row.kind, "result": row.result, "measurements": measurements},
    )
    return row


def open_nonconformance(
    uow: UnitOfWork,
    units: Sequence[UnitKey],
    lots: Sequence[LotKey],
    description: str,
    disposition: str,
) -> store.NonconformanceRow:
    domain.check_subjects(len(units), len(lots), "a nonconformance")
    description = check_free_text(description, "description", DESCRIPTION)
    chosen = parse_enum(Disposition, disposition, "disposition") if disposition else None
    row = store.NonconformanceRow(
        id=f"NC-{uuid.uuid4().hex[:12].upper()}",
        description=description,
        disposition=chosen.value if chosen else None,
        opened_by=uow.actor,
        opened_at=utcnow(),
    )
    uow.session.add(row)
    uow.session.flush()
    subjects = {("UNIT", *u) for u in units} | {("LOT", *lot) for lot in lots}
    uow.session.add_all(
        store.NonconformanceSubjectRow(ncr_id=row.id, subject_kind=k, sku=s, key=v)
        for k, s, v in sorted(subjects)
    )
    for kind, sku, key in sorted(subjects):
        uow.record(
            "nonconformance.opened",
            *_entity(kind, sku, key),
            {"id": row.id, "description": description, "disposition": row.disposition},
        )
    return row


def close_nonconformance(
    uow: UnitOfWork, ncr_id: str, meaning: str, disposition: str
) -> store.NonconformanceRow:
    meaning = check_free_text(meaning, "signature meaning")
    row = uow.session.get(store.NonconformanceRow, ncr_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no nonconformance {ncr_id!r}")
    if row.closed_by:
        raise FailedPrecondition(f"nonconformance {ncr_id} was already closed by {row.closed_by}")
    if disposition:
        row.disposition = parse_enum(Disposition, disposition, "disposition").value
    if not row.disposition:
        raise FailedPrecondition(f"nonconformance {ncr_id} needs a disposition before closing")
    row.closed_by, row.closed_at, row.closure_meaning = uow.actor, utcnow(), meaning
    for subject in store.ncr_subjects(uow.session, ncr_id):
        uow.record(
            "nonconformance.closed",
            *_entity(subject.subject_kind, subject.sku, subject.key),
            {"id": ncr_id, "disposition": row.disposition, "by": uow.actor, "meaning": meaning},
        )
    return row


def place_hold(
    uow: UnitOfWork,
    masterdata: Masterdata,
    production: Production,
    reason: str,
    units: Sequence[UnitKey],
    lots: Sequence[LotKey],
) -> store.HoldRow:
    """Holds the units and lots and, through production's where-used, every unit that
    contains them at any depth. Each must exist in masterdata (NOT_FOUND naming those
    that do not). Masterdata or production unreachable → UNAVAILABLE, nothing written."""
    reason = check_free_text(reason, "hold reason")
    domain.check_subjects(len(units), len(lots), "a hold")
    named_units, named_lots = sorted(set(units)), sorted(set(lots))
    domain.check_all_exist(*masterdata.unknown(named_units, named_lots))
    covered = domain.hold_coverage(
        units,
        [production.units_containing("LOT", sku, key) for sku, key in named_lots]
        + [production.units_containing("UNIT", sku, key) for sku, key in named_units],
    )
    hold = _new_hold(uow, reason, len(covered))
    subjects = sorted({("UNIT", *u) for u in units} | {("LOT", *lot) for lot in lots})
    store.add_hold(uow.session, hold, subjects, sorted(covered))
    uow.record(
        "hold.placed",
        "hold",
        hold.id,
        {
            "reason": reason,
            "units": [f"{s}/{k}" for s, k in named_units],
            "lots": [f"{s}/{k}" for s, k in named_lots],
            "unit_count": len(covered),
        },
    )
    for kind, sku, key in subjects:
        uow.record("hold.placed_on", *_entity(kind, sku, key), {"hold": hold.id})
    return hold


def _new_hold(uow: UnitOfWork, reason: str, unit_count: int) -> store.HoldRow:
    return store.HoldRow(
        id=f"H-{uuid.uuid4().hex[:12].upper()}",
        reason=reason,
        placed_by=uow.actor,
        placed_at=utcnow(),
        active=True,
        unit_count=unit_count,
    )


def release_hold(uow: UnitOfWork, hold_id: str, meaning: str) -> store.HoldRow:
    meaning = check_free_text(meaning, "release meaning")
    hold = uow.session.get(store.HoldRow, hold_id, with_for_update=True)
    if hold is None:
        raise NotFound(f"no hold {hold_id!r}")
    domain.check_release(hold.active, hold.released_by, hold_id)
    hold.active = False
    hold.released_by, hold.released_at, hold.release_meaning = uow.actor, utcnow(), meaning
    uow.record("hold.released", "hold", hold_id, {"by": uow.actor, "meaning": meaning})
    # One entry per subject, as placing wrote hold.placed_on: what the EPCIS repository
    # turns into each unit's disposition change. A unit another hold still covers stays
    # held, and says so.
    uow.session.flush()
    subjects = store.hold_subjects(uow.session, [hold_id]).get(hold_id, [])
    units = [UnitKey(s.sku, s.key) for s in subjects if s.subject_kind == "UNIT"]
    still_held = store.active_holds_on_units(uow.session, units)
    for subject in subjects:
        unit = UnitKey(subject.sku, subject.key) if subject.subject_kind == "UNIT" else None
        uow.record(
            "hold.released_from",
            *_entity(subject.subject_kind, subject.sku, subject.key),
            {"hold": hold_id, "still_held": unit in still_held},
        )
    return hold


def statuses(
    session: Session, units: Sequence[UnitKey], lots: Sequence[LotKey]
) -> tuple[dict[UnitKey, QualityStatus], dict[LotKey, QualityStatus]]:
    return statuses_of(session, units, lots, active_holds(session, units, lots))


def statuses_of(
    session: Session, units: Sequence[UnitKey], lots: Sequence[LotKey], held: HoldChecks
) -> tuple[dict[UnitKey, QualityStatus], dict[LotKey, QualityStatus]]:
    """`statuses`, with the active holds on these units and lots already read."""
    scrapped_units, scrapped_lots = store.scrapped_units_and_lots(session, units, lots)
    return (
        {u: domain.status_of(u in held.units, u in scrapped_units) for u in units},
        {lot: domain.status_of(lot in held.lots, lot in scrapped_lots) for lot in lots},
    )


def create_recall(
    uow: UnitOfWork,
    production: Production,
    warehouse: Warehouse,
    reason: str,
    units: Sequence[UnitKey],
    lots: Sequence[LotKey],
    hold_stock: bool,
) -> Recall:
    """Scope through genealogy, whereabouts through the warehouse, one item per affected
    top-level unit, and one hold over everything not yet shipped (in bulk)."""
    reason = check_free_text(reason, "recall reason")
    domain.check_subjects(len(units), len(lots), "a recall")
    started = time.perf_counter()
    scope = domain.recall_scope(
        {
            u: production.units_containing("UNIT", u.sku, u.serial, top_level_only=True)
            for u in sorted({UnitKey(*u) for u in units})
        },
        {
            lot: production.units_containing("LOT", lot.sku, lot.lot_number, top_level_only=True)
            for lot in sorted({LotKey(*lot) for lot in lots})
        },
    )
    where = warehouse.whereabouts(scope)
    scope_ms = int((time.perf_counter() - started) * 1000)

    recall = store.RecallRow(
        id=f"RC-{uuid.uuid4().hex[:12].upper()}",
        reason=reason,
        status="OPEN",
        **created_now(uow.actor),
        scope_computed_in_ms=scope_ms,
    )
    uow.session.add(recall)
    items: list[dict[str, Any]] = []
    states: dict[tuple[str, str], domain.RecallState] = {}
    nowhere = Whereabouts("NONE", None, None, None)  # never in the warehouse's hands
    for unit in scope:
        custody, location, shipment, customer = where.get(unit, nowhere)
        state = states[unit] = domain.recall_state(custody)
        items.append(
            {
                "recall_id": recall.id,
                "sku": unit[0],
                "serial": unit[1],
                "state": state.value,
                "location_code": location,
                "customer_code": customer,
                "shipment_id": shipment,
            }
        )
    unshipped = domain.still_to_hold(states)
    if hold_stock and unshipped:
        # The affected units are top-level, so the hold covers exactly them.
        hold = _new_hold(uow, f"recall {recall.id}: {reason}", len(unshipped))
        store.add_hold(uow.session, hold, [("UNIT", s, n) for s, n in unshipped], unshipped)
        recall.hold_id = hold.id
        uow.record(
            "hold.placed",
            "hold",
            hold.id,
            {"reason": hold.reason, "recall": recall.id, "unit_count": len(unshipped)},
        )
    uow.session.flush()
    store.add_recall_items(uow.session, items)
    uow.record(
        "recall.created",
        "recall",
        recall.id,
        {
            "reason": reason,
            "units": [f"{s}/{k}" for s, k in sorted(set(units))],
            "lots": [f"{s}/{k}" for s, k in sorted(set(lots))],
            "affected": len(items),
            "hold": recall.hold_id,
            "scope_computed_in_ms": scope_ms,
        },
    )
    for item in items:
        uow.record(
            "recall.item",
            "unit",
            unit_entity(item["sku"], item["serial"]),
            {"recall": recall.id, "state": item["state"], "hold": recall.hold_id},
        )
    if not items:
        recall.status = "CLOSED"
    # The items' counts by state, as just written (no need to read them back).
    return Recall(recall, dict(Counter(item["state"] for item in items)))


def update_recall_item(
    uow: UnitOfWork, recall_id: str, unit: UnitKey, state: str
) -> tuple[store.RecallItemRow, store.RecallRow]:
    resolution = domain.check_resolution(parse_enum(domain.RecallState, state, "state"))
    recall = uow.session.get(store.RecallRow, recall_id, with_for_update=True)
    if recall is None:
        raise NotFound(f"no recall {recall_id!r}")
    item = uow.session.get(store.RecallItemRow, (recall_id, *unit), with_for_update=True)
    if item is None:
        raise NotFound(f"unit {unit[0]}/{unit[1]} is not in recall {recall_id}")
    if item.state in domain.RESOLUTIONS:
        raise FailedPrecondition(f"unit {unit[0]}/{unit[1]} is already {item.state}")
    previous, item.state = item.state, resolution.value
    uow.session.flush()
    counts = store.recall_counts(uow.session, [recall_id]).get(recall_id, {})
    if domain.recall_is_complete(counts):
        recall.status = "CLOSED"
    uow.record(
        "recall.item_resolved",
        "unit",
        unit_entity(*unit),
        {
            "recall": recall_id,
            "from": previous,
            "to": resolution.value,
            "recall_status": recall.status,
        },
    )
    return item, recall


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldChecks:
    units: dict[UnitKey, list[str]]  # the active holds on each held unit
    lots: dict[LotKey, list[str]]


def active_holds(session: Session, units: Sequence[UnitKey], lots: Sequence[LotKey]) -> HoldChecks:
    return HoldChecks(
        store.active_holds_on_units(session, units), store.active_holds_on_lots(session, lots)
    )


def inspections(session: Session, units: Sequence[UnitKey], lots: Sequence[LotKey]) -> list[Any]:
    """The inspections of these units, then of these lots (rows of the table's columns)."""
    return store.inspections_of_units_and_lots(session, units, lots)


@dataclass(frozen=True)
class Hold:
    row: store.HoldRow
    subjects: list[store.HoldSubjectRow]


def holds(session: Session, ids: Sequence[str]) -> list[Hold]:
    return with_subjects(session, store.holds(session, ids))


def with_subjects(session: Session, rows: Sequence[store.HoldRow]) -> list[Hold]:
    subjects = store.hold_subjects(session, [h.id for h in rows])
    return [Hold(h, subjects.get(h.id, [])) for h in rows]


@dataclass(frozen=True)
class Recall:
    row: store.RecallRow
    counts: dict[str, int]  # items per state


def recalls(session: Session, ids: Sequence[str]) -> list[Recall]:
    return with_counts(session, store.recalls(session, ids))


def with_counts(session: Session, rows: Sequence[store.RecallRow]) -> list[Recall]:
    counts = store.recall_counts(session, [r.id for r in rows])
    return [Recall(r, counts.get(r.id, {})) for r in rows]


def unit_recalls(session: Session, units: Sequence[UnitKey]) -> list[tuple[UnitKey, list[str]]]:
    """The recalls each recalled unit is in, in key order (the others are left out)."""
    found = store.recalls_of_units(session, units)
    return [(unit, sorted(ids)) for unit, ids in sorted(found.items())]


def recall_items(
    session: Session, recall_id: str, state: str | None, size: int, after: tuple[str, str] | None
) -> Page[store.RecallItemRow]:
    return Page(*store.recall_items(session, recall_id, state, size, after))
